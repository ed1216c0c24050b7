"""Tests for geo.access: bounded multi-source walking distances.

Hand-made networks (a line, a grid, a star, a disconnected piece) have answers worked out
by hand. On both bundled districts every distance is checked against an independent
oracle: networkx's Dijkstra on a graph built here from ``network.edges`` (``u, v,
length_m``) with a virtual source joined to each facility's node by an edge of its snap
distance, cut off at ``limit_m``; the snap itself is checked by a brute-force nearest
node search on coordinates projected here with pyproj.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString

from geo.access.analysis import Analysis, add_facility, analyse
from geo.access.engine import AccessResult, DistanceEngine, compute_access
from geo.access.snapping import snap_facilities
from geo.district.model import District
from geo.district.network import WalkNetwork, label_components
from geo.errors import NetworkError
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

FloatArray = npt.NDArray[np.float64]
TOL_M = 0.01
CRS = "EPSG:32651"
X0, Y0 = 350_000.0, 3_450_000.0
TO_WGS84 = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
# The UTM zones of the bundled districts (Shanghai 51N, Beijing 50N), stated here.
UTM = {"lujiazui": "EPSG:32651", "wangjing": "EPSG:32650"}
SOURCE = "__virtual_source__"


# --- hand-made networks --------------------------------------------------------------------
def make_network(
    points: Mapping[int, tuple[float, float]],
    edges: Sequence[tuple[int, int]],
    *,
    lengths: Mapping[tuple[int, int], float] | None = None,
) -> WalkNetwork:
    """A network from local metric coordinates (metres east/north of ``X0, Y0``).

    Edge lengths are the straight-line lengths unless ``lengths`` gives one.
    """
    ids = np.array(sorted(points), dtype=np.int64)
    x = np.array([X0 + points[i][0] for i in ids])
    y = np.array([Y0 + points[i][1] for i in ids])
    lon, lat = TO_WGS84.transform(x, y)
    nodes = pd.DataFrame(
        {"lon": lon, "lat": lat, "x": x, "y": y}, index=pd.Index(ids, name="node_id")
    )
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges})
    index = pd.Index(ids)
    ui = index.get_indexer([a for a, _ in pairs])
    vi = index.get_indexer([b for _, b in pairs])
    given = {(min(a, b), max(a, b)): w for (a, b), w in (lengths or {}).items()}
    length = [
        given.get(p, float(np.hypot(x[i] - x[j], y[i] - y[j])))
        for p, i, j in zip(pairs, ui, vi, strict=True)
    ]
    nodes["component"] = label_components(len(ids), ui.astype(np.int64), vi.astype(np.int64))
    frame = gpd.GeoDataFrame(
        {
            "u": [a for a, _ in pairs],
            "v": [b for _, b in pairs],
            "length_m": np.asarray(length, dtype=float),
            "highway": "footway",
            "name": "",
        },
        geometry=[
            LineString([(lon[i], lat[i]), (lon[j], lat[j])]) for i, j in zip(ui, vi, strict=True)
        ],
        crs="EPSG:4326",
    )
    return WalkNetwork(crs=CRS, nodes=nodes, edges=frame)


def pos(network: WalkNetwork, *node_ids: int) -> npt.NDArray[np.int64]:
    return np.array([network.nodes.index.get_loc(i) for i in node_ids], dtype=np.int64)


def line_network(n_segments: int = 5, step_m: float = 100.0) -> WalkNetwork:
    """Nodes 0..n on a straight street, ``step_m`` apart."""
    return make_network(
        {i: (step_m * i, 0.0) for i in range(n_segments + 1)},
        [(i, i + 1) for i in range(n_segments)],
    )


def grid_with_island() -> WalkNetwork:
    """A 3 × 3 grid of 100 m blocks (ids 0..8, row by row) and a separate street 100-101."""
    points = {3 * r + c: (100.0 * c, 100.0 * r) for r in range(3) for c in range(3)}
    edges = [(3 * r + c, 3 * r + c + 1) for r in range(3) for c in range(2)]
    edges += [(3 * r + c, 3 * (r + 1) + c) for r in range(2) for c in range(3)]
    points |= {100: (1000.0, 0.0), 101: (1000.0, 60.0)}
    return make_network(points, [*edges, (100, 101)])


def star_network() -> WalkNetwork:
    """A centre (0) with arms to 1 (50 m), 2 (120 m), 3 (300 m) and 4 (80 m); 4-5 is 40 m."""
    return make_network(
        {0: (0, 0), 1: (50, 0), 2: (0, 120), 3: (-300, 0), 4: (0, -80), 5: (0, -120)},
        [(0, 1), (0, 2), (0, 3), (0, 4), (4, 5)],
    )


def by_id(network: WalkNetwork, dist: FloatArray) -> dict[int, float]:
    return {int(i): float(d) for i, d in zip(network.node_ids, dist, strict=True)}


def test_line_distances_by_hand() -> None:
    net = line_network()
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    dist = engine.multi_source(pos(net, 0))
    assert dist.tolist() == [0.0, 100.0, 200.0, 300.0, 400.0, 500.0]
    assert engine.single_source(int(pos(net, 5)[0])).tolist() == [500, 400, 300, 200, 100, 0]
    # A facility in the middle: distances grow both ways.
    assert engine.multi_source(pos(net, 2)).tolist() == [200, 100, 0, 100, 200, 300]


def test_two_facilities_at_equal_distance_tie() -> None:
    net = line_network(4)
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    dist, label = engine.nearest_source(pos(net, 0, 4))
    assert dist.tolist() == [0, 100, 200, 100, 0]
    assert label[[0, 1]].tolist() == [0, 0]
    assert label[[3, 4]].tolist() == [1, 1]
    assert label[2] in (0, 1)  # the tie: either facility is right


def test_grid_tie_between_opposite_corners() -> None:
    net = grid_with_island()
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    dist, label = engine.nearest_source(pos(net, 0, 8))
    d = by_id(net, dist)
    assert d[4] == pytest.approx(200.0)  # the centre: 200 m from both corners
    assert d[2] == pytest.approx(200.0) and d[6] == pytest.approx(200.0)
    assert d[1] == pytest.approx(100.0) and d[7] == pytest.approx(100.0)
    lab = dict(zip(net.node_ids.tolist(), label.tolist(), strict=True))
    assert lab[1] == 0 and lab[3] == 0 and lab[5] == 1 and lab[7] == 1
    assert lab[4] in (0, 1)


def test_disconnected_piece_is_unreachable() -> None:
    net = grid_with_island()
    engine = DistanceEngine.for_network(net, limit_m=5000.0)
    dist, label = engine.nearest_source(pos(net, 0))
    d = by_id(net, dist)
    assert math.isinf(d[100]) and math.isinf(d[101])
    assert all(math.isfinite(d[i]) for i in range(9))
    lab = dict(zip(net.node_ids.tolist(), label.tolist(), strict=True))
    assert lab[100] == -1 and lab[101] == -1
    assert d[8] == pytest.approx(400.0)


def test_facility_on_a_disconnected_piece_serves_only_its_piece() -> None:
    net = grid_with_island()
    engine = DistanceEngine.for_network(net, limit_m=5000.0)
    d = by_id(net, engine.multi_source(pos(net, 101), np.array([4.0])))
    assert d[101] == pytest.approx(4.0) and d[100] == pytest.approx(64.0)
    assert all(math.isinf(d[i]) for i in range(9))  # 900 m away in a straight line, no path


def test_distance_equal_to_the_limit_is_kept_beyond_is_inf() -> None:
    # 0 -100- 1 -100- 2 -(100 + 1e-6)- 3: node 2 is at exactly 200 m, node 3 just beyond.
    net = make_network(
        {0: (0, 0), 1: (100, 0), 2: (200, 0), 3: (300, 0)},
        [(0, 1), (1, 2), (2, 3)],
        lengths={(0, 1): 100.0, (1, 2): 100.0, (2, 3): 1e-6},
    )
    engine = DistanceEngine.for_network(net, limit_m=200.0)
    d = engine.multi_source(pos(net, 0))
    assert d[2] == 200.0  # distance == limit_m is within reach
    assert math.isinf(d[3])  # limit + 1e-6: "beyond the limit: inf"
    assert engine.multi_source(pos(net, 0), limit_m=200.0 + 1e-6)[3] == pytest.approx(200.0)
    assert math.isinf(engine.multi_source(pos(net, 0), limit_m=199.999)[2])
    # The same rule for each entry point that takes a limit.
    s = engine.single_source(int(pos(net, 0)[0]))
    assert s[2] == 200.0 and math.isinf(s[3])
    g = engine.multi_source_groups([(pos(net, 0), np.zeros(1))])
    assert g[0, 2] == 200.0 and math.isinf(g[0, 3])
    nd, nl = engine.nearest_source(pos(net, 0))
    assert nd[2] == 200.0 and nl[2] == 0 and math.isinf(nd[3]) and nl[3] == -1
    # A snap offset counts towards the limit: 150 m + 50 m offset == 200 m is in.
    off = engine.multi_source(pos(net, 0), np.array([50.0]))
    assert off[1] == 150.0 and math.isinf(off[2])
    at_limit = engine.multi_source(pos(net, 1), np.array([200.0]))
    assert at_limit[1] == 200.0 and np.isinf(np.delete(at_limit, 1)).all()
    assert np.isinf(engine.multi_source(pos(net, 1), np.array([200.0 + 1e-9]))).all()


def test_snap_offsets_are_added() -> None:
    net = line_network()
    engine = DistanceEngine.for_network(net, limit_m=250.0)
    d = engine.multi_source(pos(net, 0), np.array([7.5]))
    assert d[:3].tolist() == [7.5, 107.5, 207.5]
    assert np.isinf(d[3:]).all()  # 307.5 > 250
    # Two facilities: the offsets decide who is nearer.
    d2, label = engine.nearest_source(pos(net, 0, 2), np.array([0.0, 90.0]))
    assert d2[:4].tolist() == [0.0, 100.0, 90.0, 190.0]
    assert label[:4].tolist() == [0, 0, 1, 1]


def test_several_facilities_on_one_node_smallest_offset_wins() -> None:
    net = line_network()
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    nodes = pos(net, 1, 1, 1)
    offsets = np.array([30.0, 5.0, 12.0])
    d = engine.multi_source(nodes, offsets)
    assert d.tolist() == [105.0, 5.0, 105.0, 205.0, 305.0, 405.0]  # never 30 + 5 + 12
    dist, label = engine.nearest_source(nodes, offsets)
    assert dist.tolist() == d.tolist()
    assert (label == 1).all()
    g = engine.multi_source_groups([(nodes, offsets), (nodes[::-1], offsets[::-1])])
    assert g[0].tolist() == d.tolist() and g[1].tolist() == d.tolist()
    # Incremental: a worse facility on the same node changes nothing, a better one does.
    assert engine.add_source(d, int(nodes[0]), 40.0).tolist() == d.tolist()
    assert engine.add_source(d, int(nodes[0]), 1.0)[1] == 1.0


def test_zero_length_edges_and_zero_offsets() -> None:
    # Nodes 1 and 2 share a position (a zero-length edge, as OSM has at some crossings).
    net = make_network({0: (0, 0), 1: (100, 0), 2: (100, 0), 3: (200, 0)}, [(0, 1), (1, 2), (2, 3)])
    assert net.edges["length_m"].tolist() == [100.0, 0.0, 100.0]
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    assert engine.multi_source(pos(net, 0)).tolist() == [0.0, 100.0, 100.0, 200.0]
    assert engine.multi_source(pos(net, 2), np.zeros(1)).tolist() == [100.0, 0.0, 0.0, 100.0]
    dist, label = engine.nearest_source(pos(net, 1))
    assert dist.tolist() == [100.0, 0.0, 0.0, 100.0] and (label == 0).all()
    assert engine.add_source(np.full(4, np.inf), int(pos(net, 1)[0])).tolist() == [
        100.0,
        0.0,
        0.0,
        100.0,
    ]


def test_star_by_hand() -> None:
    net = star_network()
    engine = DistanceEngine.for_network(net, limit_m=400.0)
    # Facilities at leaf 1 (offset 10) and leaf 5 (offset 0).
    dist, label = engine.nearest_source(pos(net, 1, 5), np.array([10.0, 0.0]))
    d = by_id(net, dist)
    assert d == pytest.approx({0: 60.0, 1: 10.0, 2: 180.0, 3: 360.0, 4: 40.0, 5: 0.0})
    lab = dict(zip(net.node_ids.tolist(), label.tolist(), strict=True))
    assert lab == {0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    # With a limit of 350 m, leaf 3 (360 m) is out; with no offsets it is at 350 m, in.
    offsets = np.array([10.0, 0.0])
    assert math.isinf(by_id(net, engine.multi_source(pos(net, 1, 5), offsets, limit_m=350.0))[3])
    assert by_id(net, engine.multi_source(pos(net, 1, 5), limit_m=350.0))[3] == 350.0


def test_multi_source_groups_keeps_groups_apart() -> None:
    net = grid_with_island()
    engine = DistanceEngine.for_network(net, limit_m=250.0)
    groups = [
        (pos(net, 0), np.array([0.0])),
        (np.zeros(0, dtype=np.int64), np.zeros(0)),
        (pos(net, 8, 100), np.array([20.0, 0.0])),
    ]
    out = engine.multi_source_groups(groups)
    assert out.shape == (3, net.n_nodes)
    assert np.isinf(out[1]).all()
    for row, (nodes, offsets) in zip(out[[0, 2]], [groups[0], groups[2]], strict=True):
        assert row.tolist() == engine.multi_source(nodes, offsets).tolist()
    d0, d2 = by_id(net, out[0]), by_id(net, out[2])
    assert d0[4] == 200.0 and math.isinf(d0[8]) and math.isinf(d0[100])
    assert d2[8] == 20.0 and d2[100] == 0.0 and d2[101] == 60.0 and math.isinf(d2[0])
    assert engine.multi_source_groups([]).shape == (0, net.n_nodes)


def test_add_source_at_and_beyond_the_limit() -> None:
    net = line_network()
    engine = DistanceEngine.for_network(net, limit_m=250.0)
    base = engine.multi_source(pos(net, 0))
    assert base.tolist()[:3] == [0, 100, 200]
    p5 = int(pos(net, 5)[0])
    # offset == limit: only its own node, at exactly the limit.
    at = engine.add_source(base, p5, 250.0)
    assert at.tolist() == [0, 100, 200, np.inf, np.inf, 250.0]
    assert at.tolist() == engine.multi_source(pos(net, 0, 5), np.array([0.0, 250.0])).tolist()
    # offset beyond the limit: nothing changes.
    assert engine.add_source(base, p5, 250.001).tolist() == base.tolist()
    # Inside: an element-wise minimum with the new walk.
    new = engine.add_source(base, p5, 20.0)
    assert new.tolist() == [0, 100, 200, 220, 120, 20]
    assert base.tolist()[3] == np.inf  # the input is not modified


@pytest.mark.parametrize(
    ("nodes", "offsets", "message"),
    [
        ([0], [-1.0], "not negative"),
        ([0], [np.inf], "finite"),
        ([0], [np.nan], "finite"),
    ],
)
def test_bad_offsets_are_refused(nodes: list[int], offsets: list[float], message: str) -> None:
    engine = DistanceEngine.for_network(line_network(), limit_m=100.0)
    with pytest.raises(NetworkError, match=message):
        engine.multi_source(np.array(nodes), np.array(offsets))
    with pytest.raises(NetworkError, match=message):
        engine.multi_source_groups([(np.array(nodes), np.array(offsets))])


@pytest.mark.parametrize("limit", [0.0, -5.0, np.inf, np.nan])
def test_bad_limit_is_refused(limit: float) -> None:
    with pytest.raises(NetworkError, match="positive"):
        DistanceEngine.for_network(line_network(), limit_m=limit)


def test_empty_network_is_refused() -> None:
    from scipy import sparse

    with pytest.raises(NetworkError, match="empty"):
        DistanceEngine(sparse.csr_matrix((0, 0)), limit_m=100.0)


def test_walk_minutes_is_metres_over_metres_per_minute() -> None:
    dist = np.array([[0.0, 1000.0, 500.0, np.inf], [60.0, 250.0, 1.0, 999.0]])
    result = AccessResult(categories=("a", "b"), dist_m=dist, limit_m=1000.0, node_ids=np.arange(4))
    at4 = result.walk_minutes(speed_kmh=4.0)  # 4 km/h = 66.67 m per minute
    assert at4[0].tolist() == pytest.approx([0.0, 15.0, 7.5, np.inf])
    assert at4[1].tolist() == pytest.approx([0.9, 3.75, 0.015, 14.985])
    at5 = result.walk_minutes(speed_kmh=5.0)  # 83.33 m per minute
    assert at5[0, 1] == pytest.approx(12.0) and at5[1, 0] == pytest.approx(0.72)
    assert np.isinf(at5[0, 3])
    for bad in (0.0, -4.0):
        with pytest.raises(ValueError, match="positive"):
            result.walk_minutes(speed_kmh=bad)
    frame = result.to_frame()
    assert frame.columns.tolist() == ["a_m", "b_m"]
    assert np.isnan(frame.loc[3, "a_m"]) and frame.loc[3, "b_m"] == 999.0


# --- the bundled districts against networkx --------------------------------------------------
def nx_graph(edges: pd.DataFrame) -> nx.DiGraph:
    """Both directions of every ``u, v, length_m`` row (parallel rows: the shortest)."""
    G = nx.DiGraph()
    for u, v, w in edges[["u", "v", "length_m"]].itertuples(index=False):
        for a, b in ((int(u), int(v)), (int(v), int(u))):
            if not G.has_edge(a, b) or G[a][b]["weight"] > w:
                G.add_edge(a, b, weight=float(w))
    return G


def nx_distances(
    G: nx.DiGraph, sources: Iterable[tuple[int, float]], limit_m: float
) -> dict[int, float]:
    """Dijkstra from a virtual source joined to each (node, offset); cut off at ``limit_m``."""
    best: dict[int, float] = {}
    for node, offset in sources:
        best[int(node)] = min(best.get(int(node), math.inf), float(offset))
    if not best:
        return {}
    G.add_weighted_edges_from((SOURCE, n, w) for n, w in best.items())
    try:
        dist = nx.single_source_dijkstra_path_length(G, SOURCE, cutoff=limit_m, weight="weight")
    finally:
        G.remove_node(SOURCE)
    dist.pop(SOURCE, None)
    return dist


def as_array(dist: Mapping[int, float], node_ids: Iterable[int]) -> FloatArray:
    return np.array([dist.get(int(n), np.inf) for n in node_ids], dtype=float)


def assert_same_distances(actual: FloatArray, expected: FloatArray, what: str) -> None:
    fa, fe = np.isfinite(actual), np.isfinite(expected)
    assert np.array_equal(fa, fe), (
        f"{what}: {int((fa & ~fe).sum())} nodes reached only by geo, "
        f"{int((fe & ~fa).sum())} only by networkx"
    )
    if fa.any():
        worst = float(np.max(np.abs(actual[fa] - expected[fa])))
        assert worst <= TOL_M, f"{what}: distances differ by up to {worst:.4f} m"


def brute_snap(node_xy: FloatArray, pts_xy: FloatArray) -> tuple[npt.NDArray[Any], FloatArray]:
    """Nearest node (position) and straight-line distance for each point, by brute force."""
    d = np.hypot(pts_xy[:, None, 0] - node_xy[None, :, 0], pts_xy[:, None, 1] - node_xy[None, :, 1])
    idx = d.argmin(axis=1)
    return idx, d[np.arange(len(pts_xy)), idx]


class Case:
    """One district: its network as networkx, the snapped facilities and the distances."""

    def __init__(self, name: str, district: District, taxonomy: Taxonomy) -> None:
        self.name = name
        self.district = district
        self.taxonomy = taxonomy
        self.network = district.network
        self.limit_m = taxonomy.limit_m
        self.G = nx_graph(district.network.edges)
        self.G.add_nodes_from(int(i) for i in district.network.node_ids)
        self.engine = DistanceEngine.for_network(district.network, limit_m=self.limit_m)
        self.snapped, self.rows = snap_facilities(
            district.network,
            district.facilities,
            areas=district.facility_areas,
            entrances=district.entrances,
        )
        self.result = compute_access(
            self.engine,
            self.rows,
            categories=tuple(taxonomy.ids),
            node_ids=district.network.node_ids,
        )
        to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM[name], always_xy=True)
        nodes = district.network.nodes
        self.node_xy = np.column_stack(to_utm.transform(nodes["lon"], nodes["lat"]))
        self.to_utm = to_utm

    def ways_in(self, category: str) -> pd.DataFrame:
        """The category's access rows: every way into each of its facilities."""
        return self.rows[self.rows["category"] == category].reset_index(drop=True)

    def sources(self, category: str) -> list[tuple[int, float]]:
        group = self.ways_in(category)
        return list(zip(group["node_id"].tolist(), group["cost_m"].tolist(), strict=True))

    def sources_of(self, group: pd.DataFrame) -> list[tuple[int, float]]:
        return list(zip(group["node_id"].tolist(), group["cost_m"].tolist(), strict=True))

    def oracle(self, sources: Iterable[tuple[int, float]]) -> FloatArray:
        return as_array(nx_distances(self.G, sources, self.limit_m), self.network.node_ids)


