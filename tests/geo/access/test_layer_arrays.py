"""The array-built layer geometries equal the ones built one by one.

The layers of a large district build their geometries in one array call (H3 outlines with
their holes, cell hexagons, doorstep circles back in WGS-84) and read ways back from the
distance rows. Each is checked here against the plain construction it replaces, bit for
bit (WKB), on Lujiazui's own cells and entrances, and the way-back rule on hand-made
networks with zero-length edges.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely
from scipy import sparse
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.access.cell_index import cell_hexagons
from geo.access.cells import cells_polygon
from geo.access.doorstep import compound_entrances, doorstep_circles
from geo.access.engine import DistanceEngine
from geo.access.gaps import gap_hexagons
from geo.district.model import District

RES = 10


def plain_polygon(shape: object) -> Polygon | MultiPolygon:
    """H3's shape as shapely, ring by ring (the construction the array code replaces)."""
    if isinstance(shape, h3.LatLngMultiPoly):
        return MultiPolygon([plain_polygon(p) for p in shape.polys])
    assert isinstance(shape, h3.LatLngPoly)
    flip = [[(lng, lat) for lat, lng in ring] for ring in (shape.outer, *shape.holes)]
    return Polygon(flip[0], flip[1:])


def plain_hexagon(cell: int) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(cell))])


def lujiazui_cells(district: District) -> np.ndarray:
    nodes = district.network.nodes
    cells = {
        h3.str_to_int(h3.latlng_to_cell(lat, lon, RES))
        for lon, lat in zip(nodes["lon"], nodes["lat"], strict=True)
    }
    return np.array(sorted(cells), dtype=np.uint64)


def test_cell_outlines_with_holes_and_parts_equal_the_plain_polygons(lujiazui: District) -> None:
    cells = lujiazui_cells(lujiazui)
    centre = int(cells[len(cells) // 2])
    # Two holes (rings around single cells) and a separate part: a multipolygon.
    ring = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(centre), 1)]
    far = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(centre), 5)][:1]
    second = h3.str_to_int(h3.grid_ring(h3.int_to_str(centre), 8)[0])
    around = [h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(second), 1)]
    for chosen in (ring, ring + far, ring + around, list(cells)):
        unique = np.unique(np.array(chosen, dtype=np.uint64))
        expected = plain_polygon(h3.api.numpy_int.cells_to_h3shape(unique))
        got = cells_polygon(unique)
        assert got.geom_type == expected.geom_type
        assert got.wkb == expected.wkb
    holes = cells_polygon(np.array(ring + around, dtype=np.uint64))
    assert isinstance(holes, MultiPolygon)
    assert sum(len(p.interiors) for p in holes.geoms) == 2


def test_hexagons_equal_the_plain_polygons_pentagons_included(lujiazui: District) -> None:
    pentagons = [h3.str_to_int(c) for c in h3.get_pentagons(RES)][:3]
    cells = np.concatenate([lujiazui_cells(lujiazui), np.array(pentagons, dtype=np.uint64)])
    got = cell_hexagons(cells)
    expected = [plain_hexagon(int(c)) for c in cells]
    assert [g.wkb for g in got] == [e.wkb for e in expected]
    assert {len(g.exterior.coords) for g in got[-3:]} == {6}  # a pentagon: 5 corners, closed


def test_gap_hexagons_are_the_cells_of_their_h3_ids(lujiazui: District) -> None:
    homes = gpd.GeoDataFrame(
        {"lon": [121.50, 121.505, 121.51], "lat": [31.23, 31.235, 31.24], "population": 10.0},
        geometry=[Point(121.50, 31.23), Point(121.505, 31.235), Point(121.51, 31.24)],
        crs="EPSG:4326",
    )
    served = np.array([[True, False, False]])
    hexes = gap_hexagons(homes, served, categories=["clinic"])
    assert len(hexes) == 3
    for cell, geom in zip(hexes["h3"], hexes.geometry, strict=True):
        assert geom.wkb == plain_hexagon(h3.str_to_int(cell)).wkb


