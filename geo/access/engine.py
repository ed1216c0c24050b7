"""Walking distances from every network node to the nearest facility of each category.

A facility snaps to its nearest network node; the straight-line snap distance is added.
A node's distance to a category is the minimum, over that category's facilities, of the
network distance from the node to the facility's node plus the facility's ``snap_m``.

The engine runs SciPy's compiled Dijkstra once per category from a virtual source joined
to every facility node by an edge of length ``snap_m``, bounded at ``limit_m``; beyond
that a node's distance is ``inf`` ("not within reach"). Adding one facility is an
incremental update: one bounded single-source search, then an element-wise minimum.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.access.distances import AccessResult
from geo.access.local_reach import NodeGrid, reach_near
from geo.access.snapping import snap_facilities, sources_by_category
from geo.district.network import WalkNetwork
from geo.errors import NetworkError
from geo.forked import can_fork, rows_in_two_processes
from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# How far apart two sums of the same lengths may round (m): far below any street length.
LABEL_TOL_M = 1e-6
# From this many nodes and searched rows a table's Dijkstra is split over two processes:
# a fork of a city's analysis costs 0.1-0.3 s, a row's search at 1M nodes about 0.2 s, so
# a workshop edit's one or two rows stay in this process.
PARALLEL_MIN_NODES = 200_000
PARALLEL_MIN_ROWS = 8


class DistanceEngine:
    """Bounded multi-source shortest paths on one network (a symmetric CSR matrix)."""

    def __init__(
        self, csr: sparse.csr_matrix, *, limit_m: float, grid: NodeGrid | None = None
    ) -> None:
        if csr.shape[0] == 0:
            raise NetworkError("the walking network is empty: no distances to compute")
        if not np.isfinite(limit_m) or limit_m <= 0:
            raise NetworkError(f"the distance limit must be a positive number, not {limit_m}")
        self.limit_m = float(limit_m)
        self.n_nodes = int(csr.shape[0])
        m = csr.tocsr().astype(np.float64)
        m.sort_indices()
        # The virtual source is an extra last row appended per query: the network's own
        # arrays are never copied more than that.
        self._indptr = m.indptr.astype(np.int32)
        self._indices = m.indices.astype(np.int32)
        self._data = m.data
        self._csr = sparse.csr_matrix(
            (self._data, self._indices, self._indptr), shape=(self.n_nodes, self.n_nodes)
        )
        self._rows: npt.NDArray[np.int32] | None = None
        # Where the nodes lie (metres), so a search can stay near its sources.
        self.grid = grid if grid is not None and grid.n_nodes == self.n_nodes else None

    @classmethod
    def for_network(cls, network: WalkNetwork, *, limit_m: float) -> DistanceEngine:
        return cls(network.csr, limit_m=limit_m, grid=NodeGrid(network.xy))

    def with_edges(
        self,
        n_nodes: int,
        u: IntArray,
        v: IntArray,
        length_m: FloatArray,
        *,
        new_xy: FloatArray | None = None,
    ) -> DistanceEngine:
        """This engine's network grown to ``n_nodes`` (new nodes last) with undirected edges
        ``u``-``v`` that it does not have yet: no rebuild from the edge table. ``new_xy``
        (metres) places the new nodes so that searches can stay local."""
        # The new entries are inserted into the sorted CSR arrays (one copy of each, no
        # re-sort of the whole network). Built from entries, not by adding matrices: a sum
        # would drop the network's zero-length edges (explicit zeros), real edges to Dijkstra.
        rows = np.concatenate([u, v]).astype(np.int64)
        cols = np.concatenate([v, u]).astype(np.int64)
        w = np.concatenate([length_m, length_m]).astype(np.float64)
        order = np.lexsort((cols, rows))
        rows, cols, w = rows[order], cols[order], w[order]
        grow = n_nodes - self.n_nodes
        indptr = np.concatenate([self._indptr, np.full(grow, self._indptr[-1], np.int32)])
        at = np.array(
            [
                indptr[r] + np.searchsorted(self._indices[indptr[r] : indptr[r + 1]], c)
                if r < self.n_nodes
                else indptr[-1]
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        counts = np.bincount(rows, minlength=n_nodes)
        out = object.__new__(DistanceEngine)
        out.limit_m = self.limit_m
        out.n_nodes = int(n_nodes)
        out._indptr = (indptr + np.concatenate([[0], np.cumsum(counts)])).astype(np.int32)
        out._indices = np.insert(self._indices, at, cols.astype(np.int32))
        out._data = np.insert(self._data, at, w)
        out._csr = sparse.csr_matrix(
            (out._data, out._indices, out._indptr), shape=(out.n_nodes, out.n_nodes)
        )
        out._rows = None
        out.grid = None
        if self.grid is not None and new_xy is not None and len(new_xy) == grow:
            out.grid = self.grid.grown(new_xy)
        return out

    def subnetwork(self, node_pos: IntArray) -> DistanceEngine:
        """The engine of the nodes ``node_pos`` (sorted) and the edges between them."""
        part = self._csr[node_pos][:, node_pos]
        return DistanceEngine(part, limit_m=self.limit_m)

    def _with_source(self, node_pos: IntArray, offset_m: FloatArray) -> sparse.csr_matrix:
        n = self.n_nodes
        k = len(node_pos)
        indptr = np.concatenate([self._indptr, [self._indptr[-1] + k]]).astype(np.int32)
        indices = np.concatenate([self._indices, node_pos.astype(np.int32)])
        data = np.concatenate([self._data, offset_m.astype(np.float64)])
        return sparse.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))

    def multi_source(
        self,
        node_pos: IntArray,
        offset_m: FloatArray | None = None,
        *,
        limit_m: float | None = None,
    ) -> FloatArray:
        """Distance (m) from every node to the nearest source; ``inf`` beyond the limit."""
        node_pos = np.asarray(node_pos, dtype=np.int64)
        limit = self.limit_m if limit_m is None else float(limit_m)
        if len(node_pos) == 0:
            return np.full(self.n_nodes, np.inf)
        offsets = np.zeros(len(node_pos)) if offset_m is None else np.asarray(offset_m, float)
        if np.any(offsets < 0) or not np.all(np.isfinite(offsets)):
            raise NetworkError("snap distances must be finite and not negative")
        graph = self._with_source(node_pos, offsets)
        dist = csgraph.dijkstra(graph, directed=True, indices=self.n_nodes, limit=limit)
        return np.asarray(dist[: self.n_nodes], dtype=np.float64)

    def multi_source_groups(
        self, groups: Sequence[tuple[IntArray, FloatArray]], *, limit_m: float | None = None
    ) -> FloatArray:
        """Distances for several independent source groups (one row each) in one call.

        Each group gets its own virtual source row; the rows have no incoming edges, so
        the searches do not mix. One SciPy call for all groups saves the per-call set-up
        (matrix checks, array allocation) that a loop over categories pays each time.
        """
        k = len(groups)
        n = self.n_nodes
        if k == 0:
            return np.zeros((0, n))
        limit = self.limit_m if limit_m is None else float(limit_m)
        sizes = np.array([len(g[0]) for g in groups], dtype=np.int64)
        nodes = (
            np.concatenate([np.asarray(g[0], dtype=np.int64) for g in groups])
            if sizes.sum()
            else np.zeros(0, np.int64)
        )
        offsets = (
            np.concatenate([np.asarray(g[1], dtype=np.float64) for g in groups])
            if sizes.sum()
            else np.zeros(0)
        )
        if np.any(offsets < 0) or not np.all(np.isfinite(offsets)):
            raise NetworkError("snap distances must be finite and not negative")
        indptr = np.concatenate([self._indptr, self._indptr[-1] + np.cumsum(sizes)]).astype(
            np.int32
        )
        indices = np.concatenate([self._indices, nodes.astype(np.int32)])
        data = np.concatenate([self._data, offsets])
        graph = sparse.csr_matrix((data, indices, indptr), shape=(n + k, n + k))
        rows = np.flatnonzero(sizes > 0)
        # SciPy's Dijkstra holds Python's lock for the whole call: on a large network the
        # rows are split between this process and a forked child (each row's search is
        # its own, so the table is the same).
        parallel = n >= PARALLEL_MIN_NODES and len(rows) >= PARALLEL_MIN_ROWS and can_fork()
        # Filled once: the searched rows are copied in, only the others set to inf (at
        # 1M nodes a table is 112 MB and every pass over it counts).
        out = np.empty((k, n))
        out[sizes == 0] = np.inf

        def search(part: IntArray) -> FloatArray:
            dist = csgraph.dijkstra(graph, directed=True, indices=n + part, limit=limit)
            return np.asarray(dist, dtype=np.float64)[:, :n]

        if parallel:
            rows_in_two_processes(search, rows, out)
        elif len(rows):
            out[rows] = search(rows)
        return out

    def nearest_source(
        self,
        node_pos: IntArray,
        offset_m: FloatArray | None = None,
        *,
        limit_m: float | None = None,
    ) -> tuple[FloatArray, IntArray]:
        """Distances plus, per node, the index (into ``node_pos``) of its nearest source.

        Unreached nodes get ``-1``. Ties go to whichever source Dijkstra settles first.
        """
        node_pos = np.asarray(node_pos, dtype=np.int64)
        n = self.n_nodes
        if len(node_pos) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        offsets = np.zeros(len(node_pos)) if offset_m is None else np.asarray(offset_m, float)
        limit = self.limit_m if limit_m is None else float(limit_m)
        graph = self._with_source(node_pos, offsets)
        dist, pred = csgraph.dijkstra(
            graph, directed=True, indices=n, limit=limit, return_predecessors=True
        )
        dist = np.asarray(dist[:n], dtype=np.float64)
        pred = np.asarray(pred[:n], dtype=np.int64)
        # Which source edge each first-hop node came in by: several sources may share a
        # node; the one with the smallest offset wins there.
        first = np.full(n, -1, dtype=np.int64)
        order = np.lexsort((offsets, node_pos))
        seen_nodes, first_idx = np.unique(node_pos[order], return_index=True)
        first[seen_nodes] = order[first_idx]
        # Pointer jumping: follow predecessors up to the first-hop node (pred == n).
        root = np.where(pred == n, np.arange(n), pred)
        root[pred < 0] = -1
        for _ in range(64):
            valid = root >= 0
            nxt = root.copy()
            nxt[valid] = np.where(pred[root[valid]] == n, root[valid], root[root[valid]])
            if np.array_equal(nxt, root):
                break
            root = nxt
        label = np.full(n, -1, dtype=np.int64)
        ok = root >= 0
        label[ok] = first[root[ok]]
        return dist, label

    def source_labels(
        self, dist_m: FloatArray, node_pos: IntArray, offset_m: FloatArray
    ) -> IntArray | None:
        """Per node, the index (into ``node_pos``) of its nearest source, read from
        distances already computed for exactly these sources (no second search).

        A node's way back is a neighbour ``u`` with ``dist[u] + length == dist[v]`` (to
        ``LABEL_TOL_M``), the one nearest its own source first; a source's node whose
        distance is its offset is a first hop. ``None`` when some reached node has no way
        back (the distances were not this engine's for these sources): then
        :meth:`nearest_source` decides.
        """
        n = self.n_nodes
        dist = np.asarray(dist_m, dtype=np.float64)
        node_pos = np.asarray(node_pos, dtype=np.int64)
        offsets = np.asarray(offset_m, dtype=np.float64)
        label = np.full(n, -1, dtype=np.int64)
        if len(node_pos) == 0:
            return label
        first = np.full(n, -1, dtype=np.int64)
        order = np.lexsort((offsets, node_pos))
        seen_nodes, first_idx = np.unique(node_pos[order], return_index=True)
        first[seen_nodes] = order[first_idx]
        hop = np.zeros(n, dtype=bool)
        hop[seen_nodes] = np.abs(dist[seen_nodes] - offsets[order[first_idx]]) <= LABEL_TOL_M
        # Entry (v, u) of the symmetric matrix: is neighbour u a way back for row v? Rows
        # keep the entries of a node together, so minima are segment reductions.
        v, u, w = self._edge_rows(), self._indices, self._data
        du = dist[u]
        gap = du + w
        with np.errstate(invalid="ignore"):  # inf - inf beyond the limit: not a way back
            gap -= np.repeat(dist, np.diff(self._indptr))
            back = np.abs(gap, out=gap) <= LABEL_TOL_M  # False where dist[v] is inf
        back &= ~hop[v]
        # Every step back must get nearer to a source (or, on a zero-length edge, go to a
        # lower node), so the ways back end at first hops.
        if np.any(w <= 2 * LABEL_TOL_M):  # a network without such edges skips the test
            back &= (w > 2 * LABEL_TOL_M) | (u < v)
        at = np.flatnonzero(back)
        cv, cu, cd = v[at], u[at], du[at]
        pred = np.full(n, n, dtype=np.int64)
        if len(at):
            start = np.flatnonzero(np.concatenate([[True], cv[1:] != cv[:-1]]))
            nearest = np.minimum.reduceat(cd, start)
            keep = np.flatnonzero(cd == np.repeat(nearest, np.diff(start, append=len(cd))))
            kv, ku = cv[keep], cu[keep].astype(np.int64)
            kstart = np.flatnonzero(np.concatenate([[True], kv[1:] != kv[:-1]]))
            pred[kv[kstart]] = np.minimum.reduceat(ku, kstart)
        reached = np.isfinite(dist)
        if np.any(reached & ~hop & (pred == n)):
            return None
        root = np.where(hop, np.arange(n), np.where(pred < n, pred, -1))
        # Pointer jumping: each round halves what is left; only nodes whose root is not
        # yet a first hop (nor nowhere) take part, so later rounds are short.
        active = np.flatnonzero(root >= 0)
        active = active[~hop[root[active]]]
        for _ in range(64):
            if len(active) == 0:
                break
            ahead = root[root[active]]
            root[active] = ahead
            # (hop[-1] is some node's flag, but ahead < 0 drops that walker anyway)
            active = active[(ahead >= 0) & ~hop[ahead]]
        ok = reached & (root >= 0)
        if not hop[root[ok]].all():  # a way back that ends nowhere: let Dijkstra decide
            return None
        label[ok] = first[root[ok]]
        return label

    def _edge_rows(self) -> npt.NDArray[np.int32]:
        """The row (from-node) of every stored edge, built once."""
        if self._rows is None:
            counts = np.diff(self._indptr)
            self._rows = np.repeat(np.arange(self.n_nodes, dtype=np.int32), counts)
        return self._rows

    def single_source(self, node_pos: int, *, limit_m: float | None = None) -> FloatArray:
        """Network distance (m) from one node to all nodes, bounded."""
        limit = self.limit_m if limit_m is None else float(limit_m)
        dist = csgraph.dijkstra(self._csr, directed=True, indices=int(node_pos), limit=limit)
        return np.asarray(dist, dtype=np.float64)

    def reach(
        self, node_pos: IntArray, offset_m: FloatArray, *, limit_m: float | None = None
    ) -> tuple[IntArray, FloatArray]:
        """The nodes within the limit of the sources (sorted) and their distances (m).

        The same answer as :meth:`multi_source`, without the rest of the network: the
        search stays near the sources when the engine knows where its nodes lie
        (:mod:`geo.access.local_reach`), else it searches everything.
        """
        node_pos = np.asarray(node_pos, dtype=np.int64)
        offsets = np.asarray(offset_m, dtype=np.float64)
        limit = self.limit_m if limit_m is None else float(limit_m)
        if np.any(offsets < 0) or not np.all(np.isfinite(offsets)):
            raise NetworkError("snap distances must be finite and not negative")
        if self.grid is not None:
            arrays = (self._indptr, self._indices, self._data)
            found = reach_near(arrays, self.grid, node_pos, offsets, limit)
            if found is not None:
                return found
        dist = self.multi_source(node_pos, offsets, limit_m=limit)
        nodes = np.flatnonzero(np.isfinite(dist))
        return nodes.astype(np.int64), dist[nodes]

    def add_source(self, dist_m: FloatArray, node_pos: int, offset_m: float = 0.0) -> FloatArray:
        """Incremental update: distances after one more facility at ``node_pos``."""
        return self.add_sources(dist_m, np.array([node_pos]), np.array([float(offset_m)]))

    def add_sources(
        self, dist_m: FloatArray, node_pos: IntArray, offset_m: FloatArray
    ) -> FloatArray:
        """Incremental update for one facility with several ways in (one local search)."""
        out, _ = self.lower(dist_m, node_pos, offset_m)
        return out

    def lower(
        self, dist_m: FloatArray, node_pos: IntArray, offset_m: FloatArray
    ) -> tuple[FloatArray, IntArray]:
        """``dist_m`` with these sources added (a new array), and the nodes it lowered."""
        nodes, dist = self.reach(node_pos, offset_m)
        # A new array (one pass); a shorter row lacks a link's new nodes: beyond reach.
        out = np.concatenate([dist_m, np.full(self.n_nodes - len(dist_m), np.inf)])
        lower = dist < out[nodes]
        changed = nodes[lower]
        out[changed] = dist[lower]
        return out, changed


def compute_access(
    engine: DistanceEngine,
    access_rows: pd.DataFrame,
    *,
    categories: Sequence[str],
    node_ids: IntArray,
) -> AccessResult:
    """Distances for every category from the facilities' access rows.

    ``access_rows`` has ``category``, ``node_pos`` and ``cost_m`` (as
    :func:`geo.access.snapping.snap_facilities` returns them); a table of snapped
    facilities with ``snap_m`` instead of ``cost_m`` counts one way in per facility.
    """
    rows = access_rows
    if "cost_m" not in rows.columns:
        rows = rows.rename(columns={"snap_m": "cost_m"})
    dist = engine.multi_source_groups(sources_by_category(rows, categories))
    return AccessResult(
        categories=tuple(categories), dist_m=dist, limit_m=engine.limit_m, node_ids=node_ids
    )


def access_for_district(
    network: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    *,
    areas: gpd.GeoDataFrame | None = None,
    entrances: gpd.GeoDataFrame | None = None,
) -> tuple[DistanceEngine, pd.DataFrame, AccessResult]:
    """Engine, snapped facilities and distances for a district, bounded at the largest tier."""
    engine = DistanceEngine.for_network(network, limit_m=taxonomy.limit_m)
    snapped, rows = snap_facilities(network, facilities, areas=areas, entrances=entrances)
    result = compute_access(engine, rows, categories=taxonomy.ids, node_ids=network.node_ids)
    return engine, snapped, result


__all__ = [
    "LABEL_TOL_M",
    "AccessResult",
    "DistanceEngine",
    "FloatArray",
    "IntArray",
    "access_for_district",
    "compute_access",
]
