"""What a person sees: the dashboard in headless Chromium, with no internet.

One Streamlit server for the module (``tests/e2e/conftest.py``), one fresh browser context
(so one Streamlit session) per test. Every request to another host is aborted and recorded;
each test checks that the only such requests were map tiles and that no JavaScript error
was thrown. Labels are compared with ``lifecircle.i18n.STRINGS``, never with copies.
Screenshots of every test: ``tests/artifacts/e2e-<test>.png``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from geo.standards.taxonomy import load_taxonomy
from lifecircle.i18n import t
from tests.e2e.conftest import click_download

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

FIRST_RUN_MS = 90_000  # a server's first run loads and analyses the district
RERUN_MS = 30_000  # a rerun after a click or a widget change
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LAYER_KEYS = (
    "layer_base",
    "layer_streets",
    "layer_facilities",
    "layer_service_areas",
    "layer_doorstep",
    "layer_homes",
    "layer_gaps",
    "layer_isochrone",
)
OTHER = {"zh": "en", "en": "zh"}
# Share of the overlay canvas that has been drawn on (sampled every 16th pixel).
CANVAS_PAINTED_JS = """(minShare) => {
    const canvas = document.querySelector(".leaflet-overlay-pane canvas");
    if (!canvas || !canvas.width || !canvas.height) return false;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0, sampled = 0;
    for (let i = 3; i < data.length; i += 64) { sampled++; if (data[i] > 0) painted++; }
    return painted / sampled >= minShare;
}"""
# Layers st_folium added through feature_group_to_add (the isochrone), and their parts.
ADDED_LAYERS_JS = "() => (window.feature_group || []).reduce((n, g) => n + g.getLayers().length, 0)"


def wait_until_idle(page: Any, *, timeout: int = RERUN_MS) -> None:
    """The script has finished and every element of this run is drawn (as Streamlit's own
    e2e helper ``wait_for_app_run`` does). Only for after content has been waited for: it
    cannot tell "not started yet" from "done"."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=timeout)
    expect(page.locator("[data-testid=stSkeleton], [data-testid=stSkeletonElement]")).to_have_count(
        0, timeout=timeout
    )


def map_frame(page: Any) -> Any:
    return page.frame_locator(MAP_IFRAME).first


def map_frame_handle(page: Any) -> Any:
    """The map iframe as a Frame, for evaluating JavaScript in it."""
    handle = page.locator(MAP_IFRAME).first.element_handle(timeout=RERUN_MS)
    frame = handle.content_frame()
    assert frame is not None
    return frame


def expect_title(page: Any, text: str, *, timeout: int = RERUN_MS) -> None:
    expect(page.locator("h1").first).to_contain_text(text, timeout=timeout)


def expect_map_in_language(page: Any, lang: str) -> None:
    """The map is drawn and its layer control and legend speak ``lang``."""
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=RERUN_MS)
    control = frame.locator(".leaflet-control-layers")
    expect(control).to_have_count(1, timeout=RERUN_MS)
    for key in LAYER_KEYS:
        expect(control).to_contain_text(t(key, lang), timeout=RERUN_MS)
    shown = control.inner_text()
    for key in LAYER_KEYS:
        if t(key, OTHER[lang]) != t(key, lang):
            assert t(key, OTHER[lang]) not in shown, key
    legend = frame.locator(".lifecircle-legend")
    expect(legend).to_contain_text(t("colour_time", lang))
    expect(legend).to_contain_text(f"{t('layer_homes', lang)}: {t('not_served', lang)}")


# ------------------------------------------------------------------------ first visit


def test_a_deep_link_works_as_the_first_visit(
    fresh_streamlit_server: Any, offline_page: tuple[Any, Any]
) -> None:
    page, log = offline_page
    page.goto(fresh_streamlit_server.url("/gaps?lang=en"))
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible(timeout=FIRST_RUN_MS)
    labels = [
        link.get_attribute("label")
        for link in nav.locator("[data-testid=stSidebarNavLink] span[label]").all()
    ]
    assert "app" not in labels  # the entrypoint listed as a page of its own
    assert t("page_gaps", "en") in labels
    expect_title(page, t("gaps_title", "en"), timeout=FIRST_RUN_MS)
    wait_until_idle(page, timeout=FIRST_RUN_MS)  # the page's first run computes its tables
    log.assert_clean()


