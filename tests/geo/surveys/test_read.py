"""Tests for geo.surveys.read: formats, encodings, columns, options, fuzzing, the sample."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geo.access.analysis import Analysis
from geo.district.model import District
from geo.errors import CoordinateError, InputFileError
from geo.inputs.coords import CoordSystem
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import PRIORITY_COLUMNS, rank_priorities
from geo.surveys.result import RESPONSE_COLUMNS, SurveyResult
from geo.surveys.tables import clean_table
from tests.geo.surveys.survey_files import (
    HEADERS,
    SAMPLE,
    distance_m,
    in_system,
    sample_bad_rows,
    survey,
    write_csv,
    write_geojson,
    write_xlsx,
)

# --------------------------------------------------------------------------------------
# Coordinates, encodings and formats
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("system", [CoordSystem.GCJ02, CoordSystem.BD09])
def test_gbk_survey_in_chinese_map_coordinates_lands_within_2_m(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    system: CoordSystem,
) -> None:
    truth = home_points[:25]
    rows = []
    for i, (lon, lat) in enumerate(truth, start=1):
        x, y = in_system(lon, lat, system)
        rows.append([f"Q{i:03d}", "", x, y, "买菜", "5", f"第{i}条意见", "45-59岁"])
    path = write_csv(tmp_path / "问卷.csv", rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    result = survey(path, lujiazui, taxonomy, crs=system)

    assert result.rejected == []
    responses = result.responses
    assert list(responses.columns) == list(RESPONSE_COLUMNS)
    assert responses.crs is not None and responses.crs.to_epsg() == 4326
    assert responses["row"].tolist() == list(range(2, 2 + len(truth)))
    errors = [
        distance_m(lon, lat, got_lon, got_lat)
        for (lon, lat), got_lon, got_lat in zip(
            truth, responses["lon"], responses["lat"], strict=True
        )
    ]
    assert max(errors) < 2.0
    assert responses.geometry.x.tolist() == pytest.approx(responses["lon"].tolist())
    assert responses.geometry.y.tolist() == pytest.approx(responses["lat"].tolist())
    assert set(responses["located_by"]) == {"coordinates"}
    # Read as WGS-84 the same file is hundreds of metres off: the conversion happened.
    raw = survey(path, lujiazui, taxonomy, crs="wgs84").responses
    off = [
        distance_m(truth[row - 2][0], truth[row - 2][1], got_lon, got_lat)
        for row, got_lon, got_lat in zip(raw["row"], raw["lon"], raw["lat"], strict=True)
    ]
    assert off and min(off) > 100.0


def _reference_rows(points: Sequence[tuple[float, float]]) -> list[list[object]]:
    (lon1, lat1), (lon2, lat2) = (f"{v:.7f}" for v in points[0]), (f"{v:.7f}" for v in points[1])
    return [
        ["A1", "", lon1, lat1, "老年食堂", "5", "希望有助餐点", "60岁及以上"],
        ["A2", "", lon2, lat2, "买菜、药店", "3", "菜场太远，买药也难", "30-44岁"],
        ["A3", "东园一村", "", "", "公厕", "4", 'say "厕所", please', "18-29岁"],
    ]


def _assert_reference(result: SurveyResult, points: Sequence[tuple[float, float]]) -> None:
    assert result.rejected == []
    responses = result.responses
    assert responses["row"].tolist() == [2, 3, 3, 4]
    assert responses["respondent"].tolist() == ["A1", "A2", "A2", "A3"]
    assert responses["category"].tolist() == ["canteen", "food_market", "pharmacy", "toilet"]
    assert responses["score"].tolist() == [5.0, 3.0, 3.0, 4.0]
    assert responses["need"].tolist() == pytest.approx([1.0, 0.5, 0.5, 0.75])
    assert responses["comment"].tolist() == [
        "希望有助餐点", "菜场太远，买药也难", "菜场太远，买药也难", 'say "厕所", please',
    ]  # fmt: skip
    assert responses["located_by"].tolist() == ["coordinates", "coordinates", "coordinates", "name"]
    assert responses["compound"].tolist() == ["", "", "", "东园一村"]
    for (lon, lat), got_lon, got_lat in zip(
        points, responses["lon"].iloc[:2], responses["lat"].iloc[:2], strict=True
    ):
        assert distance_m(lon, lat, got_lon, got_lat) < 0.05


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_common_encoding(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    encoding: str,
) -> None:
    points = home_points[:2]
    path = write_csv(tmp_path / "survey.csv", _reference_rows(points), encoding=encoding)
    _assert_reference(survey(path, lujiazui, taxonomy), points)


def test_xlsx_survey(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    points = home_points[:2]
    rows = [
        [row[0], row[1] or None, float(str(row[2])) if row[2] else None,
         float(str(row[3])) if row[3] else None, row[4], int(str(row[5])), row[6], row[7]]
        for row in _reference_rows(points)
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "survey.xlsx", rows)
    _assert_reference(survey(path, lujiazui, taxonomy), points)


def test_geojson_survey(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    points = home_points[:2]
    features = []
    for row in _reference_rows(points):
        geometry = (
            {"type": "Point", "coordinates": [float(str(row[2])), float(str(row[3]))]}
            if row[2]
            else None
        )
        properties = dict(zip(["编号", "小区", "需求类别", "意见", "年龄段"],
                              [row[0], row[1], row[4], row[6], row[7]], strict=True))  # fmt: skip
        properties["优先级"] = int(str(row[5]))
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    path = write_geojson(tmp_path / "survey.geojson", features)
    _assert_reference(survey(path, lujiazui, taxonomy), points)


def test_english_headers_and_extra_columns_are_kept(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    lon, lat = home_points[0]
    headers = ["Respondent", "Longitude", "Latitude", "Need", "Priority (1-5)", "Comments",
               "Age band", "Phone (ignored)"]  # fmt: skip
    rows = [["r-1", lon, lat, "elderly canteen", "5", "near the gate please", "60+", "138xxxx"]]
    path = write_csv(tmp_path / "en.csv", rows, headers=headers)

    result = survey(path, lujiazui, taxonomy)

    assert result.rejected == []
    assert result.columns == {
        "respondent": "Respondent", "category": "Need", "score": "Priority (1-5)",
        "comment": "Comments", "group": "Age band", "lon": "Longitude", "lat": "Latitude",
    }  # fmt: skip
    response = result.responses.iloc[0]
    assert response["category"] == "canteen"
    assert response["group"] == "60+"
    assert response["extra"]["Phone (ignored)"] == "138xxxx"
    assert list(response["extra"]) == headers


def test_comments_are_kept_exactly(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    comments = [
        "<script>alert('x')</script>",
        'say "hi", then leave',
        "第一行\n第二行",
        "  前后有空格  ",
        "=1+2 &amp; <b>粗体</b>",
    ]
    rows = [
        [f"C{i}", "", home_points[i][0], home_points[i][1], "养老", 3, comment, ""]
        for i, comment in enumerate(comments)
    ]
    csv_result = survey(write_csv(tmp_path / "c.csv", rows), lujiazui, taxonomy)
    kept = csv_result.responses["comment"].tolist()
    # An unquoted CSV cell loses its leading spaces to the reader, as in Excel.
    assert kept == [*comments[:3], comments[3].lstrip(), comments[4]]
    # Excel keeps every character (a cell starting with "=" would be a formula there).
    xlsx_rows = [row for row, comment in zip(rows, comments, strict=True) if comment[0] != "="]
    xlsx_result = survey(write_xlsx(tmp_path / "c.xlsx", xlsx_rows), lujiazui, taxonomy)
    assert xlsx_result.responses["comment"].tolist() == comments[:4]


# --------------------------------------------------------------------------------------
# Columns and options
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (["编号", "经度", "纬度", "优先级"],
         ["category (需求类别)", "需求类别", "Columns found: 编号, 经度"]),
        (["编号", "需求类别", "优先级"],
         ["location (经度/纬度 or 小区)", "经度", "纬度", "小区", "longitude"]),
        (["需求类别", "经度"], ["location (纬度 latitude)", "纬度"]),
        (["问题1", "问题2"], ["category", "location", "Columns found: 问题1, 问题2"]),
    ],
)  # fmt: skip
def test_missing_columns_are_named_with_the_accepted_headers(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    headers: list[str],
    words: list[str],
) -> None:
    path = write_csv(tmp_path / "cols.csv", [["x"] * len(headers)], headers=headers)
    with pytest.raises(InputFileError) as caught:
        survey(path, lujiazui, taxonomy)
    message = str(caught.value)
    assert "cols.csv lacks the column(s)" in message
    for word in words:
        assert word in message


def test_header_only_file_is_an_error(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy
) -> None:
    path = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(InputFileError, match="no responses"):
        survey(path, lujiazui, taxonomy)


def test_compound_name_column_alone_is_enough(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy
) -> None:
    path = write_csv(tmp_path / "n.csv", [["菊园", "养老"]], headers=["小区名称", "需求"])
    result = survey(path, lujiazui, taxonomy)
    assert result.rejected == []
    assert result.responses["compound"].tolist() == ["菊园"]
    assert np.isnan(result.responses["score"].iloc[0])
    assert result.responses["need"].tolist() == [1.0]


def test_bad_options_are_refused(tmp_path: Path, lujiazui: District, taxonomy: Taxonomy) -> None:
    path = write_csv(tmp_path / "n.csv", [["菊园", "养老"]], headers=["小区", "需求"])
    with pytest.raises(ValueError, match="score_kind"):
        survey(path, lujiazui, taxonomy, score_kind="urgency")
    with pytest.raises(ValueError, match="score_range"):
        survey(path, lujiazui, taxonomy, score_range=(5.0, 1.0))
    with pytest.raises(CoordinateError, match="coordinate system"):
        survey(path, lujiazui, taxonomy, crs="mercator")


# --------------------------------------------------------------------------------------
# Fuzzing: nothing crashes, every row is either accepted or reported
# --------------------------------------------------------------------------------------

NASTY_CELLS = [
    "", " ", "0", "-0", "1e309", "nan", "NaN", "inf", "-inf", "None", "null", "121.5", "31.23",
    "121.505", "31.235", "31.23,121.5", "１２１．５０５", "121.505°", "９", "😀", "\u200b",
    "东园一村", "东园", "菊园小区", "养老", "elderly canteen", "买菜、药店", "未知",
    "<script>x</script>",
    "'; DROP TABLE x;--", '"', "a\nb", "x" * 300, "5", "3.5", "-1", "1e5", "0x10", "TRUE",
    "=1+1", "，", "、", "┋", "/", "LJZ-0001", "1", "2",
]  # fmt: skip
FUZZ_HEADERS = [*HEADERS, "lon", "lat", "need", "score", "satisfaction", "remarks", "id",
                "location", "note", "", "经度（GCJ-02）", "Unnamed"]  # fmt: skip


def _check_invariants(result: SurveyResult) -> None:
    accepted = set(result.responses["row"].tolist())
    rejected = {p.row for p in result.rejected}
    assert not accepted & rejected
    assert len(accepted | rejected) == result.rows_read
    assert result.report()
    assert len(clean_table(result)) == len(accepted)
    west, south, east, north = 121.487, 31.224, 121.513, 31.246
    assert result.responses["lon"].between(west, east).all()
    assert result.responses["lat"].between(south, north).all()


def _random_table(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    headers = rng.sample(FUZZ_HEADERS, rng.randint(1, 9))
    if rng.random() < 0.1:
        headers.append(headers[0])
    rows = [[rng.choice(NASTY_CELLS) for _ in headers] for _ in range(rng.randint(0, 12))]
    return headers, rows


def test_fuzzed_csv_never_crashes(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, analysis: Analysis
) -> None:
    rng = random.Random(20240601)
    outcomes = {"read": 0, "refused": 0}
    for i in range(150):
        headers, rows = _random_table(rng)
        encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030"])
        path = write_csv(tmp_path / f"f{i}.csv", rows, headers=headers, encoding=encoding)
        crs = rng.choice(["wgs84", "gcj02", "bd09"])
        kind = rng.choice(["priority", "satisfaction"])
        try:
            result = survey(path, lujiazui, taxonomy, crs=crs, score_kind=kind)
        except InputFileError:
            outcomes["refused"] += 1
            continue
        outcomes["read"] += 1
        _check_invariants(result)
        if i % 10 == 0:
            assert list(rank_priorities(analysis, result.responses).columns) == list(
                PRIORITY_COLUMNS
            )
    assert outcomes["read"] > 20 and outcomes["refused"] > 5


def test_fuzzed_xlsx_geojson_and_bytes_never_crash(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy
) -> None:
    rng = random.Random(7)
    typed = [None, 0, 1, 5, 3.5, -1, 121.505, 31.235, 1e300, float("nan"), True, "养老", "菊园",
             "东园", "", "  ", "2024-01-01", "买菜、药店", "x" * 100]  # fmt: skip
    geometries: list[Any] = [
        None, {"type": "Point", "coordinates": [121.505, 31.235]},
        {"type": "Point", "coordinates": [31.235, 121.505]}, {"type": "Point", "coordinates": []},
        {"type": "Point", "coordinates": ["a", "b"]},
        {"type": "LineString", "coordinates": [[0, 0]]},
        {"type": "Polygon", "coordinates": [[[121.50, 31.23], [121.51, 31.23], [121.51, 31.24],
                                             [121.50, 31.23]]]},
        {"type": "Banana"}, "nonsense",
    ]  # fmt: skip
    for i in range(40):
        headers, _ = _random_table(rng)
        headers = list(dict.fromkeys(h for h in headers if h)) or ["需求"]
        rows = [[rng.choice(typed) for _ in headers] for _ in range(rng.randint(0, 8))]
        xlsx = write_xlsx(tmp_path / f"x{i}.xlsx", rows, headers=headers)
        features = [
            {"type": "Feature", "geometry": rng.choice(geometries),
             "properties": {h: rng.choice(typed) for h in headers}}
            for _ in range(rng.randint(0, 8))
        ]  # fmt: skip
        geojson = tmp_path / f"g{i}.geojson"
        geojson.write_text(json.dumps(features if i % 7 == 0 else {
            "type": "FeatureCollection", "features": features}), encoding="utf-8")  # fmt: skip
        junk = tmp_path / f"j{i}.csv"
        junk.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(0, 400))))
        for path in (xlsx, geojson, junk):
            try:
                result = survey(path, lujiazui, taxonomy)
            except InputFileError:
                continue
            _check_invariants(result)


# --------------------------------------------------------------------------------------
# The bundled sample
# --------------------------------------------------------------------------------------

BAD_KIND_REASONS = {
    "swapped coordinates": ("经度/纬度", "latitude and longitude look swapped"),
    "outside the study area": ("经度/纬度", "outside the study area"),
    "unknown category": ("需求类别", "unknown category"),
    "duplicate: same 编号": ("编号", "same respondent id"),
    "duplicate: same place/need/comment": ("经度/纬度/小区/需求类别/意见", "same location"),
    "missing score": ("优先级", "missing score"),
    "score out of range": ("优先级", "score out of range"),
    "score is not a number": ("优先级", "score is not a number"),
    "missing location": ("经度/纬度/小区", "missing location"),
}


def test_sample_is_gbk_gcj02_and_synthetic() -> None:
    data = SAMPLE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert text.splitlines()[0] == "编号,小区,经度,纬度,需求类别,优先级,意见,年龄段,note"
    assert 190 <= len(list(csv.DictReader(io.StringIO(text, newline="")))) <= 210
    readme = SAMPLE.with_name("sample_survey_lujiazui.README.md").read_text("utf-8")
    assert "SYNTHETIC" in readme and "GCJ-02" in readme and "GBK" in readme


def test_sample_rejects_exactly_its_deliberately_bad_rows(
    lujiazui: District, taxonomy: Taxonomy
) -> None:
    bad = sample_bad_rows()
    assert set(bad.values()) == set(BAD_KIND_REASONS)

    result = survey(SAMPLE, lujiazui, taxonomy, crs="gcj02")

    assert {p.row for p in result.rejected} == set(bad)
    assert len(result.rejected) == len(bad)
    for problem in result.rejected:
        column, words = BAD_KIND_REASONS[bad[problem.row]]
        assert problem.column == column
        assert words in problem.reason
    assert result.rows_accepted == result.rows_read - len(bad)
    counts = result.responses["category"].value_counts()
    # Most asked for: food (买菜, 菜场 ...), then elderly day care (养老 ...), medicines; meals
    # for the elderly (助餐) are counted as the canteen item since the taxonomy's split.
    assert counts.index[0] == "food_market"
    assert {"elderly_daycare", "pharmacy", "canteen"} <= set(counts.index[:5])
    assert (result.responses["located_by"] == "name").sum() >= 10
