"""Layers of a scenario: its interventions, and the difference it makes to unmet needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import shapely

from lifecircle.i18n import t
from lifecircle.maps.layers import geojson_layer
from lifecircle.maps.text import safe_text

KIND_COLOURS = {"facility": "#6a3d9a", "space": "#33a02c", "link": "#ff7f00", "closure": "#e31a1c"}
BETTER_HEX_COLOUR = "#1a9850"
NEWLY_SERVED_COLOUR = "#00c853"


def scenario_layer(
    scenario: Any, *, taxonomy: Any, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """The scenario's interventions, drawn in the colour of their kind."""
    fg = folium.FeatureGroup(name=t("page_scenarios", lang), show=True)
    for item in scenario.interventions:
        colour = KIND_COLOURS.get(item.kind, "#333333")
        what = t(f"kind_{item.kind}", lang)
        if item.kind == "facility" and item.category in taxonomy:
            what += " · " + taxonomy.get(item.category).name(lang)
        elif item.kind == "space":
            what += " · " + ", ".join(
                taxonomy.get(c).name(lang) for c in item.provides if c in taxonomy
            )
        tip = safe_text(f"{what}: {item.name}" if item.name else what)
        geom = shift(item.geometry)
        if geom.geom_type == "Point":
            folium.CircleMarker(
                (geom.y, geom.x),
                radius=8,
                color=colour,
                fill=True,
                fill_opacity=0.9,
                weight=3,
                tooltip=tip,
            ).add_to(fg)
            if item.kind == "facility":
                circle = gpd.GeoSeries([item.geometry], crs="EPSG:4326")
                utm = circle.estimate_utm_crs()
                ring = circle.to_crs(utm).buffer(50, quad_segs=16).to_crs("EPSG:4326").iloc[0]
                geojson_layer(
                    shift(ring),
                    "doorstep",
                    colour=colour,
                    weight=1,
                    fill=True,
                    fill_opacity=0.1,
                    tooltip=safe_text(t("layer_doorstep", lang)),
                ).add_to(fg)
        else:
            geojson_layer(
                geom,
                item.kind,
                colour=colour,
                weight=5 if item.kind == "link" else 2,
                fill=item.kind == "space",
                fill_opacity=0.4,
                tooltip=tip,
            ).add_to(fg)
    return fg


def difference_layer(
    comparison: Any, *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """Newly served homes and hexagons whose unmet population fell."""
    fg = folium.FeatureGroup(name=t("scn_difference", lang), show=True)
    hexes = comparison.hexagon_delta
    better = hexes[hexes["unmet_delta"] < 0] if len(hexes) else hexes
    for row in better.itertuples(index=False):
        tip = safe_text(f"{t('col_unmet', lang)}: {row.unmet_before:.0f} → {row.unmet_after:.0f}")
        geojson_layer(
            shift(row.geometry),
            "better",
            colour=BETTER_HEX_COLOUR,
            weight=1,
            fill=True,
            fill_opacity=0.25,
            tooltip=tip,
        ).add_to(fg)
    homes = comparison.newly_served_homes
    if len(homes):
        parts = shapely.get_parts(homes.geometry.to_numpy())
        polys = parts[shapely.get_type_id(parts) == 3]
        if len(polys):
            geojson_layer(
                shift(shapely.multipolygons(polys)),
                "newly served",
                colour=NEWLY_SERVED_COLOUR,
                weight=2,
                fill=True,
                fill_opacity=0.8,
                tooltip=safe_text(t("scn_newly_served", lang)),
            ).add_to(fg)
    return fg
