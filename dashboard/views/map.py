"""Map page: streets by walking time, facilities, service areas, doorstep circles, gaps."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import folium
import shapely
import streamlit as st

from dashboard import areas as ar
from dashboard import deliberation as dl
from dashboard import frames, loaders, scale_map, state
from dashboard.completeness_line import render_completeness_line
from dashboard.map_frame import show_frame
from dashboard.progress import LoadProgress
from dashboard.sidebar import require_context
from dashboard.text import escape_markdown, public_markdown, without_secrets
from geo.access.coverage import residents_within
from geo.errors import LifecircleError
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.export import district_map_html, overview_map_html
from lifecircle.maps.offline import make_offline
from lifecircle.maps.view_layers import groups_of
from lifecircle.maps.viewport import map_view, select_in_view

ctx = require_context()
lang, a = ctx.lang, ctx.analysis
cat = a.taxonomy.get(ctx.category)
st.title(f"{t('app_title', lang)} · {escape_markdown(a.district.meta.title(lang))}")
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

# Decisions of deliberation (议事) that chose a scenario: a notice, and their features.
outcomes = dl.decided_outcomes(a.district.meta.name)
for outcome in outcomes:
    st.info(
        t(
            "map_decided",
            lang,
            topic=dl.md(outcome.topic.title),
            choice=dl.md(outcome.label),
            date=(outcome.topic.closed_at or "")[:10],
        ),
        icon=":material/how_to_vote:",
    )

# The areas' choropleth (街道/社区), drawn at district zoom: share complete or of the item served.
area_measure = str(
    st.radio(
        t("ar_measure", lang),
        options=["category", "complete"],
        format_func=lambda m: t(f"ar_measure_{m}", lang),
        horizontal=True,
        key="ar_measure",
    )
)


def _area_group(group_shift: Callable[[Any], Any] | None = None) -> folium.FeatureGroup | None:
    return ar.area_map_group(
        ctx.analysis_key,
        a,
        measure=area_measure,
        category=ctx.category,
        within_m=ctx.tier_m,
        lang=lang,
        shift=group_shift or shift,
    )


def _area_legends() -> tuple[str, ...]:
    return ar.area_map_legends(
        ctx.analysis_key, a, measure=area_measure, category=ctx.category, lang=lang
    )


viewport = loaders.viewport_settings()
large = viewport.is_large(a.district.network.n_nodes)
shift = maps.shift_for(ctx.basemap)


def _decided_group(
    group_shift: Callable[[Any], Any] | None = None,
) -> folium.FeatureGroup | None:
    """The features of the scenarios deliberation decided on (None when there are none)."""
    if not outcomes:
        return None
    decided = folium.FeatureGroup(name=t("layer_decided", lang), show=True)
    for outcome in outcomes:
        maps.scenario_layer(
            outcome.scenario, taxonomy=a.taxonomy, lang=lang, shift=group_shift or shift
        ).add_to(decided)
    return decided


def _isochrone_group() -> tuple[folium.FeatureGroup, object]:
    """The isochrone of the last click (st_folium keeps its value under its key)."""
    clicked = (st.session_state.get(state.MAP_KEY) or {}).get("last_clicked")
    iso_group = folium.FeatureGroup(name=t("layer_isochrone", lang))
    reach = None
    if clicked:
        try:
            lon, lat = float(clicked["lng"]), float(clicked["lat"])
            iso, reach = loaders.click_reach(ctx.analysis_key, lon, lat, ctx.speed_kmh, lang, a)
            for geom in iso.geometry:
                maps.geojson_layer(
                    shift(geom),
                    "isochrone",
                    colour="#3f007d",
                    weight=2,
                    fill=True,
                    fill_opacity=0.12,
                ).add_to(iso_group)
            point = shift(shapely.Point(lon, lat))
            folium.CircleMarker((point.y, point.x), radius=6, color="#3f007d", fill=True).add_to(
                iso_group
            )
        except LifecircleError as exc:
            st.warning(public_markdown(exc))
    return iso_group, reach


def _large_map() -> object:
    """The scale path: district-wide summaries served as files, the detail of the view
    added to the map as it is panned and zoomed (lifecircle.maps.viewport). The
    district-zoom map is rendered once per server and the view's layers are files
    (dashboard.scale_map), so a rerun sends only what changed."""
    progress = LoadProgress(lang, stages={"stage_layers": (0.0, 1.0)})
    overview = loaders.overview(ctx.analysis_key, ctx.category, ctx.tier_m, a, progress)
    view = loaders.view_data(ctx.analysis_key, a, progress)
    progress.finish()
    urls = loaders.overview_urls(ctx.analysis_key, ctx.category, ctx.tier_m, lang, ctx.basemap, a)
    area_legends = _area_legends()

    def build() -> folium.Map:
        fmap = maps.build_overview_map(
            a,
            overview,
            urls=urls,
            lang=lang,
            basemap=ctx.basemap,
            colour_by=ctx.colour_by,
            tianditu_key=ctx.tianditu_key,
            extra_legends=area_legends,
        )
        make_offline(fmap, mode="served")
        return fmap

    shown = map_view(st.session_state.get(state.MAP_KEY), gcj02=maps.BASEMAPS[ctx.basemap].gcj02)
    selection = select_in_view(view.index, shown, viewport)
    view_layers = scale_map.view_layer_urls(
        ctx.analysis_key,
        a,
        view,
        selection,
        category=ctx.category,
        colour_by=ctx.colour_by,
        speed_kmh=ctx.speed_kmh,
        lang=lang,
        basemap=ctx.basemap,
        within_m=ctx.tier_m,
    )
    view_groups = groups_of(view_layers, served=True)
    for group in view_groups:
        make_offline(group, mode="served")
    decided = _decided_group()
    if decided is not None:
        make_offline(decided, mode="served")
    iso_group, reach = _isochrone_group()
    st.caption(t("click_hint", lang))
    if selection.status == "detail":
        st.caption(
            t(
                "view_detail",
                lang,
                streets=f"{selection.count('streets'):,}",
                homes=f"{selection.count('homes'):,}",
                facilities=f"{selection.count('facilities'):,}",
            )
        )
    elif selection.status == "too_many":
        st.caption(
            t(
                "view_too_many",
                lang,
                vertices=f"{selection.vertices:,}",
                markers=f"{selection.markers:,}",
            )
        )
    else:
        st.caption(t("view_overview", lang))
    # The areas at district zoom only: zoomed in, the detail is what is on screen.
    area = _area_group() if selection.status != "detail" else None
    groups = [
        *view_groups,
        iso_group,
        *(g for g in (area, decided) if g is not None),
    ]
    frame = scale_map.overview_frame(
        "|".join(
            (
                ctx.analysis_key,
                ctx.category,
                f"{ctx.tier_m:g}",
                lang,
                ctx.basemap,
                ctx.colour_by,
                frames.secret_digest(ctx.tianditu_key),
                # The areas' legend is part of the rendering: a new upload, measure or
                # language renders again.
                hashlib.sha256("".join(area_legends).encode("utf-8")).hexdigest()[:16],
            )
        ),
        urls,
        tuple(g.layer_name for g in groups),
        build,
    )
    show_frame(
        frame,
        key=state.MAP_KEY,
        groups=groups,
        height=620,
        # The scale path reruns on a pan or zoom, to send what is then in view.
        returned_objects=("last_clicked", "bounds", "zoom"),
    )
    return reach


def _small_map() -> object:
    """The whole district's map, rendered once (loaders.map_frame); a click sends only
    the isochrone, so the browser keeps the map and its view."""
    decided = _decided_group()
    names = (t("layer_isochrone", lang), *([t("layer_decided", lang)] if decided else []))
    with st.spinner(t("computing", lang)):
        frame = frames.map_frame(
            ctx.analysis_key,
            ctx.category,
            lang,
            ctx.basemap,
            ctx.colour_by,
            ctx.tier_m,
            ctx.speed_kmh,
            ctx.tianditu_key,
            names,
            a,
            f"{ar.area_key(a)}|{area_measure}",
            lambda: [g for g in [_area_group()] if g is not None],
            _area_legends(),
        )
    iso_group, reach = _isochrone_group()
    if decided is not None:
        make_offline(decided, mode="served")
    st.caption(t("click_hint", lang))
    show_frame(
        frame,
        key=state.MAP_KEY,
        groups=[iso_group, *([decided] if decided is not None else [])],
        height=620,
        returned_objects=("last_clicked",),
    )
    return reach


@st.fragment
def map_and_reach() -> None:
    """A click on the map reruns only this: the map (its changing layer) and the table."""
    reach = _large_map() if large else _small_map()
    if reach is not None:
        st.subheader(t("reach_title", lang))
        if reach.empty:  # type: ignore[attr-defined]
            st.info(t("reach_none", lang))
        else:
            st.dataframe(reach, hide_index=True, width="stretch")


map_and_reach()


def _export_html() -> bytes:
    """A fresh map on the offline basemap (lifecircle.maps.export): no key, no tiles."""
    if not large:
        layers = loaders.map_layers(ctx.analysis_key, ctx.category, a)
        decided = _decided_group(lambda g: g)  # the export's basemap is not shifted
        html = district_map_html(
            a,
            layers,
            category=ctx.category,
            lang=lang,
            speed_kmh=ctx.speed_kmh,
            colour_by=ctx.colour_by,
            within_m=ctx.tier_m,
            extra_groups=[g for g in (decided, _area_group(lambda g: g)) if g is not None],
            extra_legends=_area_legends(),
        )
    else:
        overview = loaders.overview(ctx.analysis_key, ctx.category, ctx.tier_m, a, None)
        docs = loaders.overview_documents(
            ctx.analysis_key, ctx.category, ctx.tier_m, lang, maps.EXPORT_BASEMAP, a
        )
        # The areas, as the page draws them at district zoom.
        areas = _area_group(lambda g: g)
        html = overview_map_html(
            a,
            overview,
            documents=docs,
            lang=lang,
            colour_by=ctx.colour_by,
            extra_groups=[areas] if areas is not None else [],
            extra_legends=_area_legends() if areas is not None else (),
        )
    return without_secrets(html).encode("utf-8")


st.download_button(
    t("export_html", lang),
    data=_export_html,
    file_name=f"lifecircle-{a.district.meta.name}-{ctx.category}.html",
    mime="text/html",
    on_click="ignore",
    icon=":material/download:",
)
