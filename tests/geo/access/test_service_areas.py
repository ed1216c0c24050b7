"""Tests for geo.service_areas: network-based (not Euclidean) service areas.

Hand-made networks in UTM zone 51N have answers worked out by hand. On the bundled
Lujiazui district every expectation is computed independently of ``geo``'s distance
engine and of the block index: network distances with networkx, the reached linework
and its band with a plain loop over edges and one shapely union.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.access.catchments import CATCHMENT_COLUMNS, catchments
from geo.access.engine import AccessResult, DistanceEngine, access_for_district
from geo.access.reach import DEFAULT_BUFFER_M, QUAD_SEGS
from geo.access.reach_index import build_reach_index, reach_index
from geo.access.service_areas import (
    facility_isochrones,
    isochrone,
    reach_polygon,
    served_area,
    served_areas,
)
from geo.access.snapping import snap_facilities
from geo.district.model import District
from geo.district.network import WalkNetwork, label_components
from geo.errors import CoordinateError, LifecircleError, NetworkError
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

CRS = "EPSG:32651"
X0, Y0 = 350_000.0, 3_450_000.0
TO_WGS84 = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
BUF = DEFAULT_BUFFER_M
# Polygon arcs are chords at most 0.5 m inside the true circle (see QUAD_SEGS); two
# polygons of the same band may differ by slivers up to twice that.
ARC_M = 1.0
N_GON = 4 * QUAD_SEGS  # a disc is a regular polygon with this many corners
DISC_M2 = N_GON / 2 * BUF**2 * math.sin(2 * math.pi / N_GON)


# --- hand-made networks --------------------------------------------------------------------
def make_network(
    points: Mapping[int, tuple[float, float]], edges: Sequence[tuple[int, int]]
) -> WalkNetwork:
    """A network from local metric coordinates (metres east/north of ``X0, Y0``)."""
    ids = np.array(sorted(points), dtype=np.int64)
    x = np.array([X0 + points[i][0] for i in ids])
    y = np.array([Y0 + points[i][1] for i in ids])
    lon, lat = TO_WGS84.transform(x, y)
    nodes = pd.DataFrame(
        {"lon": lon, "lat": lat, "x": x, "y": y}, index=pd.Index(ids, name="node_id")
    )
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges})
    u_ids = np.array([a for a, _ in pairs], dtype=np.int64)
    v_ids = np.array([b for _, b in pairs], dtype=np.int64)
    index = pd.Index(ids)
    ui, vi = index.get_indexer(u_ids), index.get_indexer(v_ids)
    nodes["component"] = label_components(len(ids), ui, vi)
    edge_frame = gpd.GeoDataFrame(
        {
            "u": u_ids,
            "v": v_ids,
            "length_m": np.hypot(x[ui] - x[vi], y[ui] - y[vi]),
            "highway": "footway",
            "name": "",
        },
        geometry=[
            LineString([(lon[a], lat[a]), (lon[b], lat[b])]) for a, b in zip(ui, vi, strict=True)
        ],
        crs="EPSG:4326",
    )
    return WalkNetwork(crs=CRS, nodes=nodes, edges=edge_frame)


def at(x: float, y: float) -> Point:
    """A point in local metres."""
    return Point(X0 + x, Y0 + y)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_WGS84.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def engine_for(network: WalkNetwork) -> DistanceEngine:
    return DistanceEngine.for_network(network, limit_m=2000.0)


def dist_from(network: WalkNetwork, node_id: int, limit_m: float = 2000.0) -> npt.NDArray[Any]:
    pos = int(network.nodes.index.get_loc(node_id))
    return engine_for(network).single_source(pos, limit_m=limit_m)


@pytest.fixture()
def line() -> WalkNetwork:
    """A straight street of five 100 m segments along x, from (0, 0) to (500, 0)."""
    return make_network({i: (100.0 * i, 0.0) for i in range(6)}, [(i, i + 1) for i in range(5)])


# --- an independent band: a loop over edges and one union --------------------------------
def naive_band(
    network: WalkNetwork, node_dist: Mapping[int, float], within_m: float, buffer_m: float = BUF
) -> BaseGeometry:
    """The band around the linework within ``within_m``, computed edge by edge.

    ``node_dist`` maps OSM node id to walking distance (missing = unreachable). Whole
    edges and every reached node are buffered round; a piece reached from one end only
    is buffered with a square end where the walk runs out.
    """
    xy = {int(i): (float(r.x), float(r.y)) for i, r in network.nodes.iterrows()}
    parts = []
    for a, b, length in network.edges[["u", "v", "length_m"]].itertuples(index=False):
        da, db = node_dist.get(int(a), math.inf), node_dist.get(int(b), math.inf)
        (xa, ya), (xb, yb) = xy[int(a)], xy[int(b)]
        if da <= within_m and db <= within_m and (within_m - da) + (within_m - db) >= length:
            parts.append(LineString([(xa, ya), (xb, yb)]).buffer(buffer_m, quad_segs=QUAD_SEGS))
            continue
        for (x1, y1), (x2, y2), d in (((xa, ya), (xb, yb), da), ((xb, yb), (xa, ya), db)):
            if d <= within_m and within_m - d > 0:
                t = min((within_m - d) / length, 1.0)
                piece = LineString([(x1, y1), (x1 + t * (x2 - x1), y1 + t * (y2 - y1))])
                parts.append(piece.buffer(buffer_m, quad_segs=QUAD_SEGS, cap_style="flat"))
    for node, d in node_dist.items():
        if d <= within_m:
            parts.append(Point(xy[node]).buffer(buffer_m, quad_segs=QUAD_SEGS))
    return shapely.union_all(parts)


def reached_linework(
    network: WalkNetwork, node_dist: Mapping[int, float], within_m: float
) -> tuple[list[LineString], list[LineString]]:
    """The reached street pieces (no band), edge by edge: whole edges, and all pieces."""
    xy = {int(i): (float(r.x), float(r.y)) for i, r in network.nodes.iterrows()}
    whole, pieces = [], []
    for a, b, length in network.edges[["u", "v", "length_m"]].itertuples(index=False):
        da, db = node_dist.get(int(a), math.inf), node_dist.get(int(b), math.inf)
        if da <= within_m and db <= within_m and (within_m - da) + (within_m - db) >= length:
            whole.append(LineString([xy[int(a)], xy[int(b)]]))
        for s, e in ((int(a), int(b)), (int(b), int(a))):
            d = node_dist.get(s, math.inf)
            if d <= within_m:
                t = min((within_m - d) / length, 1.0) if length > 0 else 1.0
                (x1, y1), (x2, y2) = xy[s], xy[e]
                pieces.append(LineString([(x1, y1), (x1 + t * (x2 - x1), y1 + t * (y2 - y1))]))
    return whole, pieces


def gap_m(points: npt.NDArray[Any], lines: Sequence[LineString]) -> npt.NDArray[np.float64]:
    """Straight-line distance from each point to the nearest of ``lines``."""
    (point_idx, _), dist = shapely.STRtree(lines).query_nearest(
        points, return_distance=True, all_matches=False
    )
    gap = np.full(len(points), np.inf)
    gap[point_idx] = dist
    return gap


def assert_same_area(a: BaseGeometry, b: BaseGeometry, *, rel: float = 5e-3) -> None:
    """Two polygons agree up to where their arcs put vertices: the areas match and they
    differ only by slivers thinner than ``ARC_M``."""
    assert a.area == pytest.approx(b.area, rel=rel)
    assert a.symmetric_difference(b).buffer(-ARC_M / 2).is_empty


# --- the reach polygon on hand-made networks ---------------------------------------------
def test_line_reach_stops_where_the_walk_runs_out(line: WalkNetwork) -> None:
    poly = reach_polygon(line, dist_from(line, 0), within_m=250.0)
    assert poly.geom_type == "Polygon"
    assert poly.contains(at(240, 0))
    assert not poly.contains(at(260, 0))
    # A street-side band of buffer_m on each side ...
    assert poly.contains(at(240, BUF - 1)) and poly.contains(at(240, -(BUF - 1)))
    assert not poly.contains(at(240, BUF + 1))
    across = poly.intersection(LineString([(X0 + 100, Y0 - 100), (X0 + 100, Y0 + 100)]))
    assert across.length == pytest.approx(2 * BUF)
    # ... round at the dead end behind the start, square where the walk runs out.
    assert poly.contains(at(-(BUF - ARC_M), 0)) and not poly.contains(at(-(BUF + 1), 0))
    assert poly.contains(at(249, BUF - 1)) and not poly.contains(at(251, 0))
    assert poly.area == pytest.approx(250 * 2 * BUF + DISC_M2 / 2, rel=1e-6)


def test_small_band_keeps_the_cut_exact(line: WalkNetwork) -> None:
    poly = reach_polygon(line, dist_from(line, 0), within_m=250.0, buffer_m=5.0)
    assert poly.contains(at(240, 0)) and not poly.contains(at(260, 0))
    across = poly.intersection(LineString([(X0 + 100, Y0 - 100), (X0 + 100, Y0 + 100)]))
    assert across.length == pytest.approx(10.0)


def test_disconnected_piece_never_appears_in_the_reach() -> None:
    # A second street 60 m north of the first, with no connection: close in a straight
    # line (60 m from the start), unreachable on foot.
    points = {i: (100.0 * i, 0.0) for i in range(4)}
    points |= {10: (0.0, 60.0), 11: (100.0, 60.0), 12: (200.0, 60.0)}
    network = make_network(points, [(0, 1), (1, 2), (2, 3), (10, 11), (11, 12)])
    dist = dist_from(network, 0)
    assert not np.isfinite(dist[network.nodes.index.get_indexer([10, 11, 12])]).any()
    poly = reach_polygon(network, dist, within_m=1000.0)
    island = LineString([(X0, Y0 + 60), (X0 + 200, Y0 + 60)])
    assert not poly.intersects(island)
    assert poly.contains(at(300, 0))


def test_network_distance_not_straight_line() -> None:
    # A U-shaped street: up the west side, across, down the east side. The foot of the
    # east side is 100 m from the start in a straight line but 700 m on foot.
    west = [(0.0, 100.0 * k) for k in range(4)]
    east = [(100.0, 100.0 * k) for k in range(3, -1, -1)]
    points = dict(enumerate(west + east))
    network = make_network(points, [(i, i + 1) for i in range(len(points) - 1)])
    rings = isochrone(
        network, engine_for(network), lon=lonlat(0, 0)[0], lat=lonlat(0, 0)[1], within_m=500
    )
    poly = rings.to_crs(CRS).geometry.iloc[0]
    assert at(100, 0).distance(at(0, 0)) == pytest.approx(100.0)
    assert not poly.contains(at(100, 0))  # 700 m on foot
    assert not poly.contains(at(100, 100))  # 600 m on foot
    assert poly.contains(at(100, 210))  # 490 m on foot
    assert poly.contains(at(0, 0))


def test_edge_reached_from_both_ends_but_not_in_the_middle() -> None:
    # S is 80 m from both A and B; the street A-B is 100 m long. Within 100 m, 20 m of
    # A-B is reached from each end and its middle (130 m away) is not.
    s_y = -math.sqrt(80.0**2 - 50.0**2)
    network = make_network(
        {1: (0.0, s_y), 2: (-50.0, 0.0), 3: (50.0, 0.0)}, [(1, 2), (1, 3), (2, 3)]
    )
    poly = reach_polygon(network, dist_from(network, 1), within_m=100.0)
    assert poly.contains(at(-35, 0)) and poly.contains(at(35, 0))  # 95 m
    assert not poly.contains(at(0, 0))  # 130 m
    assert not poly.contains(at(0, 10))


def test_reached_node_without_street_is_a_disc() -> None:
    network = make_network({1: (0.0, 0.0), 2: (100.0, 0.0), 3: (500.0, 0.0)}, [(1, 2)])
    dist = np.array([np.inf, np.inf, 0.0])
    poly = reach_polygon(network, dist, within_m=300.0)
    assert poly.area == pytest.approx(DISC_M2, rel=1e-9)
    assert poly.centroid.distance(at(500, 0)) < 1e-6


def test_nothing_reached_is_an_empty_polygon(line: WalkNetwork) -> None:
    poly = reach_polygon(line, np.full(line.n_nodes, np.inf), within_m=1000.0)
    assert poly.is_empty and poly.geom_type == "Polygon"
    far = isochrone(line, engine_for(line), lon=lonlat(0, 5000)[0], lat=lonlat(0, 5000)[1])
    assert far["snap_m"].iloc[0] == pytest.approx(5000.0)
    assert far.geometry.is_empty.all() and (far["area_m2"] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"within_m": -1.0}, NetworkError),
        ({"within_m": math.inf}, NetworkError),
        ({"within_m": 100.0, "buffer_m": 0.0}, NetworkError),
    ],
)
def test_bad_parameters_raise_typed_errors(
    line: WalkNetwork, kwargs: dict[str, float], error: type[Exception]
) -> None:
    with pytest.raises(error):
        reach_polygon(line, dist_from(line, 0), **kwargs)


def test_distances_of_another_network_are_refused(line: WalkNetwork) -> None:
    with pytest.raises(NetworkError, match="one distance per network node"):
        reach_polygon(line, np.zeros(3), within_m=100.0)
    with pytest.raises(CoordinateError):
        isochrone(line, engine_for(line), lon=200.0, lat=31.0)
    with pytest.raises(LifecircleError):
        isochrone(line, engine_for(line), lon=math.nan, lat=31.0)


def test_isochrone_frame(line: WalkNetwork) -> None:
    lon, lat = lonlat(0, 10)  # 10 m off the start of the street
    rings = isochrone(line, engine_for(line), lon=lon, lat=lat, within_m=(250, 100, 500))
    assert list(rings.columns) == [
        "within_m",
        "walk_minutes",
        "snap_m",
        "area_m2",
        "geometry",
    ]
    assert rings.crs == "EPSG:4326"
    assert list(rings["within_m"]) == [500.0, 250.0, 100.0]  # largest first
    assert list(rings["walk_minutes"]) == pytest.approx([7.5, 3.75, 1.5])  # 4 km/h
    assert rings["snap_m"].tolist() == pytest.approx([10.0] * 3)
    metric = rings.to_crs(CRS)
    # The 10 m from the point to the street count as walked: 240 m along the street.
    ring_250 = metric.geometry.iloc[1]
    assert ring_250.contains(at(230, 0)) and not ring_250.contains(at(245, 0))
    assert metric.area.to_numpy() == pytest.approx(rings["area_m2"].to_numpy(), rel=1e-3)
    assert rings.geometry.iloc[0].bounds[0] < lon  # still drawn in degrees

    direct = isochrone(
        line, engine_for(line), lon=lon, lat=lat, within_m=250, speed_kmh=None, to_metric=True
    )
    assert direct.crs == CRS and len(direct) == 1
    assert direct["walk_minutes"].iloc[0] is None
    assert_same_area(direct.geometry.iloc[0], ring_250, rel=1e-9)


# --- the block index against the naive union ---------------------------------------------
def gappy_grid(n: int = 16, spacing: float = 40.0, seed: int = 7) -> WalkNetwork:
    """A jittered grid with missing streets (dead ends, big blocks) and an overpass that
    crosses streets without a shared node."""
    rng = np.random.default_rng(seed)
    points = {
        i * n + j: (j * spacing + rng.uniform(-6, 6), i * spacing + rng.uniform(-6, 6))
        for i in range(n)
        for j in range(n)
    }
    edges = [(i * n + j, i * n + j + 1) for i in range(n) for j in range(n - 1)]
    edges += [(i * n + j, (i + 1) * n + j) for i in range(n - 1) for j in range(n)]
    keep = rng.random(len(edges)) > 0.15
    edges = [e for e, k in zip(edges, keep, strict=True) if k]
    edges.append((0, n * n - 1))  # the overpass: the whole diagonal, no shared nodes
    return make_network(points, edges)


@pytest.mark.parametrize("within_m", [90.0, 250.0, 600.0, 2000.0])
@pytest.mark.parametrize("source", [0, 100, 135])
def test_block_index_gives_the_naive_band(source: int, within_m: float) -> None:
    network = gappy_grid()
    dist = dist_from(network, source)
    node_dist = {
        int(i): float(d) for i, d in zip(network.nodes.index, dist, strict=True) if np.isfinite(d)
    }
    expected = naive_band(network, node_dist, within_m)
    index = build_reach_index(network)
    assert len(index.rims) > 100  # the grid has blocks
    fast = reach_polygon(network, dist, within_m=within_m, index=index)
    assert fast.is_valid
    assert_same_area(fast, expected)


def test_reach_index_is_built_once_per_network_and_band() -> None:
    network = gappy_grid(n=6)
    first = reach_index(network)
    assert first is not None
    assert reach_index(network) is first
    assert reach_index(network, buffer_m=10.0) is not first
    other = gappy_grid(n=7)
    with pytest.raises(NetworkError, match="another network"):
        reach_polygon(other, dist_from(other, 0), within_m=100.0, index=first)


# --- Lujiazui: isochrones ------------------------------------------------------------------
Access = tuple[DistanceEngine, pd.DataFrame, AccessResult]
POINT = (121.505, 31.235)  # near the Oriental Pearl Tower


@pytest.fixture(scope="module")
def district(lujiazui: District) -> District:
    return lujiazui


@pytest.fixture(scope="module")
def graph(district: District) -> nx.Graph:
    return district.network.to_networkx()


@pytest.fixture(scope="module")
def access(district: District, taxonomy: Taxonomy) -> Access:
    return access_for_district(district.network, district.facilities, taxonomy)


def ways_in(network: WalkNetwork, lon: float, lat: float) -> tuple[dict[int, float], float]:
    """How a point joins the network, by the access rule's brute-force oracle: both ends
    of its nearest street (node id -> metres walked to it) and the snap distance."""
    x, y = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True).transform(lon, lat)
    u, v = network.edge_index
    joined = access_rule.join(
        network.nodes[["x", "y"]].to_numpy(),
        u,
        v,
        network.edges["length_m"].to_numpy(),
        network.nodes["component"].to_numpy(),
        np.array([[x, y]]),
    )
    ids = network.nodes.index.to_numpy()
    edge = int(joined.edge[0])
    ends = {int(ids[u[edge]]): float(joined.u_cost_m[0])}
    other = int(ids[v[edge]])
    ends[other] = min(ends.get(other, math.inf), float(joined.v_cost_m[0]))
    return ends, float(joined.snap_m[0])


def nx_dist(graph: nx.Graph, sources: Mapping[int, float], cutoff: float) -> dict[int, float]:
    """networkx distances from several nodes, each with a head start (snap offset)."""
    g = graph.copy()
    for node, offset in sources.items():
        g.add_edge("source", node, length=offset)
    lengths = nx.single_source_dijkstra_path_length(g, "source", cutoff=cutoff, weight="length")
    return {int(k): float(v) for k, v in lengths.items() if k != "source"}


@pytest.fixture(scope="module")
def rings(district: District, access: Access) -> gpd.GeoDataFrame:
    engine = access[0]
    return isochrone(district.network, engine, lon=POINT[0], lat=POINT[1], to_metric=True)


@pytest.mark.slow
def test_isochrone_rings_nest(rings: gpd.GeoDataFrame) -> None:
    assert list(rings["within_m"]) == [1000.0, 500.0, 300.0]
    assert list(rings["walk_minutes"]) == pytest.approx([15.0, 7.5, 4.5])
    geoms = list(rings.geometry)
    for larger, smaller in itertools.pairwise(geoms):
        assert smaller.area < larger.area
        # Only arc slivers: a node's disc in one ring, a line's round join in the other.
        outside = smaller.difference(larger)
        assert outside.area <= 1e-5 * smaller.area
        assert outside.buffer(-ARC_M / 2).is_empty


@pytest.mark.slow
@pytest.mark.parametrize("tier", [0, 1, 2])
def test_isochrone_holds_exactly_the_nodes_within_reach(
    district: District, graph: nx.Graph, rings: gpd.GeoDataFrame, tier: int
) -> None:
    network = district.network
    within_m = float(rings["within_m"].iloc[tier])
    poly = rings.geometry.iloc[tier]
    sources, snap_m = ways_in(network, *POINT)
    assert rings["snap_m"].iloc[tier] == pytest.approx(snap_m)
    lengths = nx_dist(graph, sources, cutoff=within_m + 100)
    ids = network.nodes.index.to_numpy()
    d = np.array([lengths.get(int(i), math.inf) for i in ids])
    x, y = network.nodes["x"].to_numpy(), network.nodes["y"].to_numpy()
    inside = shapely.intersects_xy(poly, x, y)

    reached = d <= within_m - 1e-6
    assert reached.sum() > 50
    assert inside[reached].all()

    # Outside: every node farther than the band from all reached linework (computed
    # here, from networkx distances), and the great majority of unreached nodes.
    whole, pieces = reached_linework(network, lengths, within_m)
    points = shapely.points(x, y)
    unreached = d > within_m + 1e-6
    far = unreached & (gap_m(points, pieces) > BUF + ARC_M)
    assert far.sum() > 100
    assert not inside[far].any()
    assert (~inside[unreached]).mean() >= 0.95
    # Inside: every node within the band of a wholly reached street (the band is square,
    # not round, only where a partly reached street ends).
    near = gap_m(points, whole) < BUF - ARC_M
    assert inside[near].all()


@pytest.mark.slow
@pytest.mark.parametrize("within_m", [300.0, 1000.0])
def test_isochrone_is_the_naive_band(
    district: District, graph: nx.Graph, rings: gpd.GeoDataFrame, within_m: float
) -> None:
    sources, _ = ways_in(district.network, *POINT)
    lengths = nx_dist(graph, sources, cutoff=within_m)
    expected = naive_band(district.network, lengths, within_m)
    got = rings.loc[rings["within_m"] == within_m].geometry.iloc[0]
    assert_same_area(got, expected)


@pytest.mark.slow
def test_facility_isochrones_match_the_point_isochrone(district: District, access: Access) -> None:
    engine, snapped, _ = access
    row = snapped[snapped["category"] == "health_centre"].iloc[0]
    _, rows = snap_facilities(district.network, district.facilities)
    ways = rows[rows["facility_id"] == row["facility_id"]]
    assert len(ways) == 2  # a clinic mapped as a point: both ends of its street
    got = facility_isochrones(
        district.network, engine, row.to_dict(), within_m=(500, 1000), access=ways
    )
    assert list(got["within_m"]) == [1000.0, 500.0]
    assert set(got["facility_id"]) == {row["facility_id"]}
    assert set(got["category"]) == {"health_centre"}
    assert got.crs == "EPSG:4326"
    point = isochrone(
        district.network, engine, lon=row["lon"], lat=row["lat"], within_m=(500, 1000)
    )
    for a, b in zip(got.geometry, point.geometry, strict=True):
        assert a.equals(b)
    # An unsnapped row (lon/lat only) gives the same rings.
    raw = {k: row[k] for k in ("facility_id", "category", "name", "lon", "lat")}
    again = facility_isochrones(district.network, engine, raw, within_m=(500, 1000))
    assert again.geometry.iloc[0].equals(got.geometry.iloc[0])


# --- Lujiazui: served areas and catchments ---------------------------------------------------
@pytest.mark.slow
def test_served_areas_per_category(
    district: District,
    taxonomy: Taxonomy,
    access: Access,
) -> None:
    _, snapped, result = access
    areas = served_areas(district.network, result, taxonomy, to_metric=True)
    assert list(areas["category"]) == taxonomy.ids
    assert areas.crs == district.network.crs
    counts = district.facility_counts()
    for row in areas.itertuples():
        assert row.within_m == taxonomy.get(row.category).distance_m
        assert row.geometry.is_empty == (counts.get(row.category, 0) == 0)
    transit = areas.set_index("category").loc["transit"]
    expected = served_area(district.network, result.of("transit"), within_m=transit.within_m)
    assert transit.geometry.equals(expected)
    # Every facility close enough to a street lies in its category's served area.
    geoms = areas.set_index("category").geometry
    for row in snapped.itertuples():
        if row.snap_m < BUF:
            assert geoms[row.category].contains(Point(district.network.xy[row.node_pos]))


@pytest.fixture(scope="module")
def parks(access: Access) -> pd.DataFrame:
    snapped = access[1]
    return snapped[snapped["category"] == "park_large"].reset_index(drop=True)


@pytest.fixture(scope="module")
def park_ways(district: District) -> pd.DataFrame:
    """Every way into every park (the access rows, as access_for_district joins them)."""
    _, rows = snap_facilities(district.network, district.facilities)
    return rows[rows["category"] == "park_large"].reset_index(drop=True)


@pytest.fixture(scope="module")
def park_catchments(
    district: District, access: Access, parks: pd.DataFrame, park_ways: pd.DataFrame
) -> gpd.GeoDataFrame:
    return catchments(
        district.network,
        access[0],
        parks,
        limit_m=1000.0,
        boundary=district.boundary,
        to_metric=True,
        access=park_ways,
    )


@pytest.mark.slow
def test_catchments_do_not_overlap_and_fill_the_reach(
    district: District,
    graph: nx.Graph,
    parks: pd.DataFrame,
    park_catchments: gpd.GeoDataFrame,
    access: Access,
    park_ways: pd.DataFrame,
) -> None:
    got = park_catchments
    assert list(got.columns) == [*CATCHMENT_COLUMNS, "geometry"]
    assert list(got["facility_id"]) == list(parks["facility_id"])
    assert set(got["category"]) == {"park_large"}
    geoms = got.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.sum() <= 1e-6 * got["area_m2"].sum()
    assert got["area_m2"].to_numpy() == pytest.approx(shapely.area(geoms))

    # Together they are the category's reach within the district.
    result = access[2]
    reach = served_area(district.network, result.of("park_large"), within_m=1000.0)
    box_m = gpd.GeoSeries([district.boundary], crs="EPSG:4326").to_crs(district.network.crs)
    expected = reach.intersection(box_m.iloc[0])
    assert_same_area(shapely.union_all(geoms), expected)

    # Node counts: every node networkx reaches within 1000 m is counted once.
    offsets: dict[int, float] = {}
    for node_id, cost_m in zip(park_ways["node_id"], park_ways["cost_m"], strict=True):
        offsets[int(node_id)] = min(offsets.get(int(node_id), math.inf), float(cost_m))
    lengths = nx_dist(graph, offsets, cutoff=1000.0)
    assert int(got["nodes"].sum()) == sum(1 for d in lengths.values() if d <= 1000.0)


@pytest.mark.slow
def test_each_node_lies_in_the_catchment_of_its_nearest_facility(
    district: District,
    graph: nx.Graph,
    parks: pd.DataFrame,
    park_ways: pd.DataFrame,
    park_catchments: gpd.GeoDataFrame,
) -> None:
    network = district.network
    per_facility = np.full((len(parks), network.n_nodes), np.inf)
    position = {int(n): k for k, n in enumerate(network.nodes.index)}
    for f, fid in enumerate(parks["facility_id"]):
        ways = park_ways[park_ways["facility_id"] == fid]
        sources: dict[int, float] = {}
        for node_id, cost_m in zip(ways["node_id"], ways["cost_m"], strict=True):
            sources[int(node_id)] = min(sources.get(int(node_id), math.inf), float(cost_m))
        for n, d in nx_dist(graph, sources, cutoff=1000.0).items():
            per_facility[f, position[n]] = d
    best = per_facility.min(axis=0)
    reached = np.flatnonzero(best <= 1000.0)
    # Nodes that share their spot with another node share one cell: leave them out.
    xy = np.round(network.xy[reached], 3)
    _, first, counts = np.unique(xy, axis=0, return_index=True, return_counts=True)
    single = reached[np.sort(first[counts == 1])]
    assert len(single) > 0.95 * len(reached)

    geoms = park_catchments.geometry.to_numpy()
    pts = shapely.points(network.xy[single])
    point_idx, geom_idx = shapely.STRtree(geoms).query(pts, predicate="intersects")
    owners = np.full(len(single), -1)
    owners[point_idx] = geom_idx  # a point on a shared border may match two: either is fine
    assert (owners >= 0).all()
    d_owner = per_facility[owners, single]
    assert d_owner == pytest.approx(best[single], abs=1e-6)


def test_catchments_on_a_line(line: WalkNetwork) -> None:
    engine = engine_for(line)
    a, b = lonlat(0, 5), lonlat(500, 5)
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["a", "b", "a2"],
            "category": ["health_centre"] * 3,
            "name": ["A", "B", None],
            "lon": [a[0], b[0], a[0]],
            "lat": [a[1], b[1], a[1] + 1e-6],
        },
        geometry=gpd.points_from_xy([a[0], b[0], a[0]], [a[1], b[1], a[1] + 1e-6]),
        crs="EPSG:4326",
    )
    snapped, _ = snap_facilities(line, facilities)
    got = catchments(line, engine, snapped, limit_m=1000.0, to_metric=True)
    assert list(got["nodes"]) == [3, 3, 0]  # a2 shares a's node and is farther
    assert got.geometry.iloc[2].is_empty and got["name"].iloc[2] == ""
    left, right = got.geometry.iloc[0], got.geometry.iloc[1]
    assert left.intersection(right).area == pytest.approx(0.0, abs=1e-6)
    # The split is the bisector between nodes 2 and 3 (x = 250).
    assert left.bounds[2] == pytest.approx(X0 + 250.0)
    assert left.area == pytest.approx(right.area)

    wgs = catchments(line, engine, snapped, limit_m=1000.0)
    assert wgs.crs == "EPSG:4326"
    empty = catchments(line, engine, snapped.iloc[0:0], limit_m=1000.0)
    assert len(empty) == 0 and list(empty.columns) == [*CATCHMENT_COLUMNS, "geometry"]
    mixed = snapped.assign(category=["health_centre", "park_large", "park_large"])
    with pytest.raises(ValueError, match="per category"):
        catchments(line, engine, mixed, limit_m=1000.0)


def test_small_reach_is_buffered_directly_and_large_one_builds_the_index() -> None:
    from geo.access.reach_index import cached_reach_index

    network = gappy_grid(n=24)  # over 500 streets: big enough for an index
    dist = dist_from(network, 0)
    node_dist = {
        int(i): float(d) for i, d in zip(network.nodes.index, dist, strict=True) if np.isfinite(d)
    }
    # A reach of a few blocks: under a quarter of the edges, no index is built for it.
    small = reach_polygon(network, dist, within_m=250.0)
    assert cached_reach_index(network, DEFAULT_BUFFER_M) == (False, None)
    assert_same_area(small, naive_band(network, node_dist, 250.0))
    # The whole grid: the index pays for itself and is kept.
    large = reach_polygon(network, dist, within_m=5000.0)
    found, index = cached_reach_index(network, DEFAULT_BUFFER_M)
    assert found and index is not None
    assert_same_area(large, naive_band(network, node_dist, 5000.0))
