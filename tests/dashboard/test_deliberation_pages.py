"""The deliberation pages under ``AppTest``: the resident's ballot and the facilitator's desk.

Topics are set up through the store itself, on the same SQLite file the app opens (the
session's scenario folder, see ``conftest.py``). Every message is compared with the string
tables (``lifecircle.i18n``) and every piece of user text with its Markdown-escaped form:
the pages must show what was typed as text, never as Markdown or HTML.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import loaders
from geo.deliberation.database import database_url
from geo.deliberation.model import REFUSALS, TopicDraft
from geo.deliberation.store import DeliberationStore, FacilitatorDesk
from lifecircle.deliberation.text import markdown_text
from lifecircle.i18n import LANGS, STRINGS, t
from tests.dashboard.conftest import APP_PATH, APP_TIMEOUT_S

KEY = "apptest-facilitator-key"
TITLE = "空地<img src=x onerror=alert(1)> **粗体** [link](javascript:alert(1)) <script>x</script>"
_ROOMS = itertools.count(1)
GARDEN = "Passage & garden <b>now</b>"
WASTE = "Waste room _under_ `code`"


@dataclass(frozen=True)
class Room:
    store: DeliberationStore
    desk: FacilitatorDesk
    topic_id: str
    title: str
    code: str
    round_id: str
    options: dict[str, str]  # label → alternative id
    tokens: list[str]


def _drop_cached_stores() -> None:
    # (Scenario stores are cached by folder: a new LIFECIRCLE_SCENARIO_DIR gets new ones.)
    loaders.deliberation_store.clear()


@pytest.fixture(scope="module")
def delib_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A scenario folder (and deliberation record) of this module's own.

    Topics decided here show on the map page; the other modules' pages must not see them.
    """
    folder = tmp_path_factory.mktemp("deliberation-pages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_SCENARIO_DIR", str(folder))
        mp.delenv("LIFECIRCLE_DB_URL", raising=False)
        _drop_cached_stores()
        yield folder
    _drop_cached_stores()


@pytest.fixture
def store(delib_dir: Path) -> Iterator[DeliberationStore]:
    opened = DeliberationStore(database_url(delib_dir, env={}))
    try:
        yield opened
    finally:
        opened.close()


def open_room(store: DeliberationStore, *, mode: str = "token", tokens: int = 3) -> Room:
    desk = store.local_desk()
    # A title of its own: a select box finds its option by the text it shows.
    title = f"{TITLE} #{next(_ROOMS)}"
    topic = desk.create_topic(TopicDraft(title=title, description="说明 <i>x</i>"))
    alts = [
        desk.add_alternative(topic.id, label=label, scenario_id=sid)
        for label, sid in ((WASTE, "example-waste-room"), (GARDEN, "example-passage-and-garden"))
    ]
    rnd = desk.open_round(
        topic.id, option_ids=[a.id for a in alts], question="垃圾房 **还是** 花园？", mode=mode
    )
    codes = desk.issue_tokens(topic.id, tokens) if mode == "token" else []
    return Room(
        store, desk, topic.id, title, topic.room_code, rnd.id, {a.label: a.id for a in alts}, codes
    )


