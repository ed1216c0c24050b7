"""Tests for the walking network: UTM zones, connected pieces, snapping, the CSR matrix."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely import box

from geo.district.model import District
from geo.district.network import WalkNetwork, build_walk_network, label_components, utm_crs_for
from geo.errors import NetworkError
from geo.osm.ways import walk_ways_from_graph

DISTRICTS = ["lujiazui", "wangjing"]


@pytest.fixture(params=DISTRICTS)
def district(request: pytest.FixtureRequest) -> District:
    return request.getfixturevalue(request.param)


# --- UTM zones -----------------------------------------------------------------------------
# Zone n covers longitudes [-180 + 6(n-1), -180 + 6n); EPSG 326nn north, 327nn south.
@pytest.mark.parametrize(
    ("lon", "lat", "crs"),
    [
        (121.5, 31.23, "EPSG:32651"),  # Shanghai
        (116.47, 39.99, "EPSG:32650"),  # Beijing
        (114.06, 22.54, "EPSG:32650"),  # Shenzhen
        (151.21, -33.87, "EPSG:32756"),  # Sydney, southern hemisphere
        (-43.2, -22.9, "EPSG:32723"),  # Rio de Janeiro
        (-0.13, 51.5, "EPSG:32630"),  # London, west of Greenwich
        (0.0, 51.48, "EPSG:32631"),  # on the meridian: zone 31 starts there
        (120.0, 30.0, "EPSG:32651"),  # zone edge belongs to the zone to the east
        (119.999999, 30.0, "EPSG:32650"),
        (-180.0, 10.0, "EPSG:32601"),
        (179.999, 10.0, "EPSG:32660"),
        (180.0, 10.0, "EPSG:32660"),  # the antimeridian stays in zone 60
        (3.0, 0.0, "EPSG:32631"),  # the equator counts as north
        (3.0, -1e-9, "EPSG:32731"),
        (10.0, 84.0, "EPSG:32632"),
        (10.0, -80.0, "EPSG:32732"),
    ],
)
def test_utm_crs_for(lon: float, lat: float, crs: str) -> None:
    assert utm_crs_for(lon, lat) == crs


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(181.0, 0.0), (-180.5, 0.0), (0.0, 84.5), (0.0, -80.5), (math.nan, 30.0), (120.0, math.nan)],
)
def test_utm_crs_for_outside_utm_raises(lon: float, lat: float) -> None:
    with pytest.raises(NetworkError, match="outside the range UTM covers"):
        utm_crs_for(lon, lat)


def test_utm_zone_agrees_with_pyproj_area_of_use() -> None:
    """The chosen zone's EPSG area of use contains the point."""
    for lon, lat in [(121.5, 31.23), (116.47, 39.99), (151.21, -33.87), (-43.2, -22.9)]:
        area = pyproj.CRS.from_user_input(utm_crs_for(lon, lat)).area_of_use
        assert area is not None
        assert area.west <= lon <= area.east
        assert area.south <= lat <= area.north


# --- connected pieces ------------------------------------------------------------------------
def test_component_sizes_sum_to_node_count(district: District) -> None:
    sizes = district.network.component_sizes()
    assert sum(sizes) == district.network.n_nodes
    assert sizes == sorted(sizes, reverse=True)


def test_components_equal_networkx(district: District) -> None:
    net = district.network
    G = net.to_networkx()
    assert G.number_of_nodes() == net.n_nodes
    assert G.number_of_edges() == net.n_edges
    want = {frozenset(c) for c in nx.connected_components(G)}
    got = {frozenset(group.index) for _, group in net.nodes.groupby("component")}
    assert got == want
    assert sorted(net.component_sizes(), reverse=True) == sorted(
        (len(c) for c in want), reverse=True
    )


def test_components_equal_independent_union_find(
    district: District, request: pytest.FixtureRequest
) -> None:
    expected = request.getfixturevalue(f"expected_{district.meta.name}")
    assert district.network.component_sizes() == expected.component_sizes


def test_component_zero_is_the_largest(district: District) -> None:
    labels = district.network.nodes["component"]
    counts = labels.value_counts()
    assert set(labels) == set(range(len(counts)))  # labels are 0..k-1
    assert counts[0] == counts.max()
    assert counts[0] == district.network.component_sizes()[0]


def test_to_networkx_weights_are_lengths(district: District) -> None:
    G = district.network.to_networkx()
    edges = district.network.edges
    for u, v, length in zip(edges["u"], edges["v"], edges["length_m"], strict=True):
        assert G[u][v]["length"] == length


