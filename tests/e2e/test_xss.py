"""Untrusted text on the map stays text: an XSS corpus through every way text reaches it.

Survey comments and group labels, facility names from an uploaded inventory and from
OpenStreetMap, and scenario feature names all end up in folium tooltips and popups, which
folium writes as HTML inside JavaScript template literals (so ``${...}`` and backticks
matter as much as ``<``). Every payload below tries to set ``window.__xss`` to its own
number (or to call ``alert`` with it), so a payload that runs says which one it was and
where it came from: comments of the UTF-8 survey are 1xx, its group labels 2xx, inventory
names 3xx, OSM names 4xx, scenario names 5xx, the GBK survey's comments and groups 6xx
and 7xx.

The payloads go through the real readers (``geo.survey.read_survey``,
``geo.inventory.read_facility_inventory`` + ``District.with_facilities``,
``geo.district.extract_facilities``, ``geo.scenario.parse_scenario``) and the real map
builders (``maps.build_map``, ``maps.needs_layers``, ``maps.scenario_layer``), are
rendered with ``lifecircle.maps.offline.standalone_html`` and opened in offline Chromium, where
every marker carrying a payload is hovered and clicked (the first of each kind with the
real mouse, all of them through the events Leaflet fires under the mouse, in one script)
and then every tooltip and popup of every layer (hidden layers included) is forced open. Nothing may
run, and every payload must be readable as text (escaped, not dropped). The last test
does the same in the running Streamlit app, uploading the survey on the survey page.

A canary (an ``<img onerror>`` this test inserts itself) proves that a handler that got
into the page would have run, so "nothing ran" is not vacuous.
"""

from __future__ import annotations

import csv
import html
import http.server
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.access.analysis import Analysis, analyse
from geo.access.doorstep import compound_entrances
from geo.district.model import District
from geo.inputs.coords import CoordSystem
from geo.inputs.inventory import read_facility_inventory
from geo.osm.features import extract_facilities
from geo.scenarios.model import Scenario, parse_scenario
from geo.standards.taxonomy import Taxonomy
from geo.surveys.read import read_survey
from geo.surveys.result import SurveyResult
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.offline import standalone_html

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
SAMPLE_SURVEY = REPO_ROOT / "data" / "sample_survey_lujiazui.csv"  # the page's default
TIMEOUT_MS = 60_000
FIRST_RUN_MS = 90_000

# ------------------------------------------------------------------------------ the corpus

N = "NNN"  # replaced by the payload's number


@dataclass(frozen=True)
class Payload:
    """One attack string and the part of it a reader must see once it is escaped."""

    template: str
    note: str
    needle: str = ""  # what must be read on screen (whitespace-normalised); "" = all of it

    def text(self, number: int) -> str:
        return self.template.replace(N, str(number))

    def visible(self, number: int) -> str:
        return (self.needle or self.template).replace(N, str(number))

    @property
    def in_csv(self) -> bool:
        """A CSV with a NUL byte is refused as binary by geo.inventory.read_table."""
        return "\x00" not in self.template


