"""Units of the check-up: named compounds and admin areas from OSM, and boundary files.

Oracles: the compound names are read from the raw OSM file with ElementTree; a boundary
file written in GCJ-02 or BD-09 must come back onto the WGS-84 polygon it was made from.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from geo.checkup.units import read_units, units_from_district, units_in_district
from geo.district.loader import load_district
from geo.district.model import District
from geo.errors import InputFileError, LifecircleError
from geo.inputs.coords import CoordSystem, from_wgs84
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from tests.conftest import OsmXml


def test_compounds_are_the_named_residential_areas(
    lujiazui: District, lujiazui_osm: OsmXml
) -> None:
    units = units_from_district(lujiazui)
    names_in_file = {
        w.tags["name"].strip()
        for w in lujiazui_osm.ways
        if w.tags.get("landuse") == "residential"
        and w.tags.get("name", "").strip()
        and w.refs[0] == w.refs[-1]
    }
    assert set(units["kind"]) == {"compound"}
    inside = set(units["name"])
    assert inside <= names_in_file and len(inside) >= 25
    assert units["unit_id"].is_unique and units["name"].is_unique
    assert units.intersects(lujiazui.boundary).all()
    assert "东园三村" in inside


def test_admin_areas_become_communities_and_subdistricts(
    tmp_path: Path, taxonomy: Taxonomy, session_settings: Settings, data_dir: Path
) -> None:
    """A copy of the real Lujiazui file with two closed admin boundaries drawn in it."""
    text = (data_dir / "shanghai_lujiazui.osm").read_text("utf-8")
    ring = [(121.500, 31.230), (121.506, 31.230), (121.506, 31.236), (121.500, 31.236)]
    big = [(121.490, 31.226), (121.511, 31.226), (121.511, 31.244), (121.490, 31.244)]
    extra = []
    for k, (pts, level, name) in enumerate(((ring, 10, "测试居委"), (big, 8, "陆家嘴街道"))):
        ids = [99_000_000_000 + 100 * k + i for i in range(len(pts))]  # unused OSM ids
        nodes = zip(ids, pts, strict=True)
        extra += [f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in nodes]
        nds = "".join(f'<nd ref="{i}"/>' for i in [*ids, ids[0]])
        extra.append(
            f'<way id="{99_000_000_000 + k}">{nds}<tag k="boundary" v="administrative"/>'
            f'<tag k="admin_level" v="{level}"/><tag k="name" v="{name}"/></way>'
        )
    path = tmp_path / "lujiazui-with-admin.osm"
    path.write_text(text.replace("</osm>", "\n".join(extra) + "\n</osm>"), "utf-8")
    district = load_district(path, taxonomy=taxonomy, settings=session_settings)
    units = units_from_district(district, kinds=("community", "subdistrict"))
    by_name = units.set_index("name")
    assert by_name.loc["测试居委", "kind"] == "community"
    assert by_name.loc["陆家嘴街道", "kind"] == "subdistrict"
    expected = shapely.Polygon(ring)
    got = by_name.loc["测试居委", "geometry"]
    assert got.symmetric_difference(expected).area < 1e-12


def _compound(lujiazui: District, name: str) -> shapely.Polygon:
    units = units_from_district(lujiazui).set_index("name")
    geom = units.loc[name, "geometry"]
    assert isinstance(geom, shapely.Polygon | shapely.MultiPolygon)
    return geom


def _shift(geom: shapely.Geometry, target: CoordSystem) -> shapely.Geometry:
    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], target=target)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def _hausdorff_m(a: shapely.Geometry, b: shapely.Geometry, crs: str) -> float:
    pa, pb = gpd.GeoSeries([a, b], crs=4326).to_crs(crs)
    return float(pa.hausdorff_distance(pb))


@pytest.mark.parametrize(
    ("system", "driver", "suffix"),
    [
        (CoordSystem.GCJ02, "GeoJSON", ".geojson"),
        (CoordSystem.BD09, "ESRI Shapefile", ".shp"),
        (CoordSystem.GCJ02, "GPKG", ".gpkg"),
        (CoordSystem.WGS84, "GeoJSON", ".geojson"),
    ],
)
def test_a_boundary_file_in_any_system_lands_on_the_compound(
    tmp_path: Path, lujiazui: District, system: CoordSystem, driver: str, suffix: str
) -> None:
    compound = _compound(lujiazui, "东园三村")
    shifted = _shift(compound, system)
    path = tmp_path / f"units{suffix}"
    gpd.GeoDataFrame({"名称": ["东园三村"]}, geometry=[shifted], crs=4326).to_file(
        path, driver=driver
    )
    units = read_units(path, coord_system=system)
    assert units["name"].tolist() == ["东园三村"] and units["kind"].tolist() == ["file"]
    # GCJ-02/BD-09 move a point by hundreds of metres; back in WGS-84 it is within 1 m.
    assert _hausdorff_m(shifted, compound, lujiazui.network.crs) > (
        100 if system is not CoordSystem.WGS84 else -1
    )
    assert _hausdorff_m(units.geometry[0], compound, lujiazui.network.crs) < 1.0
    assert len(units_in_district(units, lujiazui)) == 1


def test_a_self_intersecting_unit_is_mended(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(121.50, 31.23), (121.51, 31.24), (121.51, 31.23), (121.50, 31.24)])
    path = tmp_path / "bowtie.geojson"
    feature = {"type": "Feature", "properties": {"name": "领结"}, "geometry": mapping(bowtie)}
    doc = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(doc), "utf-8")
    units = read_units(path)
    assert units.geometry[0].is_valid and units.geometry[0].area > 0


BAD_FILES = {
    "missing": (None, "not found"),
    "text": ("readme.txt", "GeoJSON"),
    "not-geojson": ("broken.geojson", "broken.geojson is not valid JSON"),
    "points-only": ("points.geojson", "no polygons"),
    "empty": ("empty.geojson", "no features"),
    "swapped": ("swapped.geojson", "latitude, longitude"),
}


def _write_bad(tmp_path: Path, case: str) -> Path:
    name = BAD_FILES[case][0]
    if name is None:
        return tmp_path / "nowhere.geojson"
    path = tmp_path / name
    square = [[121.50, 31.23], [121.51, 31.23], [121.51, 31.24], [121.50, 31.24], [121.50, 31.23]]
    features: list[dict[str, object]] = []
    if case == "points-only":
        features = [{"type": "Feature", "properties": {},
                     "geometry": {"type": "Point", "coordinates": [121.5, 31.23]}}]  # fmt: skip
    if case == "swapped":
        ring = [[lat, lon] for lon, lat in square]
        features = [{"type": "Feature", "properties": {},
                     "geometry": {"type": "Polygon", "coordinates": [ring]}}]  # fmt: skip
    if case in ("text", "not-geojson"):
        path.write_text("这不是边界文件 {", "utf-8")
    else:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_boundary_files_are_clear_errors(tmp_path: Path, case: str) -> None:
    path = _write_bad(tmp_path, case)
    with pytest.raises(InputFileError) as excinfo:
        read_units(path)
    assert BAD_FILES[case][1] in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def _feature_file(path: Path, geometry: dict[str, object]) -> Path:
    feature = {"type": "Feature", "properties": {"name": "坏单元"}, "geometry": geometry}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    return path


INVALID_GEOMETRIES: dict[str, tuple[dict[str, object], str]] = {
    # GEOS refuses these as pyogrio hands them over: they used to be tracebacks.
    "one-point-line": ({"type": "LineString", "coordinates": [[121.5, 31.23]]}, "cannot be read"),
    "one-point-polygon": (
        {"type": "MultiPolygon", "coordinates": [[[[121.5, 31.23]]]]},
        "cannot be read",
    ),
    "unclosed-ring": (
        {"type": "Polygon", "coordinates": [[[121.5, 31.23], [121.51, 31.23], [121.51, 31.24]]]},
        "cannot be read",
    ),
    # make_valid turns a ring on a line into a line: a unit with no area.
    "flat-ring": (
        {"type": "Polygon", "coordinates": [[[121.5, 31.23], [121.51, 31.23], [121.5, 31.23]]]},
        "feature 1 '坏单元' has no area",
    ),
}


@pytest.mark.parametrize("case", list(INVALID_GEOMETRIES))
def test_invalid_geometry_is_one_line_naming_the_file(tmp_path: Path, case: str) -> None:
    geometry, words = INVALID_GEOMETRIES[case]
    path = _feature_file(tmp_path / f"{case}.geojson", geometry)
    with pytest.raises(InputFileError) as excinfo:
        read_units(path)
    text = str(excinfo.value)
    assert text.startswith(f"{case}.geojson") and words in text
    assert "\n" not in text and str(tmp_path) not in text


@pytest.mark.parametrize("suffix", [".gpkg", ".zip"])
def test_gdal_errors_name_the_file_not_its_folder(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"units{suffix}"
    path.write_bytes(b"not a GeoPackage nor a zip")  # GDAL's message quotes its full path
    with pytest.raises(InputFileError) as excinfo:
        read_units(path)
    text = str(excinfo.value)
    assert text.startswith(f"units{suffix} is not a readable boundary file: 'units{suffix}'")
    assert str(tmp_path) not in text and "It might help" not in text and "\n" not in text


def test_units_far_away_are_refused(tmp_path: Path, lujiazui: District) -> None:
    beijing = shapely.box(116.46, 39.99, 116.47, 40.0)
    path = tmp_path / "beijing.gpkg"
    gpd.GeoDataFrame({"name": ["望京"]}, geometry=[beijing], crs=4326).to_file(path)
    with pytest.raises(LifecircleError, match="no unit overlaps the study area"):
        units_in_district(read_units(path), lujiazui)


def test_a_shapefile_zip_is_read(tmp_path: Path, lujiazui: District) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame(
        {"NAME": ["东园三村"]}, geometry=[_compound(lujiazui, "东园三村")], crs=4326
    ).to_file(folder / "units.shp")
    archive = shutil.make_archive(str(tmp_path / "units"), "zip", folder)
    units = read_units(archive)
    assert units["name"].tolist() == ["东园三村"]
