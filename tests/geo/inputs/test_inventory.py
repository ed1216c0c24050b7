"""Tests for geo.inventory: reading users' facility lists.

Every input file is written into ``tmp_path`` by the test itself.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest
from openpyxl import Workbook

from geo.errors import InputFileError, LifecircleError
from geo.inputs.coords import CoordSystem
from geo.inputs.inventory import FACILITY_COLUMN_SYNONYMS, InventoryResult, read_facility_inventory
from geo.inputs.tables import RowProblem, match_columns, read_table

GEOD = pyproj.Geod(ellps="WGS84")

CATEGORIES = {"公园": "park", "学校": "school", "菜市场": "market", "park": "park"}


def resolve(text: str) -> str | None:
    return CATEGORIES.get(text)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    text = "\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("second sheet").append(["ignored"])
    workbook.save(path)
    return path


def point_feature(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def write_geojson(path: Path, features: Sequence[dict[str, Any]]) -> Path:
    document = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def read_wgs84(path: Path) -> InventoryResult:
    return read_facility_inventory(path, coord_system=CoordSystem.WGS84, resolve_category=resolve)


CHINESE_ROWS: list[list[object]] = [
    ["经度", "纬度", "名称", "类别"],
    [121.4737, 31.2304, "人民公园", "公园"],
    [121.4801, 31.2222, "格致中学", "学校"],
    [121.4650, 31.2250, "", "菜市场"],
]


# --------------------------------------------------------------------------------------
# Encodings and formats
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_with_chinese_headers_in_any_common_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "设施.csv", CHINESE_ROWS, encoding=encoding)
    result = read_wgs84(path)
    facilities = result.facilities
    assert result.rejected == []
    assert list(facilities.columns) == ["name", "category", "lon", "lat", "source", "geometry"]
    assert list(facilities["name"]) == ["人民公园", "格致中学", "菜市场 #4"]
    assert list(facilities["category"]) == ["park", "school", "market"]
    assert facilities["lon"].tolist() == pytest.approx([121.4737, 121.4801, 121.4650])
    assert set(facilities["source"]) == {"inventory:设施.csv"}
    assert facilities.crs is not None
    assert facilities.crs.to_epsg() == 4326
    assert facilities.geometry.x.tolist() == pytest.approx(facilities["lon"].tolist())
    assert facilities.geometry.y.tolist() == pytest.approx(facilities["lat"].tolist())


def test_bom_does_not_stick_to_the_first_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", CHINESE_ROWS, encoding="utf-8-sig")
    assert list(read_table(path).columns) == ["经度", "纬度", "名称", "类别"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "semi.csv", CHINESE_ROWS, delimiter=delimiter)
    table = read_table(path)
    assert list(table.columns) == ["经度", "纬度", "名称", "类别"]
    assert table.shape == (3, 4)
    assert len(read_wgs84(path).facilities) == 3


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    text = "\n".join("\t".join(str(cell) for cell in row) for row in CHINESE_ROWS)
    path.write_bytes(text.encode("utf-16"))
    assert list(read_wgs84(path).facilities["name"]) == ["人民公园", "格致中学", "菜市场 #4"]


def test_csv_cells_are_text_and_blank_rows_keep_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [["code", "名称"], ["007", "甲"], ["", ""], ["008", "乙"]],
    )
    table = read_table(path)
    assert table["code"].tolist() == ["007", "008"]
    # Index + 2 is the spreadsheet row: the blank row 3 is gone, row 4 stays row 4.
    assert [int(position) + 2 for position in table.index] == [2, 4]


def test_xlsx_first_sheet_with_english_headers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "facilities.xlsx",
        [
            ["Name", "Type", "Longitude", "Latitude"],
            ["People's Park", "park", 121.4737, 31.2304],
            [101, "学校", "121.4801", "31.2222"],
            [None, None, None, None],
            ["Bad school", "学校", "n/a", 31.2],
        ],
    )
    result = read_wgs84(path)
    assert list(result.facilities["name"]) == ["People's Park", "101"]
    assert list(result.facilities["category"]) == ["park", "school"]
    assert result.rejected == [RowProblem(5, "Longitude", "n/a", "not a number")]


def test_xlsx_row_numbers_survive_gaps_in_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "gaps.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["名称", "类别", "经度", "纬度"])
    sheet.append(["a", "公园", 121.47, 31.23])
    for column, value in enumerate(["b", "健身房", 121.48, 31.22], start=1):
        sheet.cell(row=12, column=column, value=value)
    workbook.save(path)
    result = read_wgs84(path)
    assert list(result.facilities["name"]) == ["a"]
    assert result.rejected == [RowProblem(12, "类别", "健身房", "unknown category")]


def test_geojson_points_and_properties(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "facilities.geojson",
        [
            point_feature(121.4737, 31.2304, 名称="人民公园", 类别="公园", 面积=9.8),
            {"type": "Feature", "geometry": None, "properties": {"名称": "无坐标", "类别": "公园"}},
            point_feature(121.4801, 31.2222, 名称="格致中学", 类别="学校"),
        ],
    )
    table = read_table(path)
    assert {"名称", "类别", "面积", "lon", "lat"} <= set(table.columns)
    assert table.loc[0, "lon"] == pytest.approx(121.4737)
    result = read_wgs84(path)
    assert list(result.facilities["name"]) == ["人民公园", "格致中学"]
    assert [(p.row, p.column, p.reason) for p in result.rejected] == [
        (3, "lon", "missing coordinate"),
        (3, "lat", "missing coordinate"),
    ]


def test_geojson_polygon_gives_a_point_inside_it(tmp_path: Path) -> None:
    square = [[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.24], [121.47, 31.23]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"name": "广场", "category": "park"},
    }
    path = write_geojson(tmp_path / "polygon.json", [feature])
    facilities = read_wgs84(path).facilities
    assert 121.47 < facilities.loc[0, "lon"] < 121.48
    assert 31.23 < facilities.loc[0, "lat"] < 31.24


def test_geojson_in_a_projected_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "projected.geojson"
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [point_feature(13522000.0, 3662000.0, name="a", category="park")],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"projected\.geojson.*EPSG:4326"):
        read_table(path)


# --------------------------------------------------------------------------------------
# Coordinate systems
# --------------------------------------------------------------------------------------


def test_gcj02_input_lands_within_2_m_of_true_wgs84(tmp_path: Path) -> None:
    # Published pair (googollee/eviltransform go/transform_test.go, "shanghai"):
    # WGS-84 (121.5272106, 31.1774276) <-> GCJ-02 (121.531541859215, 31.17530398364597).
    wgs_lon, wgs_lat = 121.5272106, 31.1774276
    path = write_csv(
        tmp_path / "amap.csv",
        [
            ["名称", "类别", "经度", "纬度"],
            ["浦东某公园", "公园", 121.531541859215, 31.17530398364597],
        ],
    )
    result = read_facility_inventory(path, coord_system=CoordSystem.GCJ02, resolve_category=resolve)
    row = result.facilities.iloc[0]
    assert distance_m(row["lon"], row["lat"], wgs_lon, wgs_lat) < 2.0
    assert distance_m(row.geometry.x, row.geometry.y, wgs_lon, wgs_lat) < 2.0
    # Reading the same file as WGS-84 would put it several hundred metres away.
    unconverted = read_wgs84(path).facilities.iloc[0]
    assert distance_m(unconverted["lon"], unconverted["lat"], wgs_lon, wgs_lat) > 400.0


def test_bd09_input_lands_within_2_m_of_true_wgs84(tmp_path: Path) -> None:
    # Published pair (hujiulong/gcoord test/unit/crs/WGS84.spec.ts, to 5 decimals):
    # WGS-84 (123, 45) -> BD-09 (123.0124491, 45.0083293).
    path = write_csv(
        tmp_path / "baidu.csv",
        [["name", "category", "lng", "lat"], ["a", "park", 123.0124491, 45.0083293]],
    )
    result = read_facility_inventory(path, coord_system=CoordSystem.BD09, resolve_category=resolve)
    row = result.facilities.iloc[0]
    assert distance_m(row["lon"], row["lat"], 123.0, 45.0) < 2.0


# --------------------------------------------------------------------------------------
# Row problems
# --------------------------------------------------------------------------------------


def test_row_problems_are_reported_one_by_one_with_excel_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            ["名称", "类别", "经度", "纬度"],
            ["好的公园", "公园", 121.4737, 31.2304],  # row 2: good
            ["倒过来", "公园", 31.2304, 121.4737],  # row 3: swapped
            ["不认识", "健身房", 121.47, 31.23],  # row 4: unknown category
            ["文字", "学校", "东经121度", 31.23],  # row 5: not a number
            ["空坐标", "学校", "", 31.23],  # row 6: missing longitude
            ["太远", "学校", 200.5, 31.23],  # row 7: out of range
            ["零点", "学校", 0, 0],  # row 8: placeholder
            ["两个问题", "未知", "abc", 31.23],  # row 9: two problems
            ["无类别", "", 121.47, 31.23],  # row 10: missing category
            ["", "学校", 121.48, 31.22],  # row 11: good, default name
        ],
    )
    result = read_wgs84(path)
    assert list(result.facilities["name"]) == ["好的公园", "学校 #11"]
    assert result.rejected == [
        RowProblem(
            3,
            "经度/纬度",
            "31.2304, 121.4737",
            "swapped? longitude and latitude look reversed; please check and fix the file",
        ),
        RowProblem(4, "类别", "健身房", "unknown category"),
        RowProblem(5, "经度", "东经121度", "not a number"),
        RowProblem(6, "经度", "", "missing coordinate"),
        RowProblem(7, "经度", "200.5", "out of range: longitude must be between -180 and 180"),
        RowProblem(8, "经度/纬度", "0, 0", "0, 0 is a placeholder, not a location"),
        RowProblem(9, "类别", "未知", "unknown category"),
        RowProblem(9, "经度", "abc", "not a number"),
        RowProblem(10, "类别", "", "missing category"),
    ]


def test_swapped_coordinates_are_not_silently_fixed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "swapped.csv", [["lat", "lon", "name", "type"], [121.4737, 31.2304, "a", "park"]]
    )
    result = read_wgs84(path)
    assert result.facilities.empty
    assert len(result.rejected) == 1
    assert result.rejected[0].row == 2
    assert result.rejected[0].column == "lon/lat"
    assert result.rejected[0].reason.startswith("swapped?")


def test_coordinates_with_full_width_digits_or_degree_sign(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "deg.csv",
        [["名称", "类别", "经度", "纬度"], ["a", "公园", "121.4737°", "３１.２３０４"]],
    )
    facilities = read_wgs84(path).facilities
    assert facilities["lon"].tolist() == pytest.approx([121.4737])
    assert facilities["lat"].tolist() == pytest.approx([31.2304])


def test_all_rows_rejected_gives_an_empty_frame_with_the_columns(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv", [["名称", "类别", "经度", "纬度"], ["a", "未知", 121.0, 31.0]]
    )
    result = read_wgs84(path)
    assert result.facilities.empty
    assert list(result.facilities.columns) == [
        "name",
        "category",
        "lon",
        "lat",
        "source",
        "geometry",
    ]
    assert result.facilities.crs is not None
    assert [problem.row for problem in result.rejected] == [2]


def test_row_problem_reads_well_and_results_are_frozen(tmp_path: Path) -> None:
    problem = RowProblem(5, "经度", "abc", "not a number")
    assert str(problem) == "Row 5, column '经度' ('abc'): not a number"
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.row = 6  # type: ignore[misc]
    result = read_wgs84(write_csv(tmp_path / "ok.csv", CHINESE_ROWS))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rejected = []  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------


def test_missing_required_columns_name_the_fields_and_synonyms(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "no_coords.csv", [["名称", "类别", "地址"], ["a", "公园", "xx路"]])
    with pytest.raises(InputFileError) as excinfo:
        read_wgs84(path)
    message = str(excinfo.value)
    assert "no_coords.csv" in message
    assert "lon" in message
    assert "lat" in message
    assert "经度" in message
    assert "纬度" in message
    assert "longitude" in message
    assert "地址" in message  # the columns that were found
    assert "category" not in message.split("Accepted headers")[0]


def test_name_column_is_optional(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "no_name.csv", [["类型", "x", "y"], ["公园", 121.47, 31.23]])
    assert list(read_wgs84(path).facilities["name"]) == ["公园 #2"]


def test_match_columns_ignores_case_spaces_punctuation_and_brackets() -> None:
    columns = [" 设施 名称 ", "CATEGORY", "经度（GCJ-02）", "Latitude (deg)", "备注"]
    assert match_columns(columns, FACILITY_COLUMN_SYNONYMS) == {
        "name": " 设施 名称 ",
        "category": "CATEGORY",
        "lon": "经度（GCJ-02）",
        "lat": "Latitude (deg)",
    }


def test_match_columns_full_width_and_priority() -> None:
    synonyms = {"name": ["名称", "title"], "category": ["type", "title"]}
    # Full-width "ＴＩＴＬＥ" folds to "title"; the earlier field takes it.
    assert match_columns(["ＴＩＴＬＥ", "Type"], synonyms) == {
        "name": "ＴＩＴＬＥ",
        "category": "Type",
    }
    # Earlier synonyms win within a field.
    assert match_columns(["title", "名称"], synonyms) == {"name": "名称", "category": "title"}
    # Fields that are not found are left out.
    assert match_columns(["foo"], synonyms) == {}


def test_facility_synonyms_cover_the_documented_headers() -> None:
    expected = {
        "name": {"名称", "名字", "设施名称", "name", "title"},
        "category": {"类别", "类型", "分类", "设施类型", "category", "type", "kind"},
        "lon": {"经度", "lon", "lng", "long", "longitude", "x"},
        "lat": {"纬度", "lat", "latitude", "y"},
    }
    for field, headers in expected.items():
        assert headers <= set(FACILITY_COLUMN_SYNONYMS[field])
        for header in headers:
            assert match_columns([header.upper()], FACILITY_COLUMN_SYNONYMS) == {
                field: header.upper()
            }


# --------------------------------------------------------------------------------------
# Unreadable files
# --------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"not found: nowhere\.csv"):
        read_table(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson"])
@pytest.mark.parametrize("content", [b"", b"  \n\r\n  "], ids=["zero-bytes", "whitespace"])
def test_empty_file(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=rf"empty{suffix}.* is empty"):
        read_table(path)


def test_header_only_file_has_no_facilities(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "header.csv", [["名称", "类别", "经度", "纬度"]])
    assert read_table(path).empty
    with pytest.raises(InputFileError, match=r"header\.csv.*no facility rows"):
        read_wgs84(path)


BINARY_JUNK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson", ".txt"])
def test_binary_junk(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(BINARY_JUNK)
    with pytest.raises(InputFileError, match=rf"junk{suffix}"):
        read_table(path)


def test_binary_junk_without_nul_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    junk = bytes(int(b) for b in rng.integers(1, 256, size=4096))
    path = tmp_path / "junk.csv"
    path.write_bytes(junk)
    with pytest.raises(InputFileError, match=r"junk\.csv"):
        read_table(path)


def test_text_in_neither_utf8_nor_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"name,category\ncaf\xff,park\n")
    with pytest.raises(InputFileError, match=r"latin\.csv.*neither UTF-8 nor GBK"):
        read_table(path)


@pytest.mark.parametrize(
    ("file_name", "pattern"),
    [
        ("facilities.pdf", r"facilities\.pdf is not a supported file type \(\.pdf\)"),
        ("facilities", r"facilities is not a supported file type \(no extension\)"),
        ("old.xls", r"old\.xls is an old Excel 97-2003 file"),
    ],
)
def test_wrong_extension(tmp_path: Path, file_name: str, pattern: str) -> None:
    path = tmp_path / file_name
    path.write_bytes(b"name,category\n")
    with pytest.raises(InputFileError, match=pattern):
        read_table(path)


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "名称,类别,经度,纬度\na,公园,121.47,31.23\nb,公园,上海市,黄浦区,121.48,31.22\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as excinfo:
        read_table(path)
    message = str(excinfo.value)
    assert message.startswith("ragged.csv is not a well-formed CSV table")
    assert "line 3" in message
    assert "\n" not in message


def test_json_that_is_not_geojson(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([1, 2, 3]), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"list\.json is not GeoJSON"):
        read_table(path)


def test_errors_are_planner_errors(tmp_path: Path) -> None:
    with pytest.raises(LifecircleError) as excinfo:
        read_table(tmp_path / "gone.xlsx")
    assert isinstance(excinfo.value, ValueError)
    assert "\n" not in str(excinfo.value)


def test_read_table_returns_a_dataframe_for_the_survey_importer(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "survey.xlsx", [["受访者", "年龄", "满意度"], ["甲", 67, 4.5], ["乙", 35, 3]]
    )
    table = read_table(path)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["受访者", "年龄", "满意度"]
    assert table["年龄"].tolist() == [67, 35]
