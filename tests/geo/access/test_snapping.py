"""The access rule: how points and areas join the walking network.

Hand-made networks check the rule's arithmetic with numbers worked out by hand; the
bundled districts check it against the brute-force oracle (``tests/oracles``) and the
issue's promises: no facility joins a fragment when a larger piece is within 100 m, and
every street node within 30 m of a park with no mapped entrance walks at most its
distance to the outline (plus 1 m) to reach a park.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon

from geo.access.analysis import Analysis, analyse
from geo.access.snapping import (
    AccessSettings,
    join_area,
    join_points,
    snap_facilities,
)
from geo.district.model import District
from geo.district.network import WalkNetwork, build_walk_network
from geo.osm.ways import walk_ways_from_pairs
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

FloatArray = npt.NDArray[np.float64]
UTM51 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
X0, Y0 = 355_000.0, 3_456_000.0  # a spot in Shanghai, in UTM zone 51 metres


def network_from(
    points: dict[int, tuple[float, float]], pairs: list[tuple[int, int]]
) -> WalkNetwork:
    """A network from node positions in metres (east, north of X0, Y0) and node pairs."""
    ids = np.array(sorted(points), dtype=np.int64)
    x = np.array([X0 + points[i][0] for i in ids])
    y = np.array([Y0 + points[i][1] for i in ids])
    lon, lat = UTM51.transform(x, y, direction="INVERSE")
    u = np.array([a for a, _ in pairs], dtype=np.int64)
    v = np.array([b for _, b in pairs], dtype=np.int64)
    ways = walk_ways_from_pairs(
        node_ids=ids,
        lon=np.asarray(lon),
        lat=np.asarray(lat),
        u=u,
        v=v,
        way=np.arange(len(pairs), dtype=np.int64),
        way_highway=["footway"] * len(pairs),
        way_name=[""] * len(pairs),
        way_osm_id=np.arange(len(pairs), dtype=np.int64),
    )
    area = shapely.box(
        float(lon.min()) - 0.01,
        float(lat.min()) - 0.01,
        float(lon.max()) + 0.01,
        float(lat.max()) + 0.01,
    )
    return build_walk_network(ways, boundary=area)


def at(net: WalkNetwork, dx: float, dy: float) -> tuple[FloatArray, FloatArray]:
    x, y = net.project(*UTM51.transform(X0 + dx, Y0 + dy, direction="INVERSE"))
    return np.atleast_1d(x), np.atleast_1d(y)


STREET_NODES = 400  # a 3-node piece is a fragment: under 50 nodes and under 1 % of them


def main_street_and_fragment(fragment_dy: float) -> WalkNetwork:
    """A 400-node street along y = 0 (x = 0..3990 m) and a 3-node fragment at y = dy."""
    street = {i: (10.0 * i, 0.0) for i in range(STREET_NODES)}
    pairs = [(i, i + 1) for i in range(STREET_NODES - 1)]
    fragment = {1000: (100.0, fragment_dy), 1001: (120.0, fragment_dy), 1002: (140.0, fragment_dy)}
    return network_from({**street, **fragment}, [*pairs, (1000, 1001), (1001, 1002)])


def node_pos(net: WalkNetwork, node_id: int) -> int:
    return int(np.flatnonzero(net.node_ids == node_id)[0])


# --- points --------------------------------------------------------------------------------
def test_a_point_joins_both_ends_of_its_street_at_snap_plus_along() -> None:
    net = main_street_and_fragment(fragment_dy=500.0)
    x, y = at(net, 33.0, 4.0)  # 4 m off the street, between nodes 3 (30 m) and 4 (40 m)
    joined = join_points(net, x, y)
    assert joined.snap_m[0] == pytest.approx(4.0, abs=1e-6)
    ends = {
        int(net.node_ids[joined.u_pos[0]]): joined.u_cost_m[0],
        int(net.node_ids[joined.v_pos[0]]): joined.v_cost_m[0],
    }
    assert set(ends) == {3, 4}
    # Along the edge, a share of its great-circle length: 3 m and 7 m of a ~10 m edge.
    length = float(net.edges.loc[(net.edges["u"] == 3) & (net.edges["v"] == 4), "length_m"].iloc[0])
    assert length == pytest.approx(10.0, abs=0.02)
    assert ends[3] == pytest.approx(4.0 + 0.3 * length, abs=1e-3)
    assert ends[4] == pytest.approx(4.0 + 0.7 * length, abs=1e-3)
    pos, cost = joined.best()
    assert int(net.node_ids[pos[0]]) == 3 and cost[0] == pytest.approx(ends[3])


def test_a_point_next_to_a_fragment_joins_the_street_within_100_m() -> None:
    net = main_street_and_fragment(fragment_dy=25.0)
    x, y = at(net, 120.0, 20.0)  # 5 m from the fragment, 20 m from the street
    joined = join_points(net, x, y)
    assert {int(net.node_ids[joined.u_pos[0]]), int(net.node_ids[joined.v_pos[0]])} <= set(
        range(60)
    )
    assert joined.snap_m[0] == pytest.approx(20.0, abs=1e-3)
    assert bool(joined.moved_off_fragment[0]) and not bool(joined.on_fragment[0])


def test_a_point_with_no_larger_piece_within_100_m_keeps_its_fragment() -> None:
    net = main_street_and_fragment(fragment_dy=150.0)
    x, y = at(net, 120.0, 145.0)  # 5 m from the fragment, 145 m from the street
    joined = join_points(net, x, y)
    assert int(net.node_ids[joined.u_pos[0]]) in (1000, 1001, 1002)
    assert bool(joined.on_fragment[0]) and not bool(joined.moved_off_fragment[0])
    # The thresholds are settings: with a 200 m search the street wins.
    wide = join_points(net, x, y, settings=AccessSettings(fragment_search_m=200.0))
    assert int(net.node_ids[wide.u_pos[0]]) < STREET_NODES and bool(wide.moved_off_fragment[0])


def test_a_small_network_is_no_fragment_of_itself() -> None:
    net = network_from({1: (0.0, 0.0), 2: (10.0, 0.0), 3: (20.0, 0.0)}, [(1, 2), (2, 3)])
    joined = join_points(net, *at(net, 15.0, 300.0))
    assert not joined.on_fragment.any() and not joined.moved_off_fragment.any()
    assert joined.snap_m[0] == pytest.approx(300.0, abs=1e-3)


# --- areas ---------------------------------------------------------------------------------
def square_m(net: WalkNetwork, x0: float, y0: float, side: float) -> Polygon:
    corners = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    return Polygon([tuple(float(c[0]) for c in at(net, cx, cy)) for cx, cy in corners])


def test_an_area_without_entrances_is_reached_from_every_node_within_30_m() -> None:
    # Nodes at 10 m and 29.9 m from a 20 m square, one inside it, one 30.1 m away.
    net = network_from(
        {1: (-10.0, 10.0), 2: (49.9, 10.0), 3: (10.0, 10.0), 4: (10.0, 50.1), 5: (300.0, 10.0)},
        [(1, 3), (3, 2), (2, 4), (4, 5)],
    )
    area = join_area(net, square_m(net, 0.0, 0.0, 20.0))
    got = {
        int(net.node_ids[p]): round(float(c), 2)
        for p, c in zip(area.node_pos, area.cost_m, strict=True)
    }
    assert area.rule == "outline"
    assert got == {1: 10.0, 2: 29.9, 3: 0.0}


def test_an_area_far_from_every_node_is_reached_from_the_nearest() -> None:
    net = network_from({1: (-35.0, 5.0), 2: (200.0, 300.0)}, [(1, 2)])
    area = join_area(net, square_m(net, 0.0, 0.0, 10.0))
    assert area.rule == "nearest"
    assert [int(net.node_ids[p]) for p in area.node_pos] == [1]
    assert area.cost_m[0] == pytest.approx(35.0, abs=1e-3)


def test_an_area_with_a_mapped_entrance_is_reached_only_there() -> None:
    # A street along y = -5 under a 20 m square; a gate on the square's south side at x = 10.
    street = {i: (-20.0 + 10.0 * i, -5.0) for i in range(7)}
    inner = {100: (10.0, 10.0), 101: (10.0, 15.0)}  # a path inside the square
    net = network_from({**street, **inner}, [*[(i, i + 1) for i in range(6)], (100, 101)])
    gate = np.column_stack(at(net, 10.0, 0.0))
    far_gate = np.column_stack(at(net, 500.0, 0.0))
    area = join_area(net, square_m(net, 0.0, 0.0, 20.0), entrances_xy=np.vstack([gate, far_gate]))
    assert area.rule == "entrances"
    got = {int(net.node_ids[p]): float(c) for p, c in zip(area.node_pos, area.cost_m, strict=True)}
    # The gate is 5 m north of the street at x = 10, i.e. on node 3: 5 m to node 3, and
    # 5 m + one 10 m edge to each neighbour's side of the gate's street segment.
    assert min(got, key=got.get) == 3
    assert got[3] == pytest.approx(5.0, abs=1e-3)
    assert 100 not in got and 101 not in got  # the inner path is reached through the gate


# --- the bundled districts -----------------------------------------------------------------
@pytest.fixture(scope="module", params=["lujiazui", "wangjing"])
def case(request: pytest.FixtureRequest, taxonomy: Taxonomy) -> tuple[District, Analysis]:
    district: District = request.getfixturevalue(request.param)
    return district, analyse(district, taxonomy)


def metric(district: District, geom: shapely.Geometry) -> shapely.Geometry:
    net = district.network
    return shapely.transform(geom, lambda c: np.column_stack(net.project(c[:, 0], c[:, 1])))


def test_area_facilities_follow_the_rule_of_the_oracle(case: tuple[District, Analysis]) -> None:
    district, analysis = case
    net = district.network
    areas = district.facility_areas
    assert len(areas) > 0
    rows = analysis.facility_access
    gates = np.column_stack(
        net.project(district.entrances.geometry.x, district.entrances.geometry.y)
    )
    u, v = net.edge_index

    def join_gates(pts: FloatArray) -> list[tuple[int, float]]:
        joined = access_rule.join(
            net.xy, u, v, net.edges["length_m"].to_numpy(), net.nodes["component"].to_numpy(), pts
        )
        out = [(int(u[e]), float(c)) for e, c in zip(joined.edge, joined.u_cost_m, strict=True)]
        return out + [
            (int(v[e]), float(c)) for e, c in zip(joined.edge, joined.v_cost_m, strict=True)
        ]

    rules = analysis.facilities.set_index("facility_id")["access_rule"]
    engine = analysis.engine
    seen = set()
    for fid, geom in zip(areas["facility_id"], areas.geometry, strict=True):
        expected: dict[int, float] = {}
        for node, cost in access_rule.area_ways(net.xy, metric(district, geom), gates, join_gates):
            expected[node] = min(expected.get(node, np.inf), cost)
        mine = rows[rows["facility_id"] == fid]
        got = dict(zip(mine["node_pos"].astype(int), mine["cost_m"].astype(float), strict=True))
        seen.add(rules[fid])
        if rules[fid] != "entrances":
            assert set(got) == set(expected), fid
            for node, cost in expected.items():
                assert got[node] == pytest.approx(cost, abs=1e-3), fid
            continue
        # An entrance on a node where two streets meet joins either street: the same walk.
        da = engine.multi_source(np.array(list(got)), np.array(list(got.values())))
        db = engine.multi_source(np.array(list(expected)), np.array(list(expected.values())))
        np.testing.assert_array_equal(np.isfinite(da), np.isfinite(db))
        np.testing.assert_allclose(da[np.isfinite(da)], db[np.isfinite(db)], atol=1e-3)
    assert "outline" in seen


def test_every_node_near_a_park_without_entrances_is_near_a_park(
    case: tuple[District, Analysis],
) -> None:
    """The issue's promise: park_m <= the node's distance to the park's outline + 1 m."""
    district, analysis = case
    net = district.network
    parks = analysis.facilities[
        (analysis.facilities["category"] == "park_large")
        & (analysis.facilities["access_rule"] == "outline")
    ]
    areas = district.facility_areas.set_index("facility_id").loc[parks["facility_id"]]
    park_m = analysis.access.of("park_large")
    checked = 0
    for geom in areas.geometry:
        outline = metric(district, geom).boundary
        d = shapely.distance(shapely.points(net.xy), outline)
        near = np.flatnonzero(d <= 30.0)
        assert (park_m[near] <= d[near] + 1.0).all()
        checked += len(near)
    assert checked > 0


