"""Table exports shared by the pages: CSV (UTF-8 with BOM, so Excel reads Chinese) and XLSX."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo.export_safety import csv_bytes, xlsx_bytes
from lifecircle.i18n import t

__all__ = ["csv_bytes", "table_buttons", "xlsx_bytes"]  # formula-like cells neutralised


def table_buttons(
    csv_table: pd.DataFrame, sheets: Mapping[str, pd.DataFrame], *, stem: str, lang: str
) -> None:
    """A CSV and an XLSX download button side by side, built only when clicked."""
    left, right = st.columns(2)
    left.download_button(
        t("export_csv", lang),
        data=lambda: csv_bytes(csv_table),
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
