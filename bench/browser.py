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
    clinic that is in view, kind "Service node" and category "Clinic & health station" in
    the form; from the press on "Add to scenario" until the metric "Residents newly
    served" shows a new value, the form is gone and the app is idle;
``scenario_compute_ms``
    what the page itself reports after that edit ("Recomputed in N ms").

Times are taken in the page with ``performance.now()``: navigations from the document's
time origin, clicks from the ``click`` event (a capturing listener), so Playwright's own
round trips are not counted. Conditions are polled on every animation frame. Figures
are medians over the repeats, with the minimum and maximum; the machine's load average
is recorded before and after, since a busy machine slows everything down.

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
import itertools
import json
import math
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    CHROMIUM,
    BlockedRequest,
    DashboardServer,
    ServerStartError,
    block_remote_requests,
    dashboard_server,
    running_chromium,
)

VIEWPORT = {"width": 1400, "height": 1600}  # map, scenario form and buttons at once
LANG = "en"
DISTRICT = "lujiazui"
CATEGORY = "clinic"

DEFAULT_REPEATS = 3
COLD_TIMEOUT_MS = 180_000  # the first visit parses and analyses the district
STEP_TIMEOUT_MS = 60_000
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Where the drawn point may go, in pixels from the map's edges: clear of the zoom and
# draw toolbars (top left), the layer control (top right) and the attribution.
MARGIN_PX = 70
SITE_CANDIDATES = 40
APPLY_REPEATS = 5
MAP_MESSAGE_BYTES = 100_000  # a WebSocket message this large carries a map's HTML

EXIT_OK = 0
EXIT_FAILED = 1


Figures = dict[str, float | None]
"""Named measurements of one step (None: not observed, e.g. no map was sent)."""


class BrowserBenchError(RuntimeError):
    """The browser benchmark could not run (no Chromium, the app did not answer, ...)."""


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
        "scenario_edit_s",
        2.0,
        "After an edit, the updated metrics and map appear in the browser within 2 s",
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


# --- labels --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Labels:
    """What the page shows, from the dashboard's own strings (never copies)."""

    page_scenarios: str
    reach_title: str
    scn_new_title: str
    scn_create: str
    scn_pick: str
    scn_kind: str
    scn_add: str
    scn_newly_served: str
    category: str
    kind_facility: str
    category_name: str
    timing_re: re.Pattern[str]

    @property
    def scenario_tooltip(self) -> str:
        return f"{self.kind_facility} · {self.category_name}"


def load_labels(lang: str = LANG) -> Labels:
    from geo.standards.taxonomy import load_taxonomy
    from lifecircle.i18n import t

    timing = t("scn_timing", lang, ms="\0")
    head, _, tail = timing.partition("\0")
    return Labels(
        page_scenarios=t("page_scenarios", lang),
        reach_title=t("reach_title", lang),
        scn_new_title=t("scn_new_title", lang),
        scn_create=t("scn_create", lang),
        scn_pick=t("scn_pick", lang),
        scn_kind=t("scn_kind", lang),
        scn_add=t("scn_add", lang),
        scn_newly_served=t("scn_newly_served", lang),
        category=t("category", lang),
        kind_facility=t("kind_facility", lang),
        category_name=load_taxonomy().get(CATEGORY).name(lang),
        timing_re=re.compile(re.escape(head) + r"\s*([0-9][0-9,.]*)\s*" + re.escape(tail)),
    )


