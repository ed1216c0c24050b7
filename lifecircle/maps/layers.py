"""The district's map layers: base, streets, facilities, service areas, doorstep circles,
homes and gap hexagons. Each returns a folium FeatureGroup; no ``st`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.access.analysis import Analysis
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from lifecircle.maps.text import safe_text

# --- colours ------------------------------------------------------------------------------
TIME_BINS_MIN = (5.0, 10.0, 15.0)
TIME_COLOURS = ("#1a9850", "#fee08b", "#fc8d59", "#d73027")  # ≤5, ≤10, ≤15, beyond
NO_FACILITY_COLOUR = "#9e9e9e"
COUNT_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850")
SERVED_COLOUR = "#2b83ba"
UNSERVED_COLOUR = "#d7191c"
SERVICE_AREA_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b")  # smallest tier first
GAP_COLOUR = "#b10026"
DOORSTEP_COLOUR = "#6a3d9a"
DOORSTEP_EMPTY_COLOUR = "#cab2d6"
NEEDS_COLOUR = "#54278f"


def geojson_layer(
    geom: Any,
    name: str,
    *,
    colour: str,
    weight: float = 2.0,
    fill: bool = False,
    fill_opacity: float = 0.3,
    opacity: float = 0.9,
    tooltip: str | None = None,
) -> folium.GeoJson:
    style = {
        "color": colour,
        "weight": weight,
        "opacity": opacity,
        "fillColor": colour,
        "fillOpacity": fill_opacity if fill else 0.0,
        "fill": fill,
    }
    # 1e-6 degrees (~0.1 m) is finer than any street: a third smaller map payload.
    geom = shapely.transform(geom, lambda coords: np.round(coords, 6))
    return folium.GeoJson(
        shapely.to_geojson(geom),
        name=name,
        style_function=lambda _f, s=style: s,
        tooltip=tooltip,
        smooth_factor=1.5,
    )


def simplify_for_map(geom: Any, tolerance_deg: float = 0.000005) -> Any:
    return shapely.simplify(geom, tolerance_deg, preserve_topology=True)


def base_layer(
    analysis: Analysis, *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """The district's own water, green areas and buildings: a map without tiles."""
    fg = folium.FeatureGroup(name=t("layer_base", lang), show=True, control=True)
    d = analysis.district
    for kind, colour in (("water", "#a6cee3"), ("green", "#b2df8a"), ("residential", "#f0e6d2")):
        sub = d.areas[d.areas["kind"] == kind] if not d.areas.empty else d.areas
        if len(sub):
            geom = shift(simplify_for_map(shapely.union_all(sub.geometry.to_numpy())))
            geojson_layer(
                geom, kind, colour=colour, weight=0.5, fill=True, fill_opacity=0.5
            ).add_to(fg)
    if len(d.buildings):
        geom = shift(
            simplify_for_map(
                shapely.multipolygons(shapely.get_parts(d.buildings.geometry.to_numpy()))
            )
        )
        geojson_layer(
            geom, "buildings", colour="#bdbdbd", weight=0.3, fill=True, fill_opacity=0.6
        ).add_to(fg)
    return fg


def _edge_lines(analysis: Analysis) -> np.ndarray:
    lines: np.ndarray = analysis.district.network.edge_lines
    return lines


def edge_minutes(analysis: Analysis, category: str, *, speed_kmh: float) -> np.ndarray:
    """Per edge, the walking minutes to the category from its nearer end."""
    u, v = analysis.district.network.edge_index
    dist = analysis.access.of(category)
    nearer = np.minimum(dist[u], dist[v])
    return nearer / (speed_kmh * 1000.0 / 60.0)


