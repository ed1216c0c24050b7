"""Smoke test of ``lifecircle bench --quick --json``: it runs, it is right, it says so.

Not a timed test: a busy CI machine must not fail it. It checks the report's shape, that
every timing is a positive number and that the engine agreed with networkx, with a full
recompute and (when installed) with pandana.
"""

from __future__ import annotations

import importlib.util
import json
import math
from typing import Any

import numpy as np
import pytest

from bench.cli import main
from bench.networks import make_grid_network

TOP_LEVEL = (
    "nodes",
    "engine_ms",
    "vs_networkx",
    "vs_pandana",
    "incremental_ms",
    "isochrone_ms",
    "cached_load_s",
)
PER_NETWORK = (
    "nodes",
    "engine_ms",
    "engine_zero_offset_ms",
    "networkx_ms",
    "vs_networkx",
    "vs_networkx_cpu",
    "incremental_ms",
)
TARGETS = ("vs_networkx", "vs_pandana", "incremental_ms", "isochrone_ms", "cached_load_s")

HAS_PANDANA = importlib.util.find_spec("pandana") is not None
HAS_ISOCHRONE = importlib.util.find_spec("geo.access.service_areas") is not None


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


@pytest.mark.slow
def test_quick_bench_reports_every_figure_and_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", "--quick"])
    out = capsys.readouterr().out
    report = json.loads(out)  # exactly one JSON object: nothing else on stdout
    assert code == 0

    optional = {"vs_pandana": HAS_PANDANA, "isochrone_ms": HAS_ISOCHRONE}
    for key in TOP_LEVEL:
        assert key in report
        if optional.get(key, True):
            assert _positive(report[key]), (key, report[key])
        else:
            assert report[key] is None
    assert report["nodes"] > 10_000
    assert report["quick"] is True

    for scope in ("bundled", "generated"):
        section = report[scope]
        for key in PER_NETWORK:
            assert _positive(section[key]), (scope, key, section[key])
        assert section["networkx_agrees"] is True
        assert section["reach_mismatches"] == 0
        assert 0 <= section["max_abs_diff_m"] <= 0.01
        assert section["nodes_compared"] > 0
        assert section["incremental_matches_recompute"] is True
        if HAS_PANDANA:
            assert section["pandana_agrees"] is True
            assert section["pandana_max_abs_diff_m"] <= 0.5
            assert _positive(section["pandana_build_ms"])
    assert _positive(report["bundled"]["cold_load_s"])
    assert _positive(report["bundled"]["analysis_incremental_ms"])

    correct = report["correct"]
    assert correct["networkx_agrees"] is True
    assert correct["incremental_matches_recompute"] is True
    assert correct["pandana_agrees"] is (True if HAS_PANDANA else None)

    assert set(TARGETS) <= set(report["targets"])
    for key in TARGETS:
        target = report["targets"][key]
        assert target["value"] == report[key]
        assert target["pass"] in (True, False, None)


def test_generated_network_is_connected_with_a_tenth_of_the_grid_removed() -> None:
    network = make_grid_network(2_500, rng=np.random.default_rng(7))
    side = 50
    grid_edges = 2 * side * (side - 1)
    assert network.n_nodes == side * side
    assert network.n_edges == grid_edges - round(0.1 * grid_edges)
    assert network.component_sizes() == [network.n_nodes]
    lengths = network.edges["length_m"]
    assert lengths.min() > 40 - 2 * 8 * math.sqrt(2)
    assert lengths.max() < 80 + 2 * 8 * math.sqrt(2)
    again = make_grid_network(2_500, rng=np.random.default_rng(7))
    assert np.array_equal(network.xy, again.xy)
