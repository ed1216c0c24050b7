"""The dashboard's pages under ``streamlit.testing.v1.AppTest``.

What the pages show is checked against expectations computed here, not against the
dashboard's own helpers: the share of residents served is recounted from the homes'
population and their walking distances (``Analysis.home_dist_m``) against tier distances
read straight from ``data/taxonomy.yaml`` (or walked minutes × speed); every label is
compared with ``lifecircle.i18n.STRINGS``; the map component's arguments (the Leaflet script
streamlit-folium sends to the browser) are parsed and searched for layer names, remote
links and Leaflet calls.
"""

from __future__ import annotations

import html
import json
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboard.loaders import STATIC_DIR
from dashboard.map_frame import shown_script
from dashboard.text import escape_markdown
from geo.access.analysis import Analysis, analyse
from geo.access.compound_names import compound_names_for_cells
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from lifecircle import maps
from lifecircle.i18n import LANGS, STRINGS, t
from lifecircle.maps.served_layers import SERVED_LAYERS_URL

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = REPO_ROOT / "dashboard"
TAXONOMY_YAML = REPO_ROOT / "data" / "taxonomy.yaml"

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
PAGES = ("views/map.py", "views/gaps.py", "views/scenarios.py", "views/survey.py", "views/data.py")
PAGES += ("views/population.py",)
PAGE_TITLE_KEYS = {
    "views/map.py": "app_title",
    "views/gaps.py": "gaps_title",
    "views/scenarios.py": "page_scenarios",
    "views/survey.py": "survey_title",
    "views/data.py": "data_title",
    "views/population.py": "pop_title",
}
DISTRICT_TITLE = {"zh": "上海·陆家嘴", "en": "Shanghai · Lujiazui"}
DISTRICT_CENTRE = {"lat": 31.235, "lng": 121.500}  # middle of Lujiazui's study area
VENDOR_PREFIX = "/app/static/vendor/"
LOCAL_PREFIXES = (VENDOR_PREFIX, SERVED_LAYERS_URL)  # vendored assets; the published map
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
OTHER = {"zh": "en", "en": "zh"}


# ------------------------------------------------------------------------- expectations


@pytest.fixture(scope="module")
def taxonomy_yaml() -> dict[str, Any]:
    return yaml.safe_load(TAXONOMY_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gb_tier_m(taxonomy_yaml: dict[str, Any]) -> dict[str, float]:
    """Per item, its service distance read from the YAML file: its own, else its level's."""
    levels = {int(k): float(v["distance_m"]) for k, v in taxonomy_yaml["levels"].items()}
    return {
        c["id"]: float(c.get("distance_m", levels[int(c["level"])]))
        for c in taxonomy_yaml["categories"]
    }


@pytest.fixture(scope="module")
def tier_minutes(taxonomy_yaml: dict[str, Any]) -> dict[str, int]:
    minutes = {int(k): int(v["walk_minutes"]) for k, v in taxonomy_yaml["levels"].items()}
    return {c["id"]: minutes[int(c["level"])] for c in taxonomy_yaml["categories"]}


@pytest.fixture(scope="module")
def level_m(taxonomy_yaml: dict[str, Any]) -> dict[str, float]:
    """Per item, its level's distance (an item's own distance may differ: transit)."""
    levels = {int(k): float(v["distance_m"]) for k, v in taxonomy_yaml["levels"].items()}
    return {c["id"]: levels[int(c["level"])] for c in taxonomy_yaml["categories"]}


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    """Lujiazui analysed by ``geo`` directly, at the default 4 km/h and GB distances."""
    return analyse(lujiazui, taxonomy)


def served_share(a: Analysis, category: str, tier_m: float) -> float:
    """Residents whose walk to ``category`` is within ``tier_m``, over all residents."""
    pop = a.homes["population"].to_numpy(dtype=float)
    dist = a.home_dist_m[a.categories.index(category)]
    return float(pop[dist <= tier_m].sum() / pop.sum())


def residents(a: Analysis) -> float:
    return float(a.homes["population"].to_numpy(dtype=float).sum())


def percent(text: str) -> float:
    assert text.endswith("%"), text
    return float(text.removesuffix("%"))


def number(text: str) -> float:
    return float(text.replace(",", ""))


def category_name(taxonomy_yaml: dict[str, Any], category: str, lang: str) -> str:
    (row,) = [c for c in taxonomy_yaml["categories"] if c["id"] == category]
    return str(row[f"name_{lang}"])


# ----------------------------------------------------------------------------- helpers


def folium_args(at: AppTest) -> list[dict[str, Any]]:
    """The arguments of every st_folium component on the page (script, header, links...)."""
    found = []
    for element in at.main.get("component_instance"):
        proto = element.proto
        if proto.component_name == "streamlit_folium.st_folium":
            args = json.loads(proto.json_args)
            # The unchanging map travels as a published file; its loader names it.
            args["script"] = shown_script(args, STATIC_DIR)
            found.append(args)
    return found


def js_forms(text: str) -> tuple[str, str]:
    """``text`` as it may appear in generated JavaScript: raw, or JSON-escaped."""
    return text, json.dumps(text)[1:-1]


def contains_js(haystack: str, text: str) -> bool:
    return any(form in haystack for form in js_forms(text))


def switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def column(frame: pd.DataFrame, key: str, lang: str) -> pd.Series:
    return frame[t(key, lang)]


def tile_hosts() -> set[str]:
    hosts = set()
    for basemap in maps.BASEMAPS.values():
        for url in basemap.tiles:
            hosts.add(urlsplit(url.replace("{s}", "a")).hostname or "")
    return hosts


# ------------------------------------------------------------------------------- i18n


def _same_text(a: str, b: str) -> bool:
    """Equal once full-width punctuation and spacing are normalised (NFKC)."""

    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split())

    return norm(a) == norm(b)