def street_classes(
    analysis: Analysis, *, category: str, colour_by: str, speed_kmh: float, lang: str
) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
    """Per edge, its colour class; and the classes' labels and colours."""
    if colour_by == "count":
        u, v = analysis.district.network.edge_index
        reached = analysis.reached_count()
        counts = np.maximum(reached[u], reached[v])
        n_cat = max(len(analysis.categories), 1)
        cls = np.minimum((counts * (len(COUNT_COLOURS) - 1)) // n_cat, len(COUNT_COLOURS) - 1)
        labels = [
            f"≥{int(np.ceil(i * n_cat / (len(COUNT_COLOURS) - 1)))}"
            for i in range(len(COUNT_COLOURS))
        ]
        return cls, labels, COUNT_COLOURS
    minutes = edge_minutes(analysis, category, speed_kmh=speed_kmh)
    cls = np.digitize(minutes, TIME_BINS_MIN, right=True)
    return cls, ["≤5", "≤10", "≤15", t("beyond", lang)], TIME_COLOURS


def streets_layer(
    analysis: Analysis,
    *,
    category: str,
    colour_by: str,
    speed_kmh: float,
    lang: str,
    shift: Callable[[Any], Any],
) -> folium.FeatureGroup:
    """Streets in a few colour classes (one multi-line per class keeps the payload small)."""
    fg = folium.FeatureGroup(name=t("layer_streets", lang), show=True)
    lines = _edge_lines(analysis)
    cls, labels, palette = street_classes(
        analysis, category=category, colour_by=colour_by, speed_kmh=speed_kmh, lang=lang
    )
    for i, colour in enumerate(palette):
        sel = lines[cls == i]
        if len(sel) == 0:
            continue
        geom = shift(shapely.multilinestrings(sel))
        geojson_layer(
            geom, labels[i], colour=colour, weight=3.0, tooltip=safe_text(labels[i])
        ).add_to(fg)
    return fg


def facilities_layer(
    analysis: Analysis, *, category: str, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """All facilities as small dots; the chosen category as icon markers."""
    fg = folium.FeatureGroup(name=t("layer_facilities", lang), show=True)
    add_facility_markers(
        fg,
        analysis.facilities,
        taxonomy=analysis.taxonomy,
        category=category,
        lang=lang,
        shift=shift,
    )
    return fg


def add_facility_markers(
    fg: folium.FeatureGroup,
    facilities: Any,
    *,
    taxonomy: Any,
    category: str,
    lang: str,
    shift: Callable[[Any], Any],
) -> None:
    """One marker per facility row: an icon for ``category``, a small dot for the others."""
    for row in facilities.itertuples(index=False):
        cat = taxonomy.get(str(row.category))
        point = shift(shapely.Point(float(row.lon), float(row.lat)))
        label = f"{cat.name(lang)}: {row.name}" if row.name else cat.name(lang)
        tip = safe_text(label)
        if row.category == category:
            folium.Marker(
                location=(point.y, point.x),
                tooltip=tip,
                icon=folium.Icon(color="white", icon_color=cat.colour, icon=cat.icon, prefix="fa"),
            ).add_to(fg)
        else:
            folium.CircleMarker(
                location=(point.y, point.x),
                radius=4,
                color=cat.colour,
                fill=True,
                fill_opacity=0.8,
                weight=1,
                tooltip=tip,
            ).add_to(fg)


def service_area_layer(
    areas: Sequence[tuple[float, Any]],
    *,
    lang: str,
    shift: Callable[[Any], Any],
    within_m: float | None = None,
) -> folium.FeatureGroup:
    """Served areas of the chosen tier and the smaller ones inside it (largest first, so
    smaller ones draw on top); every tier when ``within_m`` is None."""
    fg = folium.FeatureGroup(name=t("layer_service_areas", lang), show=True)
    shown = sorted(
        (a for a in areas if within_m is None or a[0] <= within_m + 1e-6), key=lambda a: -a[0]
    )
    for i, (area_m, geom) in enumerate(shown):
        if geom is None or geom.is_empty:
            continue
        rank = len(shown) - 1 - i  # 0 = the smallest tier drawn
        colour = SERVICE_AREA_COLOURS[min(rank, len(SERVICE_AREA_COLOURS) - 1)]
        geojson_layer(
            shift(simplify_for_map(geom)),
            f"{area_m:.0f} m",
            colour=colour,
            weight=2 if i == 0 else 1,
            fill=True,
            fill_opacity=0.25,
            tooltip=safe_text(f"≤ {area_m:.0f} m"),
        ).add_to(fg)
    return fg


def doorstep_service_names(services: str, taxonomy: Taxonomy, lang: str) -> list[str]:
    """The distinct services of a doorstep circle (``"cid:name;cid:name"``), readable.

    Two stops of one bus line or two entrances of one shop give one line, not two.
    """
    names: list[str] = []
    for item in (s for s in services.split(";") if s):
        cid, _, name = item.partition(":")
        cat = taxonomy.get(cid) if cid in taxonomy else None
        label = f"{cat.name(lang) if cat else cid} {name}".strip()
        if label not in names:
            names.append(label)
    return names


def doorstep_layer(
    circles: gpd.GeoDataFrame, *, analysis: Analysis, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """50 m circles around compound entrances, with the services inside."""
    fg = folium.FeatureGroup(name=t("layer_doorstep", lang), show=False)
    for row in circles.itertuples(index=False):
        names = doorstep_service_names(str(row.services), analysis.taxonomy, lang)
        body = "<br>".join(safe_text(n) for n in names) or safe_text("—")
        colour = DOORSTEP_COLOUR if names else DOORSTEP_EMPTY_COLOUR
        geojson_layer(
            shift(row.geometry),
            "doorstep",
            colour=colour,
            weight=1.5,
            fill=True,
            fill_opacity=0.2,
            tooltip=f"<b>{safe_text(t('layer_doorstep', lang))}</b><br>{body}",
        ).add_to(fg)
    return fg


def homes_layer(
    analysis: Analysis,
    *,
    category: str,
    lang: str,
    shift: Callable[[Any], Any],
    within_m: float | None = None,
) -> folium.FeatureGroup:
    """Home footprints: served (blue) or not (red) by the category within ``within_m``.

    ``within_m`` defaults to the category's own tier distance.
    """
    fg = folium.FeatureGroup(name=t("layer_homes", lang), show=False)
    if len(analysis.homes) == 0:
        return fg
    row = analysis.categories.index(category)
    served = analysis.served[row] if within_m is None else analysis.home_dist_m[row] <= within_m
    geoms = analysis.homes.geometry.to_numpy()
    for mask, colour, key in (
        (served, SERVED_COLOUR, "served"),
        (~served, UNSERVED_COLOUR, "not_served"),
    ):
        if not mask.any():
            continue
        parts = shapely.get_parts(geoms[mask])
        polys = parts[shapely.get_type_id(parts) == 3]
        geom = shapely.multipolygons(polys) if len(polys) else shapely.multipoints(parts)
        geojson_layer(
            shift(simplify_for_map(geom)),
            key,
            colour=colour,
            weight=1,
            fill=True,
            fill_opacity=0.6,
            tooltip=safe_text(t(key, lang)),
        ).add_to(fg)
    return fg


def gap_layer(
    hexagons: gpd.GeoDataFrame,
    *,
    column: str,
    lang: str,
    shift: Callable[[Any], Any],
    show: bool = True,
) -> folium.FeatureGroup:
    """Hexagons shaded by unmet population (darker = more people unserved)."""
    fg = folium.FeatureGroup(name=t("layer_gaps", lang), show=show)
    if hexagons.empty or column not in hexagons.columns:
        return fg
    values = hexagons[column].to_numpy(dtype=float)
    top = float(values.max()) if len(values) else 0.0
    for row, value in zip(hexagons.itertuples(index=False), values, strict=True):
        if value <= 0:
            continue
        alpha = 0.15 + 0.6 * (value / top if top > 0 else 0.0)
        compound = str(getattr(row, "compound", "") or "")
        where = f"<b>{safe_text(compound)}</b><br>" if compound else ""
        tip = (
            f"{where}#{int(row.rank)} · {safe_text(t('col_unmet', lang))}: {value:.0f}"
            f"<br>{safe_text(t('col_residents', lang))}: {float(row.residents):.0f}"
        )
        geojson_layer(
            shift(row.geometry),
            "gap",
            colour=GAP_COLOUR,
            weight=0.8,
            fill=True,
            fill_opacity=alpha,
            tooltip=tip,
        ).add_to(fg)
    return fg