@pytest.fixture(scope="module", params=["lujiazui", "wangjing"])
def case(request: pytest.FixtureRequest, taxonomy: Taxonomy) -> Case:
    district: District = request.getfixturevalue(request.param)
    return Case(request.param, district, taxonomy)


@pytest.fixture(scope="module")
def lujiazui_case(lujiazui: District, taxonomy: Taxonomy) -> Case:
    return Case("lujiazui", lujiazui, taxonomy)


def test_compute_access_equals_networkx(case: Case) -> None:
    result = case.result
    assert result.categories == tuple(case.taxonomy.ids)
    assert result.dist_m.shape == (len(case.taxonomy.ids), case.network.n_nodes)
    assert result.limit_m == case.limit_m == 1000.0
    with_facilities = set(case.district.facilities["category"])
    assert len(with_facilities) >= 5
    for category in case.taxonomy.ids:
        expected = case.oracle(case.sources(category))
        if category not in with_facilities:
            assert np.isinf(expected).all()
        assert_same_distances(result.of(category), expected, f"{case.name}/{category}")
        # Beyond the limit is inf, never a number above it.
        finite = result.of(category)[np.isfinite(result.of(category))]
        assert (finite <= case.limit_m).all()
    reached = np.isfinite(result.dist_m).any(axis=1).sum()
    assert reached == len(with_facilities)


