"""The scenarios page in real Chromium: draw a clinic, see coverage change, save it.

The server is the module's (``tests/e2e/conftest.py``): its user data folder follows
the default rule under a temporary ``HOME`` and ``XDG_DATA_HOME``; the shipped examples
are copied there (``<data>/scenarios/lujiazui/``) and the repository is never written,
which ``test_saving_writes_nothing_into_the_repository`` checks with ``git status``.
Numbers shown on the page are compared with the same computation done independently
with ``geo`` (``geo.comparison.apply_scenario`` on the baseline analysis), at the
precision the page displays.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from bench.browser_js import MAP_SHOWS_TOOLTIP_JS
from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.scenarios.apply import apply_scenario
from geo.scenarios.compare import compare
from geo.scenarios.model import Scenario, ScenarioMeta, loads_scenario, parse_intervention
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from tests.e2e.conftest import repository_state

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "scenarios" / "example-passage-and-garden.geojson"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 60_000
FIRST_RUN_MS = 90_000
LANG = "en"
CLINIC = "health_centre"
# Where the drawn clinic may go in the map, in pixels from its edges: clear of the zoom
# and draw toolbars (top left), the layer control (top right) and the attribution.
MARGIN_PX = 70


# ------------------------------------------------------------------------ geo, independently


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    """What the page analyses by default: Lujiazui, GB tiers, the default walking speed."""
    return analyse(lujiazui, taxonomy)


def with_clinic(baseline: Analysis, lon: float, lat: float) -> Analysis:
    feature = {
        "type": "Feature",
        "properties": {"kind": "facility", "category": CLINIC, "name": ""},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    item = parse_intervention(feature, taxonomy=baseline.taxonomy)
    return apply_scenario(
        baseline, Scenario(id="check", meta=ScenarioMeta(), interventions=(item,))
    )


@pytest.fixture(scope="module")
def clinic_site(baseline: Analysis) -> tuple[float, float]:
    """A home not served by a clinic where a new clinic serves the most residents.

    Candidates are the 40 most populous unserved homes; the best gains tens of points.
    """
    served = baseline.served[baseline.categories.index(CLINIC)]
    unserved = baseline.homes[~served].sort_values("population", ascending=False).head(40)
    assert len(unserved), "every home already has a clinic: pick another category"

    def share(lon: float, lat: float) -> float:
        return float(with_clinic(baseline, lon, lat).coverage.by_category.loc[CLINIC, "share"])

    best = max(zip(unserved["lon"], unserved["lat"], strict=True), key=lambda p: share(*p))
    before = float(baseline.coverage.by_category.loc[CLINIC, "share"])
    assert share(*best) - before > 0.05
    return float(best[0]), float(best[1])


def share_text(share: float) -> str:
    """As the page formats a share (``f"{share * 100:.1f}%"``)."""
    return f"{share * 100:.1f}%"


# ------------------------------------------------------------------------------- the page


def metric(page: Any, label: str) -> Any:
    """The value of the metric whose label is ``label`` (the newest, while a rerun runs)."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def choose(page: Any, scope: Any, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` inside ``scope``."""
    box = scope.get_by_test_id("stSelectbox").filter(has_text=label)
    expect(box).to_be_visible(timeout=FIRST_RUN_MS)  # a busy machine may take a while
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(option)


def open_scenarios(page: Any, server: Any) -> None:
    page.goto(server.url(f"/scenarios?lang={LANG}"))
    expect(page.locator("h1").first).to_contain_text(
        t("page_scenarios", LANG), timeout=FIRST_RUN_MS
    )


def wait_until_idle(page: Any) -> None:
    """Wait for the script run behind what the test just saw to finish.

    Call it only after seeing something the run produced (a rerun may not have started
    the moment after a click).
    """
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=TIMEOUT_MS
    )


