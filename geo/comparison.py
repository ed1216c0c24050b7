"""Applying a scenario to an analysis, and comparing two analyses.

Interventions change the baseline like this:

- a ``facility`` is one more source for its category, snapped like any facility;
- a ``space`` is a source for every category it ``provides``, reached at every network
  node within ``SPACE_ACCESS_M`` of its edge (offset: that node's distance to the
  polygon), or at the nearest node when none is that close;
- a ``link`` adds walkable edges along its line; each end joins the nearest network node
  within ``LINK_JOIN_M`` (a link whose ends meet nothing is refused); its inner vertices
  become new nodes (negative ids). Links join the network at their ends only;
- a ``closure`` removes a facility (``target`` = facility id, or the nearest within
  ``CLOSURE_SNAP_M`` of a Point) or closes street segments (``target`` = ``"u,v"``, or the
  segments whose both ends lie within ``CLOSURE_SNAP_M`` of a LineString).

Additions are applied incrementally (distances can only fall): a new source is one
bounded search merged by minimum; a new link re-runs a bounded search seeded at the nodes
it joins with their old distances. Closures can lengthen walks, so the affected
categories are recomputed in full.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.access import AccessResult, DistanceEngine, compute_access
from geo.analysis import Analysis, _recount
from geo.network import WalkNetwork, label_components
from geo.scenario import Intervention, Scenario, ScenarioError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LINK_JOIN_M = 30.0
SPACE_ACCESS_M = 30.0
CLOSURE_SNAP_M = 25.0


@dataclass(frozen=True)
class NetworkChange:
    """What a scenario does to the network."""

    network: WalkNetwork
    joined: tuple[tuple[str, int], ...]  # (link id, baseline node position) pairs
    new_nodes: int
    added_edges: int
    closed_edges: int


def _metric(geom: BaseGeometry, network: WalkNetwork) -> BaseGeometry:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = network.project(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _edge_keys(edges: pd.DataFrame) -> pd.Index:
    pairs = list(zip(edges["u"].to_numpy(), edges["v"].to_numpy(), strict=True))
    keys: pd.Index = pd.Index(pairs)
    return keys


def modify_network(network: WalkNetwork, scenario: Scenario) -> NetworkChange:
    """The network with the scenario's links added and closed segments removed."""
    links = [i for i in scenario.interventions if i.kind == "link"]
    closures = [i for i in scenario.interventions if i.kind == "closure" and _closes_edges(i)]
    if not links and not closures:
        return NetworkChange(network, (), 0, 0, 0)
    nodes = network.nodes.copy()
    edges = network.edges.copy()
    next_id = int(min(0, int(nodes.index.min()))) - 1
    new_node_rows: list[dict[str, float | int]] = []
    new_edge_rows: list[dict[str, object]] = []
    joined: list[tuple[str, int]] = []
    for link in links:
        line = _metric(link.geometry, network)
        coords = np.asarray(line.coords, dtype=float)
        pos, dist = network.snap_xy(coords[[0, -1], 0], coords[[0, -1], 1])
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
        lonlat = {
            int(i): (float(x), float(y))
            for i, x, y in zip(nodes.index, nodes["lon"], nodes["lat"], strict=True)
        }
        geoms = [
            shapely.LineString([lonlat[int(str(r["u"]))], lonlat[int(str(r["v"]))]])
            for r in new_edge_rows
        ]
        add = gpd.GeoDataFrame(pd.DataFrame(new_edge_rows), geometry=geoms, crs="EPSG:4326")
        edges = gpd.GeoDataFrame(pd.concat([edges, add], ignore_index=True), crs="EPSG:4326")
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


def _closes_edges(item: Intervention) -> bool:
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
    line = _metric(closure.geometry, network)
    xy = network.nodes[["x", "y"]]
    ux = xy.reindex(edges["u"].to_numpy()).to_numpy()
    vx = xy.reindex(edges["v"].to_numpy()).to_numpy()
    du = shapely.distance(shapely.points(ux), line)
    dv = shapely.distance(shapely.points(vx), line)
    return np.asarray((du <= CLOSURE_SNAP_M) & (dv <= CLOSURE_SNAP_M), dtype=bool)


