"""Resident needs: import a survey, see rejected rows, map needs, rank where to act first."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import loaders
from dashboard.downloads import table_buttons
from dashboard.sidebar import page_context
from dashboard.upload_errors import read_upload
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.offline import make_offline

ctx = page_context()
if ctx is None:
    st.stop()
lang, a = ctx.lang, ctx.analysis
tax = a.taxonomy
st.title(f"{t('survey_title', lang)} · {a.district.meta.title(lang)}")

c1, c2, c3 = st.columns([3, 2, 2])
upload = c1.file_uploader(t("survey_file", lang), type=["csv", "xlsx", "geojson", "json"])
crs = c2.selectbox(
    t("inventory_crs", lang),
    options=["gcj02", "wgs84", "bd09"],
    format_func=lambda c: t(f"crs_{c}", lang),
    key="survey_crs",
)
score_kind = c3.radio(
    t("survey_score_kind", lang),
    options=["priority", "satisfaction"],
    format_func=lambda k: t(f"score_{k}", lang),
    key="survey_score_kind",
)
if upload is not None:
    path = loaders.save_upload(upload.getvalue(), upload.name, "surveys")
    label = upload.name
else:
    path = loaders.SAMPLE_SURVEY
    label = path.name
    st.caption(f"{t('survey_sample', lang)}: `{label}` — {t('survey_sample_note', lang)}")

analysis_key = ctx.analysis_key
with st.spinner(t("computing", lang)):
    result = read_upload(
        lambda: loaders.survey(
            f"{analysis_key}|{path}|{crs}|{score_kind}",
            str(path),
            crs,
            str(score_kind),
            a.district,
        ),
        lang,
        what="survey",
    )
if result is None:
    st.stop()
responses = result.responses  # type: ignore[attr-defined]
rejected = result.rejected  # type: ignore[attr-defined]

m1, m2 = st.columns(2)
m1.metric(t("metric_rows_accepted", lang), f"{result.rows_accepted}")  # type: ignore[attr-defined]
m2.metric(t("metric_rows_rejected", lang), f"{len(rejected)}")
if rejected:
    with st.expander(t("survey_rejected", lang, n=len(rejected)), expanded=True):
        st.dataframe(
            pd.DataFrame(
                {
                    t("col_row", lang): [p.row for p in rejected],
                    t("col_column", lang): [p.column for p in rejected],
                    t("col_value", lang): [str(p.value) for p in rejected],
                    t("col_reason", lang): [p.reason for p in rejected],
                }
            ),
            hide_index=True,
            width="stretch",
        )

only_cat = st.checkbox(t("needs_filter", lang), value=False)
shift = maps.shift_for(ctx.basemap)
fmap = maps.new_map(a, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
maps.base_layer(a, lang=lang, shift=shift).add_to(fmap)
layers = loaders.map_layers(ctx.analysis_key, ctx.category, a)
maps.gap_layer(layers.hexagons, column=f"unmet_{ctx.category}", lang=lang, shift=shift).add_to(fmap)
hex_fg, pts_fg = maps.needs_layers(
    responses, taxonomy=tax, lang=lang, shift=shift, category=ctx.category if only_cat else None
)
hex_fg.add_to(fmap)
pts_fg.add_to(fmap)
folium.LayerControl(collapsed=False).add_to(fmap)
make_offline(fmap, mode="served")
st_folium(fmap, key="survey_map", height=520, use_container_width=True, returned_objects=[])

st.subheader(t("priority_title", lang))
by = st.radio(
    t("priority_by", lang),
    options=["hexagon", "compound"],
    horizontal=True,
    format_func=lambda b: t(f"by_{b}", lang),
    key="priority_by",
)
ranked = loaders.priorities(
    f"{ctx.analysis_key}|{path}|{crs}|{score_kind}|{by}", str(by), a, responses
)
view = pd.DataFrame(
    {
        t("col_rank", lang): ranked["rank"].to_numpy(),
        t("col_unit", lang): ranked["unit"].astype(str).to_numpy(),
        t("col_category", lang): [tax.get(c).name(lang) for c in ranked["category"]],
        t("col_requests", lang): ranked["requests"].to_numpy(),
        t("col_not_served", lang): ranked["residents_not_served"].round(0).astype(int).to_numpy(),
        t("col_score", lang): ranked["score"].round(3).to_numpy(),
        t("col_reasons", lang): [
            r.split(" | ")[1] if lang == "zh" and " | " in r else r.split(" | ")[0]
            for r in ranked["reasons"].astype(str)
        ],
    }
)
st.dataframe(view.head(30), hide_index=True, width="stretch")


table_buttons(
    ranked,
    {"priorities": ranked},
    stem=f"lifecircle-{a.district.meta.name}-priorities",
    lang=lang,
)
