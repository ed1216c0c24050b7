"""lifecircle's pure core: OSM data, taxonomy, walking network, accessibility, scenarios.

It never imports streamlit; the dashboard and the CLI are thin layers over it. Names are
imported lazily, so that ``lifecircle --help`` does not pay for osmnx and geopandas.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Analysis": "geo.access.analysis",
    "analyse": "geo.access.analysis",
    "add_facility": "geo.access.analysis",
    "DistanceEngine": "geo.access.engine",
    "AccessResult": "geo.access.engine",
    "District": "geo.district.model",
    "DistrictMeta": "geo.district.model",
    "bundled_districts": "geo.district.loader",
    "load_district": "geo.district.loader",
    "load_overpass_district": "geo.district.online",
    "CacheError": "geo.errors",
    "CoordinateError": "geo.errors",
    "InputFileError": "geo.errors",
    "LifecircleError": "geo.errors",
    "NetworkError": "geo.errors",
    "OfflineError": "geo.errors",
    "OsmDataError": "geo.errors",
    "TaxonomyError": "geo.errors",
    "WalkNetwork": "geo.district.network",
    "utm_crs_for": "geo.district.network",
    "is_walkable": "geo.osm.walking",
    "read_osm_file": "geo.osm.reader",
    "Settings": "geo.settings",
    "default_cache_dir": "geo.settings",
    "Category": "geo.standards.taxonomy",
    "Taxonomy": "geo.standards.taxonomy",
    "load_taxonomy": "geo.standards.taxonomy",
    "CoordSystem": "geo.inputs.coords",
    "parse_coord_system": "geo.inputs.coords",
    "to_wgs84": "geo.inputs.coords",
    "from_wgs84": "geo.inputs.coords",
    "read_facility_inventory": "geo.inputs.inventory",
    "Scenario": "geo.scenarios.model",
    "loads_scenario": "geo.scenarios.model",
    "ScenarioStore": "geo.scenarios.store",
    "apply_scenario": "geo.scenarios.apply",
    "compare": "geo.scenarios.compare",
    "isochrone": "geo.access.service_areas",
    "facility_isochrones": "geo.access.service_areas",
    "catchments": "geo.access.catchments",
    "served_area": "geo.access.service_areas",
    "served_areas": "geo.access.service_areas",
    "reach_polygon": "geo.access.service_areas",
    "reach_index": "geo.access.reach_index",
    "SurveyResult": "geo.surveys.result",
    "read_survey": "geo.surveys.read",
    "rank_priorities": "geo.surveys.priorities",
    "suggest_sites": "geo.siting.results",
    "district_candidates": "geo.siting.candidates",
    "join_candidates": "geo.siting.candidates",
    "read_candidate_file": "geo.siting.candidate_files",
    "SitingError": "geo.siting.settings",
    "estimate_population": "geo.population.estimate",
    "analyse_population": "geo.population.analysis",
    "PopulationOverrides": "geo.population.overrides",
    "read_building_file": "geo.population.building_file",
    "Areas": "geo.areas.boundaries",
    "read_area_file": "geo.areas.boundaries",
    "load_areas": "geo.areas.sources",
    "summarise_areas": "geo.areas.summary",
    "neutralise_cells": "geo.export_safety",
    "redact_url": "geo.redaction",
    "redact_text": "geo.redaction",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
