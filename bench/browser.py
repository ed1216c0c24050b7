"""How fast the dashboard is in a real browser, with warm caches.

One run starts ``streamlit run dashboard/app.py`` on a free port (district cache and
scenario folder in a temporary directory, file watcher off) and drives Debian's headless
Chromium against it with Playwright, every request to another host aborted as on an
offline machine. A first visit warms the district cache and Streamlit's resource caches
and is reported as ``cold_interactive_s``. Then, ``repeats`` times, a new browser context
(so a new Streamlit session) measures:

``static_page_s``
    the baseline: loading a trivial page (``/_stcore/health``) from the same server in the
    same browser, so that ``interactive_vs_static`` says how many trivial page loads the
    map costs, whatever the machine's speed;
``interactive_s``
    from the navigation to ``/?lang=en`` (in a browser context of its own, so with an
    empty HTTP cache) until the map is interactive: the
    ``st_folium`` iframe holds a sized ``.leaflet-container`` with its layer control and at
    least one drawn overlay (a painted canvas in the overlay pane, an SVG path or a
    marker), and the app is idle (connected, script not running, no stale element, no
    status widget offering to stop the run); ``interactive_revisit_s`` is the same in a
    second visit from that context (the app's scripts and the map's assets cached);
``click_isochrone_s``
    from a click in the middle of the map until the "Reachable on foot from the click"
    subheader and its table are shown;
``scenario_edit_s``
    on the Scenarios page (reached by clicking its sidebar link): a new scenario, a point
    drawn with Leaflet.Draw's marker tool on the most populous home not served by a
    clinic that is in view, kind "Service node" and category "Community health centre" in
    the form; from the press on "Add to scenario" until the metric "Residents newly
    served" shows a new value, the form is gone and the app is idle;
``scenario_compute_ms``
    what the page itself reports after that edit ("Recomputed in N ms").

Times are taken in the page with ``performance.now()``: navigations from the document's
time origin, clicks from the ``click`` event (a capturing listener), so Playwright's own
round trips are not counted. Conditions are polled on every animation frame. Figures
are medians over the repeats, with the minimum and maximum; the machine's load average
is recorded before and after, since a busy machine slows everything down.

The server comes from :mod:`bench.harness` (shared with the browser tests), the steps
from :mod:`bench.browser_steps`, the table from :mod:`bench.report`.

Besides the targets, the report carries figures for finding where time goes, from a
probe on the page's WebSocket: when the session started (``*_session_s``: the app's page
and scripts are loaded), when the map's HTML arrived (``*_map_sent_s``: the server has
run the script up to ``st_folium``) and when the map was drawn, the kilobytes received in
each step (``*_ws_kb``; the map's HTML travels there), how many maps one edit sent, and
the same scenario edit computed in this process with ``geo`` (``scenario_apply_ms``,
``scenario_compare_ms``): what the page's caption should be close to.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.browser_baseline import Baseline, load_baseline
from bench.browser_steps import (
    LANG,
    STEP_TIMEOUT_MS,
    Figures,
    Labels,
    Session,
    create_scenario,
    draw_point,
    load_labels,
    measure_click,
    measure_interactive,
    measure_scenario_edit,
    measure_static_page,
    open_scenarios_page,
    open_session,
)
from bench.config import whole_number_at_least
from bench.errors import BrowserBenchError, require_browser_tools
from bench.harness import (
    CHROMIUM,
    DashboardServer,
    ServerStartError,
    dashboard_server,
    running_chromium,
)
from bench.report import format_browser_table

DEFAULT_REPEATS = 3
COLD_TIMEOUT_MS = 180_000  # the first visit parses and analyses the district
APPLY_REPEATS = 5

EXIT_OK = 0
EXIT_FAILED = 1


# --- targets -------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrowserTarget:
    """An upper bound a median should stay under."""

    key: str
    bound: float
    issue: str

    def passes(self, value: float | None) -> bool | None:
        return None if value is None else value < self.bound

    @property
    def text(self) -> str:
        return f"< {self.bound:g}"


TARGETS = (
    BrowserTarget(
        "interactive_s",
        5.0,
        "With warm caches, the bundled district is interactive in a real browser within 5 s",
    ),
    BrowserTarget(
        "click_isochrone_s",
        1.0,
        "Issue 15: warm, a click on the map shows its isochrone and reach table within 1 s",
    ),
    BrowserTarget(
        "scenario_edit_s",
        1.0,
        "Issue 15: warm, after Add the updated metrics appear in the browser within 1 s",
    ),
    BrowserTarget("scenario_compute_ms", 50.0, "The scenario recompute takes under 50 ms"),
)

HEADLINE = (
    "interactive_s",
    "click_isochrone_s",
    "scenario_edit_s",
    "scenario_compute_ms",
    "static_page_s",
    "interactive_vs_static",
)
"""The figures at the top of the result (medians), before the ones that explain them."""


# --- the run -----------------------------------------------------------------------------------
def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    if abs(value) >= 100:
        return round(value, 1)
    return float(f"{value:.4g}")


def _summarise(runs: Sequence[Figures], keys: Sequence[str]) -> dict[str, Any]:
    median, low, high = {}, {}, {}
    for key in keys:
        values = [v for r in runs if (v := r.get(key)) is not None]
        if values:
            median[key] = _round(statistics.median(values))
            low[key] = _round(min(values))
            high[key] = _round(max(values))
    return {"median": median, "min": low, "max": high}


@contextlib.contextmanager
def _dashboard(workdir: Path) -> Iterator[DashboardServer]:
    """:func:`bench.harness.dashboard_server`; a server that does not start is our error."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(dashboard_server(workdir))
        except ServerStartError as exc:
            raise BrowserBenchError(str(exc)) from exc
        yield server


