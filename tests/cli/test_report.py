"""``lifecircle report``: a printable Chinese PDF, its HTML and the XLSX ledger.

The PDF is checked with poppler (pdftotext, pdffonts, pdftoppm): its text carries the
indicator table and the ledger as the report wrote them, every font is embedded Noto CJK,
and its pages render. A page rendered to PNG is also kept for a person to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from geo.checkup.pipeline import CheckupSpec, run_checkup
from lifecircle.cli.main import main
from lifecircle.reports.document import indicator_table, ledger_table


def _run(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture(scope="module")
def lujiazui_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "r.pdf"
    assert _run("report", "lujiazui", "--out", str(out)) == 0
    return out


@pytest.fixture(scope="module")
def lujiazui_checkup():  # type: ignore[no-untyped-def]
    return run_checkup(CheckupSpec(source="lujiazui"))


def _text(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-raw"]  # content order: a wrapped cell stays in one piece
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True).stdout.decode()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_is_a4_with_page_numbers_and_embedded_cjk_fonts(lujiazui_pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(lujiazui_pdf)], capture_output=True, check=True)
    text = info.stdout.decode()
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", text)
    pages = int(re.search(r"Pages:\s+(\d+)", text).group(1))  # type: ignore[union-attr]
    assert pages >= 5
    fonts = subprocess.run(["pdffonts", str(lujiazui_pdf)], capture_output=True, check=True)
    rows = fonts.stdout.decode().splitlines()[2:]
    assert rows and all("Noto-Sans-CJK" in r for r in rows)
    assert all(r.split()[-5] == "yes" for r in rows)  # the "emb" column
    assert f"第 2 页 / 共 {pages} 页" in _text(lujiazui_pdf, 2)


def test_pdf_text_is_the_indicator_table_and_the_ledger(
    lujiazui_pdf: Path,
    lujiazui_checkup,  # type: ignore[no-untyped-def]
) -> None:
    """What the PDF says, read back by pdftotext, is exactly what the report wrote."""
    _, _, checkup = lujiazui_checkup
    text = _squash(_text(lujiazui_pdf))
    for title in (
        "单元指标表",
        "问题台账",
        "公园绿地服务半径覆盖率",
        "15分钟生活圈覆盖率",
        "无数据",
    ):
        assert title in text
    _, rows = indicator_table(checkup, "zh")
    for row in rows:
        assert _squash("".join(row[:3])) in text, row
    _, ledger_rows = ledger_table(checkup, "zh")
    assert len(ledger_rows) == len(checkup.ledger) > 100
    position = 0
    for row in ledger_rows:
        found = text.find(_squash("".join(row)), position)
        assert found >= 0, row  # every ledger row, in order, with every glyph
        position = found
    assert "©OpenStreetMapcontributors,ODbL1.0" in text


def test_pdf_pages_render(lujiazui_pdf: Path, tmp_path: Path) -> None:
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "4",
            str(lujiazui_pdf),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 4
    for page in pages:
        image = Image.open(page).convert("L")
        assert image.size[1] > image.size[0]  # portrait
        dark = sum(1 for v in image.getdata() if v < 128)
        assert dark > 200, page  # text or a map was drawn


def test_html_escapes_names_from_a_boundary_file(tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    units = tmp_path / "units.geojson"
    name = '<script>alert("x")</script>东园'
    gpd.GeoDataFrame(
        {"name": [name]}, geometry=[shapely.box(121.505, 31.228, 121.512, 31.235)], crs=4326
    ).to_file(units, driver="GeoJSON")
    out = tmp_path / "r.html"
    assert _run("report", "lujiazui", "--units", str(units), "--out", str(out)) == 0
    html = out.read_text("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;东园" in html
    assert html.count("data:image/png;base64,") >= 3  # the maps, inlined: no internet needed
    assert "© OpenStreetMap contributors, ODbL 1.0" in html


def test_xlsx_ledger(tmp_path: Path, lujiazui_checkup) -> None:  # type: ignore[no-untyped-def]
    _, _, checkup = lujiazui_checkup
    out = tmp_path / "ledger.xlsx"
    assert _run("report", "lujiazui", "--out", str(out)) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["问题台账", "单元指标表"]
    sheet = book["问题台账"]
    assert sheet.max_row - 1 == len(checkup.ledger)
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["序号", "单元", "缺项"]
    first = [c.value for c in sheet[2]]
    assert first[1] == checkup.ledger["unit_name"].iloc[0]


def test_an_unreadable_geometry_in_units_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.geojson"
    line = {"type": "LineString", "coordinates": [[121.5, 31.23]]}  # one point: GEOS refuses it
    units.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        f'"geometry":{json.dumps(line)}}}]}}',
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    assert _run("report", "lujiazui", "--units", str(units), "--out", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lifecircle: error: units.geojson holds a geometry that cannot be read")
    assert "\n" not in err and str(tmp_path) not in err and not out.exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "lujiazui", "--out", "r.docx"], ".pdf, .html or .xlsx"),
        (["report", "lujiazui", "--units", "nowhere.geojson", "--out", "r.html"], "not found"),
        (["report", "nosuch", "--out", "r.html"], "neither an existing file"),
        (["report", "lujiazui", "--unit-kinds", "village", "--out", "r.html"], "unknown unit kind"),
    ],
)
def test_bad_input_is_one_line(
    argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / a) if a.startswith(("r.", "nowhere")) else a for a in argv]
    assert _run(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lifecircle: error:") and words in err and "\n" not in err
    assert not list(tmp_path.glob("r.*"))
