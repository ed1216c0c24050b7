"""The text of a column of numbers, built as arrays: the same characters Python writes.

A city's ``nodes.csv`` holds a million rows of 27 numbers; formatting them one Python
string at a time takes most of the export. Here a column becomes a matrix of bytes
(one row per cell) and a mask of which bytes belong to the text, so that a whole table's
rows are joined by one boolean index (:func:`geo.numeric_csv.numeric_csv_text`).

A float is written as ``repr`` writes it: the shortest decimal that reads back as the
same float, positional from ``1e-4`` up to ``1e16``, with exponents outside. The array
path takes the floats that are a decimal of at most :data:`MAX_DECIMALS` decimals and 15
significant digits (every rounded coordinate and distance): such a decimal is the only
one of that length that reads back as the float (15 digits is ``DBL_DIG``), and no
shorter one does (each shorter count of decimals was tried), so it is exactly ``repr``.
Every other float (exponents, ``inf``, 17-digit values) goes through ``repr`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MAX_DECIMALS = 10
"""Decimals the array path tries before it hands a float to ``repr``."""

_POW10 = 10 ** np.arange(20, dtype=np.uint64)
_POSITIONAL_MIN = 1e-4  # repr switches to an exponent below this magnitude ...
_SIGNIFICANT_MAX = 1e15  # ... and the array path stops at 15 significant digits
_ZERO = ord("0")


@dataclass(frozen=True)
class CellBytes:
    """A column's text: ``chars[i, j]`` is a byte of cell ``i`` where ``mask[i, j]``."""

    chars: npt.NDArray[np.uint8]
    mask: npt.NDArray[np.bool_]


def column_bytes(values: npt.NDArray[np.generic]) -> CellBytes:
    """The CSV cells of a NumPy column: floats as ``repr`` (missing ones empty),
    integers as ``str``, booleans as ``True``/``False``."""
    if values.dtype.kind == "b":
        return _bool_bytes(values.astype(bool))
    if values.dtype.kind in "iu":
        return _int_bytes(values)
    if values.dtype == np.float64:
        return _float_bytes(values.astype(np.float64, copy=False))
    raise ValueError(f"no array text for {values.dtype}")


