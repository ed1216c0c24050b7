"""Many users at once: time to map and click-to-isochrone for N simultaneous sessions.

``python -m bench --users 1 10 30`` (or ``lifecircle bench --users ...``) starts one
real Streamlit server (:func:`bench.harness.dashboard_server`) and one headless Chromium,
warms the server with a single visit (``cold_s``: the district is loaded and analysed
and the map rendered once), then for each N opens N browser contexts (N Streamlit
sessions, each blocked from the internet) that navigate to the map page at the same
moment. Each user waits until its map is interactive (``map_s``, from its navigation),
then clicks the middle of the map and waits for the reach table (``click_s``, from the
click event), as :mod:`bench.browser` measures them, with the same predicates
(:mod:`bench.browser_js`), polled every :data:`POLL_MS`.

The report gives, per N, the median and maximum of both, the users that did not get
there within the step's time bound, the server's CPU seconds during the level, and the
ratio of the 10-user median time to map to the 1-user median measured in the same run
(issue 16: at most 2×). The number of users is bounded (:data:`MAX_USERS`) and so is
every step (``--users-timeout``).

Chromium runs on the same machine as the server, so N users also means N renderers
drawing a map: the ratio includes the browser's share of the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.browser_js import ARM_CLICK_JS, WS_PROBE_JS, js_str, marks_js
from bench.browser_steps import LANG, MAP_IFRAME, MAP_INTERACTIVE, VIEWPORT, load_labels
from bench.errors import BrowserBenchError, require_browser_tools
from bench.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REMOTE_URL,
    DashboardServer,
    ServerStartError,
    dashboard_server,
)

DEFAULT_USERS = (1, 10, 30)
MAX_USERS = 50
"""More contexts than this would measure the machine's memory, not the dashboard."""
DEFAULT_TIMEOUT_S = 300.0
COLD_TIMEOUT_S = 300.0
POLL_MS = 100  # coarser than every frame: 30 pages polling each frame would load the CPU
RATIO_USERS = (10, 1)
RATIO_TARGET = 2.0


@dataclass(frozen=True)
class UserTimes:
    """One user's times in seconds (None: did not get there within the time bound)."""

    map_s: float | None
    click_s: float | None
    error: str | None = None
    served_s: float | None = None
    """From the session's first message to the map's HTML: the server's part of ``map_s``."""


# --- arguments -----------------------------------------------------------------------------
def user_count(text: str) -> int:
    """An argparse ``type``: a number of users from 1 to :data:`MAX_USERS`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_USERS:
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_USERS} users, not {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("give a time bound from 0 to 3600 s")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--users N [N ...]`` and ``--users-timeout S``."""
    parser.add_argument(
        "--users",
        type=user_count,
        nargs="*",
        default=None,
        metavar="N",
        help="time to map and click for N users at once against one dashboard server "
        f"(default {' '.join(map(str, DEFAULT_USERS))}; at most {MAX_USERS})",
    )
    parser.add_argument(
        "--users-timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT_S,
        help=f"time bound of each user's step with --users (default {DEFAULT_TIMEOUT_S:g} s)",
    )


def user_levels(given: Sequence[int] | None) -> tuple[int, ...]:
    """The levels to run: the given ones in order without repeats, else the defaults."""
    return tuple(dict.fromkeys(given)) if given else DEFAULT_USERS


# --- the summary and the report ---------------------------------------------------------------
def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summarise_level(
    users: int,
    times: Sequence[UserTimes],
    cpu_s: float | None,
    browser_cpu_s: float | None = None,
) -> dict[str, Any]:
    """Median and max of each figure over the users that got there, and how many did not;
    the CPU seconds the server (``cpu_s``) and the browser used meanwhile."""
    level: dict[str, Any] = {"users": users}
    for name in ("map_s", "click_s", "served_s"):
        values = [v for t in times if (v := getattr(t, name)) is not None]
        level[f"{name[:-2]}_median_s"] = _round(statistics.median(values)) if values else None
        level[f"{name[:-2]}_max_s"] = _round(max(values)) if values else None
    level["failed"] = sum(1 for t in times if t.map_s is None or t.click_s is None)
    level["errors"] = sorted({t.error for t in times if t.error})[:3]
    level["server_cpu_s"] = _round(cpu_s)
    level["browser_cpu_s"] = _round(browser_cpu_s)
    return level


