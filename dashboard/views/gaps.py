"""Gaps page: coverage per category and tier, completeness, the worst hexagons."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import loaders, state
from dashboard.downloads import xlsx_bytes
from dashboard.sidebar import page_context
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.offline import make_offline

ctx = page_context()
if ctx is None:
    st.stop()
lang, a = ctx.lang, ctx.analysis
cov = a.coverage
st.title(f"{t('gaps_title', lang)} · {a.district.meta.title(lang)}")

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
        t("col_cell", lang): ranked["h3"].to_numpy(),
        t("col_residents", lang): ranked["residents"].round(0).astype(int).to_numpy(),
        t("col_unmet", lang): ranked[measure].round(0).astype(int).to_numpy(),
        t("col_missing", lang): ranked["categories_missing"].to_numpy(),
        t("col_worst", lang): [
            a.taxonomy.get(c).name(lang) if c else "" for c in ranked["worst_category"]
        ],
    }
)
left, right = st.columns([3, 2])
with right:
    st.dataframe(worst.head(15), hide_index=True, width="stretch")
with left:
    shift = maps.shift_for(ctx.basemap)
    gmap = maps.new_map(a, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
    maps.base_layer(a, lang=lang, shift=shift).add_to(gmap)
    ranked_gdf = ranked.assign(rank=range(1, len(ranked) + 1))
    maps.gap_layer(ranked_gdf, column=measure, lang=lang, shift=shift).add_to(gmap)
    make_offline(gmap, mode="served")
    st_folium(
        gmap, key=state.GAP_MAP_KEY, height=460, use_container_width=True, returned_objects=[]
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
    data=lambda: table.to_csv(index=False).encode("utf-8-sig"),
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
