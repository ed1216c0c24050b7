"""Tests for geo.survey and geo.survey_cli: needs surveys, their checks and the ranking.

Every survey file is written into ``tmp_path`` by the test itself, from known WGS-84
points (homes of the bundled Lujiazui district), except the bundled sample, which is
checked against the rows its ``note`` column marks as deliberately bad. Gap numbers are
checked against plain recounts with loops over the homes.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from openpyxl import Workbook

from geo.access.analysis import Analysis, analyse
from geo.access.homes import select_homes
from geo.district.model import District
from geo.errors import CoordinateError, InputFileError
from geo.inputs.coords import CoordSystem, from_wgs84
from geo.inputs.inventory import RowProblem
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from geo.surveys.compounds import build_compounds
from geo.surveys.priorities import PRIORITY_COLUMNS, rank_priorities
from geo.surveys.read import read_survey
from geo.surveys.result import RESPONSE_COLUMNS, SurveyResult
from geo.surveys.tables import clean_table, priorities_to_csv
from lifecircle.cli.survey import EXIT_BAD_INPUT, EXIT_OK, add_survey_outputs, main, register

GEOD = pyproj.Geod(ellps="WGS84")
REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "data" / "sample_survey_lujiazui.csv"
HEADERS = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见", "年龄段"]
OUTSIDE_WGS84 = (121.4737, 31.2304)  # People's Square, across the river in Puxi
TIMEOUT_S = 300


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# --------------------------------------------------------------------------------------
# Fixtures and file writers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home_points(lujiazui: District) -> list[tuple[float, float]]:
    """WGS-84 points inside residential buildings of Lujiazui, well inside the study area."""
    homes = select_homes(lujiazui.buildings, lujiazui.areas)
    west, south, east, north = lujiazui.meta.bbox
    margin = 0.001
    points = []
    for geometry in homes.geometry:
        point = geometry.representative_point()
        if west + margin < point.x < east - margin and south + margin < point.y < north - margin:
            points.append((round(point.x, 7), round(point.y, 7)))
    assert len(points) >= 30
    return points


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture
def cache_env(
    monkeypatch: pytest.MonkeyPatch, session_settings: Settings, lujiazui: District
) -> dict[str, str]:
    """Point the default cache at the session's (Lujiazui is cached there already)."""
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(session_settings.cache_dir))
    return {
        **os.environ,
        "LIFECIRCLE_CACHE_DIR": str(session_settings.cache_dir),
        "PYTHONIOENCODING": "utf-8",
    }


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    encoding: str = "utf-8",
    headers: Sequence[str] = HEADERS,
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], *, headers: Sequence[str] = HEADERS
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_geojson(path: Path, features: Sequence[Mapping[str, Any]]) -> Path:
    document = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def in_system(lon: float, lat: float, system: CoordSystem) -> tuple[str, str]:
    """Coordinates in ``system`` with 6 decimals, as Amap and Baidu give them."""
    x, y = from_wgs84(lon, lat, target=system)
    return f"{x:.6f}", f"{y:.6f}"


def survey(
    path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    *,
    crs: CoordSystem | str = CoordSystem.WGS84,
    **options: Any,
) -> SurveyResult:
    return read_survey(path, taxonomy=taxonomy, district=lujiazui, coord_system=crs, **options)


def good_row(
    respondent: str, point: tuple[float, float], need: str = "养老", comment: str = "希望有助餐点"
) -> list[object]:
    return [respondent, "", f"{point[0]:.7f}", f"{point[1]:.7f}", need, "4", comment, "60岁及以上"]


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
    assert responses["category"].tolist() == ["elderly_care", "food_market", "pharmacy", "toilet"]
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
    assert response["category"] == "elderly_care"
    assert response["group"] == "60+"
    assert response["extra"]["Phone (ignored)"] == "138xxxx"
    assert list(response["extra"]) == headers


# --------------------------------------------------------------------------------------
# Validation: one bad row at a time
# --------------------------------------------------------------------------------------

