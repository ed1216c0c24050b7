"""lifecircle's pure core: OSM data, taxonomy, walking network, accessibility, scenarios.

It never imports streamlit; the dashboard and the CLI are thin layers over it. Names are
imported lazily, so that ``lifecircle --help`` does not pay for osmnx and geopandas.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Analysis": "geo.analysis",
    "analyse": "geo.analysis",
    "add_facility": "geo.analysis",
    "DistanceEngine": "geo.access",
    "AccessResult": "geo.access",
    "District": "geo.district",
    "DistrictMeta": "geo.district",
    "bundled_districts": "geo.district",
    "load_district": "geo.district",
    "load_overpass_district": "geo.overpass",
    "CacheError": "geo.errors",
    "CoordinateError": "geo.errors",
    "InputFileError": "geo.errors",
    "LifecircleError": "geo.errors",
    "NetworkError": "geo.errors",
    "OfflineError": "geo.errors",
    "OsmDataError": "geo.errors",
    "TaxonomyError": "geo.errors",
    "WalkNetwork": "geo.network",
    "utm_crs_for": "geo.network",
    "is_walkable": "geo.osm",
    "read_osm_file": "geo.osm",
    "Settings": "geo.settings",
    "default_cache_dir": "geo.settings",
    "Category": "geo.taxonomy",
    "Taxonomy": "geo.taxonomy",
    "load_taxonomy": "geo.taxonomy",
    "CoordSystem": "geo.coords",
    "parse_coord_system": "geo.coords",
    "to_wgs84": "geo.coords",
    "from_wgs84": "geo.coords",
    "read_facility_inventory": "geo.inventory",
    "Scenario": "geo.scenario",
    "loads_scenario": "geo.scenario",
    "ScenarioStore": "geo.scenario_store",
    "apply_scenario": "geo.comparison",
    "compare": "geo.comparison",
    "isochrone": "geo.service_areas",
    "facility_isochrones": "geo.service_areas",
    "catchments": "geo.service_areas",
    "served_area": "geo.service_areas",
    "served_areas": "geo.service_areas",
    "reach_polygon": "geo.service_areas",
    "reach_index": "geo.service_areas",
    "SurveyResult": "geo.survey",
    "read_survey": "geo.survey",
    "rank_priorities": "geo.survey",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
