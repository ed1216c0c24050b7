"""Applying a scenario to an analysis.

Interventions change the baseline like this:

- a ``facility`` is one more source for its category, joined like any point (the two
  ends of its nearest street, :mod:`geo.access.snapping`);
- a ``space`` is a source for every category it ``provides``, reached like any OSM area:
  at every network node within 30 m of it (at that node's distance to its outline), or
  at the nearest node when none is that close;
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
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.access.analysis import Analysis, recount
from geo.access.engine import AccessResult, DistanceEngine, FloatArray, IntArray, compute_access
from geo.access.linked_engine import LinkedEngine
from geo.access.snapping import ACCESS_COLUMNS, join_area, join_lonlat, joined_kind
from geo.district.linked import LinkedNetwork
from geo.district.network import WalkNetwork
from geo.scenarios.model import Scenario, ScenarioError
from geo.scenarios.network_edits import (
    CLOSURE_SNAP_M,
    closes_edges,
    modify_network,
    to_metric,
)

NEW_FACILITY_COLUMNS = [
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
    "access_rule",
    "joined",
    "ways_in",
]


def scenario_sources(
    scenario: Scenario, network: WalkNetwork
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """New facilities (one row each), their access rows, and the spaces' polygons.

    A ``facility`` joins the network like any point, a ``space`` like any area
    (:mod:`geo.access.snapping`): the same rule as the OSM facilities of the baseline.
    """
    rows: list[dict[str, object]] = []
    sources: list[pd.DataFrame] = []
    spaces: list[tuple[str, BaseGeometry]] = []
    for item in scenario.interventions:
        if item.kind == "facility":
            cats = [str(item.category)]
            point = item.geometry
            joined = join_lonlat(network, np.array([point.x]), np.array([point.y]))
            _, pos, cost = joined.rows()
            rule, piece = "edge", str(joined_kind(joined)[0])
        elif item.kind == "space":
            cats = list(item.provides)
            point = item.geometry.representative_point()
            area = join_area(network, to_metric(item.geometry, network))
            pos, cost, rule, piece = area.node_pos, area.cost_m, area.rule, "area"
        else:
            continue
        best = int(np.argmin(cost))
        for cat in cats:
            fid = f"{item.id}:{cat}" if len(cats) > 1 else item.id
            rows.append(
                {
                    "facility_id": fid,
                    "category": cat,
                    "name": item.name,
                    "lon": float(point.x),
                    "lat": float(point.y),
                    "source": f"scenario:{item.kind}",
                    "osm_id": "",
                    "node_pos": int(pos[best]),
                    "node_id": int(network.node_ids[pos[best]]),
                    "snap_m": float(cost[best]),
                    "access_rule": rule,
                    "joined": piece,
                    "ways_in": len(pos),
                }
            )
            sources.append(
                pd.DataFrame(
                    {
                        "facility_id": fid,
                        "category": cat,
                        "node_pos": pos,
                        "node_id": network.node_ids[pos],
                        "cost_m": cost,
                    }
                )
            )
            if item.kind == "space":
                spaces.append((fid, item.geometry))
    if not rows:
        # Links or closures only: copies of the empty frames (building a GeoDataFrame
        # parses its CRS, a few milliseconds each).
        facilities, space_frame = _empty_frames()
        return facilities.copy(), _no_rows(), space_frame.copy()
    access = pd.concat(sources, ignore_index=True) if sources else _no_rows()
    return _facility_frame(rows), access, _space_frame(spaces)


def _facility_frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=NEW_FACILITY_COLUMNS)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


def _space_frame(spaces: list[tuple[str, BaseGeometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"facility_id": [f for f, _ in spaces], "osm_id": [""] * len(spaces)},
        geometry=[g for _, g in spaces],
        crs="EPSG:4326",
    )


@cache
def _empty_frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The frames of a scenario that adds no facility (only ever copied, never handed out)."""
    return _facility_frame([]), _space_frame([])


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=ACCESS_COLUMNS)


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
    change = modify_network(baseline.district.network, scenario, grid=baseline.engine.grid)
    network = change.network
    closed_ids = _closed_facilities(scenario, baseline.facilities, network)
    kept = _without(baseline.facilities, closed_ids)
    added, added_sources, spaces = scenario_sources(scenario, network)
    if len(added) or closed_ids:
        facilities = gpd.GeoDataFrame(pd.concat([kept, added], ignore_index=True), crs="EPSG:4326")
    else:
        # Links only: the baseline's facilities (a concat with no rows would still turn
        # every text column of 40,000 facilities into Python strings).
        facilities = baseline.facilities.copy(deep=False)
    kept_rows = _kept_rows(baseline, closed_ids)

    n_new = network.n_nodes
    engine: DistanceEngine
    if change.appended is not None and isinstance(network, LinkedNetwork):
        # The baseline's arrays shared, the links as a few extra entries.
        engine = LinkedEngine(baseline.engine, n_new, *change.appended, new_xy=network.added_xy)
    elif change.added_edges or change.closed_edges:
        engine = DistanceEngine.for_network(network, limit_m=baseline.limit_m)
    else:
        engine = baseline.engine
    # Rows are shared with the baseline until an intervention changes them (a link's new
    # nodes are added to a row only when it is read: AccessResult pads it with inf).
    rows = [baseline.access.row(i) for i in range(len(baseline.categories))]
    closed_cats = (
        set(
            baseline.facilities.loc[
                baseline.facilities["facility_id"].astype(str).isin(closed_ids), "category"
            ].astype(str)
        )
        if closed_ids
        else set()
    )
    full = set(baseline.categories) if change.closed_edges else closed_cats
    sources = _concat_rows(kept_rows, added_sources)
    # Per changed category: the nodes whose distance fell, or None (recomputed in full).
    lowered: dict[str, IntArray | None] = {}
    added_by_category = _by_category(added_sources)
    if change.joined:
        through = [i for i, c in enumerate(baseline.categories) if c not in full]
        seeds = np.array([p for _, p in change.joined], dtype=np.int64)
        for i, nodes in through_links(engine, rows, through, seeds).items():
            lowered[baseline.categories[i]] = nodes
    for i, cid in enumerate(baseline.categories):
        if cid in full:
            group = sources[sources["category"] == cid]
            rows[i] = engine.multi_source(
                group["node_pos"].to_numpy(np.int64), group["cost_m"].to_numpy(float)
            )
            lowered[cid] = None
            continue
        if cid in added_by_category:
            rows[i], nodes = engine.lower(rows[i], *added_by_category[cid])
            earlier = lowered.get(cid)
            lowered[cid] = nodes if earlier is None else np.union1d(earlier, nodes)
    # Whether a category has data: unchanged by a row an addition did not lower, true
    # where it lowered something; recomputed rows are looked at again.
    had = baseline.access.rows_with_data()
    fell = {c for c, v in lowered.items() if v is not None and len(v) > 0}
    access = AccessResult(
        categories=baseline.categories,
        rows=rows,
        limit_m=baseline.limit_m,
        node_ids=network.node_ids,
        has_data={
            i: bool(had[i]) or c in fell for i, c in enumerate(baseline.categories) if c not in full
        },
    )
    district = replace(
        baseline.district,
        network=network,
        facilities=facilities.drop(
            columns=["node_pos", "node_id", "snap_m", "access_rule", "joined", "ways_in"],
            errors="ignore",
        ),
        facility_areas=_areas_after(baseline, closed_ids, spaces),
    )
    # Homes keep their baseline joins (old nodes): only those on lowered nodes (and every
    # home of a recomputed category) are recounted.
    home_dist, served, coverage = recount(
        access,
        baseline.homes,
        taxonomy,
        before=baseline,
        lowered={c: v for c, v in lowered.items() if v is None or len(v)},
    )
    return replace(
        baseline,
        district=district,
        engine=engine,
        facilities=facilities,
        access=access,
        home_dist_m=home_dist,
        served=served,
        coverage=coverage,
        facility_access=sources,
    )