# --- the server ----------------------------------------------------------------------------
@contextlib.contextmanager
def _dashboard(workdir: Path) -> Iterator[DashboardServer]:
    """:func:`bench.harness.dashboard_server`; a server that does not start is our error."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(dashboard_server(workdir))
        except ServerStartError as exc:
            raise BrowserBenchError(str(exc)) from exc
        yield server


# --- what the page shows, in JavaScript ------------------------------------------------------
# Helpers shared by every predicate; they run in the top-level document.
_JS_LIB = r"""
const live = (el) => !el.closest('[data-stale="true"]');
const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
    if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]'))
        return false;
    // While a script runs, the status widget offers "Stop" (or says it is connecting).
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && (status.textContent || "").trim()) return false;
    return true;
};
const mapWindow = () => {
    const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
        .filter(live);
    if (frames.length !== 1 || !frames[0].offsetHeight) return null;
    try {
        const win = frames[0].contentWindow;
        return win && win.document ? win : null;
    } catch (e) {
        return null;
    }
};
const painted = (canvas) => {
    if (!canvas.width || !canvas.height) return false;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 64) if (data[i] > 0) return true;
    return false;
};
const mapReady = () => {
    const win = mapWindow();
    if (!win) return false;
    const doc = win.document;
    const box = doc.querySelector(".leaflet-container");
    if (!box || !box.clientWidth || !box.clientHeight) return false;
    if (!doc.querySelector(".leaflet-control-layers")) return false;
    if (doc.querySelector(".leaflet-overlay-pane path, .leaflet-marker-pane .leaflet-marker-icon"))
        return true;
    return [...doc.querySelectorAll(".leaflet-overlay-pane canvas")].some(painted);
};
const mapHasTooltip = (text) => {
    const win = mapWindow();
    if (!win || !win.map) return false;
    const parser = new win.DOMParser();  // inert: runs no script, loads no image
    let found = false;
    win.map.eachLayer((layer) => {
        const tip = layer.getTooltip && layer.getTooltip();
        const content = tip && tip.getContent();
        if (typeof content !== "string") return;
        const shown = parser.parseFromString(content, "text/html").body.textContent;
        if (shown.replace(/\s+/g, " ").includes(text)) found = true;
    });
    return found;
};
const metricValue = (label) => {
    const values = [...document.querySelectorAll('[data-testid="stMetric"]')]
        .filter((m) => live(m) && (m.innerText || "").includes(label))
        .map((m) => m.querySelector('[data-testid="stMetricValue"]'))
        .filter(Boolean)
        .map((v) => v.innerText.trim());
    return values.length === 1 ? values[0] : null;
};
const heading = (text) => [...document.querySelectorAll('[data-testid="stHeading"]')]
    .some((h) => live(h) && (h.innerText || "").includes(text));