def map_frame(page: Any) -> Any:
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=TIMEOUT_MS)
    handle = page.locator(MAP_IFRAME).element_handle(timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    assert frame is not None
    return frame


VIEW_JS = """() => {
    const c = window.map.getCenter();
    return {lat: c.lat, lng: c.lng, zoom: window.map.getZoom()};
}"""

MAP_SHOWS_JS = f"""(text) => {{
    const frame = document.querySelector('{MAP_IFRAME}');
    return ({MAP_SHOWS_TOOLTIP_JS})(frame && frame.contentWindow, text);
}}"""


def expect_map_shows(page: Any, text: str) -> None:
    """The map (in its iframe) has a layer whose tooltip reads ``text``."""
    page.wait_for_function(MAP_SHOWS_JS, arg=text, timeout=TIMEOUT_MS)


@pytest.fixture(scope="module", autouse=True)
def repository_before(repository_before_server: tuple[str, str]) -> tuple[str, str]:
    """The repository as it was before the server and this module's tests ran."""
    return repository_before_server


# ---------------------------------------------------------------------------------- tests


def test_a_drawn_clinic_changes_coverage_and_is_saved(
    offline_page: tuple[Any, Any],
    app_server: Any,
    baseline: Analysis,
    clinic_site: tuple[float, float],
    taxonomy: Taxonomy,
) -> None:
    page, log = offline_page
    page.set_viewport_size({"width": 1400, "height": 1600})  # map, form and buttons at once
    open_scenarios(page, app_server)

    # A new scenario.
    title = "East clinic e2e"
    title_input = page.get_by_label(t("scn_new_title", LANG))
    # The district's examples are listed now, so the first run also draws one: wait for it.
    expect(title_input).to_be_visible(timeout=FIRST_RUN_MS)
    title_input.fill(title)
    title_input.press("Enter")
    create = page.get_by_role("button", name=t("scn_create", LANG))
    expect(create).to_be_enabled(timeout=TIMEOUT_MS)
    create.click()
    picker = page.get_by_test_id("stSelectbox").filter(has_text=t("scn_pick", LANG))
    expect(picker.get_by_role("combobox")).to_have_value(
        re.compile(rf"^{re.escape(title)} \(.+\)$"), timeout=TIMEOUT_MS
    )

    share_label = f"{t('metric_served', LANG)} · {taxonomy.get(CLINIC).name(LANG)}"
    share = metric(page, share_label)
    before = share_text(float(baseline.coverage.by_category.loc[CLINIC, "share"]))
    expect(share).to_have_text([before], timeout=TIMEOUT_MS)
    newly = metric(page, t("scn_newly_served", LANG))
    expect(newly).to_have_text(["0"])
    wait_until_idle(page)  # the map is the new scenario's, not the one shown before

    # Draw a point with Leaflet.Draw's marker tool, where the new clinic helps most.
    frame = map_frame(page)
    marker_tool = frame.locator(".leaflet-draw-draw-marker")
    expect(marker_tool).to_be_visible(timeout=TIMEOUT_MS)
    frame.wait_for_function("() => window.map && window.map.getSize().x > 0", timeout=TIMEOUT_MS)
    lon, lat = clinic_site
    # The user zooms in on the site first: the map must stay there after the Add.
    frame.evaluate(
        "([lat, lon]) => { window.map.setView([lat, lon], 16, {animate: false}); }", [lat, lon]
    )
    view_before = frame.evaluate(VIEW_JS)
    assert view_before["zoom"] == 16
    spot = frame.evaluate(
        """([lat, lon]) => {
            const p = window.map.latLngToContainerPoint([lat, lon]);
            const size = window.map.getSize();
            return {x: p.x, y: p.y, width: size.x, height: size.y};
        }""",
        [lat, lon],
    )
    assert MARGIN_PX <= spot["x"] <= spot["width"] - MARGIN_PX, spot
    assert MARGIN_PX <= spot["y"] <= spot["height"] - MARGIN_PX, spot
    marker_tool.click()
    frame.locator(".leaflet-container").click(position={"x": spot["x"], "y": spot["y"]})

    # The page reruns with a form for the drawing.
    form = page.get_by_test_id("stForm")
    expect(form).to_be_visible(timeout=TIMEOUT_MS)
    expect(form).to_contain_text(t("scn_drawn", LANG, kind="Point"))
    drawn = frame.evaluate("() => window.__GLOBAL_DATA__.last_active_drawing")
    assert drawn["geometry"]["type"] == "Point"
    drawn_lon, drawn_lat = drawn["geometry"]["coordinates"]
    # Where the mouse was: within a pixel (about 8 m at the map's zoom 14) of the site.
    assert abs(drawn_lon - lon) < 1e-4 and abs(drawn_lat - lat) < 1e-4
    wait_until_idle(page)

    choose(page, form, t("scn_kind", LANG), t("kind_facility", LANG))
    choose(page, form, t("ws_category_point", LANG), taxonomy.get(CLINIC).name(LANG))

    # Independently: the same point as a clinic, applied to the baseline with geo.
    after = with_clinic(baseline, drawn_lon, drawn_lat)
    expected = compare(baseline, after).by_category.loc[CLINIC]
    expected_share = share_text(float(expected["share_after"]))
    expected_newly = f"{expected['delta']:,.0f}"
    assert expected_share != before

    submit = form.get_by_role("button", name=t("scn_add", LANG))
    started = time.perf_counter()
    submit.click()
    page.wait_for_function(
        """([label, before]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .filter((m) => m.innerText.includes(label))
            .map((m) => m.querySelector('[data-testid="stMetricValue"]').innerText.trim())
            .some((value) => value !== before)""",
        arg=[share_label, before],
        polling="raf",
        timeout=TIMEOUT_MS,
    )
    metric_ms = (time.perf_counter() - started) * 1000
    expect(share).to_have_text([expected_share], timeout=TIMEOUT_MS)
    expect(newly).to_have_text([expected_newly])
    expect(form).to_have_count(0, timeout=TIMEOUT_MS)  # the rebuilt map has no drawing pending
    scenario_tip = f"{t('kind_facility', LANG)} · {taxonomy.get(CLINIC).name(LANG)}"
    expect_map_shows(page, scenario_tip)
    wait_until_idle(page)
    view_after = map_frame(page).evaluate(VIEW_JS)
    assert view_after["zoom"] == view_before["zoom"]
    assert view_after["lat"] == pytest.approx(view_before["lat"], abs=1e-6)
    assert view_after["lng"] == pytest.approx(view_before["lng"], abs=1e-6)
    map_ms = (time.perf_counter() - started) * 1000
    # Reported, not asserted (run with -s to see it).
    print(f"\nsubmit → updated metric: {metric_ms:.0f} ms; → map with the clinic: {map_ms:.0f} ms")

    # Save: revision 1 on disk, with the clinic.
    page.get_by_role("button", name=t("scn_save", LANG), exact=True).click()
    expect(page.get_by_text(t("scn_saved", LANG, rev=1))).to_be_visible(timeout=TIMEOUT_MS)
    saved = [
        path
        for path in (app_server.scenario_dir / "lujiazui").glob("*.geojson")
        if json.loads(path.read_text("utf-8"))["metadata"]["title"] == title
    ]
    assert len(saved) == 1, saved
    doc = json.loads(saved[0].read_text("utf-8"))
    assert doc["metadata"]["revision"] == 1
    (feature,) = doc["features"]
    assert feature["properties"]["kind"] == "facility"
    assert feature["properties"]["category"] == CLINIC
    assert feature["geometry"] == {"type": "Point", "coordinates": [drawn_lon, drawn_lat]}
    log.assert_clean()


# The example brings residents within reach of a pocket green, a playground and a pitch
# (README, "Scenarios"): the headline shows all three while the sidebar stays on clinics.
def test_the_example_scenario_shows_every_category_it_changes(
    offline_page: tuple[Any, Any],
    app_server: Any,
    baseline: Analysis,
    taxonomy: Taxonomy,
) -> None:
    page, log = offline_page
    example = loads_scenario(EXAMPLE.read_text("utf-8"), taxonomy=taxonomy)
    after = apply_scenario(baseline, example)
    shares = {
        c: (share_text(float(s0)), share_text(float(s1)))
        for c, s0, s1 in zip(
            baseline.categories,
            baseline.coverage.by_category["share"],
            after.coverage.by_category["share"],
            strict=True,
        )
    }
    changed = [c for c, (s0, s1) in shares.items() if s0 != s1]
    assert set(changed) == {"pocket_green", "fitness_ground", "small_sports"}
    newly_homes = (after.served & ~baseline.served).any(axis=0)
    newly = float(after.homes["population"].to_numpy()[newly_homes].sum())
    assert newly > 0

    open_scenarios(page, app_server)
    main = page.get_by_test_id("stMain")
    choose(page, main, t("scn_pick", LANG), f"{example.meta.title} ({example.id})")
    for category in changed:
        label = f"{t('metric_served', LANG)} · {taxonomy.get(category).name(LANG)}"
        expect(metric(page, label)).to_have_text([shares[category][1]], timeout=TIMEOUT_MS)
    expect(metric(page, t("scn_newly_served", LANG))).to_have_text([f"{newly:,.0f}"])
    # The map draws the scenario's garden (the names are the example file's) and a legend.
    for item in example.interventions:
        expect_map_shows(page, item.name)
    legend = page.frame_locator(MAP_IFRAME).locator(".lifecircle-legend")
    expect(legend).to_contain_text(t("ws_legend_newly", LANG))
    wait_until_idle(page)
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")).to_be_visible()
    log.assert_clean()


def test_saving_writes_nothing_into_the_repository(
    offline_page: tuple[Any, Any], app_server: Any, repository_before: tuple[str, str]
) -> None:
    """Issue 15: saving the shipped example once wrote revision 2 into the tracked file.

    Now the example is a copy in the user data folder (here the default rule under the
    server's temporary ``XDG_DATA_HOME``, no ``LIFECIRCLE_SCENARIO_DIR``): saving it writes
    there, and ``git status`` is what it was before the server started.
    """
    page, log = offline_page
    shipped = json.loads(EXAMPLE.read_text("utf-8"))
    open_scenarios(page, app_server)
    main = page.get_by_test_id("stMain")
    title = shipped["metadata"]["title"]
    choose(page, main, t("scn_pick", LANG), f"{title} ({shipped['id']})")
    # Save once the page has settled with the example drawn (a rerun still under way
    # would replace the "Saved" notice before it is seen).
    for feature in shipped["features"]:
        expect_map_shows(page, feature["properties"]["name"])
    wait_until_idle(page)
    page.get_by_role("button", name=t("scn_save", LANG), exact=True).click()
    revision = shipped["metadata"]["revision"] + 1
    expect(page.get_by_text(t("scn_saved", LANG, rev=revision))).to_be_visible(timeout=TIMEOUT_MS)

    copy = app_server.scenario_dir / "lujiazui" / EXAMPLE.name
    assert json.loads(copy.read_text("utf-8"))["metadata"]["revision"] == revision
    assert repository_state() == repository_before
    log.assert_clean()


def test_a_deep_link_to_the_map_with_a_language(
    offline_page: tuple[Any, Any], app_server: Any
) -> None:
    """Issue 15: ``/map?lang=zh`` answered "Page not found" (the map is the default page,
    which Streamlit serves only at ``/``); now ``/map`` is the map, in Chinese."""
    page, log = offline_page
    page.goto(app_server.url("/map?lang=zh"))
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=FIRST_RUN_MS)
    expect(page.locator("h1").first).to_contain_text("15分钟社区生活圈", timeout=TIMEOUT_MS)
    wait_until_idle(page)
    assert "Page not found" not in page.inner_text("body")
    assert page.url.split("?")[0].endswith("/map")
    log.assert_clean()
