"""Every ``st.cache_data``/``st.cache_resource`` wrapper of the dashboard.

Loaded objects are keyed by plain strings (a data source key, a speed) so that Streamlit
never hashes a District or an Analysis.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard.progress import LoadProgress

# Re-exported (``x as x``): pages call ``loaders.scenario_store(district)`` and the like.
from dashboard.userfiles import database_folder as database_folder
from dashboard.userfiles import minutes_folder as minutes_folder
from dashboard.userfiles import sample_survey as sample_survey
from dashboard.userfiles import save_upload as save_upload
from dashboard.userfiles import scenario_store as scenario_store
from dashboard.userfiles import uploads_folder as uploads_folder
from dashboard.userfiles import user_data as user_data
from geo.access.analysis import Analysis, analyse
from geo.access.gaps import gap_hexagons
from geo.district.loader import load_district
from geo.district.model import District
from geo.scenarios.apply import apply_scenario
from geo.scenarios.compare import Comparison, compare
from geo.scenarios.model import Scenario
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy, load_taxonomy, retier_by_speed
from geo.surveys.result import ScoreKind
from lifecircle.dashboard_source import SOURCE_ENV
from lifecircle.maps import MapLayers, compute_map_layers
from lifecircle.maps.offline import prepare_served_assets
from lifecircle.maps.overview import Overview, compute_overview
from lifecircle.maps.view_layers import ViewData, compute_view_data
from lifecircle.maps.viewport import ViewportSettings

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class DataSource:
    """Where the district comes from: ``kind`` is bundled, file or overpass."""

    kind: str
    value: str  # district name, file path or query text
    label: str
    bbox: tuple[float, float, float, float] | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}:{self.bbox}"


@dataclass(frozen=True)
class UploadedInventory:
    """A facility inventory the user uploaded, stored by content hash."""

    path: str
    coord_system: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.path}:{self.coord_system}"


DEFAULT_SOURCE = DataSource(kind="bundled", value="lujiazui", label="lujiazui")


def default_source() -> DataSource:
    """What a new session opens on: ``lifecircle dashboard SOURCE`` (passed as
    ``$LIFECIRCLE_DASHBOARD_SOURCE``: a bundled name or a file path), else Lujiazui."""
    import os

    from geo.district.loader import bundled_districts

    value = (os.environ.get(SOURCE_ENV) or "").strip()
    if not value:
        return DEFAULT_SOURCE
    if value in bundled_districts():
        return DataSource(kind="bundled", value=value, label=value)
    return DataSource(kind="file", value=value, label=Path(value).name)


@st.cache_resource(show_spinner=False)
def vendor_assets() -> Path:
    """Copy the map's JS/CSS from the installed packages into the served static folder."""
    return prepare_served_assets(STATIC_DIR)


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner=False)
def base_taxonomy() -> Taxonomy:
    return load_taxonomy()


def taxonomy_for(standard: str, speed_kmh: float) -> Taxonomy:
    base = base_taxonomy()
    return retier_by_speed(base, speed_kmh=speed_kmh) if standard == "speed" else base


@st.cache_resource(show_spinner=False, max_entries=6)
def district(
    source_key: str, _source: DataSource, _progress: LoadProgress | None = None
) -> District:
    taxonomy = base_taxonomy()
    if _source.kind == "overpass":
        from geo.district.online import load_overpass_district

        if _source.bbox is not None:
            return load_overpass_district(bbox=_source.bbox, taxonomy=taxonomy, settings=settings())
        return load_overpass_district(place=_source.value, taxonomy=taxonomy, settings=settings())
    return load_district(
        _source.value,
        taxonomy=taxonomy,
        settings=settings(),
        bbox=_source.bbox,
        progress=_progress.stage("stage_district") if _progress else None,
    )


@st.cache_resource(show_spinner=False, max_entries=6)
def district_with_inventory(
    source_key: str,
    inventory_key: str,
    _source: DataSource,
    _inventory: UploadedInventory | None,
    _progress: LoadProgress | None = None,
) -> tuple[District, tuple[object, ...]]:
    """The district plus the uploaded facilities, and the rejected rows."""
    base = district(source_key, _source, _progress)
    if _inventory is None:
        return base, ()
    from geo.inputs.coords import parse_coord_system
    from geo.inputs.inventory import read_facility_inventory

    result = read_facility_inventory(
        Path(_inventory.path),
        coord_system=parse_coord_system(_inventory.coord_system),
        resolve_category=base_taxonomy().resolve,
        study_area=base.meta.bbox,
        study_area_title=base.meta.title_en or base.meta.name,
    )
    return base.with_facilities(result.facilities), tuple(result.rejected)


