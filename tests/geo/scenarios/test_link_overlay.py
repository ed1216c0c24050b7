"""A new link as an overlay on the baseline (no copy of the district's tables or arrays).

Oracles: networkx's Dijkstra on the scenario's own network (its edge table, read after
the edit), the general path of :func:`geo.scenarios.network_edits.modify_network`
(concatenate, relabel every piece, rebuild the CSR from the edge table, forced by
switching the growth off), and the engine's whole-network search.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely

from geo.access import local_reach
from geo.access.analysis import Analysis, analyse
from geo.access.engine import DistanceEngine
from geo.access.linked_engine import LinkedEngine
from geo.district.linked import LinkedNetwork
from geo.district.model import District
from geo.scenarios import network_edits
from geo.scenarios.apply import apply_scenario
from geo.scenarios.model import Scenario, parse_scenario
from geo.standards.taxonomy import Taxonomy
from tests.geo.scenarios.test_network_growth import link_scenario, same_network

TOL_M = 1e-6


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def between(baseline: Analysis, a: int, b: int, taxonomy: Taxonomy) -> Scenario:
    """A straight link from node position ``a`` to node position ``b``."""
    lonlat = baseline.district.network.nodes[["lon", "lat"]].to_numpy()
    feature: dict[str, Any] = {
        "type": "Feature",
        "id": "link",
        "properties": {"kind": "link", "name": "link"},
        "geometry": {"type": "LineString", "coordinates": [lonlat[a].tolist(), lonlat[b].tolist()]},
    }
    return parse_scenario({"type": "FeatureCollection", "features": [feature]}, taxonomy=taxonomy)


def networkx_rows(after: Analysis) -> np.ndarray:
    """Per category, Dijkstra of networkx from a virtual source on the scenario network."""
    net = after.district.network
    graph = net.to_networkx().to_directed()
    out = np.full((len(after.categories), net.n_nodes), math.inf)
    for i, cid in enumerate(after.categories):
        rows = after.facility_access[after.facility_access["category"] == cid]
        if len(rows) == 0:
            continue
        g = graph.copy()
        for node, cost in zip(rows["node_id"], rows["cost_m"], strict=True):
            w = float(cost)
            if not g.has_edge("source", int(node)) or g["source"][int(node)]["length"] > w:
                g.add_edge("source", int(node), length=w)
        dist = nx.single_source_dijkstra_path_length(
            g, "source", cutoff=after.limit_m, weight="length"
        )
        out[i] = [dist.get(int(n), math.inf) for n in net.node_ids]
    return out


def assert_like_networkx(after: Analysis, baseline: Analysis) -> None:
    expected = networkx_rows(after)
    actual = after.access.dist_m
    np.testing.assert_array_equal(np.isfinite(actual), np.isfinite(expected))
    ok = np.isfinite(expected)
    assert np.abs(actual[ok] - expected[ok]).max() <= TOL_M
    n_old = baseline.district.network.n_nodes
    assert (actual[:, :n_old] < baseline.access.dist_m).any(), "the link changed nothing"


def assert_overlay(after: Analysis) -> None:
    """The edit ran on the overlay: no table of the scenario network and no whole CSR
    was built (reading them later builds them)."""
    net, engine = after.district.network, after.engine
    assert isinstance(net, LinkedNetwork) and isinstance(engine, LinkedEngine)
    assert "nodes" not in net.__dict__ and "edges" not in net.__dict__
    assert not engine.materialised


def test_a_link_joining_two_pieces_equals_networkx(baseline: Analysis, taxonomy: Taxonomy) -> None:
    net = baseline.district.network
    comp = net.nodes["component"].to_numpy()
    other, main = np.flatnonzero(comp == 1), np.flatnonzero(comp == 0)
    a = other[0]
    b = main[int(np.argmin(np.hypot(*(net.xy[main] - net.xy[a]).T)))]
    after = apply_scenario(baseline, between(baseline, a, b, taxonomy))
    assert_overlay(after)
    assert_like_networkx(after, baseline)
    labels = after.district.network.nodes["component"].to_numpy()
    assert labels[a] == labels[b] == 0
    assert after.engine.materialised is False  # reading the tables needs no CSR


def test_a_link_across_a_street_joins_it_nowhere(baseline: Analysis, taxonomy: Taxonomy) -> None:
    """Links join the network at their ends only: crossing a street makes no junction."""
    net = baseline.district.network
    u, v = net.edge_index
    streets = shapely.linestrings(np.stack([net.xy[u], net.xy[v]], axis=1))
    tree = shapely.STRtree(streets)
    main = np.flatnonzero(net.nodes["component"].to_numpy() == 0)
    centre = net.xy[main].mean(axis=0)
    order = main[np.argsort(np.hypot(*(net.xy[main] - centre).T))]
    found = None
    for k in order[:50]:
        walk = baseline.engine.single_source(int(k))
        straight = np.hypot(*(net.xy - net.xy[k]).T)
        for j in np.flatnonzero((straight > 100.0) & (straight < 250.0) & (walk > straight + 80)):
            line = shapely.linestrings([net.xy[k], net.xy[j]])
            hit = tree.query(line, predicate="crosses")
            hit = hit[(u[hit] != k) & (v[hit] != k) & (u[hit] != j) & (v[hit] != j)]
            if len(hit):
                found = (int(k), int(j))
                break
        if found:
            break
    assert found is not None, "no link across a street near the centre"
    after = apply_scenario(baseline, between(baseline, *found, taxonomy))
    assert_overlay(after)
    assert after.district.network.n_nodes == net.n_nodes  # no node where it crosses
    assert_like_networkx(after, baseline)


@pytest.mark.parametrize("reach_m", [200.0, 500.0])
def test_the_tables_read_after_the_edit_are_the_rebuilt_ones(
    baseline: Analysis, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch, reach_m: float
) -> None:
    scenario = link_scenario(baseline, taxonomy, reach_m=reach_m)  # a bent link: new nodes
    after = apply_scenario(baseline, scenario)
    assert_overlay(after)
    with monkeypatch.context() as patch:
        patch.setattr(network_edits, "_append_links", lambda *args: None)
        rebuilt = network_edits.modify_network(baseline.district.network, scenario)
    grown = after.district.network
    same_network(grown, rebuilt.network)
    np.testing.assert_array_equal(grown.node_ids, rebuilt.network.node_ids)
    np.testing.assert_array_equal(grown.xy, rebuilt.network.xy)
    for mine, theirs in zip(grown.edge_index, rebuilt.network.edge_index, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # The whole CSR, built when asked for, is the rebuilt network's.
    fresh = DistanceEngine.for_network(rebuilt.network, limit_m=baseline.limit_m)
    assert (after.engine._csr != fresh._csr).nnz == 0
    # The baseline's own tables were not touched.
    assert baseline.district.network.n_nodes == len(baseline.district.network.nodes)


@pytest.mark.parametrize("margin_m", [local_reach.MARGIN_M, -950.0])
def test_local_searches_on_the_overlay_are_the_whole_search(
    baseline: Analysis, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch, margin_m: float
) -> None:
    """From new and old nodes, with a disc that fits and one too small (then 100 m)."""
    scenario = link_scenario(baseline, taxonomy, reach_m=500.0)
    after = apply_scenario(baseline, scenario)
    engine = after.engine
    assert isinstance(engine, LinkedEngine) and engine.grid is not None
    whole = DistanceEngine(engine._csr, limit_m=engine.limit_m)
    n_old = baseline.district.network.n_nodes
    monkeypatch.setattr(local_reach, "MARGIN_M", margin_m)
    rng = np.random.default_rng(3)
    starts = [*range(n_old, engine.n_nodes), *rng.integers(0, n_old, 6).tolist()]
    change = network_edits.modify_network(baseline.district.network, scenario)
    starts += [p for _, p in change.joined]
    for p in starts:
        full = whole.multi_source(np.array([p]), np.array([3.0]))
        reached, dist = engine.reach(np.array([p]), np.array([3.0]))
        np.testing.assert_array_equal(reached, np.flatnonzero(np.isfinite(full)))
        np.testing.assert_array_equal(dist, full[reached])
        part = engine.subnetwork(reached)
        assert (part._csr != whole._csr[reached][:, reached]).nnz == 0
