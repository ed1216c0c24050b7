"""Many users at once: time to map and click-to-isochrone for N simultaneous sessions.

``python -m bench --users 1 10 30`` (or ``lifecircle bench --users ...``) starts one
real Streamlit server (:func:`bench.harness.dashboard_server`) and one headless Chromium,
warms the server with a single visit (``cold_s``: the district is loaded and analysed
and the map rendered once), then for each N runs ``--users-rounds`` rounds in which N
users open the map page at the same moment: one of them in a real Chromium context
(blocked from the internet), which waits until its map is interactive (``map_s``, from
its navigation), clicks the middle of the map and waits for the reach table
(``click_s``, from the click), as :mod:`bench.browser` measures them; the other N − 1
are Streamlit sessions without a browser (:mod:`bench.session_client`): they exchange
exactly the messages a browser tab does (the page, then the click's widget value), so
the server does the same work for them, but they do not draw.

Why not N browsers: on the 2-core machine the benchmark runs on, every Chromium tab
spends several CPU seconds running Streamlit's frontend and drawing the map, and N tabs
would share the server's two cores. In a workshop each participant's browser runs on
their own phone or laptop; what the participants share is the server. So the time to
map of a user among N is measured on a real browser whose only competitors for the
server are the N − 1 others, and the ratio (issue 16: at most 2×) is the Chromium
user's median time to map at 10 users over its median alone, in the same run.
``--users-all-browsers`` runs every user in Chromium instead (the machine's limit: it
measures N renderers on two cores). Users and steps are bounded (:data:`MAX_USERS`,
``--users-timeout``).
"""

from __future__ import annotations

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
from bench.load_options import (
    DEFAULT_ROUNDS,
    DEFAULT_TIMEOUT_S,
    DEFAULT_USERS,
)
from bench.session_client import SessionClient, SessionError

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