def test_unreached_nodes_are_the_ones_networkx_cannot_reach(case: Case) -> None:
    # Every node off the pieces that hold a category's facilities is inf for that category.
    comp = case.network.nodes["component"].to_numpy()
    for category in set(case.district.facilities["category"]):
        group = case.ways_in(category)
        pieces = set(comp[group["node_pos"].to_numpy()].tolist())
        off_pieces = ~np.isin(comp, list(pieces))
        assert np.isinf(case.result.of(category)[off_pieces]).all()


def test_multi_source_groups_equals_per_group_multi_source(case: Case) -> None:
    groups = []
    for category in case.taxonomy.ids:
        group = case.ways_in(category)
        groups.append((group["node_pos"].to_numpy(np.int64), group["cost_m"].to_numpy(float)))
    together = case.engine.multi_source_groups(groups)
    for row, (nodes, offsets) in zip(together, groups, strict=True):
        alone = case.engine.multi_source(nodes, offsets)
        np.testing.assert_array_equal(np.isfinite(row), np.isfinite(alone))
        np.testing.assert_allclose(row[np.isfinite(row)], alone[np.isfinite(alone)], atol=1e-9)
    # A smaller limit for all groups at once: the same as each group alone with that limit.
    small = case.engine.multi_source_groups(groups, limit_m=300.0)
    for row, (nodes, offsets) in zip(small, groups, strict=True):
        alone = case.engine.multi_source(nodes, offsets, limit_m=300.0)
        np.testing.assert_array_equal(row, alone)


