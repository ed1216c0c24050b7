"""The deliberation record on SQLite and on a real PostgreSQL: the seed case, bad input.

Every test runs on both databases (``conftest.py``). Expected results come from plain
Python bookkeeping of what the test did (which voter last chose what), never from the
store's own counting.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import inspect, text, update

from geo.deliberation import schema
from geo.deliberation.codes import format_token, new_device_secret
from geo.deliberation.database import migrate, schema_version
from geo.deliberation.model import (
    DeliberationError,
    FacilitatorKeyError,
    NotOnBallotError,
    RoundClosedError,
    TokenError,
    TopicDraft,
)
from geo.deliberation.store import DeliberationStore, FacilitatorDesk

KEY = "test-facilitator-key"


def desk(store: DeliberationStore) -> FacilitatorDesk:
    return store.desk(KEY, expected_key=KEY)


def seed_topic(store: DeliberationStore) -> tuple[str, dict[str, str]]:
    d = desk(store)
    topic = d.create_topic(
        TopicDraft(
            title="空地怎么用？What to do with the vacant lot",
            description="居民反对建筑垃圾房",
            place={"type": "Point", "coordinates": [121.51, 31.2313]},
            need_category="park_small",
            evidence={"source": "priority", "rows": [{"rank": 1}], "residents_affected": 3000.4},
            district="lujiazui",
        )
    )
    alts = {
        "waste": d.add_alternative(topic.id, label="建筑垃圾房", scenario_id="waste-room").id,
        "garden": d.add_alternative(topic.id, label="通道与花园", scenario_id="garden").id,
        "a": d.add_alternative(topic.id, label="花园方案A", scenario_id="garden-a").id,
        "b": d.add_alternative(topic.id, label="花园方案B", scenario_id="garden-b").id,
        "none": d.add_alternative(topic.id, label="维持现状", scenario_id=None).id,
    }
    return topic.id, alts


def test_the_schema_is_migrated_once_and_matches_the_tables(store: DeliberationStore) -> None:
    assert schema_version(store.engine) == 1
    assert migrate(store.engine) == 1  # idempotent
    inspector = inspect(store.engine)
    for table in schema.METADATA.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    if store.settings.is_sqlite:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_seed_case_two_rounds_and_a_decision(store: DeliberationStore) -> None:
    topic_id, alts = seed_topic(store)
    d = desk(store)
    topic = store.topic(topic_id)
    assert topic.residents_affected == pytest.approx(3000.4)
    assert topic.evidence["rows"] == [{"rank": 1}]
    assert len(topic.room_code) == 6
    codes = d.issue_tokens(topic_id, 30)
    assert len(set(codes)) == 30
    r1 = d.open_round(
        topic_id,
        option_ids=[alts["waste"], alts["garden"], alts["none"]],
        question="垃圾房还是花园？",
    )
    box = store.ballot_box()
    rng = random.Random(7)
    last: dict[str, str] = {}
    passes = []
    for code in codes:
        ballot = box.redeem_token(topic.room_code.lower(), format_token(code), new_device_secret())
        passes.append(ballot)
    for _ in range(80):  # votes and changed votes, in random order
        ballot = rng.choice(passes)
        choice = rng.choice(r1.option_ids)
        box.cast(ballot, r1.id, [choice])
        last[ballot.voter_id] = choice
    expected = Counter(last.values())
    live = store.tally(r1.id)
    assert live.ballots == len(last)
    assert {o.option_id: o.count for o in live.options} == {o: expected[o] for o in r1.option_ids}
    assert store.ballot_count(r1.id, include_superseded=True) == 80  # nothing deleted
    closed = d.close_round(r1.id)
    assert closed.result is not None and closed.result["ballots"] == len(last)
    with pytest.raises(RoundClosedError, match="closed"):
        box.cast(passes[0], r1.id, [alts["garden"]])
    assert store.tally(r1.id) == live  # the closed round's count is the stored one

    r2 = d.open_round(topic_id, option_ids=[alts["a"], alts["b"]], method="ranking")
    assert r2.number == 2
    with pytest.raises(NotOnBallotError, match="round 2"):
        box.cast(passes[0], r2.id, [alts["garden"]])
    for i, ballot in enumerate(passes):
        order = [alts["a"], alts["b"]] if i % 3 else [alts["b"], alts["a"]]
        box.cast(ballot, r2.id, order)
    t2 = store.tally(r2.id)
    assert (t2.of(alts["a"]).count, t2.of(alts["b"]).count) == (20, 10)
    assert (t2.of(alts["a"]).points, t2.of(alts["b"]).points) == (20, 10)
    assert t2.winner == alts["a"]
    done = d.close_topic(
        topic_id, decided_alternative_id=alts["a"], decision="建花园A", follow_up="花园自治小组"
    )
    assert done.status == "closed" and done.decided_alternative_id == alts["a"]
    assert not store.round(r2.id).is_open  # closing the topic closed (and counted) round 2
    with pytest.raises(DeliberationError, match="closed"):
        box.redeem_token(topic.room_code, codes[0], passes[0].device_secret)


def test_tokens_unknown_reused_expired_and_across_rooms(store: DeliberationStore) -> None:
    topic_id, alts = seed_topic(store)
    other_id, _ = seed_topic(store)
    d = desk(store)
    room = store.topic(topic_id).room_code
    code, other_code = d.issue_tokens(topic_id, 2)
    foreign = d.issue_tokens(other_id, 1)[0]
    rnd = d.open_round(topic_id, option_ids=[alts["waste"], alts["garden"]])
    box = store.ballot_box()
    phone, thief = new_device_secret(), new_device_secret()
    with pytest.raises(TokenError, match="not known"):
        box.redeem_token(room, "ABCDE-FGHJK", phone)
    with pytest.raises(TokenError, match="not known"):
        box.redeem_token(room, foreign, phone)  # a token of another room
    first = box.redeem_token(room, code, phone)
    assert box.redeem_token(room, code, phone) == first  # the same phone again: a reload
    with pytest.raises(TokenError, match="another phone"):
        box.redeem_token(room, code, thief)
    box.cast(first, rnd.id, [alts["garden"]])
    # A replayed ballot: someone who copied the pass but not the phone's secret.
    forged = type(first)(voter_id=first.voter_id, device_secret=thief, kind="token")
    with pytest.raises(TokenError):
        box.cast(forged, rnd.id, [alts["waste"]])
    with store.engine.begin() as conn:
        conn.execute(update(schema.tokens).values(expires_at="2000-01-01T00:00:00.000000Z"))
    with pytest.raises(TokenError, match="expired"):
        box.redeem_token(room, other_code, phone)
    with pytest.raises(TokenError, match="expired"):
        box.cast(first, rnd.id, [alts["waste"]])
    tally = store.tally(rnd.id)
    assert tally.ballots == 1 and tally.of(alts["garden"]).count == 1


def test_device_rounds_one_vote_per_device(store: DeliberationStore) -> None:
    topic_id, alts = seed_topic(store)
    d = desk(store)
    room = store.topic(topic_id).room_code
    token_round = d.open_round(topic_id, option_ids=[alts["a"], alts["b"]], mode="token")
    box = store.ballot_box()
    phone = new_device_secret()
    device = box.device_pass(room, phone)
    with pytest.raises(TokenError, match="printed"):
        box.cast(device, token_round.id, [alts["a"]])
    d.close_round(token_round.id)
    informal = d.open_round(topic_id, option_ids=[alts["a"], alts["b"]], mode="device")
    assert box.device_pass(room, phone) == device  # the same device, the same ballot
    box.cast(device, informal.id, [alts["a"]])
    box.cast(box.device_pass(room, phone), informal.id, [alts["b"]])  # changed: last counts
    box.cast(box.device_pass(room, new_device_secret()), informal.id, [alts["b"]])
    tally = store.tally(informal.id)
    assert (tally.ballots, tally.of(alts["a"]).count, tally.of(alts["b"]).count) == (2, 0, 2)
    assert box.current_choice(device, informal.id) == (alts["b"],)
    with pytest.raises(TokenError, match="device identity"):
        box.device_pass(room, "short")


def test_facilitator_actions_need_the_key(store: DeliberationStore) -> None:
    for given in (None, "", "wrong", KEY + " extra"):
        with pytest.raises(FacilitatorKeyError, match="facilitator key"):
            store.desk(given, expected_key=KEY)
    with pytest.raises(FacilitatorKeyError):
        store.desk(KEY, expected_key="")  # no key configured: nobody is a facilitator
    assert store.topics() == []


def test_rounds_refuse_bad_requests(store: DeliberationStore) -> None:
    topic_id, alts = seed_topic(store)
    other_id, other_alts = seed_topic(store)
    d = desk(store)
    with pytest.raises(DeliberationError, match="two"):
        d.open_round(topic_id, option_ids=[alts["a"]])
    with pytest.raises(DeliberationError, match="own alternatives"):
        d.open_round(topic_id, option_ids=[alts["a"], other_alts["b"]])
    rnd = d.open_round(topic_id, option_ids=[alts["a"], alts["b"]])
    with pytest.raises(DeliberationError, match="close the open round"):
        d.open_round(topic_id, option_ids=[alts["a"], alts["b"]])
    ballot = store.ballot_box().redeem_token(
        store.topic(topic_id).room_code, d.issue_tokens(topic_id, 1)[0], new_device_secret()
    )
    with pytest.raises(NotOnBallotError, match="one choice"):
        store.ballot_box().cast(ballot, rnd.id, [alts["a"], alts["b"]])
    with pytest.raises(NotOnBallotError):
        store.ballot_box().cast(ballot, rnd.id, [])
    other_round = d.open_round(other_id, option_ids=[other_alts["a"], other_alts["b"]])
    with pytest.raises(TokenError, match="another room"):
        store.ballot_box().cast(ballot, other_round.id, [other_alts["a"]])
    with pytest.raises(DeliberationError, match="already"):
        d.add_alternative(topic_id, label="x", scenario_id=None)
    with pytest.raises(DeliberationError, match="title"):
        d.create_topic(TopicDraft(title="   "))
    with pytest.raises(DeliberationError, match="between"):
        d.issue_tokens(topic_id, 0)
    assert store.ballot_count(rnd.id, include_superseded=True) == 0


def test_user_text_is_stored_as_typed(store: DeliberationStore) -> None:
    title = "<script>alert(1)</script> **粗体** [link](javascript:x) `code` ${x}"
    topic = desk(store).create_topic(TopicDraft(title=title, description="<img src=x onerror=y>"))
    assert store.topic(topic.id).title == title
    assert store.topic(topic.id).description == "<img src=x onerror=y>"


def test_every_refusal_a_phone_can_meet_names_its_reason(store: DeliberationStore) -> None:
    """The pages translate refusals by their reason: each one a phone can meet has one."""
    topic_id, alts = seed_topic(store)
    d = desk(store)
    room = store.topic(topic_id).room_code
    (code,) = d.issue_tokens(topic_id, 1)
    (stale,) = d.issue_tokens(topic_id, 1, valid_hours=1e-9)
    box = store.ballot_box()
    phone, thief = new_device_secret(), new_device_secret()
    seen: dict[str, dict[str, object]] = {}

    def refused(call: object, *args: object) -> None:
        with pytest.raises(DeliberationError) as caught:
            call(*args)  # type: ignore[operator]
        seen[caught.value.reason] = caught.value.details

    refused(box.room, "NOROOM")
    refused(box.redeem_token, room, code, "short")
    refused(box.redeem_token, room, "", phone)
    refused(box.redeem_token, room, "ABCDE-FGHJK", phone)
    refused(box.redeem_token, room, stale, phone)
    ballot = box.redeem_token(room, code, phone)
    refused(box.redeem_token, room, code, thief)
    r1 = d.open_round(topic_id, option_ids=[alts["waste"], alts["garden"]])
    refused(box.cast, ballot, r1.id, [])
    refused(box.cast, ballot, r1.id, [alts["a"]])
    refused(box.cast, ballot, r1.id, [alts["waste"], alts["garden"]])
    refused(box.cast, box.device_pass(room, thief), r1.id, [alts["waste"]])
    refused(box.cast, type(ballot)(ballot.voter_id, thief, "token"), r1.id, [alts["waste"]])
    refused(box.cast, ballot, "no-such-round", [alts["waste"]])
    d.close_round(r1.id)
    refused(box.cast, ballot, r1.id, [alts["waste"]])
    r2 = d.open_round(topic_id, option_ids=[alts["a"], alts["b"]], method="ranking")
    refused(box.cast, ballot, r2.id, [alts["a"], alts["a"]])
    with pytest.raises(FacilitatorKeyError) as no_key:
        store.desk("wrong", expected_key=KEY)
    seen[no_key.value.reason] = {}
    d.close_topic(topic_id, decided_alternative_id=alts["a"])
    refused(box.redeem_token, room, code, phone)
    assert set(seen) == {
        "room_unknown", "no_device", "token_missing", "token_unknown", "token_expired",
        "token_used", "choose_first", "not_on_ballot", "one_choice", "needs_token",
        "ballot_invalid", "round_unknown", "round_closed", "rank_once", "facilitator_key",
        "topic_closed",
    }  # fmt: skip
    assert seen["round_closed"] == {"number": 1} and seen["not_on_ballot"] == {"number": 1}
    assert seen["room_unknown"] == {"code": "NOROOM"}