def vote_page(
    *, room: str | None = None, token: str | None = None, lang: str | None = None
) -> AppTest:
    at = AppTest.from_file(str(APP_PATH), default_timeout=APP_TIMEOUT_S)
    for name, value in (("room", room), ("t", token), ("lang", lang)):
        if value is not None:
            at.query_params[name] = value
    at.switch_page("views/vote.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def refused(reason: str, lang: str, **details: object) -> str:
    text = t(f"refusal_{reason}", lang, **{"code": "?", "number": "?", **details})
    return t("vote_refused", lang, reason=markdown_text(text))


# ------------------------------------------------------------------------ the strings


def test_every_refusal_reads_in_both_languages() -> None:
    for reason in REFUSALS:
        entry = STRINGS[f"refusal_{reason}"]
        assert set(entry) == set(LANGS), reason


# -------------------------------------------------------------------- the resident page


@pytest.mark.parametrize("lang", [None, "en"])
def test_a_resident_votes_with_a_printed_token(store: DeliberationStore, lang: str | None) -> None:
    room = open_room(store)
    at = vote_page(room=room.code, token=room.tokens[0], lang=lang)
    shown = lang or "zh"  # Chinese unless the resident picks English
    assert [e.value for e in at.title] == [t("vote_title", shown)]
    (heading,) = at.subheader
    assert heading.value == markdown_text(room.title)
    assert "<img" not in heading.value and "&lt;img" in heading.value
    assert any(t("vote_mode_token", shown) in c.value for c in at.caption)
    (radio,) = at.radio
    assert radio.label == t("vote_choose", shown)
    assert radio.options == [markdown_text(WASTE), markdown_text(GARDEN)]
    assert at.button(key=f"vote_submit::{room.round_id}").label == t("vote_submit", shown)

    radio.set_value(room.options[GARDEN])
    at.button(key=f"vote_submit::{room.round_id}").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        t("vote_recorded", shown, choice=markdown_text(GARDEN))
    ]
    assert store.tally(room.round_id).ballots == 1
    # Voting again replaces the vote: still one ballot.
    at.radio[0].set_value(room.options[WASTE])
    at.button(key=f"vote_submit::{room.round_id}").click().run()
    assert [s.value for s in at.success] == [t("vote_replaced", shown, choice=markdown_text(WASTE))]
    tally = store.tally(room.round_id)
    assert tally.ballots == 1 and tally.winner == room.options[WASTE]


def test_the_page_says_which_mode_is_in_force(store: DeliberationStore) -> None:
    room = open_room(store, mode="device")
    at = vote_page(room=room.code)
    assert any(t("vote_mode_device", "zh") in c.value for c in at.caption)
    assert not at.text_input  # no code to type in an informal round


@pytest.mark.parametrize("lang", LANGS)
def test_tokens_refused_unknown_reused_expired(store: DeliberationStore, lang: str) -> None:
    room = open_room(store)
    unknown = vote_page(room=room.code, token="AAAAA-BBBBB", lang=lang)
    assert [e.value for e in unknown.error] == [refused("token_unknown", lang)]
    assert not unknown.radio

    vote_page(room=room.code, token=room.tokens[1], lang=lang)  # the first phone takes it
    other_phone = vote_page(room=room.code, token=room.tokens[1], lang=lang)
    assert [e.value for e in other_phone.error] == [refused("token_used", lang)]

    (expired_code,) = room.desk.issue_tokens(room.topic_id, 1, valid_hours=1e-9)
    expired = vote_page(room=room.code, token=expired_code, lang=lang)
    assert [e.value for e in expired.error] == [refused("token_expired", lang)]

    nowhere = vote_page(room="ZZZZZZ", lang=lang)
    assert [e.value for e in nowhere.error] == [refused("room_unknown", lang, code="ZZZZZZ")]
    assert store.tally(room.round_id).ballots == 0  # nothing counted


