"""Joining homes, facilities and areas to the walking network: one access rule for all.

**A point** (a home, a facility mapped as a point, a clicked spot) joins the nearest point
on the nearest walkable edge, and reaches both ends of that edge at its straight-line
snap distance plus the distance along the edge. Fragments (pieces of the network with
fewer than ``fragment_max_nodes`` nodes *and* less than ``fragment_max_share`` of all
nodes: a lone footway piece, an isolated service road) are not joined when an edge of a
larger piece lies within ``fragment_search_m``.

**An area** (an OSM park, school or hospital polygon, or a scenario ``space``) is reached
at its mapped entrances (``entrance=*`` or a gate on its outline, each joined like a
point) when it has any; otherwise from every network node within ``area_reach_m`` of it,
at that node's straight-line distance to the outline (0 inside); and when no node is that
close, from the nearest node at its distance.

Every way in is one *access row*: a network node and the metres walked between it and the
home or facility (``cost_m``). A node's distance to a category is the minimum, over the
category's access rows, of the network distance to the row's node plus ``cost_m``; a
home's distance is the minimum over its rows. ``analyze`` exports them as ``access.csv``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.access.area_nodes import NodeCells, nearest_nodes, nodes_within
from geo.access.facility_shapes import entrances_xy_m, facility_polygons_m
from geo.access.linked_edges import EdgeRows, LinkedEdgeIndex, NodeRows, linked_edge_index
from geo.district.linked import LinkedNetwork
from geo.district.network import WalkNetwork

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ACCESS_COLUMNS = ["facility_id", "category", "node_pos", "node_id", "cost_m"]


@dataclass(frozen=True)
class AccessSettings:
    """The access rule's thresholds (documented in the README, "How access is computed")."""

    fragment_max_nodes: int = 50
    fragment_max_share: float = 0.01
    fragment_search_m: float = 100.0
    area_reach_m: float = 30.0
    entrance_on_outline_m: float = 2.0


DEFAULT_ACCESS = AccessSettings()


# --- the edges of a network, ready for nearest-edge queries ---------------------------------
class EdgeIndex:
    """A network's straight segments in metres, which of them lie on fragments, and trees."""

    def __init__(self, network: WalkNetwork, settings: AccessSettings) -> None:
        u, v = network.edge_index
        self.u, self.v = u, v
        self.length_m = network.edges["length_m"].to_numpy(dtype=np.float64)
        xy = network.xy
        comp = network.nodes["component"].to_numpy(dtype=np.int64)
        sizes = np.bincount(comp) if len(comp) else np.zeros(0, dtype=np.int64)
        small = (sizes < settings.fragment_max_nodes) & (
            sizes < settings.fragment_max_share * network.n_nodes
        )
        self.node_on_fragment: BoolArray = small[comp] if len(comp) else np.zeros(0, bool)
        self.fragment_edge: BoolArray = self.node_on_fragment[u]
        self.main_edges: IntArray = np.flatnonzero(~self.fragment_edge)
        self.settings = settings
        self.xy = xy
        self.component, self.piece_sizes = comp, sizes

    @cached_property
    def segments(self) -> npt.NDArray[np.object_]:
        """Each edge as a straight line in metres, built from flat coordinates (less CPU
        than ``shapely.linestrings`` on an (edges, 2, 2) array; the same lines)."""
        ends = np.stack([self.xy[self.u], self.xy[self.v]], axis=1).reshape(-1, 2)
        offsets = np.arange(0, len(ends) + 1, 2, dtype=np.int64)
        kind = shapely.GeometryType.LINESTRING
        return np.asarray(shapely.from_ragged_array(kind, ends, (offsets,)), dtype=object)

    @cached_property
    def tree_all(self) -> shapely.STRtree:
        return shapely.STRtree(self.segments)

    @cached_property
    def tree_main(self) -> shapely.STRtree:
        return shapely.STRtree(self.segments[self.main_edges])

    @cached_property
    def node_cells(self) -> NodeCells:
        return NodeCells(self.xy)

    def nearest_edges(self, pts: npt.NDArray[np.object_]) -> tuple[IntArray, IntArray]:
        """Per point: the nearest edge, and the nearest edge of a larger piece within
        ``fragment_search_m`` (-1 when none)."""
        nearest, main = _nearest(self.tree_all, pts, len(pts)), np.full(len(pts), -1)
        if len(self.main_edges):
            found_in, found_edge = self.tree_main.query_nearest(
                pts, max_distance=self.settings.fragment_search_m, all_matches=False
            )
            main[found_in] = self.main_edges[found_edge]
        return nearest, main.astype(np.int64)

    def edges_at(self, edge: IntArray) -> EdgeRows:
        """``u, v, length_m, on a fragment, straight segment`` of the edges ``edge``."""
        e = self
        return e.u[edge], e.v[edge], e.length_m[edge], e.fragment_edge[edge], e.segments[edge]

    def nodes_within(self, areas: npt.NDArray[np.object_], distance_m: float) -> NodeRows:
        return nodes_within(self.node_cells, areas, distance_m)

    def nearest_nodes(self, areas: npt.NDArray[np.object_], start_m: float) -> NodeRows:
        return nearest_nodes(self.node_cells, areas, start_m=start_m)


