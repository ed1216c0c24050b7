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
Next to each timed step the report gives the CPU seconds the step cost the server (the
Streamlit process and the children it waited for, such as the file's parse) and the
browser (Chromium's and Playwright's processes), so that a loaded machine still says
where the work is: ``<step>_server_cpu_s`` and ``<step>_browser_cpu_s``.
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
from bench.load import descendants_cpu_s
from bench.tiles import tiled_district
from lifecircle.i18n import t
from lifecircle.maps.viewport import ViewportSettings

LANG = "en"
DEFAULT_NODES = 100_000
TIMEOUT_MS = 900_000  # a cold 100k district on a loaded 2-core machine
# A click lost in a redraw is clicked again after a few seconds (a person would), not after
# a minute: the zoom itself takes about 2 s, and a late second click only zooms further.
ZOOM_CLICK_ATTEMPTS = 10
ZOOM_WAIT_MS = 6_000
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


def server_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of process ``pid`` and of the children it has waited
    for (the file's parse runs in one), so far; None where ``/proc`` is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuMeter:
    """The CPU seconds of the server and of the browser over one step."""

    server_pid: int

    def _now(self) -> tuple[float | None, float | None]:
        browser = descendants_cpu_s(os.getpid(), exclude=self.server_pid)
        return server_cpu_s(self.server_pid), browser

    def measure(self, figures: dict[str, Any], step: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; put the step's CPU seconds into ``figures``; return what it returns."""
        before = self._now()
        result = fn()
        after = self._now()
        for (b, a), who in zip(zip(before, after, strict=True), ("server", "browser"), strict=True):
            figures[f"{step}_{who}_cpu_s"] = None if a is None or b is None else round(a - b, 2)
        return result


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
    _wait_idle(page)
    # The OSM file's own uploader (the page has others: the inventory, the areas).
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=t("upload_osm", LANG))
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    # The upload reruns the page, which draws its button again: click the new one.
    _wait_idle(page)
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

    detail_zoom = ViewportSettings().detail_min_zoom
    start = time.perf_counter()
    for _ in range(8):
        zoom = _map_handle(page).evaluate(MAP_ZOOM_JS)
        if zoom is None or zoom >= detail_zoom + 1:
            break
        _click_zoom_in(page, zoom)
        _wait_idle(page)
    caption = t("view_detail", LANG, streets="X", homes="X", facilities="X").split("X")[0]
    expect(page.get_by_text(caption.strip())).to_be_visible(timeout=TIMEOUT_MS)
    _map_handle(page).wait_for_function(f"() => ({ADDED_LAYERS_JS})() > 0", timeout=TIMEOUT_MS)
    _wait_idle(page)
    return round(time.perf_counter() - start, 2)


def _click_zoom_in(page: Any, zoom: int) -> None:
    """Click the map's zoom-in button until the map's zoom is past ``zoom``: a click that
    lands while the component is being redrawn is sometimes lost (seen on warm sessions)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    button = page.frame_locator(MAP_IFRAME).first.locator(".leaflet-control-zoom-in")
    for attempt in range(ZOOM_CLICK_ATTEMPTS):
        button.click()
        try:
            _map_handle(page).wait_for_function(
                f"(z) => ({MAP_ZOOM_JS})() > z", arg=zoom, timeout=ZOOM_WAIT_MS
            )
            return
        except PlaywrightTimeout:
            if attempt == ZOOM_CLICK_ATTEMPTS - 1:
                raise


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


def _session(
    browser: Any, url: str, meter: CpuMeter, *, file: Path | None, zoom: bool
) -> dict[str, Any]:
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

            figures["first_map_s"] = meter.measure(figures, "first_map", lambda: _timed(first_map))
        else:
            page.goto(url + f"/data?lang={LANG}")
            _wait_idle(page)
            figures["load_s"] = meter.measure(
                figures, "load", lambda: _timed(lambda: _upload(page, file))
            )
            figures["first_map_s"] = meter.measure(
                figures, "first_map", lambda: _timed(lambda: _open_map(page))
            )
        figures["first_map_kb"] = frames.figures()["ws_kb"]
        if zoom:
            figures["zoom_s"] = meter.measure(figures, "zoom", lambda: _zoom_to_detail(page))
        figures["click_s"] = meter.measure(figures, "click", lambda: _click_centre(page))
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
            meter = CpuMeter(server.process.pid)
            try:
                bundled = _session(browser, url, meter, file=None, zoom=False)
                _warm_figures(bundled, _session(browser, url, meter, file=None, zoom=False))
                large = _session(browser, url, meter, file=tiled.path, zoom=True)
                warm = _session(browser, url, meter, file=tiled.path, zoom=True)
            except Exception as exc:  # a timeout: say where, with the server's log
                raise DashboardScaleError(f"{exc}\n{server.log_tail()}") from exc
        _warm_figures(large, warm)
        large["warm_click_s"] = warm["click_s"]
        large["warm_max_frame_kb"] = warm["max_frame_kb"]
        for key in ("zoom", "click"):
            for who in ("server", "browser"):
                large[f"warm_{key}_{who}_cpu_s"] = warm.get(f"{key}_{who}_cpu_s")
        report["bundled"] = bundled
        report["tiled"] = large
        report["loadavg_after"] = list(os.getloadavg())
        return report


def _warm_figures(figures: dict[str, Any], warm: dict[str, Any]) -> None:
    """The warm session's first map (time and CPU) into ``figures``."""
    figures["warm_map_s"] = warm["first_map_s"]
    for who in ("server", "browser"):
        figures[f"warm_map_{who}_cpu_s"] = warm.get(f"first_map_{who}_cpu_s")


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
    lines += _cpu_lines(bundled, tiled)
    load = ", ".join(f"{x:.1f}" for x in report["loadavg"])
    after = ", ".join(f"{x:.1f}" for x in report["loadavg_after"])
    lines.append(f"load average before: {load}; after: {after}")
    return "\n".join(lines)


CPU_ROWS = (
    ("load", "open the file: load + analysis"),
    ("first_map", "first interactive map, cold"),
    ("warm_map", "first interactive map, warm"),
    ("zoom", "zoom in to the detail zoom"),
    ("warm_zoom", "zoom in, warm session"),
    ("click", "click -> isochrone drawn"),
    ("warm_click", "click -> isochrone, warm session"),
)


def _cpu_lines(bundled: dict[str, Any], tiled: dict[str, Any]) -> list[str]:
    """CPU seconds per step, server and browser, for both districts."""
    lines = [
        "CPU seconds per step (server / browser)",
        f"{'':44} {'bundled':>15} {'tiled':>15}",
    ]
    for step, label in CPU_ROWS:
        cells = []
        for figures in (bundled, tiled):
            server = figures.get(f"{step}_server_cpu_s")
            browser = figures.get(f"{step}_browser_cpu_s")
            cells.append(
                "-" if server is None and browser is None else f"{_cell(server)} / {_cell(browser)}"
            )
        if cells != ["-", "-"]:
            lines.append(f"{label:44} {cells[0]:>15} {cells[1]:>15}")
    return lines


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)