def median_ratio(levels: Sequence[dict[str, Any]], key: str) -> float | None:
    """``key`` at 10 users over ``key`` at 1 user (None unless both were measured)."""
    by_users = {level["users"]: level.get(key) for level in levels}
    many, one = (by_users.get(n) for n in RATIO_USERS)
    if not many or not one:
        return None
    return round(float(many) / float(one), 2)


def build_report(
    levels: Sequence[dict[str, Any]], *, cold_s: float | None, environment: dict[str, Any]
) -> dict[str, Any]:
    ratio = median_ratio(levels, "map_median_s")
    return {
        "levels": list(levels),
        "cold_s": _round(cold_s),
        "map_ratio_10_to_1": ratio,
        "click_ratio_10_to_1": median_ratio(levels, "click_median_s"),
        "target": {
            "map_ratio_10_to_1": f"<= {RATIO_TARGET:g}",
            "pass": None if ratio is None else ratio <= RATIO_TARGET,
        },
        "environment": environment,
    }


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def format_load_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    rows = [
        "users at once against one dashboard server (Lujiazui, warm server caches)",
        f"{'users':>5}  {'map median s':>12}  {'map max s':>9}  {'click median s':>14}  "
        f"{'click max s':>11}  {'failed':>6}  {'server CPU s':>12}  {'browser CPU s':>13}  "
        f"{'map served s':>12}",
    ]
    for lv in report["levels"]:
        rows.append(
            f"{lv['users']:>5}  {_cell(lv['map_median_s']):>12}  {_cell(lv['map_max_s']):>9}  "
            f"{_cell(lv['click_median_s']):>14}  {_cell(lv['click_max_s']):>11}  "
            f"{lv['failed']:>6}  {_cell(lv['server_cpu_s']):>12}  "
            f"{_cell(lv.get('browser_cpu_s')):>13}  {_cell(lv.get('served_median_s')):>12}"
        )
        rows.extend(f"       error: {e}" for e in lv.get("errors", []))
    rows.append(
        f"cold first visit (builds the shared analysis and map): {_cell(report['cold_s'])} s"
    )
    ratio = report["map_ratio_10_to_1"]
    if ratio is None:
        rows.append("10-user / 1-user median time to map: not measured (run --users 1 10)")
    else:
        verdict = "PASS" if report["target"]["pass"] else "MISS"
        rows.append(
            f"10-user / 1-user median time to map: {ratio:.2f}× "
            f"(target {report['target']['map_ratio_10_to_1']}×) {verdict}"
        )
    click = report["click_ratio_10_to_1"]
    if click is not None:
        rows.append(f"10-user / 1-user median click to isochrone: {click:.2f}×")
    env = report["environment"]
    rows.append(
        f"{env.get('cpus')} CPUs, load average before {env.get('loadavg_before')}, "
        f"after {env.get('loadavg_after')}"
    )
    return "\n".join(rows)


