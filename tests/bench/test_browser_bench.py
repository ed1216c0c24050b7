"""Smoke test of ``bench/browser.py``: it drives real Chromium and reports every figure.

Not a timed test: a busy machine must not fail it. One repeat of the browser benchmark
(a Streamlit server of its own, a cold visit, then the map, a click, a scenario edit)
must return every headline figure and every target as finite numbers that JSON can carry,
with the minimum and maximum around the median.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bench.browser import HEADLINE, TARGETS, run_browser_bench
from bench.harness import CHROMIUM, CHROMIUM_MISSING
from bench.report import format_browser_table

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Measured on every run, besides HEADLINE.
ALSO_MEASURED = (
    "cold_interactive_s",
    "interactive_map_drawn_s",
    "interactive_revisit_s",
    "click_settled_s",
    "scenario_map_s",
    "scenario_apply_ms",
    "scenario_compare_ms",
    "interactive_ws_kb",
    "click_ws_kb",
    "scenario_edit_ws_kb",
)
# What the page prints ("Recomputed in N ms") is rounded to whole milliseconds, and 0 is
# a fair reading of a cache hit: the only figure allowed to be zero.
MAY_BE_ZERO = {"scenario_compute_ms"}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING)
    pytest.importorskip("playwright.sync_api")
    return run_browser_bench(repeats=1)


def test_every_figure_is_a_positive_finite_number(result: dict[str, Any]) -> None:
    for key in (*HEADLINE, *ALSO_MEASURED):
        value = result.get(key)
        assert _finite(value), (key, value)
        if key in MAY_BE_ZERO:
            assert value >= 0, (key, value)
        else:
            assert value > 0, (key, value)


def test_one_repeat_is_its_own_median_min_and_max(result: dict[str, Any]) -> None:
    assert result["repeats"] == 1
    (run,) = result["runs"]
    for key in HEADLINE:
        assert result["min"][key] == result[key] == result["max"][key] == run[key], key


def test_targets_say_pass_or_miss(result: dict[str, Any]) -> None:
    assert set(result["targets"]) == {t.key for t in TARGETS}
    for key, target in result["targets"].items():
        assert target["value"] == result[key]
        assert target["pass"] in (True, False)
        assert target["target"].startswith("<")


def test_the_report_is_json_and_a_table(result: dict[str, Any]) -> None:
    text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == result
    load = result["environment"]["loadavg_before"]
    assert load is None or all(_finite(x) and x >= 0 for x in load)
    table = format_browser_table(result)
    assert "map interactive (s)" in table
    assert ("PASS" in table) or ("MISS" in table)
