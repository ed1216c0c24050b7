"""One analysis of a district: distances, homes, coverage and gaps, ready to show or export."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.coverage import CoverageReport, compute_coverage, home_distances, served_matrix
from geo.access.edits import recount_lowered
from geo.access.engine import AccessResult, DistanceEngine, compute_access
from geo.access.homes import PopulationSettings, build_homes
from geo.access.snapping import ACCESS_COLUMNS, join_lonlat, joined_kind, snap_facilities
from geo.district.model import District
from geo.errors import NetworkError
from geo.gc_pause import paused_gc
from geo.progress import Progress, report
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Analysis:
    """The results of analysing one district with one taxonomy."""

    district: District
    taxonomy: Taxonomy
    engine: DistanceEngine
    facilities: gpd.GeoDataFrame  # snapped: node_pos, node_id, snap_m (the cheapest way in)
    access: AccessResult
    homes: gpd.GeoDataFrame
    home_dist_m: FloatArray
    served: BoolArray
    coverage: CoverageReport
    speed_kmh: float = DEFAULT_WALK_SPEED_KMH
    timings_s: dict[str, float] = field(default_factory=dict)
    facility_access: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=ACCESS_COLUMNS)
    )
    """Every way into every facility: ``facility_id, category, node_pos, node_id, cost_m``."""
    population: Mapping[str, Any] = field(default_factory=dict)
    """What ``summary.json`` says about the residents (:mod:`geo.population`), if given."""

    @property
    def limit_m(self) -> float:
        return self.access.limit_m

    @property
    def categories(self) -> tuple[str, ...]:
        return self.access.categories

    def reached_count(self) -> npt.NDArray[np.int64]:
        """Per node, how many categories are reached within their own tier."""
        tiers = np.array([self.taxonomy.get(c).distance_m for c in self.categories])
        return np.asarray((self.access.dist_m <= tiers[:, None]).sum(axis=0), dtype=np.int64)


def recount(
    access: AccessResult,
    homes: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    *,
    before: Analysis | None = None,
    changed: Sequence[str] | None = None,
    lowered: Mapping[str, IntArray | None] | None = None,
) -> tuple[FloatArray, BoolArray, CoverageReport]:
    """Home distances, who is served and the coverage tables for ``access``.

    With ``before`` (an analysis of the same homes and categories) and ``changed`` (the
    categories whose distances moved), only those rows are recounted: a workshop edit on
    a whole district touches one category, not all of them. ``lowered`` narrows a
    changed category further to the nodes whose distance fell (an addition): only the
    homes on those nodes are recounted (:mod:`geo.access.edits`).
    """
    if before is not None and (changed is not None or lowered is not None):
        rows: dict[str, IntArray | None] = dict.fromkeys(changed or ())
        rows.update(lowered or {})
        return recount_lowered(
            access,
            homes,
            taxonomy,
            home_dist_m=before.home_dist_m,
            served=before.served,
            lowered=rows,
            coverage_before=before.coverage,
        )
    home_dist = home_distances(access, homes)
    served = served_matrix(home_dist, taxonomy, access.categories)
    coverage = compute_coverage(
        home_dist,
        homes["population"].to_numpy(dtype=float),
        taxonomy=taxonomy,
        categories=access.categories,
        has_data=access.rows_with_data(),
    )
    return home_dist, served, coverage


@paused_gc()  # its millions of new objects hold no cycles (see geo.gc_pause)
def analyse(
    district: District,
    taxonomy: Taxonomy,
    *,
    speed_kmh: float = DEFAULT_WALK_SPEED_KMH,
    population: PopulationSettings | None = None,
    homes: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Distances from every node to every category, then who is served."""
    if not (speed_kmh > 0 and np.isfinite(speed_kmh)):
        raise NetworkError(f"walking speed must be a positive number of km/h, not {speed_kmh}")
    t0 = time.perf_counter()
    report(progress, "joining facilities to the streets", 0.05)
    engine = DistanceEngine.for_network(district.network, limit_m=taxonomy.limit_m)
    snapped, access_rows = snap_facilities(
        district.network,
        district.facilities,
        areas=district.facility_areas,
        entrances=district.entrances,
    )
    facilities = gpd.GeoDataFrame(
        snapped, geometry=district.facilities.geometry.to_numpy(), crs="EPSG:4326"
    )
    t1 = time.perf_counter()
    report(progress, "walking distances", 0.35)
    access = compute_access(
        engine, access_rows, categories=tuple(taxonomy.ids), node_ids=district.network.node_ids
    )
    t2 = time.perf_counter()
    report(progress, "homes and residents served", 0.5)
    if homes is None:
        homes = build_homes(
            district.buildings, district.areas, district.network, settings=population
        )
    home_dist, served, coverage = recount(access, homes, taxonomy)
    t3 = time.perf_counter()
    report(progress, "analysis done", 1.0)
    timings = dict(district.timings_s)
    timings.update(
        {"network": timings.get("network", 0.0) + (t1 - t0), "access": t2 - t1, "coverage": t3 - t2}
    )
    return Analysis(
        district=district,
        taxonomy=taxonomy,
        engine=engine,
        facilities=facilities,
        access=access,
        homes=homes,
        home_dist_m=home_dist,
        served=served,
        coverage=coverage,
        speed_kmh=speed_kmh,
        timings_s=timings,
        facility_access=access_rows,
    )


def add_facility(
    analysis: Analysis,
    *,
    category: str,
    lon: float,
    lat: float,
    name: str = "",
    source: str = "scenario",
) -> Analysis:
    """Incremental update: the analysis after one more facility (no full recompute)."""
    analysis.taxonomy.get(category)  # raises a clear TaxonomyError for unknown ids
    network = analysis.district.network
    joined = join_lonlat(network, np.array([lon]), np.array([lat]))
    _, ways_pos, ways_cost = joined.rows()
    dist, lowered = analysis.engine.lower(analysis.access.of(category), ways_pos, ways_cost)
    i = analysis.categories.index(category)
    had = bool(analysis.access.rows_with_data()[i])
    access = analysis.access.with_rows({i: dist}, has_data={i: had or len(lowered) > 0})
    pos, cost = joined.best()
    facility_id = f"s{len(analysis.facilities) + 1}"
    row = {
        "facility_id": facility_id,
        "category": category,
        "name": name,
        "lon": float(lon),
        "lat": float(lat),
        "source": source,
        "osm_id": "",
        "node_pos": int(pos[0]),
        "node_id": int(network.node_ids[pos[0]]),
        "snap_m": float(cost[0]),
        "access_rule": "edge",
        "joined": str(joined_kind(joined)[0]),
        "ways_in": len(ways_pos),
    }
    added = gpd.GeoDataFrame([row], geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    facilities = gpd.GeoDataFrame(
        pd.concat([analysis.facilities, added], ignore_index=True), crs="EPSG:4326"
    )
    rows = pd.DataFrame(
        {
            "facility_id": facility_id,
            "category": category,
            "node_pos": ways_pos,
            "node_id": network.node_ids[ways_pos],
            "cost_m": ways_cost,
        }
    )
    home_dist, served, coverage = recount(
        access, analysis.homes, analysis.taxonomy, before=analysis, lowered={category: lowered}
    )
    return replace(
        analysis,
        access=access,
        facilities=facilities,
        facility_access=pd.concat([analysis.facility_access, rows], ignore_index=True),
        home_dist_m=home_dist,
        served=served,
        coverage=coverage,
    )
