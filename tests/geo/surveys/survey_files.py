"""Survey files for the tests of geo.surveys, written from known WGS-84 points.

Every survey file is written into ``tmp_path`` by the test itself, from known WGS-84
points (homes of the bundled Lujiazui district), except the bundled sample, which is
checked against the rows its ``note`` column marks as deliberately bad.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyproj
import shapely
from openpyxl import Workbook

from geo.district.model import District
from geo.inputs.coords import CoordSystem, from_wgs84
from geo.standards.taxonomy import Taxonomy
from geo.surveys.read import read_survey
from geo.surveys.result import SurveyResult

GEOD = pyproj.Geod(ellps="WGS84")
REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "data" / "sample_survey_lujiazui.csv"
HEADERS = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见", "年龄段"]
OUTSIDE_WGS84 = (121.4737, 31.2304)  # People's Square, across the river in Puxi


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


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def area_polygon(district: District, name: str) -> Any:
    areas = district.areas
    parts = areas[(areas["kind"] == "residential") & (areas["name"] == name)].geometry
    return shapely.union_all(list(parts))


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
