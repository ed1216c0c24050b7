"""Which network nodes lie near an area: the node side of the access rule for areas.

An area with no mapped entrance is reached from every node within ``area_reach_m`` of it,
else from its nearest node (:func:`geo.access.snapping.join_areas`). Both questions are
answered from the nodes' coordinates bucketed into square cells, not from a tree of a
million point geometries (building that tree cost a 1M-node district 1.3 s CPU, more
than the queries): only the nodes in cells that meet an area's box become geometries,
and GEOS measures the exact distances as before.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

# Cells about the size of the 30 m reach: few nodes per cell, few cells per area.
CELL_M = 50.0
# Boxes are widened a little beyond the distance asked, so a node at exactly that
# distance is never lost to the rounding of the box; GEOS then decides exactly.
BOX_SLACK_M = 1.0


class NodeCells:
    """Node positions (metres) sorted by the square cell that holds them."""

    def __init__(self, xy: FloatArray, *, cell_m: float = CELL_M) -> None:
        self.xy = np.asarray(xy, dtype=np.float64)
        self.cell_m = float(cell_m)
        n = len(self.xy)
        self.origin = self.xy.min(axis=0) if n else np.zeros(2)
        cells = np.floor((self.xy - self.origin) / self.cell_m).astype(np.int64)
        self.shape = (cells.max(axis=0) + 1) if n else np.ones(2, dtype=np.int64)
        keys = cells[:, 0] * self.shape[1] + cells[:, 1]
        self.order: IntArray = np.argsort(keys, kind="stable").astype(np.int64)
        self.keys: IntArray = keys[self.order]

    def in_boxes(self, lo: FloatArray, hi: FloatArray) -> tuple[IntArray, IntArray]:
        """Pairs ``(box, node position)`` of the nodes inside each box ``lo``-``hi``
        (edges included), sorted by box."""
        lo = np.asarray(lo, dtype=np.float64).reshape(-1, 2)
        hi = np.asarray(hi, dtype=np.float64).reshape(-1, 2)
        if len(lo) == 0 or len(self.xy) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        top = self.shape - 1
        c0 = np.clip(np.floor((lo - self.origin) / self.cell_m), 0, top).astype(np.int64)
        c1 = np.clip(np.floor((hi - self.origin) / self.cell_m), 0, top).astype(np.int64)
        # One run of sorted keys per (box, column of cells): the rows of a column are
        # consecutive keys.
        n_cols = c1[:, 0] - c0[:, 0] + 1
        col_box = np.repeat(np.arange(len(lo)), n_cols)
        col = c0[col_box, 0] + _ranks(n_cols)
        start = np.searchsorted(self.keys, col * self.shape[1] + c0[col_box, 1], side="left")
        stop = np.searchsorted(self.keys, col * self.shape[1] + c1[col_box, 1], side="right")
        run = stop - start
        box = np.repeat(col_box, run)
        node = self.order[np.repeat(start, run) + _ranks(run)]
        xy = self.xy[node]
        inside = np.all((xy >= lo[box]) & (xy <= hi[box]), axis=1)
        return box[inside].astype(np.int64), node[inside]


def _ranks(counts: IntArray) -> IntArray:
    """``0..k-1`` for each count ``k``, concatenated."""
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)


def nodes_within(
    cells: NodeCells, areas: ObjectArray, distance_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Triples ``(area, node position, metres)`` of the nodes within ``distance_m`` of
    each area (non-empty geometries in metres), sorted by area.

    The metres are GEOS's distance from the node to the area (0 inside), measured once
    per node in the area's box: the same number decides "within" and is the cost.
    """
    if len(areas) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    bounds = shapely.bounds(areas)
    margin = distance_m + BOX_SLACK_M
    area_i, node = cells.in_boxes(bounds[:, :2] - margin, bounds[:, 2:] + margin)
    dist = shapely.distance(shapely.points(cells.xy[node]), areas[area_i])
    near = dist <= distance_m
    return area_i[near], node[near], np.asarray(dist[near], dtype=np.float64)


def nearest_nodes(
    cells: NodeCells, areas: ObjectArray, *, start_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Per area, its nearest node and the distance (ties: the lowest node position):
    ``(area, node position, metres)``, areas without any node left out.

    The search box grows from ``start_m`` around each area until the nearest node found
    lies inside it (then no node outside can be nearer).
    """
    n = len(areas)
    out_area, out_node, out_dist = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    if n == 0 or len(cells.xy) == 0:
        return out_area, out_node, out_dist
    bounds = shapely.bounds(areas)
    xy_lo, xy_hi = cells.xy.min(axis=0), cells.xy.max(axis=0)
    todo = np.arange(n)
    margin = max(float(start_m), cells.cell_m)
    found: list[tuple[IntArray, IntArray, FloatArray]] = []
    while len(todo):
        lo, hi = bounds[todo, :2] - margin, bounds[todo, 2:] + margin
        box, node = cells.in_boxes(lo, hi)
        dist = shapely.distance(areas[todo[box]], shapely.points(cells.xy[node]))
        order = np.lexsort((node, dist, box))
        box, node, dist = box[order], node[order], dist[order]
        first = np.ones(len(box), dtype=bool)
        first[1:] = box[1:] != box[:-1]
        box, node, dist = box[first], node[first], dist[first]
        # Settled: the nearest node found lies within the margin (any nearer one would be
        # inside the box too), or the box already holds every node.
        covers_all = np.all(lo <= xy_lo, axis=1) & np.all(hi >= xy_hi, axis=1)
        done = (dist <= margin) | covers_all[box]
        found.append((todo[box[done]], node[done], dist[done]))
        settled = covers_all.copy()
        settled[box[done]] = True
        todo = todo[~settled]
        margin *= 2.0
    area_i, node_pos, dist_m = (np.concatenate(p) for p in zip(*found, strict=True))
    order = np.argsort(area_i, kind="stable")
    return area_i[order], node_pos[order], dist_m[order].astype(np.float64)
