"""Hostile uploads on the data and survey pages, under ``AppTest``.

A sample of the CLI corpus (``tests/hostile_files.py``) is uploaded through the pages'
own file uploaders: a refused file shows one plain-text error naming the file as the
user called it (no traceback, no server path, no live Markdown); an inventory with a row
outside the district shows the rejected-rows table (it used to crash on ``__dict__``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lifecircle.i18n import t
from tests.hostile_files import INSIDE, MARKDOWN_IMAGE, table_payloads

REPO = Path(__file__).resolve().parents[2]
LANG = "en"


def _inventory_files() -> dict[str, bytes]:
    def row(i: int) -> list[object]:
        return [f"设施{i}", "社区卫生服务中心", *INSIDE[i]]

    return {
        f"{name}{suffix}": data
        for name, suffix, data in table_payloads(
            ["name", "category", "lon", "lat"], row, lon_i=2, lat_i=3
        )
    }


def _survey_files() -> dict[str, bytes]:
    def row(i: int) -> list[object]:
        return [f"r{i}", "东园三村", *INSIDE[i], "养老", 4, "需要食堂", "60-69"]

    headers = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见", "年龄段"]
    return {
        f"{name}{suffix}": data
        for name, suffix, data in table_payloads(headers, row, lon_i=2, lat_i=3)
    }


def _page_text(at: AppTest) -> str:
    parts = [str(e.value) for e in (*at.error, *at.warning, *at.markdown, *at.caption)]
    return "\n".join(parts)


def _assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = _page_text(at)
    assert "Traceback" not in text
    assert str(REPO) not in text
    for error in at.error:
        assert MARKDOWN_IMAGE not in str(error.value)  # escaped, so it cannot fetch


def _upload_inventory(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].upload(name, data, "text/plain").run()
    at.button(key="use_inventory").click().run()
    return at


# Refused outright, each with its own reason; accepted with one row rejected.
REFUSED_INVENTORIES = {
    "ragged-long.csv": "not a well-formed CSV table",
    "extra-cell-every-row.csv": "more cells than the header",
    "geojson-deep.geojson": "nested too deeply",
    "geojson-huge-int.geojson": "thousands of digits",
    "geojson-nan-token.geojson": "not a number JSON allows",
    "many-columns.csv": "over the limit",
}


def test_bad_inventories_show_one_plain_line(app_test: Callable[..., AppTest]) -> None:
    files = _inventory_files()
    at = app_test(lang=LANG)
    at.switch_page("views/data.py").run()
    for name, reason in REFUSED_INVENTORIES.items():
        _upload_inventory(at, name, files[name])
        _assert_clean(at)
        errors = [str(e.value).replace("\\", "") for e in at.error]  # Markdown escapes
        assert len(errors) == 1 and reason in errors[0], (name, errors)
        assert name in errors[0], errors  # named as the user named it, not by a hash
        assert not at.dataframe or t("col_reason", LANG) not in at.dataframe[0].value.columns


def test_markdown_in_a_header_stays_text(app_test: Callable[..., AppTest]) -> None:
    at = app_test(lang=LANG)
    at.switch_page("views/data.py").run()
    data = f"{MARKDOWN_IMAGE},lon,lat\nx,121.5,31.23\n".encode()
    _upload_inventory(at, "md.csv", data)
    _assert_clean(at)
    (error,) = at.error
    assert "\\!\\[x\\]" in str(error.value)


def test_an_inventory_with_a_far_row_shows_the_rejected_rows(
    app_test: Callable[..., AppTest],
) -> None:
    files = _inventory_files()
    at = app_test(lang=LANG)
    at.switch_page("views/data.py").run()
    _upload_inventory(at, "beijing-row.csv", files["beijing-row.csv"])
    _assert_clean(at)
    assert not at.error
    assert [w.value for w in at.warning] == [t("inventory_rejected", LANG, n=1)]
    frames = [d.value for d in at.dataframe if t("col_reason", LANG) in d.value.columns]
    (rejected,) = frames
    assert list(rejected[t("col_row", LANG)]) == [2]
    assert "km outside" in rejected[t("col_reason", LANG)].iloc[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("extra-cell-every-row.csv", "more cells than the header"),
        ("xlsx-not-zip.xlsx", "not a readable"),
    ],
)
def test_bad_surveys_show_one_plain_line(
    app_test: Callable[..., AppTest], name: str, reason: str
) -> None:
    at = app_test(lang=LANG)
    at.switch_page("views/survey.py").run()
    at.file_uploader[0].upload(name, _survey_files()[name], "text/plain").run()
    _assert_clean(at)
    errors = [str(e.value).replace("\\", "") for e in at.error]  # Markdown escapes
    assert len(errors) == 1 and reason in errors[0] and name in errors[0], errors


def test_an_unexpected_failure_is_a_sentence_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def page() -> None:
        from dashboard.upload_errors import read_upload

        def broken() -> int:
            raise ZeroDivisionError("/srv/secret/path/file.csv")

        read_upload(broken, "en", what="inventory")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("upload_unexpected", LANG)]
    assert "/srv/secret/path" in caplog.text
