"""Basemaps (local, OSM, light, Tianditu, AMap), the GCJ-02 shift for AMap, an empty map.

The default basemap is ``local``: the district's own OSM data drawn by
:func:`lifecircle.maps.layers.base_layer`, with no request to any tile server. Online
basemaps are opt-in. Analysis stays in WGS-84; only what is drawn over a GCJ-02 basemap
is shifted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import shapely

from geo.access.analysis import Analysis
from geo.inputs.china_coords import wgs84_to_gcj02
from lifecircle.i18n import t
from lifecircle.maps.furniture import MetricScale, OsmAttribution


@dataclass(frozen=True)
class Basemap:
    key: str
    tiles: tuple[str, ...]
    attribution: str
    gcj02: bool = False
    subdomains: str = "abc"

    @property
    def online(self) -> bool:
        """Whether drawing it asks a tile server on the internet."""
        return bool(self.tiles)


OSM_ATTR = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors, ODbL 1.0"
)

BASEMAPS: dict[str, Basemap] = {
    # The default: only the district's own OSM data (base_layer), no tile server.
    "local": Basemap("local", (), OSM_ATTR),
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
    "none": Basemap("none", (), OSM_ATTR),  # the old name of "local", kept for scripts
}

#: The basemaps offered to a user, the offline one first (the default); the online ones
#: say so in their labels (``basemap_<key>``).
BASEMAP_CHOICES: tuple[str, ...] = ("local", "osm", "light", "tianditu", "gaode")
#: What an exported map uses whatever the page showed: offline, and no key in the file.
EXPORT_BASEMAP = "local"


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


def new_map(
    analysis: Analysis, *, basemap: str, lang: str, tianditu_key: str | None = None
) -> folium.Map:
    """An empty map centred on the district, with the chosen basemap.

    Every map credits OpenStreetMap (its overlays are OSM data whatever the basemap) and
    has a metric-only scale bar. An unknown basemap falls back to ``local``.
    """
    west, south, east, north = analysis.district.meta.bbox
    m = folium.Map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=15,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # folium's scale shows feet too; MetricScale shows metres only
    )
    m.add_child(MetricScale())
    m.add_child(OsmAttribution(OSM_ATTR))
    spec = BASEMAPS.get(basemap, BASEMAPS["local"])
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