def test_doorstep_circles_equal_the_geopandas_projection(lujiazui: District) -> None:
    d = lujiazui
    crs = d.network.crs
    entrances = compound_entrances(d.entrances, d.areas, crs=crs)
    assert len(entrances) > 5
    got = doorstep_circles(entrances, d.facilities, crs=crs)
    centres = entrances.to_crs(crs).geometry.to_numpy()
    circles = shapely.buffer(centres, 50.0, quad_segs=16)
    expected = gpd.GeoSeries(circles, crs=crs).to_crs("EPSG:4326").to_numpy()
    assert [g.wkb for g in got.geometry] == [g.wkb for g in expected]
    # The services inside, found from the facilities projected by geopandas.
    fac = d.facilities.to_crs(crs).geometry.to_numpy()
    for i in range(len(circles)):
        inside = int(shapely.contains_properly(circles[i], fac).sum())
        assert got["n_services"].iloc[i] == inside
    # An entrance without coordinates keeps its row (empty circle), the others unchanged.
    broken = entrances.copy()
    broken.loc[broken.index[0], "geometry"] = Point()
    again = doorstep_circles(broken, d.facilities, crs=crs)
    assert again.geometry.iloc[0].is_empty
    assert [g.wkb for g in again.geometry.iloc[1:]] == [g.wkb for g in expected[1:]]


def engine_of(n: int, edges: list[tuple[int, int, float]]) -> DistanceEngine:
    rows = [a for a, b, _ in edges] + [b for a, b, _ in edges]
    cols = [b for a, b, _ in edges] + [a for a, b, _ in edges]
    w = [x for _, _, x in edges] * 2
    csr = sparse.csr_matrix((w, (rows, cols)), shape=(n, n))
    return DistanceEngine(csr, limit_m=1000.0)


@pytest.mark.parametrize(
    ("pendant", "expected"),
    [
        # Node 1 hangs on node 2 by a zero-length edge: a way back to a higher node is no
        # way back (it could loop), so the distances cannot be read: Dijkstra decides.
        (1, None),
        # Node 3 on node 2: to a lower node it is a way back.
        (3, [0, -1, 0, 0]),
    ],
)
def test_zero_length_edges_lead_back_only_to_lower_nodes(
    pendant: int, expected: list[int] | None
) -> None:
    other = 3 if pendant == 1 else 1
    edges = [(0, 2, 100.0), (2, pendant, 0.0)]
    engine = engine_of(4, edges)
    dist = engine.multi_source(np.array([0]), np.zeros(1))
    assert np.isinf(dist[other]) and dist[pendant] == dist[2] == 100.0
    label = engine.source_labels(dist, np.array([0]), np.zeros(1))
    assert (None if label is None else label.tolist()) == expected


def test_zero_length_steps_down_the_node_order_reach_the_source() -> None:
    # 0 -100 m- 1 -0 m- 2 -0 m- 3: each node's way back is a lower node, down to the
    # source. Numbered the other way (0 - 3 - 2 - 1), node 1's only way back is the
    # higher node 2: none.
    down = engine_of(4, [(0, 1, 100.0), (1, 2, 0.0), (2, 3, 0.0)])
    dist = down.multi_source(np.array([0]), np.zeros(1))
    label = down.source_labels(dist, np.array([0]), np.zeros(1))
    assert label is not None and label.tolist() == [0, 0, 0, 0]
    up = engine_of(4, [(0, 3, 100.0), (3, 2, 0.0), (2, 1, 0.0)])
    dist = up.multi_source(np.array([0]), np.zeros(1))
    assert up.source_labels(dist, np.array([0]), np.zeros(1)) is None
    # Two sources, one on each side: every node keeps the nearer one.
    two = engine_of(4, [(0, 1, 100.0), (1, 2, 50.0), (2, 3, 30.0)])
    dist = two.multi_source(np.array([0, 3]), np.zeros(2))
    label = two.source_labels(dist, np.array([0, 3]), np.zeros(2))
    assert label is not None and label.tolist() == [0, 1, 1, 1]