def through_links(
    engine: DistanceEngine, rows: list[FloatArray], which: list[int], seeds: IntArray
) -> dict[int, IntArray]:
    """Shorten the rows ``which`` of ``rows`` (replaced by new arrays where they change)
    by walks through the nodes where links join the network; per row, the nodes lowered.

    Such a walk is at most ``limit_m`` long, so it never leaves the nodes within
    ``limit_m`` of a joined node: the searches run on that part of the network only (found
    by a local search, :meth:`DistanceEngine.reach`), all categories in one call, and
    only its nodes are updated.
    """
    seeds = np.unique(seeds)
    if not which or len(seeds) == 0:
        return {}
    near, _ = engine.reach(seeds, np.zeros(len(seeds)))
    local = engine.subnetwork(near)
    seed_local = np.searchsorted(near, seeds)
    groups = []
    for i in which:
        offsets = rows[i][seeds]
        ok = np.isfinite(offsets)
        groups.append((seed_local[ok], offsets[ok]))
    shorter = local.multi_source_groups(groups)
    out: dict[int, IntArray] = {}
    for k, i in enumerate(which):
        lower = shorter[k] < padded(rows[i], near)
        if lower.any():
            pad = np.full(engine.n_nodes - len(rows[i]), np.inf)
            row = np.concatenate([rows[i], pad])  # one pass: a new row of the whole network
            row[near[lower]] = shorter[k][lower]
            rows[i] = row
            out[i] = near[lower]
    return out