def test_nearest_source_labels_a_nearest_facility(case: Case) -> None:
    for category in sorted(set(case.district.facilities["category"])):
        group = case.ways_in(category)  # one source per way into a facility
        nodes = group["node_pos"].to_numpy(np.int64)
        offsets = group["cost_m"].to_numpy(float)
        dist, label = case.engine.nearest_source(nodes, offsets)
        expected = case.oracle(case.sources(category))
        assert_same_distances(dist, expected, f"{case.name}/{category} nearest_source")
        assert np.array_equal(label >= 0, np.isfinite(dist))
        assert ((label >= -1) & (label < len(group))).all()
        for k in np.unique(label[label >= 0]):
            facility = group.iloc[int(k)]
            walk = nx.single_source_dijkstra_path_length(
                case.G, int(facility["node_id"]), cutoff=case.limit_m, weight="weight"
            )
            mine = np.flatnonzero(label == k)
            via = np.array([walk.get(int(n), np.inf) for n in case.network.node_ids[mine]]) + float(
                facility["cost_m"]
            )
            worst = float(np.max(np.abs(via - expected[mine])))
            assert worst <= TOL_M, (
                f"{case.name}/{category}: nodes labelled {facility['facility_id']} are "
                f"up to {worst:.3f} m nearer to another facility"
            )


