"""Tests for reading OSM files: the walking rule, the bundled extracts, other formats, bad files.

Expected values come from the independent ElementTree reading in ``conftest.py``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.district.loader import load_district
from geo.district.model import District
from geo.errors import InputFileError, LifecircleError, OsmDataError
from geo.osm.reader import read_osm_file
from geo.osm.walking import is_car_tunnel, is_pedestrian_area, is_walkable
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy

# ``Expected``, ``OsmXml`` and ``BadInput`` objects come from fixtures of conftest.py (which
# cannot be imported); they are typed ``Any`` here.
Expected = Any
BadInput = Any
WANGJING_BBOX = (116.4595, 39.9867, 116.4817, 40.0041)

# --- the walking rule --------------------------------------------------------------------
WALKABLE_CASES = [
    ({"highway": "footway"}, True),
    ({"highway": "steps"}, True),
    ({"highway": "trunk"}, True),
    ({"highway": "residential"}, True),
    ({"highway": "pedestrian"}, True),
    ({"highway": "primary"}, True),
    ({"highway": "motorway"}, False),
    ({"highway": "motorway_link"}, False),
    ({"highway": "motorway", "foot": "yes"}, False),
    ({"highway": "primary", "foot": "no"}, False),
    ({"highway": "footway", "foot": "private"}, False),
    ({"highway": "primary", "foot": "use_sidepath"}, False),
    ({"highway": "cycleway"}, False),
    ({"highway": "cycleway", "foot": "yes"}, True),
    ({"highway": "cycleway", "foot": "designated"}, True),
    ({"highway": "cycleway", "foot": "no"}, False),
    ({"highway": "bridleway"}, False),
    ({"highway": "service", "access": "private"}, False),
    ({"highway": "service", "access": "no"}, False),
    ({"highway": "service", "access": "private", "foot": "yes"}, True),
    ({"highway": "footway", "access": "destination"}, True),
    ({"highway": "pedestrian", "area": "yes"}, False),  # walked along its outline instead
    # Car tunnels with no foot tag, as on Lujiazui: way 71316469 人民路隧道 and way
    # 71316435 陆家嘴环路地道 (highway=secondary, tunnel=yes).
    ({"highway": "secondary", "tunnel": "yes", "name": "人民路隧道"}, False),
    ({"highway": "secondary", "tunnel": "yes", "name": "陆家嘴环路地道"}, False),
    ({"highway": "trunk", "tunnel": "yes"}, False),
    ({"highway": "secondary_link", "tunnel": "yes"}, False),
    ({"highway": "primary", "tunnel": "yes", "foot": "yes"}, True),
    ({"highway": "primary", "tunnel": "yes", "sidewalk": "both"}, True),
    ({"highway": "primary", "tunnel": "yes", "sidewalk:right": "yes"}, True),
    ({"highway": "primary", "tunnel": "yes", "sidewalk": "separate"}, False),
    ({"highway": "primary", "tunnel": "building_passage"}, True),
    ({"highway": "tertiary", "tunnel": "yes"}, True),
    ({"highway": "footway", "tunnel": "yes"}, True),
    # Crossings and sidewalks are footways and stay.
    ({"highway": "footway", "footway": "crossing"}, True),
    ({"highway": "footway", "footway": "sidewalk"}, True),
    ({"highway": "trunk", "motorroad": "yes"}, False),
    ({"highway": "construction"}, False),
    ({"highway": "proposed"}, False),
    ({"building": "yes"}, False),
    ({}, False),
]


@pytest.mark.parametrize(
    ("tags", "walkable"),
    WALKABLE_CASES,
    ids=[",".join(f"{k}={v}" for k, v in t.items()) or "no-tags" for t, _ in WALKABLE_CASES],
)
def test_is_walkable_truth_table(tags: dict[str, str], walkable: bool) -> None:
    assert is_walkable(tags) is walkable


PEDESTRIAN_AREA_CASES = [
    ({"highway": "pedestrian", "area": "yes"}, False, True),
    ({"highway": "pedestrian", "area": "yes", "name": "陆家嘴中心绿地广场"}, False, True),
    ({"highway": "pedestrian"}, False, False),  # a pedestrian street: a line, not an area
    ({"highway": "pedestrian", "area": "yes", "access": "private"}, False, False),
    ({"highway": "pedestrian", "area": "yes", "foot": "no"}, False, False),
    ({"highway": "pedestrian", "type": "multipolygon"}, True, True),
    ({"highway": "footway", "area": "yes"}, False, False),
    ({"highway": "service", "area": "yes"}, False, False),
]


@pytest.mark.parametrize(("tags", "relation", "area"), PEDESTRIAN_AREA_CASES)
def test_pedestrian_area_rule(tags: dict[str, str], relation: bool, area: bool) -> None:
    assert is_pedestrian_area(tags, relation=relation) is area
    if not relation:  # a way is walked as a line or as an outline, never both
        assert not (is_walkable(tags) and area)


def test_car_tunnel_rule_is_part_of_walkable() -> None:
    tunnel = {"highway": "primary", "tunnel": "yes"}
    assert is_car_tunnel(tunnel)
    assert not is_car_tunnel({**tunnel, "foot": "designated"})
    assert not is_car_tunnel({"highway": "residential", "tunnel": "yes"})


# --- the bundled files ---------------------------------------------------------------------
def _readme_section(readme: str, file_name: str) -> str:
    sections = readme.split("\n## ")
    matching = [s for s in sections if file_name in s.split("\n", 1)[0]]
    assert len(matching) == 1, f"README.osm.md has no single section for {file_name}"
    return matching[0]


def _readme_int(text: str) -> int:
    return int(text.replace(",", "").replace("*", "").strip())


@pytest.mark.parametrize("file_name", ["shanghai_lujiazui.osm", "beijing_wangjing.osm"])
def test_bundled_file_matches_readme_checksum_and_size(file_name: str, data_dir: Path) -> None:
    path = data_dir / file_name
    section = _readme_section((data_dir / "README.osm.md").read_text("utf-8"), path.name)
    match = re.search(r"size / sha256 \| ([\d,]+) B / `([0-9a-f]{64})`", section)
    assert match is not None
    data = path.read_bytes()
    assert len(data) == _readme_int(match.group(1))
    assert hashlib.sha256(data).hexdigest() == match.group(2)


@pytest.mark.parametrize("name", ["lujiazui", "wangjing"])
def test_reference_parse_matches_readme_counts(
    name: str, data_dir: Path, request: pytest.FixtureRequest
) -> None:
    """The independent parser agrees with the element counts the README publishes."""
    osm = request.getfixturevalue(f"{name}_osm")
    section = _readme_section((data_dir / "README.osm.md").read_text("utf-8"), osm.path.name)
    match = re.search(r"nodes / ways / relations \| ([\d,]+) / ([\d,]+) / ([\d,*]+) \|", section)
    assert match is not None
    counts = tuple(_readme_int(g) for g in match.groups())
    assert (len(osm.nodes), len(osm.ways), len(osm.relations)) == counts
    # "every <nd ref> in every way resolves to a node in the same file"
    assert all(ref in osm.nodes for way in osm.ways for ref in way.refs)


DISTRICTS = ["lujiazui", "wangjing"]


@pytest.fixture(params=DISTRICTS)
def case(request: pytest.FixtureRequest) -> tuple[District, Expected]:
    name = request.param
    return request.getfixturevalue(name), request.getfixturevalue(f"expected_{name}")


def test_walk_nodes_equal_independent_clip(case: tuple[District, Expected]) -> None:
    district, expected = case
    got = set(district.network.nodes.index.tolist())
    assert len(got) == district.network.n_nodes  # no duplicate ids
    assert got - expected.node_ids == set()
    assert expected.node_ids - got == set()


def test_walk_edges_equal_independent_pairs(case: tuple[District, Expected]) -> None:
    district, expected = case
    edges = district.network.edges
    pairs = list(zip(edges["u"].tolist(), edges["v"].tolist(), strict=True))
    assert len(pairs) == len(set(pairs)), "an undirected edge appears twice"
    assert all(u < v for u, v in pairs)
    assert district.network.n_edges == len(expected.edges)
    assert set(pairs) == expected.edges


def test_edge_lengths_are_haversine(case: tuple[District, Expected]) -> None:
    district, expected = case
    edges = district.network.edges
    want = np.array(
        [expected.osm.distance_m(u, v) for u, v in zip(edges["u"], edges["v"], strict=True)]
    )
    got = edges["length_m"].to_numpy()
    assert np.all(got > 0)
    np.testing.assert_allclose(got, want, rtol=0, atol=0.01)
    # Total length as a summary figure, like momepy's tests.
    assert got.sum() == pytest.approx(want.sum(), abs=0.01 * len(want))


def test_edge_geometry_joins_its_end_nodes(case: tuple[District, Expected]) -> None:
    district, expected = case
    edges = district.network.edges
    lines = district.network.edge_lines
    for u, v, line in zip(edges["u"], edges["v"], lines, strict=True):
        assert list(line.coords) == [expected.osm.nodes[u], expected.osm.nodes[v]]


def test_node_coordinates_match_file_and_crs(case: tuple[District, Expected]) -> None:
    district, expected = case
    nodes = district.network.nodes
    assert district.network.crs == expected.crs
    assert district.meta.crs == expected.crs
    lonlat = np.array([expected.osm.nodes[n] for n in nodes.index])
    np.testing.assert_array_equal(nodes[["lon", "lat"]].to_numpy(), lonlat)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", expected.crs, always_xy=True)
    x, y = to_utm.transform(lonlat[:, 0], lonlat[:, 1])
    np.testing.assert_allclose(nodes["x"].to_numpy(), x, atol=1e-6)
    np.testing.assert_allclose(nodes["y"].to_numpy(), y, atol=1e-6)


def test_crs_is_the_local_utm_zone(lujiazui: District, wangjing: District) -> None:
    assert lujiazui.network.crs == "EPSG:32651"
    assert wangjing.network.crs == "EPSG:32650"


def test_facilities_equal_independent_count(case: tuple[District, Expected]) -> None:
    district, expected = case
    facilities = district.facilities
    got: dict[str, set[str]] = {}
    for category, osm_id in zip(facilities["category"], facilities["osm_id"], strict=True):
        got.setdefault(category, set()).add(osm_id)
    assert got == expected.facilities
    assert district.facility_counts() == expected.facility_counts
    assert len(facilities) == sum(expected.facility_counts.values())


def test_facility_points_lie_on_their_elements(case: tuple[District, Expected]) -> None:
    """A point facility sits on its node; an area facility's point lies near its way."""
    district, expected = case
    facilities = district.facilities
    for osm_id, lon, lat in zip(
        facilities["osm_id"], facilities["lon"], facilities["lat"], strict=True
    ):
        kind, ident = osm_id.split("/")
        if kind == "node":
            assert (lon, lat) == pytest.approx(expected.osm.nodes[int(ident)], abs=1e-9)
        elif kind == "way":
            way = next(w for w in expected.osm.ways if w.id == int(ident))
            lons = [expected.osm.nodes[r][0] for r in way.refs]
            lats = [expected.osm.nodes[r][1] for r in way.refs]
            assert min(lons) - 1e-9 <= lon <= max(lons) + 1e-9
            assert min(lats) - 1e-9 <= lat <= max(lats) + 1e-9


