"""Joining many areas at once (:func:`geo.access.snapping.join_areas`) against the oracle.

One call mixes every part of the rule: areas reached at entrances (one entrance on the
outlines of two areas), from the nodes within 30 m, from the nearest node, and an empty
geometry; each area's rows must be the brute-force oracle's (``tests/oracles``).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from geo.access.snapping import join_areas, join_points
from geo.district.network import WalkNetwork, build_walk_network
from geo.osm.ways import walk_ways_from_pairs
from tests.oracles import access_rule

UTM51 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
X0, Y0 = 355_000.0, 3_456_000.0  # a spot in Shanghai, in UTM zone 51 metres


def grid_network(cols: int, rows: int, spacing_m: float) -> WalkNetwork:
    """A street grid with its south-west node at (X0, Y0)."""
    ids = np.arange(cols * rows, dtype=np.int64) + 1
    gx, gy = np.meshgrid(np.arange(cols), np.arange(rows))
    x = X0 + spacing_m * gx.ravel()
    y = Y0 + spacing_m * gy.ravel()
    lon, lat = UTM51.transform(x, y, direction="INVERSE")
    at = ids.reshape(rows, cols)
    pairs = [(at[r, c], at[r, c + 1]) for r in range(rows) for c in range(cols - 1)]
    pairs += [(at[r, c], at[r + 1, c]) for r in range(rows - 1) for c in range(cols)]
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
    boundary = shapely.box(
        float(lon.min()) - 0.01, float(lat.min()) - 0.01, float(lon.max()) + 0.01, 90.0
    )
    return build_walk_network(ways, boundary=boundary)


def metric_box(net: WalkNetwork, x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    """A rectangle given in metres east and north of (X0, Y0), in the network's CRS."""
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    lon, lat = UTM51.transform(
        [X0 + c[0] for c in corners], [Y0 + c[1] for c in corners], direction="INVERSE"
    )
    x, y = net.project(lon, lat)
    return shapely.Polygon(np.column_stack([x, y]))


def metric_point(net: WalkNetwork, dx: float, dy: float) -> tuple[float, float]:
    lon, lat = UTM51.transform(X0 + dx, Y0 + dy, direction="INVERSE")
    x, y = net.project(lon, lat)
    return float(x), float(y)


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network(12, 12, 100.0)  # 1.1 km square, 100 m blocks


def test_many_areas_in_one_call_join_as_the_oracle_says(net: WalkNetwork) -> None:
    areas = np.empty(6, dtype=object)
    # Two blocks side by side share their outline at x = 250: one gate on it serves both.
    areas[0] = metric_box(net, 210.0, 210.0, 250.0, 290.0)
    areas[1] = metric_box(net, 250.0, 210.0, 290.0, 290.0)
    areas[2] = metric_box(net, 520.0, 520.0, 580.0, 580.0)  # no gate: nodes within 30 m
    areas[3] = metric_box(net, 640.0, 640.0, 660.0, 660.0)  # no gate, no node within 30 m
    areas[4] = shapely.Polygon()  # an empty geometry has no way in
    areas[5] = metric_box(net, 810.0, 810.0, 890.0, 890.0)  # a gate of its own
    gates = np.array(
        [
            metric_point(net, 250.0, 250.0),  # on areas 0 and 1
            metric_point(net, 850.0, 810.0),  # on area 5
            metric_point(net, 1000.0, 1000.0),  # on no outline
        ]
    )
    got = join_areas(net, areas, entrances_xy=gates)
    assert got.rule.tolist() == ["entrances", "entrances", "outline", "nearest", "", "entrances"]
    u, v = net.edge_index

    def join_gates(pts: np.ndarray) -> list[tuple[int, float]]:
        j = access_rule.join(
            net.xy, u, v, net.edges["length_m"].to_numpy(), net.nodes["component"].to_numpy(), pts
        )
        return [(int(u[e]), float(c)) for e, c in zip(j.edge, j.u_cost_m, strict=True)] + [
            (int(v[e]), float(c)) for e, c in zip(j.edge, j.v_cost_m, strict=True)
        ]

    assert np.all(np.diff(got.owner) >= 0)  # sorted by area
    for i in (0, 1, 2, 3, 5):
        expected: dict[int, float] = {}
        for node, cost in access_rule.area_ways(net.xy, areas[i], gates, join_gates):
            expected[node] = min(expected.get(node, np.inf), cost)
        mine = got.owner == i
        rows = dict(zip(got.node_pos[mine].tolist(), got.cost_m[mine].tolist(), strict=True))
        assert set(rows) == set(expected), i
        for node, cost in expected.items():
            assert rows[node] == pytest.approx(cost, abs=1e-6), (i, node)
    assert not np.any(got.owner == 4)
    # The shared gate gives both areas the same rows.
    first = join_points(net, gates[:1, 0], gates[:1, 1])
    ends = {int(first.u_pos[0]), int(first.v_pos[0])}
    assert set(got.node_pos[got.owner == 0].tolist()) == ends
    assert set(got.node_pos[got.owner == 1].tolist()) == ends


def test_no_areas_give_no_rows(net: WalkNetwork) -> None:
    got = join_areas(net, np.empty(0, dtype=object), entrances_xy=np.zeros((0, 2)))
    assert len(got.owner) == len(got.node_pos) == len(got.cost_m) == len(got.rule) == 0
