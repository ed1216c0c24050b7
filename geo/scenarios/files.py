"""Writing scenario files safely: atomic replace with fsync, one lock per folder and process.

A temporary file in the same folder is written, flushed, fsynced and moved over the
target with :func:`os.replace`, and the folder is fsynced: a crash leaves the old file or
the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from geo.scenarios.model import (
    ScenarioError,
)

# One lock per folder and process, shared by every store of that folder (Streamlit runs
# each browser session in a thread of one process, each with its own store object).
# This is a registry of locks, not a setting; it is rebuilt in a forked child, where a
# lock held by another thread of the parent would otherwise stay locked forever.
_REGISTRY_GUARD = threading.Lock()
_PROCESS_LOCKS: dict[str, threading.Lock] = {}

if sys.platform != "win32":
    import fcntl


def process_lock(folder: Path) -> threading.Lock:
    with _REGISTRY_GUARD:
        return _PROCESS_LOCKS.setdefault(str(folder), threading.Lock())


def _reset_locks_in_child() -> None:
    global _REGISTRY_GUARD
    _REGISTRY_GUARD = threading.Lock()
    _PROCESS_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_in_child)


# --- files ------------------------------------------------------------------------------

TEMP_FILE_GLOB = ".*.tmp"
"""What :func:`atomic_write` names its temporary files (``.<name>.<random>.tmp``)."""


def contained(folder: Path, path: Path) -> Path:
    """``path`` if it stays inside ``folder`` once symbolic links are followed.

    ``folder`` must be resolved already. A link planted in the folder (a file, the
    history, one scenario's history) that points elsewhere is refused, so that no read
    or write ever reaches outside the folder through it.

    Raises
    ------
    ScenarioError
        If ``path`` leads outside ``folder``.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links (Python < 3.13)
        raise ScenarioError(f"{path.name} cannot be used: {exc}") from exc
    if real != folder and folder not in real.parents:
        raise ScenarioError(
            f"{path.relative_to(folder) if folder in path.parents else path.name} is a link "
            "to somewhere outside the scenario folder: it is left alone and not used"
        )
    return path


def remove_stale_temp_files(folder: Path, *, history: str) -> list[Path]:
    """Delete temporary files a killed save left in ``folder``, ``folder/history`` and
    its sub-folders. Callers hold the folder's lock, so no save is writing any of them.
    Links are never followed: a planted link is left alone.
    """

    def real_dirs(parent: Path) -> list[Path]:
        try:
            return [p for p in parent.iterdir() if p.is_dir() and not p.is_symlink()]
        except OSError:
            return []

    folders = [folder]
    top = folder / history
    if top.is_dir() and not top.is_symlink():
        folders += [top, *real_dirs(top)]
    removed: list[Path] = []
    for where in folders:
        for path in where.glob(TEMP_FILE_GLOB):
            if path.is_symlink() or path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or ``None`` if there is no such file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ScenarioError(f"cannot read {path.name}: {exc.strerror or exc}") from exc


def fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        # Some file systems (network shares) refuse to fsync a folder; the rename is
        # then as durable as they make it.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        # Created 0666 less the umask (0644 as a rule), like any data file: not tempfile's
        # 0600, nor os.open's default 0777 (which made scenario files executable).
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise ScenarioError(f"could not write {path.name}: {exc.strerror or exc}") from exc
        raise
    fsync_dir(path.parent)


@contextlib.contextmanager
def locked_folder(folder: Path, *, lock_name: str) -> Iterator[None]:
    """Hold ``folder``'s thread lock and OS lock (creating the folder if needed).

    The OS lock is ``fcntl.flock`` on ``folder/lock_name``, which the OS releases if the
    process dies. Windows would need ``msvcrt.locking``: there only the thread lock holds.
    """
    with process_lock(folder):
        fd = -1
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if sys.platform != "win32":
                # O_NOFOLLOW: a planted symlink must not make the lock create a file elsewhere.
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                fd = os.open(folder / lock_name, flags, 0o666)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if fd >= 0:
                os.close(fd)
            raise ScenarioError(
                f"cannot lock the scenario folder {folder}: {exc.strerror or exc}"
            ) from exc
        try:
            yield
        finally:
            if fd >= 0:
                os.close(fd)  # releases the flock
