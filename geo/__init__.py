"""lifecircle's pure core: OSM data, taxonomy, walking network, accessibility, scenarios.

It never imports streamlit; the dashboard and the CLI are thin layers over it.
"""

from __future__ import annotations

from geo.district import District, DistrictMeta, bundled_districts, load_district
from geo.errors import (
    CacheError,
    CoordinateError,
    InputFileError,
    LifecircleError,
    NetworkError,
    OfflineError,
    OsmDataError,
    TaxonomyError,
)
from geo.network import WalkNetwork, utm_crs_for
from geo.osm import is_walkable, read_osm_file
from geo.settings import Settings, default_cache_dir
from geo.taxonomy import Category, Taxonomy, load_taxonomy

__all__ = [
    "CacheError",
    "Category",
    "CoordinateError",
    "District",
    "DistrictMeta",
    "InputFileError",
    "LifecircleError",
    "NetworkError",
    "OfflineError",
    "OsmDataError",
    "Settings",
    "Taxonomy",
    "TaxonomyError",
    "WalkNetwork",
    "bundled_districts",
    "default_cache_dir",
    "is_walkable",
    "load_district",
    "load_taxonomy",
    "read_osm_file",
    "utm_crs_for",
]
