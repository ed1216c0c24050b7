"""The shared sidebar: language, category, tier, walking speed, basemap."""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from dashboard import loaders, state
from dashboard.loaders import DataSource, UploadedInventory
from dashboard.population import population_key
from dashboard.progress import LoadProgress
from dashboard.text import escape_markdown
from dashboard.upload_errors import show_error
from geo.access.analysis import Analysis
from geo.errors import LifecircleError
from geo.settings import DEFAULT_WALK_SPEED_KMH
from lifecircle.i18n import LANGS, pick_lang, t
from lifecircle.maps.basemaps import BASEMAP_CHOICES


@dataclass(frozen=True)
class Context:
    """What every page needs: the language, the analysis and the sidebar's choices."""

    lang: str
    analysis: Analysis
    analysis_key: str
    category: str
    tier_minutes: int | None  # None = each category's own tier
    speed_kmh: float
    basemap: str
    colour_by: str
    tianditu_key: str | None

    @property
    def tier_m(self) -> float:
        if self.tier_minutes is None:
            return self.analysis.taxonomy.get(self.category).distance_m
        for tier in self.analysis.taxonomy.tiers.values():
            if tier.walk_minutes == self.tier_minutes:
                return tier.distance_m
        return self.analysis.taxonomy.get(self.category).distance_m


def current_lang() -> str:
    """The language: the sidebar's choice, else ``?lang=``, else the browser's locale."""
    if state.LANG not in st.session_state:
        query = st.query_params.get("lang")
        st.session_state[state.LANG] = pick_lang(query, st.context.locale)
    return str(st.session_state[state.LANG])


# Sidebar widgets whose options are shown through t(): their text changes with the language.
TRANSLATED_WIDGETS = (state.CATEGORY, state.TIER, state.STANDARD, state.BASEMAP, state.COLOUR_BY)


def language_picker() -> str:
    lang = current_lang()
    choice = st.sidebar.segmented_control(
        t("language", lang),
        options=list(LANGS),
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        default=lang,
        key="lang_picker",
    )
    if choice and choice != lang:
        st.session_state[state.LANG] = choice
        st.query_params["lang"] = choice
        # The browser keeps a select box's or radio's option *text*: re-set the values so
        # that the next run sends them formatted in the new language (else the sidebar
        # shows stale English options and radios with nothing selected).
        for key in TRANSLATED_WIDGETS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        st.rerun()
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def data_source() -> tuple[DataSource, UploadedInventory | None]:
    source = st.session_state.get(state.SOURCE) or loaders.default_source()
    inventory = st.session_state.get(state.INVENTORY)
    return source, inventory


CONTEXT_KEY = "_context"


def page_context() -> Context | None:
    """The context the entrypoint's sidebar computed for this run."""
    ctx = st.session_state.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, Context) else None


def require_context() -> Context:
    """The context of this run; stops the page (the sidebar said why) when there is none."""
    ctx = page_context()
    if ctx is None:
        st.stop()
    return ctx


def render_sidebar() -> Context | None:
    """Draw the sidebar and load the analysis it asks for (None if that failed)."""
    st.session_state[CONTEXT_KEY] = None
    ctx = _render_sidebar()
    st.session_state[CONTEXT_KEY] = ctx
    return ctx


def _render_sidebar() -> Context | None:
    lang = language_picker()
    source, inventory = data_source()
    inv_key = inventory.key if inventory else "-"
    taxonomy = loaders.base_taxonomy()
    ids = taxonomy.ids

    with st.sidebar:
        if state.CATEGORY not in st.session_state:
            # Open on a category the sample data actually has (OSM has no elderly care
            # in Lujiazui), so the first map means something.
            st.session_state[state.CATEGORY] = "health_centre" if "health_centre" in ids else ids[0]
        category = st.selectbox(
            t("category", lang),
            options=ids,
            format_func=lambda c: taxonomy.get(c).name(lang),
            key=state.CATEGORY,
        )
        # 0 = each category's own tier (not None: a select box shows None as "no choice").
        tier_options = [0, *sorted(t_.walk_minutes for t_ in taxonomy.tiers.values())]
        tier = st.selectbox(
            t("tier", lang),
            options=tier_options,
            format_func=lambda m: t("own_tier", lang) if not m else f"{m} {t('minutes', lang)}",
            key=state.TIER,
        )
        speed = float(
            st.slider(t("speed", lang), 2.0, 6.0, DEFAULT_WALK_SPEED_KMH, 0.5, key=state.SPEED)
        )
        standard = st.radio(
            t("standard", lang),
            options=["gb", "speed"],
            format_func=lambda s: t(f"standard_{s}", lang),
            key=state.STANDARD,
        )
        basemap = st.selectbox(
            t("basemap", lang),
            options=list(BASEMAP_CHOICES),  # the offline one first: the default
            format_func=lambda b: t(f"basemap_{b}", lang),
            key=state.BASEMAP,
        )
        tianditu_key = os.environ.get("TIANDITU_KEY") or None
        if basemap == "tianditu" and not tianditu_key:
            st.caption(t("tianditu_key_missing", lang))
        colour_by = st.radio(
            t("street_colour", lang),
            options=["time", "count"],
            format_func=lambda c: t(f"colour_{c}", lang),
            key=state.COLOUR_BY,
        )
    key = loaders.analysis_key(source.key, inv_key, str(standard), speed)
    progress = LoadProgress(lang)  # the stages of loading and analysis, when they run
    try:
        pop_key = population_key(
            loaders.district_with_inventory(source.key, inv_key, source, inventory, progress)[0]
        )
        key += f"|{pop_key}" if pop_key else ""
        analysis = loaders.analysis(
            source.key, inv_key, str(standard), speed, source, inventory, progress, pop_key
        )
    except LifecircleError as exc:
        progress.clear()
        show_error(exc, lang)
        return None
    progress.finish()
    st.sidebar.caption(
        f"{escape_markdown(analysis.district.meta.title(lang))} · {t('osm_attribution', lang)}"
    )
    return Context(
        lang=lang,
        analysis=analysis,
        analysis_key=key,
        category=str(category),
        tier_minutes=int(tier) if tier else None,
        speed_kmh=speed,
        basemap=str(basemap),
        colour_by=str(colour_by),
        tianditu_key=tianditu_key,
    )
