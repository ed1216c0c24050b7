"""The steps of one browser session of the benchmark, each timed in the page.

A session (:func:`open_session`) is a new browser context, so a new Streamlit session,
that cannot reach the internet. The steps: a trivial page for a baseline
(:func:`measure_static_page`), the map page until it is interactive
(:func:`measure_interactive`), a click on the map until the reach table is shown
(:func:`measure_click`), and on the Scenarios page a new scenario, a drawn clinic and
"Add to scenario" until the metrics change (:func:`create_scenario`, :func:`draw_point`,
:func:`measure_scenario_edit`). What the page shows is read through the dashboard's own
strings (:func:`load_labels`) and :mod:`bench.browser_js`.
"""

from __future__ import annotations

import contextlib
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.browser_js import ARM_CLICK_JS, JS_LIB, WS_PROBE_JS, js_str, marks_js
from bench.errors import BrowserBenchError
from bench.harness import BlockedRequest, StreamlitServer, block_remote_requests

VIEWPORT = {"width": 1400, "height": 1600}  # map, scenario form and buttons at once
LANG = "en"
CATEGORY = "health_centre"
STEP_TIMEOUT_MS = 60_000
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Where the drawn point may go, in pixels from the map's edges: clear of the zoom and
# draw toolbars (top left), the layer control (top right) and the attribution.
MARGIN_PX = 70

Figures = dict[str, float | None]
"""Named measurements of one step (None: not observed, e.g. no map was sent)."""


# --- labels ------------------------------------------------------------------------------------
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
        category=t("ws_category_point", lang),
        kind_facility=t("kind_facility", lang),
        category_name=load_taxonomy().get(CATEGORY).name(lang),
        timing_re=re.compile(re.escape(head) + r"\s*([0-9][0-9,.]*)\s*" + re.escape(tail)),
    )


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

    context.add_init_script(WS_PROBE_JS)
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
    session: Session, server: StreamlitServer, *, loads: int = STATIC_LOADS
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
    session: Session, server: StreamlitServer, *, timeout_ms: int, name: str = "interactive"
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
        session.page, marks_js(MAP_INTERACTIVE, since_click=False), timeout_ms=timeout_ms
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
    title = js_str(labels.reach_title)
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
    frame.evaluate(ARM_CLICK_JS)
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    marks = _wait_marks(page, marks_js(groups, since_click=True), timeout_ms=STEP_TIMEOUT_MS)
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
    title = js_str(labels.page_scenarios)
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
        marks_js({"ok": ["idle()", *conditions]}, since_click=False),
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
    _wait_idle_with(page, f"metricValue({js_str(labels.scn_newly_served)}) === '0'", "mapReady()")


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
    newly = js_str(labels.scn_newly_served)
    before = page.evaluate(f"() => {{ {JS_LIB}; return metricValue({newly}); }}")
    groups = {
        "metric": [
            f"metricValue({newly}) !== null",
            f"metricValue({newly}) !== {js_str(str(before))}",
        ],
        "metrics": [
            f"metricValue({newly}) !== null",
            f"metricValue({newly}) !== {js_str(str(before))}",
            "count('[data-testid=\"stForm\"]') === 0",
            "idle()",
        ],
        "map": [
            f"metricValue({newly}) !== {js_str(str(before))}",
            "idle()",
            "mapReady()",
            f"mapHasTooltip({js_str(labels.scenario_tooltip)})",
        ],
    }
    submit = form.get_by_role("button", name=labels.scn_add)
    session.ws.take_kb()
    page.evaluate(ARM_CLICK_JS)
    submit.click()
    marks = _wait_marks(page, marks_js(groups, since_click=True), timeout_ms=STEP_TIMEOUT_MS)
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
