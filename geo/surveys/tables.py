"""Survey tables for export: the clean rows, the rejected rows, CSV that Excel opens."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputFileError
from geo.export_safety import csv_text
from geo.inputs.tables import RowProblem
from geo.surveys.result import SurveyResult

__all__ = ["clean_table", "priorities_to_csv", "rejected_table", "write_csv_for_excel"]

_COORD_DECIMALS = 7  # about 1 cm


def clean_table(result: SurveyResult) -> pd.DataFrame:
    """The accepted rows with all their original columns, coordinates in WGS-84.

    The file's longitude and latitude columns (if any) hold the WGS-84 coordinates of
    the location used (for a row located by compound name: the compound's point), with
    7 decimals; ``lon`` and ``lat`` columns are added when the file's own are named
    differently, and ``category_id`` gives the taxonomy ids (``;``-joined when a row
    named several needs). Reading the table again with ``coord_system="wgs84"`` gives
    the same responses.
    """
    headers = list(result.source_columns)
    lon_column, lat_column = result.columns.get("lon"), result.columns.get("lat")
    added = [name for name in ("lon", "lat", "category_id") if name not in headers]
    if not len(result.responses):
        return pd.DataFrame({name: pd.Series(dtype=object) for name in headers + added})
    records: list[dict[str, str]] = []
    for _, group in result.responses.groupby("row", sort=True):
        first = group.iloc[0]
        cells: dict[str, str] = dict(first["extra"])
        lon = f"{float(first['lon']):.{_COORD_DECIMALS}f}"
        lat = f"{float(first['lat']):.{_COORD_DECIMALS}f}"
        for column, value in ((lon_column, lon), (lat_column, lat), ("lon", lon), ("lat", lat)):
            if column is not None:
                cells[column] = value
        cells["category_id"] = ";".join(str(c) for c in group["category"])
        records.append({name: cells.get(name, "") for name in headers + added})
    return pd.DataFrame.from_records(records, columns=headers + added)


def rejected_table(problems: Sequence[RowProblem]) -> pd.DataFrame:
    """Problems as a table with columns ``row, column, value, reason``."""
    return pd.DataFrame(
        {
            "row": pd.Series([p.row for p in problems], dtype=np.int64),
            "column": pd.Series([p.column for p in problems], dtype=object),
            "value": pd.Series([p.value for p in problems], dtype=object),
            "reason": pd.Series([p.reason for p in problems], dtype=object),
        }
    )


def write_csv_for_excel(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV with a byte-order mark, so Excel shows Chinese.

    The file is written to a temporary file beside ``path`` first, then moved into
    place. Raises :class:`~geo.errors.InputFileError` when the folder does not exist or
    cannot be written.
    """
    folder = path.parent
    if not folder.is_dir():
        raise InputFileError(f"the folder {folder} does not exist")
    text = csv_text(frame, lineterminator="\r\n")  # formula-like text gets a leading '

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()
    return path


def priorities_to_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a :func:`~.priorities.rank_priorities` table as UTF-8-BOM CSV for Excel.

    The byte-order mark makes Excel show Chinese.

    For Excel workbooks use :func:`geo.export_safety.xlsx_bytes`, which neutralises
    formula-like cells as this does.
    """
    return write_csv_for_excel(df, path)
