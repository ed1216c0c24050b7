"""The scale benchmark: tiled districts, its stage processes, slopes and targets.

Not timed: a busy machine must not fail it. The tiled district is checked against the
bundled extract it is made of; the stage processes against an in-process load.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.scale import STAGE_ORDER, format_scale_table, measure_size, slopes, targets
from bench.tiles import BBOX, SOURCE, tiled_district
from geo.district.loader import load_district
from geo.district.model import District
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy


def _run(nodes: int, **stage_s: float) -> dict[str, object]:
    return {"nodes": nodes, "stages": {k: {"s": v, "peak_mb": 100.0} for k, v in stage_s.items()}}


def test_slopes_are_log_log_between_the_two_largest_runs() -> None:
    runs = [
        _run(1_000, prepare=0.5),
        _run(100_000, prepare=2.0, analyse=1.0, tiny=0.001),
        _run(1_000_000, prepare=20.0, analyse=10.0**1.5, tiny=0.01),
    ]
    got = slopes(runs)
    assert got["prepare"] == pytest.approx(1.0)
    assert got["analyse"] == pytest.approx(1.5)
    assert "tiny" not in got  # under 10 ms: noise, no slope
    assert slopes(runs[:1]) == {}


def test_targets_say_met_or_not() -> None:
    runs = [
        _run(1_047_000, prepare=59.0, cached_load=1.5),
        _run(106_000, analyse=4.0, first_isochrone=0.2),
    ]
    runs[0]["stages"]["prepare"]["peak_mb"] = 5000.0  # type: ignore[index]
    rows = {(r["size"], r["stage"]): r["met"] for r in targets(runs)}
    assert rows[("1M", "prepare")] is True
    assert rows[("1M", "cached_load")] is False
    assert rows[("1M", "prepare peak MB")] is False
    assert rows[("100k", "analyse")] is True
    assert rows[("100k", "first_isochrone")] is False


def test_a_tiled_district_is_the_extract_repeated_and_stitched(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy
) -> None:
    tiled = tiled_district(tmp_path, nodes=13_000)
    assert (tiled.tiles_x, tiled.tiles_y) == (1, 2)
    west, south, east, north = BBOX
    assert tiled.bbox == pytest.approx((west, south, east, south + 2 * (north - south)))
    district = load_district(
        tiled.path, taxonomy=taxonomy, settings=Settings(cache_dir=tmp_path), bbox=tiled.bbox
    )
    one = lujiazui.network
    net = district.network
    # Every tile keeps the extract's facilities and buildings (a few more: the extract
    # reaches a little past its study area, and the next tile's study area holds them).
    for got, one_tile in (
        (len(district.facilities), len(lujiazui.facilities)),
        (len(district.buildings), len(lujiazui.buildings)),
    ):
        assert 2 * one_tile <= got <= 2.05 * one_tile
    # Ids never collide (an offset per tile), and stitching joins the tiles: the largest
    # piece holds both tiles' largest pieces.
    assert net.nodes.index.is_unique
    assert net.n_nodes >= 2 * one.n_nodes
    assert net.component_sizes()[0] >= 2 * one.component_sizes()[0]
    assert net.n_edges > 2 * one.n_edges


def test_a_size_is_measured_in_real_processes(lujiazui: District) -> None:
    run = measure_size("bundled", SOURCE, BBOX)
    assert run["nodes"] == lujiazui.network.n_nodes
    assert run["edges"] == lujiazui.network.n_edges
    # Every stage the table prints (and the child's import time), each measured.
    want = {"import", *STAGE_ORDER}
    assert set(run["stages"]) == want
    for name, row in run["stages"].items():
        assert math.isfinite(row["s"]) and row["s"] > 0, name
        assert row["peak_mb"] > 50, name  # a Python process with pandas is never smaller
    assert {"access", "coverage"} <= set(run["analyse_parts_s"])
    assert {"service_areas", "catchments", "write_geopackage"} <= set(run["layer_parts_s"])
    report = {"runs": [run], "slopes": {}, "start_s": 0.5, "targets": [], "loadavg": 1.0, "cpus": 2}
    table = format_scale_table(report)
    for stage in want - {"import"}:
        assert stage in table