X = "window.__xss=NNN"
LONG_TAIL = "很长的意见" * 1200
# (template, note, needle): the needle defaults to the whole template.
PAYLOADS: tuple[Payload, ...] = tuple(
    Payload(template, note, needle)
    for template, note, needle in (
        (f"<script>{X}</script>", "classic script", ""),
        (f'<img src=x onerror="{X}">', "img onerror", ""),
        ("<img src=x onerror=alert(NNN)>", "img onerror alert()", ""),
        (f"<svg onload={X}>", "svg onload", ""),
        ("<svg/onload=alert(NNN)//", "svg onload, no space", ""),
        (f'<a href="javascript:{X}">打开 open</a>', "javascript: link", ""),
        ('<iframe src="javascript:parent.__xss=NNN"></iframe>', "javascript: iframe", ""),
        (f'" onmouseover="{X}" autofocus onfocus="{X}" x="', "attribute breakout (\")", ""),
        (f"' onmouseover='{X}' x='", "attribute breakout (')", ""),
        (f'"><img src=x onerror={X}>', "tag breakout", ""),
        ("${" + X + "}", "template-literal substitution", ""),
        (f"`;{X};`", "backtick breakout", ""),
        (f"`+({X})+`", "backtick concatenation", ""),
        (f"\\`;{X};//", "backslash before a backtick", ""),
        (f"</script><script>{X}</script>", "script-block breakout", ""),
        (f"</div></div><script>{X}</script>", "container breakout", ""),
        ("{{constructor.constructor('" + X + "')()}}", "template-engine expression", ""),
        ("{% if 1 %}{{ " + X + " }}{% endif %}", "jinja block", ""),
        (f"\\u0060;{X};\\u0060", "escaped backtick \\u0060", ""),
        (f"\\x3cimg src=x onerror={X}\\x3e", "escaped angle brackets \\x3c", ""),
        (f"&lt;img src=x onerror={X}&gt;", "HTML entities (double decoding)", ""),
        (f"&#60;svg onload={X}&#62;", "numeric entities", ""),
        (f"%3Cscript%3E{X}%3C/script%3E", "URL-encoded", ""),
        (f"<scr\x00ipt>{X}</scr\x00ipt>", "NUL inside a tag name", f"ipt>{X}</scr"),
        (f"<img src=x\x00 onerror={X}>", "NUL before an attribute", f"onerror={X}>"),
        (f"<img src=x onerror={X}>{LONG_TAIL}", "6000 characters", f"onerror={X}>很长的意见"),
        ("长" * 150 + f"<svg onload={X}>", "long prefix", f"长长长<svg onload={X}>"),
        ("#NNN " + "界" * 296 + f"<script>{X}</script>", "cut after '<' by the limit",
         "#NNN 界界界界界"),
        (f"\u202e>gmi<\u202d<img src=x onerror={X}>", "right-to-left override",
         f"<img src=x onerror={X}>"),
        (f"小区门口需要诊所<img src=x onerror={X}>请尽快", "Chinese around a payload", ""),
        (f"＜script＞{X}＜/script＞", "full-width brackets", ""),
        (f"<details open ontoggle={X}>", "details ontoggle", ""),
        (f"<b onmouseover={X}>悬停 hover</b>", "mouseover handler", ""),
        (f"javascript:{X}", "bare javascript: URL", ""),
        (f"<math><mtext><table><mglyph><style><img src=x onerror={X}>", "mutation XSS", ""),
        (f'<!--<img src="--><img src=x onerror={X}//">', "comment confusion", ""),
        ("'-alert(NNN)-'", "JS string breakout (')", ""),
        (f'";{X};//', "JS string breakout (\")", ""),
        (f"\u2028{X}\u2029", "line and paragraph separators", X),
        (f"<input onfocus={X} autofocus>", "autofocus", ""),
        (f"<body onload={X}>", "body onload", ""),
        (f"<\u200bimg src=x onerror={X}>", "zero-width space", f"img src=x onerror={X}>"),
        (f"第一行\r\n<img src=x onerror={X}>\n第三行", "line breaks", f"<img src=x onerror={X}>"),
    )
)  # fmt: skip


def normalise(text: str) -> str:
    """Collapse whitespace as a browser's innerText does (and drop NULs, as HTML does)."""
    return " ".join(text.replace("\x00", "").split())


def payload_texts(base: int, *, only: Callable[[Payload], bool] = lambda p: True) -> list[str]:
    return [p.text(base + i) for i, p in enumerate(PAYLOADS) if only(p)]


def needles(base: int, *, only: Callable[[Payload], bool] = lambda p: True) -> dict[int, str]:
    return {base + i: normalise(p.visible(base + i)) for i, p in enumerate(PAYLOADS) if only(p)}


def in_gbk(payload: Payload) -> bool:
    if not payload.in_csv:
        return False
    try:
        payload.text(100).encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------------------ unit tests


def test_the_corpus_is_large_and_its_needles_identify_each_payload() -> None:
    assert len(PAYLOADS) >= 25
    texts = payload_texts(100)
    found = needles(100)
    for number, needle in found.items():
        assert needle in normalise(texts[number - 100]), number
        others = [n for n, text in enumerate(texts, start=100) if needle in normalise(text)]
        assert others == [number], (number, others)
    assert sum(in_gbk(p) for p in PAYLOADS) >= 25


@pytest.mark.parametrize("max_len", [500, 300, 100_000])
def test_safe_text_neutralises_every_payload(max_len: int) -> None:
    for number, text in enumerate(payload_texts(100), start=100):
        out = maps.safe_text(text, max_len=max_len)
        assert "<" not in out and ">" not in out, number
        assert "`" not in out and "${" not in out and "\\" not in out, number
        assert '"' not in out and "'" not in out, number
        assert "{" not in out and "}" not in out and "$" not in out, number
        assert len(html.unescape(out)) <= max_len, number
        if len(text) <= max_len:
            assert html.unescape(out) == text, number  # lossless: escaped, nothing dropped
        else:
            assert html.unescape(out) == text[: max_len - 1] + "…", number


# ---------------------------------------------------------------------- building the inputs

SURVEY_FIELDS_EN = ("respondent", "category", "score", "comment", "group", "lon", "lat")
SURVEY_FIELDS_ZH = ("编号", "需求类别", "优先级", "意见建议", "年龄段", "经度", "纬度")
SURVEY_CATEGORIES = ("养老", "看病", "买菜", "药店", "公园", "托育")
INVENTORY_CATEGORIES = ("诊所", "药店", "菜市场", "卫生服务站", "便利店")
OSM_TAGS = (
    {"amenity": "clinic"},
    {"amenity": "pharmacy"},
    {"shop": "convenience"},
    {"amenity": "kindergarten"},
)