def scenario_sources(
    scenario: Scenario, network: WalkNetwork, *, start_index: int = 0
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """New facilities (one row each) and their network sources (several rows for a space)."""
    rows: list[dict[str, object]] = []
    sources: list[dict[str, object]] = []
    for item in scenario.interventions:
        if item.kind == "facility":
            cats = [str(item.category)]
            point = item.geometry
            pos, snap = network.snap_lonlat(np.array([point.x]), np.array([point.y]))
            access = [(int(pos[0]), float(snap[0]))]
        elif item.kind == "space":
            cats = list(item.provides)
            point = item.geometry.representative_point()
            access = _space_access(item.geometry, network)
        else:
            continue
        for cat in cats:
            fid = f"{item.id}:{cat}" if len(cats) > 1 else item.id
            best = min(access, key=lambda a: a[1])
            rows.append(
                {
                    "facility_id": fid,
                    "category": cat,
                    "name": item.name,
                    "lon": float(point.x),
                    "lat": float(point.y),
                    "source": f"scenario:{item.kind}",
                    "osm_id": "",
                    "node_pos": best[0],
                    "node_id": int(network.node_ids[best[0]]),
                    "snap_m": best[1],
                }
            )
            for p, off in access:
                sources.append({"facility_id": fid, "category": cat, "node_pos": p, "snap_m": off})
    cols = [
        "facility_id",
        "category",
        "name",
        "lon",
        "lat",
        "source",
        "osm_id",
        "node_pos",
        "node_id",
        "snap_m",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )
    _ = start_index
    return gdf, pd.DataFrame(sources, columns=["facility_id", "category", "node_pos", "snap_m"])


def _space_access(polygon: BaseGeometry, network: WalkNetwork) -> list[tuple[int, float]]:
    metric = _metric(polygon, network)
    minx, miny, maxx, maxy = metric.buffer(SPACE_ACCESS_M).bounds
    xy = network.xy
    near = np.flatnonzero(
        (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
    )
    if len(near):
        d = shapely.distance(shapely.points(xy[near]), metric)
        ok = d <= SPACE_ACCESS_M
        if ok.any():
            return [(int(p), float(v)) for p, v in zip(near[ok], d[ok], strict=True)]
    # No node within reach: the node nearest to the space itself (not to its centre).
    d_all = shapely.distance(shapely.points(xy), metric)
    best = int(np.argmin(d_all))
    return [(best, float(d_all[best]))]


def _closed_facilities(
    scenario: Scenario, facilities: gpd.GeoDataFrame, network: WalkNetwork
) -> set[str]:
    closed: set[str] = set()
    for item in scenario.interventions:
        if item.kind != "closure" or _closes_edges(item):
            continue
        if item.target:
            if item.target not in set(facilities["facility_id"].astype(str)):
                raise ScenarioError(
                    f"closure '{item.name or item.id}': no facility '{item.target}'"
                )
            closed.add(item.target)
            continue
        point = _metric(item.geometry, network)
        fx, fy = network.project(facilities["lon"].to_numpy(), facilities["lat"].to_numpy())
        d = np.hypot(fx - point.x, fy - point.y)
        if len(d) == 0 or d.min() > CLOSURE_SNAP_M:
            raise ScenarioError(
                f"closure '{item.name or item.id}': no facility within "
                f"{CLOSURE_SNAP_M:.0f} m of the point"
            )
        closed.add(str(facilities["facility_id"].iloc[int(np.argmin(d))]))
    return closed


def apply_scenario(baseline: Analysis, scenario: Scenario) -> Analysis:
    """The analysis of ``baseline`` with ``scenario``'s interventions applied."""
    taxonomy = baseline.taxonomy
    for item in scenario.interventions:
        for cid in [item.category] if item.kind == "facility" else list(item.provides):
            if cid is not None and cid not in taxonomy:
                raise ScenarioError(f"unknown category '{cid}' in '{item.name or item.id}'")
    change = modify_network(baseline.district.network, scenario)
    network = change.network
    closed_ids = _closed_facilities(scenario, baseline.facilities, network)
    kept = baseline.facilities[~baseline.facilities["facility_id"].astype(str).isin(closed_ids)]
    added, added_sources = scenario_sources(scenario, network)
    facilities = gpd.GeoDataFrame(pd.concat([kept, added], ignore_index=True), crs="EPSG:4326")

    n_old = baseline.district.network.n_nodes
    n_new = network.n_nodes
    if change.added_edges or change.closed_edges:
        engine = DistanceEngine.for_network(network, limit_m=baseline.limit_m)
    else:
        engine = baseline.engine
    dist = np.full((len(baseline.categories), n_new), np.inf)
    dist[:, :n_old] = baseline.access.dist_m
    closed_cats = set(
        baseline.facilities.loc[
            baseline.facilities["facility_id"].astype(str).isin(closed_ids), "category"
        ].astype(str)
    )
    full = set(baseline.categories) if change.closed_edges else closed_cats
    sources = _all_sources(kept, added_sources)
    for i, cid in enumerate(baseline.categories):
        if cid in full:
            group = sources[sources["category"] == cid]
            dist[i] = engine.multi_source(
                group["node_pos"].to_numpy(np.int64), group["snap_m"].to_numpy(float)
            )
            continue
        if change.joined:
            seeds = np.array([p for _, p in change.joined], dtype=np.int64)
            offsets = dist[i, seeds]
            ok = np.isfinite(offsets)
            if ok.any():
                dist[i] = np.minimum(dist[i], engine.multi_source(seeds[ok], offsets[ok]))
        new = added_sources[added_sources["category"] == cid]
        if len(new):
            dist[i] = np.minimum(
                dist[i],
                engine.multi_source(
                    new["node_pos"].to_numpy(np.int64), new["snap_m"].to_numpy(float)
                ),
            )
    access = AccessResult(
        categories=baseline.categories,
        dist_m=dist,
        limit_m=baseline.limit_m,
        node_ids=network.node_ids,
    )
    district = replace(
        baseline.district,
        network=network,
        facilities=facilities.drop(columns=["node_pos", "node_id", "snap_m"], errors="ignore"),
    )
    home_dist, served, coverage = _recount(access, baseline.homes, taxonomy)
    return replace(
        baseline,
        district=district,
        engine=engine,
        facilities=facilities,
        access=access,
        home_dist_m=home_dist,
        served=served,
        coverage=coverage,
    )


def _all_sources(kept: gpd.GeoDataFrame, added_sources: pd.DataFrame) -> pd.DataFrame:
    base = pd.DataFrame(kept[["facility_id", "category", "node_pos", "snap_m"]])
    return pd.concat([base, added_sources], ignore_index=True)


def recompute_full(baseline: Analysis, scenario: Scenario) -> AccessResult:
    """The scenario's distances computed from scratch (no incremental step): for checks."""
    change = modify_network(baseline.district.network, scenario)
    network = change.network
    closed_ids = _closed_facilities(scenario, baseline.facilities, network)
    kept = baseline.facilities[~baseline.facilities["facility_id"].astype(str).isin(closed_ids)]
    _, added_sources = scenario_sources(scenario, network)
    engine = DistanceEngine.for_network(network, limit_m=baseline.limit_m)
    return compute_access(
        engine,
        _all_sources(kept, added_sources),
        categories=baseline.categories,
        node_ids=network.node_ids,
    )


@dataclass(frozen=True)
class Comparison:
    """Before/after figures of a scenario."""

    by_category: pd.DataFrame  # served_before, served_after, delta, homes_newly_served
    completeness_before: float
    completeness_after: float
    newly_served_homes: gpd.GeoDataFrame
    hexagon_delta: gpd.GeoDataFrame

    def to_json(self) -> dict[str, object]:
        cats = {
            cid: {
                "served_before": round(float(r.served_before), 2),
                "served_after": round(float(r.served_after), 2),
                "delta": round(float(r.delta), 2),
                "homes_newly_served": int(r.homes_newly_served),
                "share_before": round(float(r.share_before), 6),
                "share_after": round(float(r.share_after), 6),
            }
            for cid, r in self.by_category.iterrows()
        }
        return {
            "categories": cats,
            "completeness_before": round(self.completeness_before, 6),
            "completeness_after": round(self.completeness_after, 6),
            "completeness_delta": round(self.completeness_after - self.completeness_before, 6),
        }


def compare(before: Analysis, after: Analysis) -> Comparison:
    """Per category: residents served before and after; completeness; newly served homes."""
    from geo.gaps import gap_hexagons

    b, a = before.coverage.by_category, after.coverage.by_category
    newly = after.served & ~before.served
    table = pd.DataFrame(
        {
            "served_before": b["served"],
            "served_after": a["served"],
            "delta": a["served"] - b["served"],
            "share_before": b["share"],
            "share_after": a["share"],
            "homes_newly_served": newly.sum(axis=1) if newly.size else 0,
        }
    )
    any_new = newly.any(axis=0) if newly.size else np.zeros(len(after.homes), dtype=bool)
    homes = after.homes[any_new].copy()
    homes["newly_served"] = [
        ";".join(c for c, hit in zip(after.categories, newly[:, j], strict=True) if hit)
        for j in np.flatnonzero(any_new)
    ]
    hb = gap_hexagons(before.homes, before.served, categories=before.categories).set_index("h3")
    ha = gap_hexagons(after.homes, after.served, categories=after.categories).set_index("h3")
    delta = ha[["geometry", "residents"]].copy()
    delta["unmet_before"] = hb["unmet_total"].reindex(delta.index).fillna(0.0)
    delta["unmet_after"] = ha["unmet_total"]
    delta["unmet_delta"] = delta["unmet_after"] - delta["unmet_before"]
    delta = gpd.GeoDataFrame(delta.reset_index(), geometry="geometry", crs="EPSG:4326")
    return Comparison(
        by_category=table,
        completeness_before=before.coverage.completeness,
        completeness_after=after.coverage.completeness,
        newly_served_homes=homes,
        hexagon_delta=delta,
    )
