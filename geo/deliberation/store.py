"""The deliberation record: topics, alternatives, rounds, tokens and decisions.

:class:`DeliberationStore` opens the database (SQLite or PostgreSQL, see
:mod:`geo.deliberation.database`) and reads anything. Changes go through two narrower
objects:

- :class:`FacilitatorDesk` (:meth:`DeliberationStore.desk`, only with the facilitator
  key): create topics, add alternatives, open and close rounds, issue ballot tokens,
  close a topic with its decision;
- :class:`~geo.deliberation.ballots.BallotBox` (:meth:`DeliberationStore.ballot_box`):
  what a resident's phone may do, which is to read the open round and vote.

Every change is one transaction: it happens entirely or not at all.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geo.deliberation import records, schema
from geo.deliberation.ballots import BallotBox
from geo.deliberation.codes import hash_secret, keys_match, new_id, new_room_code, new_token_code
from geo.deliberation.database import (
    DatabaseSettings,
    connect_database,
    read_transaction,
    with_retries,
)
from geo.deliberation.model import (
    METHODS,
    MODES,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    Alternative,
    DeliberationError,
    FacilitatorKeyError,
    Round,
    Topic,
    TopicDraft,
    clean_text,
    now_iso,
)
from geo.deliberation.tally import Tally, count_ballots

__all__ = ["DEFAULT_TOKEN_VALID_HOURS", "DeliberationStore", "FacilitatorDesk"]

DEFAULT_TOKEN_VALID_HOURS = 72.0
MAX_TOKENS_PER_SHEET = 2000


class DeliberationStore:
    """The deliberation database, opened and migrated.

    Parameters
    ----------
    settings
        Where the database is (:func:`~geo.deliberation.database.database_url`).
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.engine: Engine = connect_database(settings)

    def close(self) -> None:
        self.engine.dispose()

    # -- who may change what --

    def desk(self, key: object, *, expected_key: str) -> FacilitatorDesk:
        """The facilitator's actions, if ``key`` is the facilitator key.

        Raises
        ------
        FacilitatorKeyError
            The key is missing or wrong; nothing is changed.
        """
        if not keys_match(key, expected_key):
            raise FacilitatorKeyError(
                "this needs the facilitator key (LIFECIRCLE_FACILITATOR_KEY, printed when "
                "the dashboard starts); nothing was changed"
            )
        return FacilitatorDesk(self)

    def local_desk(self) -> FacilitatorDesk:
        """The facilitator's actions for the command line, which holds the database itself."""
        return FacilitatorDesk(self)

    def ballot_box(self) -> BallotBox:
        """What a resident's phone may do: read the open round of a room, and vote."""
        return BallotBox(self.engine)

    # -- reading --

    def topics(self) -> builtins.list[Topic]:
        """Every topic, newest first."""
        with read_transaction(self.engine) as conn:
            rows = conn.execute(
                select(schema.topics).order_by(schema.topics.c.created_at.desc())
            ).mappings()
            return [records.topic_from_row(r) for r in rows]

    def topic(self, topic_id: str) -> Topic:
        with read_transaction(self.engine) as conn:
            return records.get_topic(conn, topic_id)

    def find_topic(self, ref: str) -> Topic:
        """A topic by id, room code or unique id prefix (for the command line)."""
        text = str(ref).strip()
        matches = [t for t in self.topics() if t.id == text or t.room_code == text.upper()] or [
            t for t in self.topics() if len(text) >= 4 and t.id.startswith(text)
        ]
        if len(matches) != 1:
            raise DeliberationError(
                f"no topic {text[:40]!r}" if not matches else f"{text!r} names several topics"
            )
        return matches[0]

    def alternatives(self, topic_id: str) -> builtins.list[Alternative]:
        with read_transaction(self.engine) as conn:
            return records.list_alternatives(conn, topic_id)

    def rounds(self, topic_id: str) -> builtins.list[Round]:
        with read_transaction(self.engine) as conn:
            return records.list_rounds(conn, topic_id)

    def round(self, round_id: str) -> Round:
        with read_transaction(self.engine) as conn:
            return records.get_round(conn, round_id)

    def tally(self, round_id: str) -> Tally:
        """The count of a round now (the stored count for a closed round)."""
        with read_transaction(self.engine) as conn:
            rnd = records.get_round(conn, round_id)
            if not rnd.is_open and rnd.result is not None:
                return Tally.from_json(rnd.result)
            choices = records.current_choices(conn, round_id)
        return count_ballots(round_id, rnd.method, rnd.option_ids, choices)

    def ballot_count(self, round_id: str, *, include_superseded: bool = False) -> int:
        """Ballots of a round: current ones, or every ballot ever cast (changes included)."""
        query = select(func.count()).select_from(schema.ballots)
        query = query.where(schema.ballots.c.round_id == round_id)
        if not include_superseded:
            query = query.where(schema.ballots.c.is_current == 1)
        with read_transaction(self.engine) as conn:
            return int(conn.execute(query).scalar() or 0)

    def tokens_issued(self, topic_id: str) -> tuple[int, int]:
        """(tokens issued, tokens redeemed) of a topic."""
        with read_transaction(self.engine) as conn:
            issued = conn.execute(
                select(func.count()).where(schema.tokens.c.topic_id == topic_id)
            ).scalar()
            used = conn.execute(
                select(func.count()).where(
                    schema.tokens.c.topic_id == topic_id, schema.tokens.c.voter_id.is_not(None)
                )
            ).scalar()
        return int(issued or 0), int(used or 0)


