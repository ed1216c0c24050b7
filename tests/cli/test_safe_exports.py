"""No exported cell runs as a formula: every CSV and XLSX the CLI and the dashboard write.

Facility, survey, candidate and unit names carry the payloads of issue 16
(``=HYPERLINK("http://x","click")``, ``+1``, ``-2+3``, ``@SUM(1)``); each export is read
back with :mod:`csv` or openpyxl and every cell, headers included, is checked against the
spreadsheet's own rule (the oracle here, written without the code under test): a text
cell starting with ``=``, ``+``, ``@``, a tab or a carriage return runs as a formula, and
one starting with ``-`` does unless it is a number; openpyxl's ``data_type == "f"`` marks
a live formula cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from geo.access.analysis import Analysis
from geo.export_safety import neutralise_cells
from geo.inputs.coords import CoordSystem
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import rank_priorities
from geo.surveys.read import read_survey
from geo.surveys.tables import rejected_table
from lifecircle.cli.main import main

PAYLOADS = ('=HYPERLINK("http://x","click")', "+1", "-2+3", "@SUM(1)")
# Inside Lujiazui's study area (WGS-84), a few hundred metres apart.
POINTS = ((121.50365, 31.231052), (121.498522, 31.224678), (121.5056, 31.2308), (121.5012, 31.228))
SURVEY_HEADERS = [
    "编号",
    "小区",
    "经度",
    "纬度",
    "需求类别",
    "优先级",
    "意见",
    "年龄段",
    PAYLOADS[0],
]


def runs_as_formula(cell: object) -> bool:
    """The spreadsheet rule (OWASP): would this cell's text run as a formula?"""
    if not isinstance(cell, str) or not cell:
        return False
    if cell[0] in "=+@\t\r":
        return True
    if cell[0] == "-":
        try:
            float(cell)
        except ValueError:
            return True
    return False


def csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def xlsx_cells(data: bytes) -> list[tuple[object, str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        (cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def assert_csv_safe(path: Path) -> list[str]:
    cells = csv_cells(path)
    assert cells, f"{path.name} is empty"
    live = [c for c in cells if runs_as_formula(c)]
    assert not live, f"{path.name}: {live[:5]}"
    return cells


def assert_xlsx_safe(data: bytes) -> list[object]:
    cells = xlsx_cells(data)
    assert not [v for v, kind in cells if kind == "f"], "live formula cells"
    live = [v for v, _ in cells if runs_as_formula(v)]
    assert not live, live[:5]
    return [v for v, _ in cells]


def test_the_oracle_itself() -> None:
    assert all(runs_as_formula(p) for p in PAYLOADS)
    assert not any(runs_as_formula(v) for v in ("-2", "-33.8", "1e-3", "ok", "'=1", "", 5))


# --- the files of the command line ---------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A facility list, a survey, candidate sites and boundary units named with payloads."""
    folder = tmp_path_factory.mktemp("hostile")
    inventory = folder / "facilities.csv"
    with inventory.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "category", "lon", "lat"])
        for name, (lon, lat) in zip(PAYLOADS, POINTS, strict=True):
            w.writerow([name, "park", lon, lat])
    survey = folder / "survey.csv"
    with survey.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SURVEY_HEADERS)
        for i, (payload, (lon, lat)) in enumerate(zip(PAYLOADS, POINTS, strict=True)):
            w.writerow([payload, payload, lon, lat, "公厕", "3", payload, "30-44", payload])
            # Rejected rows quote the payload as the bad value: a priority, then a need.
            w.writerow([f"R{i}", "", lon, lat, "公厕", payload, "", "", ""])
            w.writerow([f"S{i}", "", lon, lat, payload, "3", "", "", ""])
    candidates = folder / "candidates.csv"
    with candidates.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["名称", "经度", "纬度"])
        for name, (lon, lat) in zip(PAYLOADS, POINTS, strict=True):
            w.writerow([name, lon, lat])
    units = folder / "units.geojson"
    boxes = [
        shapely.box(121.495, 31.222, 121.503, 31.229),
        shapely.box(121.503, 31.228, 121.512, 31.235),
    ]
    gpd.GeoDataFrame({"name": list(PAYLOADS[:2])}, geometry=boxes, crs=4326).to_file(
        units, driver="GeoJSON"
    )
    return {"inventory": inventory, "survey": survey, "candidates": candidates, "units": units}


