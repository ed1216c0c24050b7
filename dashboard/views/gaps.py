"""Gaps page: coverage per category and tier, completeness, the worst hexagons."""

from __future__ import annotations

from dataclasses import replace

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import frames, loaders, state
from dashboard.areas import render_area_table
from dashboard.downloads import csv_bytes, xlsx_bytes
from dashboard.map_frame import show_frame
from dashboard.sidebar import require_context
from dashboard.suggest import clicked_lonlat, curve_frame, sites_frame
from dashboard.text import escape_markdown, public_markdown
from geo.errors import LifecircleError
from geo.siting.candidates import DATA_SOURCES
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.i18n.maplang import translate_reason
from lifecircle.maps.offline import make_offline
from lifecircle.maps.siting_layers import (
    candidates_layer,
    clicks_layer,
    newly_served_layer,
    sites_layer,
)

SG_PARAMS = "sg_params"
SG_CLICKS = "sg_clicks"
SG_LAST_CLICK = "sg_last_click"
SG_MAP = "sg_map"

ctx = require_context()
lang, a = ctx.lang, ctx.analysis
cov = a.coverage
st.title(f"{t('gaps_title', lang)} · {escape_markdown(a.district.meta.title(lang))}")

c1, c2, c3 = st.columns(3)
c1.metric(t("metric_residents", lang), f"{cov.residents_total:,.0f}")
c2.metric(
    t("metric_completeness", lang),
    f"{cov.completeness * 100:.1f}%",
    help=t("completeness_help", lang),
)
c3.metric(
    t("metric_not_served", lang) + f" · {a.taxonomy.get(ctx.category).name(lang)}",
    f"{cov.by_category.loc[ctx.category, 'not_served']:,.0f}",
)

st.subheader(t("coverage_table", lang))
table = loaders.coverage_frame(a, lang)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader(t("coverage_chart", lang))
by_tier = cov.by_tier.copy()
by_tier.index = [a.taxonomy.get(c).name(lang) for c in by_tier.index]
by_tier.columns = [
    c.replace("share_", "").replace("min", f" {t('minutes', lang)}") for c in by_tier.columns
]
st.bar_chart(by_tier * 100, stack=False, horizontal=True, height=420)

st.subheader(t("worst_cells", lang))
hexes = loaders.hexagons(ctx.analysis_key, a)
measure = st.selectbox(
    t("gap_measure", lang),
    options=["unmet_total", *[f"unmet_{c}" for c in a.categories]],
    format_func=lambda m: (
        t("gap_total", lang)
        if m == "unmet_total"
        else a.taxonomy.get(m.removeprefix("unmet_")).name(lang)
    ),
)
ranked = hexes.sort_values(measure, ascending=False).reset_index(drop=True)
ranked = ranked[ranked[measure] > 0]
worst = pd.DataFrame(
    {
        t("col_rank", lang): range(1, len(ranked) + 1),
        # Named by compound (小区) where one covers the cell; the H3 id stays, secondary.
        t("ml_col_compound", lang): [
            str(n) or t("ml_no_compound", lang) for n in ranked["compound"].fillna("")
        ],
        t("col_residents", lang): ranked["residents"].round(0).astype(int).to_numpy(),
        t("col_unmet", lang): ranked[measure].round(0).astype(int).to_numpy(),
        t("col_missing", lang): ranked["categories_missing"].to_numpy(),
        t("col_worst", lang): [
            a.taxonomy.get(c).name(lang) if c else "" for c in ranked["worst_category"]
        ],
        t("ml_col_h3", lang): ranked["h3"].to_numpy(),
    }
)
left, right = st.columns([3, 2])
with right:
    st.dataframe(worst.head(15), hide_index=True, width="stretch")
