"""Applying a scenario to an analysis.

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

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.access.analysis import Analysis, recount
from geo.access.engine import AccessResult, DistanceEngine, compute_access
from geo.district.network import WalkNetwork
from geo.scenarios.model import Scenario, ScenarioError
from geo.scenarios.network_edits import (
    CLOSURE_SNAP_M,
    SPACE_ACCESS_M,
    closes_edges,
    modify_network,
    to_metric,
)


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
    metric = to_metric(polygon, network)
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
        if item.kind != "closure" or closes_edges(item):
            continue
        if item.target:
            if item.target not in set(facilities["facility_id"].astype(str)):
                raise ScenarioError(
                    f"closure '{item.name or item.id}': no facility '{item.target}'"
                )
            closed.add(item.target)
            continue
        point = to_metric(item.geometry, network)
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
    home_dist, served, coverage = recount(access, baseline.homes, taxonomy)
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
