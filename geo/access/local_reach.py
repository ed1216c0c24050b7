"""Bounded searches that touch only the part of the network they can reach.

SciPy's Dijkstra sets up arrays the size of the whole network on every call, so one new
facility on a city of a million street nodes pays for the million even when its walk
reaches three thousand. A walk of at most ``limit_m`` from a node stays, in practice,
within ``limit_m`` of it in a straight line (a street is at least as long as the straight
segment between its ends). :func:`reach_near` therefore runs the same Dijkstra on the
nodes of that disc only, then *checks* that the answer is the whole network's: no node
reached within the limit has a street leaving the disc that could still be walked within
the limit. When the check fails (an odd street shorter than its straight line, a disc
drawn too small), the disc grows, and at last the whole network is searched: the result
is always exactly what a search of the whole network gives.

:class:`NodeGrid` finds the nodes of a disc: the nodes sorted by square cell once, a
query is a few binary searches.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse import csgraph

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CELL_M = 250.0
"""Side of a grid cell: a 1,000 m walk's disc spans about nine by nine cells."""
MARGIN_M = 50.0
"""Added to the limit for the first disc: rounding, and streets drawn slightly short."""
GROWTH = 2.0
"""How much a disc's radius grows when the check fails, before searching everything."""
TRIES = 2


class NodeGrid:
    """Node positions bucketed into square cells, for "which nodes lie near here".

    ``extra_xy`` are nodes appended after the gridded ones (a scenario's new link
    vertices): few, so they are checked one by one instead of re-sorting the grid.
    """

    def __init__(self, xy: FloatArray, *, cell_m: float = CELL_M) -> None:
        xy = np.asarray(xy, dtype=np.float64)
        self.cell_m = float(cell_m)
        self.n_gridded = len(xy)
        self.origin = xy.min(axis=0) if len(xy) else np.zeros(2)
        cells = np.floor((xy - self.origin) / self.cell_m).astype(np.int64)
        self.rows = int(cells[:, 1].max()) + 1 if len(xy) else 1
        keys = cells[:, 0] * self.rows + cells[:, 1]
        self.order: IntArray = np.argsort(keys, kind="stable").astype(np.int64)
        self.keys: IntArray = keys[self.order]
        self.xy = xy
        self.extra_xy = np.zeros((0, 2))

    def grown(self, extra_xy: FloatArray) -> NodeGrid:
        """This grid with nodes appended after the existing ones (positions follow)."""
        out = object.__new__(NodeGrid)
        out.__dict__.update(self.__dict__)
        out.extra_xy = np.concatenate([self.extra_xy, np.asarray(extra_xy, dtype=np.float64)])
        return out

    @property
    def n_nodes(self) -> int:
        return self.n_gridded + len(self.extra_xy)

    def position_xy(self, node_pos: IntArray) -> FloatArray:
        node_pos = np.asarray(node_pos, dtype=np.int64)
        out = np.empty((len(node_pos), 2))
        base = node_pos < self.n_gridded
        out[base] = self.xy[node_pos[base]]
        out[~base] = self.extra_xy[node_pos[~base] - self.n_gridded]
        return out

    def within(self, centres_xy: FloatArray, radius_m: FloatArray) -> IntArray:
        """Sorted positions of the nodes within ``radius_m`` of any of the centres."""
        centres = np.atleast_2d(np.asarray(centres_xy, dtype=np.float64))
        radius = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), (len(centres),))
        lo = (centres - radius[:, None]).min(axis=0)
        hi = (centres + radius[:, None]).max(axis=0)
        box_m2 = float(np.prod(hi - lo))
        if box_m2 > 4.0 * float(np.sum((2 * radius) ** 2)):
            # Far-apart centres (facilities across a district): one box each.
            parts = [self.within(c[None, :], r[None]) for c, r in zip(centres, radius, strict=True)]
            return np.unique(np.concatenate(parts))
        cand = self._in_box(lo, hi)
        xy = self.position_xy(cand)
        keep = np.zeros(len(cand), dtype=bool)
        for (cx, cy), r in zip(centres, radius, strict=True):
            keep |= np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= r
        return np.sort(cand[keep])

    def nearest(self, xy: FloatArray, *, within_m: float) -> tuple[IntArray, FloatArray]:
        """Per point, the nearest node within ``within_m`` (ties: the lowest position) and
        its distance; ``-1`` and ``inf`` when none is that close."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float64))
        pos = np.full(len(xy), -1, dtype=np.int64)
        dist = np.full(len(xy), np.inf)
        for k, centre in enumerate(xy):
            near = self.within(centre[None, :], np.array([within_m]))
            if len(near):
                d = np.hypot(*(self.position_xy(near) - centre).T)
                j = int(np.argmin(d))  # near is sorted: the first minimum is the lowest
                pos[k], dist[k] = near[j], d[j]
        return pos, dist

    def _in_box(self, lo: FloatArray, hi: FloatArray) -> IntArray:
        """The nodes whose cells meet the box ``lo``-``hi`` (a few more than inside it)."""
        c0 = np.floor((lo - self.origin) / self.cell_m).astype(np.int64)
        c1 = np.floor((hi - self.origin) / self.cell_m).astype(np.int64)
        y0, y1 = max(int(c0[1]), 0), min(int(c1[1]), self.rows - 1)
        found = [self.n_gridded + np.arange(len(self.extra_xy), dtype=np.int64)]
        if y0 <= y1 and c1[0] >= c0[0]:
            cols = np.arange(int(c0[0]), int(c1[0]) + 1, dtype=np.int64)
            starts = np.searchsorted(self.keys, cols * self.rows + y0, side="left")
            ends = np.searchsorted(self.keys, cols * self.rows + y1, side="right")
            found += [self.order[a:b] for a, b in zip(starts, ends, strict=True)]
        return np.concatenate(found)


def _gather_edges(indptr: npt.NDArray[np.int32], node_pos: IntArray) -> tuple[IntArray, IntArray]:
    """For the rows ``node_pos`` of a CSR: each stored edge's index and its row's rank."""
    starts = indptr[node_pos].astype(np.int64)
    counts = indptr[node_pos + 1].astype(np.int64) - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(node_pos), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    edge = np.arange(total, dtype=np.int64) + np.repeat(starts - first, counts)
    return edge, owner


Entries = tuple[IntArray, IntArray, FloatArray]
"""Directed edges outside a CSR (rows, columns, lengths; sorted by row): a scenario's new
links over the baseline's arrays (:class:`geo.access.linked_engine.LinkedEngine`)."""