class FacilitatorDesk:
    """What a facilitator may change (obtained with the key from :meth:`DeliberationStore.desk`)."""

    def __init__(self, store: DeliberationStore) -> None:
        self.store = store

    def _write(self, work: Any) -> Any:
        return with_retries(self.store.engine, work)

    # -- topics and alternatives --

    def create_topic(self, draft: TopicDraft) -> Topic:
        """Store a new open topic with a fresh room code."""
        title = clean_text(draft.title, max_chars=TITLE_MAX_CHARS)
        if not title:
            raise DeliberationError("a topic needs a title")
        evidence = dict(draft.evidence or {})
        try:
            affected = float(evidence.get("residents_affected", 0.0) or 0.0)
            evidence_json = records.dump_json(evidence)
            place_json = records.dump_json(dict(draft.place)) if draft.place else None
        except (TypeError, ValueError) as exc:
            raise DeliberationError(f"the topic's evidence cannot be stored: {exc}") from exc

        def work(conn: Connection) -> Topic:
            topic_id = new_id()
            for _ in range(20):  # room codes are short: draw again on the rare collision
                code = new_room_code()
                taken = conn.execute(
                    select(schema.topics.c.id).where(schema.topics.c.room_code == code)
                ).first()
                if taken is None:
                    break
            conn.execute(
                insert(schema.topics).values(
                    id=topic_id,
                    room_code=code,
                    title=title,
                    description=clean_text(draft.description, max_chars=TEXT_MAX_CHARS),
                    place_json=place_json,
                    need_category=clean_text(draft.need_category, max_chars=64),
                    evidence_json=evidence_json,
                    residents_affected=affected,
                    district=clean_text(draft.district, max_chars=64),
                    status="open",
                    created_at=now_iso(),
                    decision="",
                    follow_up="",
                )
            )
            return records.get_topic(conn, topic_id)

        return self._write(work)  # type: ignore[no-any-return]

    def add_alternative(
        self,
        topic_id: str,
        *,
        label: str,
        scenario_id: str | None,
        impact: Mapping[str, Any] | None = None,
    ) -> Alternative:
        """Add an alternative (a scenario id, or None for "do nothing") to an open topic."""
        clean_label = clean_text(label, max_chars=TITLE_MAX_CHARS)
        if not clean_label:
            raise DeliberationError("an alternative needs a name")
        impact_json = records.dump_json(dict(impact)) if impact is not None else None

        def work(conn: Connection) -> Alternative:
            topic = records.get_topic(conn, topic_id, lock=True)
            if not topic.is_open:
                raise DeliberationError(f"topic '{topic.title}' is closed")
            existing = records.list_alternatives(conn, topic.id)
            if scenario_id is None and any(a.is_do_nothing for a in existing):
                raise DeliberationError("this topic already has 'do nothing'")
            if scenario_id is not None and any(a.scenario_id == scenario_id for a in existing):
                raise DeliberationError(f"scenario '{scenario_id}' is already an alternative")
            alt_id = new_id()
            conn.execute(
                insert(schema.alternatives).values(
                    id=alt_id,
                    topic_id=topic.id,
                    label=clean_label,
                    scenario_id=scenario_id,
                    position=max((a.position for a in existing), default=0) + 1,
                    impact_json=impact_json,
                    created_at=now_iso(),
                )
            )
            return next(a for a in records.list_alternatives(conn, topic.id) if a.id == alt_id)

        return self._write(work)  # type: ignore[no-any-return]

    # -- rounds --

    def open_round(
        self,
        topic_id: str,
        *,
        option_ids: Sequence[str],
        question: str = "",
        method: str = "single",
        mode: str = "token",
    ) -> Round:
        """Open the next round over two or more of the topic's alternatives."""
        if method not in METHODS:
            raise DeliberationError(f"the voting method must be one of {', '.join(METHODS)}")
        if mode not in MODES:
            raise DeliberationError(f"the ballot mode must be one of {', '.join(MODES)}")
        options = tuple(dict.fromkeys(str(o) for o in option_ids))
        if len(options) < 2:
            raise DeliberationError("a round needs at least two alternatives to choose from")

        def work(conn: Connection) -> Round:
            topic = records.get_topic(conn, topic_id, lock=True)
            if not topic.is_open:
                raise DeliberationError(f"topic '{topic.title}' is closed")
            known = {a.id for a in records.list_alternatives(conn, topic.id)}
            unknown = [o for o in options if o not in known]
            if unknown:
                raise DeliberationError("a round can only offer this topic's own alternatives")
            existing = records.list_rounds(conn, topic.id)
            if any(r.is_open for r in existing):
                raise DeliberationError("close the open round before opening another")
            round_id = new_id()
            conn.execute(
                insert(schema.rounds).values(
                    id=round_id,
                    topic_id=topic.id,
                    number=max((r.number for r in existing), default=0) + 1,
                    question=clean_text(question, max_chars=TITLE_MAX_CHARS),
                    method=method,
                    mode=mode,
                    status="open",
                    options_json=records.dump_json(list(options)),
                    opened_at=now_iso(),
                )
            )
            return records.get_round(conn, round_id)

        try:
            return self._write(work)  # type: ignore[no-any-return]
        except IntegrityError as exc:  # another facilitator opened one at the same moment
            raise DeliberationError("another round was opened meanwhile") from exc

    def close_round(self, round_id: str) -> Round:
        """Close a round and store its count; later votes are refused."""

        def work(conn: Connection) -> Round:
            rnd = records.get_round(conn, round_id, lock="update")
            if not rnd.is_open:
                raise DeliberationError(f"round {rnd.number} is already closed")
            choices = records.current_choices(conn, rnd.id)
            result = count_ballots(rnd.id, rnd.method, rnd.option_ids, choices)
            conn.execute(
                update(schema.rounds)
                .where(schema.rounds.c.id == rnd.id)
                .values(
                    status="closed",
                    closed_at=now_iso(),
                    result_json=records.dump_json(result.to_json()),
                )
            )
            return records.get_round(conn, rnd.id)

        return self._write(work)  # type: ignore[no-any-return]

    # -- tokens --

    def issue_tokens(
        self, topic_id: str, count: int, *, valid_hours: float = DEFAULT_TOKEN_VALID_HOURS
    ) -> builtins.list[str]:
        """Create ``count`` one-time ballot tokens; return their codes (stored only hashed)."""
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not (1 <= count <= MAX_TOKENS_PER_SHEET)
        ):
            raise DeliberationError(
                f"the number of tokens must be between 1 and {MAX_TOKENS_PER_SHEET}"
            )
        if not (0 < valid_hours <= 24 * 365):
            raise DeliberationError("tokens must be valid for between 0 and 8760 hours")
        codes = [new_token_code() for _ in range(count)]
        now = datetime.now(UTC)
        expires = (now + timedelta(hours=valid_hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        def work(conn: Connection) -> builtins.list[str]:
            topic = records.get_topic(conn, topic_id)
            if not topic.is_open:
                raise DeliberationError(f"topic '{topic.title}' is closed")
            batch = new_id()
            created = now_iso()
            conn.execute(
                insert(schema.tokens),
                [
                    {
                        "token_hash": hash_secret(code),
                        "topic_id": topic.id,
                        "batch": batch,
                        "created_at": created,
                        "expires_at": expires,
                    }
                    for code in codes
                ],
            )
            return codes

        return self._write(work)  # type: ignore[no-any-return]

    # -- the decision --

    def close_topic(
        self, topic_id: str, *, decided_alternative_id: str, decision: str = "", follow_up: str = ""
    ) -> Topic:
        """Close a topic with its decision; an open round is closed (and counted) first."""

        def work(conn: Connection) -> Topic:
            topic = records.get_topic(conn, topic_id, lock=True)
            if not topic.is_open:
                raise DeliberationError(f"topic '{topic.title}' is already closed")
            if decided_alternative_id not in {
                a.id for a in records.list_alternatives(conn, topic.id)
            }:
                raise DeliberationError("the decision must be one of the topic's alternatives")
            for rnd in records.list_rounds(conn, topic.id):
                if rnd.is_open:
                    locked = records.get_round(conn, rnd.id, lock="update")
                    result = count_ballots(
                        locked.id,
                        locked.method,
                        locked.option_ids,
                        records.current_choices(conn, locked.id),
                    )
                    conn.execute(
                        update(schema.rounds)
                        .where(schema.rounds.c.id == locked.id)
                        .values(
                            status="closed",
                            closed_at=now_iso(),
                            result_json=records.dump_json(result.to_json()),
                        )
                    )
            conn.execute(
                update(schema.topics)
                .where(schema.topics.c.id == topic.id)
                .values(
                    status="closed",
                    closed_at=now_iso(),
                    decided_alternative_id=decided_alternative_id,
                    decision=clean_text(decision, max_chars=TEXT_MAX_CHARS),
                    follow_up=clean_text(follow_up, max_chars=TEXT_MAX_CHARS),
                )
            )
            return records.get_topic(conn, topic.id)

        return self._write(work)  # type: ignore[no-any-return]
