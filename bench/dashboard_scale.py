"""The dashboard on a whole district: ``python -m bench --dashboard-scale``.

One Streamlit server (:mod:`bench.harness`, every non-local request blocked) serves two
districts in headless Chromium: the bundled Lujiazui (the baseline, drawn by the small
path) and Lujiazui tiled by :mod:`bench.tiles` to about ``nodes`` street nodes (above the
scale path's threshold, so drawn as summaries plus what is in view). The tiled file is
opened the way a planner opens one: uploaded on the Data page.

For each district, in one browser session:

``load_s``
    (tiled only) from "Use this data" until the Data page is idle again: the district
    read from the file, its walking network built and the analysis done;
``first_map_s``
    from opening the Map page until the map shows its layer control and a drawn overlay
    and the app is idle (cold: the map's layers are built in this step);
``warm_map_s``
    the same in a new session once the server has the district (what the next planner
    waits);
``zoom_s``
    (tiled only) from a click on the map's zoom-in button until the streets of the view
    are drawn, repeated until the detail zoom;
``click_s``
    from a click in the middle of the map until the reach table's heading is shown and
    the isochrone layer is on the map;
``max_frame_kb`` / ``ws_kb``
    the largest WebSocket frame the page received, and all frames' kilobytes, over the
    session (Playwright's ``framereceived``).

Times are wall-clock around Playwright's waits, on a shared machine: read the ratios.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    CHROMIUM,
    CHROMIUM_MISSING,
    block_remote_requests,
    dashboard_server,
    running_chromium,
)
from bench.tiles import tiled_district
from lifecircle.i18n import t
from lifecircle.maps.viewport import ViewportSettings

LANG = "en"
DEFAULT_NODES = 100_000
TIMEOUT_MS = 900_000  # a cold 100k district on a loaded 2-core machine
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
OVERLAY = ".leaflet-overlay-pane path, .leaflet-overlay-pane canvas, .leaflet-marker-pane *"
MAP_ZOOM_JS = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    return map ? map.getZoom() : null;
}"""
ADDED_LAYERS_JS = "() => (window.feature_group || []).reduce((n, g) => n + g.getLayers().length, 0)"


class DashboardScaleError(RuntimeError):
    """The benchmark could not run (no Chromium, the app did not answer)."""


@dataclass
class Frames:
    """Sizes of the WebSocket frames a page received."""

    sizes: list[int] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload: Any) -> None:
        self.sizes.append(len(payload))

    def figures(self) -> dict[str, float]:
        return {
            "max_frame_kb": round(max(self.sizes, default=0) / 1024, 1),
            "ws_kb": round(sum(self.sizes) / 1024, 1),
        }


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 2)


def _wait_idle(page: Any, *, timeout: int = TIMEOUT_MS) -> None:
    from playwright.sync_api import expect

    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=timeout)


def _wait_map(page: Any) -> None:
    """The map has its layer control and a drawn overlay, and the app is idle."""
    from playwright.sync_api import expect

    frame = page.frame_locator(MAP_IFRAME).first
    expect(frame.locator(".leaflet-control-layers")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(frame.locator(OVERLAY).first).to_be_attached(timeout=TIMEOUT_MS)
    _wait_idle(page)


def _map_handle(page: Any) -> Any:
    frame = page.locator(MAP_IFRAME).first.element_handle(timeout=TIMEOUT_MS).content_frame()
    assert frame is not None
    return frame


def _open_map(page: Any) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(t("page_map", LANG), exact=True).click()
    _wait_map(page)


def _upload(page: Any, path: Path) -> None:
    """Open ``path`` from the Data page (the way a planner opens an OSM file)."""
    page.get_by_text(t("source_upload", LANG), exact=True).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(path))
    button = page.get_by_role("button", name=t("use_this", LANG))
    button.first.wait_for(timeout=TIMEOUT_MS)
    button.first.click()
    # The page reruns on the new district once it is loaded and analysed.
    _wait_idle(page)
    # The sidebar then names the stored upload (``<content hash>.osm.pbf``).
    suffix = re.compile(re.escape("".join(path.suffixes[-2:])))
    page.get_by_test_id("stSidebar").get_by_text(suffix).first.wait_for(timeout=TIMEOUT_MS)
    _wait_idle(page)


def _zoom_to_detail(page: Any) -> float:
    """Zoom in with the map's button to the detail zoom; seconds until the view's
    layers are drawn."""
    from playwright.sync_api import expect

    frame = page.frame_locator(MAP_IFRAME).first
    detail_zoom = ViewportSettings().detail_min_zoom
    start = time.perf_counter()
    for _ in range(8):
        zoom = _map_handle(page).evaluate(MAP_ZOOM_JS)
        if zoom is None or zoom >= detail_zoom + 1:
            break
        frame.locator(".leaflet-control-zoom-in").click()
        _map_handle(page).wait_for_function(
            f"(z) => ({MAP_ZOOM_JS})() > z", arg=zoom, timeout=TIMEOUT_MS
        )
        _wait_idle(page)
    caption = t("view_detail", LANG, streets="X", homes="X", facilities="X").split("X")[0]
    expect(page.get_by_text(caption.strip())).to_be_visible(timeout=TIMEOUT_MS)
    _map_handle(page).wait_for_function(f"() => ({ADDED_LAYERS_JS})() > 0", timeout=TIMEOUT_MS)
    _wait_idle(page)
    return round(time.perf_counter() - start, 2)