def test_source_labels_from_the_distances_pick_a_nearest_facility(case: Case) -> None:
    """Read from the analysis' distances, each node's source is a nearest one: the same
    as :meth:`nearest_source` except on exact ties, where networkx says both are nearest."""
    for category in sorted(set(case.district.facilities["category"])):
        group = case.ways_in(category)
        nodes = group["node_pos"].to_numpy(np.int64)
        offsets = group["cost_m"].to_numpy(float)
        label = case.engine.source_labels(case.result.of(category), nodes, offsets)
        assert label is not None
        dist, searched = case.engine.nearest_source(nodes, offsets)
        np.testing.assert_array_equal(label >= 0, searched >= 0)
        facility = group["facility_id"].to_numpy()
        differ = np.flatnonzero(
            (label >= 0) & (facility[np.maximum(label, 0)] != facility[np.maximum(searched, 0)])
        )
        assert len(differ) <= 0.01 * max(1, int((label >= 0).sum()))
        for q in differ[:2]:  # each check is a networkx search of the whole district
            mine = group[group["facility_id"] == facility[label[q]]]
            own = case.oracle(case.sources_of(mine))[q]
            assert own == pytest.approx(dist[q], abs=TOL_M), f"{case.name}/{category} node {q}"


def test_source_labels_by_hand_and_refused_for_foreign_distances() -> None:
    net = line_network(4)
    engine = DistanceEngine.for_network(net, limit_m=1000.0)
    sources = pos(net, 0, 4)
    dist = engine.multi_source(sources)
    label = engine.source_labels(dist, sources, np.zeros(2))
    assert label is not None
    assert label[[0, 1, 3, 4]].tolist() == [0, 0, 1, 1] and label[2] in (0, 1)
    # Distances that are not these sources' own have no way back: Dijkstra must decide.
    assert engine.source_labels(dist + 1.0, sources, np.zeros(2)) is None
    # Beyond the limit: no label.
    short = DistanceEngine.for_network(net, limit_m=150.0)
    near = short.multi_source(pos(net, 0))
    got = short.source_labels(near, pos(net, 0), np.zeros(1))
    assert got is not None and got.tolist() == [0, 0, -1, -1, -1]


