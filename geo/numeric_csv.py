"""CSV text of an all-number table, byte for byte what ``DataFrame.to_csv`` writes, faster.

A whole 区's ``nodes.csv`` holds a million rows of 27 numbers. pandas formats a float
column with NumPy's ``astype(str)``, the shortest text that reads back as the same float,
as Python's ``repr``. Here each column's cells are built as a matrix of bytes
(:mod:`geo.number_text`) and a block of rows is joined by one mask, so no cell becomes a
Python string. Missing values are written empty, as pandas writes them. Tables with
text go through pandas.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.number_text import column_bytes

ROWS_PER_BLOCK = 20_000


def is_numeric_table(frame: pd.DataFrame) -> bool:
    """Whether every column holds NumPy integers, booleans or 64-bit floats (a 32-bit
    float has a shorter text of its own)."""
    return all(
        isinstance(dtype, np.dtype) and (dtype.kind in "biu" or dtype == np.float64)
        for dtype in frame.dtypes
    )


def numeric_csv_text(frame: pd.DataFrame, *, lineterminator: str = "\n") -> str:
    """``frame.to_csv(index=False, lineterminator=...)`` for an all-number ``frame``."""
    if not is_numeric_table(frame):
        raise ValueError("numeric_csv_text takes tables of numbers only")
    header: str = frame.iloc[:0].to_csv(index=False, lineterminator=lineterminator)
    if len(frame) == 0:
        return header
    if frame.shape[1] == 1:  # an empty row of one column is written as ""
        text: str = frame.to_csv(index=False, lineterminator=lineterminator)
        return text
    arrays = [frame.iloc[:, i].to_numpy() for i in range(frame.shape[1])]
    comma = _separator(b",")
    end = _separator(lineterminator.encode("ascii"))
    parts = [header]
    # In blocks of rows: the byte matrices of a whole city's table would not fit.
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        cells = [column_bytes(a[start : start + ROWS_PER_BLOCK]) for a in arrays]
        rows = len(cells[0].chars)
        chars: list[npt.NDArray[np.uint8]] = []
        masks: list[npt.NDArray[np.bool_]] = []
        for i, cell in enumerate(cells):
            sep = end if i == len(cells) - 1 else comma
            chars += [cell.chars, np.broadcast_to(sep, (rows, sep.size))]
            masks += [cell.mask, np.ones((rows, sep.size), dtype=bool)]
        row_bytes = np.concatenate(chars, axis=1)[np.concatenate(masks, axis=1)]
        parts.append(row_bytes.tobytes().decode("ascii"))
    return "".join(parts)


def _separator(text: bytes) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text, dtype=np.uint8)
