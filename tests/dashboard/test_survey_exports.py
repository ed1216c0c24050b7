"""Survey priorities as exported, and rejection reasons, in one language (issue 15 items 6, 7).

The oracle for "untranslated" is the text itself: a Chinese cell holds no run of English
words, an English one no Chinese; headers are the catalogue's own.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard.downloads import xlsx_bytes
from dashboard.priority_table import priority_frame
from geo.access.analysis import Analysis, analyse
from geo.access.compound_names import compound_names_for_cells
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import rank_priorities
from geo.surveys.read import read_survey
from lifecircle.i18n import t
from lifecircle.i18n.maplang import translate_reason

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey_lujiazui.csv"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,})+")
HEADERS = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见"]


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def responses(lujiazui: District, taxonomy: Taxonomy) -> pd.DataFrame:
    return read_survey(SAMPLE, taxonomy=taxonomy, district=lujiazui, coord_system="gcj02").responses


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("by", ["hexagon", "compound"])
def test_priority_export_is_in_one_language_with_compound_names(
    analysis: Analysis, responses: pd.DataFrame, lang: str, by: str
) -> None:
    ranked = rank_priorities(analysis, responses, by=by)  # type: ignore[arg-type]
    compounds = (
        list(compound_names_for_cells(ranked["unit"].tolist(), analysis.district.areas))
        if by == "hexagon"
        else None
    )
    view = priority_frame(ranked, taxonomy=analysis.taxonomy, lang=lang, by=by, compounds=compounds)
    assert len(view) == len(ranked)
    assert t("ml_col_compound", lang) in view.columns
    if by == "hexagon":
        assert view[t("ml_col_h3", lang)].tolist() == ranked["unit"].astype(str).tolist()
        assert (view[t("ml_col_compound", lang)] != t("ml_no_compound", lang)).any()
    # No internal column names, no category ids.
    assert not set(view.columns) & {"unit", "category", "reasons", "score", "rank"}
    names = {analysis.taxonomy.get(c).name(lang) for c in ranked["category"]}
    assert set(view[t("col_category", lang)]) == names
    for reason in view[t("col_reasons", lang)]:
        assert " | " not in reason
        if lang == "zh":
            assert CJK.search(reason) and not ENGLISH_WORDS.search(reason), reason
        else:
            assert not CJK.search(reason.split(":")[0]), reason

    # The CSV export: UTF-8 with BOM, the localized headers.
    data = view.to_csv(index=False).encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == list(view.columns)
    # The XLSX export: the same headers.
    book = pd.read_excel(io.BytesIO(xlsx_bytes({"p": view})), sheet_name="p")
    assert list(book.columns) == list(view.columns)


def test_every_survey_rejection_reason_reads_in_chinese(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy
) -> None:
    home = lujiazui.buildings.geometry.iloc[0].centroid
    ok = [f"{home.x:.6f}", f"{home.y:.6f}"]
    rows = [
        ["r1", "", *ok, "", "3", "x"],  # missing category
        ["r2", "", *ok, "火箭发射场", "3", "x"],  # unknown category
        ["r3", "", *ok, "养老", "", "x"],  # missing score
        ["r4", "", *ok, "养老", "high", "x"],  # score not a number
        ["r5", "", *ok, "养老", "9", "x"],  # score out of range
        ["r6", "", "", "", "养老", "3", "x"],  # missing location
        ["r7", "不存在的小区名字", "", "", "养老", "3", "x"],  # no such compound
        ["r8", "", "abc", ok[1], "养老", "3", "x"],  # coordinate not a number
        ["r9", "", ok[1], ok[0], "养老", "3", "x"],  # swapped
        ["r10", "", "0", "0", "养老", "3", "x"],  # placeholder
        ["r11", "", "121.4737", "31.2304", "养老", "3", "x"],  # outside the area
        ["r12", "", *ok, "养老", "3", "y"],
        ["r12", "", *ok, "养老", "3", "z"],  # duplicate id
        ["r14", "", "200", "31.2", "养老", "3", "x"],  # out of range
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    path = tmp_path / "bad.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = read_survey(path, taxonomy=taxonomy, district=lujiazui, coord_system="wgs84")
    reasons = [p.reason for p in result.rejected]
    assert len(reasons) >= 12
    for reason in reasons:
        zh = translate_reason(reason, "zh")
        assert zh != reason, reason
        assert CJK.search(zh) and not ENGLISH_WORDS.search(zh), (reason, zh)
        assert translate_reason(reason, "en") == reason
    assert translate_reason("a reason nobody wrote yet", "zh") == "a reason nobody wrote yet"
