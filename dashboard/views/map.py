"""Map page: streets by walking time, facilities, service areas, doorstep circles, gaps."""

from __future__ import annotations

import folium
import shapely
import streamlit as st
from streamlit_folium import st_folium

from dashboard import loaders, state
from dashboard.completeness_line import render_completeness_line
from dashboard.sidebar import page_context
from geo.access.coverage import residents_within
from geo.errors import LifecircleError
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.offline import make_offline, standalone_html

ctx = page_context()
if ctx is None:
    st.stop()
lang, a = ctx.lang, ctx.analysis
cat = a.taxonomy.get(ctx.category)
st.title(f"{t('app_title', lang)} · {a.district.meta.title(lang)}")
st.caption(t("app_subtitle", lang))

cat_index = a.categories.index(ctx.category)
_, not_served, share = residents_within(
    a.home_dist_m[cat_index], a.homes["population"].to_numpy(), within_m=ctx.tier_m
)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("metric_residents", lang), f"{a.coverage.residents_total:,.0f}")
c2.metric(
    f"{t('metric_served', lang)} · {cat.name(lang)}",
    f"{share * 100:.1f}%",
    help=t("tier_help", lang, metres=f"{ctx.tier_m:.0f}"),
)
c3.metric(t("metric_not_served", lang), f"{not_served:,.0f}")
c4.metric(
    t("metric_completeness", lang),
    f"{a.coverage.completeness * 100:.1f}%",
    help=t("completeness_help", lang),
)
render_completeness_line(a, lang)

with st.spinner(t("computing", lang)):
    layers = loaders.map_layers(ctx.analysis_key, ctx.category, a)
    fmap = maps.build_map(
        a,
        layers,
        category=ctx.category,
        lang=lang,
        basemap=ctx.basemap,
        speed_kmh=ctx.speed_kmh,
        colour_by=ctx.colour_by,
        within_m=ctx.tier_m,
        tianditu_key=ctx.tianditu_key,
        layer_control=False,  # st_folium adds it, listing the isochrone layer too
    )
make_offline(fmap, mode="served")

# The click of the previous run (st_folium keeps its value under its key).
clicked = (st.session_state.get(state.MAP_KEY) or {}).get("last_clicked")
iso_group = folium.FeatureGroup(name=t("layer_isochrone", lang))
reach = None
if clicked:
    from geo.access.service_areas import isochrone

    try:
        iso = isochrone(
            a.district.network,
            a.engine,
            lon=float(clicked["lng"]),
            lat=float(clicked["lat"]),
            within_m=(a.limit_m,),
            speed_kmh=ctx.speed_kmh,
        )
        shift = maps.shift_for(ctx.basemap)
        for geom in iso.geometry:
            maps.geojson_layer(
                shift(geom), "isochrone", colour="#3f007d", weight=2, fill=True, fill_opacity=0.12
            ).add_to(iso_group)
        point = shift(shapely.Point(float(clicked["lng"]), float(clicked["lat"])))
        folium.CircleMarker((point.y, point.x), radius=6, color="#3f007d", fill=True).add_to(
            iso_group
        )
        reach = maps.reach_table(
            a,
            lon=float(clicked["lng"]),
            lat=float(clicked["lat"]),
            speed_kmh=ctx.speed_kmh,
            lang=lang,
        )
    except LifecircleError as exc:
        st.warning(str(exc))

st.caption(t("click_hint", lang))
st_folium(
    fmap,
    key=state.MAP_KEY,
    height=620,
    use_container_width=True,
    returned_objects=["last_clicked"],
    feature_group_to_add=iso_group,
    layer_control=folium.LayerControl(collapsed=False),
)
if reach is not None:
    st.subheader(t("reach_title", lang))
    if reach.empty:
        st.info(t("reach_none", lang))
    else:
        st.dataframe(reach, hide_index=True, width="stretch")

st.download_button(
    t("export_html", lang),
    data=lambda: standalone_html(fmap).encode("utf-8"),
    file_name=f"lifecircle-{a.district.meta.name}-{ctx.category}.html",
    mime="text/html",
    on_click="ignore",
    icon=":material/download:",
)
