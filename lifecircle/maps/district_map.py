"""The main map of a district: its precomputed layers, the map itself, a click's reach table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.analysis import Analysis
from geo.access.snapping import join_lonlat
from lifecircle.i18n import t
from lifecircle.maps.basemaps import new_map, shift_for
from lifecircle.maps.layers import (
    base_layer,
    doorstep_layer,
    facilities_layer,
    gap_layer,
    homes_layer,
    service_area_layer,
    streets_layer,
)
from lifecircle.maps.legend import (
    Legend,
    doorstep_legend,
    gap_legend,
    join_legends,
    service_area_legend,
    street_legend,
)


@dataclass(frozen=True)
class MapLayers:
    """Precomputed geometry for one (analysis, category): cached by the dashboard."""

    service_areas: list[tuple[float, Any]]
    doorstep: gpd.GeoDataFrame
    hexagons: gpd.GeoDataFrame


def compute_map_layers(analysis: Analysis, category: str) -> MapLayers:
    """Service areas (per tier), doorstep circles and gap hexagons for one category."""
    from geo.access.compound_names import with_compound_names
    from geo.access.doorstep import compound_entrances, doorstep_circles
    from geo.access.gaps import gap_hexagons
    from geo.access.service_areas import served_area

    net = analysis.district.network
    dist = analysis.access.of(category)
    tiers = sorted({tier.distance_m for tier in analysis.taxonomy.tiers.values()})
    areas = []
    for within_m in tiers:
        geom = served_area(net, dist, within_m=within_m)
        areas.append((within_m, gpd.GeoSeries([geom], crs=net.crs).to_crs("EPSG:4326").iloc[0]))
    d = analysis.district
    entrances = compound_entrances(d.entrances, d.areas, crs=net.crs)
    return MapLayers(
        service_areas=areas,
        doorstep=doorstep_circles(entrances, analysis.facilities, crs=net.crs),
        hexagons=with_compound_names(
            gap_hexagons(analysis.homes, analysis.served, categories=analysis.categories), d.areas
        ),
    )


def build_map(
    analysis: Analysis,
    layers: MapLayers,
    *,
    category: str,
    lang: str,
    basemap: str,
    speed_kmh: float,
    colour_by: str = "time",
    tianditu_key: str | None = None,
    layer_control: bool = True,
    within_m: float | None = None,
    extra_groups: Sequence[folium.FeatureGroup] = (),
    extra_legends: Sequence[str] = (),
) -> folium.Map:
    """The main map: base, streets, facilities, service areas, doorstep circles, homes, gaps.

    ``extra_groups`` (e.g. the areas' choropleth) are added above the gap hexagons;
    ``extra_legends`` (their sections, escaped HTML) end the map's legend.

    ``layer_control=False`` leaves the layer control out, for ``st_folium(...,
    layer_control=...)`` to add one that also lists its ``feature_group_to_add`` layers.
    """
    shift = shift_for(basemap)
    m = new_map(analysis, basemap=basemap, lang=lang, tianditu_key=tianditu_key)
    base_layer(analysis, lang=lang, shift=shift).add_to(m)
    # The tier selector shows: only the chosen tier's area and the smaller ones inside it.
    tier_m = within_m if within_m is not None else analysis.taxonomy.get(category).distance_m
    service_area_layer(layers.service_areas, lang=lang, shift=shift, within_m=tier_m).add_to(m)
    gap_layer(
        layers.hexagons, column=f"unmet_{category}", lang=lang, shift=shift, show=False
    ).add_to(m)
    for group in extra_groups:
        group.add_to(m)
    homes_layer(analysis, category=category, lang=lang, shift=shift, within_m=within_m).add_to(m)
    streets_layer(
        analysis,
        category=category,
        colour_by=colour_by,
        speed_kmh=speed_kmh,
        lang=lang,
        shift=shift,
    ).add_to(m)
    doorstep_layer(layers.doorstep, analysis=analysis, lang=lang, shift=shift).add_to(m)
    facilities_layer(analysis, category=category, lang=lang, shift=shift).add_to(m)
    if layer_control:
        folium.LayerControl(collapsed=False).add_to(m)
    legend = join_legends(
        street_legend(analysis, category=category, colour_by=colour_by, lang=lang),
        service_area_legend([a for a, _ in layers.service_areas], within_m=tier_m, lang=lang),
        doorstep_legend(lang),
        gap_legend(lang),
        *extra_legends,
    )
    m.add_child(Legend(legend))
    return m


def reach_table(
    analysis: Analysis, *, lon: float, lat: float, speed_kmh: float, lang: str
) -> pd.DataFrame:
    """What a clicked point reaches within the limit: one row per facility, nearest first.

    Rows of one category with the same name are one facility (the nearest row is kept);
    unnamed rows are kept apart.
    """
    net = analysis.district.network
    _, pos, cost = join_lonlat(net, np.array([lon]), np.array([lat])).rows()
    dist = analysis.engine.multi_source(pos, cost)
    fac = analysis.facilities
    rows = analysis.facility_access
    # A facility is as near as its nearest way in.
    through = pd.Series(
        dist[rows["node_pos"].to_numpy(dtype=np.int64)] + rows["cost_m"].to_numpy(dtype=float)
    )
    nearest = through.groupby(rows["facility_id"].astype(str).to_numpy()).min()
    d = nearest.reindex(fac["facility_id"].astype(str)).to_numpy(dtype=float)
    ok = np.isfinite(d) & (d <= analysis.limit_m)
    rows = fac[ok].assign(distance_m=d[ok]).sort_values("distance_m", kind="mergesort")
    # Each facility once: OSM maps one bus stop per direction and a shop as a node and an
    # area, all under one name; the nearest of a category's same-named rows stands for it.
    names = rows["name"].fillna("").astype(str).str.strip()
    same = names.ne("") & rows.assign(_n=names).duplicated(["category", "_n"])
    rows = rows[~same.to_numpy()]
    return pd.DataFrame(
        {
            t("col_category", lang): [
                analysis.taxonomy.get(c).name(lang) for c in rows["category"]
            ],
            t("col_name", lang): rows["name"].astype(str).to_numpy(),
            t("col_distance", lang): rows["distance_m"].round(0).astype(int).to_numpy(),
            t("col_minutes", lang): (rows["distance_m"] / (speed_kmh * 1000 / 60))
            .round(1)
            .to_numpy(),
        }
    )
