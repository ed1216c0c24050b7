"""Real-structured districts of any size: the bundled Lujiazui extract tiled into a grid.

Each tile is the whole extract shifted by a whole number of tile widths, with its OSM ids
offset so that no two tiles share one; every tile keeps Lujiazui's streets, buildings,
land use and facilities. Neighbouring tiles are stitched by footways between the nearest
walkable nodes across each shared edge, so the result is one city, not islands. The file
is written as ``.osm.pbf`` and reused when it exists (keyed by the tile count).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
from scipy.spatial import cKDTree

from geo.osm.walking import is_walkable
from geo.settings import DATA_DIR

SOURCE = DATA_DIR / "shanghai_lujiazui.osm"
BBOX = (121.487, 31.224, 121.513, 31.246)  # the bundled study area (west, south, east, north)
ID_STRIDE = 100_000_000_000  # larger than any OSM id of the extract
STITCH_SPACING_M = 150.0  # one footway across a tile border every 150 m
NODES_PER_TILE = 6_550  # walking-network nodes of one Lujiazui tile (measured)


@dataclass(frozen=True)
class TiledDistrict:
    path: Path
    tiles_x: int
    tiles_y: int
    bbox: tuple[float, float, float, float]

    @property
    def tiles(self) -> int:
        return self.tiles_x * self.tiles_y


def grid_for(nodes: int) -> tuple[int, int]:
    """The tile grid (columns, rows) whose network has about ``nodes`` nodes."""
    tiles = max(1, round(nodes / NODES_PER_TILE))
    cols = max(1, round(math.sqrt(tiles)))
    rows = max(1, math.ceil(tiles / cols))
    return cols, rows


def tiled_district(folder: Path, *, nodes: int) -> TiledDistrict:
    """Write (or reuse) a tiled Lujiazui with about ``nodes`` walking-network nodes."""
    cols, rows = grid_for(nodes)
    west, south, east, north = BBOX
    width, height = east - west, north - south
    path = folder / f"lujiazui-tiled-{cols}x{rows}.osm.pbf"
    bbox = (west, south, west + cols * width, south + rows * height)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.osm.pbf")
        _write_tiles(tmp, cols, rows, width, height)
        tmp.replace(path)
    return TiledDistrict(path=path, tiles_x=cols, tiles_y=rows, bbox=bbox)


def _write_tiles(path: Path, cols: int, rows: int, width: float, height: float) -> None:
    nodes: list[tuple[int, float, float, dict[str, str]]] = []
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    objects: Iterable[Any] = osmium.FileProcessor(str(SOURCE))
    for obj in objects:
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            nodes.append((obj.id, obj.lon, obj.lat, tags))
        elif obj.is_way():
            ways.append((obj.id, [n.ref for n in obj.nodes], tags))
    walk_ids = np.array(sorted({r for _, refs, t in ways if is_walkable(t) for r in refs}))
    coord = {i: (x, y) for i, x, y, _ in nodes}
    walk_xy = np.array([coord[i] for i in walk_ids if i in coord])
    walk_ids = np.array([i for i in walk_ids if i in coord])
    west, south, east, north = BBOX
    inside = (
        (walk_xy[:, 0] > west)
        & (walk_xy[:, 0] < east)
        & (walk_xy[:, 1] > south)
        & (walk_xy[:, 1] < north)
    )
    walk_ids, walk_xy = walk_ids[inside], walk_xy[inside]
    stitches = _stitch_pairs(walk_ids, walk_xy, width, height)

    writer = osmium.SimpleWriter(str(path))
    try:
        for tx in range(cols):
            for ty in range(rows):
                offset = (tx * rows + ty + 1) * ID_STRIDE
                dx, dy = tx * width, ty * height
                for i, lon, lat, tags in nodes:
                    writer.add_node(
                        osmium.osm.mutable.Node(
                            id=i + offset, location=(lon + dx, lat + dy), tags=tags
                        )
                    )
        next_way = ID_STRIDE - 1
        for tx in range(cols):
            for ty in range(rows):
                offset = (tx * rows + ty + 1) * ID_STRIDE
                for i, refs, tags in ways:
                    writer.add_way(
                        osmium.osm.mutable.Way(
                            id=i + offset, nodes=[r + offset for r in refs], tags=tags
                        )
                    )
                for direction, (a, b) in stitches:
                    nx_, ny_ = (tx + 1, ty) if direction == "east" else (tx, ty + 1)
                    if nx_ >= cols or ny_ >= rows:
                        continue
                    other = (nx_ * rows + ny_ + 1) * ID_STRIDE
                    writer.add_way(
                        osmium.osm.mutable.Way(
                            id=next_way,
                            nodes=[int(a) + offset, int(b) + other],
                            tags={"highway": "footway", "note": "lifecircle tile stitch"},
                        )
                    )
                    next_way -= 1
    finally:
        writer.close()


def _stitch_pairs(
    ids: np.ndarray, xy: np.ndarray, width: float, height: float
) -> list[tuple[str, tuple[int, int]]]:
    """Pairs (node near the east or north edge, node near the west or south edge of the
    next tile), one every ``STITCH_SPACING_M`` along the border."""
    west, south, east, north = BBOX
    deg_m = 111_000.0
    out: list[tuple[str, tuple[int, int]]] = []
    for direction in ("east", "north"):
        if direction == "east":
            near_edge = xy[:, 0] > east - 0.002
            far_edge = xy[:, 0] < west + 0.002
            along, span = 1, (south, north)
            shift = np.array([width, 0.0])
        else:
            near_edge = xy[:, 1] > north - 0.002
            far_edge = xy[:, 1] < south + 0.002
            along, span = 0, (west, east)
            shift = np.array([0.0, height])
        if not near_edge.any() or not far_edge.any():
            continue
        tree = cKDTree(xy[far_edge] + shift)
        far_ids = ids[far_edge]
        step = STITCH_SPACING_M / deg_m
        for s in np.arange(span[0] + step / 2, span[1], step):
            candidates = np.flatnonzero(near_edge)
            k = candidates[np.argmin(np.abs(xy[candidates, along] - s))]
            _, j = tree.query(xy[k])
            out.append((direction, (int(ids[k]), int(far_ids[j]))))
    return out
