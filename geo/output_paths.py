"""Checking where the user asked us to write, before any work is done.

``--out`` may name a folder where a file is expected, a device (``/dev/full``), a place
under ``/proc`` or a folder that does not exist: each gets one line
(:class:`geo.errors.OutputPathError`) naming the path as the user gave it.
"""

from __future__ import annotations

import stat
from pathlib import Path

from geo.errors import OutputPathError

__all__ = ["checked_output_file", "checked_output_folder"]


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def checked_output_file(path: Path) -> Path:
    """``path`` if a regular file can be written there (it may exist already)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputPathError(f"cannot write {path}: {_reason(exc)}") from exc
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputPathError(f"{path} is a folder; give a file name for --out")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputPathError(f"{path} is not a regular file (a device or pipe)")
    parent = path.parent
    if not parent.is_dir():
        raise OutputPathError(f"cannot write {path}: the folder {parent} does not exist")
    return path


def checked_output_folder(path: Path) -> Path:
    """``path`` as a folder, created if needed."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path} is a file, not a folder; give a folder for --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"cannot use {path} as the output folder: {_reason(exc)}") from exc
    return path