# ------------------------------------------------------------------------------ map page


def test_chinese_map_page(offline_page: tuple[Any, Any], app_server: Any) -> None:
    page, log = offline_page
    page.goto(app_server.url("/?lang=zh"))

    expect_title(page, t("app_title", "zh"))
    expect(page.locator("h1").first).to_contain_text("15分钟社区生活圈")
    labels = page.get_by_test_id("stMetricLabel")
    expect(labels.first).to_contain_text(t("metric_residents", "zh"), timeout=RERUN_MS)
    expect(labels.nth(1)).to_contain_text(t("metric_served", "zh"))
    sidebar = page.get_by_test_id("stSidebar")
    for key in ("category", "tier", "speed", "standard", "basemap", "street_colour"):
        expect(sidebar).to_contain_text(t(key, "zh"))
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text(t("page_gaps", "zh"))

    expect_map_in_language(page, "zh")
    frame = map_frame(page)
    # Leaflet drew the layers: vector features on the (prefer_canvas) overlay canvas, the
    # chosen category's facilities as icon markers.
    expect(frame.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
    map_frame_handle(page).wait_for_function(CANVAS_PAINTED_JS, arg=0.05, timeout=RERUN_MS)
    markers = frame.locator(".leaflet-marker-pane .awesome-marker")
    expect(markers.first).to_be_visible()
    expect(markers.first.locator("i.fa")).to_have_count(1)  # the category's icon
    expect(frame.locator(".leaflet-control-scale")).to_be_visible()
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    wait_until_idle(page)
    log.assert_clean()


def test_english_map_page(offline_page: tuple[Any, Any], app_server: Any) -> None:
    page, log = offline_page
    page.goto(app_server.url("/?lang=en"))

    expect_title(page, t("app_title", "en"))
    expect(page.locator("h1").first).not_to_contain_text(t("app_title", "zh"))
    labels = page.get_by_test_id("stMetricLabel")
    expect(labels.first).to_contain_text(t("metric_residents", "en"), timeout=RERUN_MS)
    expect(labels.nth(3)).to_contain_text(t("metric_completeness", "en"))
    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stCaptionContainer").first).to_contain_text(t("app_subtitle", "en"))
    expect(page.get_by_test_id("stSidebar")).to_contain_text(t("category", "en"))
    expect_map_in_language(page, "en")
    wait_until_idle(page)
    log.assert_clean()


def test_a_click_on_the_map_shows_the_isochrone(
    offline_page: tuple[Any, Any], app_server: Any
) -> None:
    page, log = offline_page
    page.set_viewport_size({"width": 1400, "height": 1700})  # map and table in one screenshot
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: received.append(len(data))))
    scripts: list[str] = []
    page.on("response", lambda r: scripts.append(r.url) if "/app/static/layers/" in r.url else None)
    page.goto(app_server.url("/?lang=en"))
    expect_map_in_language(page, "en")
    map_frame_handle(page).wait_for_function(CANVAS_PAINTED_JS, arg=0.05, timeout=RERUN_MS)
    # The map (about 1 MB on Lujiazui) came as a file of the app's static folder; no
    # websocket message carried it (dashboard.map_frame.publish_script).
    assert [url for url in scripts if url.endswith(".js")], scripts
    assert received and max(received) < 200_000, max(received)
    assert map_frame_handle(page).evaluate(ADDED_LAYERS_JS) == 0
    heading = page.get_by_role("heading", name=t("reach_title", "en"))
    expect(heading).to_have_count(0)

    # The middle of the map is the middle of the district.
    container = map_frame(page).locator(".leaflet-container")
    box = container.bounding_box()
    assert box is not None
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})

    # streamlit-folium returns last_clicked, the page reruns and answers below the map...
    expect(heading).to_be_visible(timeout=RERUN_MS)
    table = page.get_by_test_id("stDataFrame")
    # (The heading is drawn before the table: on a busy machine, Playwright's 5 s default
    # was seen to run out between the two.)
    expect(table).to_have_count(1, timeout=RERUN_MS)
    expect(table).to_contain_text(t("col_distance", "en"))
    # st.dataframe draws on a canvas; its accessible table has the row count (with header).
    expect(table.locator("table")).to_have_attribute(
        "aria-rowcount", re.compile(r"^([2-9]|\d\d+)$")
    )
    # ... and the same map (not a new iframe) gets the isochrone layer, in small messages.
    map_frame_handle(page).wait_for_function(f"() => ({ADDED_LAYERS_JS})() > 0", timeout=RERUN_MS)
    assert max(received) < 200_000, max(received)
    expect(page.locator(MAP_IFRAME)).to_have_count(1)
    control = map_frame(page).locator(".leaflet-control-layers")
    expect(control).to_have_count(1)
    expect(control).to_contain_text(t("layer_isochrone", "en"))
    wait_until_idle(page)
    log.assert_clean()


