"""The fast CSV of number tables writes exactly what pandas' ``to_csv`` writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import numeric_csv
from geo.export_safety import csv_text
from geo.numeric_csv import is_numeric_table, numeric_csv_text


def awkward_floats(n: int) -> np.ndarray:
    """Floats across every magnitude, rounded and not, with the special values."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-12, 22, n)
    x[::5] = np.round(x[::5], 3)
    x[::9] = np.round(x[::9])
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e16, 1e15, 1e-4, 1e-5, 0.1, 123.0, -33.8]
    x[: len(special)] = special
    return x


@pytest.mark.parametrize("lineterminator", ["\n", "\r\n"])
def test_number_tables_match_pandas(lineterminator: str) -> None:
    n = 5000
    frame = pd.DataFrame(
        {
            "node_id": np.arange(n, dtype=np.int64) * 7919 - 10**12,
            "lon": np.round(121.5 + awkward_floats(n) * 1e-12, 7),
            "clinic_m": awkward_floats(n),
            "small": np.arange(n, dtype=np.uint8),
            "served": np.arange(n) % 3 == 0,
            "a,b": np.ones(n),  # a name that needs quoting
        }
    )
    assert is_numeric_table(frame)
    want = frame.to_csv(index=False, lineterminator=lineterminator)
    assert numeric_csv_text(frame, lineterminator=lineterminator) == want
    assert csv_text(frame, lineterminator=lineterminator) == want


def test_blocks_of_rows_join_seamlessly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numeric_csv, "ROWS_PER_BLOCK", 7)
    for n in (14, 15, 20, 50):  # whole blocks, one row over, and a part block
        frame = pd.DataFrame({"u": np.arange(n), "length_m": awkward_floats(n)})
        assert numeric_csv_text(frame) == frame.to_csv(index=False)


def test_empty_and_text_tables() -> None:
    empty = pd.DataFrame({"u": np.zeros(0, np.int64), "length_m": np.zeros(0)})
    assert numeric_csv_text(empty) == empty.to_csv(index=False)
    text = pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.0]})
    assert not is_numeric_table(text)
    assert not is_numeric_table(pd.DataFrame({"x": np.ones(3, dtype=np.float32)}))
    with pytest.raises(ValueError, match="numbers only"):
        numeric_csv_text(text)
