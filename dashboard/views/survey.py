"""Resident needs: import a survey, see rejected rows, map needs, rank where to act first."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import loaders
from dashboard.downloads import table_buttons
from dashboard.priority_table import priority_frame
from dashboard.sidebar import require_context
from dashboard.text import escape_markdown
from dashboard.upload_errors import read_upload
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.i18n.maplang import translate_reason
from lifecircle.maps.offline import make_offline

ctx = require_context()
lang, a = ctx.lang, ctx.analysis
tax = a.taxonomy
st.title(f"{t('survey_title', lang)} · {escape_markdown(a.district.meta.title(lang))}")

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
    sample = loaders.sample_survey(a.district.meta.name)
    if sample is None:
        st.info(t("survey_no_sample", lang))
        st.stop()
    path = sample
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
                    t("col_reason", lang): [translate_reason(p.reason, lang) for p in rejected],
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
fmap.add_child(maps.Legend(maps.join_legends(maps.needs_legend(lang), maps.gap_legend(lang))))
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
compounds = (
    loaders.cell_compounds(ctx.analysis_key, tuple(ranked["unit"].astype(str)), a)
    if by == "hexagon"
    else None
)
view = priority_frame(ranked, taxonomy=tax, lang=lang, by=str(by), compounds=compounds)
st.dataframe(view.head(30), hide_index=True, width="stretch")


table_buttons(
    view,
    {t("ml_sheet_priorities", lang): view},
    stem=f"lifecircle-{a.district.meta.name}-priorities",
    lang=lang,
)