@pytest.fixture(scope="module")
def cli_out(
    hostile: dict[str, Path],
    session_settings: Settings,
    lujiazui: object,  # the bundled district is in the session's cache
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_CACHE_DIR", str(session_settings.cache_dir))
        runs = {
            "analyze": ["analyze", "lujiazui", "--facilities", str(hostile["inventory"]),
                        "--crs", "wgs84", "--survey", str(hostile["survey"]), "--no-geopackage",
                        "--quiet", "--out", str(out / "analyze")],
            "survey": ["survey", "check", str(hostile["survey"]), "--crs", "wgs84",
                       "--out", str(out / "clean.csv")],
            "suggest": ["suggest", "lujiazui", "--category", "park", "--k", "2",
                        "--candidates", str(hostile["candidates"]), "--candidates-crs", "wgs84",
                        "--data-candidates", "none", "--out", str(out / "suggest")],
            "report": ["report", "lujiazui", "--units", str(hostile["units"]),
                       "--out", str(out / "ledger.xlsx")],
        }  # fmt: skip
        for name, argv in runs.items():
            assert main(argv) == 0, name
    yield out


@pytest.mark.parametrize(
    "name",
    [
        "analyze/facilities.csv",
        "analyze/access.csv",
        "analyze/nodes.csv",
        "analyze/edges.csv",
        "analyze/priorities.csv",
        "analyze/survey_rejected.csv",
        "clean.csv",
        "suggest/sites.csv",
        "suggest/candidates.csv",
        "suggest/curve.csv",
        "suggest/newly_served_homes.csv",
    ],
)
def test_cli_csv_has_no_formula(cli_out: Path, name: str) -> None:
    assert_csv_safe(cli_out / name)


@pytest.mark.parametrize(
    ("name", "min_payloads"),
    [
        ("analyze/facilities.csv", 4),  # the facility names
        ("analyze/survey_rejected.csv", 4),  # the bad values the rows quote
        ("clean.csv", 4),  # ids, compounds, comments and the payload header
        ("suggest/candidates.csv", 4),  # the candidates' names
    ],
)
def test_cli_csv_keeps_the_text_behind_a_quote(cli_out: Path, name: str, min_payloads: int) -> None:
    """The payloads are still there, readable, as text with a leading '."""
    cells = set(csv_cells(cli_out / name))
    assert sum(f"'{p}" in cells for p in PAYLOADS) >= min_payloads, name


def test_negative_numbers_stay_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"lon": [-70.5, 121.5], "delta": [-3, 2], "text": ["-2", "-2+3"]})
    out = neutralise_cells(frame)
    assert out["lon"].tolist() == [-70.5, 121.5] and out["delta"].tolist() == [-3, 2]
    assert out["text"].tolist() == ["-2", "'-2+3"]


def test_report_xlsx_has_no_formula(cli_out: Path) -> None:
    values = assert_xlsx_safe((cli_out / "ledger.xlsx").read_bytes())
    assert f"'{PAYLOADS[0]}" in values  # the unit's name, kept as text


# --- the dashboard's downloads ---------------------------------------------------------------
@pytest.fixture(scope="module")
def survey_tables(
    hostile: dict[str, Path], lujiazui: object, taxonomy: Taxonomy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from geo.access.analysis import analyse
    from geo.district.model import District

    assert isinstance(lujiazui, District)
    analysis: Analysis = analyse(lujiazui, taxonomy)
    result = read_survey(
        hostile["survey"], taxonomy=taxonomy, district=lujiazui, coord_system=CoordSystem.WGS84
    )
    ranked = rank_priorities(analysis, result.responses)
    return ranked, rejected_table(result.rejected)


def test_dashboard_priority_downloads_have_no_formula(
    survey_tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    from dashboard.downloads import csv_bytes, xlsx_bytes

    ranked, rejected = survey_tables
    path = tmp_path / "priorities.csv"
    path.write_bytes(csv_bytes(rejected))
    assert sum(f"'{p}" in assert_csv_safe(path) for p in PAYLOADS) == 4
    values = assert_xlsx_safe(xlsx_bytes({"priorities": ranked, "rejected": rejected}))
    assert sum(f"'{p}" in values for p in PAYLOADS) == 4
