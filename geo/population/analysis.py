"""One analysis with the user's population: overrides, elderly share and elderly speed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from geo.access.analysis import Analysis, analyse
from geo.access.completeness import items_with_data
from geo.access.homes import PopulationSettings
from geo.district.model import District
from geo.population.elderly import (
    elderly_served,
    elderly_shares,
    elderly_taxonomy,
)
from geo.population.estimate import Population, estimate_population
from geo.population.overrides import PopulationOverrides, saved_overrides
from geo.progress import Progress
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy


@dataclass(frozen=True)
class ElderlySettings:
    """An elderly share for the district (``None``: not given) and a walking speed."""

    share: float | None = None
    walk_m_per_min: float | None = None
    distances_speed_kmh: float = DEFAULT_WALK_SPEED_KMH
    """The speed the taxonomy's distances assume: GB 50180's are 4 km/h whatever speed the
    minutes are shown at; a taxonomy re-tiered by speed assumes that speed."""


def analyse_population(
    district: District,
    taxonomy: Taxonomy,
    *,
    overrides: PopulationOverrides | None = None,
    elderly: ElderlySettings | None = None,
    speed_kmh: float = DEFAULT_WALK_SPEED_KMH,
    settings: PopulationSettings | None = None,
    progress: Progress | None = None,
) -> tuple[Analysis, Population]:
    """:func:`geo.access.analysis.analyse` on the corrected homes, with a population report.

    The report (``Analysis.population``, written to ``summary.json``) states the rule, the
    share of homes on a default floor count, the compounds overridden and, with an elderly
    share, the elderly residents served by each elderly item.
    """
    ov = overrides or PopulationOverrides()
    old = elderly or ElderlySettings()
    population = estimate_population(district, overrides=ov, settings=settings)
    used = taxonomy
    if old.walk_m_per_min is not None:
        used = elderly_taxonomy(
            taxonomy, walk_m_per_min=old.walk_m_per_min, speed_kmh=old.distances_speed_kmh
        )
    analysis = analyse(
        district, used, speed_kmh=speed_kmh, homes=population.homes, progress=progress
    )
    report = population.report()
    share = old.share if old.share is not None else ov.elderly_share
    compound_shares = {
        k: v.elderly_share for k, v in ov.compounds.items() if v.elderly_share is not None
    }
    shares = elderly_shares(
        population.homes["compound"].to_numpy(),
        district_share=share,
        compound_shares=compound_shares,
    )
    report["elderly"] = {
        "share": share,
        "compound_shares": compound_shares,
        "walk_m_per_min": old.walk_m_per_min,
        "items": []
        if shares is None
        else elderly_served(
            analysis.served,
            analysis.categories,
            population.homes["population"].to_numpy(dtype=float),
            shares,
            distances_m={c: used.get(c).distance_m for c in analysis.categories},
            has_data=dict(
                zip(analysis.categories, items_with_data(analysis.access.dist_m), strict=True)
            ),
        ),
    }
    return replace(analysis, population=report), population


def analyse_saved_population(
    district: District,
    taxonomy: Taxonomy,
    *,
    overrides_path: Path | None = None,
    use_saved: bool = True,
    speed_kmh: float = DEFAULT_WALK_SPEED_KMH,
    progress: Progress | None = None,
) -> Analysis:
    """The analysis every command and page reports: :func:`analyse_population` with the
    district's saved corrections (``overrides_path``, else its ``population.json``; none
    with ``use_saved=False``) and their elderly share and speed, so that ``analyze``,
    ``compare``, ``map``, ``suggest``, ``report``, ``checkup`` and the dashboard count the
    same residents."""
    overrides, _ = saved_overrides(district.meta.name, path=overrides_path, use_saved=use_saved)
    analysis, _ = analyse_population(
        district,
        taxonomy,
        overrides=overrides,
        elderly=ElderlySettings(walk_m_per_min=overrides.elderly_walk_m_per_min),
        speed_kmh=speed_kmh,
        progress=progress,
    )
    return analysis
