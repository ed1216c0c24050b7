"""The layers of the current view on the scale path, drawn from a :class:`ViewSelection`.

``st_folium`` adds them to the map it already shows (``feature_group_to_add``), so a pan
or a zoom replaces these layers without rebuilding the map. They look like the small
path's layers (:mod:`lifecircle.maps.layers`): the same colours, classes and tooltips,
restricted to the features in view. Each group is one GeoJSON document
(:class:`lifecircle.maps.served_layers.ServedGeoJson`, embedded), which renders in
milliseconds where a folium element per feature would take seconds. No ``st`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.access.analysis import Analysis
from geo.access.doorstep import compound_entrances, doorstep_circles
from geo.progress import Progress, report
from lifecircle.i18n import t
from lifecircle.maps.layers import (
    SERVED_COLOUR,
    UNSERVED_COLOUR,
    doorstep_service_names,
    street_classes,
)
from lifecircle.maps.served_layers import ServedGeoJson, feature_collection
from lifecircle.maps.text import safe_text
from lifecircle.maps.viewport import ViewIndex, ViewSelection, view_index_of

LAND_USE_COLOURS = {"water": "#a6cee3", "green": "#b2df8a", "residential": "#f0e6d2"}
BUILDING_COLOUR = "#bdbdbd"
DOORSTEP_COLOURS = ("#6a3d9a", "#cab2d6")  # with services inside, without


@dataclass(frozen=True, eq=False)
class ViewData:
    """What the view layers draw from, for one analysis (cached by the dashboard)."""

    index: ViewIndex
    doorstep: gpd.GeoDataFrame


def compute_view_data(analysis: Analysis, *, progress: Progress | None = None) -> ViewData:
    """Doorstep circles and the spatial index of every detail layer."""
    report(progress, "doorstep circles", 0.1)
    d = analysis.district
    entrances = compound_entrances(d.entrances, d.areas, crs=d.network.crs)
    circles = doorstep_circles(entrances, analysis.facilities, crs=d.network.crs)
    report(progress, "spatial index of the view", 0.5)
    index = view_index_of(analysis, doorstep=circles)
    report(progress, "spatial index of the view", 1.0)
    return ViewData(index=index, doorstep=circles)


def _group(name: str, text: str, *, served: bool = False) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name, show=True)
    (ServedGeoJson(url=text) if served else ServedGeoJson(data=text)).add_to(fg)
    return fg


def _polygons(geoms: np.ndarray) -> Any:
    parts = shapely.get_parts(geoms)
    polys = parts[shapely.get_type_id(parts) == 3]
    return shapely.multipolygons(polys) if len(polys) else None


def _fill(colour: str, *, weight: float, opacity: float) -> dict[str, Any]:
    return {"color": colour, "weight": weight, "fillColor": colour, "fillOpacity": opacity}


def base_document(
    analysis: Analysis, data: ViewData, selection: ViewSelection, *, shift: Callable[[Any], Any]
) -> str:
    """Land use cut to the view, and the buildings that are not homes."""
    geoms: list[Any] = []
    styles: list[dict[str, Any]] = []
    picked = selection.indices["areas"]
    if len(picked) and selection.view is not None:
        grown = selection.view.padded(0.1)
        kinds = analysis.district.areas["kind"].to_numpy()[picked]
        cut = shapely.clip_by_rect(
            data.index.geoms["areas"][picked], grown.west, grown.south, grown.east, grown.north
        )
        for kind, colour in LAND_USE_COLOURS.items():
            geoms.append(_polygons(cut[kinds == kind]))
            styles.append(_fill(colour, weight=0.5, opacity=0.5))
    geoms.append(_polygons(data.index.geoms["buildings"][selection.indices["buildings"]]))
    styles.append(_fill(BUILDING_COLOUR, weight=0.3, opacity=0.6))
    return feature_collection(geoms, styles, [""] * len(geoms), shift=shift)


def streets_document(
    analysis: Analysis,
    data: ViewData,
    selection: ViewSelection,
    *,
    category: str,
    colour_by: str,
    speed_kmh: float,
    lang: str,
    shift: Callable[[Any], Any],
) -> str:
    """The streets in view in the small path's colour classes, merged into long lines."""
    picked = selection.indices["streets"]
    cls, labels, palette = street_classes(
        analysis, category=category, colour_by=colour_by, speed_kmh=speed_kmh, lang=lang
    )
    lines = data.index.geoms["streets"][picked]
    cls = cls[picked]
    geoms, styles, tips = [], [], []
    for i, colour in enumerate(palette):
        sel = lines[cls == i]
        if len(sel) == 0:
            continue
        # Merged lines share their inner points: fewer coordinates to send.
        geoms.append(shapely.line_merge(shapely.multilinestrings(sel)))
        styles.append({"color": colour, "weight": 3.0, "opacity": 0.9, "fill": False})
        tips.append(safe_text(labels[i]))
    return feature_collection(geoms, styles, tips, shift=shift)


