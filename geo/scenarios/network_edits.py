"""What a scenario does to the walking network: new links, closed street segments.

A ``link`` adds walkable edges along its line; each end joins the nearest network node
within ``LINK_JOIN_M`` (a link whose ends meet nothing is refused); its inner vertices
become new nodes (negative ids). A ``closure`` with a ``"u,v"`` target or a LineString
closes street segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.access.local_reach import NodeGrid
from geo.district.linked import LinkedNetwork
from geo.district.network import WalkNetwork, label_components
from geo.scenarios.model import Intervention, Scenario, ScenarioError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LINK_JOIN_M = 30.0
CLOSURE_SNAP_M = 25.0


@dataclass(frozen=True)
class NetworkChange:
    """What a scenario does to the network."""

    network: WalkNetwork
    joined: tuple[tuple[str, int], ...]  # (link id, baseline node position) pairs
    new_nodes: int
    added_edges: int
    closed_edges: int
    # When the change only appends links that repeat no street (positions in the new
    # network and lengths), so the distance engine can grow instead of being rebuilt.
    appended: tuple[IntArray, IntArray, FloatArray] | None = None


def to_metric(geom: BaseGeometry, network: WalkNetwork) -> BaseGeometry:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = network.project(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _edge_keys(edges: pd.DataFrame) -> pd.Index:
    pairs = list(zip(edges["u"].to_numpy(), edges["v"].to_numpy(), strict=True))
    keys: pd.Index = pd.Index(pairs)
    return keys


def modify_network(
    network: WalkNetwork, scenario: Scenario, *, grid: NodeGrid | None = None
) -> NetworkChange:
    """The network with the scenario's links added and closed segments removed.

    ``grid`` (the analysis engine's :class:`~geo.access.local_reach.NodeGrid` of this
    network) finds the nodes a link's ends join without building a tree of the whole
    network on a workshop's first link; without it, one is built here.

    A scenario that only adds links (none along a street or another link) gives a
    :class:`~geo.district.linked.LinkedNetwork`: the baseline's arrays shared, its tables
    built when first read.
    """
    links = [i for i in scenario.interventions if i.kind == "link"]
    closures = [i for i in scenario.interventions if i.kind == "closure" and closes_edges(i)]
    if not links and not closures:
        return NetworkChange(network, (), 0, 0, 0)
    nodes = network.nodes
    edges = network.edges
    next_id = int(min(0, int(network.node_ids.min()))) - 1
    new_node_rows: list[dict[str, float | int]] = []
    new_edge_rows: list[dict[str, object]] = []
    joined: list[tuple[str, int]] = []
    for link in links:
        line = to_metric(link.geometry, network)
        coords = np.asarray(line.coords, dtype=float)
        if grid is None or grid.n_nodes != network.n_nodes:
            # The same rule as the analysis's grid (ties to the lowest position), so a
            # recompute from scratch joins a link where the workshop edit did.
            grid = NodeGrid(network.xy)
        pos, dist = grid.nearest(coords[[0, -1]], within_m=LINK_JOIN_M)
        ends_join = dist <= LINK_JOIN_M
        label = link.name or link.id
        if not ends_join.any():
            raise ScenarioError(
                f"link '{label}' joins nothing: neither end is within {LINK_JOIN_M:.0f} m of a "
                "walkable street; draw it from street to street"
            )
        ids: list[int] = []
        xy: list[tuple[float, float]] = []
        for k, (x, y) in enumerate(coords):
            end = 0 if k == 0 else (1 if k == len(coords) - 1 else None)
            if end is not None and ends_join[end]:
                p = int(pos[end])
                ids.append(int(network.node_ids[p]))
                xy.append((float(network.xy[p, 0]), float(network.xy[p, 1])))
                joined.append((link.id, p))
                continue
            lon, lat = network.unproject(np.array([x]), np.array([y]))
            nid = next_id
            next_id -= 1
            new_node_rows.append(
                {
                    "node_id": nid,
                    "lon": float(lon[0]),
                    "lat": float(lat[0]),
                    "x": float(x),
                    "y": float(y),
                }
            )
            ids.append(nid)
            xy.append((float(x), float(y)))
        for (a, pa), (b, pb) in zip(
            zip(ids[:-1], xy[:-1], strict=True), zip(ids[1:], xy[1:], strict=True), strict=True
        ):
            if a == b:
                continue
            length = float(np.hypot(pa[0] - pb[0], pa[1] - pb[1]))
            u, v = (a, b) if a < b else (b, a)
            new_edge_rows.append(
                {
                    "u": u,
                    "v": v,
                    "length_m": max(length, 0.01),
                    "highway": "scenario_link",
                    "name": link.name,
                }
            )
    if not closures and new_edge_rows:
        quick = _append_links(network, new_node_rows, new_edge_rows, tuple(joined))
        if quick is not None:
            return quick
    if new_node_rows:
        extra = pd.DataFrame(new_node_rows).set_index("node_id")
        extra["component"] = 0
        nodes = pd.concat([nodes, extra[nodes.columns]])
    closed = 0
    if closures:
        keys = _edge_keys(edges)
        drop = np.zeros(len(edges), dtype=bool)
        for closure in closures:
            hit = _closed_edge_mask(closure, network, edges, keys)
            if not hit.any():
                raise ScenarioError(
                    f"closure '{closure.name or closure.id}' matches no street segment"
                )
            drop |= hit
        closed = int(drop.sum())
        edges = edges[~drop]
    if new_edge_rows:
        edges = pd.concat([edges, pd.DataFrame(new_edge_rows)], ignore_index=True)
    # A link along an existing street: keep one edge per pair, the shorter.
    edges = (
        edges.sort_values("length_m", kind="stable")
        .drop_duplicates(["u", "v"], keep="first")
        .sort_index()
        .reset_index(drop=True)
    )
    pos_index = pd.Index(nodes.index)
    ui = pos_index.get_indexer(edges["u"].to_numpy())
    vi = pos_index.get_indexer(edges["v"].to_numpy())
    nodes = nodes.copy()
    nodes["component"] = label_components(len(nodes), ui, vi)
    changed = WalkNetwork(crs=network.crs, nodes=nodes, edges=edges)
    return NetworkChange(changed, tuple(joined), len(new_node_rows), len(new_edge_rows), closed)


def _append_links(
    network: WalkNetwork,
    new_node_rows: list[dict[str, float | int]],
    new_edge_rows: list[dict[str, object]],
    joined: tuple[tuple[str, int], ...],
) -> NetworkChange | None:
    """Links that only add nodes and edges: the network grown as a
    :class:`~geo.district.linked.LinkedNetwork` over the baseline's arrays (its tables are
    the general path's, built when read), or ``None`` when the general path is needed (a
    link repeats a street or another link)."""
    n_old = network.n_nodes
    extra = pd.DataFrame(new_edge_rows)
    pos_of = {int(nid): n_old + k for k, nid in enumerate(r["node_id"] for r in new_node_rows)}
    # A link's ends are the nodes it joined: their positions are known (no lookup in the
    # whole network's index, which would hash a million ids).
    pos_of.update({int(network.node_ids[p]): int(p) for _, p in joined})

    def positions(ids: npt.NDArray[np.int64]) -> IntArray:
        return np.array([pos_of[int(i)] for i in ids], dtype=np.int64)

    u = positions(extra["u"].to_numpy(dtype=np.int64))
    v = positions(extra["v"].to_numpy(dtype=np.int64))
    pairs = set(zip(np.minimum(u, v).tolist(), np.maximum(u, v).tolist(), strict=True))
    if len(pairs) < len(extra) or (u == v).any():
        return None
    indptr, indices = network.csr.indptr, network.csr.indices
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        if a < n_old and b < n_old and b in indices[indptr[a] : indptr[a + 1]]:
            return None  # along an existing street: the general path keeps the shorter
    # The pieces: new nodes join the piece of the link's ends; the labels (0 = largest)
    # stay unless the ends lie on different pieces or the grown piece overtakes another,
    # and then they are counted again when the node table is first read.
    comp = network.nodes["component"].to_numpy(dtype=np.int64)
    ends = {int(comp[p]) for _, p in joined}
    piece: int | None = ends.pop() if len(ends) == 1 else None
    if piece is not None and piece > 0:
        sizes = np.bincount(comp)
        if sizes[piece] + len(new_node_rows) >= sizes[piece - 1]:
            piece = None
    if new_node_rows:
        added = pd.DataFrame(new_node_rows).set_index("node_id")
    else:
        added = pd.DataFrame(
            {c: np.zeros(0) for c in ("lon", "lat", "x", "y")},
            index=pd.Index(np.zeros(0, dtype=np.int64), name=network.nodes.index.name),
        )
    changed = LinkedNetwork(network, added, extra, added_u=u, added_v=v, piece=piece)
    lengths = extra["length_m"].to_numpy(dtype=np.float64)
    return NetworkChange(
        changed, joined, len(new_node_rows), len(new_edge_rows), 0, appended=(u, v, lengths)
    )


def closes_edges(item: Intervention) -> bool:
    if item.target:
        return "," in item.target
    return bool(item.geometry.geom_type == "LineString")


def _closed_edge_mask(
    closure: Intervention, network: WalkNetwork, edges: pd.DataFrame, keys: pd.Index
) -> npt.NDArray[np.bool_]:
    if closure.target:
        try:
            a, b = (int(p) for p in closure.target.split(","))
        except ValueError as exc:
            raise ScenarioError(
                f"closure target {closure.target!r} must be 'u,v' node ids"
            ) from exc
        pair = (a, b) if a < b else (b, a)
        return np.asarray(keys == pair, dtype=bool) if len(keys) else np.zeros(0, dtype=bool)
    line = to_metric(closure.geometry, network)
    xy = network.nodes[["x", "y"]]
    ux = xy.reindex(edges["u"].to_numpy()).to_numpy()
    vx = xy.reindex(edges["v"].to_numpy()).to_numpy()
    du = shapely.distance(shapely.points(ux), line)
    dv = shapely.distance(shapely.points(vx), line)
    return np.asarray((du <= CLOSURE_SNAP_M) & (dv <= CLOSURE_SNAP_M), dtype=bool)