def test_bundled_district_facility_counts(lujiazui: District, wangjing: District) -> None:
    """Spot figures, cross-checked by hand against the files (and README.osm.md)."""
    # Lujiazui: 6 amenity=school ways, split 3 primary / 3 middle by name; 2 kindergartens
    # mapped with amenity=kindergarten and one only as a named building (way 1198910501).
    assert lujiazui.facility_counts()["primary_school"] == 3
    assert lujiazui.facility_counts()["middle_school"] == 3
    assert lujiazui.facility_counts()["kindergarten"] == 3
    # Wangjing: 白家庄小学 (node 5439339741) and 望京实验学校 (building=school, way 627196401);
    # 白家庄小学教学楼 (building=school, way 564589319) is a building of the first, not a third.
    assert wangjing.facility_counts()["primary_school"] == 2
    # Wangjing: README lists supermarket 6, convenience 2.
    assert wangjing.facility_counts()["food_market"] == 6
    assert wangjing.facility_counts()["convenience"] == 2


def test_data_dates(
    lujiazui: District, wangjing: District, expected_lujiazui: Expected, expected_wangjing: Expected
) -> None:
    assert lujiazui.meta.data_date == expected_lujiazui.data_date == "2026-08-15"
    assert wangjing.meta.data_date == expected_wangjing.data_date == "2020-08-24"


