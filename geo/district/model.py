"""A district: the walking network, facilities, homes and base layers of one study area.

:func:`geo.district.loader.load_district` builds one from a bundled district or a local
OSM file; Overpass sources (:mod:`geo.osm.overpass`) end in the same object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely import Polygon, box

from geo.district.network import WalkNetwork
from geo.osm.bbox import BBox
from geo.osm.features import FACILITY_AREA_COLUMNS, FACILITY_COLUMNS

DEFAULT_DISTRICT = "lujiazui"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


@dataclass(frozen=True)
class DistrictMeta:
    """Where a district came from and how it was clipped."""

    name: str
    title_zh: str
    title_en: str
    source: str
    source_kind: str  # "bundled", "file" or "overpass"
    sha256: str
    data_date: str | None
    provenance: str
    attribution: str
    bbox: BBox
    crs: str
    taxonomy_digest: str
    cache_key: str = ""
    walkable_ways: int = 0
    repairs: tuple[tuple[str, int], ...] = ()
    """What was mended while reading the source (ways cut at its edge, ...), by kind."""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def to_json(self) -> dict[str, Any]:
        doc = self.__dict__.copy()
        doc["bbox"] = list(self.bbox)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DistrictMeta:
        data = dict(doc)
        data["bbox"] = tuple(float(v) for v in data["bbox"])
        data["repairs"] = tuple((str(k), int(n)) for k, n in data.get("repairs", ()))
        return cls(**data)


@dataclass(frozen=True, eq=False)
class District:
    """Everything the analysis needs about one study area (geometries in WGS-84)."""

    meta: DistrictMeta
    network: WalkNetwork
    facilities: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    facility_areas: gpd.GeoDataFrame = field(default_factory=lambda: empty_facility_areas())
    timings_s: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def boundary(self) -> Polygon:
        return box(*self.meta.bbox)

    def facility_counts(self) -> dict[str, int]:
        counts = self.facilities["category"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def with_facilities(self, extra: gpd.GeoDataFrame) -> District:
        """A copy with user-supplied facilities appended (their ``source`` is kept)."""
        if extra.empty:
            return self
        add = extra.to_crs("EPSG:4326").copy()
        start = len(self.facilities)
        if "facility_id" not in add.columns:
            add["facility_id"] = [f"u{start + i + 1}" for i in range(len(add))]
        if "osm_id" not in add.columns:
            add["osm_id"] = ""
        add["lon"] = add.geometry.x
        add["lat"] = add.geometry.y
        merged = pd.concat(
            [self.facilities, add[[*FACILITY_COLUMNS, "geometry"]]], ignore_index=True
        )
        return replace(
            self, facilities=gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
        )


def empty_facility_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        pd.DataFrame(columns=FACILITY_AREA_COLUMNS), geometry=[], crs="EPSG:4326"
    )
