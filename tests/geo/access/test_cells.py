"""Service areas and catchments on H3 cells (the layers of large districts).

Checked against a plain recount: every node's cell from ``h3.latlng_to_cell`` one by one,
and the cells' own hexagons.
"""

from __future__ import annotations

import io

import geopandas as gpd
import h3
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from geo.access.analysis import Analysis, analyse
from geo.access.cells import LayerSettings, catchment_cells, served_cells
from geo.district.model import District
from geo.export import geo_layers
from geo.standards.taxonomy import Taxonomy
from lifecircle.cli.progress import TerminalProgress

RES = 10
FORCE_CELLS = LayerSettings(exact_max_nodes=0, cell_resolution=RES)


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def cells_of_nodes(district: District) -> list[str]:
    nodes = district.network.nodes
    return [
        h3.latlng_to_cell(lat, lon, RES)
        for lon, lat in zip(nodes["lon"], nodes["lat"], strict=True)
    ]


def hexagon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def metric_area(geom: shapely.Geometry, crs: str) -> float:
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(crs).area.iloc[0])


@pytest.mark.parametrize(("category", "within_m"), [("transit", 300.0), ("health_centre", 1000.0)])
def test_a_served_area_is_the_cells_of_the_reached_nodes(
    analysis: Analysis, category: str, within_m: float
) -> None:
    district = analysis.district
    dist = analysis.access.of(category)
    cells = cells_of_nodes(district)
    reached = {c for c, d in zip(cells, dist, strict=True) if d <= within_m}
    others = set(cells) - reached
    assert len(reached) > 10 and len(others) > 10
    got = served_cells(district.network, dist, within_m=within_m, resolution=RES)
    expected = shapely.union_all([hexagon(c) for c in reached])
    crs = district.network.crs
    assert metric_area(got, crs) == pytest.approx(metric_area(expected, crs), rel=1e-6)
    assert metric_area(got.symmetric_difference(expected), crs) < 1e-3 * metric_area(expected, crs)
    for c in list(others)[:50]:
        centre = Point(h3.cell_to_latlng(c)[::-1])
        assert not got.contains(centre)


def test_catchment_cells_go_to_the_nearest_reached_node(analysis: Analysis) -> None:
    district = analysis.district
    rows = analysis.facility_access[analysis.facility_access["category"] == "park_large"]
    facilities = sorted(set(rows["facility_id"]))
    owner = np.array([facilities.index(f) for f in rows["facility_id"]])
    dist, row_label = analysis.engine.nearest_source(
        rows["node_pos"].to_numpy(np.int64), rows["cost_m"].to_numpy(float), limit_m=1000.0
    )
    label = np.where(row_label >= 0, owner[np.maximum(row_label, 0)], -1)
    geoms, counts = catchment_cells(
        district.network, dist, label, limit_m=1000.0, n_facilities=len(facilities), resolution=RES
    )
    assert counts.sum() == int(((label >= 0) & (dist <= 1000.0)).sum())
    # By hand: each cell's nearest reached node decides its facility.
    cells = cells_of_nodes(district)
    best: dict[str, tuple[float, int]] = {}
    for c, d, f in zip(cells, dist, label, strict=True):
        if f >= 0 and d <= 1000.0 and (c not in best or d < best[c][0]):
            best[c] = (float(d), int(f))
    for c, (_, f) in list(best.items())[:80]:
        centre = Point(h3.cell_to_latlng(c)[::-1])
        assert geoms[f].buffer(1e-9).contains(centre), c
    # Catchments do not overlap.
    parts = [g for g in geoms if not g.is_empty]
    total = sum(g.area for g in parts)
    assert shapely.union_all(parts).area == pytest.approx(total, rel=1e-9)