def test_a_session_without_a_browser_gets_the_map_and_a_click_as_a_tab_does(
    app_server: Any,
) -> None:
    """The load benchmark's browserless users (bench.session_client) make the server do a
    tab's work: the page with its map, then a click answered with the reach table."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bench.session_client import SessionClient

    async def visit() -> tuple[Any, float, list[str]]:
        async with SessionClient(app_server.url(""), query="lang=en") as client:
            seen = await client.open_map(FIRST_RUN_MS / 1000)
            assert t("reach_title", "en") not in client.headings
            click_s = await client.click_map(
                seen, lat=31.2352, lng=121.5005, timeout_s=RERUN_MS / 1000
            )
            return seen, click_s, client.headings

    # Playwright's sync API keeps an event loop in this thread: run ours in another one.
    with ThreadPoolExecutor(1) as pool:
        seen, click_s, headings = pool.submit(asyncio.run, visit()).result()
    assert seen.widget_id and seen.fragment_id  # the map runs in its own fragment
    assert seen.args_bytes < 200_000  # the map itself is a file (see the click test)
    assert click_s > 0 and t("reach_title", "en") in headings


def test_the_sidebar_switches_the_language(offline_page: tuple[Any, Any], app_server: Any) -> None:
    page, log = offline_page
    page.goto(app_server.url("/?lang=en"))
    expect_title(page, t("app_title", "en"))
    expect_map_in_language(page, "en")

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stButtonGroup").get_by_role("radio", name="中文").click()

    expect_title(page, t("app_title", "zh"))
    expect(page).to_have_url(re.compile(r"[?&]lang=zh\b"))
    expect(sidebar).to_contain_text(t("category", "zh"))
    expect(page.get_by_test_id("stMetricLabel").first).to_contain_text(t("metric_residents", "zh"))
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text(t("page_data", "zh"))
    # The sidebar's own choices are shown translated, and still chosen.
    clinic = load_taxonomy().get("health_centre").name("zh")
    expect(sidebar.get_by_role("combobox", name=t("category", "zh"))).to_have_value(clinic)
    expect(sidebar.get_by_role("combobox", name=t("tier", "zh"))).to_have_value(t("own_tier", "zh"))
    expect(sidebar.get_by_role("radio", name=t("standard_gb", "zh"))).to_be_checked()
    expect(sidebar.get_by_role("radio", name=t("colour_time", "zh"))).to_be_checked()
    expect_map_in_language(page, "zh")
    wait_until_idle(page)
    log.assert_clean()


# -------------------------------------------------------------------------- other pages


def test_gaps_page(offline_page: tuple[Any, Any], app_server: Any) -> None:
    page, log = offline_page
    page.goto(app_server.url("/gaps?lang=en"))

    expect_title(page, t("gaps_title", "en"))
    for key in ("coverage_table", "coverage_chart", "worst_cells"):
        expect(page.get_by_role("heading", name=t(key, "en"))).to_be_visible()
    tables = page.get_by_test_id("stDataFrame")
    expect(tables).to_have_count(3, timeout=RERUN_MS)  # coverage, hexagons, areas
    expect(tables.first).to_contain_text(t("col_share", "en"))
    expect(tables.first.locator("table")).to_have_attribute("aria-rowcount", "25")  # header + 24
    expect(tables.nth(1)).to_contain_text(t("col_unmet", "en"))
    expect(tables.nth(2)).to_contain_text(t("ar_col_area", "en"))  # the example's areas
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=RERUN_MS)
    map_frame_handle(page).wait_for_function(CANVAS_PAINTED_JS, arg=0.02, timeout=RERUN_MS)
    wait_until_idle(page)
    log.assert_clean()


def test_data_page(offline_page: tuple[Any, Any], app_server: Any) -> None:
    page, log = offline_page
    page.goto(app_server.url("/data?lang=en"))

    expect_title(page, t("data_title", "en"))
    expect(page.get_by_role("heading", name=t("provenance", "en"))).to_be_visible(timeout=RERUN_MS)
    expect(page.get_by_text(f"{t('data_date', 'en')}: 2026-08-15")).to_be_visible()
    expect(
        page.get_by_text(f"{t('attribution', 'en')}: © OpenStreetMap contributors, ODbL 1.0")
    ).to_be_visible()
    # Said in the page's language (lifecircle.i18n.maplang), the technical note a detail.
    bundled = t("ml_prov_bundled", "en").split("{")[0]
    expect(page.get_by_text(f"{t('provenance', 'en')}: {bundled}")).to_be_visible()
    expect(page.get_by_test_id("stExpander")).to_contain_text(t("ml_prov_details", "en"))
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("radio", name=t("source_bundled", "en"))).to_be_visible(
        timeout=RERUN_MS
    )
    expect(main.get_by_test_id("stFileUploader")).to_have_count(2)  # inventory, areas
    expect(main.get_by_test_id("stFileUploader").last).to_contain_text(t("ar_upload", "en"))
    facilities = main.get_by_test_id("stDataFrame")
    expect(facilities).to_contain_text(t("col_source", "en"))
    wait_until_idle(page)
    log.assert_clean()


# ------------------------------------------------------------ suggest sites (补建选址)


def test_suggest_sites_click_a_candidate_and_make_a_scenario(
    offline_page: tuple[Any, Any], app_server: Any
) -> None:
    """Ask for sites, see them numbered on the map, click a candidate, make a scenario."""
    page, log = offline_page
    lang, wait_ms = "zh", 2 * RERUN_MS
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(app_server.url(f"/gaps?lang={lang}"))
    run = page.get_by_role("button", name=t("sg_run", lang))
    expect(run).to_be_visible(timeout=wait_ms)
    # Components mount after the script's other elements: wait for the gaps map too.
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=wait_ms)
    run.click()

    # The answer: metrics, a second map with the numbered sites, the curve, the table.
    expect(page.get_by_text(t("sg_metric_gap", lang))).to_be_visible(timeout=wait_ms)
    expect(page.locator(MAP_IFRAME)).to_have_count(2, timeout=wait_ms)
    frame = page.frame_locator(MAP_IFRAME).nth(1)
    expect(frame.locator(".lc-site")).to_have_count(3, timeout=wait_ms)
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    table = page.get_by_test_id("stDataFrame").last
    expect(table).to_contain_text(t("sg_col_added", lang))
    expect(table.locator("table")).to_have_attribute("aria-rowcount", "4")  # header + 3

    # A click on the map adds a candidate site, and the answer is recomputed with it.
    container = frame.locator(".leaflet-container")
    box = container.bounding_box()
    assert box is not None
    container.click(position={"x": box["width"] * 0.55, "y": box["height"] * 0.55})
    expect(page.get_by_text(t("sg_clicks", lang, n=1))).to_be_visible(timeout=wait_ms)
    expect(page.frame_locator(MAP_IFRAME).nth(1).locator(".lc-site")).to_have_count(
        3, timeout=wait_ms
    )

    page.get_by_role("button", name=t("sg_to_scenario", lang)).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "suggested-sites", timeout=wait_ms
    )
    wait_until_idle(page)
    log.assert_clean()


# ------------------------------------------- offline by default, exports, Chinese everywhere
ZH_PAGES = {
    "": "app_title",
    "gaps": "gaps_title",
    "scenarios": "page_scenarios",
    "survey": "survey_title",
    "report": "ck_page_report",
    "data": "data_title",
    "topics": "page_topics",
    "vote": "vote_title",
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def english_fragments() -> list[str]:
    """Text from the catalogue's English values that must not appear on a Chinese page.

    Each value is cut at its placeholders; a piece counts if it has two words or more (a
    single word may be a name, a unit or an OSM tag) and is not also in the Chinese value
    (names like "OpenStreetMap" or "GeoJSON" are the same in both).
    """
    from lifecircle.i18n import STRINGS

    pieces = set()
    for entry in STRINGS.values():
        en, zh = entry.get("en", ""), entry.get("zh", "")
        for piece in PLACEHOLDER.split(en):
            piece = piece.strip(" .:,;()·—-\n")
            if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2 and piece not in zh:
                pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


def visible_text(page: Any) -> str:
    """The page's visible text, and that of each map (an iframe of its own)."""
    texts = [page.locator("body").inner_text()]
    for handle in page.locator(MAP_IFRAME).element_handles():
        frame = handle.content_frame()
        if frame is not None:
            texts.append(frame.locator("body").inner_text())
    return "\n".join(texts)