def grid_point(i: int, *, lon0: float, lat0: float) -> tuple[float, float]:
    """Points ~110 m apart on the east bank, inside the Lujiazui study area (WGS-84)."""
    return round(lon0 + (i % 8) * 0.0012, 6), round(lat0 + (i // 8) * 0.0010, 6)


def survey_csv(
    *,
    encoding: str,
    headers: tuple[str, ...],
    comment_base: int,
    group_base: int,
    only: Callable[[Payload], bool],
    lon0: float,
    lat0: float,
) -> bytes:
    """A survey export with a payload in every comment and every group label."""
    chosen = [i for i, p in enumerate(PAYLOADS) if only(p)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row, i in enumerate(chosen):
        group_i = chosen[(row + 7) % len(chosen)]
        lon, lat = grid_point(row, lon0=lon0, lat0=lat0)
        writer.writerow(
            [
                f"R{row + 1:03d}",
                SURVEY_CATEGORIES[row % len(SURVEY_CATEGORIES)],
                1 + row % 5,
                PAYLOADS[i].text(comment_base + i),
                PAYLOADS[group_i].text(group_base + group_i),
                f"{lon:.6f}",
                f"{lat:.6f}",
            ]
        )
    return buf.getvalue().encode(encoding)


def utf8_survey_bytes() -> bytes:
    return survey_csv(
        encoding="utf-8-sig",
        headers=SURVEY_FIELDS_EN,
        comment_base=100,
        group_base=200,
        only=lambda p: p.in_csv,
        lon0=121.5020,
        lat0=31.2320,
    )


def gbk_survey_bytes() -> bytes:
    return survey_csv(
        encoding="gbk",
        headers=SURVEY_FIELDS_ZH,
        comment_base=600,
        group_base=700,
        only=in_gbk,
        lon0=121.5035,
        lat0=31.2305,
    )


def inventory_csv_bytes() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["名称", "类别", "经度", "纬度"])
    for row, (i, payload) in enumerate((i, p) for i, p in enumerate(PAYLOADS) if p.in_csv):
        lon, lat = grid_point(row, lon0=121.5028, lat0=31.2312)
        writer.writerow(
            [
                payload.text(300 + i),
                INVENTORY_CATEGORIES[row % len(INVENTORY_CATEGORIES)],
                f"{lon:.6f}",
                f"{lat:.6f}",
            ]
        )
    return buf.getvalue().encode("utf-8")


def osm_facilities(district: District, taxonomy: Taxonomy) -> gpd.GeoDataFrame:
    """Facilities as geo.district.extract_facilities reads them from OSM, named by payloads.

    Half of them stand a few metres from compound entrances, so that their names also
    reach the doorstep circles' tooltips.
    """
    net = district.network
    gates = compound_entrances(district.entrances, district.areas, crs=net.crs)
    points = []
    for i in range(len(PAYLOADS)):
        if i % 2 == 0 and i // 2 < len(gates):
            gate = gates.iloc[i // 2]
            points.append(shapely.Point(gate.lon + 0.00005, gate.lat))
        else:
            points.append(shapely.Point(*grid_point(i, lon0=121.5032, lat0=31.2316)))
    tags = [OSM_TAGS[i % len(OSM_TAGS)] for i in range(len(PAYLOADS))]
    features = gpd.GeoDataFrame(
        {
            "amenity": [tag.get("amenity") for tag in tags],
            "shop": [tag.get("shop") for tag in tags],
            "name": payload_texts(400),
        },
        geometry=points,
        crs="EPSG:4326",
        index=pd.MultiIndex.from_tuples(
            [("node", 9_000_000_000 + i) for i in range(len(PAYLOADS))]
        ),
    )
    return extract_facilities(features, taxonomy=taxonomy, boundary=district.boundary, crs=net.crs)


def scenario_doc() -> dict[str, Any]:
    """A scenario file in which every feature (of every kind) is named by a payload."""
    features = []
    for i, text in enumerate(payload_texts(500)):
        lon, lat = grid_point(i, lon0=121.5024, lat0=31.2324)
        kind = ("facility", "space", "link", "closure")[i % 4]
        if kind == "facility":
            geometry: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
            props: dict[str, Any] = {"kind": kind, "category": "health_centre"}
        elif kind == "space":
            d = 0.00025
            ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
            geometry, props = (
                {"type": "Polygon", "coordinates": [ring]},
                {"kind": kind, "provides": ["pocket_green"]},
            )
        else:
            geometry = {
                "type": "LineString",
                "coordinates": [[lon, lat], [lon + 0.0005, lat + 0.0002]],
            }
            props = {"kind": kind}
        features.append(
            {
                "type": "Feature",
                "id": f"f{i}",
                "properties": {**props, "name": text},
                "geometry": geometry,
            }
        )
    meta = {"title": PAYLOADS[0].text(599), "description": PAYLOADS[10].text(598), "revision": 0}
    return {"type": "FeatureCollection", "metadata": meta, "features": features}


# -------------------------------------------------------------------------- the maps


@dataclass
class Case:
    """One source of untrusted text, rendered into a map."""

    html: str
    injected: list[str]  # the raw payloads that went in
    markers: int  # point markers that carry a payload (each hovered and clicked)
    tooltip_needles: dict[int, str]
    popup_needles: dict[int, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def base_analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def full_map(
    analysis: Analysis, *, lang: str, extra: tuple[folium.FeatureGroup, ...] = ()
) -> folium.Map:
    """The map page's map plus ``extra`` layers, with the layer control added last.

    (The control must come after every layer it lists: folium writes the scripts in the
    order the elements were added, as ``geo.cli_commands.cmd_map`` and the pages do.)
    """
    layers = maps.compute_map_layers(analysis, "health_centre")
    m = maps.build_map(
        analysis,
        layers,
        category="health_centre",
        lang=lang,
        basemap="osm",
        speed_kmh=analysis.speed_kmh,
        layer_control=False,
    )
    for group in extra:
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def read_payload_survey(path: Path, lujiazui: District, taxonomy: Taxonomy) -> SurveyResult:
    result = read_survey(path, taxonomy=taxonomy, district=lujiazui, coord_system="wgs84")
    assert result.rejected == [], [str(p) for p in result.rejected]
    return result


def survey_case(
    name: str,
    data: bytes,
    *,
    comment_base: int,
    group_base: int,
    only: Callable[[Payload], bool],
    tmp_path: Path,
    analysis: Analysis,
) -> Case:
    path = tmp_path / name
    path.write_bytes(data)
    result = read_payload_survey(path, analysis.district, analysis.taxonomy)
    comments = payload_texts(comment_base, only=only)
    assert result.rows_accepted == len(comments)
    # The reader keeps what residents wrote: escaping is the map's job.
    assert sorted(result.responses.drop_duplicates("row")["comment"]) == sorted(comments)
    groups = maps.needs_layers(
        result.responses, taxonomy=analysis.taxonomy, lang="zh", shift=maps.shift_for("osm")
    )
    m = full_map(analysis, lang="zh", extra=groups)
    wanted = {**needles(comment_base, only=only), **needles(group_base, only=only)}
    injected = comments + payload_texts(group_base, only=only)
    return Case(
        html=standalone_html(m),
        injected=injected,
        markers=len(comments),
        tooltip_needles=wanted,
        popup_needles=wanted,
    )


def build_case(source: str, tmp_path: Path, analysis: Analysis) -> Case:
    district, taxonomy = analysis.district, analysis.taxonomy
    if source == "survey-utf8":
        return survey_case(
            "问卷-utf8.csv",
            utf8_survey_bytes(),
            comment_base=100,
            group_base=200,
            only=lambda p: p.in_csv,
            tmp_path=tmp_path,
            analysis=analysis,
        )
    if source == "survey-gbk":
        data = gbk_survey_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # so read_table takes the GBK path
        return survey_case(
            "问卷-gbk.csv",
            data,
            comment_base=600,
            group_base=700,
            only=in_gbk,
            tmp_path=tmp_path,
            analysis=analysis,
        )
    if source == "inventory":
        path = tmp_path / "设施清单.csv"
        path.write_bytes(inventory_csv_bytes())
        result = read_facility_inventory(
            path, coord_system=CoordSystem.WGS84, resolve_category=taxonomy.resolve
        )
        assert result.rejected == [], [str(p) for p in result.rejected]
        assert len(result.facilities) == sum(p.in_csv for p in PAYLOADS)
        with_inventory = analyse(district.with_facilities(result.facilities), taxonomy)
        return Case(
            html=standalone_html(full_map(with_inventory, lang="zh")),
            injected=payload_texts(300, only=lambda p: p.in_csv),
            markers=len(result.facilities),
            tooltip_needles=needles(300, only=lambda p: p.in_csv),
        )
    if source == "osm":
        extra = osm_facilities(district, taxonomy)
        assert sorted(extra["name"]) == sorted(payload_texts(400))
        merged = pd.concat([district.facilities, extra], ignore_index=True)
        with_osm = analyse(
            replace(district, facilities=gpd.GeoDataFrame(merged, crs="EPSG:4326")), taxonomy
        )
        return Case(
            html=standalone_html(full_map(with_osm, lang="en")),
            injected=payload_texts(400),
            markers=len(extra),
            tooltip_needles=needles(400),
        )
    if source == "scenario":
        scenario: Scenario = parse_scenario(
            json.loads(json.dumps(scenario_doc())), taxonomy=taxonomy
        )
        assert [item.name for item in scenario.interventions] == [
            text[:200] for text in payload_texts(500)
        ]
        group = maps.scenario_layer(
            scenario, taxonomy=taxonomy, lang="en", shift=maps.shift_for("osm")
        )
        m = full_map(analysis, lang="en", extra=(group,))
        points = sum(item.geometry.geom_type == "Point" for item in scenario.interventions)
        return Case(
            html=standalone_html(m),
            injected=[item.name for item in scenario.interventions],
            markers=points,
            tooltip_needles=needles(500),
        )
    raise AssertionError(source)


SOURCES = ("survey-utf8", "survey-gbk", "inventory", "osm", "scenario")

# ---------------------------------------------------------------- driving Leaflet in a page

# Installs window.__xssProbe in a document holding one folium map: it finds the map and
# every Leaflet layer (folium declares each as a global), puts hidden overlays on the map,
# and opens tooltips and popups.
PROBE_JS = r"""
() => {
  if (window.__xssProbe) return true;
  const L = window.L;
  const globals = () => {
    const out = [];
    for (const key of Object.keys(window)) {
      let value;
      try { value = window[key]; } catch (e) { continue; }
      out.push([key, value]);
    }
    return out;
  };
  let map = window.map instanceof L.Map ? window.map : null;
  if (!map) {
    const found = globals().filter(([, v]) => v instanceof L.Map);
    if (found.length !== 1) throw new Error(`expected one Leaflet map, found ${found.length}`);
    map = found[0][1];
  }
  // A closed popup otherwise lingers, invisible, for 200 ms (its fade-out) and can take
  // the next hover meant for the layer under it.
  map._fadeAnimated = false;
  // Overlays folium built with show=False (doorstep circles, homes, gaps) are declared
  // but not on the map: add them, so that their tooltips can be opened too.
  for (const [, value] of globals()) {
    if (value instanceof L.LayerGroup && !map.hasLayer(value)) map.addLayer(value);
  }
  const all = () => {
    const seen = new Map();
    const visit = (layer) => {
      if (!(layer instanceof L.Layer) || seen.has(L.stamp(layer))) return;
      seen.set(L.stamp(layer), layer);
      if (layer.eachLayer) layer.eachLayer(visit);
    };
    map.eachLayer(visit);
    for (const [, value] of globals()) visit(value);
    return [...seen.values()];
  };
  const byId = (id) => all().find((layer) => L.stamp(layer) === id);
  const raw = (bound) => {
    const content = bound && bound.getContent();
    return typeof content === "string" ? content : (content && content.outerHTML) || "";
  };
  const closeAll = () => {
    map.closePopup();
    for (const layer of all()) if (layer.getTooltip && layer.getTooltip()) layer.closeTooltip();
  };
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  window.__xssProbe = {
    // Point layers (markers, circle markers) whose tooltip holds a payload.
    targets: () => all()
      .filter((l) => l.getLatLng && l.getTooltip && l.getTooltip())
      .filter((l) => /__xss|alert\(/.test(raw(l.getTooltip())))
      .map((l) => ({
        id: L.stamp(l),
        popup: !!(l.getPopup && l.getPopup()),
        marker: l instanceof L.Marker,  // an icon in the DOM; otherwise drawn on the canvas
      })),
    // Centre one layer at zoom 18 on top of the others; where to put the mouse (client px).
    focus: async (id) => {
      const layer = byId(id);
      closeAll();
      map.setView(layer.getLatLng(), 18, { animate: false });
      if (layer.bringToFront) layer.bringToFront();
      if (layer.setZIndexOffset) layer.setZIndexOffset(100000);
      await frame();
      if (layer instanceof L.Marker) {
        const box = layer.getElement().getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
      const point = map.latLngToContainerPoint(layer.getLatLng());
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + point.x, y: box.top + point.y };
    },
    // What is under the mouse and what the map is doing, for a failure message.
    diagnose: (id, x, y) => {
      const layer = byId(id);
      const under = document.elementFromPoint(x, y);
      const point = map.latLngToContainerPoint(layer.getLatLng());
      const box = map.getContainer().getBoundingClientRect();
      return {
        under: under ? under.outerHTML.slice(0, 120) : null,
        expected: { x: box.left + point.x, y: box.top + point.y },
        zoom: map.getZoom(),
        animating: !!map._animatingZoom,
        hovered: layer._renderer && layer._renderer._hoveredLayer
          ? L.stamp(layer._renderer._hoveredLayer) : null,
        openTooltips: [...document.querySelectorAll(".leaflet-tooltip")]
          .map((e) => e.innerText.slice(0, 40)),
      };
    },
    canHover: (id) => {
      const renderer = byId(id)._renderer;
      return !(renderer && renderer._mouseHoverThrottled);
    },
    tooltipText: (id) => {
      const layer = byId(id);
      return layer.isTooltipOpen() ? layer.getTooltip().getElement().innerText : null;
    },
    popupText: (id) => {
      const layer = byId(id);
      return layer.isPopupOpen() ? layer.getPopup().getElement().innerText : null;
    },
    // For each target in turn, what a hover and then a click open: the events Leaflet
    // itself fires on the layer once the mouse is over it (for a canvas layer, after its
    // renderer's hit test), so the same handlers run as under the mouse.
    hoverAll: (ids) => ids.map((id) => {
      const layer = byId(id);
      closeAll();
      const event = { latlng: layer.getLatLng() };
      layer.fire("mouseover", event, true);  // propagating to its groups, as the map does
      const tooltip = layer.isTooltipOpen() ? layer.getTooltip().getElement().innerText : null;
      let popup = null;
      if (layer.getPopup && layer.getPopup()) {
        layer.fire("click", event, true);
        popup = layer.isPopupOpen() ? layer.getPopup().getElement().innerText : null;
      }
      layer.fire("mouseout", event, true);
      return { id, tooltip, popup };
    }),
    // Open every tooltip (they stay open together) and every popup (one at a time).
    openEverything: () => {
      closeAll();
      const tooltips = [], popups = [];
      for (const layer of all()) {
        if (!map.hasLayer(layer)) continue;
        if (layer.getTooltip && layer.getTooltip()) {
          layer.openTooltip();
          const el = layer.getTooltip().getElement();
          tooltips.push(el ? el.innerText : "<not rendered>");
        }
        if (layer.getPopup && layer.getPopup()) {
          layer.openPopup();
          const el = layer.getPopup().getElement();
          popups.push(el ? el.innerText : "<not rendered>");
        }
      }
      return { tooltips, popups };
    },
    // An onerror handler inserted here runs: the page does not block inline handlers, so
    // a payload that became an element would have run too.
    canary: () => new Promise((resolve) => {
      window.__canary = 0;
      const holder = document.createElement("div");
      holder.innerHTML = '<img src="data:image/png;base64,AAAA" onerror="window.__canary = 1">';
      const check = () => (window.__canary === 1 ? resolve(true) : requestAnimationFrame(check));
      check();
    }),
  };
  return true;
}
"""
XSS_STATE_JS = "() => ({ xss: typeof window.__xss === 'undefined' ? null : String(window.__xss) })"


@dataclass
class Seen:
    """What the test read from tooltips and popups."""

    tooltips: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    hovered: int = 0  # payload markers whose tooltip a hover opened
    clicked: int = 0  # ... and whose popup a click opened
    by_mouse: int = 0  # of those, hovered and clicked with the real mouse


def mouse_hover(page: Any, frame: Any, target: dict[str, Any], offset: dict[str, float]) -> Any:
    """Hover ``target`` (then click it, if it has a popup) with the real mouse.

    Returns what its tooltip and popup show, as ``{"tooltip": ..., "popup": ...}``.
    """
    point = frame.evaluate("(id) => window.__xssProbe.focus(id)", target["id"])
    x, y = point["x"] + offset["x"], point["y"] + offset["y"]
    page.mouse.move(1, 1)  # away from the target, so that the next move is a fresh hover
    # Leaflet's canvas ignores mouse moves for 32 ms after handling one: wait for it.
    frame.wait_for_function("(id) => window.__xssProbe.canHover(id)", arg=target["id"])
    page.mouse.move(x, y)
    try:
        frame.wait_for_function(
            "(id) => window.__xssProbe.tooltipText(id) !== null", arg=target["id"], timeout=10_000
        )
    except Exception as exc:
        state = frame.evaluate(
            "([id, x, y]) => window.__xssProbe.diagnose(id, x, y)",
            [target["id"], point["x"], point["y"]],
        )
        raise AssertionError(f"hovering {target} at {x}, {y} opened no tooltip: {state}") from exc
    shown = {
        "tooltip": frame.evaluate("(id) => window.__xssProbe.tooltipText(id)", target["id"]),
        "popup": None,
    }
    if target["popup"]:
        page.mouse.click(x, y)
        frame.wait_for_function(
            "(id) => window.__xssProbe.popupText(id) !== null", arg=target["id"], timeout=10_000
        )
        shown["popup"] = frame.evaluate("(id) => window.__xssProbe.popupText(id)", target["id"])
    page.mouse.move(1, 1)
    return shown


def drive_map(page: Any, frame: Any, *, first_shot: str) -> Seen:
    """Hover and click every payload marker, then force everything open.

    The first marker of each kind (an icon marker, a marker drawn on the canvas) is
    hovered and clicked with the real mouse, which proves that the mouse reaches the same
    handlers; every marker is then hovered and clicked in one script, through the events
    Leaflet fires on a layer under the mouse. ``frame`` is where the map lives (the page
    itself, or the st_folium iframe); the mouse works in page coordinates, so the iframe's
    offset is added. ``first_shot`` is the screenshot taken with the first marker's
    tooltip and popup open.
    """
    assert frame.evaluate(PROBE_JS)
    offset = {"x": 0.0, "y": 0.0}
    if frame != page.main_frame:
        box = frame.frame_element().bounding_box()
        assert box is not None
        offset = {"x": box["x"], "y": box["y"]}
    seen = Seen()
    targets = frame.evaluate("() => window.__xssProbe.targets()")
    assert targets, "no marker carries a payload"
    firsts = list({target["marker"]: target for target in reversed(targets)}.values())
    by_mouse = {}
    for target in sorted(firsts, key=targets.index):
        by_mouse[target["id"]] = mouse_hover(page, frame, target, offset)
        if len(by_mouse) == 1:
            save_screenshot(page, first_shot)
    seen.by_mouse = len(by_mouse)
    shown = frame.evaluate("(ids) => window.__xssProbe.hoverAll(ids)", [t["id"] for t in targets])
    for target, opened in zip(targets, shown, strict=True):
        assert opened["tooltip"] is not None, f"hovering {target} opened no tooltip"
        seen.tooltips.append(opened["tooltip"])
        seen.hovered += 1
        if target["popup"]:
            assert opened["popup"] is not None, f"clicking {target} opened no popup"
            seen.popups.append(opened["popup"])
            seen.clicked += 1
        # What the mouse opened is what a hover and a click open.
        if target["id"] in by_mouse:
            assert by_mouse[target["id"]] == {k: opened[k] for k in ("tooltip", "popup")}
    opened = frame.evaluate("() => window.__xssProbe.openEverything()")
    seen.tooltips += opened["tooltips"]
    seen.popups += opened["popups"]
    assert frame.evaluate("() => window.__xssProbe.canary()") is True
    return seen


def missing(wanted: dict[int, str], texts: list[str]) -> dict[int, str]:
    shown = [normalise(text) for text in texts]
    return {n: needle for n, needle in wanted.items() if not any(needle in text for text in shown)}


def save_screenshot(page: Any, name: str) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / name), animations="disabled")


@pytest.fixture
def dialogs(offline_page: tuple[Any, Any]) -> list[str]:
    """Messages of every alert/confirm/prompt the page (or one of its frames) opened."""
    page, _ = offline_page
    messages: list[str] = []

    def on_dialog(dialog: Any) -> None:
        messages.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return messages


# ------------------------------------------------------------------ standalone map tests


@pytest.mark.browser
@pytest.mark.parametrize("source", SOURCES)
def test_payloads_stay_text_in_the_standalone_map(
    source: str,
    offline_page: tuple[Any, Any],
    dialogs: list[str],
    base_analysis: Analysis,
    tmp_path: Path,
) -> None:
    page, log = offline_page
    case = build_case(source, tmp_path, base_analysis)
    # Static check first: no payload reaches the document unescaped.
    for text in case.injected:
        if re.search(r"[<`]|\$\{", text):
            assert text not in case.html
    html_path = tmp_path / f"map-{source}.html"
    html_path.write_text(case.html, encoding="utf-8")

    page.goto(html_path.as_uri())
    page.locator(".leaflet-container").wait_for(timeout=TIMEOUT_MS)
    assert log.page_errors == []  # the whole map script ran
    seen = drive_map(page, page.main_frame, first_shot=f"xss-standalone-{source}-one.png")
    save_screenshot(page, f"xss-standalone-{source}-all.png")

    assert page.evaluate(XSS_STATE_JS) == {"xss": None}
    assert dialogs == []
    assert log.page_errors == []
    assert log.unexpected_console_errors() == []
    assert log.blocked_other_than_tiles() == []
    assert seen.hovered == case.markers
    assert missing(case.tooltip_needles, seen.tooltips) == {}
    if case.popup_needles:
        assert seen.clicked == case.markers
        assert missing(case.popup_needles, seen.popups) == {}
    if source == "osm":  # names near compound gates are listed in the doorstep circles too
        doorstep = [text for text in seen.tooltips if text.startswith(t("layer_doorstep", "en"))]
        assert any("window.__xss=4" in text for text in doorstep)


# ---------------------------------------------------------------- in the Streamlit app

MAP_HAS_PAYLOADS_JS = """(needle) => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const win = frame && frame.contentWindow;
    if (!win || !win.map || !win.L) return false;
    let found = false;
    win.map.eachLayer((layer) => {
        const tip = layer.getTooltip && layer.getTooltip();
        const content = tip && tip.getContent();
        if (typeof content === "string" && content.includes(needle)) found = true;
    });
    return found;
}"""


@pytest.mark.browser
def test_payloads_stay_text_on_the_survey_page(
    offline_page: tuple[Any, Any],
    dialogs: list[str],
    app_server: Any,
    lujiazui: District,
    taxonomy: Taxonomy,
) -> None:
    page, log = offline_page
    expect = pytest.importorskip("playwright.sync_api").expect
    accepted = page.get_by_test_id("stMetric").filter(has_text=t("metric_rows_accepted", "en"))
    rejected = page.get_by_test_id("stMetric").filter(has_text=t("metric_rows_rejected", "en"))
    idle = page.get_by_test_id("stApp")
    page.goto(app_server.url("/survey?lang=en"))
    expect(page.locator("h1").first).to_contain_text(t("survey_title", "en"), timeout=FIRST_RUN_MS)
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=TIMEOUT_MS)

    # The coordinates are WGS-84 (the page assumes GCJ-02 until told otherwise). Wait for
    # the rerun that choice starts (the bundled sample's count changes) to end before the
    # upload, so that the upload does not land in the middle of it.
    crs = page.get_by_test_id("stSelectbox").filter(has_text=t("inventory_crs", "en"))
    crs.click()
    page.get_by_role("option", name=t("crs_wgs84", "en")).click()
    expect(crs.get_by_role("combobox")).to_have_value(t("crs_wgs84", "en"))
    sample = read_survey(SAMPLE_SURVEY, taxonomy=taxonomy, district=lujiazui, coord_system="wgs84")
    expect(accepted.get_by_test_id("stMetricValue")).to_have_text(
        [str(sample.rows_accepted)], timeout=TIMEOUT_MS
    )
    expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)

    # The file name is a payload too: Streamlit lists it under the uploader.
    data = utf8_survey_bytes()
    upload_name = "<img src=x onerror=window.__xss=999>问卷.csv"
    uploader = page.get_by_test_id("stFileUploader").locator("input[type=file]")
    uploader.set_input_files({"name": upload_name, "mimeType": "text/csv", "buffer": data})
    # Listed as text (shortened on screen, in full in the remove button's label).
    expect(page.get_by_role("button", name=f"Remove {upload_name}")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    rows = sum(p.in_csv for p in PAYLOADS)
    # (A list: while the page reruns, the old metric can be on screen next to the new one.)
    try:
        expect(accepted.get_by_test_id("stMetricValue")).to_have_text(
            [str(rows)], timeout=TIMEOUT_MS
        )
    except AssertionError as exc:
        shown = page.get_by_test_id("stMain").inner_text()
        raise AssertionError(f"{exc}\n--- page:\n{shown}\n--- server:\n{app_server.log()}") from exc
    expect(rejected.get_by_test_id("stMetricValue")).to_have_text(["0"], timeout=TIMEOUT_MS)
    expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)

    # The rerun replaces the map iframe: wait for the one that holds the uploaded points.
    page.wait_for_function(MAP_HAS_PAYLOADS_JS, arg="window.__xss=100", timeout=TIMEOUT_MS)
    iframe = page.locator(MAP_IFRAME)
    expect(iframe).to_have_count(1)
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    seen = drive_map(page, frame, first_shot="xss-streamlit-survey-one.png")
    save_screenshot(page, "xss-streamlit-survey-all.png")

    wanted = {**needles(100, only=lambda p: p.in_csv), **needles(200, only=lambda p: p.in_csv)}
    assert frame.evaluate(XSS_STATE_JS) == {"xss": None}
    assert page.evaluate(XSS_STATE_JS) == {"xss": None}
    assert dialogs == []
    assert seen.hovered >= rows and seen.clicked >= rows
    assert missing(wanted, seen.tooltips) == {}
    assert missing(wanted, seen.popups) == {}
    log.assert_clean()