_INDEXES: weakref.WeakKeyDictionary[
    WalkNetwork, dict[AccessSettings, EdgeIndex | LinkedEdgeIndex]
] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def edge_index(
    network: WalkNetwork, settings: AccessSettings = DEFAULT_ACCESS
) -> EdgeIndex | LinkedEdgeIndex:
    """The :class:`EdgeIndex` of ``network``, built once and cached (derived, immutable);
    for a :class:`LinkedNetwork`, its base's index with the links searched directly
    (:mod:`geo.access.linked_edges`) unless the links change which pieces are fragments."""
    base = edge_index(network.base, settings) if isinstance(network, LinkedNetwork) else None
    with _LOCK:
        per_network = _INDEXES.setdefault(network, {})
        index = per_network.get(settings)
        if index is None:
            s = settings
            if isinstance(network, LinkedNetwork) and isinstance(base, EdgeIndex):
                index = linked_edge_index(
                    network, base, s.fragment_max_nodes, s.fragment_max_share, s.fragment_search_m
                )
            index = index or EdgeIndex(network, settings)
            per_network[settings] = index
        return index


# --- points --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PointJoin:
    """How each point joins the network: both ends of its nearest edge.

    ``u_cost_m``/``v_cost_m`` are the snap distance plus the distance along the edge to
    each end (the along-edge part is a share of the edge's great-circle length).
    ``on_fragment``: joined a fragment because no larger piece was within reach;
    ``moved_off_fragment``: the nearest edge was on a fragment, a larger piece's was used.
    """

    u_pos: IntArray
    v_pos: IntArray
    u_cost_m: FloatArray
    v_cost_m: FloatArray
    snap_m: FloatArray
    edge: IntArray
    on_fragment: BoolArray
    moved_off_fragment: BoolArray

    def __len__(self) -> int:
        return len(self.u_pos)

    def best(self) -> tuple[IntArray, FloatArray]:
        """The cheaper way in per point: node position and cost."""
        take_u = self.u_cost_m <= self.v_cost_m
        pos: IntArray = np.where(take_u, self.u_pos, self.v_pos)
        cost: FloatArray = np.where(take_u, self.u_cost_m, self.v_cost_m)
        return pos, cost

    def rows(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Access rows ``(point index, node position, cost)``: two per point, one where
        both ends are the same node."""
        n = len(self)
        owner = np.concatenate([np.arange(n), np.arange(n)])
        pos = np.concatenate([self.u_pos, self.v_pos])
        cost = np.concatenate([self.u_cost_m, self.v_cost_m])
        keep = np.concatenate([np.ones(n, dtype=bool), self.v_pos != self.u_pos])
        order = np.argsort(owner[keep], kind="stable")
        return owner[keep][order], pos[keep][order], cost[keep][order]


def join_points(
    network: WalkNetwork,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    settings: AccessSettings = DEFAULT_ACCESS,
) -> PointJoin:
    """Join projected points (metres, in ``network.crs``) to their nearest edges."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    n = len(xs)
    index = edge_index(network, settings)
    if n == 0:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        empty_b = np.zeros(0, dtype=bool)
        return PointJoin(empty_i, empty_i, empty_f, empty_f, empty_f, empty_i, empty_b, empty_b)
    pts = shapely.points(xs, ys)
    nearest, main = index.nearest_edges(pts)
    edge = np.where(main >= 0, main, nearest)
    u, v, length, on_fragment, seg = index.edges_at(edge)
    moved = index.edges_at(nearest)[3] & ~on_fragment
    snap = shapely.distance(seg, pts)
    t = np.nan_to_num(shapely.line_locate_point(seg, pts, normalized=True), nan=0.0)
    return PointJoin(
        u_pos=u,
        v_pos=v,
        u_cost_m=snap + t * length,
        v_cost_m=snap + (1.0 - t) * length,
        snap_m=snap,
        edge=edge,
        on_fragment=on_fragment,
        moved_off_fragment=moved,
    )


def _nearest(tree: shapely.STRtree, pts: npt.NDArray[np.object_], n: int) -> IntArray:
    found_in, found_edge = tree.query_nearest(pts, all_matches=False)
    out = np.zeros(n, dtype=np.int64)
    out[found_in] = found_edge
    return out


def joined_kind(joined: PointJoin) -> npt.NDArray[np.object_]:
    """Per point: ``main``, ``fragment`` (no larger piece within reach) or
    ``moved_off_fragment`` (the nearest street was a fragment; a larger piece's was used)."""
    out: npt.NDArray[np.object_] = np.where(
        joined.on_fragment,
        "fragment",
        np.where(joined.moved_off_fragment, "moved_off_fragment", "main"),
    ).astype(object)
    return out


def join_lonlat(
    network: WalkNetwork,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    settings: AccessSettings = DEFAULT_ACCESS,
) -> PointJoin:
    """:func:`join_points` for WGS-84 points."""
    x, y = network.project(lon, lat)
    return join_points(network, x, y, settings=settings)


# --- areas ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaJoin:
    """The ways into one area: node positions, costs, and which part of the rule gave
    them (``entrances``, ``outline`` or ``nearest``)."""

    node_pos: IntArray
    cost_m: FloatArray
    rule: str


def join_area(
    network: WalkNetwork,
    area_m: BaseGeometry,
    *,
    entrances_xy: FloatArray | None = None,
    entrance_tree: shapely.STRtree | None = None,
    settings: AccessSettings = DEFAULT_ACCESS,
) -> AreaJoin:
    """The ways into an area given in the network's metric CRS (see the module docstring).

    ``entrance_tree`` (an STRtree of ``entrances_xy``) saves rebuilding it per area when
    a whole district's areas are joined.
    """
    areas = np.empty(1, dtype=object)
    areas[0] = area_m
    joins = join_areas(
        network, areas, entrances_xy=entrances_xy, entrance_tree=entrance_tree, settings=settings
    )
    return AreaJoin(joins.node_pos, joins.cost_m, str(joins.rule[0]))


@dataclass(frozen=True)
class AreaJoins:
    """The ways into many areas: access rows sorted by area (``owner``, its position in
    the input), then node; ``rule`` per area (empty for an empty geometry)."""

    owner: IntArray
    node_pos: IntArray
    cost_m: FloatArray
    rule: npt.NDArray[np.object_]


def join_areas(
    network: WalkNetwork,
    areas_m: npt.NDArray[np.object_],
    *,
    entrances_xy: FloatArray | None = None,
    entrance_tree: shapely.STRtree | None = None,
    settings: AccessSettings = DEFAULT_ACCESS,
) -> AreaJoins:
    """:func:`join_area` for every area at once: each part of the rule is one tree query
    over all areas (a whole district holds thousands of parks and schools)."""
    areas = np.asarray(areas_m, dtype=object)
    n = len(areas)
    rule: npt.NDArray[np.object_] = np.full(n, "", dtype=object)
    todo = ~shapely.is_empty(areas) if n else np.zeros(0, dtype=bool)
    parts: list[tuple[IntArray, IntArray, FloatArray]] = []
    if n and entrances_xy is not None and len(entrances_xy):
        tree = entrance_tree or shapely.STRtree(shapely.points(entrances_xy))
        area_i, gate_i = tree.query(
            shapely.boundary(areas), predicate="dwithin", distance=settings.entrance_on_outline_m
        )
        if len(area_i):
            parts.append(_gate_rows(network, entrances_xy, area_i, gate_i, settings))
            todo[area_i] = False
            rule[area_i] = "entrances"
    index = edge_index(network, settings)
    rest = np.flatnonzero(todo)
    if len(rest):
        area_i, node_i, d = index.nodes_within(areas[rest], settings.area_reach_m)
        owner = rest[area_i]
        parts.append((owner, node_i, d))
        rule[owner] = "outline"
        todo[owner] = False
        far = np.flatnonzero(todo)
        if len(far):
            area_i, node_i, dist = index.nearest_nodes(areas[far], 2 * settings.area_reach_m)
            parts.append((far[area_i], node_i.astype(np.int64), np.asarray(dist, np.float64)))
            rule[far[area_i]] = "nearest"
    if not parts:
        return AreaJoins(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), rule)
    owner, pos, cost = (np.concatenate(p) for p in zip(*parts, strict=True))
    # One row per (area, node), at its lowest cost.
    order = np.lexsort((cost, pos, owner))
    owner, pos, cost = owner[order], pos[order], cost[order]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = (owner[1:] != owner[:-1]) | (pos[1:] != pos[:-1])
    return AreaJoins(
        owner[first].astype(np.int64),
        pos[first].astype(np.int64),
        cost[first].astype(np.float64),
        rule,
    )