def test_every_string_has_chinese_and_english() -> None:
    problems = []
    for key, entry in STRINGS.items():
        if set(entry) != set(LANGS):
            problems.append(f"{key}: languages {sorted(entry)}")
            continue
        for lang in LANGS:
            if not entry[lang].strip():
                problems.append(f"{key}: empty {lang}")
        if not _same_text(entry["zh"], entry["en"]) and not CJK.search(entry["zh"]):
            problems.append(f"{key}: zh is not Chinese: {entry['zh']!r}")
    assert problems == []


def test_translations_take_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}

    mismatched = {k: (fields(v["zh"]), fields(v["en"])) for k, v in STRINGS.items()}
    assert {k: v for k, v in mismatched.items() if v[0] != v[1]} == {}


def _source_files() -> Iterable[Path]:
    return sorted(DASHBOARD_DIR.rglob("*.py"))


def test_every_key_the_dashboard_asks_for_exists() -> None:
    """``t("key", ...)`` calls name existing keys; ``t(f"prefix_{x}", ...)`` a known prefix."""
    literal = re.compile(r"""\bt\(\s*(f?)(["'])([^"']*)\2""")
    missing = []
    for path in _source_files():
        for is_f, _, key in (m.groups() for m in literal.finditer(path.read_text("utf-8"))):
            if is_f:
                prefix = key.split("{", 1)[0]
                if not any(k.startswith(prefix) for k in STRINGS):
                    missing.append(f"{path.name}: t(f{key!r})")
            elif key not in STRINGS:
                missing.append(f"{path.name}: t({key!r})")
    assert missing == []


def test_category_names_in_both_languages(taxonomy_yaml: dict[str, Any]) -> None:
    for row in taxonomy_yaml["categories"]:
        assert CJK.search(row["name_zh"]), row["id"]
        assert row["name_en"].strip() and not CJK.search(row["name_en"]), row["id"]


# --------------------------------------------------------------------------- map page