# ------------------------------------------------------ Markdown in names makes no request
@pytest.fixture
def pixel_listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path asked of it (and answers 204)."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_markdown_in_a_scenario_name_and_an_inventory_error_fetches_nothing(
    offline_page: tuple[Any, Any], app_server: Any, pixel_listener: tuple[str, list[str]]
) -> None:
    """A name holding a Markdown image is shown as text: the browser asks nothing of the URL.

    The listener is on 127.0.0.1, which the offline page may reach, so a request would be
    seen; a final ``fetch`` of it proves that.
    """
    page, log = offline_page
    expect = pytest.importorskip("playwright.sync_api").expect
    base, asked = pixel_listener
    idle = page.get_by_test_id("stApp")

    # A scenario named with an image, a link and emphasis (its name fills the picker).
    title = f"![s]({base}/pixel-scenario) [l]({base}/link) **bold**"
    page.goto(app_server.url("/scenarios?lang=en"))
    title_input = page.get_by_label(t("scn_new_title", "en"))
    title_input.fill(title)
    title_input.press("Enter")
    create = page.get_by_role("button", name=t("scn_create", "en"))
    expect(create).to_be_enabled(timeout=FIRST_RUN_MS)
    create.click()
    picker = page.get_by_test_id("stSelectbox").filter(has_text=t("scn_pick", "en"))
    expect(picker.get_by_role("combobox")).to_have_value(
        re.compile(rf"^{re.escape(title)} \(.+\)$"), timeout=TIMEOUT_MS
    )
    expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)

    # An inventory whose header is an image: the error quotes it, as text.
    header = f"![x]({base}/pixel-inventory)"
    page.goto(app_server.url("/data?lang=en"))
    # The first uploader is the inventory's (the areas' comes after it): both drawn and
    # the run over first (a file given to a page still drawing went to the areas' once).
    uploaders = page.get_by_test_id("stFileUploader")
    expect(uploaders).to_have_count(2, timeout=FIRST_RUN_MS)
    expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)
    uploader = uploaders.first.locator("input[type=file]")
    uploader.set_input_files(
        {
            "name": "facilities.csv",
            "mimeType": "text/csv",
            "buffer": f"name,{header}\nA,1\n".encode(),
        }
    )
    page.locator(".st-key-use_inventory button").click()
    error = page.get_by_test_id("stAlert").filter(has_text=t("error", "en"))
    expect(error.first).to_contain_text("pixel-inventory", timeout=TIMEOUT_MS)
    # Read as written (less the invisible word joiner that keeps the URL from linking).
    assert header in error.first.inner_text().replace("\u2060", "")
    expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)

    fetching = page.locator(f'img[src*="{base[7:]}"], a[href*="{base[7:]}"]')
    assert fetching.evaluate_all("els => els.map(e => e.outerHTML)") == []
    assert asked == []
    # The canary: the same listener does see a request the page really makes.
    # (evaluate awaits the fetch, whose answer comes after the listener recorded it.)
    page.evaluate("async url => { await fetch(url, {mode: 'no-cors'}); }", f"{base}/canary")
    assert asked == ["/canary"]
    log.assert_clean()
