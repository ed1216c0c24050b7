"""Checking a local OSM file before it is parsed: format, checksum, header bounds and date.

A missing, empty, binary, truncated or non-OSM file gets one planner-readable line
(:class:`geo.errors.InputFileError`), never a traceback.
"""

from __future__ import annotations

import bz2
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium

from geo.errors import InputFileError
from geo.limits import Limits, checked_file
from geo.osm.bbox import BBox

SUPPORTED_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".xml", ".osm.xml")


# --- file checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class OsmFileInfo:
    """What a local OSM file is, before it is parsed in full."""

    path: Path
    format: str  # "xml", "xml.bz2" or "pbf"
    sha256: str
    size_bytes: int
    bounds: BBox | None
    data_date: str | None


def _sniff_format(path: Path, head: bytes) -> str:
    name = path.name.lower()
    if head.startswith(b"BZh"):
        return "xml.bz2"
    if len(head) > 8 and b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<osm")):
        if b"<osm" not in head and not text.startswith(b"<?xml"):
            raise InputFileError(f"{path.name} is not an OSM XML file")
        return "xml"
    if name.endswith((".pbf",)):
        raise InputFileError(f"{path.name} is not a valid .osm.pbf file (bad header)")
    if name.endswith(".bz2"):
        raise InputFileError(f"{path.name} is not a bzip2-compressed OSM file")
    if b"\x00" in head[:512] or not _is_text(head):
        raise InputFileError(f"{path.name} is a binary file, not OSM data")
    raise InputFileError(
        f"{path.name} is not OpenStreetMap data (expected OSM XML starting with <osm>, "
        "a .osm.bz2 or a .osm.pbf file)"
    )


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 4
    return True


_OSM_BASE = re.compile(rb'<meta\s+osm_base="([0-9T:\-]+)Z?"')
_TIMESTAMP = re.compile(rb'timestamp="([0-9T:\-]+)Z?"')


def _xml_head(path: Path, fmt: str, size: int = 8192) -> bytes:
    if fmt == "xml.bz2":
        with bz2.open(path, "rb") as fh:
            return fh.read(size)
    with path.open("rb") as fh:
        return fh.read(size)


def inspect_osm_file(path: Path | str, *, limits: Limits | None = None) -> OsmFileInfo:
    """Check that ``path`` is a readable OSM file and read its header.

    Raises
    ------
    InputFileError
        For a missing, empty, binary, truncated or non-OSM file, a folder, a device or a
        pipe, or a file over ``limits.max_osm_bytes``, with a one-line reason.
    """
    file = Path(path)
    limits = limits if limits is not None else Limits()
    size = checked_file(file, max_bytes=limits.max_osm_bytes, what="OSM file")
    if size == 0:
        raise InputFileError(f"{file.name} is empty")
    with file.open("rb") as fh:
        head = fh.read(4096)
    fmt = _sniff_format(file, head)
    sha256 = file_sha256(file)
    try:
        reader = osmium.io.Reader(str(file), osmium.osm.osm_entity_bits.NOTHING)
        box = reader.header().box()
        reader.close()
    except (RuntimeError, ValueError) as exc:
        raise InputFileError(
            f"{file.name} cannot be read as OSM data (damaged, truncated or another kind "
            f"of file): {first_line(exc)}"
        ) from exc
    bounds: BBox | None = None
    if box.valid():
        bounds = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
    data_date = None
    if fmt != "pbf":
        try:
            match = _OSM_BASE.search(_xml_head(file, fmt))
        except (OSError, EOFError) as exc:
            raise InputFileError(f"{file.name} is damaged: {first_line(exc)}") from exc
        if match:
            data_date = match.group(1).decode()[:10]
    return OsmFileInfo(
        path=file,
        format=fmt,
        sha256=sha256,
        size_bytes=size,
        bounds=bounds,
        data_date=data_date,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the cache key of a local source)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise InputFileError(f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{path} is a folder, not an OSM file") from exc
    except OSError as exc:
        raise InputFileError(f"cannot read {path.name}: {exc.strerror}") from exc
    return digest.hexdigest()


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def plain_osm_xml(info: OsmFileInfo, *, max_bytes: int) -> Iterator[Path]:
    """The file to parse: ``info.path`` itself, or for ``.osm.bz2`` its XML expanded into a
    temporary file, stopped at ``max_bytes`` (a 1 KB file can expand to gigabytes).

    Expanding once here and parsing the plain XML costs about what osmium's own bzip2
    reading would, and the limit is checked as the bytes come.
    """
    if info.format != "xml.bz2":
        yield info.path
        return
    fd, name = tempfile.mkstemp(prefix="lifecircle-", suffix=".osm")
    tmp = Path(name)
    try:
        _expand_bz2(info.path, fd, max_bytes=max_bytes)
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _expand_bz2(path: Path, fd: int, *, max_bytes: int) -> None:
    written = 0
    try:
        with bz2.open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > max_bytes:
                    raise InputFileError(
                        f"{path.name} expands to more than {max_bytes / (1 << 20):,.0f} MB "
                        "of XML, over the limit (LIFECIRCLE_MAX_OSM_MB; see 'Limits' in the "
                        "README)"
                    )
                dst.write(chunk)
    except InputFileError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        raise InputFileError(f"{path.name} is damaged or truncated: {first_line(exc)}") from exc