@pytest.mark.parametrize("lang", LANGS)
def test_map_page_speaks_the_query_language(
    app_test: Callable[..., AppTest],
    lang: str,
    baseline: Analysis,
    gb_tier_m: dict[str, float],
    taxonomy_yaml: dict[str, Any],
) -> None:
    at = app_test(lang=lang)

    assert [e.value for e in at.title] == [f"{t('app_title', lang)} · {DISTRICT_TITLE[lang]}"]
    assert t("app_subtitle", lang) in [c.value for c in at.caption]
    assert t("click_hint", lang) in [c.value for c in at.caption]
    clinic = category_name(taxonomy_yaml, "health_centre", lang)
    assert [m.label for m in at.metric] == [
        t("metric_residents", lang),
        f"{t('metric_served', lang)} · {clinic}",
        t("metric_not_served", lang),
        t("metric_completeness", lang),
    ]
    # The sidebar's labels and options.
    assert at.selectbox(key="category").label == t("category", lang)
    assert at.selectbox(key="tier").label == t("tier", lang)
    assert at.selectbox(key="basemap").label == t("basemap", lang)
    assert at.slider(key="speed_kmh").label == t("speed", lang)
    assert at.radio(key="standard").label == t("standard", lang)
    assert at.radio(key="standard").options == [t("standard_gb", lang), t("standard_speed", lang)]
    assert at.radio(key="colour_by").label == t("street_colour", lang)
    assert at.selectbox(key="category").options == [
        c[f"name_{lang}"] for c in taxonomy_yaml["categories"]
    ]
    assert at.selectbox(key="tier").options == [t("own_tier", lang)] + [
        f"{m} {t('minutes', lang)}" for m in (5, 10, 15)
    ]
    assert at.query_params["lang"] in (lang, [lang])
    # Nothing of the other language leaks into the main area.
    other = OTHER[lang]
    shown = " ".join([e.value for e in at.title] + [m.label for m in at.metric])
    for key in ("app_title", "metric_residents", "metric_served", "metric_not_served"):
        assert t(key, other) not in shown

    # The numbers are the independent recount's.
    total, share = (
        residents(baseline),
        served_share(baseline, "health_centre", gb_tier_m["health_centre"]),
    )
    values = [m.value for m in at.metric]
    assert number(values[0]) == pytest.approx(total, abs=0.5)
    assert percent(values[1]) == pytest.approx(share * 100, abs=0.051)
    assert number(values[2]) == pytest.approx(total * (1 - share), abs=1.0)


@pytest.mark.parametrize("lang", LANGS)
def test_map_component_gets_an_offline_leaflet_script_with_every_layer(
    app_test: Callable[..., AppTest], lang: str
) -> None:
    at = app_test(lang=lang)
    (args,) = folium_args(at)
    script, control = args["script"], args["layer_control"] or ""
    code = "\n".join(
        str(args[k] or "") for k in ("script", "header", "html", "feature_group", "layer_control")
    )

    assert "L.map(" in script
    assert "L.geoJson(" in script
    assert '"preferCanvas": true' in script
    assert args["returned_objects"] == ["last_clicked"]
    # Every layer is listed in the layer control, in the page's language only.
    for key in LAYER_KEYS:
        assert contains_js(control, t(key, lang)), key
        if t(key, OTHER[lang]) != t(key, lang):
            assert not contains_js(control, t(key, OTHER[lang])), key
    assert "L.control.layers(" in control
    assert "L.control.layers(" not in script  # one layer control, not two
    # The legend speaks the page's language too.
    assert t("colour_time", lang) in args["html"]
    assert f"{t('layer_homes', lang)}: {t('not_served', lang)}" in args["html"]

    # Scripts and stylesheets come from this server, never from a CDN.
    assert args["js_links"] and args["css_links"]
    for url in [*args["js_links"], *args["css_links"]]:
        assert url.startswith(LOCAL_PREFIXES), url
    assert "/app/static/vendor/leaflet/leaflet.js" in args["js_links"]
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", code):
        for url in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", tag):
            assert url.startswith(VENDOR_PREFIX), tag
    # By default no tile server at all (the local OSM base): the only remote URL left is
    # the attribution's link to the OSM copyright page, which is not fetched.
    remote = {m.rstrip("\\") for m in re.findall(r"""https?://[^\s"'<>`)]+""", code)}
    assert {urlsplit(url).hostname for url in remote} == {"www.openstreetmap.org"}, remote
    assert not {urlsplit(url).hostname for url in remote} & tile_hosts()
    assert "L.tileLayer(" not in code
    assert "addAttribution(" in script and "ODbL 1.0" in script