def test_meta_of_bundled_districts(case: tuple[District, Expected]) -> None:
    district, expected = case
    meta = district.meta
    assert meta.source_kind == "bundled"
    assert meta.bbox == expected.bbox
    assert Path(meta.source).resolve() == expected.osm.path.resolve()
    assert meta.sha256 == hashlib.sha256(expected.osm.path.read_bytes()).hexdigest()
    assert "OpenStreetMap" in meta.attribution

    def walks(way: Any) -> bool:
        closed = len(way.refs) >= 4 and way.refs[0] == way.refs[-1]
        return is_walkable(way.tags) or (closed and is_pedestrian_area(way.tags))

    assert meta.walkable_ways == sum(1 for w in expected.osm.ways if walks(w))


def test_wangjing_file_bounds_are_the_study_area(expected_wangjing: Expected) -> None:
    assert expected_wangjing.osm.bounds == WANGJING_BBOX


# --- other formats -------------------------------------------------------------------------
def _assert_same_district(got: District, want: District) -> None:
    pd.testing.assert_frame_equal(got.network.nodes, want.network.nodes)
    pd.testing.assert_frame_equal(got.network.edges, want.network.edges)
    assert got.network.crs == want.network.crs
    assert_geodataframe_equal(
        got.facilities.sort_values("facility_id").reset_index(drop=True),
        want.facilities.sort_values("facility_id").reset_index(drop=True),
    )
    assert got.meta.data_date == want.meta.data_date


