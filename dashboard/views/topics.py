"""Deliberation (议事), the facilitator's page: a topic from residents' needs, its
alternatives side by side, rounds of voting with a live tally, the decision and minutes."""

from __future__ import annotations

from pathlib import Path

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import deliberation as dl
from dashboard import loaders
from dashboard.sidebar import require_context
from geo.deliberation.evidence import draft_from_point, draft_from_priority_row
from geo.deliberation.model import METHODS, MODES, FacilitatorKeyError
from geo.deliberation.outcome import decision_metadata, record_outcome
from geo.errors import LifecircleError
from lifecircle import maps
from lifecircle.deliberation.minutes import load_record, minutes_markdown, minutes_pdf
from lifecircle.deliberation.qr import qr_png
from lifecircle.deliberation.sheets import room_url, vote_sheet_pdf
from lifecircle.deliberation.text import refusal_text
from lifecircle.i18n import t
from lifecircle.maps.offline import make_offline

ctx = require_context()
lang, base = ctx.lang, ctx.analysis
tax = base.taxonomy
store = dl.store()
st.title(f"{t('page_topics', lang)} · {dl.md(base.district.meta.title(lang))}")


def _cat_name(cid: str) -> str:
    return tax.get(cid).name(lang) if cid in tax else cid


def _fail(exc: LifecircleError) -> None:
    st.error(f"{t('error', lang)}: {dl.md(refusal_text(exc, lang, resident=False))}")


# --- the facilitator key --------------------------------------------------------------------
if not dl.is_facilitator():
    st.info(t("dl_key_needed", lang))
    typed = st.text_input(t("dl_key", lang), type="password", help=t("dl_key_help", lang))
    if st.button(t("dl_sign_in", lang), key="dl_sign_in"):
        st.session_state[dl.FACILITATOR_OK] = typed
        try:
            dl.desk()
            st.rerun()
        except FacilitatorKeyError as exc:
            del st.session_state[dl.FACILITATOR_OK]
            _fail(exc)
    st.stop()
st.caption(t("dl_key_ok", lang))

