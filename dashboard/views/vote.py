"""The resident voting page (居民投票): phone-sized, Chinese by default, English available.

A resident reaches it by scanning the room's QR code (``/vote?room=ROOM``, or a ballot
card's ``/vote?room=ROOM&t=TOKEN``) or by typing the room code. It can only read the
room's open round and vote: nothing else of the dashboard runs here (no sidebar, no
analysis, no map). The phone keeps a random device secret in a cookie: it binds a printed
token to this phone, and is the ballot itself in informal rounds.

Every string it shows follows the page's language, refusals included (their reason codes
are translated by :func:`lifecircle.deliberation.text.refusal_text`); Streamlit's own
English chrome (menu, "Running…", "Press Enter") is hidden. The page follows the room by
itself: a phone left open moves to the next round when the facilitator opens it.
"""

from __future__ import annotations

import json

import streamlit as st

from dashboard import deliberation as dl
from geo.deliberation.ballots import BallotPass
from geo.deliberation.codes import new_device_secret, normalise_code
from geo.errors import LifecircleError
from lifecircle.deliberation.text import refusal_text
from lifecircle.i18n import LANGS, t

DEVICE_COOKIE = "lifecircle_device"
PASS_KEY = "vote_pass::{room}"
SHOWN_KEY = "vote_shown_round"  # the round this session's page showed last
# How often an open phone asks whether the round changed. Every ask is a small rerun on the
# server: a room of 200 phones makes 40-70 a second, which a laptop serves.
WAIT_POLL_S = 3.0  # waiting for a round: it shows within 3 s of being opened
FOLLOW_POLL_S = 5.0  # voted: the next round (or the close) shows within 5 s
# Streamlit's chrome speaks English only: the menu, the "Running…" man, "Press Enter".
HIDE_CHROME = """<style>
header[data-testid="stHeader"], [data-testid="stStatusWidget"],
[data-testid="InputInstructions"] { display: none !important; }
</style>"""

query_lang = st.query_params.get("lang")
lang = query_lang if query_lang in LANGS else "zh"  # residents: Chinese unless they pick English
st.set_page_config(
    page_title=t("vote_page_title", lang), layout="centered", initial_sidebar_state="collapsed"
)
st.html(HIDE_CHROME)
picked_lang = st.segmented_control(
    t("vote_lang", lang), options=list(LANGS), default=lang, label_visibility="collapsed",
    format_func=lambda c: {"zh": "中文", "en": "English"}[c], key="vote_lang",
)  # fmt: skip
if picked_lang and picked_lang != lang:
    st.query_params["lang"] = picked_lang
    st.rerun()
st.title(t("vote_title", lang))


def _refuse(exc: LifecircleError) -> None:
    st.error(t("vote_refused", lang, reason=dl.md(refusal_text(exc, lang))))


# --- this phone's secret: from its cookie, else a new one stored in the cookie ---
if "vote_device" not in st.session_state:
    cookie = st.context.cookies.get(DEVICE_COOKIE) or ""
    st.session_state["vote_device"] = cookie if len(cookie) >= 16 else new_device_secret()
device = str(st.session_state["vote_device"])
if st.context.cookies.get(DEVICE_COOKIE) != device:
    st.html(
        "<script>document.cookie = "
        + json.dumps(f"{DEVICE_COOKIE}={device}; path=/; max-age=31536000; SameSite=Lax")
        + ";</script>",
        unsafe_allow_javascript=True,
    )

# --- the room -----------------------------------------------------------------------------------
room = normalise_code(st.query_params.get("room", ""))
if not room:
    typed = st.text_input(t("vote_room", lang), max_chars=12, key="vote_room_typed")
    if st.button(t("vote_enter", lang), type="primary"):
        st.query_params["room"] = normalise_code(typed)
        st.rerun()
    st.stop()

box = dl.store().ballot_box()
try:
    view = box.room(room)
except LifecircleError as exc:
    _refuse(exc)
    st.query_params.pop("room", None)
    st.stop()
pass_key = PASS_KEY.format(room=room)