def digit_count(magnitude: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Decimal digits of each non-negative integer (``0`` has one)."""
    return np.searchsorted(_POW10[1:], magnitude, side="right").astype(np.int64) + 1


def _digits(magnitude: npt.NDArray[np.uint64], width: int) -> npt.NDArray[np.uint8]:
    """ASCII digits of each integer, right-aligned in ``width`` columns with leading
    zeros."""
    out = np.empty((len(magnitude), width), dtype=np.uint8)
    rest = magnitude.copy()
    for j in range(width - 1, -1, -1):
        out[:, j] = rest % np.uint64(10) + np.uint64(_ZERO)
        rest //= np.uint64(10)
    return out


def _bool_bytes(values: npt.NDArray[np.bool_]) -> CellBytes:
    words = np.frombuffer(b"False" + b"True ", dtype=np.uint8).reshape(2, 5)
    chars = words[values.astype(np.int64)]
    mask = np.ones(chars.shape, dtype=bool)
    mask[values, 4] = False
    return CellBytes(chars, mask)


def _int_bytes(values: npt.NDArray[np.generic]) -> CellBytes:
    if values.dtype.kind == "u":
        negative = np.zeros(len(values), dtype=bool)
        magnitude = values.astype(np.uint64)
    else:
        signed = values.astype(np.int64)
        negative = signed < 0
        # -(x + 1) + 1 keeps the most negative int64 from overflowing.
        magnitude = np.where(
            negative, (-(signed + 1)).astype(np.uint64) + np.uint64(1), signed.astype(np.uint64)
        )
    count = digit_count(magnitude)
    width = int(count.max()) if len(values) else 1
    chars = np.empty((len(values), width + 1), dtype=np.uint8)
    chars[:, 0] = ord("-")
    chars[:, 1:] = _digits(magnitude, width)
    mask = np.empty(chars.shape, dtype=bool)
    mask[:, 0] = negative
    mask[:, 1:] = np.arange(width)[None, :] >= (width - count)[:, None]
    return CellBytes(chars, mask)


def _float_bytes(values: npt.NDArray[np.float64]) -> CellBytes:
    x = np.ascontiguousarray(values, dtype=np.float64)
    present = ~np.isnan(x)
    if present.all():
        return _present_float_bytes(x)
    # Missing cells are empty: only the others are formatted (a node beyond the limit
    # of a category has no distance; half of a city's cells can be missing).
    part = _present_float_bytes(x[present])
    chars = np.zeros((len(x), part.chars.shape[1]), dtype=np.uint8)
    mask = np.zeros(chars.shape, dtype=bool)
    chars[present] = part.chars
    mask[present] = part.mask
    return CellBytes(chars, mask)


def _present_float_bytes(x: npt.NDArray[np.float64]) -> CellBytes:
    n = len(x)
    magnitude = np.abs(x)
    decimals = np.full(n, -1, dtype=np.int64)
    scaled = np.zeros(n, dtype=np.uint64)  # |x| * 10**decimals, an integer
    todo = np.flatnonzero(
        (magnitude == 0) | ((magnitude >= _POSITIONAL_MIN) & (magnitude < _SIGNIFICANT_MAX))
    )
    for tried in range(MAX_DECIMALS + 1):
        if len(todo) == 0:
            break
        scale = 10.0**tried
        whole = np.rint(magnitude[todo] * scale)
        # The decimal whole / 10**k reads back as the float: it is repr's text.
        exact = (whole < _SIGNIFICANT_MAX) & (whole / scale == magnitude[todo])
        done = todo[exact]
        decimals[done] = tried
        scaled[done] = whole[exact].astype(np.uint64)
        todo = todo[~exact]
    fast = decimals >= 0
    slow = np.flatnonzero(~fast & ~np.isnan(x))
    if not fast.any() and len(slow) == 0:  # all missing: every cell empty
        return CellBytes(np.zeros((n, 0), dtype=np.uint8), np.zeros((n, 0), dtype=bool))
    k: npt.NDArray[np.int64] = np.maximum(decimals, 0)
    integer = scaled // _POW10[k]
    fraction = scaled % _POW10[k]
    int_count = digit_count(integer)
    int_width = int(int_count[fast].max()) if fast.any() else 1
    frac_width = max(1, int(k[fast].max())) if fast.any() else 1
    # Left-align the k fraction digits in frac_width columns (k = 0 writes ".0").
    fraction = fraction * _POW10[frac_width - k]
    width = 1 + int_width + 1 + frac_width
    texts = [float.__repr__(v) for v in x[slow].tolist()]
    slow_width = max((len(t) for t in texts), default=0)
    chars = np.zeros((n, max(width, slow_width)), dtype=np.uint8)
    mask = np.zeros(chars.shape, dtype=bool)
    chars[:, 0] = ord("-")
    mask[:, 0] = fast & np.signbit(x)
    chars[:, 1 : 1 + int_width] = _digits(integer, int_width)
    mask[:, 1 : 1 + int_width] = (
        np.arange(int_width)[None, :] >= (int_width - int_count)[:, None]
    ) & fast[:, None]
    chars[:, 1 + int_width] = ord(".")
    mask[:, 1 + int_width] = fast
    start = 2 + int_width
    chars[:, start:width] = _digits(fraction, frac_width)
    mask[:, start:width] = (np.arange(frac_width)[None, :] < np.maximum(k, 1)[:, None]) & fast[
        :, None
    ]
    if texts:
        raw = np.array(texts, dtype=f"S{slow_width}").view(np.uint8).reshape(len(texts), slow_width)
        chars[slow, :slow_width] = raw
        mask[slow] = False
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        mask[slow, :slow_width] = np.arange(slow_width)[None, :] < lengths[:, None]
    return CellBytes(chars, mask)