# --- a new topic, from a priority row or a map click ----------------------------------------------
with st.expander(t("dl_new_topic", lang), expanded=not store.topics()):
    source = st.radio(
        t("dl_new_topic", lang),
        options=["priority", "map"],
        format_func=lambda s: t(f"dl_from_{s}", lang),
        horizontal=True,
        label_visibility="collapsed",
        key="dl_source",
    )
    title = st.text_input(t("dl_topic_title", lang), max_chars=200, key="dl_title")
    description = st.text_area(t("dl_topic_description", lang), max_chars=5000, key="dl_desc")
    draft = None
    sample = loaders.sample_survey(base.district.meta.name)
    try:
        if source == "priority" and sample is None:
            st.info(t("dl_no_sample_survey", lang))
        elif source == "priority":
            survey = loaders.survey(
                f"{ctx.analysis_key}|{sample}|gcj02|priority",
                str(sample),
                "gcj02",
                "priority",
                base.district,
            )
            ranked = loaders.priorities(
                f"{ctx.analysis_key}|{sample}|gcj02|priority|hexagon",
                "hexagon",
                base,
                survey.responses,  # type: ignore[attr-defined]
            ).head(30)
            pick = st.selectbox(
                t("dl_priority_row", lang),
                options=list(range(len(ranked))),
                format_func=lambda i: (
                    f"#{ranked.iloc[i]['rank']} · {_cat_name(ranked.iloc[i]['category'])} · "
                    f"{ranked.iloc[i]['residents_not_served']:,.0f} {t('dl_affected', lang)} · "
                    f"{ranked.iloc[i]['unit']}"
                ),
                key="dl_priority_pick",
            )
            if pick is not None:
                draft = draft_from_priority_row(
                    ranked.iloc[int(pick)].to_dict(),
                    by="hexagon",
                    district=base.district.meta.name,
                    title=title,
                    description=description,
                )
        else:
            shift = maps.shift_for(ctx.basemap)
            pmap = maps.new_map(base, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
            maps.base_layer(base, lang=lang, shift=shift).add_to(pmap)
            make_offline(pmap, mode="served")
            clicked = st_folium(
                pmap, key="dl_pick_map", height=380, use_container_width=True,
                returned_objects=["last_clicked"],
            )  # fmt: skip
            point = (clicked or {}).get("last_clicked")
            if point:
                lon, lat = float(point["lng"]), float(point["lat"])
                if maps.BASEMAPS[ctx.basemap].gcj02:  # the click is in the basemap's GCJ-02
                    from geo.inputs.china_coords import gcj02_to_wgs84

                    lons, lats = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
                    lon, lat = float(lons[0]), float(lats[0])
                draft = draft_from_point(
                    loaders.hexagons(ctx.analysis_key, base), lon, lat,
                    category=ctx.category, district=base.district.meta.name, title=title,
                )  # fmt: skip
        if st.button(t("dl_create_topic", lang), type="primary", disabled=draft is None):
            assert draft is not None
            if description and not draft.description:
                draft = type(draft)(**{**draft.__dict__, "description": description})
            created = dl.desk().create_topic(draft)
            st.session_state["dl_topic"] = created.id
            st.rerun()
    except LifecircleError as exc:
        _fail(exc)

topics = store.topics()
if not topics:
    st.info(t("dl_no_topics", lang))
    st.stop()
titles = {tp.id: tp.title for tp in topics}
topic_id = st.selectbox(
    t("dl_topic", lang), options=list(titles), format_func=lambda i: titles[i], key="dl_topic"
)
topic = store.topic(str(topic_id))
alternatives = store.alternatives(topic.id)
labels = {a.id: a.label for a in alternatives}
rounds = store.rounds(topic.id)

# --- the topic and its evidence -------------------------------------------------------------
st.subheader(dl.md(topic.title))
if topic.description:
    st.markdown(dl.md(topic.description))
m1, m2, m3 = st.columns(3)
m1.metric(t("dl_room_code", lang), topic.room_code)
m2.metric(t("dl_need", lang), _cat_name(topic.need_category) if topic.need_category else "—")
m3.metric(t("dl_affected", lang), f"{topic.residents_affected:,.0f}")
with st.expander(t("dl_evidence", lang)):
    rows = topic.evidence.get("rows")
    if rows:
        st.dataframe(pd.DataFrame(rows).astype(str), hide_index=True, width="stretch")
    else:
        st.dataframe(pd.Series(topic.evidence).astype(str), width="stretch")

# --- alternatives, side by side -----------------------------------------------------------------
st.header(t("dl_alternatives", lang))
if topic.is_open:
    with st.form("dl_add_alt", clear_on_submit=True):
        choices = dl.scenario_choices(base.district.meta.name)
        options = ["__none__", *choices]
        scenario = st.selectbox(
            t("dl_scenario", lang),
            options=options,
            format_func=lambda i: (
                t("dl_do_nothing", lang) if i == "__none__" else f"{choices[i]} ({i})"
            ),
            key="dl_alt_scenario",
        )
        label = st.text_input(t("dl_label", lang), max_chars=200, key="dl_alt_label")
        if st.form_submit_button(t("dl_add_alternative", lang)):
            sid = None if scenario == "__none__" else str(scenario)
            try:
                impact = dl.impact_of(ctx.analysis_key, base, sid)
                name = label.strip() or (t("dl_do_nothing", lang) if sid is None else choices[sid])
                dl.desk().add_alternative(topic.id, label=name, scenario_id=sid, impact=impact)
                st.rerun()
            except LifecircleError as exc:
                _fail(exc)
if alternatives:
    st.table(dl.side_by_side(alternatives, base, lang).set_index(""))
    # One difference map at a time: every map is the whole district, and every rerun of
    # this page (each click of the facilitator) would send them all again.
    mapped = {a.id: a for a in alternatives if a.scenario_id is not None}
    shown = st.selectbox(
        t("dl_difference_map", lang),
        options=list(mapped),
        format_func=lambda i: mapped[i].label,
        index=None,
        placeholder=t("dl_difference_map_pick", lang),
        key="dl_diff_pick",
    )
    if shown in mapped and mapped[shown].scenario_id:
        alt_sid = str(mapped[shown].scenario_id)
        after, comparison = dl.scenario_after(ctx.analysis_key, base, alt_sid)
        shift = maps.shift_for(ctx.basemap)
        fmap = maps.new_map(after, basemap=ctx.basemap, lang=lang, tianditu_key=ctx.tianditu_key)
        maps.base_layer(after, lang=lang, shift=shift).add_to(fmap)
        maps.difference_layer(comparison, lang=lang, shift=shift).add_to(fmap)
        alt_scenario = dl.load_scenario(alt_sid, base.district.meta.name)
        maps.scenario_layer(alt_scenario, taxonomy=tax, lang=lang, shift=shift).add_to(fmap)
        folium.LayerControl(collapsed=True).add_to(fmap)
        fmap.add_child(maps.Legend(maps.scenario_legend(lang)))
        make_offline(fmap, mode="served")
        st_folium(
            fmap, key="dl_diff_map", height=360, use_container_width=True, returned_objects=[]
        )


# --- rounds ---------------------------------------------------------------------------------
st.header(t("dl_rounds", lang))
url = room_url(dl.base_url(), topic.room_code)
open_round = next((r for r in rounds if r.is_open), None)
for rnd in rounds:
    if rnd.is_open:
        continue
    st.markdown(
        f"**{t('dl_round', lang, n=rnd.number)}** · {dl.md(rnd.question)} · "
        f"{t('dl_round_closed', lang)}"
    )
    st.table(dl.tally_frame(store.tally(rnd.id), labels, lang).set_index(t("md_option", lang)))

if open_round is not None:
    q1, q2 = st.columns([1, 3])
    q1.image(qr_png(url), width=180)
    q2.markdown(
        f"### {t('dl_round', lang, n=open_round.number)} · {dl.md(open_round.question)}\n\n"
        f"{dl.md(t('dl_scan', lang, url=url, room=topic.room_code))}\n\n"
        f"{t(f'dl_mode_{open_round.mode}', lang)}"
    )

    live_round = open_round  # bound for the fragment: narrowing stops at a function

    @st.fragment(run_every=1.0)
    def live_tally() -> None:
        """Re-run every second while the round is open: the tally updates by itself."""
        tally = store.tally(live_round.id)
        st.metric(t("dl_ballots", lang), tally.ballots, help=t("dl_live", lang))
        if live_round.mode == "token":  # tokens used so far, live too
            n_issued, n_used = store.tokens_issued(topic.id)
            st.caption(t("dl_tokens_issued", lang, n=n_issued, used=n_used))
        st.table(dl.tally_frame(tally, labels, lang).set_index(t("md_option", lang)))

    live_tally()
    if st.button(t("dl_close_round", lang), type="primary", key="dl_close_round"):
        try:
            dl.desk().close_round(open_round.id)
            st.rerun()
        except LifecircleError as exc:
            _fail(exc)
elif topic.is_open and len(alternatives) >= 2:
    with st.form("dl_open_round"):
        question = st.text_input(t("dl_question", lang), max_chars=200, key="dl_question")
        picked = st.multiselect(
            t("dl_options", lang), options=[a.id for a in alternatives],
            format_func=lambda i: labels[i], key="dl_round_options",
        )  # fmt: skip
        method = st.radio(
            t("dl_method", lang),
            METHODS,
            format_func=lambda m: t(f"dl_method_{m}", lang),
            horizontal=True,
            key="dl_method",
        )
        mode = st.radio(
            t("dl_mode", lang), MODES, format_func=lambda m: t(f"dl_mode_{m}", lang), key="dl_mode"
        )
        if st.form_submit_button(t("dl_open_round", lang), type="primary"):
            try:
                dl.desk().open_round(
                    topic.id,
                    option_ids=picked,
                    question=question,
                    method=str(method),
                    mode=str(mode),
                )
                st.rerun()
            except LifecircleError as exc:
                _fail(exc)

# --- printed ballot tokens ------------------------------------------------------------------------
if topic.is_open:
    with st.expander(t("dl_tokens", lang)):
        # During a token round the live tally shows the count; a second, stale one would not.
        if not (open_round and open_round.mode == "token"):
            issued, used = store.tokens_issued(topic.id)
            st.caption(t("dl_tokens_issued", lang, n=issued, used=used))
        n = st.number_input(
            t("dl_tokens_n", lang), min_value=1, max_value=2000, value=40, step=1, key="dl_tokens_n"
        )
        if st.button(t("dl_tokens_make", lang), key="dl_tokens_make"):
            try:
                codes = dl.desk().issue_tokens(topic.id, int(n))
                st.session_state["dl_sheet"] = (
                    topic.id,
                    vote_sheet_pdf(topic, codes, base_url=dl.base_url(), lang=lang),
                )
                st.rerun()  # the count above includes the new tokens
            except LifecircleError as exc:
                _fail(exc)
    # Outside the expander: the rerun that counts the new tokens can redraw it closed.
    sheet = st.session_state.get("dl_sheet")
    if sheet and sheet[0] == topic.id:
        st.download_button(
            "PDF",
            data=sheet[1],
            file_name=f"ballots-{topic.room_code}.pdf",
            mime="application/pdf",
            key="dl_sheet_download",
            on_click="ignore",
        )

# --- the decision and the minutes ---------------------------------------------------------
st.header(t("dl_decision", lang))
minutes_dir = loaders.minutes_folder()
if topic.is_open and alternatives:
    last = next((r for r in reversed(rounds) if not r.is_open), None)
    winner = store.tally(last.id).winner if last else None
    ids = [a.id for a in alternatives]
    with st.form("dl_decide"):
        # Keyed by the last closed round: its winner is the default, also after a widget of
        # an earlier round was drawn (Streamlit keeps a keyed widget's first value).
        decided = st.selectbox(
            t("dl_outcome", lang),
            options=ids,
            index=ids.index(winner) if winner in ids else 0,
            format_func=lambda i: labels[i],
            key=f"dl_decided::{last.id if last else ''}",
        )
        decision = st.text_area(t("dl_decision_text", lang), max_chars=5000, key="dl_decision_text")
        follow_up = st.text_area(t("dl_follow_up", lang), max_chars=5000, key="dl_follow_up")
        if st.form_submit_button(t("dl_close_topic", lang), type="primary"):
            try:
                closed = dl.desk().close_topic(
                    topic.id,
                    decided_alternative_id=str(decided),
                    decision=decision,
                    follow_up=follow_up,
                )
                record = load_record(store, closed.id)
                chosen = next(a for a in alternatives if a.id == closed.decided_alternative_id)
                if chosen.scenario_id:
                    meta = decision_metadata(
                        closed, list(record.alternatives), list(record.rounds), record.tallies
                    )
                    record_outcome(
                        chosen.scenario_id,
                        meta,
                        workshop=loaders.scenario_store(base.district.meta.name),
                    )
                minutes_dir.mkdir(parents=True, exist_ok=True)
                from geo.scenarios.files import atomic_write

                atomic_write(
                    minutes_dir / f"{closed.id}.md",
                    minutes_markdown(record, category_name=_cat_name, lang=lang).encode("utf-8"),
                )
                atomic_write(
                    minutes_dir / f"{closed.id}.pdf",
                    minutes_pdf(record, category_name=_cat_name, lang=lang),
                )
                st.rerun()
            except (LifecircleError, OSError) as exc:
                st.error(f"{t('error', lang)}: {dl.md(exc)}")
elif not topic.is_open:
    st.success(
        f"{t('dl_closed', lang)} · {t('dl_outcome', lang)}: "
        f"{dl.md(labels.get(topic.decided_alternative_id or '', '—'))}"
    )
    st.markdown(
        f"{dl.md(topic.decision)}\n\n**{t('md_follow_up', lang)}**: {dl.md(topic.follow_up)}"
    )
    for suffix, key, mime in (
        ("md", "dl_minutes_md", "text/markdown"),
        ("pdf", "dl_minutes_pdf", "application/pdf"),
    ):
        path: Path = minutes_dir / f"{topic.id}.{suffix}"
        if path.exists():
            st.download_button(
                t(key, lang),
                data=path.read_bytes(),
                file_name=f"minutes-{topic.room_code}.{suffix}",
                mime=mime,
                key=key,
                on_click="ignore",
            )
