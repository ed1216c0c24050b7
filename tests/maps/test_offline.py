"""Maps render with no CDN: unit tests of lifecircle.maps.offline and headless-Chromium checks.

The browser tests block every request whose host is not this machine and record it,
then check what a person would see: the Leaflet map, markers, a GeoJSON path, the
draw toolbar, with no JavaScript error. Screenshots go to tests/artifacts/. The Streamlit
server, Chromium and the request blocking come from ``bench/harness.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import pytest
from folium import plugins
from folium.elements import JSCSSMixin

from bench.harness import (
    CHROMIUM,
    CHROMIUM_MISSING,
    BlockedRequest,
    block_remote_requests,
    running_chromium,
    streamlit_server,
    with_repo_on_pythonpath,
)
from lifecircle.maps import offline

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
MAP_TIMEOUT_MS = 20_000
# The app's first run imports folium and streamlit_folium: on a loaded CI machine that
# alone can pass 20 s, and it says nothing about the offline assets.
FIRST_RUN_TIMEOUT_MS = 90_000

CENTER = (31.2304, 121.4737)  # People's Square, Shanghai
SITE_POLYGON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "社区服务中心 15 分钟圈"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [121.468, 31.227],
                        [121.480, 31.227],
                        [121.480, 31.234],
                        [121.468, 31.234],
                        [121.468, 31.227],
                    ]
                ],
            },
        }
    ],
}
# True once a default (blue) marker's image has loaded; false for a broken image.
MARKER_IMAGE_LOADED_JS = """() => [...document.querySelectorAll("img.leaflet-marker-icon")]
    .some(img => img.complete && img.naturalWidth > 0)"""
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
ASSET_TAG = re.compile(r"<script\b[^>]*\bsrc=|<link\b[^>]*\bstylesheet", re.IGNORECASE)
# A script or link tag whose URL goes to another host: what must never be left.
REMOTE_ASSET_TAG = re.compile(
    r"""<(?:script\b[^>]*\bsrc|link\b[^>]*\bhref)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE
)


def build_map() -> folium.Map:
    """A map with what the dashboard uses: markers, popup, GeoJSON, layers, drawing."""
    m = folium.Map(location=CENTER, zoom_start=15)
    sites = folium.FeatureGroup(name="设施 facilities").add_to(m)
    folium.Marker(CENTER, popup=folium.Popup("社区服务中心", max_width=200)).add_to(sites)
    folium.Marker(
        (31.2320, 121.4760),
        popup="卫生服务站",
        icon=folium.Icon(color="red", icon="house-medical", prefix="fa"),
    ).add_to(sites)
    folium.GeoJson(SITE_POLYGON, name="15 分钟圈", tooltip="15 分钟圈").add_to(m)
    plugins.Draw(export=False).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]*)"', html)


def all_folium_links() -> set[str]:
    """Every JS/CSS URL declared by folium and its plugins."""

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {url for cls in subclasses(JSCSSMixin) for _, url in [*cls.default_js, *cls.default_css]}


# ---------------------------------------------------------------------------- unit tests


def test_every_folium_asset_has_a_local_copy() -> None:
    for url in sorted(all_folium_links()):
        m = folium.Map(tiles=None)
        m.default_js = [("probe", url)]
        m.default_css = []
        offline.make_offline(m, mode="served")
        assert m.default_js[0][1].startswith(offline.SERVED_BASE_URL + "/"), url


@pytest.mark.parametrize("mode", ["served", "inline"])
def test_rendered_map_links_no_remote_asset(mode: offline.AssetMode) -> None:
    m = build_map()
    plugins.Fullscreen().add_to(m)
    plugins.MousePosition().add_to(m)
    cluster = plugins.MarkerCluster().add_to(m)
    folium.Marker(CENTER).add_to(cluster)
    plugins.HeatMap([[*CENTER, 1.0]]).add_to(m)

    cdn_html = m.get_root().render()
    assert REMOTE_ASSET_TAG.search(cdn_html) is not None
    assert len(offline.find_remote_assets(cdn_html)) >= 20

    html = offline.make_offline(m, mode=mode).get_root().render()

    assert len(ASSET_TAG.findall(html)) >= 20
    assert REMOTE_ASSET_TAG.search(html) is None
    assert offline.find_remote_assets(html) == []
    # Tiles and the attribution link stay remote: they are not assets.
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html


def test_served_links_point_at_prepared_files(tmp_path: Path) -> None:
    vendor_dir = offline.prepare_served_assets(tmp_path / "static")
    html = offline.make_offline(build_map(), mode="served").get_root().render()

    urls = re.findall(r'(?:src|href)="(/app/static/vendor/[^"]+)"', html)
    assert "/app/static/vendor/leaflet/leaflet.js" in urls
    assert "/app/static/vendor/leaflet/leaflet-icon-path.js" in urls
    for url in urls:
        assert (vendor_dir / url.removeprefix("/app/static/vendor/")).is_file(), url
    assert (vendor_dir / "leaflet" / "images" / "marker-icon.png").is_file()