def gather_rows(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    sub: IntArray,
    extra: Entries | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """The edges leaving the nodes ``sub`` (sorted): each one's row rank in ``sub``, its
    other end and its length, grouped by row. ``extra`` adds edges the CSR does not hold;
    rows past the CSR's end (a link's new nodes) have only those."""
    indptr, indices, data = csr
    in_csr = int(np.searchsorted(sub, len(indptr) - 1))
    edge, owner = _gather_edges(indptr, sub[:in_csr])
    cols, w = indices[edge].astype(np.int64), data[edge]
    if extra is None or len(extra[0]) == 0 or len(sub) == 0:
        return owner, cols, w
    rows_x, cols_x, w_x = extra
    at = np.minimum(np.searchsorted(sub, rows_x), len(sub) - 1)
    hit = sub[at] == rows_x
    owner = np.concatenate([owner, at[hit]])
    order = np.argsort(owner, kind="stable")
    cols = np.concatenate([cols, cols_x[hit]])[order]
    w = np.concatenate([w, w_x[hit]])[order]
    return owner[order], cols, w


def local_matrix(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    sub: IntArray,
    extra: Entries | None = None,
) -> sparse.csr_matrix:
    """The network of the nodes ``sub`` (sorted) and the edges between them, as a CSR
    matrix over their ranks (explicit zero lengths kept: they are edges)."""
    k = len(sub)
    owner, cols, w = gather_rows(csr, sub, extra)
    local = np.searchsorted(sub, cols)
    inside = local < k
    inside[inside] = sub[local[inside]] == cols[inside]
    counts = np.bincount(owner[inside], minlength=k)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return sparse.csr_matrix((w[inside], local[inside].astype(np.int32), indptr), shape=(k, k))


def reach_in_disc(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    sub: IntArray,
    node_pos: IntArray,
    offset_m: FloatArray,
    limit_m: float,
    *,
    extra: Entries | None = None,
) -> tuple[IntArray, FloatArray] | None:
    """Dijkstra from the sources on the nodes ``sub`` (sorted) only; ``None`` when a node
    it reaches within the limit has a street leaving ``sub`` still walkable within it."""
    k = len(sub)
    owner, cols, w = gather_rows(csr, sub, extra)
    local = np.searchsorted(sub, cols)
    inside = local < k
    inside[inside] = sub[local[inside]] == cols[inside]
    keep_owner, keep_local = owner[inside], local[inside]
    counts = np.bincount(keep_owner, minlength=k)
    src_local = np.searchsorted(sub, node_pos)
    sub_indptr = np.concatenate([[0], np.cumsum(counts), [int(counts.sum()) + len(node_pos)]])
    graph = sparse.csr_matrix(
        (
            np.concatenate([w[inside], offset_m]),
            np.concatenate([keep_local, src_local]).astype(np.int32),
            sub_indptr.astype(np.int32),
        ),
        shape=(k + 1, k + 1),
    )
    dist = np.asarray(
        csgraph.dijkstra(graph, directed=True, indices=k, limit=limit_m), dtype=np.float64
    )[:k]
    leaving = dist[owner[~inside]] + w[~inside]
    if np.any(leaving <= limit_m):
        return None
    reached = np.flatnonzero(np.isfinite(dist))
    return sub[reached], dist[reached]


def reach_near(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    grid: NodeGrid,
    node_pos: IntArray,
    offset_m: FloatArray,
    limit_m: float,
    *,
    extra: Entries | None = None,
) -> tuple[IntArray, FloatArray] | None:
    """The nodes within ``limit_m`` of the sources and their distances (sorted by node),
    searched on discs around the sources; ``None`` when even the largest disc was not
    enough (then search the whole network). ``extra``: edges outside ``csr``."""
    node_pos = np.asarray(node_pos, dtype=np.int64)
    offset_m = np.asarray(offset_m, dtype=np.float64)
    ok = offset_m <= limit_m
    node_pos, offset_m = node_pos[ok], offset_m[ok]
    if len(node_pos) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    centres = grid.position_xy(node_pos)
    radius = limit_m - offset_m + MARGIN_M
    for _ in range(TRIES):
        sub = np.union1d(grid.within(centres, radius), node_pos)
        found = reach_in_disc(csr, sub, node_pos, offset_m, limit_m, extra=extra)
        if found is not None:
            return found
        radius = radius * GROWTH
    return None
