"""Stated limits on what a user's file may hold, and the one way files are opened.

Every reader of a user's file (tables, surveys, scenarios, taxonomies, OSM files) goes
through :func:`checked_file` and :func:`read_limited_bytes`, so a folder, a device such as
``/dev/zero``, a FIFO or a file over the byte limit is refused at once with one line, and
:func:`parse_json_text` turns every way JSON can fail (too deep, a 5,000-digit number,
``NaN``/``Infinity``) into the reader's typed error. The limits are a frozen settings
object (:class:`Limits`) whose defaults can be changed with environment variables; the
README's "Limits" section states them.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.errors import InputFileError, LifecircleError

__all__ = [
    "Limits",
    "checked_file",
    "parse_json_text",
    "read_limited_bytes",
]

MIB = 1 << 20


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def _mib(name: str, default_mib: float) -> int:
    return int(_env_number(name, default_mib) * MIB)


@dataclass(frozen=True)
class Limits:
    """What one input may hold. Defaults come from ``LIFECIRCLE_MAX_*`` variables.

    ``max_table_bytes`` bounds a table, survey, scenario or taxonomy file; ``max_osm_bytes``
    an OSM file on disk and, for ``.osm.bz2``, the bytes it expands to; ``max_rows`` the
    rows or features of a table; ``max_way_nodes`` the nodes of one OSM way (the OSM API's
    own limit is 2,000); ``max_columns`` the columns of a table; ``study_area_margin_m``
    how far outside the district's box a user's point or shape may lie;
    ``max_pattern_chars`` a taxonomy's regular expression.
    """

    max_table_bytes: int = field(default_factory=lambda: _mib("LIFECIRCLE_MAX_TABLE_MB", 100))
    max_osm_bytes: int = field(default_factory=lambda: _mib("LIFECIRCLE_MAX_OSM_MB", 2048))
    max_rows: int = field(default_factory=lambda: int(_env_number("LIFECIRCLE_MAX_ROWS", 50_000)))
    max_way_nodes: int = field(
        default_factory=lambda: int(_env_number("LIFECIRCLE_MAX_WAY_NODES", 2_000))
    )
    max_columns: int = 500
    study_area_margin_m: float = field(
        default_factory=lambda: _env_number("LIFECIRCLE_STUDY_AREA_MARGIN_M", 1_000.0)
    )
    max_pattern_chars: int = 200


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / MIB:,.0f} MB" if n_bytes >= MIB else f"{n_bytes:,} bytes"


def checked_file(
    path: Path,
    *,
    max_bytes: int,
    error: type[LifecircleError] = InputFileError,
    what: str = "file",
) -> int:
    """Check that ``path`` is a regular file of at most ``max_bytes``; return its size.

    Folders, devices (``/dev/zero``), FIFOs and sockets are refused before they are
    opened (reading them could block or never end). Messages name the file by its name,
    never by the server's folder.
    """
    name = path.name or str(path)
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise error(f"{what} not found: {name}") from exc
    except OSError as exc:
        raise error(f"cannot open {name}: {exc.strerror or type(exc).__name__}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{name} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{name} is not a regular file (it is a device, pipe or socket)")
    if info.st_size > max_bytes:
        raise error(
            f"{name} is {_size_text(info.st_size)}, over the limit of {_size_text(max_bytes)} "
            "(see 'Limits' in the README)"
        )
    return info.st_size


def read_limited_bytes(
    path: Path,
    *,
    max_bytes: int,
    error: type[LifecircleError] = InputFileError,
    what: str = "file",
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked again while reading,
    as the file may grow between the check and the read)."""
    checked_file(path, max_bytes=max_bytes, error=error, what=what)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"cannot read {path.name}: {exc.strerror or type(exc).__name__}") from exc
    if len(data) > max_bytes:
        raise error(f"{path.name} is over the limit of {_size_text(max_bytes)}")
    return data


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a number JSON allows")


def parse_json_text(
    text: str | bytes, *, name: str, error: type[LifecircleError] = InputFileError
) -> Any:
    """``json.loads`` whose every failure is ``error`` with one line naming ``name``.

    Refused: invalid JSON, ``NaN``/``Infinity`` (not JSON, and no coordinate or revision
    can be one), integers over Python's digit limit, and nesting too deep to parse.
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{name} is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    except RecursionError as exc:
        raise error(f"{name} is nested too deeply to be a GeoJSON or scenario file") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{name} is not UTF-8 text") from exc
    except ValueError as exc:  # NaN/Infinity above, or an integer of thousands of digits
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "digits" in detail:
            detail = "it holds a number with thousands of digits"
        raise error(f"{name} is not valid JSON: {detail}") from exc
