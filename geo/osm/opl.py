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
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

BLOCK_BYTES = 32 << 20  # parse the text in blocks: memory stays bounded on a city file


@dataclass(frozen=True, eq=False)
class OplNodes:
    """Tagged nodes in file order: id, tags, WGS-84 location (NaN when missing);
    ``newest`` is the newest timestamp among them (ISO 8601 text, ``""`` if none)."""

    ids: list[int]
    tags: list[dict[str, str]]
    lon: list[float]
    lat: list[float]
    newest: str


@dataclass(frozen=True, eq=False)
class OplWays:
    """Ways in file order. Way ``i`` has the node references ``refs[start[i]:start[i+1]]``
    with their locations in ``lon``/``lat`` (NaN where the file lacks the node)."""

    ids: list[int]
    tags: list[dict[str, str]]
    start: IntArray
    refs: IntArray
    lon: FloatArray
    lat: FloatArray
    newest: str


def read_tagged(
    path: Path, *, way_ids: Iterable[int] | None = None, keys: Set[str] | None = None
) -> Iterator[OplNodes | OplWays]:
    """Tagged nodes and ways of ``path`` in blocks, in file order; with ``way_ids``, only
    those ways, tagged or not. ``keys``: the tag keys to keep (``None``: all).

    Raises ``RuntimeError`` (from libosmium) when the file is damaged.
    """
    with tempfile.TemporaryDirectory(prefix="lifecircle-opl-") as tmp:
        out = Path(tmp) / "objects.opl"
        _write_opl(path, out, way_ids=way_ids)
        yield from _read_blocks(out, keys)


def _write_opl(path: Path, out: Path, *, way_ids: Iterable[int] | None) -> None:
    """libosmium's pass, in a child process (:mod:`geo.osm.opl_writer` says why).

    Raises ``RuntimeError`` with libosmium's message when the child fails or aborts.
    """
    args = [sys.executable, "-m", "geo.osm.opl_writer", str(path), str(out)]
    if way_ids is not None:
        ids_file = out.with_suffix(".ids")
        ids_file.write_text("\n".join(str(int(i)) for i in way_ids))
        args.append(str(ids_file))
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the geo package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        found = re.findall(r"what\(\):\s*(.+)", done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise RuntimeError(
            found[0].strip() if found else (lines[-1] if lines else "libosmium stopped")
        )


def _read_blocks(out: Path, keys: Set[str] | None) -> Iterator[OplNodes | OplWays]:
    rest = b""
    with out.open("rb") as fh:
        while chunk := fh.read(BLOCK_BYTES):
            text = rest + chunk
            cut = text.rfind(b"\n") + 1
            rest = text[cut:]
            yield from _parse_block(text[:cut], keys)
    if rest:
        yield from _parse_block(rest + b"\n", keys)


# libosmium writes every object the same way: ``n<id> d<V|D> t<time> T<tags> x<lon>
# y<lat>`` and ``w<id> d<V|D> t<time> T<tags> N<n1>x<lon>y<lat>,...``.
_LINE = re.compile(rb"^([nw])(-?\d+) d[VD] t(\S*) T(\S*) (?:x(\S*) y(\S*)|N(\S*))$", re.M)
_RUN = re.compile(rb"n+|w+")


def _parse_block(text: bytes, keys: Set[str] | None) -> Iterator[OplNodes | OplWays]:
    """Consecutive node lines become one :class:`OplNodes`, way lines one :class:`OplWays`."""
    rows = _LINE.findall(text)
    if len(rows) != text.count(b"\n"):
        raise RuntimeError("libosmium wrote an OPL line this reader does not know")
    kinds = b"".join(row[0] for row in rows)
    for run in _RUN.finditer(kinds):
        group = rows[run.start() : run.end()]
        yield _nodes(group, keys) if run.group()[:1] == b"n" else _ways(group, keys)


def unescape(text: str) -> str:
    """OPL text with its ``%hex%`` escapes replaced by the characters."""
    if "%" not in text:
        return text
    parts = text.split("%")  # escapes come in pairs of %: odd parts are code points
    parts[1::2] = [chr(int(code, 16)) for code in parts[1::2]]
    return "".join(parts)


def parse_tags(field: bytes, keys: Set[str] | None = None) -> dict[str, str]:
    """An OPL tag list (``k=v,k2=v2``; ``,`` and ``=`` inside are escaped), only the
    ``keys`` wanted (``None``: all)."""
    tags: dict[str, str] = {}
    if not field:
        return tags
    for pair in field.decode("utf-8").split(","):
        key, _, value = pair.partition("=")
        if "%" in key:
            key = unescape(key)
        if keys is None or key in keys:
            tags[key] = unescape(value) if "%" in value else value
    return tags


def _newest(stamps: list[bytes]) -> str:
    return max(stamps, default=b"").decode("ascii")


def _coordinate(field: bytes) -> float:
    return float(field) if field else float("nan")


Row = tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes]


def _nodes(group: list[Row], keys: Set[str] | None) -> OplNodes:
    return OplNodes(
        ids=[int(row[1]) for row in group],
        tags=[parse_tags(row[3], keys) for row in group],
        lon=[_coordinate(row[4]) for row in group],
        lat=[_coordinate(row[5]) for row in group],
        newest=_newest([row[2] for row in group]),
    )


def _ways(group: list[Row], keys: Set[str] | None) -> OplWays:
    node_fields = [row[6] for row in group]
    counts = np.array(
        [field.count(b",") + 1 if field else 0 for field in node_fields], dtype=np.int64
    )
    start = np.zeros(len(group) + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    refs, lon, lat = _node_refs(b",".join(field for field in node_fields if field))
    if len(refs) != start[-1]:
        raise RuntimeError("unreadable node list in the OPL text")
    return OplWays(
        ids=[int(row[1]) for row in group],
        tags=[parse_tags(row[3], keys) for row in group],
        start=start,
        refs=refs,
        lon=lon,
        lat=lat,
        newest=_newest([row[2] for row in group]),
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