def test_the_geopackage_layers_on_cells_are_valid(analysis: Analysis) -> None:
    timings: dict[str, float] = {}
    layers = geo_layers(analysis, settings=FORCE_CELLS, timings_s=timings)
    assert {"service_areas", "catchments", "doorstep_circles", "gap_hexagons"} <= set(layers)
    assert {"service_areas", "catchments", "doorstep_circles", "gap_hexagons"} <= set(timings)
    for name in ("service_areas", "catchments"):
        layer = layers[name]
        assert len(layer) > 0 and layer.geometry.is_valid.all()
    served = layers["service_areas"].set_index("category")
    assert "transit" in served.index
    catch = layers["catchments"]
    empty = catch.geometry.is_empty.to_numpy()
    np.testing.assert_array_equal(empty, catch["nodes"].to_numpy() == 0)


def test_the_progress_bar_draws_on_a_terminal_and_stays_quiet_otherwise() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = TerminalProgress(stream=tty)
    bar("walking distances", 0.5)
    bar.close()
    assert "[##############--------------]  50%  walking distances" in tty.getvalue()
    pipe = io.StringIO()
    quiet = TerminalProgress(stream=pipe)
    quiet("walking distances", 0.5)
    quiet.close()
    assert pipe.getvalue() == ""
    muted = Tty()
    TerminalProgress(stream=muted, quiet=True)("x", 1.0)
    assert muted.getvalue() == ""


def test_each_cell_goes_to_its_nearest_facility_by_network_distance(analysis: Analysis) -> None:
    """Exhaustive: networkx distances from every facility to every node (no engine)."""
    district = analysis.district
    net = district.network
    rows = analysis.facility_access[analysis.facility_access["category"] == "park_large"]
    facilities = sorted(set(rows["facility_id"]))
    assert len(facilities) >= 3
    graph = net.to_networkx()
    node_ids = net.node_ids
    limit_m = 1000.0
    # d[f, node]: facility f's network distance (its nearest way in) to each node.
    d = np.full((len(facilities), net.n_nodes), np.inf)
    pos_of = {int(n): i for i, n in enumerate(node_ids)}
    for f, fid in enumerate(facilities):
        ways = rows[rows["facility_id"] == fid]
        # Every way in as an edge from one virtual node (its cost the edge's length).
        source = ("facility", fid)
        graph.add_weighted_edges_from(
            (
                (source, int(node_ids[p]), float(c))
                for p, c in zip(ways["node_pos"], ways["cost_m"], strict=True)
            ),
            weight="length",
        )
        reach = nx.single_source_dijkstra_path_length(
            graph, source, cutoff=limit_m, weight="length"
        )
        graph.remove_node(source)
        for n, length in reach.items():
            if n != source:
                d[f, pos_of[int(n)]] = length
    owner = np.array([facilities.index(f) for f in rows["facility_id"]])
    dist, row_label = analysis.engine.nearest_source(
        rows["node_pos"].to_numpy(np.int64), rows["cost_m"].to_numpy(float), limit_m=limit_m
    )
    label = np.where(row_label >= 0, owner[np.maximum(row_label, 0)], -1)
    geoms, counts = catchment_cells(
        net, dist, label, limit_m=limit_m, n_facilities=len(facilities), resolution=RES
    )
    cells = np.array(cells_of_nodes(district))
    nearest = d.min(axis=0)
    seen = 0
    grown = [g.buffer(1e-9) for g in geoms]
    for cell in np.unique(cells):
        in_cell = np.flatnonzero((cells == cell) & (nearest <= limit_m))
        centre = Point(h3.cell_to_latlng(cell)[::-1])
        holders = [f for f, g in enumerate(grown) if g.contains(centre)]
        if len(in_cell) == 0:
            assert holders == [], cell
            continue
        # Its owner is a facility at the cell's smallest network distance (ties allowed).
        best = d[:, in_cell].min()
        assert len(holders) == 1, cell
        assert d[holders[0], in_cell].min() == pytest.approx(best, abs=1e-6), cell
        seen += 1
    assert seen > 50
    assert counts.sum() == int((nearest <= limit_m).sum())
