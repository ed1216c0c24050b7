"""Report page: the city check-up by unit, the issue ledger, and the report to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import loaders
from dashboard.completeness_line import render_completeness_line
from dashboard.sidebar import require_context
from dashboard.text import escape_markdown, public_markdown
from geo.checkup.units import units_from_district, units_in_district
from geo.errors import LifecircleError
from lifecircle.i18n import t
from lifecircle.reports.document import ReportInputs, indicator_table, items_table, ledger_table

ctx = require_context()
lang, a = ctx.lang, ctx.analysis
st.title(f"{t('ck_page_report', lang)} · {escape_markdown(a.district.meta.title(lang))}")
render_completeness_line(a, lang)

kind = st.radio(
    t("ck_report_units_source", lang),
    options=["osm", "upload"],
    format_func=lambda k: t(
        "ck_report_units_osm" if k == "osm" else "ck_report_units_upload", lang
    ),
    horizontal=True,
    key="report_units_source",
)
units = None
units_key = "osm"
try:
    if kind == "upload":
        upload = st.file_uploader(
            t("ck_report_units_file", lang), type=["geojson", "json", "gpkg", "zip"]
        )
        crs = st.selectbox(
            t("ck_report_units_crs", lang), ["wgs84", "gcj02", "bd09"], key="report_units_crs"
        )
        if upload is not None:
            path = loaders.save_upload(upload.getvalue(), upload.name, "units")
            units = loaders.boundary_units(str(path), crs)
            units_key = f"{path.name}|{crs}"
    else:
        units = units_from_district(a.district)
    if units is not None and len(units):
        units = units_in_district(units, a.district)
except LifecircleError as exc:
    st.error(f"{t('error', lang)}: {public_markdown(exc)}")
    st.stop()
if units is None:
    st.stop()
if units.empty:
    st.info(t("ck_report_no_units", lang))
    st.stop()

with st.spinner(t("computing", lang)):
    result = loaders.checkup(ctx.analysis_key, units_key, a, units)

st.subheader(t("ck_report_indicators", lang))
header, rows = indicator_table(result, lang)  # type: ignore[arg-type]
st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, key="report_indicators")
st.subheader(t("ck_report_ledger", lang))
st.caption(t("ck_report_ledger_note", lang))
header, rows = ledger_table(result, lang)  # type: ignore[arg-type]
st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, key="report_ledger")

with st.expander(t("ck_report_items", lang)):
    st.caption(t("ck_report_unverified_note", lang))
    header, rows = items_table(a, lang)
    st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, key="report_items")

inputs = ReportInputs(analysis=a, units=units, checkup=result, lang=lang)  # type: ignore[arg-type]
name = a.district.meta.name


def _pdf() -> bytes:
    from lifecircle.reports.writers import pdf_bytes

    return pdf_bytes(inputs)


def _html() -> bytes:
    from lifecircle.reports.writers import html_bytes

    return html_bytes(inputs)


def _xlsx() -> bytes:
    from lifecircle.reports.writers import xlsx_bytes

    return xlsx_bytes(result, lang=lang)  # type: ignore[arg-type]


c1, c2, c3 = st.columns(3)
# The files are made on click: a PDF takes seconds, and most visits only read the tables.
c1.download_button(
    t("ck_report_download_pdf", lang), _pdf, f"{name}-checkup.pdf", "application/pdf",
    key="download_pdf", on_click="ignore",
)  # fmt: skip
c2.download_button(
    t("ck_report_download_html", lang), _html, f"{name}-checkup.html", "text/html",
    key="download_html", on_click="ignore",
)  # fmt: skip
c3.download_button(
    t("ck_report_download_xlsx", lang), _xlsx, f"{name}-ledger.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="download_xlsx", on_click="ignore",
)  # fmt: skip