with left:

    def _gap_map() -> folium.Map:
        assert ctx is not None  # narrowed above; mypy does not carry it into a function
        shift = maps.shift_for(ctx.basemap)
        gmap = maps.new_map(a, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
        maps.base_layer(a, lang=lang, shift=shift).add_to(gmap)
        ranked_gdf = ranked.assign(rank=range(1, len(ranked) + 1))
        maps.gap_layer(ranked_gdf, column=measure, lang=lang, shift=shift).add_to(gmap)
        gmap.add_child(maps.Legend(maps.gap_legend(lang)))
        return make_offline(gmap, mode="served")

    # The same for every session of these settings: rendered once per server.
    gap_key = "|".join(
        (ctx.analysis_key, measure, lang, ctx.basemap, frames.secret_digest(ctx.tianditu_key))
    )
    show_frame(
        frames.rendered_map(gap_key, (), False, _gap_map),
        key=state.GAP_MAP_KEY,
        height=460,
        returned_objects=[],
    )

render_area_table(ctx.analysis_key, a, ctx.category, lang)

# --- suggest sites (补建选址) ------------------------------------------------------------------
st.divider()
st.subheader(t("sg_title", lang))
st.caption(t("sg_help", lang))
tax = a.taxonomy
with st.form("sg_form"):
    f1, f2 = st.columns(2)
    sg_category = f1.selectbox(
        t("sg_category", lang),
        options=tax.ids,
        index=tax.ids.index(ctx.category),
        format_func=lambda c: tax.get(c).name(lang),
    )
    sg_mode = f2.radio(
        t("sg_mode", lang),
        options=["k", "target"],
        format_func=lambda m: t(f"sg_mode_{m}", lang),
        horizontal=True,
    )
    f3, f4 = st.columns(2)
    sg_k = f3.number_input(t("sg_k", lang), min_value=1, max_value=30, value=3, step=1)
    sg_target = f4.slider(t("sg_target", lang), min_value=5, max_value=100, value=90, step=5)
    sg_sources = st.multiselect(
        t("sg_sources", lang),
        options=list(DATA_SOURCES),
        default=list(DATA_SOURCES),
        format_func=lambda s: t(f"sg_source_{s}", lang),
    )
    f5, f6 = st.columns([3, 2])
    sg_file = f5.file_uploader(t("sg_file", lang), type=["csv", "xlsx", "geojson", "json"])
    sg_crs = f6.selectbox(
        t("inventory_crs", lang),
        options=["wgs84", "gcj02", "bd09"],
        format_func=lambda c: t(f"crs_{c}", lang),
    )
    f7, f8 = st.columns([2, 3])
    sg_weighted = f7.checkbox(t("sg_weighted", lang))
    sg_survey = f8.file_uploader(t("sg_survey_file", lang), type=["csv", "xlsx", "geojson"])
    if st.form_submit_button(t("sg_run", lang), type="primary"):
        st.session_state[SG_PARAMS] = {
            "category": sg_category,
            "k": int(sg_k) if sg_mode == "k" else None,
            "target": float(sg_target) / 100 if sg_mode == "target" else None,
            "sources": tuple(sg_sources),
            "file": str(loaders.save_upload(sg_file.getvalue(), sg_file.name, "candidates"))
            if sg_file is not None
            else None,
            "crs": sg_crs,
            "survey": (
                str(loaders.save_upload(sg_survey.getvalue(), sg_survey.name, "surveys"))
                if sg_survey is not None
                else str(loaders.sample_survey(a.district.meta.name) or "") or None
            )
            if sg_weighted
            else None,
            # The sample survey was written in GCJ-02; an uploaded one in the chosen system.
            "survey_crs": sg_crs if sg_survey is not None else "gcj02",
        }

clicks: list[tuple[float, float]] = st.session_state.setdefault(SG_CLICKS, [])
params = st.session_state.get(SG_PARAMS)
result = None
rejected_rows: tuple[object, ...] = ()
if params is None:
    st.info(t("sg_no_result", lang))
else:
    try:
        with st.spinner(t("computing", lang)):
            cands, rejected_rows = loaders.candidate_sites(
                f"{ctx.analysis_key}|{params['sources']}|{params['file']}|{params['crs']}|{clicks}",
                params["sources"],
                params["file"],
                params["crs"],
                tuple(clicks),
                a.district,
            )
            result = loaders.suggestion(
                f"{ctx.analysis_key}|{params}|{clicks}",
                params["category"],
                params["k"],
                params["target"],
                params["survey"],
                params["survey_crs"],
                a,
                cands,
            )
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {public_markdown(exc)}")
    if rejected_rows:
        # Cells of the user's file are shown in a table, never as markdown.
        st.warning(t("survey_rejected", lang, n=len(rejected_rows)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("col_row", lang): [getattr(r, "row", "") for r in rejected_rows],
                    t("col_column", lang): [getattr(r, "column", "") for r in rejected_rows],
                    t("col_value", lang): [str(getattr(r, "value", "")) for r in rejected_rows],
                    t("col_reason", lang): [
                        translate_reason(str(getattr(r, "reason", "")), lang) for r in rejected_rows
                    ],
                }
            ),
            hide_index=True,
        )

if result is not None:
    sol = result.solution  # type: ignore[attr-defined]
    summary = result.summary()  # type: ignore[attr-defined]
    left_out = sum(summary["candidates_left_out"].values())
    if left_out:
        st.caption(t("sg_left_out", lang, n=left_out))
    if sol.note:
        st.info(t("sg_note_already", lang))
    s1, s2, s3, s4 = st.columns(4)
    s1.metric(t("sg_metric_new", lang), f"{sol.residents_new:,.0f}")
    s2.metric(t("sg_metric_sites", lang), f"{sol.sites}")
    s3.metric(
        t("sg_metric_share", lang),
        f"{summary['share_after'] * 100:.1f}%",
        f"{(summary['share_after'] - summary['share_before']) * 100:+.1f} pt",
    )
    s4.metric(
        t("sg_metric_gap", lang),
        f"{sol.gap * 100:.2f}%",
        help=t("sg_gap_help", lang, method=t(f"sg_method_{sol.method}", lang)),
    )
