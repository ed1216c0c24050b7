"""Scenarios page: draw interventions, see what they change, save without losing work."""

from __future__ import annotations

import time

import folium
import pandas as pd
import streamlit as st
from folium.plugins import Draw
from streamlit_folium import st_folium

from dashboard import loaders
from dashboard.drawing import drawn_geometry, kinds_for, make_intervention
from dashboard.sidebar import page_context
from geo.errors import LifecircleError
from geo.scenarios.merge import ConflictError, resolve
from geo.scenarios.model import Scenario
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.offline import make_offline

LAST_EDIT_MS = "scn_last_edit_ms"
EDIT_ERROR = "scn_edit_error"

ctx = page_context()
if ctx is None:
    st.stop()
lang, base = ctx.lang, ctx.analysis
tax = base.taxonomy
store = loaders.scenario_store()
st.title(f"{t('page_scenarios', lang)} · {base.district.meta.title(lang)}")

# --- which scenario -------------------------------------------------------------------------
infos = store.list()
ids = [i.id for i in infos]
titles = {i.id: i.title for i in infos}
left, right = st.columns([3, 2])
with right:
    new_title = st.text_input(t("scn_new_title", lang), key="scn_new_title")
    author = st.text_input(t("scn_author", lang), key="scn_author")
    if st.button(t("scn_create", lang), disabled=not new_title.strip()):
        created = store.create(
            new_title.strip(), author=author.strip(), district=base.district.meta.name
        )
        st.session_state["scn_pick"] = created.id
        st.rerun()
with left:
    if not ids:
        st.info(t("scn_none", lang))
        st.stop()
    picked = st.selectbox(
        t("scn_pick", lang), options=ids, format_func=lambda i: f"{titles[i]} ({i})", key="scn_pick"
    )

# The working copy lives in the session; the file changes only on Save.
work_key = f"scn_work::{picked}"
undo_key = f"scn_undo::{picked}"
if work_key not in st.session_state:
    loaded = store.load(picked)
    st.session_state[work_key] = (loaded, loaded.meta.revision)
    st.session_state[undo_key] = []
working, base_revision = st.session_state[work_key]
undo_stack: list[Scenario] = st.session_state[undo_key]

started = time.perf_counter()
try:
    after = loaders.scenario_analysis(ctx.analysis_key, working, base)
except LifecircleError as exc:
    st.error(f"{t('error', lang)}: {exc}")
    st.stop()
comparison = loaders.scenario_comparison(ctx.analysis_key, working, base, after)
elapsed_ms = (time.perf_counter() - started) * 1000
# The last edit's own computation (apply + compare), timed in its callback; a rerun of an
# unchanged scenario only reads the cache.
elapsed_ms = float(st.session_state.pop(LAST_EDIT_MS, elapsed_ms))

edit_error = st.session_state.pop(EDIT_ERROR, None)
if edit_error:
    st.error(f"{t('error', lang)}: {edit_error}")

# --- metrics --------------------------------------------------------------------------------
row = comparison.by_category.loc[ctx.category]
m1, m2, m3 = st.columns(3)
m1.metric(
    f"{t('metric_served', lang)} · {tax.get(ctx.category).name(lang)}",
    f"{row['share_after'] * 100:.1f}%",
    f"{(row['share_after'] - row['share_before']) * 100:+.1f} pt",
)
m2.metric(
    t("scn_newly_served", lang),
    f"{row['delta']:,.0f}",
    f"{int(row['homes_newly_served'])} {t('scn_homes', lang)}",
)
m3.metric(
    t("metric_completeness", lang),
    f"{comparison.completeness_after * 100:.1f}%",
    f"{(comparison.completeness_after - comparison.completeness_before) * 100:+.1f} pt",
)
st.caption(t("scn_timing", lang, ms=f"{elapsed_ms:.0f}"))

