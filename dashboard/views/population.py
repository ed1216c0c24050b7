"""Residents page: the population assumption per compound (小区), and the user's corrections."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import loaders
from dashboard.population import population_table, saved_overrides
from dashboard.sidebar import require_context
from geo.errors import LifecircleError
from geo.population.building_file import read_building_file
from geo.population.compounds import OUTSIDE
from geo.population.overrides import (
    CompoundOverride,
    PopulationOverrides,
    population_overrides_path,
    save_overrides,
)
from lifecircle.i18n import t

REPORT_KEY = "pop_report"


def plain(text: object) -> str:
    """User or OSM text shown through markdown: every markdown character escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


def compound_label(key: str, name: str, lang: str) -> str:
    if key == OUTSIDE:
        return t("pop_outside", lang)
    return name or t("pop_unnamed", lang, osm_id=key)


def compound_frame(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The compound table with localized headers and names (shown, never exported raw)."""
    kinds = {
        "floors": t("pop_override_floors", lang),
        "residents": t("pop_override_residents", lang),
    }
    return pd.DataFrame(
        {
            t("pop_col_compound", lang): [
                compound_label(k, n, lang)
                for k, n in zip(table["compound"], table["name"], strict=True)
            ],
            t("pop_col_homes", lang): table["homes"],
            t("pop_col_with_levels", lang): table["with_levels"],
            t("pop_col_with_height", lang): table["with_height"],
            t("pop_col_from_file", lang): table["from_file"],
            t("pop_col_defaulted", lang): table["defaulted"],
            t("pop_col_floors", lang): [
                f"{lo:g}–{mean:.1f}–{hi:g}"
                for lo, mean, hi in zip(
                    table["floors_min"], table["floors_mean"], table["floors_max"], strict=True
                )
            ],
            t("pop_col_estimated", lang): table["residents_estimated"].round(0),
            t("pop_col_residents", lang): table["residents"].round(0),
            t("pop_col_override", lang): [kinds.get(k, "") for k in table["override"]],
            t("pop_col_elderly", lang): [
                "" if v is None or pd.isna(v) else f"{v * 100:.0f}%" for v in table["elderly_share"]
            ],
        }
    )


def save(overrides: PopulationOverrides) -> None:
    path = population_overrides_path(district.meta.name)
    try:
        save_overrides(path, overrides)
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {plain(exc)}")
        return
    st.session_state[REPORT_KEY] = {"saved": str(path)}
    st.rerun()


ctx = require_context()
lang, a = ctx.lang, ctx.analysis
district = a.district
st.title(f"{t('pop_title', lang)} · {district.meta.title(lang)}")
overrides, problem = saved_overrides(district)
if problem:
    st.warning(t("pop_overrides_error", lang, error=plain(problem)))
with st.spinner(t("computing", lang)):
    population = population_table(ctx.analysis_key, district)
cfg = population.settings
st.caption(
    t(
        "pop_rule",
        lang,
        per_person_m2=1.0 / cfg.persons_per_m2,
        metres_per_level=cfg.metres_per_level,
        max_floors=cfg.max_levels,
        max_height_m=cfg.max_height_m,
        max_residents=cfg.max_residents_per_building,
    )
)
report = st.session_state.pop(REPORT_KEY, None)
if report and report.get("saved"):
    st.success(t("pop_saved", lang, path=plain(report["saved"])))
if report and "rows" in report:
    st.info(t("pop_file_matched", lang, matched=report["matched"], rows=report["rows"]))
    if report["rejected"]:
        st.markdown(f"**{t('pop_file_rejected', lang)}**")
        st.dataframe(pd.DataFrame(report["rejected"]), hide_index=True)
if population.homes.empty:
    st.info(t("pop_no_homes", lang))
    st.stop()

share, floors = population.default_floors()
homes_default = int((population.homes["levels_source"] == "default").sum())
if floors is None:
    st.markdown(t("pop_no_default", lang))
else:
    st.markdown(
        "**"
        + t(
            "pop_default_sentence",
            lang,
            share=share * 100,
            homes_default=homes_default,
            homes=len(population.homes),
            floors=floors,
        )
        + "**"
    )
table = population.compounds
st.dataframe(compound_frame(table, lang), hide_index=True, use_container_width=True)
if population.unknown_compounds:
    st.warning(t("pop_unknown", lang, keys=plain("、".join(population.unknown_compounds))))
if population.checks:
    with st.expander(t("pop_checks", lang, n=len(population.checks))):
        st.dataframe(pd.DataFrame({t("pop_col_reason", lang): list(population.checks)}))

st.subheader(t("pop_edit_title", lang))
labels = dict(
    zip(
        table["compound"],
        [compound_label(k, n, lang) for k, n in zip(table["compound"], table["name"], strict=True)],
        strict=True,
    )
)
key = str(
    st.selectbox(
        t("pop_edit_compound", lang),
        options=list(labels),
        format_func=lambda k: labels[k],
        key="pop_compound",
    )
)
current = overrides.compounds.get(key, CompoundOverride())
with st.form(f"pop_edit_{key}"):
    new_floors = st.number_input(
        t("pop_edit_floors", lang), 0.0, cfg.max_levels, float(current.floors or 0.0), 1.0
    )
    new_residents = st.number_input(
        t("pop_edit_residents", lang), 0.0, 1_000_000.0, float(current.residents or 0.0), 10.0
    )
    new_elderly = st.number_input(
        t("pop_edit_elderly", lang), 0.0, 100.0, float((current.elderly_share or 0.0) * 100), 1.0
    )
    submitted = st.form_submit_button(t("pop_save", lang))
if submitted:
    try:
        changed = CompoundOverride(
            floors=new_floors or None,
            residents=new_residents or None,
            elderly_share=new_elderly / 100.0 if new_elderly else None,
        )
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {plain(exc)}")
    else:
        save(overrides.with_compound(key, changed))
if not current.is_empty and st.button(t("pop_remove", lang), key="pop_remove"):
    save(overrides.with_compound(key, CompoundOverride()))

st.subheader(t("pop_elderly_title", lang))
st.caption(t("pop_elderly_help", lang))
with st.form("pop_elderly"):
    district_share = st.number_input(
        t("pop_elderly_share", lang), 0.0, 100.0, float((overrides.elderly_share or 0.0) * 100), 1.0
    )
    speed = st.number_input(
        t("pop_elderly_speed", lang), 0.0, 66.0, float(overrides.elderly_walk_m_per_min or 0.0), 1.0
    )
    elderly_saved = st.form_submit_button(t("pop_save", lang))
if elderly_saved:
    try:
        changed_all = replace(
            overrides,
            elderly_share=district_share / 100.0 if district_share else None,
            elderly_walk_m_per_min=speed or None,
        )
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {plain(exc)}")
    else:
        save(changed_all)
items = (a.population.get("elderly") or {}).get("items", [])
if items:
    st.markdown(f"**{t('pop_elderly_results', lang)}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("pop_col_item", lang): [a.taxonomy.get(i["id"]).name(lang) for i in items],
                t("pop_col_distance", lang): [i["distance_m"] for i in items],
                t("pop_col_elderly_total", lang): [round(i["elderly_residents"]) for i in items],
                t("pop_col_elderly_served", lang): [round(i["elderly_served"]) for i in items],
                t("pop_col_share", lang): [
                    t("pop_no_data", lang) if i["share"] is None else f"{i['share'] * 100:.1f}%"
                    for i in items
                ],
            }
        ),
        hide_index=True,
    )

st.subheader(t("pop_file_title", lang))
upload = st.file_uploader(t("pop_file", lang), type=["csv", "txt", "xlsx", "geojson", "json"])
crs = st.selectbox(t("pop_file_crs", lang), ["wgs84", "gcj02", "bd09"], key="pop_file_crs")
if upload is not None and st.button(t("pop_file_apply", lang), key="pop_file_apply"):
    try:
        path = loaders.save_upload(upload.getvalue(), upload.name, "population")
        found = read_building_file(path, district.buildings, coord_system=crs)
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {plain(exc)}")
    else:
        if found.buildings:
            merged = replace(overrides, buildings={**overrides.buildings, **found.buildings})
            save_overrides(population_overrides_path(district.meta.name), merged)
        st.session_state[REPORT_KEY] = {
            "saved": str(population_overrides_path(district.meta.name)) if found.buildings else "",
            "matched": len(found.buildings),
            "rows": found.rows,
            "rejected": [
                {
                    t("pop_col_row", lang): p.row,
                    t("pop_col_column", lang): p.column,
                    t("pop_col_value", lang): p.value,
                    t("pop_col_reason", lang): p.reason,
                }
                for p in found.rejected
            ],
        }
        st.rerun()
