"""The map's scale path in headless Chromium, forced on the bundled district.

A server of its own runs with ``LIFECIRCLE_LARGE_MAP_NODES=0``, so Lujiazui takes the
path a 100,000-node district takes: summaries by area fetched as files, the streets,
homes and facilities of the view sent once zoomed in. The test checks what a person
sees (the map draws, zooming in brings the streets, a click still gives its isochrone)
and that no WebSocket frame is larger than a bound, with every non-local request
blocked. The sizes themselves are measured by ``python -m bench --dashboard-scale``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.harness import DashboardServer, dashboard_server
from lifecircle.i18n import t
from lifecircle.maps.viewport import LARGE_NODES_ENV, ViewportSettings
from tests.e2e.test_browser import (
    ADDED_LAYERS_JS,
    FIRST_RUN_MS,
    MAP_IFRAME,
    RERUN_MS,
    map_frame,
    map_frame_handle,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

# The whole Lujiazui map of the small path is about 2 MB; the scale path's largest frame
# (a zoomed-in view) must stay well under it.
MAX_FRAME_BYTES = 1_000_000
MAP_ZOOM_JS = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    return map ? map.getZoom() : null;
}"""


@pytest.fixture(scope="module")
def scale_server(
    tmp_path_factory: pytest.TempPathFactory, _cache_dir_in_tmp: Path
) -> Iterator[DashboardServer]:
    with dashboard_server(
        tmp_path_factory.mktemp("e2e-scale"),
        cache_dir=_cache_dir_in_tmp,
        env={LARGE_NODES_ENV: "0"},
    ) as server:
        yield server


def test_forced_scale_path_draws_zooms_in_and_answers_a_click(
    offline_page: tuple[Any, Any], scale_server: DashboardServer
) -> None:
    page, log = offline_page
    frames: list[int] = []

    def on_websocket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(len(payload)))

    page.on("websocket", on_websocket)
    page.set_viewport_size({"width": 1400, "height": 1700})
    page.goto(scale_server.url("/?lang=en"))

    # The district-zoom map: its summary layer is fetched and drawn.
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=FIRST_RUN_MS)
    control = frame.locator(".leaflet-control-layers")
    expect(control).to_contain_text(t("layer_summary", "en"), timeout=RERUN_MS)
    expect(
        frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").first
    ).to_be_attached(timeout=RERUN_MS)
    wait_until_idle(page, timeout=FIRST_RUN_MS)

    # Zoom in with the map's own button until the detail zoom: the page reruns with the
    # view's bounds and sends its streets, homes and facilities.
    detail_zoom = ViewportSettings().detail_min_zoom
    zoom_in = frame.locator(".leaflet-control-zoom-in")
    for _ in range(6):
        zoom = map_frame_handle(page).evaluate(MAP_ZOOM_JS)
        assert zoom is not None
        if zoom >= detail_zoom + 1:
            break
        zoom_in.click()
        map_frame_handle(page).wait_for_function(
            f"(z) => ({MAP_ZOOM_JS})() > z", arg=zoom, timeout=RERUN_MS
        )
    detail = t("view_detail", "en", streets="X", homes="X", facilities="X").split("X")[0]
    caption = page.get_by_text(detail.strip())
    expect(caption).to_be_visible(timeout=RERUN_MS)
    map_frame_handle(page).wait_for_function(f"() => ({ADDED_LAYERS_JS})() > 0", timeout=RERUN_MS)
    expect(control).to_contain_text(t("layer_streets", "en"))
    wait_until_idle(page)
    shown = caption.inner_text()
    streets = int(shown.split(":", 1)[1].split()[0].replace(",", ""))
    assert streets > 0, shown

    # A click in the middle of the view gives its isochrone and what it reaches.
    heading = page.get_by_role("heading", name=t("reach_title", "en"))
    expect(heading).to_have_count(0)
    container = frame.locator(".leaflet-container")
    box = container.bounding_box()
    assert box is not None
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(heading).to_be_visible(timeout=RERUN_MS)
    expect(control).to_contain_text(t("layer_isochrone", "en"), timeout=RERUN_MS)
    expect(page.locator(MAP_IFRAME)).to_have_count(1)  # the same map, not a new one
    wait_until_idle(page)

    assert frames, "no WebSocket frame observed"
    assert max(frames) <= MAX_FRAME_BYTES, sorted(frames)[-5:]
    log.assert_clean()
