"""The map of a large district at district zoom: summaries by area, service areas, sites.

On the scale path (:mod:`lifecircle.maps.viewport`) the map holds only what reads at
district zoom, a bounded number of shapes whatever the district's size: residents served
per H3 hexagon (:func:`geo.access.summaries.area_summary`), the category's service areas
(H3 cells above :attr:`geo.access.cells.LayerSettings.exact_max_nodes` nodes, street
bands below), the category's facilities as dots and the land use, each simplified to a
budget of coordinates. They travel as GeoJSON files the browser fetches once
(:mod:`lifecircle.maps.served_layers`), not inside the map script. Streets, homes and
the other detail come with the view (:mod:`lifecircle.maps.view_layers`). No ``st`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.access.analysis import Analysis
from geo.access.cells import DEFAULT_LAYERS, LayerSettings
from geo.access.layers import served_area_wgs84
from geo.access.summaries import area_summary
from geo.progress import Progress, report
from lifecircle.i18n import t
from lifecircle.maps.basemaps import new_map, shift_for
from lifecircle.maps.legend import Legend, join_legends, legend_html, street_legend
from lifecircle.maps.served_layers import ServedGeoJson, feature_collection, simplify_to_budget
from lifecircle.maps.text import safe_text
from lifecircle.maps.viewport import DEFAULT_VIEWPORT, ViewportSettings

SHARE_BINS = (0.2, 0.4, 0.6, 0.8)
SHARE_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")  # <20 % ... ≥80 %
SERVICE_AREA_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b")  # 5, 10, 15 minutes
LAND_USE_COLOURS = {"water": "#a6cee3", "green": "#b2df8a"}
"""Residential land is left to the summary hexagons at district zoom (the view's base
layer draws it once zoomed in)."""
MIN_LAND_AREA_DEG2 = 1e-7
"""Land-use polygons under about 1,000 m² are too small to see at district zoom."""
OVERVIEW_LAYERS = ("land_use", "service_areas", "summary", "sites")
"""The district-zoom layers, bottom to top."""


@dataclass(frozen=True, eq=False)
class Overview:
    """What the district-zoom map shows for one category and distance (cached by the
    dashboard)."""

    category: str
    within_m: float
    summary: gpd.GeoDataFrame
    service_areas: list[tuple[float, Any]]  # (distance, WGS-84 polygon), simplified
    land_use: gpd.GeoDataFrame  # kind, simplified WGS-84 geometry


def compute_overview(
    analysis: Analysis,
    *,
    category: str,
    within_m: float | None = None,
    settings: ViewportSettings = DEFAULT_VIEWPORT,
    layers: LayerSettings = DEFAULT_LAYERS,
    progress: Progress | None = None,
) -> Overview:
    """The summaries, service areas and land use of one category, within budget."""
    limit = analysis.taxonomy.get(category).distance_m if within_m is None else float(within_m)
    report(progress, "summaries by area", 0.05)
    summary = area_summary(
        analysis, category=category, within_m=limit, max_cells=settings.summary_max_cells
    )
    report(progress, "service areas", 0.3)
    net = analysis.district.network
    dist = analysis.access.of(category)
    tiers = sorted({tier.distance_m for tier in analysis.taxonomy.tiers.values()})
    raw = [served_area_wgs84(net, dist, within_m=w, settings=layers) for w in tiers]
    simple = simplify_to_budget(raw, max_coords=settings.overview_max_vertices // 2)
    report(progress, "land use", 0.8)
    land = analysis.district.areas
    if len(land):
        kinds = land["kind"].to_numpy()
        wanted = np.isin(kinds, list(LAND_USE_COLOURS)) & (
            shapely.area(land.geometry.to_numpy()) >= MIN_LAND_AREA_DEG2
        )
        geoms = simplify_to_budget(
            land.geometry.to_numpy()[wanted], max_coords=settings.overview_max_vertices // 4
        )
        land_use = gpd.GeoDataFrame({"kind": kinds[wanted]}, geometry=geoms, crs="EPSG:4326")
    else:
        land_use = gpd.GeoDataFrame({"kind": []}, geometry=[], crs="EPSG:4326")
    report(progress, "land use", 1.0)
    return Overview(
        category=category,
        within_m=limit,
        summary=summary,
        service_areas=list(zip(tiers, simple, strict=True)),
        land_use=land_use,
    )


# --- the layers as GeoJSON documents ---------------------------------------------------------
def share_colour(share: float) -> str:
    return SHARE_COLOURS[int(np.digitize(share, SHARE_BINS))]


def summary_tip(row: Any, *, category_name: str, lang: str) -> str:
    """The tooltip of one summary hexagon (escaped HTML)."""
    lines = [
        t("summary_homes", lang, homes=f"{int(row.homes):,}", residents=f"{row.residents:,.0f}"),
        t(
            "summary_served",
            lang,
            served=f"{row.served:,.0f}",
            share=f"{row.share * 100:.0f}",
            not_served=f"{row.not_served:,.0f}",
        ),
        t("summary_sites", lang, category=category_name, count=int(row.facilities)),
    ]
    return "<br>".join(safe_text(line) for line in lines)


def summary_document(
    overview: Overview, *, analysis: Analysis, lang: str, shift: Callable[[Any], Any]
) -> str:
    """Hexagons coloured by the share of their residents served, with the numbers."""
    rows = overview.summary
    name = analysis.taxonomy.get(overview.category).name(lang)
    styles, tips = [], []
    for row in rows.itertuples(index=False):
        colour = share_colour(float(row.share))
        styles.append({"color": colour, "weight": 0.6, "fillColor": colour, "fillOpacity": 0.45})
        tips.append(summary_tip(row, category_name=name, lang=lang))
    return feature_collection(rows.geometry.to_numpy(), styles, tips, shift=shift)


def service_area_document(overview: Overview, *, shift: Callable[[Any], Any]) -> str:
    """The areas within 15, 10 and 5 minutes (largest first, so smaller ones draw on top)."""
    ordered = sorted(overview.service_areas, key=lambda a: -a[0])
    styles, tips, geoms = [], [], []
    for i, (within_m, geom) in enumerate(ordered):
        colour = SERVICE_AREA_COLOURS[min(len(ordered) - 1 - i, len(SERVICE_AREA_COLOURS) - 1)]
        styles.append(
            {"color": colour, "weight": 1, "opacity": 0.9, "fillColor": colour, "fillOpacity": 0.25}
        )
        tips.append(safe_text(f"≤ {within_m:.0f} m"))
        geoms.append(geom)
    return feature_collection(geoms, styles, tips, shift=shift)


def sites_document(
    analysis: Analysis, *, category: str, lang: str, shift: Callable[[Any], Any]
) -> str:
    """The category's facilities as dots, names escaped."""
    cat = analysis.taxonomy.get(category)
    fac = analysis.facilities[analysis.facilities["category"] == category]
    points = shapely.points(fac["lon"].to_numpy(dtype=float), fac["lat"].to_numpy(dtype=float))
    style = {
        "radius": 5,
        "color": "#ffffff",
        "weight": 1,
        "fillColor": cat.colour,
        "fillOpacity": 0.95,
    }
    names = fac["name"].fillna("").astype(str).to_numpy()
    tips = [safe_text(f"{cat.name(lang)}: {n}" if n else cat.name(lang)) for n in names]
    return feature_collection(np.asarray(points), [style] * len(fac), tips, shift=shift)


