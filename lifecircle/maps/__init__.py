"""folium map builders (no ``st`` here): layers, legend, basemaps, safe text.

Every piece of text that comes from data (OSM names, uploaded files, survey comments)
goes through :func:`safe_text` before it reaches folium: folium's popups and tooltips
insert text as HTML inside JavaScript template literals, so ``<``, ``${...}`` and
backticks must all be neutralised.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.access.analysis import Analysis
from geo.inputs.coords import wgs84_to_gcj02
from lifecircle.i18n import t

# --- text safety ------------------------------------------------------------------------
_JS_META = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;", "\\": "&#92;"})


def safe_text(value: object, *, max_len: int = 500) -> str:
    """HTML-escape ``value`` and neutralise template-literal syntax (``${}``, backticks)."""
    text = "" if value is None else str(value)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return html.escape(text, quote=True).translate(_JS_META)


# --- basemaps ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Basemap:
    key: str
    tiles: tuple[str, ...]
    attribution: str
    gcj02: bool = False
    subdomains: str = "abc"


OSM_ATTR = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors, ODbL 1.0"
)

BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap("osm", ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",), OSM_ATTR),
    "light": Basemap(
        "light",
        ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",),
        OSM_ATTR + ' &copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
    "tianditu": Basemap(
        "tianditu",
        (
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk={key}",
            "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk={key}",
        ),
        "&copy; 天地图 Tianditu",
        subdomains="01234567",
    ),
    "gaode": Basemap(
        "gaode",
        (
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        ),
        "&copy; 高德地图 AMap",
        gcj02=True,
        subdomains="1234",
    ),
    "none": Basemap("none", (), OSM_ATTR),
}


def shift_for(basemap: str) -> Callable[[Any], Any]:
    """A shapely coordinate transform that lines overlays up with the basemap.

    Analysis stays in WGS-84; only what is drawn over a GCJ-02 basemap is shifted.
    """
    if not BASEMAPS[basemap].gcj02:
        return lambda geom: geom

    def to_gcj(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return lambda geom: shapely.transform(geom, to_gcj)


# --- colours ------------------------------------------------------------------------------
TIME_BINS_MIN = (5.0, 10.0, 15.0)
TIME_COLOURS = ("#1a9850", "#fee08b", "#fc8d59", "#d73027")  # ≤5, ≤10, ≤15, beyond
NO_FACILITY_COLOUR = "#9e9e9e"
COUNT_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850")
SERVED_COLOUR = "#2b83ba"
UNSERVED_COLOUR = "#d7191c"


def _geojson(
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


def _simplify(geom: Any, tolerance_deg: float = 0.000005) -> Any:
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
            geom = shift(_simplify(shapely.union_all(sub.geometry.to_numpy())))
            _geojson(geom, kind, colour=colour, weight=0.5, fill=True, fill_opacity=0.5).add_to(fg)
    if len(d.buildings):
        geom = shift(
            _simplify(shapely.multipolygons(shapely.get_parts(d.buildings.geometry.to_numpy())))
        )
        _geojson(
            geom, "buildings", colour="#bdbdbd", weight=0.3, fill=True, fill_opacity=0.6
        ).add_to(fg)
    return fg


def _edge_lines(analysis: Analysis) -> np.ndarray:
    lines: np.ndarray = analysis.district.network.edges.geometry.to_numpy()
    return lines


def edge_minutes(analysis: Analysis, category: str, *, speed_kmh: float) -> np.ndarray:
    """Per edge, the walking minutes to the category from its nearer end."""
    u, v = analysis.district.network.edge_index
    dist = analysis.access.of(category)
    nearer = np.minimum(dist[u], dist[v])
    return nearer / (speed_kmh * 1000.0 / 60.0)


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
        palette: tuple[str, ...] = COUNT_COLOURS
    else:
        minutes = edge_minutes(analysis, category, speed_kmh=speed_kmh)
        cls = np.digitize(minutes, TIME_BINS_MIN, right=True)
        labels = ["≤5", "≤10", "≤15", t("beyond", lang)]
        palette = TIME_COLOURS
    for i, colour in enumerate(palette):
        sel = lines[cls == i]
        if len(sel) == 0:
            continue
        geom = shift(shapely.multilinestrings(sel))
        _geojson(geom, labels[i], colour=colour, weight=3.0, tooltip=safe_text(labels[i])).add_to(
            fg
        )
    return fg


def facilities_layer(
    analysis: Analysis, *, category: str, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """All facilities as small dots; the chosen category as icon markers."""
    fg = folium.FeatureGroup(name=t("layer_facilities", lang), show=True)
    fac = analysis.facilities
    for row in fac.itertuples(index=False):
        cat = analysis.taxonomy.get(str(row.category))
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
    return fg


def service_area_layer(
    areas: Sequence[tuple[float, Any]], *, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """Served areas at 15/10/5 minutes (largest first so smaller ones draw on top)."""
    fg = folium.FeatureGroup(name=t("layer_service_areas", lang), show=True)
    colours = {0: "#1a9850", 1: "#91cf60", 2: "#d9ef8b"}
    ordered = sorted(areas, key=lambda a: -a[0])
    for i, (within_m, geom) in enumerate(ordered):
        if geom is None or geom.is_empty:
            continue
        colour = colours.get(len(ordered) - 1 - i, "#d9ef8b")
        _geojson(
            shift(_simplify(geom)),
            f"{within_m:.0f} m",
            colour=colour,
            weight=1,
            fill=True,
            fill_opacity=0.25,
            tooltip=safe_text(f"≤ {within_m:.0f} m"),
        ).add_to(fg)
    return fg


def doorstep_layer(
    circles: gpd.GeoDataFrame, *, analysis: Analysis, lang: str, shift: Callable[[Any], Any]
) -> folium.FeatureGroup:
    """50 m circles around compound entrances, with the services inside."""
    fg = folium.FeatureGroup(name=t("layer_doorstep", lang), show=False)
    for row in circles.itertuples(index=False):
        items = [s for s in str(row.services).split(";") if s]
        names = []
        for item in items:
            cid, _, name = item.partition(":")
            cat = analysis.taxonomy.get(cid) if cid in analysis.taxonomy else None
            names.append(f"{cat.name(lang) if cat else cid} {name}".strip())
        body = "<br>".join(safe_text(n) for n in names) or safe_text("—")
        colour = "#6a3d9a" if items else "#cab2d6"
        _geojson(
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
        _geojson(
            shift(_simplify(geom)),
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
        tip = (
            f"#{int(row.rank)} · {safe_text(t('col_unmet', lang))}: {value:.0f}"
            f"<br>{safe_text(t('col_residents', lang))}: {float(row.residents):.0f}"
        )
        _geojson(
            shift(row.geometry),
            "gap",
            colour="#b10026",
            weight=0.8,
            fill=True,
            fill_opacity=alpha,
            tooltip=tip,
        ).add_to(fg)
    return fg


LEGEND_TEMPLATE = """
{% macro html(this, kwargs) %}
<div class="lifecircle-legend" style="position: absolute; z-index: 9999; bottom: 24px; left: 10px;
  background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; font: 12px sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px;">
{{ this.body }}
</div>
{% endmacro %}
"""


class Legend(MacroElement):  # type: ignore[misc]
    """A static legend box (its HTML is built from escaped strings only)."""

    # A class attribute, as in folium: a deep-copied jinja Template loses its macros,
    # and standalone_html renders a deep copy of the figure.
    _template = Template(LEGEND_TEMPLATE)

    def __init__(self, body_html: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.body = body_html


def legend_html(*, title: str, items: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{colour};'
        f'margin-right:6px;border:1px solid #555"></span>{safe_text(label)}</div>'
        for colour, label in items
    )
    return f"<b>{safe_text(title)}</b>{rows}"


def street_legend(analysis: Analysis, *, category: str, colour_by: str, lang: str) -> str:
    if colour_by == "count":
        n = len(analysis.categories)
        items = [
            (COUNT_COLOURS[0], f"0–{n // 3}"),
            (COUNT_COLOURS[3], f"~{n // 2}"),
            (COUNT_COLOURS[-1], f"{n}"),
        ]
        return legend_html(title=t("colour_count", lang), items=items)
    cat = analysis.taxonomy.get(category)
    items = [
        (TIME_COLOURS[0], f"≤ 5 {t('minutes', lang)}"),
        (TIME_COLOURS[1], f"≤ 10 {t('minutes', lang)}"),
        (TIME_COLOURS[2], f"≤ 15 {t('minutes', lang)}"),
        (TIME_COLOURS[3], t("beyond", lang)),
        (SERVED_COLOUR, f"{t('layer_homes', lang)}: {t('served', lang)}"),
        (UNSERVED_COLOUR, f"{t('layer_homes', lang)}: {t('not_served', lang)}"),
    ]
    return legend_html(title=f"{t('colour_time', lang)}: {cat.name(lang)}", items=items)


def new_map(
    analysis: Analysis, *, basemap: str, lang: str, tianditu_key: str | None = None
) -> folium.Map:
    """An empty map centred on the district, with the chosen basemap."""
    west, south, east, north = analysis.district.meta.bbox
    m = folium.Map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=15,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    spec = BASEMAPS.get(basemap, BASEMAPS["osm"])
    for i, url in enumerate(spec.tiles):
        if "{key}" in url:
            if not tianditu_key:
                continue
            url = url.replace("{key}", tianditu_key)
        folium.TileLayer(
            tiles=url,
            attr=spec.attribution,
            name=t(f"basemap_{spec.key}", lang) + (f" ({i + 1})" if i else ""),
            subdomains=spec.subdomains,
            max_zoom=19,
            overlay=False,
            control=i == 0,
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


@dataclass(frozen=True)
class MapLayers:
    """Precomputed geometry for one (analysis, category): cached by the dashboard."""

    service_areas: list[tuple[float, Any]]
    doorstep: gpd.GeoDataFrame
    hexagons: gpd.GeoDataFrame


def compute_map_layers(analysis: Analysis, category: str) -> MapLayers:
    """Service areas (per tier), doorstep circles and gap hexagons for one category."""
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
        hexagons=gap_hexagons(analysis.homes, analysis.served, categories=analysis.categories),
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
) -> folium.Map:
    """The main map: base, streets, facilities, service areas, doorstep circles, homes, gaps.

    ``layer_control=False`` leaves the layer control out, for ``st_folium(...,
    layer_control=...)`` to add one that also lists its ``feature_group_to_add`` layers.
    """
    shift = shift_for(basemap)
    m = new_map(analysis, basemap=basemap, lang=lang, tianditu_key=tianditu_key)
    base_layer(analysis, lang=lang, shift=shift).add_to(m)
    service_area_layer(layers.service_areas, lang=lang, shift=shift).add_to(m)
    gap_layer(
        layers.hexagons, column=f"unmet_{category}", lang=lang, shift=shift, show=False
    ).add_to(m)
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
    m.add_child(Legend(street_legend(analysis, category=category, colour_by=colour_by, lang=lang)))
    return m


def reach_table(
    analysis: Analysis, *, lon: float, lat: float, speed_kmh: float, lang: str
) -> pd.DataFrame:
    """What a clicked point reaches within the limit: one row per facility, nearest first."""
    net = analysis.district.network
    pos, snap = net.snap_lonlat(np.array([lon]), np.array([lat]))
    dist = analysis.engine.multi_source(pos, snap)
    fac = analysis.facilities
    d = dist[fac["node_pos"].to_numpy(dtype=np.int64)] + fac["snap_m"].to_numpy(dtype=float)
    ok = np.isfinite(d) & (d <= analysis.limit_m)
    rows = fac[ok].assign(distance_m=d[ok]).sort_values("distance_m")
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


KIND_COLOURS = {"facility": "#6a3d9a", "space": "#33a02c", "link": "#ff7f00", "closure": "#e31a1c"}


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
                _geojson(
                    shift(ring),
                    "doorstep",
                    colour=colour,
                    weight=1,
                    fill=True,
                    fill_opacity=0.1,
                    tooltip=safe_text(t("layer_doorstep", lang)),
                ).add_to(fg)
        else:
            _geojson(
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
        _geojson(
            shift(row.geometry),
            "better",
            colour="#1a9850",
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
            _geojson(
                shift(shapely.multipolygons(polys)),
                "newly served",
                colour="#00c853",
                weight=2,
                fill=True,
                fill_opacity=0.8,
                tooltip=safe_text(t("scn_newly_served", lang)),
            ).add_to(fg)
    return fg


def needs_layers(
    responses: gpd.GeoDataFrame,
    *,
    taxonomy: Any,
    lang: str,
    shift: Callable[[Any], Any],
    category: str | None = None,
    resolution: int = 9,
) -> tuple[folium.FeatureGroup, folium.FeatureGroup]:
    """Stated needs as hexagons (count of requests) and as points with their comments.

    Comments are untrusted: every piece of text goes through :func:`safe_text`.
    """
    import h3

    hex_fg = folium.FeatureGroup(name=t("layer_needs_hex", lang), show=True)
    pts_fg = folium.FeatureGroup(name=t("layer_needs_points", lang), show=True)
    data = responses if category is None else responses[responses["category"] == category]
    if data.empty:
        return hex_fg, pts_fg
    cells = [
        h3.latlng_to_cell(float(la), float(lo), resolution)
        for lo, la in zip(data["lon"], data["lat"], strict=True)
    ]
    counts = pd.Series(cells).value_counts()
    top = float(counts.max())
    for cell, n in counts.items():
        poly = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(str(cell))])
        _geojson(
            shift(poly),
            "needs",
            colour="#54278f",
            weight=0.8,
            fill=True,
            fill_opacity=0.15 + 0.55 * float(n) / top,
            tooltip=f"{safe_text(t('col_requests', lang))}: {int(n)}",
        ).add_to(hex_fg)
    for row in data.itertuples(index=False):
        cat = taxonomy.get(str(row.category)) if row.category in taxonomy else None
        head = cat.name(lang) if cat is not None else str(row.category)
        score = "" if row.score is None or row.score != row.score else f" · {float(row.score):g}"
        body = (
            f"<b>{safe_text(head)}{safe_text(score)}</b><br>"
            f"{safe_text(row.comment, max_len=300)}"
            + (f"<br><i>{safe_text(row.group)}</i>" if getattr(row, "group", "") else "")
        )
        point = shift(shapely.Point(float(row.lon), float(row.lat)))
        folium.CircleMarker(
            (point.y, point.x),
            radius=5,
            color=cat.colour if cat is not None else "#54278f",
            fill=True,
            fill_opacity=0.9,
            weight=1,
            tooltip=folium.Tooltip(body),
            popup=folium.Popup(body, max_width=320),
        ).add_to(pts_fg)
    return hex_fg, pts_fg
