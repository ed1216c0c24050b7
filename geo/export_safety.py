"""Spreadsheet-safe tables: no exported cell is ever run as a formula.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula, so a facility or survey comment written as
``=HYPERLINK("http://x","click")`` would become a live link in a planner's workbook. Every
CSV and XLSX the CLI and the dashboard write goes through :func:`neutralise_cells`, which
applies the OWASP rule: such a text cell gets a leading ``'``. Real numbers (also negative
ones, and text that is exactly a number, such as a southern latitude ``-33.8``) stay as
they are: a spreadsheet reads them as numbers, which runs nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.numeric_csv import is_numeric_table, numeric_csv_text

__all__ = [
    "FORMULA_STARTS",
    "csv_bytes",
    "csv_text",
    "is_formula_like",
    "neutralise_cells",
    "neutralise_value",
    "xlsx_bytes",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat text as a formula (OWASP)."""

# A plain decimal number, as a spreadsheet would read it: harmless, and kept as written.
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula.

    Leading spaces are skipped, since some spreadsheets trim them before deciding; text
    that is exactly a decimal number (``-2``, ``-33.8``, ``1e-3``) is not formula-like.
    """
    head = text.lstrip(" ")
    if not head or not head.startswith(FORMULA_STARTS):
        return False
    return _PLAIN_NUMBER.fullmatch(head) is None


def neutralise_value(value: object) -> object:
    """``value`` with a leading ``'`` when it is formula-like text; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def neutralise_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names never start a formula.

    Only text changes: numeric, boolean and date columns are returned as they are, so
    numbers (also negative ones) stay numbers in the file.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        kind = column.dtype.kind
        if kind in "biufcmM":  # numbers, booleans, dates: a spreadsheet runs none of them
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):  # its few categories, once each
            out.isetitem(position, column.map(neutralise_value, na_action="ignore"))
            continue
        # Only cells that start like a formula need the full check: found for a whole
        # column at once (a city's access table holds a million ids).
        maybe = _maybe_formula(column)
        if maybe.any():
            values = column.to_numpy(dtype=object, copy=True)
            values[maybe] = [neutralise_value(v) for v in values[maybe]]
            out.isetitem(position, pd.Series(values, index=column.index, name=column.name))
    out.columns = pd.Index([neutralise_value(name) for name in out.columns], dtype=object)
    return out


def _maybe_formula(column: pd.Series) -> npt.NDArray[np.bool_]:
    """Per cell: text whose first character after spaces starts a formula."""
    if isinstance(column.dtype, pd.StringDtype):
        head = column.str.lstrip(" ").str.slice(0, 1)
        return np.asarray(head.isin(FORMULA_STARTS).fillna(False), dtype=bool)
    return np.fromiter(
        (isinstance(v, str) and v.lstrip(" ").startswith(FORMULA_STARTS) for v in column),
        dtype=bool,
        count=len(column),
    )


def csv_text(frame: pd.DataFrame, *, lineterminator: str = "\n") -> str:
    """``frame`` as CSV text (no index), formula-like cells neutralised."""
    safe = neutralise_cells(frame)
    if is_numeric_table(safe):  # a city's nodes and edges: a million rows of numbers
        return numeric_csv_text(safe, lineterminator=lineterminator)
    text: str = safe.to_csv(index=False, lineterminator=lineterminator)
    return text


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV with a byte-order mark (so Excel shows Chinese), neutralised."""
    return csv_text(frame).encode("utf-8-sig")


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per table (names cut to Excel's 31 characters), neutralised.

    After :func:`neutralise_cells` no text starts with ``=``, so openpyxl writes no formula
    cell (it makes one of every string that starts with ``=``).
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            neutralise_cells(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
