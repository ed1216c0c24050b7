"""Scenarios page: draw interventions, see what they change, save without losing work.

The part a workshop works in (headline, map, form, list, save, tables) is one fragment:
drawing on the map or adding an item reruns only it. The map's unchanging part (the
baseline's streets and facilities, the draw tool, the legend) is rendered once per
category and language (``loaders.scenario_frame``); each run sends the scenario's layers.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import frames, loaders
from dashboard.drawing import drawn_geometry, kinds_for, make_intervention
from dashboard.map_frame import show_frame
from dashboard.scenario_conflict import CONFLICT, conflict_screen, rerun_here
from dashboard.sidebar import require_context
from dashboard.text import escape_markdown, public_markdown
from dashboard.workshop import drawing_signature, headline_categories, read_scenario_upload
from geo.errors import LifecircleError
from geo.scenarios.merge import ConflictError
from geo.scenarios.model import Scenario
from lifecircle import maps
from lifecircle.i18n import t

LAST_EDIT_MS = "scn_last_edit_ms"
EDIT_ERROR = "scn_edit_error"
USED_DRAWINGS = "scn_used_drawings"  # drawings already added (the map keeps showing them)
IMPORT_MESSAGE = "scn_import_message"
WORKING = "__working__"
BASELINE = "__baseline__"
HEADLINE_COLUMNS = 4

ctx = require_context()
lang, base = ctx.lang, ctx.analysis
tax = base.taxonomy
district_name = base.district.meta.name
store = loaders.scenario_store(district_name)
st.title(f"{t('page_scenarios', lang)} · {escape_markdown(base.district.meta.title(lang))}")


def _import_file() -> None:
    """Upload callback: a valid file becomes a new scenario of this district, picked."""
    upload = st.session_state.get("scn_import_file")
    if upload is None:
        return
    try:
        imported = read_scenario_upload(upload.getvalue(), taxonomy=tax, name=upload.name)
        meta = imported.meta
        created = store.create(meta.title, author=meta.author, district=district_name)
        district = meta.district or district_name
        store.save(
            replace(imported, id=created.id, meta=replace(meta, district=district)),
            base_revision=0,
        )
    except LifecircleError as exc:
        st.session_state[IMPORT_MESSAGE] = ("error", str(exc))
        return
    st.session_state["scn_pick"] = created.id
    st.session_state[IMPORT_MESSAGE] = ("ok", meta.title)


# --- which scenario -------------------------------------------------------------------------
infos = store.list()
if store.problems:  # another district's files, or unreadable ones: a sentence, not a stop
    st.caption(t("scn_other_district", lang, n=len(store.problems)))
ids = [i.id for i in infos]
titles = {i.id: i.title for i in infos}
left, right = st.columns([3, 2])
with right:
    new_title = st.text_input(t("scn_new_title", lang), key="scn_new_title")
    author = st.text_input(t("scn_author", lang), key="scn_author")
    if st.button(t("scn_create", lang), disabled=not new_title.strip()):
        created = store.create(new_title.strip(), author=author.strip(), district=district_name)
        st.session_state["scn_pick"] = created.id
        st.rerun()
    with st.expander(t("ws_import", lang)):
        st.file_uploader(
            t("ws_import", lang),
            type=["geojson", "json"],
            key="scn_import_file",
            label_visibility="collapsed",
        )
        st.button(t("ws_import_button", lang), on_click=_import_file, key="scn_import")
    message = st.session_state.pop(IMPORT_MESSAGE, None)
    if message is not None:
        kind, text = message
        if kind == "ok":
            st.success(t("ws_imported", lang, title=escape_markdown(text)))
        else:
            st.error(t("ws_import_failed", lang))
            st.caption(public_markdown(text))
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
    try:
        loaded = store.load(picked)
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {public_markdown(exc)}")
        st.stop()
    st.session_state[work_key] = (loaded, loaded.meta.revision)
    st.session_state[undo_key] = []


def _headline(comparison: object, elapsed_ms: float) -> None:
    """Every category the scenario changed: after, change and before; completeness."""
    table = comparison.by_category  # type: ignore[attr-defined]
    shown = headline_categories(table, ctx.category)
    cards = [*shown, "__newly__", "__completeness__"]
    for start in range(0, len(cards), HEADLINE_COLUMNS):
        columns = st.columns(HEADLINE_COLUMNS)
        for column, card in zip(columns, cards[start : start + HEADLINE_COLUMNS], strict=False):
            if card == "__newly__":
                homes = comparison.newly_served_homes  # type: ignore[attr-defined]
                column.metric(
                    t("scn_newly_served", lang),
                    f"{float(homes['population'].sum()) if len(homes) else 0.0:,.0f}",
                    f"{len(homes)} {t('scn_homes', lang)}",
                    help=t("ws_newly_help", lang),
                )
            elif card == "__completeness__":
                before = comparison.completeness_before  # type: ignore[attr-defined]
                after = comparison.completeness_after  # type: ignore[attr-defined]
                column.metric(
                    t("metric_completeness", lang),
                    f"{after * 100:.1f}%",
                    f"{(after - before) * 100:+.1f} pt",
                )
            else:
                row = table.loc[card]
                column.metric(
                    f"{t('metric_served', lang)} · {tax.get(card).name(lang)}",
                    f"{row['share_after'] * 100:.1f}%",
                    t(
                        "ws_delta_from",
                        lang,
                        delta=f"{(row['share_after'] - row['share_before']) * 100:+.1f}",
                        before=f"{row['share_before'] * 100:.1f}%",
                    ),
                    help=f"{row['served_before']:,.0f} → {row['served_after']:,.0f} "
                    f"({row['delta']:+,.0f})",
                )
    if shown == [ctx.category] and not (table["delta"].abs() > 0).any():
        st.caption(t("ws_changed_none", lang))
    st.caption(t("scn_timing", lang, ms=f"{elapsed_ms:.0f}"))


@st.fragment
def workshop() -> None:
    """Everything an edit changes: drawing or adding reruns only this."""
    working, base_revision = st.session_state[work_key]
    undo_stack: list[Scenario] = st.session_state[undo_key]

    started = time.perf_counter()
    part = frames.applicable(ctx.analysis_key, working, base)
    applied = part.scenario
    after = loaders.scenario_analysis(ctx.analysis_key, applied, base)
    comparison = loaders.scenario_comparison(ctx.analysis_key, applied, base, after)
    elapsed_ms = (time.perf_counter() - started) * 1000
    # The last edit's own computation (apply + compare), timed in its callback; a rerun of
    # an unchanged scenario only reads the cache.
    elapsed_ms = float(st.session_state.pop(LAST_EDIT_MS, elapsed_ms))

    edit_error = st.session_state.pop(EDIT_ERROR, None)
    if edit_error:
        st.error(f"{t('error', lang)}: {public_markdown(edit_error)}")
    if working.meta.district and working.meta.district != district_name:
        st.warning(t("ws_other_district", lang, district=escape_markdown(working.meta.district)))
    if part.left_out:
        if applied.interventions or len(part.left_out) < len(working.interventions):
            names = ", ".join(item.name or item.id for item, _ in part.left_out)
            st.warning(
                t("ws_not_applicable", lang, n=len(part.left_out), names=escape_markdown(names))
            )
        else:
            st.warning(t("ws_not_applicable_all", lang))
        with st.expander(t("error", lang)):
            for item, reason in part.left_out:
                st.text(f"{item.name or item.id}: {reason}")

    _headline(comparison, elapsed_ms)

    # --- the map: the baseline rendered once, the scenario's layers on top ---------------
    shift = maps.shift_for(ctx.basemap)
    group_names = (t("scn_difference", lang), t("page_scenarios", lang))
    frame = frames.scenario_frame(
        ctx.analysis_key,
        ctx.category,
        lang,
        ctx.basemap,
        ctx.colour_by,
        ctx.speed_kmh,
        ctx.tianditu_key,
        group_names,
        base,
    )
    groups = [
        maps.difference_layer(comparison, lang=lang, shift=shift),
        maps.scenario_layer(working, taxonomy=tax, lang=lang, shift=shift),
    ]
    st.caption(t("scn_draw_hint", lang))
    map_key = f"scn_map::{picked}"
    drawn = show_frame(
        frame,
        key=map_key,
        groups=groups,
        height=560,
        # Only the drawing: a pan sends nothing, so it reruns nothing. The map is not
        # reloaded by an edit (its unchanging part is the same), so it keeps its view.
        returned_objects=("last_active_drawing",),
    )
    # What the map last reported (its change callback keeps it under the map's key too).
    drawn = {**drawn, **(st.session_state.get(map_key) or {})}

    # --- the form for the last drawing (unless it was added already) ---------------------
    drawing = drawn.get("last_active_drawing")
    signature = drawing_signature(drawing)
    used: set[str] = st.session_state.setdefault(USED_DRAWINGS, set())
    geom = None
    if signature is not None and signature not in used:
        geom = drawn_geometry(drawing, gcj02=maps.BASEMAPS[ctx.basemap].gcj02)
    if geom is not None:

        def _add_drawn() -> None:
            """Form callback: runs before the rerun, so one run shows the result."""
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
                edited_part = frames.applicable(ctx.analysis_key, edited, base)
                edited_after = loaders.scenario_analysis(
                    ctx.analysis_key, edited_part.scenario, base
                )
                loaders.scenario_comparison(
                    ctx.analysis_key, edited_part.scenario, base, edited_after
                )
                ss[LAST_EDIT_MS] = (time.perf_counter() - started_edit) * 1000
                undo_stack.append(working)
                ss[work_key] = (edited, base_revision)
                used.add(str(signature))
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
            if geom.geom_type == "Point":
                st.selectbox(
                    t("ws_category_point", lang),
                    options=tax.ids,
                    index=tax.ids.index(ctx.category),
                    format_func=lambda c: tax.get(c).name(lang),
                    key="scn_form_category",
                )
            elif geom.geom_type == "Polygon":
                st.multiselect(
                    t("ws_categories_area", lang),
                    options=tax.ids,
                    default=[ctx.category],
                    format_func=lambda c: tax.get(c).name(lang),
                    key="scn_form_provides",
                )
            st.form_submit_button(t("scn_add", lang), type="primary", on_click=_add_drawn)

    _listing_and_saving(working, base_revision, undo_stack)
    _before_after(comparison)
    _compare_two(working, after)


def _listing_and_saving(working: Scenario, base_revision: int, undo_stack: list[Scenario]) -> None:
    if working.interventions:
        listing = pd.DataFrame(
            {
                t("scn_kind", lang): [t(f"kind_{i.kind}", lang) for i in working.interventions],
                t("col_name", lang): [i.name for i in working.interventions],
                t("category", lang): [
                    tax.get(i.category).name(lang)
                    if i.category is not None and i.category in tax
                    else ", ".join(tax.get(c).name(lang) for c in i.provides if c in tax)
                    for i in working.interventions
                ],
                "id": [i.id for i in working.interventions],
            }
        )
        st.dataframe(listing, hide_index=True, width="stretch")
    b1, b2, b3, b4 = st.columns(4)
    if b1.button(t("scn_undo", lang), disabled=not undo_stack):
        st.session_state[work_key] = (undo_stack.pop(), base_revision)
        rerun_here()
    if b2.button(t("scn_save", lang), type="primary"):
        try:
            result = store.save(working, base_revision=base_revision)
            saved = store.load(picked)
            st.session_state[work_key] = (saved, saved.meta.revision)
            st.session_state.pop(CONFLICT, None)
            st.success(
                t("scn_saved", lang, rev=result.revision)
                + (f" · {t('scn_merged', lang)}" if result.merged else "")
            )
        except ConflictError as conflict:
            st.session_state[CONFLICT] = conflict
        except LifecircleError as exc:
            st.error(f"{t('error', lang)}: {public_markdown(exc)}")
    if b3.button(t("scn_reload", lang)):
        fresh = store.load(picked)
        st.session_state[work_key] = (fresh, fresh.meta.revision)
        rerun_here()
    b4.download_button(
        t("ws_export", lang),
        data=working.dumps().encode("utf-8"),
        file_name=f"{working.id}.geojson",
        mime="application/geo+json",
        on_click="ignore",
        icon=":material/download:",
    )
    conflict_screen(store=store, picked=picked, work_key=work_key, lang=lang)


def _before_after(comparison: object) -> None:
    st.subheader(t("scn_before_after", lang))
    table = comparison.by_category.copy()  # type: ignore[attr-defined]
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


def _compare_two(working: Scenario, working_after: object) -> None:
    """Two scenarios side by side; this page's working copy (unsaved edits) is one choice."""
    st.subheader(t("scn_compare", lang))
    options = [BASELINE, WORKING, *ids]

    def fmt(i: str) -> str:
        if i == BASELINE:
            return t("scn_baseline", lang)
        if i == WORKING:
            return t("ws_working", lang, title=working.meta.title)
        return f"{titles.get(i, i)} ({i})"

    c1, c2 = st.columns(2)
    a_id = c1.selectbox("A", options=options, format_func=fmt, key="cmp_a")
    b_id = c2.selectbox("B", options=options, index=1, format_func=fmt, key="cmp_b")

    def analysis_of(sid: str) -> object:
        if sid == BASELINE:
            return base
        if sid == WORKING:
            return working_after
        scenario = frames.applicable(ctx.analysis_key, store.load(sid), base).scenario
        return loaders.scenario_analysis(ctx.analysis_key, scenario, base)

    try:
        side = loaders.side_by_side(analysis_of(a_id), analysis_of(b_id), lang)
        st.dataframe(side, hide_index=True, width="stretch")
    except LifecircleError as exc:
        st.error(f"{t('error', lang)}: {public_markdown(exc)}")


workshop()