def padded(row: FloatArray, node_pos: IntArray) -> FloatArray:
    """``row`` at ``node_pos`` (a new array); positions past its end (a link's new nodes,
    not in the baseline's row) are beyond reach."""
    out = np.full(len(node_pos), np.inf)
    inside = node_pos < len(row)
    out[inside] = row[node_pos[inside]]
    return out


def _by_category(rows: pd.DataFrame) -> dict[str, tuple[IntArray, FloatArray]]:
    """Access rows grouped by category: node positions and costs (a few new sources)."""
    cats = rows["category"].to_numpy(dtype=object)
    pos = rows["node_pos"].to_numpy(dtype=np.int64)
    cost = rows["cost_m"].to_numpy(dtype=np.float64)
    return {str(c): (pos[cats == c], cost[cats == c]) for c in dict.fromkeys(cats)}


def _without(frame: pd.DataFrame, closed_ids: set[str]) -> pd.DataFrame:
    """``frame`` without the rows of the closed facilities (itself when none is closed)."""
    if not closed_ids:
        return frame
    return frame[~frame["facility_id"].astype(str).isin(closed_ids)]


def _kept_rows(baseline: Analysis, closed_ids: set[str]) -> pd.DataFrame:
    return _without(baseline.facility_access, closed_ids)


def _concat_rows(*frames: pd.DataFrame) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else _no_rows()


def _areas_after(
    baseline: Analysis, closed_ids: set[str], spaces: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The district's facility areas without the closed ones, plus the new spaces."""
    kept = _without(baseline.district.facility_areas, closed_ids)
    if len(spaces) == 0:
        return kept
    return gpd.GeoDataFrame(pd.concat([kept, spaces], ignore_index=True), crs="EPSG:4326")


def recompute_full(baseline: Analysis, scenario: Scenario) -> AccessResult:
    """The scenario's distances computed from scratch (no incremental step): for checks."""
    change = modify_network(baseline.district.network, scenario)
    network = change.network
    closed_ids = _closed_facilities(scenario, baseline.facilities, network)
    _, added_sources, _ = scenario_sources(scenario, network)
    engine = DistanceEngine.for_network(network, limit_m=baseline.limit_m)
    return compute_access(
        engine,
        _concat_rows(_kept_rows(baseline, closed_ids), added_sources),
        categories=baseline.categories,
        node_ids=network.node_ids,
    )