def homes_document(
    analysis: Analysis,
    data: ViewData,
    selection: ViewSelection,
    *,
    category: str,
    within_m: float | None,
    lang: str,
    shift: Callable[[Any], Any],
) -> str:
    """The homes in view: served (blue) or not (red) within ``within_m`` (the category's
    own tier when None)."""
    picked = selection.indices["homes"]
    row = analysis.categories.index(category)
    if within_m is None:
        served = analysis.served[row][picked]
    else:
        served = analysis.home_dist_m[row][picked] <= within_m
    homes = data.index.geoms["homes"][picked]
    geoms, styles, tips = [], [], []
    for mask, colour, key in (
        (served, SERVED_COLOUR, "served"),
        (~served, UNSERVED_COLOUR, "not_served"),
    ):
        if mask.any():
            geoms.append(_polygons(homes[mask]))
            styles.append(_fill(colour, weight=1, opacity=0.6))
            tips.append(safe_text(t(key, lang)))
    return feature_collection(geoms, styles, tips, shift=shift)


def facilities_document(
    analysis: Analysis,
    selection: ViewSelection,
    *,
    category: str,
    lang: str,
    shift: Callable[[Any], Any],
) -> str:
    """The facilities in view: the category's as icon markers, the others as dots."""
    rows = analysis.facilities.iloc[selection.indices["facilities"]]
    geoms: list[Any] = []
    styles: list[dict[str, Any]] = []
    tips: list[str] = []
    icons: list[dict[str, str] | None] = []
    for row in rows.itertuples(index=False):
        cat = analysis.taxonomy.get(str(row.category))
        geoms.append(shapely.Point(float(row.lon), float(row.lat)))
        label = f"{cat.name(lang)}: {row.name}" if row.name else cat.name(lang)
        tips.append(safe_text(label))
        if row.category == category:
            styles.append({})
            icons.append(
                {"markerColor": "white", "iconColor": cat.colour, "icon": cat.icon, "prefix": "fa"}
            )
        else:
            styles.append(
                {
                    "radius": 4,
                    "color": cat.colour,
                    "weight": 1,
                    "fillColor": cat.colour,
                    "fillOpacity": 0.8,
                }
            )
            icons.append(None)
    return feature_collection(geoms, styles, tips, shift=shift, icons=icons)


def doorstep_document(
    analysis: Analysis,
    data: ViewData,
    selection: ViewSelection,
    *,
    lang: str,
    shift: Callable[[Any], Any],
) -> str:
    """The 50 m circles in view, with the services inside (names escaped)."""
    circles = data.doorstep.iloc[selection.indices["doorstep"]]
    geoms, styles, tips = [], [], []
    title = safe_text(t("layer_doorstep", lang))
    for row in circles.itertuples(index=False):
        names = doorstep_service_names(str(row.services), analysis.taxonomy, lang)
        body = "<br>".join(safe_text(n) for n in names) or safe_text("—")
        geoms.append(row.geometry)
        styles.append(_fill(DOORSTEP_COLOURS[0 if names else 1], weight=1.5, opacity=0.2))
        tips.append(f"<b>{title}</b><br>{body}")
    return feature_collection(geoms, styles, tips, shift=shift)


def view_documents(
    analysis: Analysis,
    data: ViewData,
    selection: ViewSelection,
    *,
    category: str,
    colour_by: str,
    speed_kmh: float,
    lang: str,
    shift: Callable[[Any], Any],
    within_m: float | None = None,
) -> list[tuple[str, str]]:
    """The layers of the view as (layer name, GeoJSON text), bottom to top; none unless
    the selection is ``detail``."""
    if not selection.detail:
        return []
    return [
        (t("layer_base", lang), base_document(analysis, data, selection, shift=shift)),
        (
            t("layer_homes", lang),
            homes_document(
                analysis,
                data,
                selection,
                category=category,
                within_m=within_m,
                lang=lang,
                shift=shift,
            ),
        ),
        (
            t("layer_streets", lang),
            streets_document(
                analysis,
                data,
                selection,
                category=category,
                colour_by=colour_by,
                speed_kmh=speed_kmh,
                lang=lang,
                shift=shift,
            ),
        ),
        (
            t("layer_doorstep", lang),
            doorstep_document(analysis, data, selection, lang=lang, shift=shift),
        ),
        (
            t("layer_facilities", lang),
            facilities_document(analysis, selection, category=category, lang=lang, shift=shift),
        ),
    ]


def groups_of(
    layers: Sequence[tuple[str, str]], *, served: bool = False
) -> list[folium.FeatureGroup]:
    """One map group per (name, document), or per (name, URL) when ``served``: a served
    layer is fetched from its file instead of travelling inside the script, so a rerun
    that keeps the view (a click) sends a few URLs, and the browser reuses the layers it
    already built (:class:`lifecircle.maps.served_layers.ServedGeoJson`)."""
    return [_group(name, text, served=served) for name, text in layers]