@st.cache_resource(show_spinner=False, max_entries=12)
def analysis(
    source_key: str,
    inventory_key: str,
    standard: str,
    speed_kmh: float,
    _source: DataSource,
    _inventory: UploadedInventory | None,
    _progress: LoadProgress | None = None,
    population_key: str = "",
) -> Analysis:
    d, _ = district_with_inventory(source_key, inventory_key, _source, _inventory, _progress)
    if population_key:  # the district's saved population overrides (the population page)
        from dashboard.population import analyse_with_overrides

        taxonomy = taxonomy_for(standard, speed_kmh)
        retiered = standard == "speed"
        return analyse_with_overrides(d, taxonomy, speed_kmh, _progress, retiered=retiered)
    return analyse(
        d,
        taxonomy_for(standard, speed_kmh),
        speed_kmh=speed_kmh,
        progress=_progress.stage("stage_analysis") if _progress else None,
    )


def analysis_key(source_key: str, inventory_key: str, standard: str, speed_kmh: float) -> str:
    return f"{source_key}|{inventory_key}|{standard}|{speed_kmh:g}"


@st.cache_resource(show_spinner=False, max_entries=64)
def map_layers(key: str, category: str, _analysis: Analysis) -> MapLayers:
    return compute_map_layers(_analysis, category)


@st.cache_resource(show_spinner=False, max_entries=16)
def hexagons(key: str, _analysis: Analysis) -> gpd.GeoDataFrame:
    from geo.access.compound_names import with_compound_names

    a = _analysis
    # Named by the compound (小区) that covers them, for tables people can act on.
    return with_compound_names(
        gap_hexagons(a.homes, a.served, categories=a.categories), a.district.areas
    )


@st.cache_data(show_spinner=False, max_entries=64)
def cell_compounds(key: str, cells: tuple[str, ...], _analysis: Analysis) -> list[str]:
    """The compound (小区) covering each H3 cell, "" where none does."""
    from geo.access.compound_names import compound_names_for_cells

    return [str(n) for n in compound_names_for_cells(cells, _analysis.district.areas)]


def coverage_frame(a: Analysis, lang: str) -> pd.DataFrame:
    """The coverage table with translated headers."""
    from lifecircle.i18n import t

    cov = a.coverage.by_category
    counts = a.facilities["category"].value_counts()
    return pd.DataFrame(
        {
            t("col_category", lang): [a.taxonomy.get(c).name(lang) for c in cov.index],
            t("col_tier", lang): [f"{int(m)} {t('minutes', lang)}" for m in cov["tier_minutes"]],
            t("col_tier_m", lang): cov["tier_m"].round(0).astype(int).to_numpy(),
            t("col_facilities", lang): [int(counts.get(c, 0)) for c in cov.index],
            t("col_served", lang): cov["served"].round(0).astype(int).to_numpy(),
            t("col_not_served", lang): cov["not_served"].round(0).astype(int).to_numpy(),
            t("col_share", lang): (cov["share"] * 100).round(1).to_numpy(),
        }
    )


def _scenario_key(scenario: Scenario) -> str:
    body = "|".join(sorted(i.signature() for i in scenario.interventions))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]


@st.cache_resource(show_spinner=False, max_entries=64)
def _scenario_analysis(
    key: str, scenario_key: str, _scenario: Scenario, _base: Analysis
) -> Analysis:
    return apply_scenario(_base, _scenario)


def scenario_analysis(analysis_key: str, scenario: Scenario, base: Analysis) -> Analysis:
    """The scenario applied to the baseline (cached by the interventions' content)."""
    return _scenario_analysis(analysis_key, _scenario_key(scenario), scenario, base)


@st.cache_resource(show_spinner=False, max_entries=64)
def _scenario_comparison(
    key: str, scenario_key: str, _base: Analysis, _after: Analysis
) -> Comparison:
    return compare(_base, _after)


