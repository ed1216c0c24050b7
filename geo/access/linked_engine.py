"""The distance engine of a network with a few links added, over the baseline's arrays.

:meth:`DistanceEngine.with_edges <geo.access.engine.DistanceEngine.with_edges>` inserts a
link's edges into copies of the whole network's CSR arrays (tens of megabytes at a
million nodes) before anything is searched. A workshop edit needs only searches that stay
near the link: :class:`LinkedEngine` keeps the baseline engine's arrays shared (never
written) and the new edges as a few extra entries, searches near its sources on both
(:func:`geo.access.local_reach.reach_near` with ``extra``), cuts sub-networks from both,
and builds the merged arrays only when a search of the whole network asks for them (an
isochrone far from the link, a full recompute); then they are exactly ``with_edges``'s.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

from geo.access.engine import DistanceEngine, FloatArray, IntArray
from geo.access.local_reach import Entries, local_matrix, reach_near
from geo.errors import NetworkError


class LinkedEngine(DistanceEngine):
    """``base``'s network grown to ``n_nodes`` (new nodes last) with the undirected edges
    ``u``-``v`` (node positions, lengths ``length_m``) it does not have yet.

    ``new_xy`` (metres) places the new nodes, so that searches stay near their sources.
    """

    def __init__(
        self,
        base: DistanceEngine,
        n_nodes: int,
        u: IntArray,
        v: IntArray,
        length_m: FloatArray,
        *,
        new_xy: FloatArray | None = None,
    ) -> None:
        self.limit_m = base.limit_m
        self.n_nodes = int(n_nodes)
        self._base = base
        self._added = (
            np.asarray(u, dtype=np.int64),
            np.asarray(v, dtype=np.int64),
            np.asarray(length_m, dtype=np.float64),
        )
        rows = np.concatenate([self._added[0], self._added[1]])
        cols = np.concatenate([self._added[1], self._added[0]])
        w = np.concatenate([self._added[2], self._added[2]])
        order = np.lexsort((cols, rows))
        self._extra: Entries = (rows[order], cols[order], w[order])
        self._merged: DistanceEngine | None = None
        self._rows = None
        grow = self.n_nodes - base.n_nodes
        self.grid = None
        if base.grid is not None and new_xy is not None and len(new_xy) == grow:
            self.grid = base.grid.grown(new_xy)

    def _whole(self) -> DistanceEngine:
        """The merged engine (the CSR with the links inserted), built on first need."""
        if self._merged is None:
            self._merged = self._base.with_edges(self.n_nodes, *self._added)
        return self._merged

    # The whole network's arrays, for the searches that need all of it: built lazily.
    @property
    def _indptr(self) -> npt.NDArray[np.int32]:
        out: npt.NDArray[np.int32] = self._whole()._indptr
        return out

    @_indptr.setter
    def _indptr(self, value: npt.NDArray[np.int32]) -> None:
        raise AttributeError("a linked engine's arrays are read-only")

    @property
    def _indices(self) -> npt.NDArray[np.int32]:
        out: npt.NDArray[np.int32] = self._whole()._indices
        return out

    @_indices.setter
    def _indices(self, value: npt.NDArray[np.int32]) -> None:
        raise AttributeError("a linked engine's arrays are read-only")

    @property
    def _data(self) -> FloatArray:
        out: FloatArray = self._whole()._data
        return out

    @_data.setter
    def _data(self, value: FloatArray) -> None:
        raise AttributeError("a linked engine's arrays are read-only")

    @property
    def _csr(self) -> sparse.csr_matrix:
        return self._whole()._csr

    @_csr.setter
    def _csr(self, value: sparse.csr_matrix) -> None:
        raise AttributeError("a linked engine's arrays are read-only")

    @property
    def materialised(self) -> bool:
        """Whether the whole network's arrays have been built (a search needed them)."""
        return self._merged is not None

    def _base_arrays(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]:
        return self._base._indptr, self._base._indices, self._base._data

    def reach(
        self, node_pos: IntArray, offset_m: FloatArray, *, limit_m: float | None = None
    ) -> tuple[IntArray, FloatArray]:
        node_pos = np.asarray(node_pos, dtype=np.int64)
        offsets = np.asarray(offset_m, dtype=np.float64)
        limit = self.limit_m if limit_m is None else float(limit_m)
        if np.any(offsets < 0) or not np.all(np.isfinite(offsets)):
            raise NetworkError("snap distances must be finite and not negative")
        if self.grid is not None:
            arrays = self._base_arrays()
            found = reach_near(arrays, self.grid, node_pos, offsets, limit, extra=self._extra)
            if found is not None:
                return found
        dist = self.multi_source(node_pos, offsets, limit_m=limit)
        nodes = np.flatnonzero(np.isfinite(dist))
        return nodes.astype(np.int64), dist[nodes]

    def subnetwork(self, node_pos: IntArray) -> DistanceEngine:
        part = local_matrix(self._base_arrays(), np.asarray(node_pos, np.int64), self._extra)
        return DistanceEngine(part, limit_m=self.limit_m)

    def with_edges(
        self,
        n_nodes: int,
        u: IntArray,
        v: IntArray,
        length_m: FloatArray,
        *,
        new_xy: FloatArray | None = None,
    ) -> DistanceEngine:
        return self._whole().with_edges(n_nodes, u, v, length_m, new_xy=new_xy)
