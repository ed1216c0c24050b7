"""Whole-column neutralising gives every cell what the per-cell rule gives it, whatever
the column's type (pandas text, mixed objects, categories, missing values)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.export_safety import neutralise_cells, neutralise_value

TEXTS = ["=1+1", " =x", "-33.8", "-x", "+", "@a", "\tq", "\rr", "plain", "", " ", "  -2", "中文"]


def test_each_cell_is_neutralised_as_the_rule_says() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "text": pd.Series(rng.choice(TEXTS, 400)).astype("str"),
            "missing": pd.Series(["=a", None] * 200, dtype="str"),
            "mixed": pd.Series([1, "=a", 2.5, None, "-b", "-2"] * 66 + [1, 2, 3, 4], dtype=object),
            "category": pd.Categorical(rng.choice(TEXTS, 400)),
            "number": rng.normal(size=400),
        }
    )
    before_copy = frame.copy()
    out = neutralise_cells(frame)
    pd.testing.assert_frame_equal(frame, before_copy)  # the input is left as it was
    for name in frame.columns:
        for before, after in zip(frame[name], out[name], strict=True):
            if before is None or (isinstance(before, float) and np.isnan(before)):
                assert after is None or pd.isna(after)
            else:
                assert after == neutralise_value(before), (name, before)
    assert out["number"].dtype == frame["number"].dtype  # numbers stay numbers
