"""``python -m bench``: the options, the run, the report on stdout, the exit status.

``lifecircle bench ARGS`` runs ``python -m bench ARGS`` in a child process. With
``--browser`` the browser benchmark (:mod:`bench.browser`) runs after the engine's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bench.agreement import NX_TOLERANCE_M
from bench.browser import add_arguments as add_browser_arguments
from bench.browser import run_browser_bench
from bench.config import (
    DEFAULT_SEED,
    FULL_NODES,
    PANDANA_NODES,
    QUICK_NODES,
    QUICK_PANDANA_NODES,
    config_from_args,
    whole_number_at_least,
)
from bench.errors import BrowserBenchError
from bench.load_options import add_arguments as add_load_arguments
from bench.measure import build_report
from bench.report import format_browser_table, format_engine_table, is_correct

EXIT_OK = 0
EXIT_WRONG = 1

_node_count = whole_number_at_least(100, "nodes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``lifecircle bench``."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--nodes",
        type=_node_count,
        default=None,
        help=f"size of the generated network (default {FULL_NODES:,}; "
        f"{QUICK_NODES:,} with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small network and fewer repeats (CI smoke test)"
    )
    parser.add_argument(
        "--pandana-nodes",
        type=_node_count,
        default=None,
        help=f"size of the generated network pandana is compared on (default {PANDANA_NODES:,}; "
        f"{QUICK_PANDANA_NODES:,} with --quick): its build takes minutes at 100,000",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated network"
    )
    add_browser_arguments(parser, prefix="browser-")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="district and city scale: Lujiazui tiled to ~100k and ~1M street nodes, "
        "time and peak memory of each stage (several minutes)",
    )
    parser.add_argument(
        "--scale-nodes",
        type=_node_count,
        nargs="+",
        default=None,
        help="sizes for --scale (default 100000 1000000; 20000 with --quick)",
    )
    parser.add_argument(
        "--dashboard-scale",
        action="store_true",
        help="the dashboard in headless Chromium on Lujiazui tiled to ~100k street nodes "
        "(--scale-nodes sets the size) against the bundled Lujiazui (several minutes)",
    )
    add_load_arguments(parser)
    parser.add_argument(
        "--siting",
        action="store_true",
        help="time the site suggestion instead (bench/siting.py; --quick: smaller instances)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the report; 1 if the engine's answers are wrong."""
    if getattr(args, "users", None) is not None:
        return run_users(args)
    if getattr(args, "dashboard_scale", False):
        return run_dashboard_scale(args)
    if getattr(args, "scale", False):
        return run_scale(args)
    if getattr(args, "siting", False):
        return run_siting(args)
    config = config_from_args(args)
    report = build_report(config)
    browser_failed = False
    if getattr(args, "browser", False):
        try:
            report["browser"] = run_browser_bench(repeats=args.browser_repeats)
        except BrowserBenchError as exc:
            print(f"bench: browser: {exc}", file=sys.stderr)
            browser_failed = True
    if args.json:
        print(json.dumps(report, ensure_ascii=False, allow_nan=False))
    else:
        print(format_engine_table(report))
        if "browser" in report:
            print()
            print(format_browser_table(report["browser"]))
    if not is_correct(report):
        c = report["correct"]
        print(
            "bench: WRONG ANSWERS: "
            f"networkx agrees={c['networkx_agrees']} (max |Δ| {c['max_abs_diff_m']} m, "
            f"tolerance {NX_TOLERANCE_M} m), incremental matches recompute="
            f"{c['incremental_matches_recompute']}",
            file=sys.stderr,
        )
        return EXIT_WRONG
    if report["correct"]["pandana_agrees"] is False:
        print("bench: warning: pandana's distances differ from the engine's", file=sys.stderr)
    return EXIT_WRONG if browser_failed else EXIT_OK


def run_scale(args: argparse.Namespace) -> int:
    """``--scale``: the district and city benchmark (:mod:`bench.scale`)."""
    from bench.scale import (
        DEFAULT_SIZES,
        QUICK_SIZES,
        ScaleBenchError,
        format_scale_table,
        run_scale_bench,
    )

    sizes = tuple(args.scale_nodes or (QUICK_SIZES if args.quick else DEFAULT_SIZES))
    try:
        report = run_scale_bench(sizes=sizes)
    except ScaleBenchError as exc:
        print(f"bench: scale: {exc}", file=sys.stderr)
        return EXIT_WRONG
    print(json.dumps(report, ensure_ascii=False) if args.json else format_scale_table(report))
    return EXIT_OK


def run_dashboard_scale(args: argparse.Namespace) -> int:
    """``--dashboard-scale``: the dashboard on a whole district (:mod:`bench.dashboard_scale`)."""
    from bench.dashboard_scale import (
        DEFAULT_NODES,
        DashboardScaleError,
        format_dashboard_scale_table,
        run_dashboard_scale_bench,
    )

    nodes = args.scale_nodes[0] if args.scale_nodes else DEFAULT_NODES
    try:
        report = run_dashboard_scale_bench(nodes=nodes)
    except DashboardScaleError as exc:
        print(f"bench: dashboard-scale: {exc}", file=sys.stderr)
        return EXIT_WRONG
    print(
        json.dumps(report, ensure_ascii=False)
        if args.json
        else format_dashboard_scale_table(report)
    )
    return EXIT_OK


def run_users(args: argparse.Namespace) -> int:
    """``--users N ...``: many users at once against one dashboard server (:mod:`bench.load`)."""
    from bench.load import format_load_table, run_load_bench
    from bench.load_options import user_levels

    try:
        report = run_load_bench(
            user_levels(args.users),
            timeout_s=args.users_timeout,
            rounds=args.users_rounds,
            all_browsers=args.users_all_browsers,
        )
    except BrowserBenchError as exc:
        print(f"bench: users: {exc}", file=sys.stderr)
        return EXIT_WRONG
    print(json.dumps(report, ensure_ascii=False) if args.json else format_load_table(report))
    return EXIT_OK


def run_siting(args: argparse.Namespace) -> int:
    """``--siting``: the site-suggestion benchmark alone."""
    from bench.siting import format_siting_table, run_siting_bench

    report = run_siting_bench(quick=bool(args.quick), seed=int(args.seed))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, allow_nan=False))
    else:
        print(format_siting_table(report))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """``lifecircle bench [--json] [--nodes N] [--quick] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="lifecircle bench",
        description="Time the walking-distance engine against networkx and pandana.",
    )
    add_arguments(parser)
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run(args)
