"""The stated limits (``geo.limits``), user patterns and plausibility, each at its edge.

Oracles: the file system's own kinds (a FIFO, ``/dev/zero``), byte counts of files the
test writes, Python's own parser for what is valid JSON, pyproj's geodesic distance for
how far a point lies outside a box, and the textbook shapes of catastrophic patterns.
"""

from __future__ import annotations

import bz2
import json
import os
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import LineString, box

from geo.errors import InputFileError, TaxonomyError
from geo.inputs.plausibility import distance_outside_m, geometry_problem
from geo.inputs.tables import read_table
from geo.limits import Limits, checked_file, parse_json_text, read_limited_bytes
from geo.osm.reader import read_osm_file
from geo.standards.patterns import compile_user_pattern
from geo.standards.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from tests.hostile_files import grid_osm

LUJIAZUI = (121.487, 31.224, 121.513, 31.246)
GEOD = Geod(ellps="WGS84")


def test_folders_devices_and_pipes_are_refused_before_they_are_opened(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # opening it for reading would block forever
    for path, words in (
        (pipe, "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "is a folder"),
        (tmp_path / "missing.csv", "not found"),
    ):
        with pytest.raises(InputFileError, match=words) as info:
            checked_file(path, max_bytes=10)
        assert str(tmp_path) not in str(info.value)  # the name, never the server's folder


def test_the_byte_limit_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"x" * 100)
    assert read_limited_bytes(path, max_bytes=100) == b"x" * 100
    with pytest.raises(InputFileError, match="over the limit"):
        read_limited_bytes(path, max_bytes=99)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"revision": ' + "9" * 5_000 + "}", "thousands of digits"),
        ('{"revision": Infinity}', "Infinity is not a number"),
        ("[NaN]", "NaN is not a number"),
        ('{"a": 1', "not valid JSON"),
    ],
    ids=["deep", "huge-int", "infinity", "nan", "truncated"],
)
def test_json_fails_only_as_the_typed_error(text: str, words: str) -> None:
    with pytest.raises(InputFileError, match=words):
        parse_json_text(text, name="x.geojson")


def test_valid_json_is_what_python_reads() -> None:
    text = json.dumps({"a": [1, 2.5, "三"], "b": None})
    assert parse_json_text(text, name="x.json") == json.loads(text)


def test_a_million_row_csv_and_a_100k_feature_geojson_are_refused_at_once(
    tmp_path: Path,
) -> None:
    assert Limits().max_rows < 100_000
    csv_path = tmp_path / "survey.csv"
    csv_path.write_bytes(b"id,lon,lat\n" + b"1,121.5,31.23\n" * 1_000_000)
    with pytest.raises(InputFileError, match="more than 50,000 rows"):
        read_table(csv_path)
    feature = {"type": "Feature", "properties": {}, "geometry": None}
    geojson = tmp_path / "survey.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [feature] * 100_000}))
    with pytest.raises(InputFileError, match="more than 50,000 features"):
        read_table(geojson)


def test_rows_just_under_the_limit_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,lon,lat\n" + "1,121.5,31.23\n" * 20)
    assert len(read_table(path, limits=Limits(max_rows=20))) == 20
    with pytest.raises(InputFileError):
        read_table(path, limits=Limits(max_rows=19))


def test_a_bz2_bomb_stops_at_the_byte_limit(tmp_path: Path) -> None:
    good = grid_osm()
    bomb = tmp_path / "bomb.osm.bz2"
    bomb.write_bytes(bz2.compress(good.replace("</osm>", " " * (3 << 20) + "</osm>").encode()))
    assert bomb.stat().st_size < 10_000
    tags = load_taxonomy().osm_query_tags()
    with pytest.raises(InputFileError, match="expands to more than 2 MB"):
        read_osm_file(bomb, feature_tags=tags, limits=Limits(max_osm_bytes=2 << 20))
    # Under the limit, the same file reads, and to the same network as the plain XML.
    _, raw = read_osm_file(bomb, feature_tags=tags, limits=Limits(max_osm_bytes=8 << 20))
    plain = tmp_path / "plain.osm"
    plain.write_text(good)
    _, expected = read_osm_file(plain, feature_tags=tags)
    assert raw.ways.n_pairs == expected.ways.n_pairs > 0


def test_ways_over_the_node_limit_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "grid.osm"
    path.write_text(grid_osm())  # 10 ways of 9 nodes, 9 ways of 10 nodes
    tags = load_taxonomy().osm_query_tags()
    _, raw = read_osm_file(path, feature_tags=tags, limits=Limits(max_way_nodes=9))
    assert raw.repairs["ways_too_long"] == 9
    assert raw.walkable_ways == 10


@pytest.mark.parametrize("expr", ["^(a+)+$", "^(a|aa)*$", r"(\w*)*", "(x+x+)+y", r"(a)\1"])
def test_patterns_that_can_backtrack_without_bound_are_refused(expr: str) -> None:
    with pytest.raises(TaxonomyError, match=r"exponential|back-reference"):
        compile_user_pattern(expr, where="test", max_chars=200)


@pytest.mark.parametrize("expr", [".", "卫生服务中心|社区医院", "^(ab)+$", "x*y*z*", "(a|b){2,5}"])
def test_ordinary_patterns_are_kept(expr: str) -> None:
    assert compile_user_pattern(expr, where="test", max_chars=200).pattern == expr


def test_the_bundled_taxonomy_passes_the_pattern_check() -> None:
    assert load_taxonomy(DEFAULT_TAXONOMY_PATH).categories


def test_distance_outside_the_box_matches_the_geodesic() -> None:
    _, south, east, north = LUJIAZUI
    lat = (south + north) / 2
    for lon in (east + 0.01, east + 0.1):
        _, _, expected = GEOD.inv(east, lat, lon, lat)
        got = float(distance_outside_m([lon], [lat], LUJIAZUI)[0])
        assert got == pytest.approx(expected, rel=0.005)
    assert float(distance_outside_m([121.5], [31.23], LUJIAZUI)[0]) == 0.0
    assert float(distance_outside_m([float("nan")], [31.23], LUJIAZUI)[0]) == float("inf")


def test_shapes_far_away_or_larger_than_the_district_are_named() -> None:
    kwargs = {"margin_m": 1000.0, "title": "Lujiazui"}
    assert (
        geometry_problem(LineString([(121.5, 31.23), (121.501, 31.231)]), LUJIAZUI, **kwargs)
        is None
    )
    far = geometry_problem(LineString([(116.40, 39.90), (116.41, 39.91)]), LUJIAZUI, **kwargs)
    assert far is not None and "km outside" in far
    huge = geometry_problem(box(100, 20, 130, 45), LUJIAZUI, **kwargs)
    assert huge is not None and "larger than the district" in huge


def test_a_pbf_with_a_million_node_way_is_refused_by_the_node_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import osmium

    from lifecircle.cli.main import main

    path = tmp_path / "long.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    for i in range(1, 4):
        writer.add_node(osmium.osm.mutable.Node(id=i, location=(121.5 + i * 0.001, 31.23)))
    nodes = list(range(1, 1_000_001))
    writer.add_way(osmium.osm.mutable.Way(id=1, nodes=nodes, tags={"highway": "footway"}))
    writer.close()
    assert path.stat().st_size < 40_000  # delta-coded: a few kilobytes
    assert main(["prepare", str(path), "--no-cache", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "lifecircle: error: long.osm.pbf: its only walkable ways have more than 2,000 nodes "
        "(OSM's own limit is 2,000; see 'Limits' in the README)"
    ]