def _click_centre(page: Any) -> float:
    from playwright.sync_api import expect

    container = page.frame_locator(MAP_IFRAME).first.locator(".leaflet-container")
    box = container.bounding_box()
    assert box is not None
    heading = page.get_by_role("heading", name=t("reach_title", LANG))
    control = page.frame_locator(MAP_IFRAME).first.locator(".leaflet-control-layers")
    start = time.perf_counter()
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    expect(control).to_contain_text(t("layer_isochrone", LANG), timeout=TIMEOUT_MS)
    _map_handle(page).wait_for_function(f"() => ({ADDED_LAYERS_JS})() > 0", timeout=TIMEOUT_MS)
    return round(time.perf_counter() - start, 2)


def _session(browser: Any, url: str, *, file: Path | None, zoom: bool) -> dict[str, Any]:
    """One browser session: the figures of the module docstring (cold or warm)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="en-US")
    blocked = block_remote_requests(context)
    frames = Frames()
    try:
        page = context.new_page()
        frames.watch(page)
        figures: dict[str, Any] = {}
        if file is None:

            def first_map() -> None:
                page.goto(url + f"/?lang={LANG}")
                _wait_map(page)

            figures["first_map_s"] = _timed(first_map)
        else:
            page.goto(url + f"/data?lang={LANG}")
            _wait_idle(page)
            figures["load_s"] = _timed(lambda: _upload(page, file))
            figures["first_map_s"] = _timed(lambda: _open_map(page))
        figures["first_map_kb"] = frames.figures()["ws_kb"]
        if zoom:
            figures["zoom_s"] = _zoom_to_detail(page)
        figures["click_s"] = _click_centre(page)
        figures.update(frames.figures())
        figures["blocked_non_tile"] = sum(kind != "image" for kind, _ in blocked)
        return figures
    finally:
        context.close()


def run_dashboard_scale_bench(
    *, nodes: int = DEFAULT_NODES, workdir: Path | None = None
) -> dict[str, Any]:
    """Measure the bundled district and a tiled one of about ``nodes`` street nodes."""
    if not CHROMIUM.exists():
        raise DashboardScaleError(CHROMIUM_MISSING)
    with tempfile.TemporaryDirectory(prefix="bench-dashscale-") as tmp:
        root = Path(workdir or tmp)
        tiled = tiled_district(root / "tiles", nodes=nodes)
        report: dict[str, Any] = {
            "nodes_asked": nodes,
            "tiles": f"{tiled.tiles_x}x{tiled.tiles_y}",
            "file_mb": round(tiled.path.stat().st_size / 1e6, 1),
            "loadavg": list(os.getloadavg()),
        }
        with dashboard_server(root / "server") as server, running_chromium() as browser:
            url = server.url("").rstrip("/")
            try:
                bundled = _session(browser, url, file=None, zoom=False)
                bundled["warm_map_s"] = _session(browser, url, file=None, zoom=False)["first_map_s"]
                large = _session(browser, url, file=tiled.path, zoom=True)
                warm = _session(browser, url, file=tiled.path, zoom=True)
            except Exception as exc:  # a timeout: say where, with the server's log
                raise DashboardScaleError(f"{exc}\n{server.log_tail()}") from exc
        large["warm_map_s"] = warm["first_map_s"]
        large["warm_click_s"] = warm["click_s"]
        large["warm_max_frame_kb"] = warm["max_frame_kb"]
        report["bundled"] = bundled
        report["tiled"] = large
        report["loadavg_after"] = list(os.getloadavg())
        return report


ROWS = (
    ("load_s", "open the file: load + analysis (s)"),
    ("first_map_s", "first interactive map, cold (s)"),
    ("warm_map_s", "first interactive map, warm (s)"),
    ("first_map_kb", "sent until the first map (kB)"),
    ("zoom_s", "zoom in to the detail zoom (s)"),
    ("click_s", "click -> isochrone drawn (s)"),
    ("max_frame_kb", "largest WebSocket frame (kB)"),
    ("ws_kb", "all WebSocket frames of the session (kB)"),
)


def format_dashboard_scale_table(report: dict[str, Any]) -> str:
    """The figures side by side, with the tiled/bundled ratio."""
    bundled, tiled = report["bundled"], report["tiled"]
    head = f"{'':44} {'bundled':>10} {'tiled ' + report['tiles']:>12} {'ratio':>7}"
    lines = [
        f"dashboard at scale: Lujiazui tiled {report['tiles']} (~{report['nodes_asked']:,} "
        f"street nodes, {report['file_mb']} MB) vs the bundled Lujiazui",
        head,
    ]
    for key, label in ROWS:
        b, s = bundled.get(key), tiled.get(key)
        ratio = f"{s / b:.1f}x" if isinstance(b, int | float) and b and s is not None else ""
        lines.append(f"{label:44} {_cell(b):>10} {_cell(s):>12} {ratio:>7}")
    lines.append(
        f"warm session on the tiled district: click -> isochrone {tiled['warm_click_s']} s, "
        f"largest frame {tiled['warm_max_frame_kb']} kB"
    )
    load = ", ".join(f"{x:.1f}" for x in report["loadavg"])
    after = ", ".join(f"{x:.1f}" for x in report["loadavg_after"])
    lines.append(f"load average before: {load}; after: {after}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)