def test_every_page_in_chinese_asks_no_other_host_and_shows_no_english_ui_text(
    offline_page: tuple[Any, Any], app_server: Any
) -> None:
    page, log = offline_page
    fragments = english_fragments()
    assert len(fragments) > 200  # the catalogue was read
    untranslated: dict[str, list[str]] = {}
    for path, title_key in ZH_PAGES.items():
        page.goto(app_server.url(f"/{path}?lang=zh"))
        # Each page's first run on this server computes its tables: give it time.
        expect_title(page, t(title_key, "zh"), timeout=FIRST_RUN_MS)
        wait_until_idle(page, timeout=FIRST_RUN_MS)
        if path == "":
            # The map page, by default: the local OSM base, drawn, credited, metres only.
            frame = map_frame(page)
            # The map's script is a file the frame fetches and runs: slower on a busy machine.
            expect(frame.locator(".leaflet-control-attribution")).to_contain_text(
                "OpenStreetMap", timeout=FIRST_RUN_MS
            )
            expect(frame.locator(".leaflet-control-scale")).to_contain_text(" m")
            assert "ft" not in frame.locator(".leaflet-control-scale").inner_text()
            expect(frame.locator(".leaflet-tile")).to_have_count(0)
            expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
        text = visible_text(page)
        found = [f for f in fragments if f in text]
        if found:
            untranslated[path or "map"] = found
    # Not one request left this machine on any page: no tiles, no fonts, nothing.
    assert log.blocked == []
    assert untranslated == {}
    assert log.page_errors == [] and log.unexpected_console_errors() == []


