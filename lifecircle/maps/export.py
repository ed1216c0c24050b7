"""Standalone HTML maps for download: offline layers only, a layer control, the OSM credit.

An exported map is opened later, anywhere, often with no internet, and may be passed on:
it always uses the offline basemap (:data:`~lifecircle.maps.basemaps.EXPORT_BASEMAP`)
whatever the page showed, and these functions take no basemap key, so no Tianditu key can
end up in a file. Each builds a fresh map rather than reusing the page's, which
``st_folium`` has added layers and a layer control to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium

from geo.access.analysis import Analysis
from lifecircle.maps.basemaps import EXPORT_BASEMAP
from lifecircle.maps.district_map import MapLayers, build_map
from lifecircle.maps.offline import standalone_html
from lifecircle.maps.overview import Overview, build_overview_map


def district_map_html(
    analysis: Analysis,
    layers: MapLayers,
    *,
    category: str,
    lang: str,
    speed_kmh: float,
    colour_by: str = "time",
    within_m: float | None = None,
    extra_groups: Sequence[folium.FeatureGroup] = (),
    extra_legends: Sequence[str] = (),
) -> str:
    """The main map as one HTML document that opens with no network.

    ``extra_groups`` (drawn in WGS-84, as the offline basemap needs) are added before the
    layer control, so that it lists them; ``extra_legends`` are their legend sections.
    """
    fmap = build_map(
        analysis,
        layers,
        category=category,
        lang=lang,
        basemap=EXPORT_BASEMAP,
        speed_kmh=speed_kmh,
        colour_by=colour_by,
        within_m=within_m,
        layer_control=False,
        extra_legends=extra_legends,
    )
    for group in extra_groups:
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return standalone_html(fmap)


def overview_map_html(
    analysis: Analysis,
    overview: Overview,
    *,
    documents: Mapping[str, str],
    lang: str,
    colour_by: str = "time",
    extra_groups: Sequence[folium.FeatureGroup] = (),
    extra_legends: Sequence[str] = (),
) -> str:
    """The scale path's district-zoom map, its layers embedded (``documents`` made for
    :data:`EXPORT_BASEMAP`); ``extra_groups`` (in WGS-84, e.g. the areas, as on screen at
    district zoom) are added before the layer control, ``extra_legends`` to the legend."""
    fmap = build_overview_map(
        analysis,
        overview,
        documents=documents,
        lang=lang,
        basemap=EXPORT_BASEMAP,
        colour_by=colour_by,
        extra_legends=extra_legends,
    )
    for group in extra_groups:
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return standalone_html(fmap)