# --- the run ---------------------------------------------------------------------------------
def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far (Linux; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants_cpu_s(root: int, *, exclude: int) -> float | None:
    """CPU seconds used so far by the processes below ``root`` (Chromium, Playwright's
    driver), leaving out ``exclude`` and the processes below it (the server)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
    if not parents:
        return None

    def below(pid: int) -> bool:
        while pid in parents and pid not in (root, exclude, 0):
            pid = parents[pid]
        return pid == root

    found = [pid for pid in parents if pid != root and below(pid)]
    return sum(process_cpu_s(pid) or 0.0 for pid in found)


async def _wait_marks(page: Any, js: str, timeout_s: float) -> dict[str, float]:
    handle = await page.wait_for_function(js, polling=POLL_MS, timeout=timeout_s * 1000)
    marks: dict[str, float] = await handle.json_value()
    await handle.dispose()
    return marks


async def _block_remote(context: Any) -> None:
    async def route(route: Any) -> None:
        await route.abort("internetdisconnected")

    await context.route(REMOTE_URL, route)


async def _new_page(browser: Any) -> tuple[Any, Any]:
    """A new context (a new Streamlit session) that cannot reach the internet, and a page."""
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
    await _block_remote(context)
    await context.add_init_script(WS_PROBE_JS)
    return context, await context.new_page()


async def _one_user(page: Any, url: str, reach_title: str, timeout_s: float) -> UserTimes:
    """Navigate to the map, wait until it is interactive, click it, wait for the reach."""
    from playwright.async_api import Error as PlaywrightError

    map_s = served_s = None
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        marks = await _wait_marks(page, marks_js(MAP_INTERACTIVE, since_click=False), timeout_s)
        map_s = marks["interactive"] / 1e3
        first, sent = marks.get("first_message"), marks.get("map_sent")
        served_s = None if first is None or sent is None else (sent - first) / 1e3
        handle = await page.locator(MAP_IFRAME).element_handle(timeout=timeout_s * 1000)
        frame = await handle.content_frame()
        container = frame.locator(".leaflet-container")
        box = await container.bounding_box()
        if box is None:
            return UserTimes(map_s, None, "the map has no size", served_s)
        groups = {"shown": [f"heading({js_str(reach_title)})", "idle()"]}
        await frame.evaluate(ARM_CLICK_JS)
        await container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        marks = await _wait_marks(page, marks_js(groups, since_click=True), timeout_s)
        return UserTimes(map_s, marks["shown"] / 1e3, None, served_s)
    except PlaywrightError as exc:
        return UserTimes(map_s, None, str(exc).splitlines()[0][:200], served_s)


async def _level(
    browser: Any, server: DashboardServer, users: int, reach_title: str, timeout_s: float
) -> dict[str, Any]:
    """``users`` sessions that all start navigating at the same moment."""
    from playwright.async_api import Error as PlaywrightError

    url = server.url(f"/?lang={LANG}")
    opened = await asyncio.gather(*(_new_page(browser) for _ in range(users)))
    try:
        me, pid = os.getpid(), server.process.pid
        cpu_before = process_cpu_s(pid)
        browser_before = descendants_cpu_s(me, exclude=pid)
        times = await asyncio.gather(
            *(_one_user(page, url, reach_title, timeout_s) for _, page in opened)
        )
        cpu_after = process_cpu_s(pid)
        browser_after = descendants_cpu_s(me, exclude=pid)
    finally:
        for context, _ in opened:
            with contextlib.suppress(PlaywrightError):
                await context.close()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    browser_cpu = (
        None if browser_before is None or browser_after is None else browser_after - browser_before
    )
    return summarise_level(users, times, cpu, browser_cpu)


async def _run(
    server: DashboardServer, levels: Sequence[int], timeout_s: float
) -> tuple[float | None, list[dict[str, Any]], str]:
    from playwright.async_api import async_playwright

    reach_title = load_labels(LANG).reach_title
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            cold = await _level(browser, server, 1, reach_title, COLD_TIMEOUT_S)
            if cold["failed"]:
                raise BrowserBenchError(
                    f"the first visit did not get to a map and a click: {cold['errors']}"
                    f"\n--- streamlit log ---\n{server.log_tail()}"
                )
            found = [await _level(browser, server, n, reach_title, timeout_s) for n in levels]
            return cold["map_median_s"], found, browser.version
        finally:
            await browser.close()


def _loadavg() -> list[float] | None:
    with contextlib.suppress(OSError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def run_load_bench(
    levels: Sequence[int] = DEFAULT_USERS, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, Any]:
    """Run every level against one server; the report (see :func:`build_report`).

    Raises
    ------
    BrowserBenchError
        Chromium or Playwright is missing, the server does not start, or the first
        (warming) visit does not get to a map and a click.
    """
    require_browser_tools(CHROMIUM, "async_api")
    started = time.perf_counter()
    before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="lifecircle-bench-users-") as tmp:
        try:
            with dashboard_server(Path(tmp)) as server:
                cold_s, found, version = asyncio.run(_run(server, levels, timeout_s))
        except ServerStartError as exc:
            raise BrowserBenchError(str(exc)) from exc
    environment = {
        "chromium": version,
        "cpus": os.cpu_count(),
        "loadavg_before": before,
        "loadavg_after": _loadavg(),
        "total_s": _round(time.perf_counter() - started),
    }
    return build_report(found, cold_s=cold_s, environment=environment)