# --- incremental updates ---------------------------------------------------------------------
def _add_source_cases() -> list[tuple[str, int, float]]:
    """(category, node position seed, offset): 20 additions, several near the limit."""
    rng = np.random.default_rng(20240611)
    cats = ["health_centre", "transit", "park_large", "primary_school", "pharmacy"]
    offsets = [0.0, 0.0, 3.2, 12.5, 25.0, 48.7, 150.0, 400.0, 700.0, 950.0]
    offsets += [999.0, 999.5, 999.99, 1000.0 - 1e-9, 1000.0, 1000.0 + 1e-9, 1000.5, 1500.0]
    offsets += [float(rng.uniform(0, 60)), float(rng.uniform(0, 60))]
    return [
        (cats[i % len(cats)], int(rng.integers(0, 1_000_000)), off) for i, off in enumerate(offsets)
    ]


@pytest.mark.parametrize(
    ("category", "seed", "offset"),
    _add_source_cases(),
    ids=[f"{c}-{o:g}" for c, _, o in _add_source_cases()],
)
def test_add_source_equals_a_full_recompute(
    lujiazui_case: Case, category: str, seed: int, offset: float
) -> None:
    case = lujiazui_case
    node = seed % case.network.n_nodes
    before = case.result.of(category)
    after = case.engine.add_source(before, node, offset)
    node_id = int(case.network.node_ids[node])
    expected = case.oracle([*case.sources(category), (node_id, offset)])
    assert_same_distances(after, expected, f"add {category} at {node_id} + {offset} m")
    if offset <= case.limit_m:
        assert after[node] == pytest.approx(min(before[node], offset))
    else:
        np.testing.assert_array_equal(after, before)
    # The same addition through the engine's own full path.
    full = case.engine.multi_source(
        np.append(case.ways_in(category)["node_pos"], node),
        np.append(case.ways_in(category)["cost_m"], offset),
    )
    np.testing.assert_array_equal(np.isfinite(after), np.isfinite(full))


