"""Offline by default, credited, legible: the maps of issue 15 items 5, 6 and 8.

Checked on the bundled Lujiazui analysis and against independent oracles: the rendered
HTML itself (what a browser would request), the tiers of the taxonomy, the facilities
table grouped by hand.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import folium
import numpy as np
import pytest

from geo.access.analysis import Analysis, analyse
from geo.access.snapping import join_lonlat
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from lifecircle import maps
from lifecircle.i18n import STRINGS, t
from lifecircle.maps.export import district_map_html
from lifecircle.maps.layers import doorstep_service_names

OSM_CREDIT = "OpenStreetMap<\\/a> contributors, ODbL 1.0"  # as escaped in the script


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def layers(analysis: Analysis) -> maps.MapLayers:
    return maps.compute_map_layers(analysis, "health_centre")


def tile_hosts() -> set[str]:
    return {
        urlsplit(url.replace("{s}", "a")).hostname or ""
        for basemap in maps.BASEMAPS.values()
        for url in basemap.tiles
    }


def hosts_in(html: str) -> set[str]:
    return {urlsplit(u).hostname or "" for u in re.findall(r"https?://[^\s\"'<>`)\\]+", html)}


def test_the_default_basemap_is_offline_and_the_online_ones_say_so() -> None:
    default = maps.BASEMAP_CHOICES[0]
    assert not maps.BASEMAPS[default].online
    assert default == maps.EXPORT_BASEMAP
    for key in maps.BASEMAP_CHOICES[1:]:
        assert maps.BASEMAPS[key].online, key
        assert "在线" in t(f"basemap_{key}", "zh"), key
        assert "online" in t(f"basemap_{key}", "en"), key
    assert "离线" in t(f"basemap_{default}", "zh")


def test_the_default_map_asks_no_tile_server_and_credits_osm(
    analysis: Analysis, layers: maps.MapLayers
) -> None:
    fmap = maps.build_map(
        analysis, layers, category="health_centre", lang="zh", basemap="local", speed_kmh=4.5
    )
    html = fmap.get_root().render()
    assert "L.tileLayer(" not in html
    assert hosts_in(html) & tile_hosts() == set()
    assert OSM_CREDIT in html  # Leaflet's attribution box, with no tile layer to carry it
    # The scale bar speaks metres only.
    assert "L.control.scale({metric: true, imperial: false" in html
    assert "L.control.scale()" not in html


def test_an_online_basemap_keeps_the_credit_once(analysis: Analysis) -> None:
    html = maps.new_map(analysis, basemap="osm", lang="en").get_root().render()
    assert "tile.openstreetmap.org" in html
    assert OSM_CREDIT in html


def test_an_exported_map_is_offline_with_a_layer_control_and_no_key(
    analysis: Analysis, layers: maps.MapLayers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIANDITU_KEY", "SECRET-KEY-0123456789")
    extra = folium.FeatureGroup(name="decided-scenarios-group")
    html = district_map_html(
        analysis,
        layers,
        category="health_centre",
        lang="zh",
        speed_kmh=4.5,
        extra_groups=[extra],
    )
    assert '"decided-scenarios-group" :' in html  # listed in the one layer control
    assert "SECRET-KEY-0123456789" not in html
    assert "tianditu" not in html.lower()
    assert hosts_in(html) & tile_hosts() == set()
    assert "OpenStreetMap" in html and OSM_CREDIT in html
    assert html.count("L.control.layers(") == 1
    # Every script is inlined: nothing to fetch.
    assert not re.search(r"<script[^>]+src=\"https?:", html)


def test_the_tier_changes_the_service_areas_drawn(
    analysis: Analysis, layers: maps.MapLayers
) -> None:
    tiers = sorted({tier.distance_m for tier in analysis.taxonomy.tiers.values()})
    assert len(tiers) == 3
    drawn = []
    for within_m in tiers:
        fg = maps.service_area_layer(
            layers.service_areas, lang="en", shift=lambda g: g, within_m=within_m
        )
        names = sorted(child.layer_name for child in fg._children.values())
        drawn.append(names)
        # The chosen tier and the smaller ones, never a larger one.
        assert names == sorted(f"{m:.0f} m" for m in tiers if m <= within_m)
    assert len({tuple(d) for d in drawn}) == 3
    legend = maps.service_area_legend(tiers, within_m=tiers[0], lang="en")
    assert f"≤ {tiers[0]:.0f} m" in legend and f"≤ {tiers[-1]:.0f} m" not in legend


def test_every_layer_of_the_main_map_has_its_legend(
    analysis: Analysis, layers: maps.MapLayers
) -> None:
    fmap = maps.build_map(
        analysis, layers, category="health_centre", lang="zh", basemap="local", speed_kmh=4.5
    )
    legend = next(c for c in fmap._children.values() if isinstance(c, maps.Legend)).body
    for key in ("layer_service_areas", "layer_doorstep", "layer_gaps", "layer_homes"):
        assert t(key, "zh") in legend, key
    assert t("ml_legend_needs", "zh") in maps.needs_legend("zh")
    scenario = maps.scenario_legend("en")
    for kind in maps.KIND_COLOURS:
        assert t(f"kind_{kind}", "en") in scenario


def test_doorstep_circles_list_each_service_once(taxonomy: Taxonomy) -> None:
    services = "transit:东昌路渡口;transit:东昌路渡口;convenience:全家;transit:东昌路渡口"
    names = doorstep_service_names(services, taxonomy, "zh")
    transit, shop = taxonomy.get("transit").name("zh"), taxonomy.get("convenience").name("zh")
    assert names == [f"{transit} 东昌路渡口", f"{shop} 全家"]


def test_the_reach_table_lists_each_facility_once(analysis: Analysis) -> None:
    # Beside 陆家嘴 metro station, which OSM maps as several entrances and stops.
    lon, lat = 121.4985, 31.2395
    table = maps.reach_table(analysis, lon=lon, lat=lat, speed_kmh=4.5, lang="en")
    keys = list(zip(table[t("col_category", "en")], table[t("col_name", "en")], strict=True))
    named = [k for k in keys if k[1]]
    assert named and len(named) == len(set(named))
    # Oracle: the facilities table grouped by hand, each (category, name) at its nearest row.
    fac = analysis.facilities
    same = fac[(fac["category"] == "transit") & (fac["name"] == "陆家嘴地铁站")]
    assert len(same) > 1  # the data does hold duplicates
    transit = analysis.taxonomy.get("transit").name("en")
    assert keys.count((transit, "陆家嘴地铁站")) == 1
    # Every row of the station, each at its own distance (through its nearest way in).
    net = analysis.district.network
    _, pos, cost = join_lonlat(net, np.array([lon]), np.array([lat])).rows()
    dist = analysis.engine.multi_source(pos, cost)
    access = analysis.facility_access
    access = access[access["facility_id"].astype(str).isin(same["facility_id"].astype(str))]
    per_row = dist[access["node_pos"].to_numpy(dtype=np.int64)] + access["cost_m"].to_numpy()
    shown = table[t("col_distance", "en")].to_numpy()[keys.index((transit, "陆家嘴地铁站"))]
    assert shown == round(float(per_row.min()))
    assert np.all(np.diff(table[t("col_distance", "en")].to_numpy()) >= 0)  # nearest first


def test_gap_hexagons_carry_the_compound_name(layers: maps.MapLayers) -> None:
    hexes = layers.hexagons
    assert "compound" in hexes.columns and (hexes["compound"] != "").any()
    row = hexes[hexes["compound"] != ""].iloc[0]
    fg = maps.gap_layer(
        hexes.assign(rank=range(1, len(hexes) + 1), unmet_x=1.0),
        column="unmet_x",
        lang="zh",
        shift=lambda g: g,
    )
    html = folium.Map().add_child(fg).get_root().render()
    assert str(row["compound"]) in html


def test_the_catalogue_holds_every_new_key_in_both_languages() -> None:
    for key, entry in STRINGS.items():
        if key.startswith(("ml_", "basemap_")):
            assert entry.get("zh") and entry.get("en"), key