def _gate_rows(
    network: WalkNetwork,
    entrances_xy: FloatArray,
    area_i: IntArray,
    gate_i: IntArray,
    settings: AccessSettings,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Rows of (area, entrance) pairs: each entrance joined once, its rows repeated for
    every area whose outline it lies on."""
    gates = np.unique(gate_i)
    joined = join_points(network, entrances_xy[gates, 0], entrances_xy[gates, 1], settings=settings)
    row_gate, row_pos, row_cost = joined.rows()
    per_gate = np.bincount(row_gate, minlength=len(gates))
    start = np.cumsum(per_gate) - per_gate
    k = np.searchsorted(gates, gate_i)
    repeat = per_gate[k]
    # Each pair takes its gate's run of rows: run start + offset within the run.
    take = np.repeat(start[k], repeat) + np.arange(int(repeat.sum()))
    take -= np.repeat(np.cumsum(repeat) - repeat, repeat)
    return np.repeat(area_i.astype(np.int64), repeat), row_pos[take], row_cost[take]


# --- facilities ----------------------------------------------------------------------------
def snap_facilities(
    network: WalkNetwork,
    facilities: gpd.GeoDataFrame | pd.DataFrame,
    *,
    areas: gpd.GeoDataFrame | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    settings: AccessSettings = DEFAULT_ACCESS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join every facility to the network.

    ``areas`` maps ``facility_id`` to the facility's polygon (WGS-84) for facilities
    mapped as areas; ``entrances`` are the district's entrance and gate points. Returns
    the facilities with ``node_pos``, ``node_id`` and ``snap_m`` (the cheapest way in and
    its cost), ``access_rule`` (``edge``, ``entrances``, ``outline`` or ``nearest``),
    ``joined`` (see :func:`joined_kind`; ``area`` for areas) and ``ways_in``, and the access rows
    (``facility_id, category, node_pos, node_id, cost_m``).
    """
    out = pd.DataFrame(facilities.drop(columns="geometry", errors="ignore")).copy()
    out = out.reset_index(drop=True)
    n = len(out)
    owner: list[IntArray] = []
    row_pos: list[IntArray] = []
    row_cost: list[FloatArray] = []
    rule = np.full(n, "edge", dtype=object)
    piece = np.full(n, "area", dtype=object)
    polygons = facility_polygons_m(areas, out, network)
    is_area = np.zeros(n, dtype=bool)
    is_area[list(polygons)] = True
    point_rows = np.flatnonzero(~is_area)
    if len(point_rows):
        joined = join_lonlat(
            network,
            out["lon"].to_numpy(dtype=float)[point_rows],
            out["lat"].to_numpy(dtype=float)[point_rows],
            settings=settings,
        )
        piece[point_rows] = joined_kind(joined)
        o, p, c = joined.rows()
        owner.append(point_rows[o])
        row_pos.append(p)
        row_cost.append(c)
    gates = entrances_xy_m(entrances, network)
    gate_tree = shapely.STRtree(shapely.points(gates)) if gates is not None else None
    area_rows = np.fromiter(polygons, dtype=np.int64, count=len(polygons))
    if len(area_rows):
        shapes = np.empty(len(area_rows), dtype=object)
        shapes[:] = list(polygons.values())
        joins = join_areas(
            network, shapes, entrances_xy=gates, entrance_tree=gate_tree, settings=settings
        )
        owner.append(area_rows[joins.owner])
        row_pos.append(joins.node_pos)
        row_cost.append(joins.cost_m)
        rule[area_rows] = joins.rule
    own = np.concatenate(owner) if owner else np.zeros(0, np.int64)
    pos = np.concatenate(row_pos) if row_pos else np.zeros(0, np.int64)
    cost = np.concatenate(row_cost) if row_cost else np.zeros(0)
    order = np.lexsort((cost, own))
    own, pos, cost = own[order], pos[order], cost[order]
    first = np.ones(len(own), dtype=bool)
    first[1:] = own[1:] != own[:-1]
    best_pos = np.zeros(n, dtype=np.int64)
    best_cost = np.zeros(n, dtype=np.float64)
    best_pos[own[first]] = pos[first]
    best_cost[own[first]] = cost[first]
    out["node_pos"] = best_pos
    out["node_id"] = network.node_ids[best_pos] if n else np.zeros(0, np.int64)
    out["snap_m"] = best_cost
    out["access_rule"] = rule
    out["joined"] = piece
    out["ways_in"] = np.bincount(own, minlength=n).astype(np.int64)
    ids = out["facility_id"].astype(str).to_numpy() if "facility_id" in out else np.arange(n)
    cats = out["category"].astype(str).to_numpy() if "category" in out else np.full(n, "")
    rows = pd.DataFrame(
        {
            "facility_id": ids[own] if n else [],
            "category": cats[own] if n else [],
            "node_pos": pos,
            "node_id": network.node_ids[pos] if len(pos) else np.zeros(0, np.int64),
            "cost_m": cost,
        },
        columns=ACCESS_COLUMNS,
    )
    return out, rows


def sources_by_category(
    access_rows: pd.DataFrame, categories: Sequence[str]
) -> list[tuple[IntArray, FloatArray]]:
    """Per category, the node positions and costs of its facilities' access rows."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
    if len(access_rows) == 0:
        return [empty for _ in categories]
    groups = {str(k): g for k, g in access_rows.groupby("category")}
    return [
        (
            groups[c]["node_pos"].to_numpy(dtype=np.int64),
            groups[c]["cost_m"].to_numpy(dtype=np.float64),
        )
        if c in groups
        else empty
        for c in categories
    ]