const count = (selector) => [...document.querySelectorAll(selector)].filter(live).length;
"""

# Arms a one-shot, capturing click listener in ``document`` (the top page or the map's
# iframe) that stores the top page's clock at the click in ``top.__benchT0``.
_ARM_CLICK_JS = """() => {
    const top = window.top;
    top.__benchT0 = null;
    document.addEventListener("click", () => { top.__benchT0 = top.performance.now(); },
                              {capture: true, once: true});
}"""


_WAIT_TOKENS = itertools.count()


def _marks_js(groups: Mapping[str, Sequence[str]], *, since_click: bool) -> str:
    """A predicate that records when each group of conditions first holds together.

    ``groups`` maps a mark's name to JavaScript expressions (using :data:`_JS_LIB`); the
    predicate returns the marks, in ms from the click (or from the navigation), once
    every group has held. Each predicate keeps its marks under a token of its own.
    """
    token = json.dumps(f"w{next(_WAIT_TOKENS)}")
    t0 = "window.__benchT0" if since_click else "0"
    body = [
        "(arg) => {",
        _JS_LIB,
        "const failed = document.querySelector('[data-testid=\"stException\"]');",
        "if (failed) throw new Error('the app raised: ' + failed.innerText.slice(0, 800));",
        f"const t0 = {t0};",
        "if (t0 === null || t0 === undefined) return false;",
        "const waits = window.__benchWaits || (window.__benchWaits = {});",
        f"const marks = waits[{token}] || (waits[{token}] = {{}});",
        "const now = performance.now();",
    ]
    for name, conditions in groups.items():
        test = " && ".join(f"({c})" for c in conditions)
        body.append(
            f"if (!({json.dumps(name)} in marks) && {test}) marks[{json.dumps(name)}] = now - t0;"
        )
    names = json.dumps(list(groups))
    body.append(f"if (!{names}.every((n) => n in marks)) return false;")
    # The map's HTML travels in one large message: when did the last one arrive?
    body.append(
        "const big = (window.__benchWs || [])"
        f".filter(([t, n]) => t >= t0 && n >= {MAP_MESSAGE_BYTES});"
    )
    body.append("marks.map_messages = big.length;")
    body.append(
        "const first = (window.__benchWs || []).find(([t]) => t >= t0);"
        "marks.first_message = first ? first[0] - t0 : null;"
    )
    body.append("marks.map_sent = big.length ? big[big.length - 1][0] - t0 : null;")
    body.append("return marks;")
    body.append("}")
    return "\n".join(body)


# In the top page, before Streamlit's code runs: note when each WebSocket message arrives
# (a listener added in the constructor runs before Streamlit's ``onmessage``).
_WS_PROBE_JS = """(() => {
    if (window.top !== window || !window.WebSocket) return;
    const Native = window.WebSocket;
    window.__benchWs = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", (event) => {
                const data = event.data;
                const size = typeof data === "string"
                    ? data.length : (data.byteLength ?? data.size ?? 0);
                window.__benchWs.push([performance.now(), size]);
            });
        }
    };
})();"""


def _js_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# --- one browser session ---------------------------------------------------------------------
@dataclass
class WsCounter:
    """Bytes the page received over WebSockets (Streamlit's deltas, the map's HTML)."""

    received: int = 0

    def take_kb(self) -> float:
        kb, self.received = self.received / 1024, 0
        return kb


@dataclass
class Session:
    context: Any
    page: Any
    ws: WsCounter
    screenshot_dir: Path | None = None
    blocked: list[BlockedRequest] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_session(browser: Any, *, screenshot_dir: Path | None = None) -> Iterator[Session]:
    """A new context (so a new Streamlit session) that cannot reach the internet."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    blocked = block_remote_requests(context)
    page = context.new_page()
    session = Session(
        context=context, page=page, ws=WsCounter(), screenshot_dir=screenshot_dir, blocked=blocked
    )

    def on_websocket(ws: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            session.ws.received += len(payload)

        ws.on("framereceived", on_frame)

    context.add_init_script(_WS_PROBE_JS)
    page.on("websocket", on_websocket)
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    try:
        yield session
    finally:
        context.close()


def _wait_marks(page: Any, js: str, *, timeout_ms: int) -> dict[str, float]:
    handle = page.wait_for_function(js, polling="raf", timeout=timeout_ms)
    marks: dict[str, float] = handle.json_value()
    handle.dispose()
    return marks


def _map_frame(page: Any) -> Any:
    handle = page.locator(MAP_IFRAME).element_handle(timeout=STEP_TIMEOUT_MS)
    frame = handle.content_frame()
    if frame is None:
        raise BrowserBenchError("the map iframe has no document")
    return frame


STATIC_LOADS = 3


def measure_static_page(
    session: Session, server: DashboardServer, *, loads: int = STATIC_LOADS
) -> float:
    """Median seconds to load ``/_stcore/health`` (navigation start to the end of ``load``).

    One load first, not counted: the first navigation of a new context starts its
    renderer process, which the map's navigation after it then reuses.
    """
    page = session.page
    times = []
    for _ in range(loads + 1):
        page.goto(server.url("/_stcore/health"))
        ms = page.evaluate(
            """() => {
                const nav = performance.getEntriesByType("navigation")[0];
                return Math.max(nav.loadEventEnd, nav.responseEnd) - nav.startTime;
            }"""
        )
        times.append(float(ms) / 1e3)
    return statistics.median(times[1:])


MAP_INTERACTIVE = {"drawn": ["mapReady()"], "interactive": ["mapReady()", "idle()"]}


def measure_interactive(
    session: Session, server: DashboardServer, *, timeout_ms: int, name: str = "interactive"
) -> Figures:
    """Seconds from navigating to ``/?lang=en`` until the map is interactive (``{name}_s``).

    Also when the first WebSocket message arrived (``{name}_session_s``: the app's page
    and scripts are loaded and a session has started), when the map's HTML arrived and
    when the map was first drawn (maybe before the script run ended), and the kilobytes
    received.
    """
    session.ws.take_kb()
    session.page.goto(server.url(f"/?lang={LANG}"), wait_until="commit")
    marks = _wait_marks(
        session.page, _marks_js(MAP_INTERACTIVE, since_click=False), timeout_ms=timeout_ms
    )
    return {
        f"{name}_s": marks["interactive"] / 1e3,
        f"{name}_session_s": _seconds(marks["first_message"]),
        f"{name}_map_sent_s": _seconds(marks["map_sent"]),
        f"{name}_map_drawn_s": marks["drawn"] / 1e3,
        f"{name}_ws_kb": session.ws.take_kb(),
    }


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1e3


def measure_click(session: Session, labels: Labels) -> Figures:
    """Seconds from a click in the middle of the map to the reach table, and to idle."""
    page = session.page
    frame = _map_frame(page)
    container = frame.locator(".leaflet-container")
    box = container.bounding_box()
    if box is None:
        raise BrowserBenchError("the map has no size")
    title = _js_str(labels.reach_title)
    groups = {
        "shown": [f"heading({title})", "count('[data-testid=\"stDataFrame\"]') >= 1"],
        "settled": [
            f"heading({title})",
            "idle()",
            "mapReady()",
            "(mapWindow().feature_group || []).some((g) => g.getLayers().length > 0)",
        ],
    }
    session.ws.take_kb()
    frame.evaluate(_ARM_CLICK_JS)
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    marks = _wait_marks(page, _marks_js(groups, since_click=True), timeout_ms=STEP_TIMEOUT_MS)
    return {
        "click_isochrone_s": marks["shown"] / 1e3,
        "click_settled_s": marks["settled"] / 1e3,
        "click_map_sent_s": _seconds(marks["map_sent"]),
        "click_ws_kb": session.ws.take_kb(),
    }


def open_scenarios_page(session: Session, labels: Labels) -> None:
    """Click the sidebar's link to the Scenarios page and wait for its title."""
    page = session.page
    page.get_by_test_id("stSidebarNav").get_by_text(labels.page_scenarios, exact=True).click()
    title = _js_str(labels.page_scenarios)
    shown = (
        "[...document.querySelectorAll('h1')]"
        f".some((h) => live(h) && h.innerText.includes({title}))"
    )
    _wait_idle_with(page, shown)


def _choose(page: Any, scope: Any, label: str, option: str) -> None:
    from playwright.sync_api import expect

    box = scope.get_by_test_id("stSelectbox").filter(has_text=label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(option, timeout=STEP_TIMEOUT_MS)


def _wait_idle_with(page: Any, *conditions: str) -> None:
    _wait_marks(
        page,
        _marks_js({"ok": ["idle()", *conditions]}, since_click=False),
        timeout_ms=STEP_TIMEOUT_MS,
    )


def create_scenario(session: Session, labels: Labels, title: str) -> None:
    """A new, empty scenario, picked, with its map ready for drawing."""
    from playwright.sync_api import expect

    page = session.page
    box = page.get_by_label(labels.scn_new_title)
    box.fill(title)
    box.press("Enter")
    create = page.get_by_role("button", name=labels.scn_create)
    expect(create).to_be_enabled(timeout=STEP_TIMEOUT_MS)
    create.click()
    picker = page.get_by_test_id("stSelectbox").filter(has_text=labels.scn_pick)
    expect(picker.get_by_role("combobox")).to_have_value(
        re.compile(rf"^{re.escape(title)} \(.+\)$"), timeout=STEP_TIMEOUT_MS
    )
    _wait_idle_with(page, f"metricValue({_js_str(labels.scn_newly_served)}) === '0'", "mapReady()")


def draw_point(session: Session, candidates: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Leaflet.Draw's marker tool, on the first candidate (lon, lat) well inside the map."""
    page = session.page
    frame = _map_frame(page)
    tool = frame.locator(".leaflet-draw-draw-marker")
    tool.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    frame.wait_for_function(
        "() => window.map && window.map.getSize().x > 0", timeout=STEP_TIMEOUT_MS
    )
    spot = frame.evaluate(
        """([points, margin]) => {
            const size = window.map.getSize();
            for (const [lon, lat] of points) {
                const p = window.map.latLngToContainerPoint([lat, lon]);
                if (p.x >= margin && p.x <= size.x - margin && p.y >= margin
                    && p.y <= size.y - margin) return {x: p.x, y: p.y};
            }
            return null;
        }""",
        [list(map(list, candidates)), MARGIN_PX],
    )
    if spot is None:
        raise BrowserBenchError("no home without a clinic is in view on the scenario map")
    tool.click()
    frame.locator(".leaflet-container").click(position={"x": spot["x"], "y": spot["y"]})
    form = page.get_by_test_id("stForm")
    form.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    _wait_idle_with(page, "count('[data-testid=\"stForm\"]') === 1")
    drawn = frame.evaluate("() => window.__GLOBAL_DATA__.last_active_drawing")
    lon, lat = drawn["geometry"]["coordinates"]
    return float(lon), float(lat)


def measure_scenario_edit(session: Session, labels: Labels) -> Figures:
    """Seconds from "Add to scenario" to the new metric (idle) and to the new map."""
    page = session.page
    form = page.get_by_test_id("stForm")
    _choose(page, form, labels.scn_kind, labels.kind_facility)
    _choose(page, form, labels.category, labels.category_name)
    newly = _js_str(labels.scn_newly_served)
    before = page.evaluate(f"() => {{ {_JS_LIB}; return metricValue({newly}); }}")
    groups = {
        "metric": [
            f"metricValue({newly}) !== null",
            f"metricValue({newly}) !== {_js_str(str(before))}",
        ],
        "metrics": [
            f"metricValue({newly}) !== null",
            f"metricValue({newly}) !== {_js_str(str(before))}",
            "count('[data-testid=\"stForm\"]') === 0",
            "idle()",
        ],
        "map": [
            f"metricValue({newly}) !== {_js_str(str(before))}",
            "idle()",
            "mapReady()",
            f"mapHasTooltip({_js_str(labels.scenario_tooltip)})",
        ],
    }
    submit = form.get_by_role("button", name=labels.scn_add)
    session.ws.take_kb()
    page.evaluate(_ARM_CLICK_JS)
    submit.click()
    marks = _wait_marks(page, _marks_js(groups, since_click=True), timeout_ms=STEP_TIMEOUT_MS)
    ws_kb = session.ws.take_kb()
    captions = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").all_inner_texts()
    compute_ms = None
    for text in captions:
        found = labels.timing_re.search(text)
        if found:
            compute_ms = float(found.group(1).replace(",", ""))
    if compute_ms is None:
        raise BrowserBenchError("the Scenarios page shows no recompute time")
    return {
        "scenario_edit_s": marks["metrics"] / 1e3,
        "scenario_metric_shown_s": marks["metric"] / 1e3,
        "scenario_map_s": marks["map"] / 1e3,
        "scenario_map_sent_s": _seconds(marks["map_sent"]),
        "scenario_map_messages": float(marks["map_messages"]),
        "scenario_compute_ms": compute_ms,
        "scenario_edit_ws_kb": ws_kb,
    }


# --- the same edit, in this process -------------------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """The page's default analysis, loaded here from the server's warm cache."""

    analysis: Any

    def clinic_candidates(self, count: int = SITE_CANDIDATES) -> list[tuple[float, float]]:
        """The most populous homes with no clinic in reach, most populous first."""
        a = self.analysis
        served = a.served[a.categories.index(CATEGORY)]
        homes = a.homes[~served].sort_values("population", ascending=False).head(count)
        return [(float(x), float(y)) for x, y in zip(homes["lon"], homes["lat"], strict=True)]

    def apply_clinic_ms(self, lon: float, lat: float, *, repeats: int) -> dict[str, float]:
        """Median ms to apply a one-clinic scenario, and to compare it with the baseline.

        What the Scenarios page computes after an edit (``apply_scenario`` then
        ``compare``), timed here on the same analysis and the same point.
        """
        from geo.scenarios.apply import apply_scenario
        from geo.scenarios.compare import compare
        from geo.scenarios.model import Scenario, ScenarioMeta, parse_intervention

        feature = {
            "type": "Feature",
            "properties": {"kind": "facility", "category": CATEGORY, "name": ""},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        item = parse_intervention(feature, taxonomy=self.analysis.taxonomy)
        scenario = Scenario(id="bench", meta=ScenarioMeta(), interventions=(item,))
        apply_ms, compare_ms = [], []
        for _ in range(max(1, repeats)):
            started = time.perf_counter()
            after = apply_scenario(self.analysis, scenario)
            applied = time.perf_counter()
            compare(self.analysis, after)
            apply_ms.append((applied - started) * 1e3)
            compare_ms.append((time.perf_counter() - applied) * 1e3)
        return {
            "scenario_apply_ms": statistics.median(apply_ms),
            "scenario_compare_ms": statistics.median(compare_ms),
        }


def load_baseline(cache_dir: Path) -> Baseline:
    from geo.access.analysis import analyse
    from geo.district.loader import load_district
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    district = load_district(DISTRICT, taxonomy=taxonomy, settings=Settings(cache_dir=cache_dir))
    return Baseline(analysis=analyse(district, taxonomy))


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


def _step(server: DashboardServer, session: Session, what: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, with a message that says which step failed and what the server said."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return fn()
    except PlaywrightError as exc:
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
    if not CHROMIUM.exists():
        raise BrowserBenchError(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401  (running_chromium imports it)
    except ImportError as exc:
        raise BrowserBenchError("playwright is not installed (pip install playwright)") from exc

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


# --- report ----------------------------------------------------------------------------------
_STATUS = {True: "PASS", False: "MISS", None: "n/a"}
_TABLE_ROWS = (
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


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def format_table(result: dict[str, Any]) -> str:
    """The human-readable report (medians, min, max, target, PASS/MISS)."""
    env = result["environment"]
    load = env["loadavg_before"]
    lines = [
        f"lifecircle bench --browser · Chromium {env['chromium']} · {env['cpus']} CPUs · "
        f"load {load[0] if load else 'n/a'} · {result['repeats']} repeats, warm caches",
        "",
        f"{'':<38}{'median':>9}{'min':>9}{'max':>9}   target status",
        f"{'cold first visit (s)':<38}{_fmt(result['cold_interactive_s']):>9}",
    ]
    for label, key in _TABLE_ROWS:
        target = result["targets"].get(key)
        mark = f"{target['target']:<7}{_STATUS[target['pass']]}" if target else ""
        lines.append(
            f"{label:<38}{_fmt(result.get(key)):>9}{_fmt(result['min'].get(key)):>9}"
            f"{_fmt(result['max'].get(key)):>9}   {mark}".rstrip()
        )
    lines.append("")
    lines.extend(f"note: {n}" for n in result["notes"])
    lines.append(f"total {result['total_s']:.1f} s")
    return "\n".join(lines)


def all_pass(result: dict[str, Any]) -> bool:
    return all(t["pass"] is not False for t in result["targets"].values())


# --- entry points ------------------------------------------------------------------------------
def _repeat_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("give at least 1 repeat")
    return value


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
        print(format_table(result))
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
