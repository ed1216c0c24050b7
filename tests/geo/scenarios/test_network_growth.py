"""A link grows the network (appended nodes and edges, the engine grown from its CSR).

The oracle is the general path of :func:`geo.scenarios.network_edits.modify_network`
(concatenate, drop duplicate pairs, relabel every piece, rebuild the CSR from the edge
table), forced here by switching the growth off: both must give the same network and the
same distances.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo.access.analysis import Analysis, analyse
from geo.access.engine import DistanceEngine
from geo.district.model import District
from geo.district.network import WalkNetwork
from geo.scenarios import network_edits
from geo.scenarios.apply import apply_scenario
from geo.scenarios.model import Scenario, parse_scenario
from geo.standards.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def link_scenario(baseline: Analysis, taxonomy: Taxonomy, *, reach_m: float) -> Scenario:
    """A bent passage from the node nearest the centre to the node within ``reach_m`` of
    it (straight line) that the streets make the longest walk to: a real shortcut."""
    net = baseline.district.network
    main = np.flatnonzero(net.nodes["component"].to_numpy() == 0)
    centre = net.xy[main].mean(axis=0)
    k = main[int(np.argmin(np.hypot(*(net.xy[main] - centre).T)))]
    walk = baseline.engine.single_source(int(k))
    straight = np.hypot(*(net.xy - net.xy[k]).T)
    detour = np.where((straight > reach_m / 2) & (straight < reach_m), walk - straight, -np.inf)
    j = int(np.argmax(np.where(np.isfinite(detour), detour, -np.inf)))
    assert detour[j] > 50.0
    lon = net.nodes["lon"].to_numpy()
    lat = net.nodes["lat"].to_numpy()
    bend = [(lon[k] + lon[j]) / 2 + 0.0001, (lat[k] + lat[j]) / 2]
    line = [[float(lon[k]), float(lat[k])], bend, [float(lon[j]), float(lat[j])]]
    feature: dict[str, Any] = {
        "type": "Feature",
        "id": "passage",
        "properties": {"kind": "link", "name": "passage"},
        "geometry": {"type": "LineString", "coordinates": line},
    }
    doc = {"type": "FeatureCollection", "features": [feature]}
    return parse_scenario(doc, taxonomy=taxonomy)


def same_network(a: WalkNetwork, b: WalkNetwork) -> None:
    pd.testing.assert_frame_equal(a.nodes, b.nodes)
    left = a.edges.astype({"highway": object, "name": object}).fillna("")
    right = b.edges.astype({"highway": object, "name": object}).fillna("")
    pd.testing.assert_frame_equal(left, right)


@pytest.mark.parametrize("reach_m", [200.0, 500.0])
def test_a_grown_network_is_the_rebuilt_one(
    baseline: Analysis, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch, reach_m: float
) -> None:
    scenario = link_scenario(baseline, taxonomy, reach_m=reach_m)
    net = baseline.district.network
    grown = network_edits.modify_network(net, scenario)
    assert grown.appended is not None and grown.new_nodes >= 1
    applied = apply_scenario(baseline, scenario)
    with monkeypatch.context() as patch:
        patch.setattr(network_edits, "_append_links", lambda *args: None)
        rebuilt = network_edits.modify_network(net, scenario)
        reference = apply_scenario(baseline, scenario)
    assert rebuilt.appended is None
    same_network(grown.network, rebuilt.network)
    assert grown.joined == rebuilt.joined
    # The grown engine holds the rebuilt network's edges, and gives its distances.
    engine = baseline.engine.with_edges(grown.network.n_nodes, *grown.appended)
    fresh = DistanceEngine.for_network(rebuilt.network, limit_m=baseline.limit_m)
    assert (engine._csr != fresh._csr).nnz == 0
    np.testing.assert_array_equal(applied.access.dist_m, reference.access.dist_m)
    np.testing.assert_array_equal(applied.served, reference.served)
    # The link changed something: some category got nearer somewhere.
    n_old = net.n_nodes
    assert (applied.access.dist_m[:, :n_old] < baseline.access.dist_m).any()


def test_a_link_between_two_pieces_relabels_them(
    baseline: Analysis, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Joining two pieces grows the network too; the pieces are counted again when its
    node table is read, as the general path counts them."""
    net = baseline.district.network
    comp = net.nodes["component"].to_numpy()
    other = np.flatnonzero(comp == 1)
    main = np.flatnonzero(comp == 0)
    assert len(other) and len(main)
    a = other[0]
    b = main[int(np.argmin(np.hypot(*(net.xy[main] - net.xy[a]).T)))]
    coords = [[float(net.nodes["lon"].iloc[p]), float(net.nodes["lat"].iloc[p])] for p in (a, b)]
    feature: dict[str, Any] = {
        "type": "Feature",
        "id": "bridge",
        "properties": {"kind": "link", "name": "bridge"},
        "geometry": {"type": "LineString", "coordinates": coords},
    }
    scenario = parse_scenario(
        {"type": "FeatureCollection", "features": [feature]}, taxonomy=taxonomy
    )
    change = network_edits.modify_network(net, scenario)
    assert change.appended is not None
    joined = change.network.nodes["component"].to_numpy()
    assert joined[a] == joined[b] == 0
    with monkeypatch.context() as patch:
        patch.setattr(network_edits, "_append_links", lambda *args: None)
        rebuilt = network_edits.modify_network(net, scenario)
    assert rebuilt.appended is None
    same_network(change.network, rebuilt.network)
