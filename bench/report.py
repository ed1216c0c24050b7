"""The benchmarks' reports: rounded figures and the human-readable tables.

:func:`format_engine_table` prints the engine benchmark (``python -m bench``), one
column per network, with each target's PASS/MISS; :func:`format_browser_table` prints the
browser benchmark (``--browser``, ``python -m bench.browser``): medians, minimum and
maximum.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_STATUS = {True: "PASS", False: "MISS", None: "n/a"}


def rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return None
        if value == 0 or abs(value) >= 100:
            return round(value, 1)
        return float(f"{value:.4g}")
    return value


def is_correct(report: dict[str, Any]) -> bool:
    c = report["correct"]
    return bool(c["networkx_agrees"] and c["incremental_matches_recompute"])


def _fmt_engine(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
        return f"{text}{unit}"
    return str(value)


_ENGINE_TABLE_ROWS = (
    ("nodes", "nodes"),
    ("edges", "edges"),
    ("categories", "categories"),
    ("facilities", "facilities"),
    ("engine, all categories (ms)", "engine_ms"),
    ("engine, zero offsets (ms)", "engine_zero_offset_ms"),
    ("networkx (ms)", "networkx_ms"),
    ("  speed-up vs networkx (×)", "vs_networkx"),
    ("  same, in CPU time (×)", "vs_networkx_cpu"),
    ("  max |Δ| vs networkx (m)", "max_abs_diff_m"),
    ("  agrees with networkx", "networkx_agrees"),
    ("pandana: network nodes", "pandana_nodes"),
    ("pandana network build (ms)", "pandana_build_ms"),
    ("engine, zero offsets, same network (ms)", "pandana_engine_zero_offset_ms"),
    ("pandana (ms)", "pandana_ms"),
    ("  categories timed", "pandana_categories_timed"),
    ("  speed-up vs pandana (×)", "vs_pandana"),
    ("  same-subset speed-up (×)", "vs_pandana_same_subset"),
    ("  max |Δ| vs pandana (m)", "pandana_max_abs_diff_m"),
    ("  agrees with pandana", "pandana_agrees"),
    ("add one facility (ms)", "incremental_ms"),
    ("  equals full recompute", "incremental_matches_recompute"),
    ("1000 m isochrone (ms)", "isochrone_ms"),
    ("  same, in CPU time (ms)", "isochrone_cpu_ms"),
    ("  first call, builds index (ms)", "isochrone_first_call_ms"),
    ("  300/500/1000 m rings (ms)", "isochrone_3_rings_ms"),
    ("cold load (s)", "cold_load_s"),
    ("cached load (s)", "cached_load_s"),
    ("analyse (ms)", "analyse_ms"),
    ("add_facility + recount (ms)", "analysis_incremental_ms"),
)


def format_engine_table(report: dict[str, Any]) -> str:
    """The human-readable report."""
    b, g = report["bundled"], report["generated"]
    env = report["environment"]
    rows: list[tuple[str, str, str, str]] = []

    def row(label: str, key: str) -> None:
        target = report["targets"].get(key)
        mark = ""
        if target is not None:
            mark = f"{target['target']:<7}{_STATUS[target['pass']]}"
        rows.append((label, _fmt_engine(b.get(key)), _fmt_engine(g.get(key)), mark))

    for label, key in _ENGINE_TABLE_ROWS:
        row(label, key)
    width = max(len(r[0]) for r in rows) + 2
    lines = [
        f"lifecircle bench · numpy {env['numpy']} · scipy {env['scipy']} · networkx "
        f"{env['networkx']} · pandana {env['pandana'] or 'missing'} · {env['cpus']} CPUs · "
        f"load {_fmt_engine(env['loadavg_1m_before'])}",
        "",
        f"{'':<{width}}{'Lujiazui':>12}{'generated':>12}   target status",
    ]
    lines.extend(
        f"{label:<{width}}{left:>12}{right:>12}   {mark}".rstrip()
        for label, left, right, mark in rows
        if not (left == "n/a" and right == "n/a")
    )
    lines.append("")
    lines.extend(f"note: {n}" for n in report["notes"])
    lines.append(
        f"total {report['total_s']:.1f} s; correct: {'yes' if is_correct(report) else 'NO'}"
    )
    return "\n".join(lines)


_BROWSER_TABLE_ROWS = (
    ("static page, baseline (s)", "static_page_s"),
    ("map interactive (s)", "interactive_s"),
    ("  vs static page (×)", "interactive_vs_static"),
    ("  session started (s)", "interactive_session_s"),
    ("  map HTML arrived (s)", "interactive_map_sent_s"),
    ("  map drawn (s)", "interactive_map_drawn_s"),
    ("  received (KB)", "interactive_ws_kb"),
    ("map again, browser cache warm (s)", "interactive_revisit_s"),
    ("  session started (s)", "interactive_revisit_session_s"),
    ("  map HTML arrived (s)", "interactive_revisit_map_sent_s"),
    ("click → reach table (s)", "click_isochrone_s"),
    ("  map HTML arrived (s)", "click_map_sent_s"),
    ("  → isochrone drawn, idle (s)", "click_settled_s"),
    ("  received (KB)", "click_ws_kb"),
    ("Add to scenario → metrics, idle (s)", "scenario_edit_s"),
    ("  new metric shown (s)", "scenario_metric_shown_s"),
    ("  last map HTML arrived (s)", "scenario_map_sent_s"),
    ("  maps sent for one edit", "scenario_map_messages"),
    ("  → new point on the map (s)", "scenario_map_s"),
    ("  received (KB)", "scenario_edit_ws_kb"),
    ('  page\'s "Recomputed in" (ms)', "scenario_compute_ms"),
    ("  same edit in-process: apply (ms)", "scenario_apply_ms"),
    ("                       compare (ms)", "scenario_compare_ms"),
)


def _fmt_browser(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def format_browser_table(result: dict[str, Any]) -> str:
    """The human-readable report (medians, min, max, target, PASS/MISS)."""
    env = result["environment"]
    load = env["loadavg_before"]
    lines = [
        f"lifecircle bench --browser · Chromium {env['chromium']} · {env['cpus']} CPUs · "
        f"load {load[0] if load else 'n/a'} · {result['repeats']} repeats, warm caches",
        "",
        f"{'':<38}{'median':>9}{'min':>9}{'max':>9}   target status",
        f"{'cold first visit (s)':<38}{_fmt_browser(result['cold_interactive_s']):>9}",
    ]
    for label, key in _BROWSER_TABLE_ROWS:
        target = result["targets"].get(key)
        mark = f"{target['target']:<7}{_STATUS[target['pass']]}" if target else ""
        median, low, high = (
            _fmt_browser(r.get(key)) for r in (result, result["min"], result["max"])
        )
        lines.append(f"{label:<38}{median:>9}{low:>9}{high:>9}   {mark}".rstrip())
    lines.append("")
    lines.extend(f"note: {n}" for n in result["notes"])
    lines.append(f"total {result['total_s']:.1f} s")
    return "\n".join(lines)


def all_pass(result: dict[str, Any]) -> bool:
    return all(t["pass"] is not False for t in result["targets"].values())
