"""The dashboard's side of the population overrides: the cache key and the analysis.

The overrides are saved per district (:func:`geo.population.overrides.population_overrides_path`);
their digest joins the analysis key, so a saved change reruns the analysis (and every
layer keyed by it) and nothing else.
"""

from __future__ import annotations

import streamlit as st

from dashboard.progress import LoadProgress
from geo.access.analysis import Analysis
from geo.district.model import District
from geo.errors import InputFileError
from geo.population.analysis import ElderlySettings, analyse_population
from geo.population.elderly import default_walk_m_per_min
from geo.population.estimate import Population, estimate_population
from geo.population.overrides import (
    PopulationOverrides,
    load_overrides,
    overrides_digest,
    population_overrides_path,
)
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy


def population_key(district: District) -> str:
    """The digest of the district's saved overrides (empty when none are saved)."""
    return overrides_digest(population_overrides_path(district.meta.name))


def saved_overrides(district: District) -> tuple[PopulationOverrides, str | None]:
    """The saved overrides, and the error that made them unreadable (then none are used)."""
    try:
        return load_overrides(population_overrides_path(district.meta.name)), None
    except InputFileError as exc:
        return PopulationOverrides(), str(exc)


def analyse_with_overrides(
    district: District,
    taxonomy: Taxonomy,
    speed_kmh: float,
    progress: LoadProgress | None,
    *,
    retiered: bool = False,
) -> Analysis:
    """The analysis on the corrected residents (an elderly speed above the walk is unused).

    ``retiered``: the taxonomy's distances are the sidebar speed's (else GB 50180's 4 km/h).
    """
    overrides, _ = saved_overrides(district)
    base_kmh = speed_kmh if retiered else DEFAULT_WALK_SPEED_KMH
    walk = overrides.elderly_walk_m_per_min
    if walk is not None and walk > default_walk_m_per_min(base_kmh):
        walk = None
    analysis, _ = analyse_population(
        district,
        taxonomy,
        overrides=overrides,
        elderly=ElderlySettings(walk_m_per_min=walk, distances_speed_kmh=base_kmh),
        speed_kmh=speed_kmh,
        progress=progress.stage("stage_analysis") if progress else None,
    )
    return analysis


@st.cache_resource(show_spinner=False, max_entries=8)
def population_table(key: str, _district: District) -> Population:
    """The per-compound table for the saved overrides (cached by the analysis key)."""
    overrides, _ = saved_overrides(_district)
    return estimate_population(_district, overrides=overrides)