def test_served_stylesheets_reference_only_local_files(tmp_path: Path) -> None:
    vendor_dir = offline.prepare_served_assets(tmp_path / "static")
    for css_path in vendor_dir.rglob("*.css"):
        for match in CSS_URL.finditer(css_path.read_text("utf-8")):
            ref = next(group for group in match.groups() if group is not None)
            if ref.startswith(("data:", "#")):
                continue
            assert (css_path.parent / ref).resolve().is_file(), (css_path, ref)


def test_prepare_served_assets_is_idempotent_and_self_ignoring(tmp_path: Path) -> None:
    vendor_dir = offline.prepare_served_assets(tmp_path / "static")
    leaflet_js = vendor_dir / "leaflet" / "leaflet.js"
    first_mtime = leaflet_js.stat().st_mtime_ns

    assert offline.prepare_served_assets(tmp_path / "static") == vendor_dir
    assert leaflet_js.stat().st_mtime_ns == first_mtime
    assert (vendor_dir / ".gitignore").read_text().splitlines()[-1] == "*"

    leaflet_js.unlink()
    (vendor_dir / ".lifecircle-assets").write_text("stale")
    offline.prepare_served_assets(tmp_path / "static")
    assert leaflet_js.is_file()


def test_make_offline_leaves_folium_classes_alone() -> None:
    leaflet_cdn = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    before = list(folium.Map.default_js), list(plugins.Draw.default_css)

    m = offline.make_offline(build_map(), mode="served")
    offline.make_offline(m, mode="inline")

    assert (folium.Map.default_js, plugins.Draw.default_css) == before
    assert folium.Map.default_js[0] == ("leaflet", leaflet_cdn)
    assert m.default_js[0][1].startswith("data:text/javascript;base64,")
    assert [name for name, _ in m.default_js][:2] == ["leaflet", "leaflet_icon_path"]


def test_unknown_remote_asset_raises() -> None:
    m = folium.Map()
    m.default_js = [*m.default_js, ("mystery", "https://cdn.example.org/mystery.js")]
    with pytest.raises(offline.OfflineAssetError, match=r"mystery\.js"):
        offline.make_offline(m, mode="served")


def test_invalid_mode_raises() -> None:
    with pytest.raises(ValueError, match="mode"):
        offline.make_offline(folium.Map(), mode="cdn")  # type: ignore[arg-type]


def test_standalone_html_inlines_everything_and_leaves_map_alone() -> None:
    m = offline.make_offline(build_map(), mode="served")
    before = asset_urls(m.get_root().render())

    html = offline.standalone_html(m)

    assert html.startswith("<!DOCTYPE html>")
    assert REMOTE_ASSET_TAG.search(html) is None
    assert offline.find_remote_assets(html) == []
    assert "<script src=" not in html
    assert 'rel="stylesheet"' not in html
    assert "L.Icon.Default.mergeOptions" in html
    assert "data:font/woff2;base64," in html  # Font-Awesome's solid icons
    assert "../webfonts/" not in html
    assert asset_urls(m.get_root().render()) == before
    assert before[0] == "/app/static/vendor/leaflet/leaflet.js"


def choropleth_map() -> folium.Map:
    m = folium.Map(location=CENTER, zoom_start=15, tiles=None)
    folium.Choropleth(
        SITE_POLYGON,
        data={"社区服务中心 15 分钟圈": 12.0},
        columns=None,
        key_on="feature.properties.name",
        legend_name="步行分钟 walk minutes",
    ).add_to(m)
    return m


def test_make_offline_refuses_a_colormap_that_streamlit_folium_loads_from_a_cdn() -> None:
    with pytest.raises(offline.OfflineAssetError, match="drop_colormaps"):
        offline.make_offline(choropleth_map(), mode="served")


def test_drop_colormaps_returns_the_legends() -> None:
    m = choropleth_map()
    legends = offline.drop_colormaps(m)

    html = offline.make_offline(m, mode="served").get_root().render()

    assert [legend.caption for legend in legends] == ["步行分钟 walk minutes"]
    assert "<svg" in legends[0]._repr_html_()
    assert offline.find_remote_assets(html) == []
    assert "d3.min.js" not in html
    assert re.search(r"geo_json_\w+\.addTo\(", html)  # the choropleth is still drawn