def _step(server: DashboardServer, session: Session, what: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, with a message that says which step failed and what the server said."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return fn()
    except (PlaywrightError, AssertionError) as exc:  # expect() raises AssertionError
        shot = ""
        if session.screenshot_dir is not None:
            name = re.sub(r"\W+", "-", what)
            path = session.screenshot_dir / f"bench-browser-{name}-FAILED.png"
            with contextlib.suppress(PlaywrightError, OSError):
                session.screenshot_dir.mkdir(parents=True, exist_ok=True)
                session.page.screenshot(path=str(path))
                shot = f"\nscreenshot: {path}"
        # Map tiles are blocked on purpose (offline); anything else is worth a look.
        blocked = [url for kind, url in session.blocked if kind != "image"]
        extra = f"\nblocked requests: {blocked[:5]}" if blocked else ""
        extra += f"\npage errors: {session.errors[:5]}" if session.errors else ""
        raise BrowserBenchError(
            f"{what}: {exc}{extra}{shot}\n--- streamlit log ---\n{server.log_tail()}"
        ) from exc


def _one_repeat(
    browser: Any,
    server: DashboardServer,
    labels: Labels,
    baseline: Baseline,
    index: int,
    *,
    screenshot_dir: Path | None,
) -> Figures:
    run: Figures = {}
    with open_session(browser, screenshot_dir=screenshot_dir) as session:
        static_s: float = _step(
            server, session, "static page", lambda: measure_static_page(session, server)
        )
        run["static_page_s"] = static_s
        run.update(
            _step(
                server,
                session,
                "map page",
                lambda: measure_interactive(session, server, timeout_ms=STEP_TIMEOUT_MS),
            )
        )
        # The same page again: a new Streamlit session, the browser's HTTP cache warm.
        run.update(
            _step(
                server,
                session,
                "map page again",
                lambda: measure_interactive(
                    session, server, timeout_ms=STEP_TIMEOUT_MS, name="interactive_revisit"
                ),
            )
        )
        run.update(_step(server, session, "click", lambda: measure_click(session, labels)))
        _step(server, session, "scenarios page", lambda: open_scenarios_page(session, labels))
        title = f"bench {index + 1} {os.getpid()}"
        _step(server, session, "create scenario", lambda: create_scenario(session, labels, title))
        lon, lat = _step(
            server, session, "draw", lambda: draw_point(session, baseline.clinic_candidates())
        )
        run.update(
            _step(server, session, "scenario edit", lambda: measure_scenario_edit(session, labels))
        )
        run.update(baseline.apply_clinic_ms(lon, lat, repeats=APPLY_REPEATS))
        interactive_s = run["interactive_s"]
        assert interactive_s is not None  # always measured
        run["interactive_vs_static"] = interactive_s / static_s
    return run


def _check_repeats(repeats: int) -> int:
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    return repeats


def run_browser_bench(
    *, repeats: int = DEFAULT_REPEATS, screenshot_dir: Path | None = None
) -> dict[str, Any]:
    """Time the dashboard in headless Chromium against a Streamlit server (warm caches).

    Returns the medians at the top level (``interactive_s``, ``click_isochrone_s``,
    ``scenario_edit_s``, ``scenario_compute_ms``, ``static_page_s``,
    ``interactive_vs_static``, and ``cold_interactive_s`` from the single cold visit),
    ``min``/``max`` over the repeats, every repeat under ``runs``, the targets with
    pass/miss, and the environment (Chromium's version, CPUs, load averages). Raises
    :class:`BrowserBenchError` when Chromium or Playwright is missing or the app does not
    get there; with ``screenshot_dir``, it leaves a screenshot of the failed step there.
    """
    _check_repeats(repeats)
    require_browser_tools(CHROMIUM, "sync_api")

    started = time.perf_counter()
    load_before = _loadavg()
    labels = load_labels(LANG)
    with (
        tempfile.TemporaryDirectory(prefix="lifecircle-bench-browser-") as tmp,
        _dashboard(Path(tmp)) as server,
        running_chromium() as browser,
    ):
        with open_session(browser, screenshot_dir=screenshot_dir) as session:
            cold = _step(
                server,
                session,
                "cold visit",
                lambda: measure_interactive(session, server, timeout_ms=COLD_TIMEOUT_MS),
            )
        baseline = load_baseline(server.cache_dir)
        runs = [
            _one_repeat(browser, server, labels, baseline, i, screenshot_dir=screenshot_dir)
            for i in range(repeats)
        ]
        version = browser.version

    keys = list(dict.fromkeys(key for run in runs for key in run))
    summary = _summarise(runs, keys)
    median = summary["median"]
    result: dict[str, Any] = {key: median.get(key) for key in HEADLINE}
    result["cold_interactive_s"] = _round(cold["interactive_s"])
    result.update({k: v for k, v in median.items() if k not in result})
    notes = [
        "warm caches: one cold visit first (cold_interactive_s), then per repeat a new "
        "browser context (a new Streamlit session, an empty HTTP cache); "
        "interactive_revisit_s loads the map again in that context (HTTP cache warm)",
        "times are taken in the page (performance.now) from the navigation or the click "
        "event; conditions polled every animation frame",
        "scenario_compute_ms is the page's own caption; scenario_apply_ms and "
        "scenario_compare_ms are the same edit timed in the benchmark's process",
        "*_ws_kb: bytes received over Streamlit's WebSocket during the step",
    ]
    shown, apply_ms, compare_ms = (
        median.get(k) for k in ("scenario_compute_ms", "scenario_apply_ms", "scenario_compare_ms")
    )
    in_process_ms = None if apply_ms is None or compare_ms is None else apply_ms + compare_ms
    if shown is not None and in_process_ms is not None and shown < 0.5 * in_process_ms:
        notes.append(
            f"the page says {shown:g} ms, less than half of the {in_process_ms:.0f} ms the same "
            "edit takes here: its caption probably times a cache hit"
        )
    result.update(
        {
            "min": summary["min"],
            "max": summary["max"],
            "runs": [{k: None if v is None else _round(v) for k, v in r.items()} for r in runs],
            "repeats": repeats,
            "targets": {
                t.key: {
                    "value": median.get(t.key),
                    "target": t.text,
                    "pass": t.passes(median.get(t.key)),
                    "issue": t.issue,
                }
                for t in TARGETS
            },
            "notes": notes,
            "environment": {
                "chromium": version,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "loadavg_before": load_before,
                "loadavg_after": _loadavg(),
            },
            "total_s": _round(time.perf_counter() - started),
        }
    )
    return result


# --- entry points ------------------------------------------------------------------------------
_repeat_count = whole_number_at_least(1, "repeat")


def add_arguments(parser: argparse.ArgumentParser, *, prefix: str = "") -> None:
    """The browser benchmark's options; ``prefix="browser-"`` for ``lifecircle bench``.

    With a prefix it also adds ``--browser`` (run the browser benchmark).
    """
    if prefix:
        parser.add_argument(
            "--browser",
            action="store_true",
            help="also time the dashboard in headless Chromium (warm caches)",
        )
    parser.add_argument(
        f"--{prefix}repeats",
        type=_repeat_count,
        default=DEFAULT_REPEATS,
        help=f"browser sessions to take medians over (default {DEFAULT_REPEATS})",
    )


def run(args: argparse.Namespace) -> int:
    """Run the browser benchmark and print the report; 1 if it could not run."""
    try:
        result = run_browser_bench(
            repeats=args.repeats, screenshot_dir=getattr(args, "screenshots", None)
        )
    except BrowserBenchError as exc:
        print(f"bench: browser: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result, ensure_ascii=False, allow_nan=False))
    else:
        print(format_browser_table(result))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.browser [--json] [--repeats N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.browser",
        description="Time the dashboard in headless Chromium against a Streamlit server.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="folder for a screenshot of a failed step"
    )
    add_arguments(parser)
    return run(parser.parse_args(list(argv) if argv is not None else None))


if __name__ == "__main__":
    raise SystemExit(main())