def test_the_sidebar_language_picker_keeps_the_choices_and_translates_them(
    app_test: Callable[..., AppTest], taxonomy_yaml: dict[str, Any]
) -> None:
    at = app_test(lang="en")
    at.selectbox(key="category").set_value("park_large").run()
    at.radio(key="standard").set_value("speed").run()

    at.button_group(key="lang_picker").set_value("zh").run()
    assert not at.exception

    assert [e.value for e in at.title] == [f"{t('app_title', 'zh')} · {DISTRICT_TITLE['zh']}"]
    assert at.query_params["lang"] in ("zh", ["zh"])
    park = category_name(taxonomy_yaml, "park_large", "zh")
    assert at.metric[1].label == f"{t('metric_served', 'zh')} · {park}"
    expected = {
        "category": ("park_large", park),
        "tier": (0, t("own_tier", "zh")),
        "basemap": ("local", t("basemap_local", "zh")),
        "standard": ("speed", t("standard_speed", "zh")),
        "colour_by": ("time", t("colour_time", "zh")),
    }
    for key, (value, text) in expected.items():
        widget = at.radio(key=key) if key in {"standard", "colour_by"} else at.selectbox(key=key)
        assert widget.value == value, key
        # The browser is sent the option's new text; without it, it keeps showing the old
        # language's text (select boxes) or nothing selected (radios).
        assert (widget.proto.set_value, widget.proto.raw_value) == (True, text), key


@pytest.mark.parametrize(
    "category", ["health_centre", "park_large", "primary_school", "convenience"]
)
def test_category_changes_the_share_served(
    app_test: Callable[..., AppTest],
    category: str,
    baseline: Analysis,
    gb_tier_m: dict[str, float],
    taxonomy_yaml: dict[str, Any],
) -> None:
    at = app_test(lang="en")
    at.selectbox(key="category").set_value(category).run()
    assert not at.exception

    share = served_share(baseline, category, gb_tier_m[category])
    served, not_served = at.metric[1], at.metric[2]
    assert (
        served.label
        == f"{t('metric_served', 'en')} · {category_name(taxonomy_yaml, category, 'en')}"
    )
    assert percent(served.value) == pytest.approx(share * 100, abs=0.051)
    assert number(not_served.value) == pytest.approx(residents(baseline) * (1 - share), abs=1.0)
    # The map follows the category: its icon markers are that category's facilities.
    (args,) = folium_args(at)
    assert html.escape(category_name(taxonomy_yaml, category, "en")) in args["html"]


def test_categories_really_differ(baseline: Analysis, gb_tier_m: dict[str, float]) -> None:
    """Guards the test above: the categories it uses have different shares."""
    shares = {
        c: served_share(baseline, c, gb_tier_m[c])
        for c in ("health_centre", "park_large", "primary_school")
    }
    assert len({round(s, 3) for s in shares.values()}) == 3, shares


def test_walking_speed_retiers_the_distances(
    app_test: Callable[..., AppTest],
    baseline: Analysis,
    gb_tier_m: dict[str, float],
    tier_minutes: dict[str, int],
    level_m: dict[str, float],
) -> None:
    speed_kmh = 3.0
    at = app_test(lang="en")
    at.slider(key="speed_kmh").set_value(speed_kmh).run()
    assert not at.exception
    # Under GB 50180 the distances do not depend on the walking speed.
    gb_share = served_share(baseline, "health_centre", gb_tier_m["health_centre"])
    assert percent(at.metric[1].value) == pytest.approx(gb_share * 100, abs=0.051)

    at.radio(key="standard").set_value("speed").run()
    assert not at.exception
    walked_m = tier_minutes["health_centre"] * speed_kmh * 1000 / 60
    assert walked_m == 750
    share = served_share(baseline, "health_centre", walked_m)
    assert share < gb_share
    assert percent(at.metric[1].value) == pytest.approx(share * 100, abs=0.051)
    assert number(at.metric[2].value) == pytest.approx(residents(baseline) * (1 - share), abs=1.0)

    # The gaps page lists the walked distances: 250/500/750 m at 3 km/h for the levels;
    # an item with its own distance keeps its ratio to its level's (transit: 500 of 300 m).
    switch(at, "views/gaps.py")
    table = at.dataframe[0].value
    walked = {
        c: gb_tier_m[c] * (tier_minutes[c] * speed_kmh * 1000 / 60) / level_m[c]
        for c in baseline.categories
    }
    assert walked["transit"] == pytest.approx(500 * 250 / 300)
    expected_m = [round(walked[c]) for c in baseline.categories]
    assert column(table, "col_tier_m", "en").tolist() == expected_m
    expected_share = [
        round(served_share(baseline, c, walked[c]) * 100, 1) for c in baseline.categories
    ]
    assert column(table, "col_share", "en").tolist() == pytest.approx(expected_share, abs=0.051)