def test_standalone_html_inlines_a_colormap_d3() -> None:
    m = build_map()
    folium.LinearColormap(["#ffffff", "#08306b"], vmin=0, vmax=15).add_to(m)
    html = offline.standalone_html(m)
    assert offline.find_remote_assets(html) == []
    assert "d3.min.js" not in html


# ------------------------------------------------------------------------- browser tests


@dataclass
class BrowserLog:
    """What a page did that a test wants to check afterwards."""

    blocked: list[BlockedRequest] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    responses: dict[str, int] = field(default_factory=dict)

    def blocked_assets(self) -> list[str]:
        return [url for kind, url in self.blocked if kind in {"script", "stylesheet", "font"}]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING)
    pytest.importorskip("playwright.sync_api")
    with running_chromium() as chromium:
        yield chromium


@pytest.fixture
def offline_page(browser: Any) -> Iterator[tuple[Any, BrowserLog]]:
    """A page whose every request to another host fails, as on an offline machine."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    log = BrowserLog(blocked=block_remote_requests(context))
    page = context.new_page()
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("response", lambda response: log.responses.__setitem__(response.url, response.status))
    yield page, log
    context.close()


def save_screenshot(page: Any, name: str) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / name), animations="disabled")


@pytest.mark.browser
def test_standalone_html_renders_offline(
    offline_page: tuple[Any, BrowserLog], tmp_path: Path
) -> None:
    page, log = offline_page
    html_path = tmp_path / "map.html"
    html_path.write_text(offline.standalone_html(build_map()), encoding="utf-8")

    page.goto(html_path.as_uri())
    page.locator(".leaflet-container").wait_for(timeout=MAP_TIMEOUT_MS)
    page.locator(".leaflet-draw-toolbar").first.wait_for(timeout=MAP_TIMEOUT_MS)

    page.wait_for_function(MARKER_IMAGE_LOADED_JS, timeout=MAP_TIMEOUT_MS)
    markers = page.locator("img.leaflet-marker-icon")
    assert markers.count() == 1  # the default blue marker; the other is an awesome-marker
    assert page.locator(".awesome-marker i.fa-house-medical").count() == 1
    assert page.evaluate(
        """async () => (await document.fonts.load('900 14px "Font Awesome 6 Free"', '\\uf0f8'))
        .length"""
    )
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator(".leaflet-control-layers").count() == 1

    markers.first.click()
    assert page.locator(".leaflet-popup-content").inner_text() == "社区服务中心"
    save_screenshot(page, "offline_standalone.png")

    assert log.page_errors == []
    assert log.blocked_assets() == []
    assert {kind for kind, _ in log.blocked} <= {"image"}  # only map tiles


APP_SCRIPT = """\
from pathlib import Path

import folium
from folium import plugins
from streamlit_folium import st_folium

from lifecircle.maps.offline import make_offline, prepare_served_assets

prepare_served_assets(Path(__file__).parent / "static")

m = folium.Map(location=(31.2304, 121.4737), zoom_start=15)
folium.Marker((31.2304, 121.4737), popup="社区服务中心").add_to(m)
folium.GeoJson({geojson!r}).add_to(m)
plugins.Draw(export=False).add_to(m)
st_folium(make_offline(m, mode="served"), key="map", height=420, width=700,
          returned_objects=[])
"""


@pytest.fixture(scope="module")
def streamlit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Streamlit server with static serving, running a one-map app from a temp folder."""
    app_dir = tmp_path_factory.mktemp("offline_app")
    script = app_dir / "app.py"
    script.write_text(APP_SCRIPT.format(geojson=SITE_POLYGON), encoding="utf-8")
    with streamlit_server(
        script,
        cwd=app_dir,
        env=with_repo_on_pythonpath(os.environ),
        log_path=app_dir / "streamlit.log",
        options={"server.enableStaticServing": "true"},
    ) as server:
        yield server.base_url


@pytest.mark.browser
def test_streamlit_folium_map_renders_offline(
    offline_page: tuple[Any, BrowserLog], streamlit_app: str
) -> None:
    page, log = offline_page
    page.goto(streamlit_app)

    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]')
    iframe.wait_for(timeout=FIRST_RUN_TIMEOUT_MS)
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(MARKER_IMAGE_LOADED_JS, timeout=MAP_TIMEOUT_MS)
    assert frame.locator(".leaflet-container").count() == 1
    assert frame.locator("path.leaflet-interactive").count() >= 1
    assert frame.locator(".leaflet-draw-toolbar").count() >= 1
    save_screenshot(page, "offline_streamlit.png")

    served = {url: status for url, status in log.responses.items() if "/app/static/" in url}
    assert f"{streamlit_app}/app/static/vendor/leaflet/leaflet.js" in served
    assert set(served.values()) == {200}
    assert log.page_errors == []
    assert log.blocked_assets() == []