# --- the summary and the report ---------------------------------------------------------------
def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summarise_level(
    users: int,
    times: Sequence[UserTimes],
    cpu_s: float | None,
    browser_cpu_s: float | None = None,
    sessions: Sequence[UserTimes] = (),
) -> dict[str, Any]:
    """Median and max of each figure over the browser users that got there (``times``),
    the same for the browserless sessions (``sessions``), how many did not get there, and
    the CPU seconds the server (``cpu_s``) and the browser used meanwhile."""
    level: dict[str, Any] = {"users": users}
    for prefix, group in (("", times), ("session_", sessions)):
        for name in ("map_s", "click_s", "served_s"):
            values = [v for t in group if (v := getattr(t, name)) is not None]
            level[f"{prefix}{name[:-2]}_median_s"] = (
                _round(statistics.median(values)) if values else None
            )
            level[f"{prefix}{name[:-2]}_max_s"] = _round(max(values)) if values else None
    everyone = [*times, *sessions]
    level["failed"] = sum(1 for t in everyone if t.map_s is None or t.click_s is None)
    level["errors"] = sorted({t.error for t in everyone if t.error})[:3]
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
    levels: Sequence[dict[str, Any]],
    *,
    cold_s: float | None,
    environment: dict[str, Any],
    mode: str = "one_browser",
) -> dict[str, Any]:
    ratio = median_ratio(levels, "map_median_s")
    return {
        "mode": mode,
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
        "users at once against one dashboard server (Lujiazui, warm server caches); "
        + (
            "every user in Chromium"
            if report.get("mode") == "all_browsers"
            else "map and click: the Chromium user; sessions: the other users, no browser"
        ),
        f"{'users':>5}  {'map median s':>12}  {'map max s':>9}  {'click median s':>14}  "
        f"{'click max s':>11}  {'failed':>6}  {'server CPU s':>12}  {'browser CPU s':>13}  "
        f"{'map served s':>12}  {'sessions map s':>14}  {'sessions click s':>16}",
    ]
    for lv in report["levels"]:
        rows.append(
            f"{lv['users']:>5}  {_cell(lv['map_median_s']):>12}  {_cell(lv['map_max_s']):>9}  "
            f"{_cell(lv['click_median_s']):>14}  {_cell(lv['click_max_s']):>11}  "
            f"{lv['failed']:>6}  {_cell(lv['server_cpu_s']):>12}  "
            f"{_cell(lv.get('browser_cpu_s')):>13}  {_cell(lv.get('served_median_s')):>12}  "
            f"{_cell(lv.get('session_map_median_s')):>14}  "
            f"{_cell(lv.get('session_click_median_s')):>16}"
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


async def _one_session(base_url: str, centre: tuple[float, float], timeout_s: float) -> UserTimes:
    """A browserless session: the map page, then a click in the middle of the map."""
    try:
        async with SessionClient(base_url, query=f"lang={LANG}") as client:
            seen = await client.open_map(timeout_s)
            lat, lng = centre
            click_s = await client.click_map(seen, lat=lat, lng=lng, timeout_s=timeout_s)
            return UserTimes(seen.seconds, click_s, None, seen.seconds)
    except (SessionError, OSError) as exc:
        return UserTimes(None, None, str(exc).splitlines()[0][:200] if str(exc) else "closed")


@dataclass
class _Meter:
    """CPU seconds of the server and of the browser's processes over a level."""

    server_pid: int
    server_s: float | None = None
    browser_s: float | None = None

    def __post_init__(self) -> None:
        self._server0 = process_cpu_s(self.server_pid)
        self._browser0 = descendants_cpu_s(os.getpid(), exclude=self.server_pid)

    def stop(self) -> None:
        server = process_cpu_s(self.server_pid)
        browser = descendants_cpu_s(os.getpid(), exclude=self.server_pid)
        if server is not None and self._server0 is not None:
            self.server_s = server - self._server0
        if browser is not None and self._browser0 is not None:
            self.browser_s = browser - self._browser0


async def _browser_users(
    browser: Any, url: str, users: int, reach_title: str, timeout_s: float
) -> list[UserTimes]:
    """``users`` Chromium contexts that all start navigating at the same moment."""
    from playwright.async_api import Error as PlaywrightError

    opened = await asyncio.gather(*(_new_page(browser) for _ in range(users)))
    try:
        return list(
            await asyncio.gather(
                *(_one_user(page, url, reach_title, timeout_s) for _, page in opened)
            )
        )
    finally:
        for context, _ in opened:
            with contextlib.suppress(PlaywrightError):
                await context.close()


async def _level(
    browser: Any,
    server: DashboardServer,
    users: int,
    *,
    reach_title: str,
    centre: tuple[float, float],
    timeout_s: float,
    rounds: int,
    all_browsers: bool,
) -> dict[str, Any]:
    """``rounds`` rounds of ``users`` users arriving at the same moment: one Chromium user
    and ``users - 1`` browserless sessions (or ``users`` Chromium users)."""
    url = server.url(f"/?lang={LANG}")
    meter = _Meter(server.process.pid)
    in_browser: list[UserTimes] = []
    sessions: list[UserTimes] = []
    for _ in range(rounds):
        if all_browsers:
            in_browser += await _browser_users(browser, url, users, reach_title, timeout_s)
            continue
        browser_task = asyncio.ensure_future(
            _browser_users(browser, url, 1, reach_title, timeout_s)
        )
        sessions += await asyncio.gather(
            *(_one_session(server.url(""), centre, timeout_s) for _ in range(users - 1))
        )
        in_browser += await browser_task
    meter.stop()
    return summarise_level(users, in_browser, meter.server_s, meter.browser_s, sessions)


async def _map_centre(
    browser: Any, server: DashboardServer, timeout_s: float
) -> tuple[float, float]:
    """The (lat, lng) a browser user clicks: the middle of the map as first shown."""
    context, page = await _new_page(browser)
    try:
        await page.goto(server.url(f"/?lang={LANG}"), wait_until="commit")
        await _wait_marks(page, marks_js(MAP_INTERACTIVE, since_click=False), timeout_s)
        handle = await page.locator(MAP_IFRAME).element_handle(timeout=timeout_s * 1000)
        frame = await handle.content_frame()
        centre = await frame.evaluate(
            "(() => { const c = window.map.getCenter(); return [c.lat, c.lng]; })()"
        )
        return float(centre[0]), float(centre[1])
    finally:
        await context.close()


async def _run(
    server: DashboardServer,
    levels: Sequence[int],
    timeout_s: float,
    rounds: int,
    all_browsers: bool,
) -> tuple[float | None, list[dict[str, Any]], str]:
    from playwright.async_api import async_playwright

    reach_title = load_labels(LANG).reach_title
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            cold = summarise_level(
                1,
                await _browser_users(
                    browser, server.url(f"/?lang={LANG}"), 1, reach_title, COLD_TIMEOUT_S
                ),
                None,
            )
            if cold["failed"]:
                raise BrowserBenchError(
                    f"the first visit did not get to a map and a click: {cold['errors']}"
                    f"\n--- streamlit log ---\n{server.log_tail()}"
                )
            centre = await _map_centre(browser, server, timeout_s)
            found = [
                await _level(
                    browser,
                    server,
                    n,
                    reach_title=reach_title,
                    centre=centre,
                    timeout_s=timeout_s,
                    rounds=rounds,
                    all_browsers=all_browsers,
                )
                for n in levels
            ]
            return cold["map_median_s"], found, browser.version
        finally:
            await browser.close()


def _loadavg() -> list[float] | None:
    with contextlib.suppress(OSError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def run_load_bench(
    levels: Sequence[int] = DEFAULT_USERS,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    rounds: int = DEFAULT_ROUNDS,
    all_browsers: bool = False,
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
                cold_s, found, version = asyncio.run(
                    _run(server, levels, timeout_s, rounds, all_browsers)
                )
        except ServerStartError as exc:
            raise BrowserBenchError(str(exc)) from exc
    environment = {
        "chromium": version,
        "cpus": os.cpu_count(),
        "loadavg_before": before,
        "loadavg_after": _loadavg(),
        "total_s": _round(time.perf_counter() - started),
    }
    mode = "all_browsers" if all_browsers else "one_browser"
    return build_report(found, cold_s=cold_s, environment=environment, mode=mode)