def test_tier_selector_changes_the_share_served(
    app_test: Callable[..., AppTest], baseline: Analysis, taxonomy_yaml: dict[str, Any]
) -> None:
    at = app_test(lang="en")
    at.selectbox(key="tier").set_value(5).run()  # clinic's own tier is 15 min / 1000 m
    five_min_m = float(taxonomy_yaml["levels"][5]["distance_m"])
    share = served_share(baseline, "health_centre", five_min_m)
    assert percent(at.metric[1].value) == pytest.approx(share * 100, abs=0.051)


@pytest.mark.parametrize("lang", LANGS)
def test_a_click_on_the_map_adds_an_isochrone_and_what_it_reaches(
    app_test: Callable[..., AppTest], lang: str, baseline: Analysis
) -> None:
    at = app_test(lang=lang)
    (before,) = folium_args(at)
    assert "geoJson" not in (before["feature_group"] or "")
    assert t("reach_title", lang) not in [s.value for s in at.subheader]

    # What streamlit-folium stores under the map's key after a click.
    at.session_state["main_map"] = {"last_clicked": dict(DISTRICT_CENTRE)}
    at.run()
    assert not at.exception

    assert t("reach_title", lang) in [s.value for s in at.subheader]
    reach = at.dataframe[0].value
    assert list(reach.columns) == [
        t(k, lang) for k in ("col_category", "col_name", "col_distance", "col_minutes")
    ]
    assert len(reach) > 0
    distance = column(reach, "col_distance", lang).to_numpy(dtype=float)
    assert np.all(np.diff(distance) >= 0)  # nearest first
    assert distance.max() <= baseline.limit_m + 0.5
    minutes = column(reach, "col_minutes", lang).to_numpy(dtype=float)
    assert minutes == pytest.approx(distance / (4.0 * 1000 / 60), abs=0.06)

    (after,) = folium_args(at)
    assert "L.geoJson(" in after["feature_group"]
    assert "#3f007d" in after["feature_group"]  # the isochrone's colour
    assert contains_js(after["layer_control"], t("layer_isochrone", lang))
    # The map itself did not change, so the browser keeps its view and only adds the layer.
    assert after["key"] == before["key"]


