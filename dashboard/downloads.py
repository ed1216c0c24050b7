"""Table exports shared by the pages: CSV (UTF-8 with BOM, so Excel reads Chinese) and XLSX."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from lifecircle.i18n import t


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per table."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return buf.getvalue()


def table_buttons(
    csv_table: pd.DataFrame, sheets: Mapping[str, pd.DataFrame], *, stem: str, lang: str
) -> None:
    """A CSV and an XLSX download button side by side, built only when clicked."""
    left, right = st.columns(2)
    left.download_button(
        t("export_csv", lang),
        data=lambda: csv_table.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    right.download_button(
        t("export_xlsx", lang),
        data=lambda: xlsx_bytes(sheets),
        file_name=f"{stem}.xlsx",
        on_click="ignore",
    )
