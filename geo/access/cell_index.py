"""The H3 cells of a network's nodes, grouped once so that every layer reads them as arrays.

A district's layers on cells (:mod:`geo.access.cells`) ask the same questions for every
category: which cell each node is in, which nodes share a cell, and each cell's hexagon.
The answers depend only on the network, so they are computed once per network and
resolution and kept while the network lives.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import numpy.typing as npt
import shapely
from h3.api import numpy_int as h3n

from geo.district.network import WalkNetwork

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CellArray = npt.NDArray[np.uint64]
GeomArray = npt.NDArray[np.object_]


@dataclass
class CellIndex:
    """The nodes of one network grouped by their H3 cell.

    Attributes
    ----------
    node_cell
        Per node, the cell's position in ``cells``.
    cells
        The distinct cells, sorted.
    by_cell
        Node positions ordered by cell (stable: node order within a cell).
    starts
        Where each cell's nodes begin in ``by_cell``.
    sorted_cell
        The cell of each position of ``by_cell``.
    """

    node_cell: IntArray
    cells: CellArray
    by_cell: IntArray
    starts: IntArray
    sorted_cell: IntArray
    _hexagons: GeomArray | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_node_cells(cls, node_cells: CellArray) -> CellIndex:
        cells, node_cell = np.unique(node_cells, return_inverse=True)
        node_cell = np.asarray(node_cell, dtype=np.int64).reshape(-1)
        by_cell = np.argsort(node_cell, kind="stable").astype(np.int64)
        sorted_cell = node_cell[by_cell]
        starts = np.searchsorted(sorted_cell, np.arange(len(cells))).astype(np.int64)
        return cls(
            node_cell=node_cell,
            cells=cells,
            by_cell=by_cell,
            starts=starts,
            sorted_cell=sorted_cell,
        )

    def hexagons(self) -> GeomArray:
        """The polygon of every cell (WGS-84), built once."""
        with self._lock:
            if self._hexagons is None:
                self._hexagons = cell_hexagons(self.cells)
            return self._hexagons

    def nearest_owner(self, dist_m: FloatArray, label: IntArray) -> IntArray:
        """Per cell, the label of its nearest node with a finite distance (``-1`` if none).

        Of several nodes at the same distance, the first in node order wins.
        """
        owner = np.full(len(self.cells), -1, dtype=np.int64)
        if len(self.by_cell) == 0:
            return owner
        lab = label[self.by_cell]
        d = np.where(lab >= 0, dist_m[self.by_cell], np.inf)
        mins = np.minimum.reduceat(d, self.starts)
        # Every cell holds a node, so each minimum repeats over its cell's run of nodes.
        sizes = np.diff(self.starts, append=len(d))
        hit = np.flatnonzero((d == np.repeat(mins, sizes)) & np.isfinite(d))
        if len(hit) == 0:
            return owner
        hit_group = self.sorted_cell[hit]
        first = np.ones(len(hit), dtype=bool)
        first[1:] = hit_group[1:] != hit_group[:-1]
        owner[hit_group[first]] = lab[hit[first]]
        return owner


def cell_hexagons(cells: CellArray) -> GeomArray:
    """The polygon of each cell (WGS-84), built as one array."""
    if len(cells) == 0:
        return np.zeros(0, dtype=object)
    rings = [h3n.cell_to_boundary(c) for c in cells.tolist()]
    return np.asarray(shapely.polygons(linear_rings(rings)), dtype=object)


def linear_rings(rings: Sequence[Sequence[tuple[float, float]]]) -> GeomArray:
    """H3's (lat, lng) rings as shapely linear rings (x = lng), built as one array: one flat
    read of every pair, no small array per ring."""
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    latlng = np.fromiter(
        chain.from_iterable(chain.from_iterable(rings)),
        dtype=np.float64,
        count=2 * int(sizes.sum()),
    ).reshape(-1, 2)
    ring_of = np.repeat(np.arange(len(rings)), sizes)
    out: GeomArray = shapely.linearrings(latlng[:, ::-1], indices=ring_of)
    return out


_INDEX: weakref.WeakKeyDictionary[WalkNetwork, dict[int, CellIndex]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def cell_index(network: WalkNetwork, node_cells: CellArray, resolution: int) -> CellIndex:
    """The cell index of ``network`` at ``resolution`` (``node_cells`` its nodes' cells)."""
    with _LOCK:
        cached = _INDEX.get(network, {}).get(resolution)
    if cached is not None:
        return cached
    index = CellIndex.from_node_cells(node_cells)
    with _LOCK:
        return _INDEX.setdefault(network, {}).setdefault(resolution, index)