def scenario_comparison(
    analysis_key: str, scenario: Scenario, base: Analysis, after: Analysis
) -> Comparison:
    return _scenario_comparison(analysis_key, _scenario_key(scenario), base, after)


def side_by_side(a: object, b: object, lang: str) -> pd.DataFrame:
    """Residents served per category in two analyses (baseline or scenarios)."""
    from lifecircle.i18n import t

    assert isinstance(a, Analysis) and isinstance(b, Analysis)
    ca, cb = a.coverage.by_category, b.coverage.by_category
    rows = pd.DataFrame(
        {
            t("col_category", lang): [a.taxonomy.get(c).name(lang) for c in ca.index],
            "A": ca["served"].round(0).astype(int).to_numpy(),
            "A %": (ca["share"] * 100).round(1).to_numpy(),
            "B": cb["served"].round(0).astype(int).to_numpy(),
            "B %": (cb["share"] * 100).round(1).to_numpy(),
            "B − A": (cb["served"] - ca["served"]).round(0).astype(int).to_numpy(),
        }
    )
    total = pd.DataFrame(
        {
            t("col_category", lang): [t("metric_completeness", lang)],
            "A": [round(a.coverage.completeness_residents)],
            "A %": [round(a.coverage.completeness * 100, 1)],
            "B": [round(b.coverage.completeness_residents)],
            "B %": [round(b.coverage.completeness * 100, 1)],
            "B − A": [round(b.coverage.completeness_residents - a.coverage.completeness_residents)],
        }
    )
    return pd.concat([rows, total], ignore_index=True)