def test_exported_maps_open_offline_with_credit_and_no_error(
    offline_page: tuple[Any, Any], app_server: Any, tmp_path: Any
) -> None:
    from lifecircle.cli.main import main

    page, log = offline_page
    page.goto(app_server.url("/?lang=zh"))
    expect_title(page, t("app_title", "zh"), timeout=FIRST_RUN_MS)
    wait_until_idle(page, timeout=FIRST_RUN_MS)
    expect(map_frame(page).locator(".leaflet-container")).to_be_visible(timeout=RERUN_MS)
    wait_until_idle(page)
    download = click_download(
        page.get_by_role("button", name=t("export_html", "zh")), timeout_ms=RERUN_MS * 3
    )
    dashboard_html = tmp_path / "dashboard.html"
    download.save_as(dashboard_html)
    cli_html = tmp_path / "cli.html"
    # The CLI's map of the bundled district (its cache is this session's: quick).
    assert main(["map", "lujiazui", "--out", str(cli_html), "--lang", "zh", "--quiet"]) == 0
    for path in (dashboard_html, cli_html):
        html = path.read_text(encoding="utf-8")
        assert "OpenStreetMap" in html, path.name
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err, e=errors: e.append(str(err)))
        page.goto(path.as_uri())
        expect(page.locator(".leaflet-control-attribution")).to_contain_text(
            "OpenStreetMap contributors, ODbL 1.0"
        )
        expect(page.locator(".leaflet-control-layers")).to_have_count(1)
        expect(page.locator(".lifecircle-legend")).to_contain_text(t("layer_gaps", "zh"))
        assert errors == [], (path.name, errors)
    assert log.blocked == []
