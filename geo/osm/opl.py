"""Tagged nodes and ways through libosmium's OPL writer, parsed into arrays.

Handing every way to Python as a pyosmium object costs microseconds per tag and per node
reference, about half of a cold ``prepare`` at a million nodes. Here libosmium reads the
file, keeps node locations, drops untagged objects and writes the rest as OPL text with
each way's node locations (all in C++); Python parses that text a block of lines at a
time: node references and locations with pandas' CSV reader, tags with ``str.split``.

OPL escapes what would break a line (spaces, commas, ``=``, ``@``, ``%``, most non-Latin
characters) as ``%hex%``; a missing location (a way cut at an extract's edge) is written
as ``x``/``y`` with no number and becomes NaN. Coordinates are written exactly as
libosmium holds them (fixed point, seven decimals), so they parse to the same floats as
pyosmium's ``Location.lon``/``lat``.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

OPL_FORMAT = "opl,add_metadata=timestamp,locations_on_ways=true"
BLOCK_BYTES = 32 << 20  # parse the text in blocks: memory stays bounded on a city file
_ESCAPE = re.compile(r"%([0-9a-fA-F]+)%")


@dataclass(frozen=True, eq=False)
class OplNodes:
    """Tagged nodes in file order: id, timestamp text (``""`` if none), tags, WGS-84
    location (NaN when invalid)."""

    ids: list[int]
    stamps: list[str]
    tags: list[dict[str, str]]
    lon: list[float]
    lat: list[float]


@dataclass(frozen=True, eq=False)
class OplWays:
    """Ways in file order. Way ``i`` has the node references ``refs[start[i]:start[i+1]]``
    with their locations in ``lon``/``lat`` (NaN where the file lacks the node)."""

    ids: list[int]
    stamps: list[str]
    tags: list[dict[str, str]]
    start: IntArray
    refs: IntArray
    lon: FloatArray
    lat: FloatArray


def read_tagged(
    path: Path, *, way_ids: Iterable[int] | None = None
) -> Iterator[OplNodes | OplWays]:
    """Tagged nodes and ways of ``path`` in blocks, in file order; with ``way_ids``, only
    those ways, tagged or not.

    Raises ``RuntimeError`` (from libosmium) when the file is damaged.
    """
    with tempfile.TemporaryDirectory(prefix="lifecircle-opl-") as tmp:
        out = Path(tmp) / "objects.opl"
        _write_opl(path, out, way_ids=way_ids)
        yield from _read_blocks(out)


def _write_opl(path: Path, out: Path, *, way_ids: Iterable[int] | None) -> None:
    locations = osmium.NodeLocationsForWays(osmium.index.create_map("flex_mem"))
    locations.ignore_errors()  # a way cut at the edge keeps its present nodes
    if way_ids is None:
        filters: list[object] = [
            osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY),
            osmium.filter.EmptyTagFilter(),
        ]
    else:
        filters = [osmium.filter.EntityFilter(osmium.osm.WAY), osmium.filter.IdFilter(way_ids)]
    writer = osmium.SimpleWriter(osmium.io.File(str(out), OPL_FORMAT), overwrite=True)
    try:
        osmium.apply(str(path), locations, *filters, writer)  # type: ignore[arg-type]
    finally:
        writer.close()


def _read_blocks(out: Path) -> Iterator[OplNodes | OplWays]:
    rest = b""
    with out.open("rb") as fh:
        while True:
            chunk = fh.read(BLOCK_BYTES)
            if not chunk:
                break
            text = rest + chunk
            cut = text.rfind(b"\n") + 1
            rest = text[cut:]
            yield from _parse_lines(text[:cut].split(b"\n"))
    if rest:
        yield from _parse_lines(rest.split(b"\n"))


def _parse_lines(lines: list[bytes]) -> Iterator[OplNodes | OplWays]:
    """Consecutive node lines become one :class:`OplNodes`, way lines one :class:`OplWays`."""
    group: list[list[bytes]] = []
    kind = b""
    for line in lines:
        if not line:
            continue
        head = line[:1]
        if head != kind and group:
            yield _nodes(group) if kind == b"n" else _ways(group)
            group = []
        kind = head
        if head in (b"n", b"w"):
            group.append(line.split(b" "))
    if group:
        yield _nodes(group) if kind == b"n" else _ways(group)


def _stamp(fields: list[bytes]) -> str:
    for field in fields:
        if field[:1] == b"t":
            return field[1:].decode("ascii")
    return ""


def unescape(text: str) -> str:
    """OPL text with its ``%hex%`` escapes replaced by the characters."""
    if "%" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def parse_tags(field: bytes) -> dict[str, str]:
    """An OPL tag field (``Tk=v,k2=v2``; ``,`` and ``=`` inside are escaped)."""
    if len(field) <= 1:
        return {}
    pairs = (kv.split("=", 1) for kv in field[1:].decode("utf-8").split(","))
    return {unescape(k): unescape(v) for k, v in pairs}


def _coordinate(field: bytes) -> float:
    return float(field[1:]) if len(field) > 1 else float("nan")


def _nodes(group: list[list[bytes]]) -> OplNodes:
    # n<id> <metadata...> T<tags> x<lon> y<lat>
    return OplNodes(
        ids=[int(f[0][1:]) for f in group],
        stamps=[_stamp(f[1:-3]) for f in group],
        tags=[parse_tags(f[-3]) for f in group],
        lon=[_coordinate(f[-2]) for f in group],
        lat=[_coordinate(f[-1]) for f in group],
    )


def _ways(group: list[list[bytes]]) -> OplWays:
    # w<id> <metadata...> T<tags> N<n1>x<lon>y<lat>,<n2>x...
    node_fields = [f[-1][1:] for f in group]
    counts = np.array(
        [field.count(b",") + 1 if field else 0 for field in node_fields], dtype=np.int64
    )
    start = np.zeros(len(group) + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    refs, lon, lat = _node_refs(b",".join(field for field in node_fields if field))
    if len(refs) != start[-1]:
        raise RuntimeError("unreadable node list in the OPL text")
    return OplWays(
        ids=[int(f[0][1:]) for f in group],
        stamps=[_stamp(f[1:-2]) for f in group],
        tags=[parse_tags(f[-2]) for f in group],
        start=start,
        refs=refs,
        lon=lon,
        lat=lat,
    )


def _node_refs(text: bytes) -> tuple[IntArray, FloatArray, FloatArray]:
    """``n1x1.5y2.5,n2xy`` → ids, longitudes, latitudes (NaN where missing)."""
    if not text:
        empty = np.zeros(0, dtype=np.float64)
        return np.zeros(0, dtype=np.int64), empty, empty.copy()
    # One reference per line, ``id,lon,lat``: pandas' C reader parses it in bulk.
    csv = (b"," + text).replace(b",n", b"\n").replace(b"x", b",").replace(b"y", b",")
    frame = pd.read_csv(
        io.BytesIO(csv),
        header=None,
        names=["ref", "lon", "lat"],
        dtype={"ref": np.int64, "lon": np.float64, "lat": np.float64},
        engine="c",
        skip_blank_lines=True,
    )
    return (
        frame["ref"].to_numpy(dtype=np.int64),
        frame["lon"].to_numpy(dtype=np.float64),
        frame["lat"].to_numpy(dtype=np.float64),
    )


__all__ = ["OplNodes", "OplWays", "parse_tags", "read_tagged", "unescape"]
