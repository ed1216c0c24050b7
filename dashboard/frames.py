"""The cache wrappers of the workshop flow: maps rendered once, and what of a scenario applies.

Kept apart from :mod:`dashboard.loaders` (whose wrappers they use) so that each stays a
readable size; the same rules hold: plain-string keys, ``_``-prefixed unhashed objects.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboard import loaders
from dashboard.map_frame import MapFrame, render_frame
from dashboard.workshop import Applicable, applicable_part
from geo.access.analysis import Analysis
from geo.scenarios.model import Scenario
from lifecircle import maps
from lifecircle.maps.offline import make_offline
from lifecircle.maps.scenario_map import build_scenario_base_map


@st.cache_resource(show_spinner=False, max_entries=16)
def map_frame(
    key: str,
    category: str,
    lang: str,
    basemap: str,
    colour_by: str,
    within_m: float,
    speed_kmh: float,
    tianditu_key: str | None,
    group_names: tuple[str, ...],
    _analysis: Analysis,
) -> MapFrame:
    """The map page's map (small districts), rendered for the map component."""
    fmap = maps.build_map(
        _analysis,
        loaders.map_layers(key, category, _analysis),
        category=category,
        lang=lang,
        basemap=basemap,
        speed_kmh=speed_kmh,
        colour_by=colour_by,
        within_m=within_m,
        tianditu_key=tianditu_key,
        layer_control=False,
    )
    make_offline(fmap, mode="served")
    return render_frame(fmap, group_names=group_names)


@st.cache_resource(show_spinner=False, max_entries=16)
def scenario_frame(
    key: str,
    category: str,
    lang: str,
    basemap: str,
    colour_by: str,
    speed_kmh: float,
    tianditu_key: str | None,
    group_names: tuple[str, ...],
    _analysis: Analysis,
) -> MapFrame:
    """The scenarios page's map of the baseline (with the draw tool), rendered once."""
    fmap = build_scenario_base_map(
        _analysis,
        category=category,
        lang=lang,
        basemap=basemap,
        speed_kmh=speed_kmh,
        colour_by=colour_by,
        tianditu_key=tianditu_key,
    )
    make_offline(fmap, mode="served")
    return render_frame(fmap, group_names=group_names)


def _content_key(scenario: Scenario) -> str:
    """The scenario's interventions, as a key (their order does not matter)."""
    body = "|".join(sorted(i.signature() for i in scenario.interventions))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]


@st.cache_resource(show_spinner=False, max_entries=64)
def _applicable(key: str, scenario_key: str, _scenario: Scenario, _base: Analysis) -> Applicable:
    return applicable_part(_scenario, lambda s: loaders.scenario_analysis(key, s, _base))


def applicable(analysis_key: str, scenario: Scenario, base: Analysis) -> Applicable:
    """What of ``scenario`` applies to the district (``dashboard.workshop.Applicable``)."""
    return _applicable(analysis_key, _content_key(scenario), scenario, base)