def late_vote() -> None:
    """A vote sent from a round that has closed (or changed) since the page showed it.

    The rerun that carries the vote no longer draws that round's form, so the vote is cast
    here, and the core refuses it: the resident is told it was not counted.
    """
    before = st.session_state.get(SHOWN_KEY)
    ballot = st.session_state.get(pass_key)
    if not before or before == shown_round or not isinstance(ballot, BallotPass):
        return
    if not st.session_state.get(f"vote_submit::{before}"):
        return
    pick = st.session_state.get(f"vote_pick::{before}")
    choice = [pick] if pick else list(st.session_state.get(f"vote_rank::{before}") or [])
    try:
        box.cast(ballot, str(before), [str(c) for c in choice])
    except LifecircleError as exc:
        _refuse(exc)
    else:  # cannot happen while one round at a time is open; said plainly if it does
        st.success(t("vote_recorded", lang, choice=""))


st.subheader(dl.md(view.topic.title))
if view.topic.description:
    st.caption(dl.md(view.topic.description))
if not view.topic.is_open:
    st.info(t("refusal_topic_closed", lang))
    st.stop()
shown_round = view.round.id if view.round else None
late_vote()  # before anything else: a vote sent just as its round closed is answered
st.session_state[SHOWN_KEY] = shown_round


def follow_room() -> None:
    """Reload the page when the facilitator opens, closes or replaces the round shown."""
    try:
        now = box.room(room)
    except LifecircleError:
        return  # a busy database: ask again at the next tick
    if (now.round.id if now.round else None) != shown_round or not now.topic.is_open:
        st.rerun(scope="app")
    if shown_round is None:
        st.info(t("vote_no_round", lang))


# A phone polls while it waits for a round, and once it has voted (for the next round);
# a phone with a ballot still to fill in does not (a late vote is answered by late_vote).
if view.round is None:
    st.fragment(run_every=WAIT_POLL_S)(follow_room)()
    st.stop()

rnd = view.round
st.markdown(f"**{t('dl_round', lang, n=rnd.number)}** · {dl.md(rnd.question)}")
st.caption(t(f"vote_mode_{rnd.mode}", lang) + " " + t("vote_change_hint", lang))

# --- the ballot: a printed token bound to this phone, or the phone itself ---
ballot = st.session_state.get(pass_key)
try:
    if rnd.mode == "device" and not isinstance(ballot, BallotPass):
        ballot = box.device_pass(room, device)
    token = normalise_code(st.query_params.get("t", ""))
    if rnd.mode == "token" and not (isinstance(ballot, BallotPass) and ballot.kind == "token"):
        ballot = None
        if not token:
            typed = st.text_input(t("vote_token", lang), max_chars=20, key="vote_token_typed")
            if st.button(t("vote_use_token", lang), type="primary"):
                st.query_params["t"] = normalise_code(typed)
                st.rerun()
            st.stop()
        ballot = box.redeem_token(room, token, device)
except LifecircleError as exc:
    _refuse(exc)
    st.query_params.pop("t", None)
    st.stop()
st.session_state[pass_key] = ballot
assert isinstance(ballot, BallotPass)

labels = {a.id: a.label for a in view.options}
status = st.empty()  # filled after the form, from the record: a reload shows it too
with st.form(f"vote::{rnd.id}"):
    if rnd.method == "single":
        pick = st.radio(
            t("vote_choose", lang), options=list(labels), index=None,
            format_func=lambda i: dl.md(labels[i]), key=f"vote_pick::{rnd.id}",
        )  # fmt: skip
        choice = [pick] if pick else []
    else:
        choice = st.multiselect(
            t("vote_rank", lang), options=list(labels),
            format_func=lambda i: labels[i], key=f"vote_rank::{rnd.id}",
            placeholder=t("vote_rank_placeholder", lang),
        )  # fmt: skip
    submitted = st.form_submit_button(
        t("vote_submit", lang), type="primary", width="stretch", key=f"vote_submit::{rnd.id}"
    )
replaced = False
if submitted:
    try:
        replaced = box.cast(ballot, rnd.id, [str(c) for c in choice]).replaced
    except LifecircleError as exc:
        _refuse(exc)
current = box.current_choice(ballot, rnd.id)
if current:
    text = dl.md(" > ".join(labels.get(c, "?") for c in current))
    status.success(t("vote_replaced" if replaced else "vote_recorded", lang, choice=text))
    st.fragment(run_every=FOLLOW_POLL_S)(follow_room)()
