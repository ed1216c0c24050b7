"""The cache wrappers of maps rendered once per server (map, scenarios and gaps pages), and
of what of a scenario applies.

Kept apart from :mod:`dashboard.loaders` (whose wrappers they use) so that each stays a
readable size; the same rules hold: plain-string keys, ``_``-prefixed unhashed objects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import folium
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
    extra_key: str = "",
    _extra: Callable[[], Sequence[folium.FeatureGroup]] | None = None,
    extra_legends: tuple[str, ...] = (),
) -> MapFrame:
    """The map page's map (small districts), rendered for the map component.

    ``_extra`` builds more layers for it (the areas' choropleth); ``extra_key`` says
    everything they are built from; ``extra_legends`` are their legend sections."""
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
        extra_groups=_extra() if _extra is not None else (),
        extra_legends=extra_legends,
    )
    make_offline(fmap, mode="served")
    return render_frame(fmap, group_names=group_names, static_dir=loaders.STATIC_DIR)


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
    return render_frame(fmap, group_names=group_names, static_dir=loaders.STATIC_DIR)


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


@st.cache_resource(show_spinner=False, max_entries=32)
def rendered_map(
    key: str,
    group_names: tuple[str, ...],
    layer_control: bool,
    _build: Callable[[], folium.Map],
) -> MapFrame:
    """A map rendered once per server for ``key`` (everything it is built from), with the
    names of the groups sessions add and whether it has a layer control
    (:func:`dashboard.map_frame.render_frame`); concurrent first requests wait for one build.

    ``_build`` makes the map on a miss only; its result is shared, immutable text."""
    return render_frame(
        _build(),
        group_names=group_names,
        layer_control=layer_control,
        static_dir=loaders.STATIC_DIR,
    )


def secret_digest(secret: str | None) -> str:
    """A cache key part for a key that must not be kept in clear."""
    return hashlib.sha256((secret or "").encode("utf-8")).hexdigest()[:16]
