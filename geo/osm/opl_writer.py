"""The libosmium pass of :mod:`geo.osm.opl`, run in a child process.

libosmium's OPL writer formats in a background thread; a location outside the valid range
(a hostile or broken file: ``lat="200"``) makes it throw there, and an exception in that
thread ends the whole process with ``std::terminate``. In a child process that ends only
the child: the parent reads its exit status and last error line and raises the same
one-line error a damaged file gets (:func:`geo.osm.opl.write_opl`).

``python -m geo.osm.opl_writer SOURCE OUT [WAY_IDS_FILE]``
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import osmium

OPL_FORMAT = "opl,add_metadata=timestamp,locations_on_ways=true"


def write(source: Path, out: Path, way_ids: list[int] | None) -> None:
    """Tagged nodes and ways of ``source`` (with ``way_ids``: only those ways) as OPL."""
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
        osmium.apply(str(source), locations, *filters, writer)  # type: ignore[arg-type]
    except BaseException:
        with contextlib.suppress(RuntimeError, ValueError):
            writer.close()  # a writer in error throws again here: the first error is the cause
        raise
    writer.close()


def main(argv: list[str]) -> int:
    source, out = Path(argv[0]), Path(argv[1])
    ids = None
    if len(argv) > 2 and argv[2]:
        ids = [int(line) for line in Path(argv[2]).read_text().split()]
    try:
        write(source, out, ids)
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        print(f"what(): {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
