"""Layers of a site suggestion: candidates, the chosen sites (numbered), the homes they
newly serve, and the sites clicked on the map."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import shapely

from lifecircle.i18n import t
from lifecircle.maps.layers import geojson_layer, simplify_for_map
from lifecircle.maps.text import safe_text

SITE_COLOUR = "#6a3d9a"
CANDIDATE_COLOUR = "#636363"
NEWLY_SERVED_COLOUR = "#1a9850"
CLICK_COLOUR = "#1f78b4"


def _label(name: Any, candidate_id: Any) -> str:
    text = str(name or "").strip()
    return text or str(candidate_id)


def candidates_layer(
    suggestion: Any, *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """Every candidate: a grey dot (a plot: its outline), with what it would serve alone."""
    fg = folium.FeatureGroup(name=t("sg_layer_candidates", lang), show=True)
    table = suggestion.candidates_table()
    geoms = suggestion.candidates.table.geometry.to_numpy()
    for row, geom in zip(table.itertuples(index=False), geoms, strict=True):
        tip = safe_text(
            t(
                "sg_candidate_tip",
                lang,
                name=_label(row.name, row.candidate_id),
                reach=f"{row.residents_reach:,.0f}",
            )
        )
        if geom.geom_type == "Point":
            point = shift(geom)
            folium.CircleMarker(
                (point.y, point.x),
                radius=3,
                color=CANDIDATE_COLOUR,
                fill=True,
                fill_opacity=0.7,
                weight=1,
                tooltip=tip,
            ).add_to(fg)
        else:
            geojson_layer(
                shift(simplify_for_map(geom)), "candidate", colour=CANDIDATE_COLOUR, tooltip=tip
            ).add_to(fg)
    return fg


def sites_layer(suggestion: Any, *, lang: str, shift: Callable[[Any], Any]) -> folium.FeatureGroup:
    """The chosen sites, numbered in rank order; a plot is drawn as its polygon too."""
    fg = folium.FeatureGroup(name=t("sg_layer_sites", lang), show=True)
    sites = suggestion.sites_gdf()
    for row in sites.itertuples(index=False):
        tip = safe_text(
            t(
                "sg_site_tip",
                lang,
                rank=int(row.rank),
                name=_label(row.name, row.candidate_id),
                added=f"{row.residents_added:,.0f}",
            )
        )
        geom = row.geometry
        if geom.geom_type != "Point":
            geojson_layer(
                shift(simplify_for_map(geom)),
                "site",
                colour=SITE_COLOUR,
                weight=3,
                fill=True,
                fill_opacity=0.4,
                tooltip=tip,
            ).add_to(fg)
        point = shift(shapely.Point(float(row.lon), float(row.lat)))
        html = (
            f'<div class="lc-site" style="background:{SITE_COLOUR};color:#fff;'
            "border-radius:50%;width:24px;height:24px;line-height:24px;text-align:center;"
            f'font-weight:bold;border:2px solid #fff">{int(row.rank)}</div>'
        )
        folium.Marker(
            (point.y, point.x),
            tooltip=tip,
            icon=folium.DivIcon(html=html, icon_size=(28, 28), icon_anchor=(14, 14)),
        ).add_to(fg)
    return fg


def newly_served_layer(
    suggestion: Any, analysis: Any, *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """The footprints of the homes the chosen sites newly serve."""
    fg = folium.FeatureGroup(name=t("sg_layer_homes", lang), show=True)
    homes = suggestion.newly_served_homes(analysis)
    if len(homes) == 0:
        return fg
    parts = shapely.get_parts(homes.geometry.to_numpy())
    polys = parts[shapely.get_type_id(parts) == 3]
    geom = shapely.multipolygons(polys) if len(polys) else shapely.multipoints(parts)
    geojson_layer(
        shift(simplify_for_map(geom)),
        "newly_served",
        colour=NEWLY_SERVED_COLOUR,
        weight=1,
        fill=True,
        fill_opacity=0.6,
        tooltip=safe_text(t("sg_layer_homes", lang)),
    ).add_to(fg)
    return fg


def clicks_layer(
    clicks: Sequence[tuple[float, float]], *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """Candidate sites the user clicked (WGS-84 points)."""
    fg = folium.FeatureGroup(name=t("sg_layer_clicks", lang), show=True)
    for i, (lon, lat) in enumerate(clicks, start=1):
        point = shift(shapely.Point(lon, lat))
        folium.CircleMarker(
            (point.y, point.x),
            radius=6,
            color=CLICK_COLOUR,
            fill=True,
            fill_opacity=0.9,
            weight=2,
            tooltip=safe_text(f"{t('sg_layer_clicks', lang)} {i}"),
        ).add_to(fg)
    return fg