@pytest.fixture(scope="module")
def lujiazui_analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.mark.parametrize(
    ("category", "dx_m", "dy_m", "node_index"),
    [
        ("pharmacy", 8.0, -5.0, 100),  # a category with no facility yet
        ("health_centre", 0.0, 0.0, 2500),  # exactly on a node, next to existing clinics
        ("transit", 30.0, 40.0, 4000),  # 50 m off the street
        ("park_large", -3.0, 2.0, 5900),
    ],
)
def test_add_facility_equals_analyse_with_the_facility_appended(
    lujiazui: District,
    lujiazui_analysis: Analysis,
    taxonomy: Taxonomy,
    category: str,
    dx_m: float,
    dy_m: float,
    node_index: int,
) -> None:
    node = lujiazui.network.nodes.iloc[node_index]
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM["lujiazui"], always_xy=True)
    x, y = to_utm.transform(node["lon"], node["lat"])
    lon, lat = to_utm.transform(x + dx_m, y + dy_m, direction="INVERSE")
    incremental = add_facility(lujiazui_analysis, category=category, lon=lon, lat=lat, name="n")
    extra = gpd.GeoDataFrame(
        {"category": [category], "name": ["n"], "source": ["test"]},
        geometry=gpd.points_from_xy([lon], [lat]),
        crs="EPSG:4326",
    )
    full = analyse(lujiazui.with_facilities(extra), taxonomy)
    a, b = incremental.access.dist_m, full.access.dist_m
    np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], atol=1e-6)
    assert not np.array_equal(a, lujiazui_analysis.access.dist_m)  # the facility counted
    np.testing.assert_array_equal(incremental.served, full.served)
    cols = ["homes_served", "served", "not_served", "share"]
    pd.testing.assert_frame_equal(
        incremental.coverage.by_category[cols], full.coverage.by_category[cols]
    )
    pd.testing.assert_frame_equal(incremental.coverage.by_tier, full.coverage.by_tier)
    assert incremental.coverage.completeness == pytest.approx(full.coverage.completeness)
    assert len(incremental.facilities) == len(lujiazui_analysis.facilities) + 1
    added = incremental.facilities.iloc[-1]
    assert added["category"] == category
    # Its cheapest way in, as the access rule's brute-force oracle joins the point.
    net = lujiazui.network
    u, v = net.edge_index
    nodes = net.nodes
    joined = access_rule.join(
        np.column_stack(to_utm.transform(nodes["lon"], nodes["lat"])),
        u,
        v,
        net.edges["length_m"].to_numpy(),
        nodes["component"].to_numpy(),
        np.array([to_utm.transform(lon, lat)]),
    )
    cheapest = min(joined.u_cost_m[0], joined.v_cost_m[0])
    assert added["snap_m"] == pytest.approx(cheapest, abs=1e-3)
    assert added["ways_in"] in (1, 2)


def test_analysis_walk_minutes_on_the_district(lujiazui_analysis: Analysis) -> None:
    dist = lujiazui_analysis.access.dist_m
    for speed in (4.0, 3.0, 5.5):
        minutes = lujiazui_analysis.access.walk_minutes(speed_kmh=speed)
        finite = np.isfinite(dist)
        np.testing.assert_array_equal(np.isfinite(minutes), finite)
        np.testing.assert_allclose(minutes[finite], dist[finite] * 60.0 / (speed * 1000.0))
    # At 4 km/h the 1000 m limit is exactly the 15-minute walk of GB 50180.
    assert lujiazui_analysis.access.walk_minutes(speed_kmh=4.0)[np.isfinite(dist)].max() <= 15.0
