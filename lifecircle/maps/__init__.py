"""folium map building (no ``st`` here): basemaps, layers, legend, scenario and needs layers.

Used by the dashboard and by ``lifecircle map``. Text that comes from data goes through
:func:`lifecircle.maps.text.safe_text` before it reaches folium. The names below are the
public API, importable as ``from lifecircle import maps`` then ``maps.build_map(...)``.
"""

from __future__ import annotations

from lifecircle.maps.basemaps import (
    BASEMAP_CHOICES,
    BASEMAPS,
    EXPORT_BASEMAP,
    OSM_ATTR,
    Basemap,
    new_map,
    shift_for,
)
from lifecircle.maps.district_map import MapLayers, build_map, compute_map_layers, reach_table
from lifecircle.maps.layers import (
    COUNT_COLOURS,
    NO_FACILITY_COLOUR,
    SERVED_COLOUR,
    TIME_BINS_MIN,
    TIME_COLOURS,
    UNSERVED_COLOUR,
    base_layer,
    doorstep_layer,
    edge_minutes,
    facilities_layer,
    gap_layer,
    geojson_layer,
    homes_layer,
    service_area_layer,
    simplify_for_map,
    streets_layer,
)
from lifecircle.maps.legend import (
    Legend,
    doorstep_legend,
    gap_legend,
    join_legends,
    legend_html,
    needs_legend,
    scenario_legend,
    service_area_legend,
    street_legend,
)
from lifecircle.maps.needs import needs_layers
from lifecircle.maps.overview import build_overview_map
from lifecircle.maps.scenario_layers import KIND_COLOURS, difference_layer, scenario_layer
from lifecircle.maps.text import safe_text

__all__ = [
    "BASEMAPS",
    "BASEMAP_CHOICES",
    "COUNT_COLOURS",
    "EXPORT_BASEMAP",
    "KIND_COLOURS",
    "NO_FACILITY_COLOUR",
    "OSM_ATTR",
    "SERVED_COLOUR",
    "TIME_BINS_MIN",
    "TIME_COLOURS",
    "UNSERVED_COLOUR",
    "Basemap",
    "Legend",
    "MapLayers",
    "base_layer",
    "build_map",
    "build_overview_map",
    "compute_map_layers",
    "difference_layer",
    "doorstep_layer",
    "doorstep_legend",
    "edge_minutes",
    "facilities_layer",
    "gap_layer",
    "gap_legend",
    "geojson_layer",
    "homes_layer",
    "join_legends",
    "legend_html",
    "needs_layers",
    "needs_legend",
    "new_map",
    "reach_table",
    "safe_text",
    "scenario_layer",
    "scenario_legend",
    "service_area_layer",
    "service_area_legend",
    "shift_for",
    "simplify_for_map",
    "street_legend",
    "streets_layer",
]