def land_use_document(overview: Overview, *, shift: Callable[[Any], Any]) -> str:
    """Water and green land, one multipolygon per kind."""
    land = overview.land_use
    geoms, styles, tips = [], [], []
    for kind, colour in LAND_USE_COLOURS.items():
        parts = shapely.get_parts(land.geometry.to_numpy()[land["kind"].to_numpy() == kind])
        polys = parts[shapely.get_type_id(parts) == 3]
        if len(polys) == 0:
            continue
        geoms.append(shapely.multipolygons(polys))
        styles.append({"color": colour, "weight": 0.5, "fillColor": colour, "fillOpacity": 0.5})
        tips.append("")
    return feature_collection(geoms, styles, tips, shift=shift)


def overview_documents(
    analysis: Analysis, overview: Overview, *, lang: str, basemap: str
) -> dict[str, str]:
    """Every district-zoom layer as a GeoJSON document (JSON text), in
    :data:`OVERVIEW_LAYERS` order."""
    shift = shift_for(basemap)
    return {
        "land_use": land_use_document(overview, shift=shift),
        "service_areas": service_area_document(overview, shift=shift),
        "summary": summary_document(overview, analysis=analysis, lang=lang, shift=shift),
        "sites": sites_document(analysis, category=overview.category, lang=lang, shift=shift),
    }


# --- the map -------------------------------------------------------------------------------------
def summary_legend(lang: str) -> str:
    labels = ["< 20%", "20–40%", "40–60%", "60–80%", "≥ 80%"]
    items = list(zip(SHARE_COLOURS, labels, strict=True))
    return legend_html(title=t("summary_legend", lang), items=items)


def layer_title(layer: str, *, analysis: Analysis, category: str, lang: str) -> str:
    if layer == "summary":
        return t("layer_summary", lang)
    if layer == "service_areas":
        return t("layer_service_areas", lang)
    if layer == "sites":
        return t("layer_category_sites", lang, category=analysis.taxonomy.get(category).name(lang))
    return "land use"


def build_overview_map(
    analysis: Analysis,
    overview: Overview,
    *,
    lang: str,
    basemap: str,
    urls: Mapping[str, str] | None = None,
    documents: Mapping[str, str] | None = None,
    colour_by: str = "time",
    tianditu_key: str | None = None,
    extra_legends: Sequence[str] = (),
) -> folium.Map:
    """The scale path's map: each district-zoom layer in a group of its own, and the legend
    (``extra_legends`` end it: the sections of layers added later, e.g. the areas).

    A layer is fetched from its ``urls`` entry (a file the app serves), else embedded from
    its ``documents`` entry (for a standalone export). Land use is drawn but not listed in
    the layer control (the view's base layer lists it once zoomed in). The layer control
    itself is left to ``st_folium(..., layer_control=...)``, which also lists the view's
    layers.
    """
    m = new_map(analysis, basemap=basemap, lang=lang, tianditu_key=tianditu_key)
    for layer in OVERVIEW_LAYERS:
        url = (urls or {}).get(layer)
        doc = (documents or {}).get(layer)
        if url is None and doc is None:
            continue
        fg = folium.FeatureGroup(
            name=layer_title(layer, analysis=analysis, category=overview.category, lang=lang),
            show=True,
            control=layer != "land_use",
        )
        ServedGeoJson(url=url, data=None if url is not None else doc).add_to(fg)
        fg.add_to(m)
    body = join_legends(
        summary_legend(lang),
        street_legend(analysis, category=overview.category, colour_by=colour_by, lang=lang),
        *extra_legends,
    )
    m.add_child(Legend(body))
    return m