# --------------------------------------------------------------------- the other pages


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(
    app_test: Callable[..., AppTest], page: str, lang: str
) -> None:
    at = switch(app_test(lang=lang), page)

    (title,) = [e.value for e in at.title]
    assert title.startswith(t(PAGE_TITLE_KEYS[page], lang))
    assert t(PAGE_TITLE_KEYS[page], OTHER[lang]) not in title
    # The shared sidebar is drawn on every page, in the page's language.
    assert at.selectbox(key="category").label == t("category", lang)
    assert any(t("osm_attribution", lang) in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("lang", LANGS)
def test_gaps_page_tables(
    app_test: Callable[..., AppTest],
    lang: str,
    baseline: Analysis,
    gb_tier_m: dict[str, float],
    taxonomy_yaml: dict[str, Any],
) -> None:
    at = switch(app_test(lang=lang), "views/gaps.py")

    assert [s.value for s in at.subheader][:3] == [
        t("coverage_table", lang),
        t("coverage_chart", lang),
        t("worst_cells", lang),
    ]
    coverage, worst = at.dataframe[0].value, at.dataframe[1].value
    assert list(coverage.columns) == [
        t(k, lang)
        for k in ("col_category", "col_tier", "col_tier_m", "col_facilities", "col_served",
                  "col_not_served", "col_share")
    ]  # fmt: skip
    assert len(coverage) == len(taxonomy_yaml["categories"]) == 24  # the items of the standards
    ids = [c["id"] for c in taxonomy_yaml["categories"]]
    assert column(coverage, "col_category", lang).tolist() == [
        category_name(taxonomy_yaml, c, lang) for c in ids
    ]
    assert column(coverage, "col_tier_m", lang).tolist() == [round(gb_tier_m[c]) for c in ids]
    assert column(coverage, "col_share", lang).tolist() == pytest.approx(
        [round(served_share(baseline, c, gb_tier_m[c]) * 100, 1) for c in ids], abs=0.051
    )
    facilities = baseline.facilities["category"].value_counts()
    assert column(coverage, "col_facilities", lang).tolist() == [
        int(facilities.get(c, 0)) for c in ids
    ]

    assert list(worst.columns) == [
        t(k, lang)
        for k in ("col_rank", "ml_col_compound", "col_residents", "col_unmet", "col_missing",
                  "col_worst", "ml_col_h3")
    ]  # fmt: skip
    # Named by compound (小区) where one covers the cell, the H3 id kept beside it.
    cells = column(worst, "ml_col_h3", lang).tolist()
    named = compound_names_for_cells(cells, baseline.district.areas).tolist()
    assert column(worst, "ml_col_compound", lang).tolist() == [
        n or t("ml_no_compound", lang) for n in named
    ]
    assert any(named)
    assert 0 < len(worst) <= 15
    assert column(worst, "col_rank", lang).tolist() == list(range(1, len(worst) + 1))
    unmet = column(worst, "col_unmet", lang).to_numpy()
    assert np.all(np.diff(unmet) <= 0), unmet  # worst first
    assert np.all(unmet > 0)
    names = {category_name(taxonomy_yaml, c, lang) for c in ids}
    assert set(column(worst, "col_worst", lang)) <= names | {""}
    # The gap map is offline too.
    (gap_args,) = folium_args(at)
    assert gap_args["script"].count("L.geoJson(") > len(worst)  # base layer + every gap hexagon
    assert all(
        url.startswith(LOCAL_PREFIXES) for url in gap_args["js_links"] + gap_args["css_links"]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_data_page_shows_provenance(app_test: Callable[..., AppTest], lang: str) -> None:
    at = switch(app_test(lang=lang), "views/data.py")

    text = [m.value for m in at.markdown]
    assert f"{t('data_date', lang)}: {escape_markdown('2026-08-15')}" in text  # from the file
    assert f"{t('attribution', lang)}: © OpenStreetMap contributors, ODbL 1.0" in text
    (provenance,) = [v for v in text if v.startswith(f"{t('provenance', lang)}: ")]
    # Said in the page's language; the technical note (English) kept as a detail.
    shown = provenance.replace("\\", "")  # the markdown source, escaped (dashboard.text)
    assert "shanghai_lujiazui.osm" in shown and "SHA-256 984a725abb97" in shown
    assert ("随软件附带" in provenance) == (lang == "zh")
    (note,) = [x.value for x in at.text if "Overpass API" in x.value]
    assert "sha256" in note
    assert any(
        v.startswith(f"**{DISTRICT_TITLE[lang]}**") and "shanghai_lujiazui.osm" in v for v in text
    )
    assert t("provenance", lang) in [s.value for s in at.subheader]


def test_scenarios_page_creates_a_scenario(
    app_test: Callable[..., AppTest], scenario_dir: Path
) -> None:
    folder = scenario_dir / "lujiazui"  # the district's own folder (geo.userdata)
    at = switch(app_test(lang="zh"), "views/scenarios.py")
    before = set(folder.glob("*.geojson"))  # with the district's examples, copied on opening
    create = [b for b in at.button if b.label == t("scn_create", "zh")]
    assert len(create) == 1 and create[0].disabled  # no title yet

    at.text_input(key="scn_new_title").input("滨江口袋公园 test").run()
    next(b for b in at.button if b.label == t("scn_create", "zh")).click().run()
    assert not at.exception, [e.value for e in at.exception]

    created = set(folder.glob("*.geojson")) - before
    assert len(created) == 1
    (path,) = created
    picked = at.selectbox(key="scn_pick")
    assert picked.value == path.stem
    assert any("滨江口袋公园 test" in option for option in picked.options)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert "滨江口袋公园 test" in json.dumps(saved, ensure_ascii=False)
    # The new, empty scenario serves exactly the baseline.
    assert [m.label for m in at.metric][1] == t("scn_newly_served", "zh")
    assert number(at.metric[1].value) == 0
    assert not list(REPO_ROOT.joinpath("scenarios").glob(f"{path.stem}*"))