BAD_ROWS: dict[str, tuple[dict[str, str], str, str]] = {
    # case: (cells replaced in the middle row, column reported, words of the reason)
    "swapped": (
        {"经度": "{lat}", "纬度": "{lon}"}, "经度/纬度", "latitude and longitude look swapped"
    ),
    "outside-study-area": (
        {"经度": "121.4737", "纬度": "31.2304"}, "经度/纬度", "outside the study area"
    ),
    "unknown-category": ({"需求类别": "停车位"}, "需求类别", "unknown category"),
    "unknown-second-need": ({"需求类别": "养老、停车位"}, "需求类别", "unknown category (停车位)"),
    "missing-category": ({"需求类别": ""}, "需求类别", "missing category"),
    "score-too-high": ({"优先级": "6"}, "优先级", "score out of range"),
    "score-zero": ({"优先级": "0"}, "优先级", "score out of range"),
    "score-not-a-number": ({"优先级": "很急"}, "优先级", "score is not a number"),
    "missing-score": ({"优先级": ""}, "优先级", "missing score"),
    "duplicate-id": ({"编号": "R1"}, "编号", "duplicate response: the same respondent id as row 2"),
    "duplicate-content": (
        {"经度": "{lon0}", "纬度": "{lat0}", "意见": "希望有助餐点"},
        "经度/纬度/小区/需求类别/意见",
        "duplicate response: the same location, category and comment as row 2",
    ),
    "missing-location": (
        {"经度": "", "纬度": "", "小区": ""}, "经度/纬度/小区", "missing location"
    ),
    "longitude-not-a-number": ({"经度": "东经121度"}, "经度", "coordinate is not a number"),
    "missing-latitude": ({"纬度": ""}, "纬度", "missing coordinate"),
    "unknown-compound": ({"经度": "", "纬度": "", "小区": "不存在花园"}, "小区", "no compound"),
    "ambiguous-compound": ({"经度": "", "纬度": "", "小区": "东园"}, "小区", "several compounds"),
    "placeholder-0-0": ({"经度": "0", "纬度": "0"}, "经度/纬度", "placeholder"),
    "latitude-out-of-range": ({"纬度": "95"}, "纬度", "latitude out of range"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_each_bad_row_is_reported_with_its_row_and_column(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    case: str,
) -> None:
    changes, column, reason = BAD_ROWS[case]
    p0, p1, p2 = home_points[:3]
    values = {"lon": f"{p1[0]:.7f}", "lat": f"{p1[1]:.7f}",
              "lon0": f"{p0[0]:.7f}", "lat0": f"{p0[1]:.7f}"}  # fmt: skip
    middle = dict(zip(HEADERS, good_row("R2", p1, comment="买菜太远"), strict=True))
    middle.update({key: text.format(**values) for key, text in changes.items()})
    rows = [good_row("R1", p0), [middle[h] for h in HEADERS], good_row("R3", p2)]
    path = write_csv(tmp_path / "bad.csv", rows, encoding="gbk")

    result = survey(path, lujiazui, taxonomy)

    assert len(result.rejected) == 1, result.report()
    problem = result.rejected[0]
    assert problem.row == 3
    assert problem.column == column
    assert reason in problem.reason
    assert sorted(set(result.responses["row"])) == [2, 4]
    assert result.rows_read == 3 and result.rows_accepted == 2 and result.rows_rejected == 1
    assert f"row 3, column {column}" in result.report()


def test_a_row_with_several_problems_reports_each(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    row = ["R1", "", "", "", "停车位", "99", "", ""]
    path = write_csv(tmp_path / "bad.csv", [good_row("R0", home_points[0]), row])
    result = survey(path, lujiazui, taxonomy)
    assert [(p.row, p.column) for p in result.rejected] == [
        (3, "需求类别"), (3, "优先级"), (3, "经度/纬度/小区"),
    ]  # fmt: skip
    assert all(isinstance(p, RowProblem) for p in result.rejected)


def test_duplicates_keep_the_first_and_spare_neighbours_without_comments(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    rows = [
        # Rejected for its score, so the next row with its id is not a duplicate.
        ["R1", "", *[f"{v:.7f}" for v in home_points[0]], "养老", "9", "x", ""],
        ["R1", "", *[f"{v:.7f}" for v in home_points[0]], "养老", "5", "x", ""],
        # Two neighbours of one compound, same need, nothing written: two people.
        ["R2", "菊园", "", "", "养老", "5", "", ""],
        ["R3", "菊园", "", "", "养老", "5", "", ""],
        # The same words from the same compound: a double submission.
        ["R4", "菊园", "", "", "买菜", "5", "买菜要走很远", ""],
        ["R5", "菊园小区", "", "", "菜场", "4", "买菜要走很远", ""],
    ]
    result = survey(write_csv(tmp_path / "d.csv", rows), lujiazui, taxonomy)
    assert [(p.row, p.reason.split(":")[0]) for p in result.rejected] == [
        (2, "score out of range"), (7, "duplicate response"),
    ]  # fmt: skip
    assert "as row 6" in result.rejected[1].reason
    assert sorted(set(result.responses["row"])) == [3, 4, 5, 6]


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
# Columns
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


# --------------------------------------------------------------------------------------
# Compounds and categories
# --------------------------------------------------------------------------------------


def _area_polygon(district: District, name: str) -> Any:
    areas = district.areas
    parts = areas[(areas["kind"] == "residential") & (areas["name"] == name)].geometry
    return shapely.union_all(list(parts))


@pytest.mark.parametrize(
    ("written", "compound"),
    [
        ("东园一村", "东园一村"),
        ("东园一村小区", "东园一村"),
        ("浦东新区 东园一村", "东园一村"),
        ("东园 一村", "东园一村"),
        ("招远", "招远小区"),
        ("世贸滨江花园北区", "世贸滨江花园-北区"),
        ("中粮海景壹号", "中粮·海景壹号"),
        ("海景壹号", "中粮·海景壹号"),
        ("ＪＵ园", None),
    ],
)
def test_compound_names_locate_responses(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, written: str, compound: str | None
) -> None:
    path = write_csv(tmp_path / "n.csv", [["N1", written, "", "", "养老", "5", "", ""]])
    result = survey(path, lujiazui, taxonomy)
    if compound is None:
        assert [p.column for p in result.rejected] == ["小区"]
        return
    assert result.rejected == []
    response = result.responses.iloc[0]
    assert response["compound"] == compound
    assert response["location_name"] == written
    assert response["located_by"] == "name"
    polygon = _area_polygon(lujiazui, compound)
    assert polygon.contains(shapely.Point(response["lon"], response["lat"]))


def test_named_residential_buildings_are_compounds_too(lujiazui: District) -> None:
    compounds = build_compounds(lujiazui)
    assert list(compounds.columns) == ["name", "kind", "parent", "lon", "lat", "geometry"]
    buildings = compounds[compounds["kind"] == "building"].set_index("name")
    assert buildings.loc["瑞苑公寓", "parent"] == ""
    assert buildings.loc["29 - 30 phase Ⅱ", "parent"] == "仁恒滨江园"
    west, south, east, north = lujiazui.meta.bbox
    assert compounds["lon"].between(west, east).all()
    assert compounds["lat"].between(south, north).all()
    assert compounds["name"].is_unique


@pytest.mark.parametrize(
    "written",
    ["养老", "老年食堂", "elderly canteen", "Elderly Care", "elderly_care", "养老服务", "长者食堂",
     "助餐点"],
)  # fmt: skip
def test_category_synonyms(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    written: str,
) -> None:
    path = write_csv(tmp_path / "s.csv", [good_row("S1", home_points[0], need=written)])
    result = survey(path, lujiazui, taxonomy)
    assert result.responses["category"].tolist() == ["elderly_care"]


@pytest.mark.parametrize(
    ("written", "categories"),
    [
        ("买菜、药店", ["food_market", "pharmacy"]),
        ("养老┋买菜┋养老院", ["elderly_care", "food_market"]),
        ("托育/幼儿园", ["childcare"]),
        ("公厕; 买药", ["toilet", "pharmacy"]),
    ],
)
def test_several_needs_in_one_cell(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    written: str,
    categories: list[str],
) -> None:
    path = write_csv(tmp_path / "m.csv", [good_row("M1", home_points[0], need=written)])
    result = survey(path, lujiazui, taxonomy)
    assert result.responses["category"].tolist() == categories
    assert set(result.responses["row"]) == {2}
    assert result.rows_accepted == 1


@pytest.mark.parametrize(
    ("kind", "scale", "scores", "needs"),
    [
        ("priority", (1.0, 5.0), ["1", "3", "5", "4.5"], [0.0, 0.5, 1.0, 0.875]),
        ("satisfaction", (1.0, 5.0), ["1", "3", "5", "2"], [1.0, 0.5, 0.0, 0.75]),
        ("priority", (0.0, 10.0), ["0", "7", "10", "２"], [0.0, 0.7, 1.0, 0.2]),
        ("satisfaction", (1.0, 10.0), ["10分", "1", "4", "7"], [0.0, 1.0, 2 / 3, 1 / 3]),
    ],
)
def test_scores_become_need(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    kind: str,
    scale: tuple[float, float],
    scores: list[str],
    needs: list[float],
) -> None:
    rows = []
    for i, score in enumerate(scores):
        row = good_row(f"S{i}", home_points[i])
        row[5] = score
        rows.append(row)
    path = write_csv(tmp_path / "s.csv", rows)
    result = survey(path, lujiazui, taxonomy, score_kind=kind, score_range=scale)
    assert result.rejected == []
    assert result.responses["need"].tolist() == pytest.approx(needs)
    assert result.responses.attrs["score_kind"] == kind


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
# Ranking
# --------------------------------------------------------------------------------------


def _plain_hexagon_gaps(
    homes: pd.DataFrame, served: np.ndarray, categories: Sequence[str], resolution: int = 9
) -> dict[tuple[str, str], float]:
    gaps: dict[tuple[str, str], float] = {}
    for h, (lon, lat, population) in enumerate(
        zip(homes["lon"], homes["lat"], homes["population"], strict=True)
    ):
        cell = h3.latlng_to_cell(float(lat), float(lon), resolution)
        for c, category in enumerate(categories):
            if not served[c, h]:
                gaps[(cell, category)] = gaps.get((cell, category), 0.0) + float(population)
    return gaps


def test_stated_need_on_a_real_gap_ranks_first(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    # Three homes in three hexagons, 100 residents each. For elderly care: A and C are
    # not served, B is. Residents ask in A and B, nobody in C. Every other category
    # serves everyone.
    chosen: list[int] = []
    cells: set[str] = set()
    for i, (lon, lat) in enumerate(zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)):
        cell = h3.latlng_to_cell(float(lat), float(lon), 9)
        if cell not in cells:
            chosen.append(i)
            cells.add(cell)
        if len(chosen) == 3:
            break
    homes = analysis.homes.iloc[chosen].reset_index(drop=True).copy()
    homes["population"] = 100.0
    categories = list(analysis.categories)
    elderly = categories.index("elderly_care")
    served = np.ones((len(categories), 3), dtype=bool)
    served[elderly] = [False, True, False]
    controlled = dataclasses.replace(analysis, homes=homes, served=served)

    rows = []
    for home, label in ((0, "A"), (1, "B")):
        lon, lat = float(homes["lon"][home]), float(homes["lat"][home])
        for k, score in enumerate(("5", "4", "5")):
            rows.append([f"{label}{k}", "", f"{lon:.7f}", f"{lat:.7f}", "养老", score, "", ""])
    responses = survey(write_csv(tmp_path / "r.csv", rows), lujiazui, taxonomy).responses

    ranked = rank_priorities(controlled, responses)

    assert list(ranked.columns) == list(PRIORITY_COLUMNS)
    cell = [h3.latlng_to_cell(float(lat), float(lon), 9)
            for lon, lat in zip(homes["lon"], homes["lat"], strict=True)]  # fmt: skip
    by_unit = ranked.set_index("unit")
    assert ranked["unit"].tolist() == [cell[0], cell[2], cell[1]]  # A, then C, then B
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert set(ranked["category"]) == {"elderly_care"}
    plain = _plain_hexagon_gaps(homes, served, categories)
    for unit in cell:
        assert by_unit.loc[unit, "residents_not_served"] == pytest.approx(
            plain.get((unit, "elderly_care"), 0.0)
        )
    assert by_unit.loc[cell[0], "requests"] == 3 and by_unit.loc[cell[2], "requests"] == 0
    assert by_unit.loc[cell[0], "mean_need"] == pytest.approx((1.0 + 0.75 + 1.0) / 3, abs=1e-3)
    assert by_unit.loc[cell[0], "score"] == pytest.approx(1.0)
    assert by_unit.loc[cell[2], "score"] == pytest.approx(0.25)
    assert by_unit.loc[cell[1], "score"] == 0.0
    assert by_unit.loc[cell[0], "reasons"].startswith(
        "3 requests for elderly care (mean priority 4.7/5); 100 of 100 residents not served "
        "within 5 min (300 m) | 养老服务需求3条"
    )
    assert "no requests" in by_unit.loc[cell[2], "reasons"]
    assert "all 100 residents served" in by_unit.loc[cell[1], "reasons"]
    lat0, lon0 = h3.cell_to_latlng(cell[0])
    assert by_unit.loc[cell[0], "lon"] == pytest.approx(lon0, abs=1e-6)
    assert by_unit.loc[cell[0], "lat"] == pytest.approx(lat0, abs=1e-6)


def test_hexagon_ranking_of_the_sample_matches_a_plain_recount(
    analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    responses = survey(SAMPLE, lujiazui, taxonomy, crs="gcj02").responses
    ranked = rank_priorities(analysis, responses)
    categories = list(analysis.categories)

    gaps = _plain_hexagon_gaps(analysis.homes, analysis.served, categories)
    requests: dict[tuple[str, str], int] = {}
    for lon, lat, category in zip(
        responses["lon"], responses["lat"], responses["category"], strict=True
    ):
        key = (h3.latlng_to_cell(float(lat), float(lon), 9), str(category))
        requests[key] = requests.get(key, 0) + 1
    expected = {key for key, gap in gaps.items() if gap > 0} | set(requests)
    got = {
        (str(record["unit"]), str(record["category"])): record
        for record in ranked.to_dict("records")
    }

    assert set(got) == expected
    for key, row in got.items():
        assert row["residents_not_served"] == pytest.approx(gaps.get(key, 0.0), abs=0.06)
        assert row["requests"] == requests.get(key, 0)
    assert ranked["score"].is_monotonic_decreasing
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    # Need without a gap scores nothing; the first rows have both.
    assert (ranked.loc[ranked["residents_not_served"] == 0, "score"] == 0).all()
    top = ranked.iloc[0]
    assert top["requests"] > 0 and top["residents_not_served"] > 0
    # Stated need on a gap always beats the same gap unvoiced.
    both = ranked[(ranked["requests"] > 0) & (ranked["residents_not_served"] > 0)]
    alone = ranked[(ranked["requests"] == 0) & (ranked["residents_not_served"] > 0)]
    assert both["score"].max() > alone["score"].max()


def test_compound_ranking_matches_a_plain_recount(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    asked = {"东园一村": 4, "菊园": 2, "三航小区": 1}
    rows = [
        [f"{name}-{k}", name, "", "", "药店", "5", "", ""]
        for name, count in asked.items()
        for k in range(count)
    ]
    rows.append(["bldg", "29 - 30 phase Ⅱ", "", "", "药店", "5", "", ""])  # in 仁恒滨江园
    responses = survey(write_csv(tmp_path / "c.csv", rows), lujiazui, taxonomy).responses

    ranked = rank_priorities(analysis, responses, by="compound")

    pharmacy = ranked[ranked["category"] == "pharmacy"].set_index("unit")
    assert pharmacy.loc["东园一村", "requests"] == 4
    assert pharmacy.loc["菊园", "requests"] == 2
    assert pharmacy.loc["仁恒滨江园", "requests"] == 1
    assert "29 - 30 phase Ⅱ" not in pharmacy.index
    # Plain recount over named residential areas: each home in the smallest area
    # containing its point.
    west, south, east, north = lujiazui.meta.bbox
    study = shapely.box(west, south, east, north)
    areas = lujiazui.areas[
        (lujiazui.areas["kind"] == "residential") & (lujiazui.areas["name"] != "")
    ]
    polygons = {
        name: shapely.union_all(list(group.geometry)).intersection(study)
        for name, group in areas.groupby("name")
    }
    row = list(analysis.categories).index("pharmacy")
    totals: dict[str, float] = {}
    for h, (lon, lat) in enumerate(zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)):
        point = shapely.Point(lon, lat)
        inside = sorted(
            (poly.area, name) for name, poly in polygons.items() if poly.contains(point)
        )
        if inside and not analysis.served[row, h]:
            name = inside[0][1]
            totals[name] = totals.get(name, 0.0) + float(analysis.homes["population"][h])
    assert totals
    for name, total in totals.items():
        assert pharmacy.loc[name, "residents_not_served"] == pytest.approx(total, abs=0.06)
    first = ranked.iloc[0]
    assert first["category"] == "pharmacy" and first["requests"] > 0
    assert compound_centre_inside(lujiazui, ranked)


def compound_centre_inside(district: District, ranked: pd.DataFrame) -> bool:
    compounds = build_compounds(district).set_index("name")
    for unit, lon, lat in zip(ranked["unit"], ranked["lon"], ranked["lat"], strict=True):
        if not compounds.loc[unit, "geometry"].contains(shapely.Point(lon, lat)):
            return False
    return True


def test_ranking_rejects_bad_arguments(analysis: Analysis) -> None:
    empty = gpd.GeoDataFrame({"lon": [], "lat": [], "category": [], "need": [], "score": []},
                             geometry=[], crs="EPSG:4326")  # fmt: skip
    with pytest.raises(ValueError, match="by must be"):
        rank_priorities(analysis, empty, by="district")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resolution"):
        rank_priorities(analysis, empty, resolution=16)
    gaps_only = rank_priorities(analysis, empty)
    assert (gaps_only["requests"] == 0).all() and (gaps_only["residents_not_served"] > 0).all()


def test_priorities_csv_opens_in_excel(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    responses = survey(SAMPLE, lujiazui, taxonomy, crs="gcj02").responses
    ranked = rank_priorities(analysis, responses, by="compound")
    path = priorities_to_csv(ranked, tmp_path / "priorities.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == list(PRIORITY_COLUMNS)
    assert back["unit"].tolist() == ranked["unit"].tolist()
    assert back["reasons"].tolist() == ranked["reasons"].tolist()
    with pytest.raises(InputFileError, match="does not exist"):
        priorities_to_csv(ranked, tmp_path / "missing" / "p.csv")


def test_add_survey_outputs(tmp_path: Path, analysis: Analysis) -> None:
    paths = add_survey_outputs(analysis, SAMPLE, coord_system="gcj02", out_dir=tmp_path / "out")
    assert set(paths) == {"priorities", "survey_rejected", "survey_report"}
    priorities = pd.read_csv(paths["priorities"], encoding="utf-8-sig")
    assert list(priorities.columns) == list(PRIORITY_COLUMNS)
    assert len(priorities) > 0
    rejected = pd.read_csv(paths["survey_rejected"], encoding="utf-8-sig")
    assert list(rejected.columns) == ["row", "column", "value", "reason"]
    assert len(rejected) == len(sample_bad_rows())
    assert "rejected 拒绝: 9" in paths["survey_report"].read_text("utf-8")


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


def sample_bad_rows() -> dict[int, str]:
    """Excel row -> what the ``note`` column says is deliberately wrong there."""
    text = SAMPLE.read_bytes().decode("gbk")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    bad = {}
    for index, record in enumerate(reader):
        note = record["note"]
        assert "synthetic" in note and "合成示例数据" in note
        if "deliberate error: " in note:
            bad[index + 2] = note.split("deliberate error: ")[1].split(" ", 1)[1]
    return bad


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
    assert counts.index[0] == "elderly_care"
    assert {"food_market", "pharmacy", "toilet"} <= set(counts.index[:5])
    assert (result.responses["located_by"] == "name").sum() >= 10


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _entry_module() -> str:
    """``lifecircle.cli`` once ``survey`` is wired into it, else this module's own runner."""
    from lifecircle.cli.main import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and "survey" in action.choices:
            return "lifecircle.cli"
    return "lifecircle.cli.survey"


def run_cli(
    args: Sequence[str], *, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", _entry_module(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_cli_check_writes_clean_rows_in_wgs84(
    tmp_path: Path,
    cache_env: dict[str, str],
    lujiazui: District,
    home_points: list[tuple[float, float]],
) -> None:
    truth = home_points[:6]
    rows = []
    for i, (lon, lat) in enumerate(truth):
        x, y = in_system(lon, lat, CoordSystem.GCJ02)
        need = "买菜、药店" if i == 1 else "公厕"
        compound = "东园一村" if i == 0 else ""
        rows.append([f"K{i}", compound, x, y, need, str(1 + i % 5), f'意见 "{i}", <b>ok</b>', ""])
    rows.append(["K9", "", "31.23", "121.50", "养老", "5", "swapped", ""])
    rows.append(["K10", "菊园", "", "", "养老", "5", "by name", ""])
    path = write_csv(tmp_path / "调查.csv", rows, encoding="gbk")
    clean = tmp_path / "clean.csv"

    run = run_cli(["survey", "check", str(path), "--crs", "gcj02", "--out", str(clean)],
                  env=cache_env, cwd=tmp_path)  # fmt: skip

    assert run.returncode == EXIT_OK, run.stderr
    assert "rows read 读取: 8; accepted 接受: 7; rejected 拒绝: 1" in run.stdout
    assert (
        "row 8, column 经度/纬度 ('31.23, 121.50'): latitude and longitude look swapped"
        in run.stdout
    )
    assert clean.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(clean, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == [*HEADERS, "lon", "lat", "category_id"]
    assert table["编号"].tolist() == ["K0", "K1", "K2", "K3", "K4", "K5", "K10"]
    assert table["意见"].tolist()[:6] == [f'意见 "{i}", <b>ok</b>' for i in range(6)]
    assert table["需求类别"].tolist()[1] == "买菜、药店"
    assert table["category_id"].tolist()[:2] == ["toilet", "food_market;pharmacy"]
    for (lon, lat), record in zip(truth, table.to_dict("records"), strict=False):
        assert distance_m(lon, lat, float(record["lon"]), float(record["lat"])) < 2.0
        assert record["经度"] == record["lon"] and record["纬度"] == record["lat"]
    by_name = table.iloc[-1]
    assert by_name["小区"] == "菊园"
    juyuan = _area_polygon(lujiazui, "菊园")
    assert juyuan.contains(shapely.Point(float(by_name["经度"]), float(by_name["纬度"])))


def test_cli_exit_status_2_when_nothing_is_accepted_or_the_file_is_unreadable(
    tmp_path: Path, cache_env: dict[str, str]
) -> None:
    all_bad = write_csv(tmp_path / "bad.csv", [["X1", "", "31.23", "121.50", "养老", "5", "", ""]])
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    runs = {
        "all-bad": run_cli(["survey", "check", str(all_bad)], env=cache_env, cwd=tmp_path),
        "junk": run_cli(["survey", "check", str(junk)], env=cache_env, cwd=tmp_path),
    }
    assert runs["all-bad"].returncode == EXIT_BAD_INPUT
    assert "latitude and longitude look swapped" in runs["all-bad"].stdout
    assert runs["junk"].returncode == EXIT_BAD_INPUT
    assert runs["junk"].stderr.strip().startswith("lifecircle: error: junk.csv")
    assert "Traceback" not in runs["junk"].stderr
    assert len(runs["junk"].stderr.strip().splitlines()) == 1


def test_cli_in_process(
    tmp_path: Path,
    cache_env: dict[str, str],
    lujiazui: District,
    taxonomy: Taxonomy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clean = tmp_path / "sample_clean.csv"
    assert main(["survey", "check", str(SAMPLE), "--crs", "gcj02", "--out", str(clean)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "rejected 拒绝: 9" in out
    table = pd.read_csv(clean, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == 200 - 9
    assert set(table["note"]) == {"合成示例数据 synthetic sample"}
    # The clean file reads back, as WGS-84, with every row accepted.
    again = survey(clean, lujiazui, taxonomy, crs="wgs84")
    assert again.rejected == []
    assert again.rows_accepted == len(table)

    missing = tmp_path / "nope.csv"
    assert main(["survey", "check", str(missing)]) == EXIT_BAD_INPUT
    assert "File not found" in capsys.readouterr().err
    header_only = write_csv(tmp_path / "cols.csv", [["x"]], headers=["问题"])
    assert main(["survey", "check", str(header_only)]) == EXIT_BAD_INPUT
    assert "lacks the column(s)" in capsys.readouterr().err
    assert main(["survey", "check", str(SAMPLE), "--crs", "mercator"]) == EXIT_BAD_INPUT
    assert main(["survey", "check", str(SAMPLE), "--score-range", "5,1"]) == EXIT_BAD_INPUT
    assert main(["survey"]) == EXIT_OK
    assert "check" in capsys.readouterr().out


def test_register_adds_survey_check_to_a_parser() -> None:
    parser = argparse.ArgumentParser(prog="lifecircle")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(
        ["survey", "check", "a.csv", "--crs", "gcj02", "--score-kind", "satisfaction",
         "--source", "wangjing", "--out", "c.csv"]
    )  # fmt: skip
    assert args.file == Path("a.csv")
    assert (args.crs, args.score_kind, args.source, args.out) == (
        "gcj02", "satisfaction", "wangjing", Path("c.csv"),
    )  # fmt: skip
    assert args.handler.__name__ == "cmd_survey_check"
    defaults = parser.parse_args(["survey", "check", "a.csv"])
    assert (defaults.crs, defaults.score_kind, defaults.source, defaults.out) == (
        "wgs84", "priority", "lujiazui", None,
    )  # fmt: skip