@st.cache_resource(show_spinner=False, max_entries=16)
def survey(key: str, path: str, coord_system: str, score_kind: str, _district: District) -> object:
    from geo.surveys.read import read_survey

    # read_survey refuses a kind it does not know with a planner-readable error.
    return read_survey(
        Path(path),
        taxonomy=base_taxonomy(),
        district=_district,
        coord_system=coord_system,
        score_kind=cast("ScoreKind", score_kind),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def priorities(
    key: str, by: str, _analysis: Analysis, _responses: gpd.GeoDataFrame
) -> pd.DataFrame:
    from geo.surveys.priorities import rank_priorities

    return rank_priorities(_analysis, _responses, by=by)  # type: ignore[arg-type]


# --- a dashboard that stays quick on a whole district (the scale path) ------------------------
def viewport_settings() -> ViewportSettings:
    """When the map sends only what is in view (``$LIFECIRCLE_LARGE_MAP_NODES`` moves the
    threshold; read on every run, so a test can force the scale path)."""
    return ViewportSettings.from_env()


@st.cache_resource(show_spinner=False, max_entries=32)
def overview(
    key: str,
    category: str,
    within_m: float,
    _analysis: Analysis,
    _progress: LoadProgress | None = None,
) -> Overview:
    return compute_overview(
        _analysis,
        category=category,
        within_m=within_m,
        settings=viewport_settings(),
        progress=_progress.stage("stage_layers") if _progress else None,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def overview_documents(
    key: str, category: str, within_m: float, lang: str, basemap: str, _analysis: Analysis
) -> dict[str, str]:
    """The district-zoom layers as GeoJSON text (``within_m`` picks the cached overview)."""
    from lifecircle.maps.overview import overview_documents as documents

    found = overview(key, category, within_m, _analysis)
    return documents(_analysis, found, lang=lang, basemap=basemap)


@st.cache_resource(show_spinner=False, max_entries=64)
def overview_urls(
    key: str, category: str, within_m: float, lang: str, basemap: str, _analysis: Analysis
) -> dict[str, str]:
    """The district-zoom layers written to the static folder once; their URLs."""
    from lifecircle.maps.served_layers import publish_geojson

    docs = overview_documents(key, category, within_m, lang, basemap, _analysis)
    return {layer: publish_geojson(STATIC_DIR, doc) for layer, doc in docs.items()}


@st.cache_resource(show_spinner=False, max_entries=12)
def view_data(key: str, _analysis: Analysis, _progress: LoadProgress | None = None) -> ViewData:
    return compute_view_data(
        _analysis, progress=_progress.stage("stage_layers") if _progress else None
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def click_reach(
    key: str, lon: float, lat: float, speed_kmh: float, lang: str, _analysis: Analysis
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The isochrone and reach table of a clicked point (a rerun after a pan reuses them)."""
    from geo.access.service_areas import isochrone
    from lifecircle.maps import reach_table

    # No index to wait for: a click's reach is buffered directly (geo.access.reach).
    a = _analysis
    iso = isochrone(
        a.district.network, a.engine, lon=lon, lat=lat, within_m=(a.limit_m,), speed_kmh=speed_kmh
    )
    table = reach_table(a, lon=lon, lat=lat, speed_kmh=speed_kmh, lang=lang)
    return iso, table


@st.cache_resource(show_spinner=False, max_entries=16)
def candidate_sites(
    key: str,
    sources: tuple[str, ...],
    file_path: str | None,
    file_crs: str,
    clicks: tuple[tuple[float, float], ...],
    _district: District,
) -> tuple[object, tuple[object, ...]]:
    """Candidate sites joined to the network, and the rows of the file left out."""
    from geo.inputs.coords import parse_coord_system
    from geo.siting.candidate_files import read_candidate_file
    from geo.siting.candidates import (
        concat_candidates,
        district_candidates,
        join_candidates,
        point_candidates,
    )

    frames = [district_candidates(_district, sources=sources)] if sources else []
    rejected: tuple[object, ...] = ()
    if file_path:
        given = read_candidate_file(Path(file_path), coord_system=parse_coord_system(file_crs))
        frames.append(given.candidates)
        rejected = tuple(given.rejected)
    if clicks:
        frames.append(point_candidates(list(clicks)))
    return join_candidates(_district, concat_candidates(frames)), rejected


@st.cache_resource(show_spinner=False, max_entries=16)
def suggestion(
    key: str,
    category: str,
    k: int | None,
    target: float | None,
    survey_path: str | None,
    survey_crs: str,
    _analysis: Analysis,
    _candidates: object,
) -> object:
    """A site suggestion (:func:`geo.siting.results.suggest_sites`), weighted by a survey's
    stated needs when ``survey_path`` is given; cached by ``key``."""
    from geo.siting.results import suggest_sites
    from geo.siting.weights import need_weights
    from geo.surveys.read import read_survey

    weight = None
    if survey_path:
        responses = read_survey(
            Path(survey_path),
            taxonomy=_analysis.taxonomy,
            district=_analysis.district,
            coord_system=survey_crs,
        ).responses
        weight = need_weights(_analysis, responses, category)
    return suggest_sites(
        _analysis,
        category,
        _candidates,  # type: ignore[arg-type]
        k=k,
        target=target,
        weight=weight,
    )


# --- deliberation (议事) ------------------------------------------------------------------------
FACILITATOR_KEY_ENV = "LIFECIRCLE_FACILITATOR_KEY"


@st.cache_resource(show_spinner=False)
def deliberation_store() -> object:
    """The deliberation record: ``$LIFECIRCLE_DB_URL``, else SQLite in :func:`database_folder`."""
    from geo.deliberation.database import database_url
    from geo.deliberation.store import DeliberationStore

    return DeliberationStore(database_url(database_folder()))


@st.cache_resource(show_spinner=False)
def facilitator_key() -> str:
    """``$LIFECIRCLE_FACILITATOR_KEY``, else a random key printed once in the server log."""
    import os
    import secrets

    key = (os.environ.get(FACILITATOR_KEY_ENV) or "").strip()
    if not key:
        key = secrets.token_urlsafe(12)
        print(f"lifecircle: {FACILITATOR_KEY_ENV} is not set; facilitator key: {key}", flush=True)
    return key


@st.cache_resource(show_spinner=False, max_entries=8)
def checkup(
    analysis_key: str, units_key: str, _analysis: Analysis, _units: gpd.GeoDataFrame
) -> object:
    """The check-up of an analysis over its units (indicators, per-item table, ledger)."""
    from geo.checkup.indicators import compute_checkup

    return compute_checkup(_analysis, _units)


@st.cache_resource(show_spinner=False, max_entries=8)
def boundary_units(path: str, coord_system: str) -> gpd.GeoDataFrame:
    from geo.checkup.units import read_units
    from geo.inputs.coords import parse_coord_system

    return read_units(path, coord_system=parse_coord_system(coord_system))


# --- one map per server (issue 16 item 7) ------------------------------------------------------
