"""The array text of numbers is byte for byte what pandas' ``to_csv`` writes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.number_text import MAX_DECIMALS, column_bytes, digit_count
from geo.numeric_csv import numeric_csv_text

TRICKY = [
    0.0,
    -0.0,
    1e-7,
    -1e-7,
    1e-4,
    9.999e-5,
    0.00010000000000000002,
    1e15,
    1e15 - 0.125,
    999_999_999_999_999.9,
    1e16,
    -1e16,
    1.7976931348623157e308,
    5e-324,
    np.nan,
    np.inf,
    -np.inf,
    0.1 + 0.2,
    123.0,
    -33.8,
    2.0**53,
    2.0**53 + 2,
    121.4937414,
    31.2306168,
    4.799,
    -0.0004,
    0.5,
    1.0 / 3.0,
    float(10**MAX_DECIMALS),
    10.0**-MAX_DECIMALS,
    12345678.1234567,
]


def texts(values: np.ndarray) -> list[str]:
    cells = column_bytes(values)
    return [bytes(c[m]).decode("ascii") for c, m in zip(cells.chars, cells.mask, strict=True)]


def pandas_texts(values: np.ndarray) -> list[str]:
    # Two columns: pandas quotes the empty cell of a one-column row.
    frame = pd.DataFrame({"i": np.zeros(len(values), dtype=np.int64), "x": values})
    return [line[2:] for line in frame.to_csv(index=False).split("\n")[1:-1]]


def test_tricky_floats_as_pandas_writes_them() -> None:
    values = np.array(TRICKY, dtype=np.float64)
    assert texts(values) == pandas_texts(values)
    # Rounded as the export rounds them, and their negatives.
    for decimals in (3, 7):
        with np.errstate(over="ignore"):  # the largest float, rounded
            rounded = np.round(np.concatenate([values, -values]), decimals)
        assert texts(rounded) == pandas_texts(rounded)


def test_random_floats_of_every_kind() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    raw = rng.normal(size=n) * 10.0 ** rng.integers(-9, 18, n)
    for values in (
        raw,
        np.round(raw, 3),
        np.round(raw, 7),
        np.round(raw),
        raw.astype(np.float32).astype(float),
    ):
        assert texts(values) == pandas_texts(values)


def test_integers_and_booleans() -> None:
    info = np.iinfo(np.int64)
    ints = np.array(
        [0, 1, -1, 9, 10, -10, 99, 100, info.max, info.min, 100059608493], dtype=np.int64
    )
    assert texts(ints) == [str(v) for v in ints.tolist()]
    big = np.array([0, np.iinfo(np.uint64).max, 10**19], dtype=np.uint64)
    assert texts(big) == [str(v) for v in big.tolist()]
    flags = np.array([True, False, True])
    assert texts(flags) == ["True", "False", "True"]
    assert digit_count(np.array([0, 9, 10, 10**19], dtype=np.uint64)).tolist() == [1, 1, 2, 20]


def test_ints_as_floats_and_empty_columns() -> None:
    ids = np.array([100059608493, 2**52, 7, -3], dtype=np.float64)
    assert texts(ids) == pandas_texts(ids)
    frame = pd.DataFrame({"a": np.zeros(0), "b": np.zeros(0, dtype=np.int64)})
    assert numeric_csv_text(frame) == frame.to_csv(index=False)
    allnan = pd.DataFrame({"a": np.full(4, np.nan), "b": np.arange(4)})
    assert numeric_csv_text(allnan) == allnan.to_csv(index=False)
    alone = allnan[["a"]]  # one column: pandas writes an empty row as ""
    assert numeric_csv_text(alone) == alone.to_csv(index=False)