# --- the map: scenario features, newly served homes, draw tool --------------------------
shift = maps.shift_for(ctx.basemap)
fmap = maps.new_map(after, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
maps.base_layer(after, lang=lang, shift=shift).add_to(fmap)
maps.streets_layer(
    after, category=ctx.category, colour_by="time", speed_kmh=ctx.speed_kmh, lang=lang, shift=shift
).add_to(fmap)
maps.difference_layer(comparison, lang=lang, shift=shift).add_to(fmap)
maps.scenario_layer(working, taxonomy=tax, lang=lang, shift=shift).add_to(fmap)
maps.facilities_layer(after, category=ctx.category, lang=lang, shift=shift).add_to(fmap)
Draw(
    export=False,
    draw_options={
        "polyline": {},
        "polygon": {},
        "marker": {},
        "circle": False,
        "rectangle": False,
        "circlemarker": False,
    },
    edit_options={"edit": False, "remove": False},
).add_to(fmap)
folium.LayerControl(collapsed=True).add_to(fmap)
fmap.add_child(maps.Legend(maps.scenario_legend(lang)))
make_offline(fmap, mode="served")
st.caption(t("scn_draw_hint", lang))
drawn = st_folium(
    fmap,
    key=f"scn_map::{picked}",
    height=560,
    use_container_width=True,
    returned_objects=["last_active_drawing"],
)

# --- the form for the last drawing ------------------------------------------------------------
geom = drawn_geometry(
    (drawn or {}).get("last_active_drawing"), gcj02=maps.BASEMAPS[ctx.basemap].gcj02
)
if geom is not None:

    def _add_drawn() -> None:
        """Form callback: runs before the rerun, so one script run shows the result."""
        ss = st.session_state
        kind = str(ss["scn_form_kind"])
        try:
            item = make_intervention(
                geom,
                kind=kind,
                name=str(ss.get("scn_form_name") or ""),
                taxonomy=tax,
                category=str(ss["scn_form_category"]) if kind == "facility" else None,
                provides=tuple(ss.get("scn_form_provides") or ()) if kind == "space" else (),
            )
            started_edit = time.perf_counter()
            edited = working.with_intervention(item)
            edited_after = loaders.scenario_analysis(ctx.analysis_key, edited, base)
            loaders.scenario_comparison(ctx.analysis_key, edited, base, edited_after)
            ss[LAST_EDIT_MS] = (time.perf_counter() - started_edit) * 1000
            undo_stack.append(working)
            ss[work_key] = (edited, base_revision)
        except LifecircleError as exc:
            ss[EDIT_ERROR] = str(exc)

    with st.form("scn_add", clear_on_submit=True):
        st.write(t("scn_drawn", lang, kind=geom.geom_type))
        kinds = kinds_for(geom)
        st.selectbox(
            t("scn_kind", lang),
            options=kinds,
            format_func=lambda k: t(f"kind_{k}", lang),
            key="scn_form_kind",
        )
        st.text_input(t("col_name", lang), max_chars=120, key="scn_form_name")
        st.selectbox(
            t("category", lang),
            options=tax.ids,
            format_func=lambda c: tax.get(c).name(lang),
            key="scn_form_category",
        )
        st.multiselect(
            t("scn_provides", lang),
            options=tax.ids,
            default=["pocket_green"],
            format_func=lambda c: tax.get(c).name(lang),
            key="scn_form_provides",
        )
        st.form_submit_button(t("scn_add", lang), type="primary", on_click=_add_drawn)

# --- list, undo, save -------------------------------------------------------------------------
if working.interventions:
    listing = pd.DataFrame(
        {
            t("scn_kind", lang): [t(f"kind_{i.kind}", lang) for i in working.interventions],
            t("col_name", lang): [i.name for i in working.interventions],
            t("category", lang): [
                tax.get(i.category).name(lang)
                if i.category
                else ", ".join(tax.get(c).name(lang) for c in i.provides)
                for i in working.interventions
            ],
            "id": [i.id for i in working.interventions],
        }
    )
    st.dataframe(listing, hide_index=True, width="stretch")
b1, b2, b3 = st.columns(3)
if b1.button(t("scn_undo", lang), disabled=not undo_stack):
    st.session_state[work_key] = (undo_stack.pop(), base_revision)
    st.rerun()
if b2.button(t("scn_save", lang), type="primary"):
    try:
        result = store.save(working, base_revision=base_revision)
        saved = store.load(picked)
        st.session_state[work_key] = (saved, saved.meta.revision)
        st.success(
            t("scn_saved", lang, rev=result.revision)
            + (f" · {t('scn_merged', lang)}" if result.merged else "")
        )
    except ConflictError as conflict:
        st.session_state["scn_conflict"] = conflict
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {exc}")
if b3.button(t("scn_reload", lang)):
    fresh = store.load(picked)
    st.session_state[work_key] = (fresh, fresh.meta.revision)
    st.rerun()

conflict = st.session_state.get("scn_conflict")
if isinstance(conflict, ConflictError) and conflict.mine.id == picked:
    st.warning(t("scn_conflict", lang))
    choices = {}
    for fid in conflict.conflicts:
        mine_item, theirs_item = conflict.mine.get(fid), conflict.theirs.get(fid)
        st.write(
            f"**{fid}** — {t('scn_mine', lang)}: `{mine_item.name if mine_item else '∅'}` · "
            f"{t('scn_theirs', lang)}: `{theirs_item.name if theirs_item else '∅'}`"
        )
        choices[fid] = st.radio(
            fid,
            options=["mine", "theirs"],
            horizontal=True,
            key=f"pick::{fid}",
            format_func=lambda c: t(f"scn_{c}", lang),
            label_visibility="collapsed",
        )
    if st.button(t("scn_resolve", lang)):
        chosen = resolve(conflict, take=choices)
        result = store.save(chosen, base_revision=conflict.theirs.meta.revision)
        saved = store.load(picked)
        st.session_state[work_key] = (saved, saved.meta.revision)
        del st.session_state["scn_conflict"]
        st.rerun()

# --- before / after table and side-by-side comparison -------------------------------------------
st.subheader(t("scn_before_after", lang))
table = comparison.by_category.copy()
st.dataframe(
    pd.DataFrame(
        {
            t("col_category", lang): [tax.get(c).name(lang) for c in table.index],
            t("scn_before", lang): table["served_before"].round(0).astype(int).to_numpy(),
            t("scn_after", lang): table["served_after"].round(0).astype(int).to_numpy(),
            t("scn_delta", lang): table["delta"].round(0).astype(int).to_numpy(),
            t("scn_homes_new", lang): table["homes_newly_served"].astype(int).to_numpy(),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(t("scn_compare", lang))
options = ["__baseline__", *ids]
c1, c2 = st.columns(2)
fmt = lambda i: t("scn_baseline", lang) if i == "__baseline__" else titles.get(i, i)  # noqa: E731
a_id = c1.selectbox("A", options=options, format_func=fmt, key="cmp_a")
b_id = c2.selectbox(
    "B", options=options, index=min(1, len(options) - 1), format_func=fmt, key="cmp_b"
)


def _analysis_of(sid: str) -> object:
    if sid == "__baseline__":
        return base
    return loaders.scenario_analysis(ctx.analysis_key, store.load(sid), base)


try:
    side = loaders.side_by_side(_analysis_of(a_id), _analysis_of(b_id), lang)
    st.dataframe(side, hide_index=True, width="stretch")
except LifecircleError as exc:
    st.error(f"{t('error', lang)}: {exc}")