def test_no_facility_joins_a_fragment_when_a_larger_piece_is_within_100_m(
    case: tuple[District, Analysis],
) -> None:
    district, analysis = case
    net = district.network
    u, v = net.edge_index
    points = analysis.facilities[analysis.facilities["access_rule"] == "edge"]
    xy = np.column_stack(net.project(points["lon"].to_numpy(), points["lat"].to_numpy()))
    oracle = access_rule.join(
        net.xy, u, v, net.edges["length_m"].to_numpy(), net.nodes["component"].to_numpy(), xy
    )
    np.testing.assert_array_equal(points["joined"].to_numpy() == "fragment", oracle.on_fragment)
    fragment = access_rule.fragment_edges(net.nodes["component"].to_numpy(), u)
    for k, p in enumerate(xy):
        a, b = net.xy[u[~fragment]], net.xy[v[~fragment]]
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab**2).sum(1), 1e-12), 0, 1)
        if np.hypot(*(p - (a + t[:, None] * ab)).T).min() <= 100.0:
            assert not oracle.on_fragment[k]
            assert points["joined"].iloc[k] != "fragment"


def test_snapping_a_table_without_areas_joins_every_row_as_a_point(
    lujiazui: District,
) -> None:
    facilities = lujiazui.facilities.head(12)
    snapped, rows = snap_facilities(lujiazui.network, facilities)
    assert (snapped["access_rule"] == "edge").all()
    assert rows.groupby("facility_id").size().between(1, 2).all()
    assert isinstance(rows, pd.DataFrame) and isinstance(facilities, gpd.GeoDataFrame)
