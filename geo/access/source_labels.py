"""Which source each node's distance comes from, read back from the distances themselves.

:meth:`geo.access.engine.DistanceEngine.source_labels` asks this for every category of a
district's catchments, so it works on the reached nodes only and on the CSR arrays as
they are stored: a node's candidate ways back are its own row of the matrix (the matrix
is symmetric), so they come grouped by node and a segment reduction replaces scattered
minima.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# How far apart two sums of the same lengths may round (m): far below any street length.
LABEL_TOL_M = 1e-6
# Ways back are chains of predecessors; pointer jumping halves them each round.
_MAX_ROUNDS = 64


def first_sources(
    n_nodes: int, dist: FloatArray, node_pos: IntArray, offsets: FloatArray
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Per node, the index of its cheapest source row (``-1`` if none), and whether the
    node is a first hop: a source node whose distance is that row's offset."""
    first = np.full(n_nodes, -1, dtype=np.int64)
    order = np.lexsort((offsets, node_pos))
    seen_nodes, first_idx = np.unique(node_pos[order], return_index=True)
    first[seen_nodes] = order[first_idx]
    hop = np.zeros(n_nodes, dtype=bool)
    hop[seen_nodes] = np.abs(dist[seen_nodes] - offsets[order[first_idx]]) <= LABEL_TOL_M
    return first, hop


def way_back(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    dist: FloatArray,
    hop: npt.NDArray[np.bool_],
) -> IntArray | None:
    """Per node, its predecessor on a way back (``n`` where it has none), or ``None`` when a
    reached node that is not a first hop has no way back.

    A way back from ``v`` is a neighbour ``u`` with ``dist[u] + length == dist[v]`` (to
    :data:`LABEL_TOL_M`) that is nearer a source (or, on a zero-length edge, a lower node);
    of several, the nearest to its source, then the lowest.
    """
    indptr, indices, data = csr
    n = len(dist)
    pred = np.full(n, n, dtype=np.int64)
    nodes = np.flatnonzero(np.isfinite(dist) & ~hop)
    if len(nodes) == 0:
        return pred
    # The stored entries of these nodes' rows, in order: (v = the row, u = the column).
    lo = indptr[nodes].astype(np.int64)
    counts = indptr[nodes + 1].astype(np.int64) - lo
    total = int(counts.sum())
    shift = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    entry = shift + np.arange(total, dtype=np.int64)
    u = indices[entry]
    w = data[entry]
    v = np.repeat(nodes, counts)
    du = dist[u]
    with np.errstate(invalid="ignore"):  # inf - inf cannot occur: dist[v] is finite
        back = np.abs(du + w - dist[v]) <= LABEL_TOL_M
    back &= (w > 2 * LABEL_TOL_M) | (u < v)
    cv, cu, cd = v[back], u[back], du[back]
    if len(cv) == 0:
        return None
    # Entries stay grouped by row: one reduction per node with a way back.
    start = np.flatnonzero(np.concatenate([[True], cv[1:] != cv[:-1]]))
    if len(start) < len(nodes):
        return None
    nearest = np.minimum.reduceat(cd, start)
    keep = cd == np.repeat(nearest, np.diff(np.append(start, len(cv))))
    kv, ku = cv[keep], cu[keep].astype(np.int64)
    kstart = np.flatnonzero(np.concatenate([[True], kv[1:] != kv[:-1]]))
    pred[kv[kstart]] = np.minimum.reduceat(ku, kstart)
    return pred


def labels_from_distances(
    csr: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray],
    dist_m: FloatArray,
    node_pos: IntArray,
    offset_m: FloatArray,
) -> IntArray | None:
    """Per node, the index (into ``node_pos``) of its nearest source, or ``None`` when the
    distances are not these sources' own (see :meth:`DistanceEngine.source_labels`)."""
    dist = np.asarray(dist_m, dtype=np.float64)
    node_pos = np.asarray(node_pos, dtype=np.int64)
    offsets = np.asarray(offset_m, dtype=np.float64)
    n = len(dist)
    label = np.full(n, -1, dtype=np.int64)
    if len(node_pos) == 0:
        return label
    first, hop = first_sources(n, dist, node_pos, offsets)
    pred = way_back(csr, dist, hop)
    if pred is None:
        return None
    root = np.where(hop, np.arange(n), np.where(pred < n, pred, -1))
    # Pointer jumping over the nodes whose root is not yet a first hop: every such node is
    # reached and not a first hop, so it has a predecessor (never -1) and each round
    # halves what is left.
    active = np.flatnonzero(root >= 0)
    active = active[~hop[root[active]]]
    for _ in range(_MAX_ROUNDS):
        if len(active) == 0:
            break
        ahead = root[root[active]]
        root[active] = ahead
        active = active[~hop[ahead]]
    ok = np.isfinite(dist) & (root >= 0)
    if not hop[root[ok]].all():  # a way back that ends nowhere: let Dijkstra decide
        return None
    label[ok] = first[root[ok]]
    return label
