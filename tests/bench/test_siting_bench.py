"""Smoke test of ``python -m bench --siting --quick --json``: it runs and its figures hold
together (never a timed assertion: times are reported, not tested)."""

from __future__ import annotations

import json
import math

import pytest

from bench.cli import main


@pytest.mark.slow
def test_quick_siting_bench_reports_times_and_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--siting", "--quick", "--json"])
    report = json.loads(capsys.readouterr().out)  # one JSON object, nothing else
    assert code == 0
    lj = report["lujiazui"]
    assert lj["candidates"] == 200 and lj["exact_optimal"]
    assert lj["greedy_value"] <= lj["exact_value"] * (1 + 1e-9) <= lj["greedy_bound"] * (1 + 1e-9)
    assert 0 < lj["greedy_over_exact"] <= 1.0 + 1e-9
    for key in ("join_s", "coverage_s", "exact_s", "greedy_s", "total_over_target"):
        assert math.isfinite(lj[key]) and lj[key] > 0
    assert [g["category"] for g in report["generated"]] == ["elderly_daycare", "culture_centre"]
    for g in report["generated"]:
        assert g["candidates"] == 500 and g["nodes"] > 9_000
        assert 0 <= g["greedy_gap"] < 1 and g["greedy_bound"] >= g["greedy_value"]
        assert g["coverage_s"] > 0 and g["pairs"] > 0
