"""Where a workshop's own files live: the user data folder, never the source tree.

The shipped examples (``scenarios/*.geojson`` in the source tree) are read-only. What
people make with the app lives in one user data folder:

- ``$LIFECIRCLE_DATA_DIR``, else
- ``$XDG_DATA_HOME/lifecircle``, else ``~/.local/share/lifecircle`` (Linux and others),
  ``~/Library/Application Support/lifecircle`` (macOS),
  ``%APPDATA%\\lifecircle`` (Windows).

Inside it:

- ``scenarios/<district>/``: the scenarios of one district (a
  :class:`~geo.scenarios.store.ScenarioStore` each). ``$LIFECIRCLE_SCENARIO_DIR``, kept
  for compatibility, replaces ``<data>/scenarios``: the districts' folders are then
  ``$LIFECIRCLE_SCENARIO_DIR/<district>/``.
- ``deliberation.sqlite3``: the deliberation record (unless ``$LIFECIRCLE_DB_URL``), and
  ``minutes/``, the minutes the topics page writes (both in ``$LIFECIRCLE_SCENARIO_DIR``
  instead when that is set, where they were before).
- ``uploads/``: uploaded files (surveys, inventories), kept
  ``$LIFECIRCLE_UPLOAD_RETENTION_DAYS`` days (7 by default) and purged on start.

A district's folder gets copies of the shipped examples that belong to it (their
``metadata.district``) the first time it is opened; the copies are the user's to edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import LifecircleError
from geo.scenarios.model import RESERVED_IDS

__all__ = [
    "DEFAULT_UPLOAD_RETENTION_DAYS",
    "EXAMPLES_DIR",
    "UserData",
    "UserDataError",
    "default_data_dir",
    "district_folder_name",
    "purge_old_uploads",
    "seed_examples",
]

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "scenarios"
"""The shipped example scenarios (read-only)."""

DEFAULT_UPLOAD_RETENTION_DAYS = 7.0
_SEEDED_MARK = ".examples-seeded"
_SAFE_NAME = re.compile(r"[^a-z0-9]+")
_EXAMPLE_BYTES_LIMIT = 4_000_000  # the shipped examples are a few kB each


class UserDataError(LifecircleError, OSError):
    """The user data folder, or a setting about it, cannot be used."""


def default_data_dir() -> Path:
    """``$LIFECIRCLE_DATA_DIR``, else the per-user data folder of the platform."""
    env = os.environ.get("LIFECIRCLE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / "lifecircle"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "lifecircle"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "lifecircle"


def _scenario_root_from_env() -> Path | None:
    env = os.environ.get("LIFECIRCLE_SCENARIO_DIR")
    return Path(env).expanduser() if env else None


def _retention_from_env() -> float:
    raw = os.environ.get("LIFECIRCLE_UPLOAD_RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_UPLOAD_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = math.nan
    if not math.isfinite(days) or days < 0:
        raise UserDataError(
            f"LIFECIRCLE_UPLOAD_RETENTION_DAYS must be a number of days (0 or more), not {raw!r}"
        )
    return days


def district_folder_name(district: str) -> str:
    """A folder name for a district's files: its name in lower-case ASCII letters and
    digits (never a path), with a short hash when the name had other characters or is a
    name Windows reserves (``con``...), so that two names never share a folder."""
    slug = _SAFE_NAME.sub("-", district.lower()).strip("-")[:40]
    if slug == district and slug and slug not in RESERVED_IDS:
        return slug
    digest = hashlib.sha256(district.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"district-{digest}"


@dataclass(frozen=True)
class UserData:
    """The folders a dashboard or command writes to (pass it explicitly; see module doc).

    Attributes
    ----------
    root
        The user data folder.
    scenario_root
        The folder holding one scenario folder per district.
    upload_retention_days
        How long an uploaded file is kept.
    """

    root: Path = field(default_factory=default_data_dir)
    scenario_root: Path | None = field(default_factory=_scenario_root_from_env)
    upload_retention_days: float = field(default_factory=_retention_from_env)

    @property
    def scenarios_dir(self) -> Path:
        """Where every district's scenario folder is."""
        return self.scenario_root if self.scenario_root is not None else self.root / "scenarios"

    def scenario_dir(self, district: str) -> Path:
        """The scenario folder of one district (``<scenarios>/<district>/``)."""
        return self.scenarios_dir / district_folder_name(district)

    @property
    def database_dir(self) -> Path:
        """The folder of ``deliberation.sqlite3``: the user data folder, or
        ``$LIFECIRCLE_SCENARIO_DIR`` when that is set (where it was before)."""
        return self.scenario_root if self.scenario_root is not None else self.root

    @property
    def minutes_dir(self) -> Path:
        """Where minutes are written: next to the deliberation record."""
        return self.database_dir / "minutes"

    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"


def _example_district(path: Path) -> str | None:
    """The ``metadata.district`` of a shipped example, or ``None`` if it has none."""
    try:
        if path.stat().st_size > _EXAMPLE_BYTES_LIMIT:
            return None
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    district = meta.get("district") if isinstance(meta, dict) else None
    return district if isinstance(district, str) and district else None


def seed_examples(folder: Path, district: str, *, examples_dir: Path = EXAMPLES_DIR) -> list[str]:
    """Copy the shipped examples of ``district`` into its scenario folder, once.

    Only examples whose ``metadata.district`` is ``district`` are copied, and only the
    first time (a mark file remembers it), so an example the user deleted stays deleted
    and one the user edited is never overwritten. The examples are only ever read.

    Returns
    -------
    list[str]
        The names of the files copied (empty after the first time).

    Raises
    ------
    UserDataError
        If the folder cannot be created or written.
    """
    mark = folder / _SEEDED_MARK
    if mark.exists():
        return []
    copied: list[str] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        examples = sorted(examples_dir.glob("*.geojson")) if examples_dir.is_dir() else []
        for example in examples:
            target = folder / example.name
            if _example_district(example) != district or target.exists():
                continue
            shutil.copyfile(example, target)
            target.chmod(0o644)
            copied.append(example.name)
        mark.write_text("the shipped examples of this district were copied here once\n")
    except OSError as exc:
        raise UserDataError(
            f"cannot write the scenario folder {folder}: {exc.strerror or exc}"
        ) from exc
    return copied


def purge_old_uploads(folder: Path, *, retention_days: float, now: float | None = None) -> int:
    """Delete files in ``folder`` last written more than ``retention_days`` ago.

    Uploaded surveys hold residents' comments: they are kept only as long as the stated
    setting says. Sub-folders are not entered and symlinks are removed, not followed.

    Returns
    -------
    int
        How many files were deleted.
    """
    limit = (time.time() if now is None else now) - retention_days * 86_400
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise UserDataError(f"cannot read the uploads folder {folder}: {exc.strerror}") from exc
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime <= limit:
                Path(entry.path).unlink()
                removed += 1
    return removed
