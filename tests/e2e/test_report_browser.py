"""The check-up in real headless Chromium, offline: the map page's completeness line with
its link to the import, and the report page's ledger with its PDF and XLSX downloads."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bench.harness import DashboardServer
from geo.access.analysis import analyse
from geo.checkup.indicators import compute_checkup
from geo.checkup.units import units_from_district
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from tests.e2e.conftest import BrowserLog, click_download

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

RUN_MS = 90_000
PDF_MS = 180_000  # the PDF is laid out on click


def test_map_page_line_names_the_no_data_items_and_links_to_the_import(
    app_server: DashboardServer,
    offline_page: tuple[Any, BrowserLog],
    lujiazui: District,
    taxonomy: Taxonomy,
) -> None:
    page, log = offline_page
    page.goto(app_server.url("/?lang=zh"))
    line = page.get_by_text(t("ck_completeness_levels", "zh"), exact=False)
    expect(line).to_be_visible(timeout=RUN_MS)
    counts = lujiazui.facility_counts()
    for item in [c for c in taxonomy.essential_ids() if counts.get(c, 0) == 0]:
        expect(line).to_contain_text(taxonomy.get(item).name("zh"))
    page.get_by_role("link", name=t("ck_import_link", "zh")).click()
    heading = page.get_by_role("heading", name=t("data_title", "zh"), exact=True)
    expect(heading).to_be_visible(timeout=RUN_MS)
    log.assert_clean()


def test_report_page_downloads_the_ledger_and_the_pdf(
    app_server: DashboardServer,
    offline_page: tuple[Any, BrowserLog],
    lujiazui: District,
    taxonomy: Taxonomy,
    tmp_path: Path,
) -> None:
    page, log = offline_page
    page.goto(app_server.url("/report?lang=zh"))
    expect(page.get_by_role("heading", name=t("ck_report_ledger", "zh"))).to_be_visible(
        timeout=RUN_MS
    )
    expected = compute_checkup(analyse(lujiazui, taxonomy), units_from_district(lujiazui))

    info = click_download(
        page.get_by_role("button", name=t("ck_report_download_xlsx", "zh")), timeout_ms=RUN_MS
    )
    xlsx = tmp_path / "ledger.xlsx"
    info.save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx)[t("ck_report_ledger", "zh")]
    assert sheet.max_row - 1 == len(expected.ledger)
    assert sheet.cell(2, 2).value == expected.ledger["unit_name"].iloc[0]

    info = click_download(
        page.get_by_role("button", name=t("ck_report_download_pdf", "zh")),
        timeout_ms=PDF_MS,
        try_ms=PDF_MS // 2,
    )
    pdf = tmp_path / "report.pdf"
    info.save_as(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True)
    body = "".join(text.stdout.decode().split())
    assert "问题台账" in body and expected.ledger["unit_name"].iloc[0] in body
    log.assert_clean()
