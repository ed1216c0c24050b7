"""Cells named by the compound (小区) that covers them: checked on hand-made geometry."""

from __future__ import annotations

import geopandas as gpd
import h3
import pandas as pd
import shapely
from shapely import Polygon

from geo.access.compound_names import MIN_COVER_SHARE, compound_names_for_cells

CENTRE = (31.2350, 121.5000)  # lat, lng in Lujiazui


def cell_polygon(cell: str) -> Polygon:
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def areas(rows: list[tuple[str, str, Polygon]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"osm_id": [f"way/{i}" for i in range(len(rows))], "kind": [r[0] for r in rows],
         "name": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4326",
    )  # fmt: skip


def west_part(poly: Polygon, share: float) -> Polygon:
    """The part of ``poly`` west of the meridian that leaves ``share`` of its width."""
    west, south, east, north = poly.bounds
    cut = shapely.box(west - 1, south - 1, west + share * (east - west), north + 1)
    return poly.intersection(cut)


def test_a_cell_takes_the_name_of_the_compound_covering_most_of_it() -> None:
    cell = h3.latlng_to_cell(*CENTRE, 9)
    poly = cell_polygon(cell)
    big, small = west_part(poly, 0.7), poly.difference(west_part(poly, 0.7))
    names = compound_names_for_cells(
        [cell], areas([("residential", "东园一村", big), ("residential", "东园二村", small)])
    )
    assert names.tolist() == ["东园一村"]


def test_parts_of_one_compound_add_up() -> None:
    cell = h3.latlng_to_cell(*CENTRE, 9)
    kids = [cell_polygon(c) for c in sorted(h3.cell_to_children(cell, 10))]
    # A: two pieces of 2/7 each (each smaller than B), together 4/7; B: one piece of 3/7.
    a1, a2 = shapely.union_all(kids[0:2]), shapely.union_all(kids[2:4])
    b = shapely.union_all(kids[4:7])
    rows = [("residential", "A", a1), ("residential", "A", a2), ("residential", "B", b)]
    assert compound_names_for_cells([cell], areas(rows)).tolist() == ["A"]


def test_a_sliver_unnamed_and_other_land_use_do_not_name_a_cell() -> None:
    cell = h3.latlng_to_cell(*CENTRE, 9)
    poly = cell_polygon(cell)
    sliver = west_part(poly, MIN_COVER_SHARE / 4)
    rows = [
        ("residential", "边角小区", sliver),
        ("residential", "", poly),  # unnamed
        ("green", "公园", poly),  # not residential
    ]
    assert compound_names_for_cells([cell], areas(rows)).tolist() == [""]


def test_names_follow_the_cells_order() -> None:
    first = h3.latlng_to_cell(*CENTRE, 9)
    second = h3.grid_disk(first, 2)[-1]
    named = compound_names_for_cells(
        [first, second], areas([("residential", "乙", cell_polygon(second))])
    )
    assert named.tolist() == ["", "乙"]
    assert isinstance(named, pd.Series)
    assert compound_names_for_cells([], areas([])).tolist() == []