def test_label_components_small_graph() -> None:
    # 0-1, 2-3-4, 5 alone: the largest piece (2, 3, 4) is 0, then by size.
    labels = label_components(6, np.array([0, 2, 3]), np.array([1, 3, 4]))
    assert labels.tolist() == [1, 1, 0, 0, 0, 2]
    assert label_components(0, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


# --- snapping ----------------------------------------------------------------------------
def test_snap_own_coordinates_returns_the_node(district: District) -> None:
    net = district.network
    lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
    idx, dist = net.snap_lonlat(lon, lat)
    assert np.all(dist < 1e-6)
    same = idx == np.arange(net.n_nodes)
    # Where OSM nodes share a position either may be returned, and only there.
    shared = net.nodes.duplicated(subset=["lon", "lat"], keep=False).to_numpy()
    assert not np.any(~same & ~shared)
    np.testing.assert_array_equal(lon[idx[~same]], lon[~same])
    np.testing.assert_array_equal(lat[idx[~same]], lat[~same])


def test_snap_matches_brute_force_nearest(district: District) -> None:
    net = district.network
    west, south, east, north = district.meta.bbox
    rng = np.random.default_rng(7)
    lon = rng.uniform(west, east, 200)
    lat = rng.uniform(south, north, 200)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    px, py = to_utm.transform(lon, lat)
    nx_, ny_ = to_utm.transform(net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy())
    d = np.hypot(px[:, None] - nx_[None, :], py[:, None] - ny_[None, :])
    idx, dist = net.snap_lonlat(lon, lat)
    np.testing.assert_allclose(dist, d.min(axis=1), atol=1e-6)
    np.testing.assert_allclose(d[np.arange(len(lon)), idx], d.min(axis=1), atol=1e-6)


def test_snap_empty_input_and_empty_network() -> None:
    empty = WalkNetwork(
        crs="EPSG:32651",
        nodes=pd.DataFrame({"lon": [], "lat": [], "x": [], "y": [], "component": []}),
        edges=gpd.GeoDataFrame({"u": [], "v": [], "length_m": []}, geometry=[], crs="EPSG:4326"),
    )
    idx, dist = empty.snap_xy(np.array([]), np.array([]))
    assert idx.size == 0 and dist.size == 0
    with pytest.raises(NetworkError, match="empty"):
        empty.snap_xy(np.array([0.0]), np.array([0.0]))


def test_project_unproject_round_trip(district: District) -> None:
    net = district.network
    lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
    x, y = net.project(lon, lat)
    np.testing.assert_allclose(x, net.nodes["x"].to_numpy(), atol=1e-6)
    back_lon, back_lat = net.unproject(x, y)
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)


# --- the CSR matrix --------------------------------------------------------------------------
def test_csr_is_symmetric_with_two_entries_per_edge(district: District) -> None:
    net = district.network
    csr = net.csr
    assert csr.shape == (net.n_nodes, net.n_nodes)
    assert csr.nnz == 2 * net.n_edges
    assert (csr != csr.T).nnz == 0
    assert csr.diagonal().sum() == 0
    u, v = net.edge_index
    assert np.all(u >= 0) and np.all(v >= 0)
    np.testing.assert_array_equal(np.asarray(csr[u, v]).ravel(), net.edges["length_m"].to_numpy())
    assert csr.sum() == pytest.approx(2 * net.edges["length_m"].sum())


# --- building a network from a hand-made graph -----------------------------------------------
def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    coords = {
        1: (121.50, 31.23),
        2: (121.501, 31.23),
        3: (121.502, 31.23),
        4: (121.60, 31.23),
        5: (121.50, 31.231),
        6: (121.505, 31.235),
    }
    for n, (x, y) in coords.items():
        G.add_node(n, x=x, y=y)
    G.add_edge(1, 2, length=100.0, highway="footway", name="A")
    G.add_edge(2, 1, length=100.0, highway="footway", name="A")
    G.add_edge(1, 2, length=90.0, highway="service", name="B")  # a shorter parallel way
    G.add_edge(2, 3, length=95.0, highway=["residential", "service"], name=None)
    G.add_edge(3, 4, length=9000.0, highway="primary", name="out")  # 4 is outside
    G.add_edge(5, 5, length=0.0, highway="footway", name="loop")  # self-loop only
    G.add_edge(6, 4, length=9000.0, highway="primary", name="out")  # 6 loses its only edge
    return G


def test_build_walk_network_clips_and_dedupes() -> None:
    net = build_walk_network(
        walk_ways_from_graph(_graph()), boundary=box(121.49, 31.22, 121.51, 31.24)
    )
    assert net.nodes.index.tolist() == [1, 2, 3]
    assert list(zip(net.edges["u"], net.edges["v"], strict=True)) == [(1, 2), (2, 3)]
    assert net.edges["length_m"].tolist() == [90.0, 95.0]
    assert net.edges["highway"].tolist() == ["service", "residential;service"]
    assert net.edges["name"].tolist() == ["B", ""]
    assert net.crs == "EPSG:32651"
    assert net.nodes["component"].tolist() == [0, 0, 0]


def test_build_walk_network_nothing_inside_raises() -> None:
    with pytest.raises(NetworkError, match="inside the study area"):
        build_walk_network(walk_ways_from_graph(_graph()), boundary=box(10.0, 10.0, 10.1, 10.1))
    with pytest.raises(NetworkError, match="empty"):
        build_walk_network(
            walk_ways_from_graph(nx.MultiDiGraph()), boundary=box(10.0, 10.0, 10.1, 10.1)
        )