@pytest.mark.parametrize("fmt", ["pbf", "bz2"])
def test_other_formats_give_the_same_district(
    fmt: str,
    wangjing: District,
    expected_wangjing: Expected,
    taxonomy: Taxonomy,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    path = request.getfixturevalue(f"wangjing_{fmt}")
    got = load_district(
        path, taxonomy=taxonomy, settings=Settings(cache_dir=tmp_path), bbox=WANGJING_BBOX
    )
    assert got.meta.source_kind == "file"
    assert got.meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert set(got.network.nodes.index) == expected_wangjing.node_ids
    assert got.facility_counts() == expected_wangjing.facility_counts
    _assert_same_district(got, wangjing)


def test_bz2_without_bbox_uses_its_bounds(
    wangjing_bz2: Path, expected_wangjing: Expected, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    got = load_district(wangjing_bz2, taxonomy=taxonomy, settings=Settings(cache_dir=tmp_path))
    assert got.meta.bbox == pytest.approx(expected_wangjing.bbox, abs=1e-7)
    assert set(got.network.nodes.index) == expected_wangjing.node_ids


# --- bad inputs ------------------------------------------------------------------------------
def test_bad_input_raises_clear_error(
    bad_input: BadInput, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    path = bad_input.make(tmp_path)
    settings = Settings(cache_dir=tmp_path / "cache")
    with pytest.raises(LifecircleError) as excinfo:
        load_district(path, taxonomy=taxonomy, settings=settings)
    assert excinfo.type is bad_input.error
    message = str(excinfo.value)
    assert "\n" not in message
    for word in bad_input.keywords:
        assert word in message
    assert "Traceback" not in message
    # A refused file leaves nothing behind in the cache.
    entries = tmp_path / "cache" / "districts"
    assert not entries.exists() or not any(entries.iterdir())


def test_read_osm_file_on_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found") as excinfo:
        read_osm_file(tmp_path / "nowhere.osm", feature_tags={"amenity": True})
    assert "nowhere.osm" in str(excinfo.value)


def test_no_walkable_ways_is_osm_data_error_subclass() -> None:
    # The CLI and the dashboard catch InputFileError for "this file is unusable".
    assert issubclass(OsmDataError, InputFileError)
    assert issubclass(InputFileError, LifecircleError)
    assert issubclass(InputFileError, ValueError)
