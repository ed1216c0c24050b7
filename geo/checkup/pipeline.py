"""One source's check-up from a plain, picklable description: load, analyse, split by unit.

:class:`CheckupSpec` says everything needed to redo a source's analysis anywhere (in this
process, or on a Dask worker): the source, the taxonomy and facility files, the units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.access.analysis import Analysis
from geo.checkup.indicators import CheckupResult, UnitInput, assemble, unit_indicators, unit_inputs
from geo.checkup.land import LandSettings
from geo.checkup.units import (
    DEFAULT_UNIT_KINDS,
    read_units,
    units_from_district,
    units_in_district,
)
from geo.errors import InputFileError
from geo.population.analysis import analyse_saved_population
from geo.settings import DEFAULT_WALK_SPEED_KMH


@dataclass(frozen=True)
class CheckupSpec:
    """How to analyse one source for the check-up (paths as text: it travels to workers)."""

    source: str
    taxonomy: str | None = None
    facilities: str | None = None
    facilities_crs: str = "wgs84"
    units_file: str | None = None
    units_crs: str = "wgs84"
    unit_kinds: tuple[str, ...] = DEFAULT_UNIT_KINDS
    speed_kmh: float = DEFAULT_WALK_SPEED_KMH
    use_cache: bool = True
    land: LandSettings = field(default_factory=LandSettings)
    population_overrides: str | None = None
    """A population corrections file (default: the district's saved one)."""
    use_population_overrides: bool = True


@dataclass(frozen=True)
class PreparedSource:
    """A source split into unit computations, plus what the summary table needs."""

    name: str
    title_zh: str
    units: gpd.GeoDataFrame
    inputs: list[UnitInput]
    completeness: float
    no_data_items: tuple[str, ...]
    rejected_facilities: int


def analyse_source(spec: CheckupSpec) -> tuple[Analysis, gpd.GeoDataFrame, int]:
    """The analysis of one source and its units (from the boundary file or from OSM)."""
    from geo.district.loader import load_district
    from geo.inputs.coords import parse_coord_system
    from geo.inputs.inventory import read_facility_inventory
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(spec.taxonomy)
    district = load_district(
        spec.source, taxonomy=taxonomy, settings=Settings(use_cache=spec.use_cache)
    )
    rejected = 0
    if spec.facilities is not None:
        result = read_facility_inventory(
            Path(spec.facilities),
            coord_system=parse_coord_system(spec.facilities_crs),
            resolve_category=taxonomy.resolve,
            study_area=district.meta.bbox,
            study_area_title=district.meta.title_en or district.meta.name,
        )
        rejected = len(result.rejected)
        district = district.with_facilities(result.facilities)
    if spec.units_file is not None:
        units = read_units(spec.units_file, coord_system=parse_coord_system(spec.units_crs))
    else:
        units = units_from_district(district, kinds=spec.unit_kinds)
        if units.empty:
            raise InputFileError(
                f"{district.meta.name}: OSM has no named residential compound and no "
                "administrative area (admin_level 8-10) here; give the units with --units FILE"
            )
    units = units_in_district(units, district)
    analysis = analyse_saved_population(
        district,
        taxonomy,
        overrides_path=Path(spec.population_overrides) if spec.population_overrides else None,
        use_saved=spec.use_population_overrides,
        speed_kmh=spec.speed_kmh,
    )
    return analysis, units, rejected


def prepare_source(spec: CheckupSpec) -> PreparedSource:
    """Load and analyse a source, then split it into one small input per unit."""
    analysis, units, rejected = analyse_source(spec)
    meta = analysis.district.meta
    return PreparedSource(
        name=meta.name,
        title_zh=meta.title_zh,
        units=units,
        inputs=unit_inputs(analysis, units, settings=spec.land),
        completeness=analysis.coverage.completeness,
        no_data_items=analysis.coverage.no_data,
        rejected_facilities=rejected,
    )


def run_checkup(spec: CheckupSpec) -> tuple[Analysis, gpd.GeoDataFrame, CheckupResult]:
    """One source, every unit, in this process (what ``lifecircle report`` runs)."""
    analysis, units, _ = analyse_source(spec)
    inputs = unit_inputs(analysis, units, settings=spec.land)
    return analysis, units, assemble([unit_indicators(u) for u in inputs])


def source_summary(prepared: PreparedSource) -> dict[str, Any]:
    return {
        "source": prepared.name,
        "title_zh": prepared.title_zh,
        "units": len(prepared.units),
        "completeness": round(prepared.completeness, 6),
        "no_data_items": list(prepared.no_data_items),
        "rejected_facilities": prepared.rejected_facilities,
    }


__all__ = [
    "CheckupSpec",
    "PreparedSource",
    "analyse_source",
    "prepare_source",
    "run_checkup",
    "source_summary",
]