def test_a_vote_sent_as_the_round_closes_is_refused_in_chinese(store: DeliberationStore) -> None:
    room = open_room(store)
    at = vote_page(room=room.code, token=room.tokens[0])
    at.radio[0].set_value(room.options[GARDEN])
    room.desk.close_round(room.round_id)  # the facilitator closes it meanwhile
    at.button(key=f"vote_submit::{room.round_id}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [refused("round_closed", "zh", number=1)]
    assert any(t("vote_no_round", "zh") in i.value for i in at.info)
    assert store.tally(room.round_id).ballots == 0


def test_the_page_follows_the_topic_to_its_end(store: DeliberationStore) -> None:
    room = open_room(store)
    room.desk.close_round(room.round_id)
    waiting = vote_page(room=room.code, token=room.tokens[0])
    assert [i.value for i in waiting.info] == [t("vote_no_round", "zh")]
    room.desk.close_topic(room.topic_id, decided_alternative_id=room.options[GARDEN])
    closed = vote_page(room=room.code, token=room.tokens[0], lang="en")
    assert [i.value for i in closed.info] == [t("refusal_topic_closed", "en")]


# ------------------------------------------------------------------ the facilitator page


@pytest.fixture
def facilitator_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The server's facilitator key for this test (the cached key is dropped around it)."""
    monkeypatch.setenv(loaders.FACILITATOR_KEY_ENV, KEY)
    loaders.facilitator_key.clear()
    yield KEY
    loaders.facilitator_key.clear()


def topics_page(app_test: Callable[..., AppTest]) -> AppTest:
    at = app_test(lang="en")
    at.switch_page("views/topics.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_facilitator_page_needs_the_key(
    app_test: Callable[..., AppTest], store: DeliberationStore, facilitator_key: str
) -> None:
    room = open_room(store)
    at = topics_page(app_test)
    assert [i.value for i in at.info] == [t("dl_key_needed", "en")]
    (key_box,) = at.text_input
    assert key_box.label == t("dl_key", "en")
    key_box.input("wrong")
    at.button(key="dl_sign_in").click().run()
    assert [e.value for e in at.error] == [
        f"{t('error', 'en')}: {markdown_text(t('refusal_facilitator_key', 'en'))}"
    ]
    labels = [b.label for b in at.button]
    assert t("dl_create_topic", "en") not in labels and t("dl_close_round", "en") not in labels
    assert store.round(room.round_id).is_open  # nothing ran


def test_the_facilitator_runs_a_round_with_a_live_tally(
    app_test: Callable[..., AppTest], store: DeliberationStore, facilitator_key: str
) -> None:
    room = open_room(store)
    at = topics_page(app_test)
    at.text_input[0].input(facilitator_key)
    at.button(key="dl_sign_in").click().run()
    assert not at.exception and t("dl_key_ok", "en") in [c.value for c in at.caption]
    at.selectbox(key="dl_topic").set_value(room.topic_id).run()
    assert markdown_text(room.title) in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("dl_room_code", "en")] == room.code
    assert metrics[t("dl_ballots", "en")] == "0"
    # A vote from a phone shows in the tally at the next rerun of the live fragment.
    voter = room.store.ballot_box().redeem_token(room.code, room.tokens[0], "d" * 32)
    room.store.ballot_box().cast(voter, room.round_id, [room.options[GARDEN]])
    at.run()
    assert {m.label: m.value for m in at.metric}[t("dl_ballots", "en")] == "1"
    # The tokens' count shows once, live (a stale copy in the token expander would say 0 used).
    counts = [c.value for c in at.caption if "issued" in c.value]
    assert counts == [t("dl_tokens_issued", "en", n=3, used=1)]
    tally_table = at.table[-1].value
    assert markdown_text(GARDEN) in tally_table.index
    at.button(key="dl_close_round").click().run()
    assert not at.exception
    assert not store.round(room.round_id).is_open
    assert at.text_input(key="dl_question").label == t("dl_question", "en")


# ---------------------------------------------------------------------- the main map page


def test_the_map_page_shows_a_decided_scenario(
    app_test: Callable[..., AppTest], store: DeliberationStore
) -> None:
    room = open_room(store)
    room.desk.close_round(room.round_id)
    room.desk.close_topic(room.topic_id, decided_alternative_id=room.options[GARDEN])
    at = app_test(lang="en")
    notices = [i.value for i in at.info if t("layer_decided", "en") in i.value]
    assert notices and markdown_text(room.title) in notices[0]
    assert markdown_text(GARDEN) in notices[0]
    (component,) = [
        e.proto for e in at.main.get("component_instance")
        if e.proto.component_name == "streamlit_folium.st_folium"
    ]  # fmt: skip
    control = json.loads(component.json_args)["layer_control"] or ""
    assert t("layer_decided", "en") in control
    assert "Scenarios" not in control  # the decided features are one layer, not a list
