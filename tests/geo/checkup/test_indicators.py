"""Indicators per unit and the issue ledger on Lujiazui, against independent recounts.

Oracles: residents per unit and item recounted home by home with shapely's point-in-
polygon; residential land recomputed as the exact area of (residential land ∩ unit);
park coverage redone with networkx distances on the walking network.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from geo.access.analysis import Analysis, analyse
from geo.checkup.indicators import INDICATORS, LIFE_CIRCLE, compute_checkup, unit_inputs
from geo.checkup.land import land_cells, residential_land
from geo.checkup.units import units_from_district
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def checkup(analysis: Analysis):  # type: ignore[no-untyped-def]
    units = units_from_district(analysis.district)
    return units, compute_checkup(analysis, units)


def _homes_in(analysis: Analysis, polygon: shapely.Geometry) -> np.ndarray:
    return np.array(
        [
            polygon.contains(shapely.Point(lon, lat))
            for lon, lat in zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)
        ]
    )


def test_residents_served_per_unit_and_item(analysis: Analysis, checkup) -> None:  # type: ignore[no-untyped-def]
    units, result = checkup
    items = result.unit_items.set_index(["unit_id", "item"])
    rows = result.indicators.set_index("unit_id")
    pop = analysis.homes["population"].to_numpy(dtype=float)
    for _, unit in units.iterrows():
        inside = _homes_in(analysis, unit.geometry)
        assert rows.loc[unit.unit_id, "residents"] == pytest.approx(pop[inside].sum(), abs=0.01)
        for i, item in enumerate(analysis.categories):
            limit = analysis.taxonomy.get(item).distance_m
            served = inside & (analysis.home_dist_m[i] <= limit)
            got = items.loc[(unit.unit_id, item), "residents_served"]
            assert got == pytest.approx(pop[served].sum(), abs=0.01), (unit["name"], item)


def test_residential_land_is_the_exact_area(analysis: Analysis, checkup) -> None:  # type: ignore[no-untyped-def]
    units, result = checkup
    land = residential_land(analysis)
    metric = units.geometry.to_crs(analysis.district.network.crs)
    expected = [shapely.intersection(land, g).area for g in metric]
    got = result.indicators["residential_land_m2"].to_numpy()
    assert got == pytest.approx(expected, rel=1e-6, abs=0.5)


def _nx_distances(analysis: Analysis, item: str) -> np.ndarray:
    net = analysis.district.network
    graph = nx.Graph()
    u, v = net.edge_index
    for a, b, w in zip(u, v, net.edges["length_m"].to_numpy(), strict=True):
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
            graph.add_edge(int(a), int(b), weight=float(w))
    graph.add_nodes_from(range(net.n_nodes))
    rows = analysis.facility_access[analysis.facility_access["category"] == item]
    graph.add_node("src")
    for pos, cost in zip(rows["node_pos"], rows["cost_m"], strict=True):
        if not graph.has_edge("src", int(pos)) or graph["src"][int(pos)]["weight"] > cost:
            graph.add_edge("src", int(pos), weight=float(cost))
    lengths = nx.single_source_dijkstra_path_length(graph, "src", weight="weight")
    return np.array([lengths.get(i, np.inf) for i in range(net.n_nodes)])


def test_park_coverage_against_networkx(analysis: Analysis, checkup) -> None:  # type: ignore[no-untyped-def]
    """公园绿地服务半径覆盖率: residential land within 500 m of a large park or 300 m of a
    small one (walked), ÷ residential land, per unit."""
    from geo.access.snapping import join_points

    units, result = checkup
    cells = land_cells(analysis)
    centres = shapely.point_on_surface(cells.cells.to_numpy())
    joined = join_points(analysis.district.network, shapely.get_x(centres), shapely.get_y(centres))
    ok = np.zeros(len(cells), dtype=bool)
    for item, limit in (("park_large", 500.0), ("park_small", 300.0)):
        d = _nx_distances(analysis, item)
        cell_d = np.minimum(d[joined.u_pos] + joined.u_cost_m, d[joined.v_pos] + joined.v_cost_m)
        ok |= cell_d <= limit
    metric = units.geometry.to_crs(analysis.district.network.crs)
    rows = result.indicators.set_index("unit_id")
    for unit_id, geom in zip(units["unit_id"], metric, strict=True):
        part = shapely.area(shapely.intersection(cells.cells.to_numpy(), geom))
        land = part.sum()
        expected = part[ok].sum() / land if land > 0 else None
        got = rows.loc[unit_id, "park_coverage"]
        if expected is None:
            assert got is None or got != got
        else:
            assert got == pytest.approx(expected, abs=1e-9)


def test_an_indicator_without_data_is_none_not_zero(checkup) -> None:  # type: ignore[no-untyped-def]
    _, result = checkup
    # Lujiazui's OSM has no day care and no nursing home at all.
    assert result.indicators["elderly_care_coverage"].isna().all()
    assert result.indicators["kindergarten_coverage"].notna().any()
    assert all("elderly_daycare" in s for s in result.indicators["no_data_items"])


def test_the_ledger_lists_every_unserved_essential_item_worst_first(
    analysis: Analysis, checkup
) -> None:  # type: ignore[no-untyped-def]
    units, result = checkup
    ledger = result.ledger
    essential = set(analysis.taxonomy.essential_ids())
    no_data = set(analysis.coverage.no_data)
    expected = set()
    pop = analysis.homes["population"].to_numpy(dtype=float)
    affected = {}
    for _, unit in units.iterrows():
        inside = _homes_in(analysis, unit.geometry)
        for i, item in enumerate(analysis.categories):
            if item not in essential or pop[inside].sum() <= 0:
                continue
            served = inside & (analysis.home_dist_m[i] <= analysis.taxonomy.get(item).distance_m)
            missing = pop[inside].sum() - pop[served].sum()
            if missing > 1e-9:
                expected.add((unit.unit_id, item))
                affected[(unit.unit_id, item)] = missing
    assert set(zip(ledger["unit_id"], ledger["item"], strict=True)) == expected
    for _, row in ledger.iterrows():
        key = (row["unit_id"], row["item"])
        assert row["residents_affected"] == pytest.approx(affected[key], abs=0.02)
        assert row["status"] == ("no data" if row["item"] in no_data else "gap")
    # Confirmed gaps first, each part by residents affected, most first.
    status = (ledger["status"] == "no data").to_numpy()
    assert not (status[:-1] & ~status[1:]).any()
    for part in (ledger[~status], ledger[status]):
        assert part["residents_affected"].is_monotonic_decreasing


def test_life_circle_coverage_is_per_unit_completeness(analysis: Analysis, checkup) -> None:  # type: ignore[no-untyped-def]
    units, result = checkup
    with_data = [c for c in analysis.taxonomy.essential_ids() if c not in analysis.coverage.no_data]
    rows = [analysis.categories.index(c) for c in with_data]
    limits = np.array([analysis.taxonomy.get(c).distance_m for c in with_data])[:, None]
    complete = (analysis.home_dist_m[rows] <= limits).all(axis=0)
    pop = analysis.homes["population"].to_numpy(dtype=float)
    for _, unit in units.iterrows():
        inside = _homes_in(analysis, unit.geometry)
        got = result.indicators.set_index("unit_id").loc[unit.unit_id, LIFE_CIRCLE.id]
        if pop[inside].sum() > 0:
            assert got == pytest.approx(pop[inside & complete].sum() / pop[inside].sum())


def test_unit_inputs_are_small_and_picklable(analysis: Analysis, checkup) -> None:  # type: ignore[no-untyped-def]
    import pickle

    units, _ = checkup
    inputs = unit_inputs(analysis, units)
    assert len(inputs) == len(units)
    blob = pickle.dumps(inputs[0])
    assert len(blob) < 200_000
    _, result = checkup
    assert {ind.id for ind in INDICATORS} | {LIFE_CIRCLE.id} <= set(result.indicators.columns)
