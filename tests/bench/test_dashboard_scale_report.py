"""The dashboard-at-scale report says the CPU of each step, server and browser."""

from __future__ import annotations

import os
import time

from bench.dashboard_scale import CpuMeter, format_dashboard_scale_table, server_cpu_s


def test_the_server_cpu_of_a_process_counts_its_work() -> None:
    before = server_cpu_s(os.getpid())
    assert before is not None
    start = time.process_time()
    while time.process_time() - start < 0.3:  # busy, in this process
        pass
    after = server_cpu_s(os.getpid())
    assert after is not None
    assert after - before >= 0.2


def test_a_step_records_its_cpu_and_returns_its_result() -> None:
    figures: dict[str, object] = {}
    result = CpuMeter(os.getpid()).measure(figures, "click", lambda: 42)
    assert result == 42
    assert set(figures) == {"click_server_cpu_s", "click_browser_cpu_s"}


def test_the_table_has_a_cpu_row_per_measured_step() -> None:
    bundled = {"first_map_s": 4.0, "first_map_server_cpu_s": 1.5, "first_map_browser_cpu_s": 3.0}
    tiled = {
        "first_map_s": 2.0,
        "first_map_server_cpu_s": 0.5,
        "first_map_browser_cpu_s": 2.5,
        "warm_click_server_cpu_s": 0.1,
        "warm_click_browser_cpu_s": 0.8,
        "warm_click_s": 1.0,
        "warm_max_frame_kb": 60.0,
    }
    report = {
        "tiles": "4x4",
        "nodes_asked": 100_000,
        "file_mb": 3.0,
        "bundled": bundled,
        "tiled": tiled,
        "loadavg": [1.0, 1.0, 1.0],
        "loadavg_after": [2.0, 2.0, 2.0],
    }
    text = format_dashboard_scale_table(report)
    cold = next(
        line for line in text.splitlines() if line.startswith("first interactive map, cold  ")
    )
    assert "0.5 / 2.5" in cold
    assert "1.5 / 3.0" in cold
    warm_click = next(line for line in text.splitlines() if "click -> isochrone, warm" in line)
    assert warm_click.split()[-4:] == ["-", "0.1", "/", "0.8"]
    assert not any(line.startswith("zoom in, warm session") for line in text.splitlines())