if params is not None:
    # The map appears once a question was asked: a click on it adds a candidate site.
    map_col, side_col = st.columns([3, 2])
    with map_col:
        shift = maps.shift_for(ctx.basemap)
        smap = maps.new_map(a, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
        maps.base_layer(a, lang=lang, shift=shift).add_to(smap)
        if result is not None:
            candidates_layer(result, lang=lang, shift=shift).add_to(smap)
            newly_served_layer(result, a, lang=lang, shift=shift).add_to(smap)
            sites_layer(result, lang=lang, shift=shift).add_to(smap)
        clicks_layer(clicks, lang=lang, shift=shift).add_to(smap)
        make_offline(smap, mode="served")
        st.caption(t("sg_clicks", lang, n=len(clicks)))
        returned = st_folium(
            smap,
            key=SG_MAP,
            height=460,
            use_container_width=True,
            returned_objects=["last_clicked"],
        )
        clicked = clicked_lonlat(returned, gcj02=maps.BASEMAPS[ctx.basemap].gcj02)
        if clicked is not None and clicked != st.session_state.get(SG_LAST_CLICK):
            st.session_state[SG_LAST_CLICK] = clicked
            clicks.append(clicked)
            st.rerun()
        if clicks and st.button(t("sg_clear_clicks", lang)):
            clicks.clear()
            st.rerun()
    with side_col:
        if result is not None:
            st.write(f"**{t('sg_curve', lang)}**")
            st.line_chart(curve_frame(result, lang), height=300)
    if result is not None:
        st.write(f"**{t('sg_sites_table', lang)}**")
        st.dataframe(sites_frame(result, lang), hide_index=True, width="stretch")
if result is not None:
    scenario = result.to_scenario(district=a.district.meta.name)  # type: ignore[attr-defined]
    g1, g2, g3 = st.columns(3)
    if g1.button(t("sg_to_scenario", lang), type="primary", disabled=sol.sites == 0):
        try:
            store = loaders.scenario_store(a.district.meta.name)
            title = scenario.meta.title
            created = store.create(
                title.split(" · ")[-1], author="lifecircle suggest", district=a.district.meta.name
            )
            meta = replace(scenario.meta, title=title)
            saved = store.save(replace(scenario, id=created.id, meta=meta), base_revision=0)
            st.session_state["scn_pick"] = created.id
            st.success(t("sg_scenario_made", lang, title=escape_markdown(title), id=created.id))
            st.page_link("views/scenarios.py", label=t("sg_open_scenarios", lang))
            _ = saved
        except LifecircleError as exc:
            st.error(f"{t('error', lang)}: {public_markdown(exc)}")
    g2.download_button(
        t("sg_download_sites", lang),
        data=lambda: result.sites_gdf().to_json(drop_id=True).encode("utf-8"),  # type: ignore[attr-defined]
        file_name=f"lifecircle-{a.district.meta.name}-sites.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )
    g3.download_button(
        t("sg_download_scenario", lang),
        data=scenario.dumps().encode("utf-8"),
        file_name=f"{scenario.id}.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )

st.subheader(t("exports", lang))


def _gpkg() -> bytes:
    import tempfile
    from pathlib import Path

    from geo.export import geo_layers, write_geopackage

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lifecircle.gpkg"
        write_geopackage(path, geo_layers(a))
        return path.read_bytes()


name = a.district.meta.name
b1, b2, b3, b4 = st.columns(4)
b1.download_button(
    t("export_csv", lang),
    data=lambda: csv_bytes(table),
    file_name=f"lifecircle-{name}-coverage.csv",
    mime="text/csv",
    on_click="ignore",
)
b2.download_button(
    t("export_xlsx", lang),
    data=lambda: xlsx_bytes({"coverage": table, "gaps": worst}),
    file_name=f"lifecircle-{name}-coverage.xlsx",
    on_click="ignore",
)
b3.download_button(
    t("export_geojson", lang),
    data=lambda: ranked.to_json().encode("utf-8"),
    file_name=f"lifecircle-{name}-gaps.geojson",
    mime="application/geo+json",
    on_click="ignore",
)
b4.download_button(
    t("export_gpkg", lang), data=_gpkg, file_name=f"lifecircle-{name}.gpkg", on_click="ignore"
)
