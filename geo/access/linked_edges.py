"""The edge index of a network with a few links added: the base's index plus the links.

Joining a workshop's new facility to a network that holds a new link used to build the
whole network's segments and trees again (2 s CPU at a million nodes).
:class:`LinkedEdgeIndex` answers the same questions from the base network's index (built
once per analysis, shared) and the link's few segments and nodes, searched directly,
with the same access rule (:mod:`geo.access.snapping`):

- a point's nearest edge is the nearer of the base's nearest edge and the nearest link
  segment, and the same for the nearest edge of a larger piece within
  ``fragment_search_m``; at exactly equal distance the base street is kept (among link
  segments, the first drawn);
- a link that joins a fragment to a larger piece makes that fragment part of the larger
  piece: its streets are searched directly among the larger pieces' edges;
- an area's nodes within reach, and its nearest node, are the base's and the link's new
  nodes' (ties: the lowest node position, as in the base).

When the links would turn a larger piece into a fragment (the share threshold grows with
the nodes), :func:`linked_edge_index` returns ``None`` and the whole index is rebuilt.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt
import shapely

from geo.district.linked import LinkedNetwork

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
EdgeRows = tuple[IntArray, IntArray, FloatArray, BoolArray, ObjectArray]
NodeRows = tuple[IntArray, IntArray, FloatArray]


class BaseEdges(Protocol):
    """What the linked index reads of the base network's index (``EdgeIndex``)."""

    component: IntArray
    piece_sizes: IntArray
    u: IntArray

    def nearest_edges(self, pts: ObjectArray) -> tuple[IntArray, IntArray]: ...

    def edges_at(self, edge: IntArray) -> EdgeRows: ...

    def nodes_within(self, areas: ObjectArray, distance_m: float) -> NodeRows: ...

    def nearest_nodes(self, areas: ObjectArray, start_m: float) -> NodeRows: ...


def _is_small(sizes: IntArray, max_nodes: int, max_share: float, n_nodes: int) -> BoolArray:
    out: BoolArray = (sizes < max_nodes) & (sizes < max_share * n_nodes)
    return out


class LinkedEdgeIndex:
    """The edge index of ``network`` (a :class:`LinkedNetwork`) over ``base``'s index.

    ``promoted``: the base edges whose fragment the links joined to a larger piece;
    ``link_fragment``: per link edge, whether it lies on a fragment.
    """

    def __init__(
        self,
        network: LinkedNetwork,
        base: BaseEdges,
        *,
        promoted: IntArray,
        link_fragment: BoolArray,
        search_m: float,
    ) -> None:
        self.base = base
        self.n_base_edges = network.base.n_edges
        self.search_m = float(search_m)
        self.new_xy = network.added_xy
        self.n_base_nodes = network.base.n_nodes
        self.base_xy = network.base.xy
        self.promoted = promoted
        self.link_u, self.link_v = network.added_u, network.added_v
        self.link_length_m = network.added_edges["length_m"].to_numpy(dtype=np.float64)
        self.link_fragment = link_fragment
        ends = np.stack([self._xy(self.link_u), self._xy(self.link_v)], axis=1)
        self.link_segments: ObjectArray = np.asarray(shapely.linestrings(ends), dtype=object)
        self.promoted_segments: ObjectArray = base.edges_at(promoted)[4]

    def _xy(self, pos: IntArray) -> FloatArray:
        """Coordinates of node positions, base or new (a few)."""
        out = np.empty((len(pos), 2))
        old = pos < self.n_base_nodes
        out[old] = self.base_xy[pos[old]]
        out[~old] = self.new_xy[pos[~old] - self.n_base_nodes]
        return out

    # --- points ---------------------------------------------------------------------------
    def nearest_edges(self, pts: ObjectArray) -> tuple[IntArray, IntArray]:
        """As ``EdgeIndex.nearest_edges``, over the base's edges and the links."""
        nearest, main = self.base.nearest_edges(pts)
        n = len(pts)
        d_near = shapely.distance(self.base.edges_at(nearest)[4], pts) if n else np.zeros(0)
        nearest = _nearer(nearest, d_near, self.link_segments, pts, self.n_base_edges)
        has = main >= 0
        d_main = np.full(n, np.inf)
        if has.any():
            d_main[has] = shapely.distance(self.base.edges_at(main[has])[4], pts[has])
        # Larger pieces' edges outside the base's tree: the links on them, the promoted.
        link_main = np.flatnonzero(~self.link_fragment)
        cand = np.concatenate([self.link_segments[link_main], self.promoted_segments])
        cand_edge = np.concatenate([self.n_base_edges + link_main, self.promoted])
        main = _nearer(main, d_main, cand, pts, 0, cand_edge, within_m=self.search_m)
        return nearest, main

    def edges_at(self, edge: IntArray) -> EdgeRows:
        """``u, v, length_m, on a fragment, straight segment`` of edges of either part."""
        edge = np.asarray(edge, dtype=np.int64)
        old = edge < self.n_base_edges
        u, v, length, frag, seg = self.base.edges_at(edge[old])
        frag = frag & ~np.isin(edge[old], self.promoted)
        k = edge[~old] - self.n_base_edges
        parts = (
            (u, self.link_u[k]),
            (v, self.link_v[k]),
            (length, self.link_length_m[k]),
            (frag, self.link_fragment[k]),
            (seg, self.link_segments[k]),
        )
        out = []
        for a, b in parts:
            col = np.empty(len(edge), dtype=a.dtype if len(a) else b.dtype)
            col[old], col[~old] = a, b
            out.append(col)
        return out[0], out[1], out[2], out[3].astype(bool), out[4].astype(object)

    # --- areas ----------------------------------------------------------------------------
    def nodes_within(self, areas: ObjectArray, distance_m: float) -> NodeRows:
        """The base's nodes within ``distance_m`` of each area, and the link's new ones."""
        area_i, node, dist = self.base.nodes_within(areas, distance_m)
        if len(self.new_xy) == 0 or len(areas) == 0:
            return area_i, node, dist
        d = shapely.distance(areas[:, None], shapely.points(self.new_xy)[None, :])
        a_new, k_new = np.nonzero(d <= distance_m)
        area_i = np.concatenate([area_i, a_new.astype(np.int64)])
        node = np.concatenate([node, self.n_base_nodes + k_new.astype(np.int64)])
        dist = np.concatenate([dist, d[a_new, k_new].astype(np.float64)])
        order = np.argsort(area_i, kind="stable")
        return area_i[order], node[order], dist[order]

    def nearest_nodes(self, areas: ObjectArray, start_m: float) -> NodeRows:
        """Per area its nearest node, base or new (ties: the lowest position, the base's)."""
        area_i, node, dist = self.base.nearest_nodes(areas, start_m)
        if len(self.new_xy) == 0 or len(areas) == 0:
            return area_i, node, dist
        d = shapely.distance(areas[:, None], shapely.points(self.new_xy)[None, :])
        k = np.argmin(d, axis=1)
        best = np.full(len(areas), np.inf)
        best_node = np.full(len(areas), -1, dtype=np.int64)
        best[area_i], best_node[area_i] = dist, node
        d_new = d[np.arange(len(areas)), k]
        take = d_new < best
        best[take], best_node[take] = d_new[take], self.n_base_nodes + k[take]
        found = np.flatnonzero(best_node >= 0)
        return found.astype(np.int64), best_node[found], best[found].astype(np.float64)


