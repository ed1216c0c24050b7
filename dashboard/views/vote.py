"""The resident voting page (居民投票): phone-sized, Chinese by default, English available.

A resident reaches it by scanning the room's QR code (``/vote?room=ROOM``, or a ballot
card's ``/vote?room=ROOM&t=TOKEN``) or by typing the room code. It can only read the
room's open round and vote: nothing else of the dashboard runs here (no sidebar, no
analysis). The phone keeps a random device secret in a cookie: it binds a printed token
to this phone, and is the ballot itself in informal rounds.
"""

from __future__ import annotations

import json

import streamlit as st

from dashboard import deliberation as dl
from geo.deliberation.ballots import BallotPass
from geo.deliberation.codes import new_device_secret, normalise_code
from geo.errors import LifecircleError
from lifecircle.i18n import LANGS, t

DEVICE_COOKIE = "lifecircle_device"
PASS_KEY = "vote_pass::{room}"

st.set_page_config(page_title="投票 · Vote", layout="centered", initial_sidebar_state="collapsed")
query_lang = st.query_params.get("lang")
lang = query_lang if query_lang in LANGS else "zh"  # residents: Chinese unless they pick English
picked_lang = st.segmented_control(
    "lang", options=list(LANGS), default=lang, label_visibility="collapsed",
    format_func=lambda c: {"zh": "中文", "en": "English"}[c], key="vote_lang",
)  # fmt: skip
if picked_lang and picked_lang != lang:
    st.query_params["lang"] = picked_lang
    st.rerun()
st.title(t("vote_title", lang))


def _refuse(exc: LifecircleError) -> None:
    st.error(t("vote_refused", lang, reason=dl.md(exc)))


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
st.subheader(dl.md(view.topic.title))
if view.topic.description:
    st.caption(dl.md(view.topic.description))

if view.round is None:

    @st.fragment(run_every=2.0)
    def wait_for_round() -> None:
        """Polls until the facilitator opens a round, then reloads the page."""
        if box.room(room).round is not None:
            st.rerun(scope="app")
        st.info(t("vote_no_round", lang))

    wait_for_round()
    st.stop()

rnd = view.round
st.markdown(f"**{t('dl_round', lang, n=rnd.number)}** · {dl.md(rnd.question)}")
st.caption(t(f"vote_mode_{rnd.mode}", lang) + " " + t("vote_change_hint", lang))

# --- the ballot: a printed token bound to this phone, or the phone itself ---
pass_key = PASS_KEY.format(room=room)
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
current = box.current_choice(ballot, rnd.id)
if current:
    st.info(t("vote_current", lang, choice=dl.md(" > ".join(labels.get(c, "?") for c in current))))
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
        )  # fmt: skip
    submitted = st.form_submit_button(t("vote_submit", lang), type="primary", width="stretch")
if submitted:
    try:
        receipt = box.cast(ballot, rnd.id, [str(c) for c in choice])
        text = " > ".join(labels.get(c, "?") for c in receipt.choice)
        st.success(
            t("vote_replaced" if receipt.replaced else "vote_recorded", lang, choice=dl.md(text))
        )
    except LifecircleError as exc:
        _refuse(exc)
