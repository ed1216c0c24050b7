"""The map page's honest completeness: per level, and the essential items with no data."""

from __future__ import annotations

import streamlit as st

from geo.access.analysis import Analysis
from lifecircle.i18n import t

DATA_PAGE = "views/data.py"


def completeness_text(a: Analysis, lang: str) -> str:
    """One line: completeness per level over items with data, then the no-data items."""
    detail = a.coverage.detail
    if detail is None:
        return ""
    tax = a.taxonomy
    parts = [
        f"{t('ck_level_metric', lang, level=lv.level)} "
        + (t("ck_no_data", lang) if lv.share is None else f"{lv.share * 100:.1f}%")
        for lv in detail.levels
    ]
    names = "、".join(tax.get(c).name(lang) for c in detail.no_data)
    tail = (
        t("ck_no_data_line", lang, count=len(detail.no_data), items=names)
        if detail.no_data
        else t("ck_no_data_none", lang)
    )
    return f"{t('ck_completeness_levels', lang)}: {' · '.join(parts)}. {tail}"


def render_completeness_line(a: Analysis, lang: str) -> None:
    """The line, with a link to the Data page where a facility list is imported."""
    left, right = st.columns([6, 1], vertical_alignment="center")
    left.caption(completeness_text(a, lang))
    if a.coverage.no_data:
        right.page_link(DATA_PAGE, label=t("ck_import_link", lang), icon=":material/upload:")