def _nearer(
    edge: IntArray,
    dist: FloatArray,
    segments: ObjectArray,
    pts: ObjectArray,
    offset: int,
    positions: IntArray | None = None,
    *,
    within_m: float = np.inf,
) -> IntArray:
    """``edge`` (at ``dist``; -1 for none) replaced per point by the nearest of
    ``segments`` where that is strictly nearer and within ``within_m``; a segment's edge is
    ``positions[j]``, or ``offset + j``."""
    if len(segments) == 0 or len(pts) == 0:
        return edge
    d = shapely.distance(pts[:, None], segments[None, :])
    j = np.argmin(d, axis=1)
    d_j = d[np.arange(len(pts)), j]
    take = (d_j < dist) & (d_j <= within_m)
    found = offset + j if positions is None else positions[j]
    out: IntArray = np.where(take, found, edge).astype(np.int64)
    return out


def linked_edge_index(
    network: LinkedNetwork,
    base: BaseEdges,
    max_nodes: int,
    max_share: float,
    search_m: float,
) -> LinkedEdgeIndex | None:
    """The linked index, or ``None`` when the links turn a larger piece into a fragment
    (then only a whole index gives the rule)."""
    sizes = base.piece_sizes
    comp = base.component
    n_base, n_new = network.base.n_nodes, network.n_nodes
    n_pieces = len(sizes)
    old_small = _is_small(sizes, max_nodes, max_share, n_base)
    if (~old_small & _is_small(sizes, max_nodes, max_share, n_new)).any():
        return None
    # The pieces the links join: base pieces by label, new nodes after them.
    u, v = network.added_u, network.added_v

    def label(pos: IntArray) -> IntArray:
        out: IntArray = np.where(
            pos < n_base, comp[np.minimum(pos, n_base - 1)], n_pieces + pos - n_base
        )
        return out

    parent: dict[int, int] = {}

    def root(a: int) -> int:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    for a, b in zip(label(u).tolist(), label(v).tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    size: dict[int, int] = {}
    for lab in parent:
        size[root(lab)] = size.get(root(lab), 0) + (int(sizes[lab]) if lab < n_pieces else 1)

    def small(lab: int) -> bool:
        return bool(_is_small(np.array([size[root(lab)]]), max_nodes, max_share, n_new)[0])

    promoted_pieces = []
    for lab in parent:
        if lab < n_pieces and old_small[lab] != small(lab):
            if not old_small[lab]:
                return None
            promoted_pieces.append(lab)
    promoted = np.zeros(0, dtype=np.int64)
    if promoted_pieces:
        promoted = np.flatnonzero(np.isin(comp[base.u], promoted_pieces)).astype(np.int64)
    link_fragment = np.array([small(lab) for lab in label(u).tolist()], dtype=bool)
    return LinkedEdgeIndex(
        network, base, promoted=promoted, link_fragment=link_fragment, search_m=search_m
    )
