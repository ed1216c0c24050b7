"""What a resident's phone may do: read a room's open round, join it, and vote.

Two ways to get a ballot, chosen per round by the facilitator (the page says which):

- **printed tokens** (``mode="token"``): a one-time code from the sheet. The first phone
  that presents it is bound to it (by its device secret); the same phone may present it
  again (a reload), any other phone is refused. A token unknown to the room, expired, or
  bound to another phone gets a :class:`~geo.deliberation.model.TokenError`.
- **one vote per device** (``mode="device"``, informal rounds): the phone's own random
  device secret (kept in a cookie) is its ballot.

A :class:`BallotPass` is what the phone then holds. While the round is open the resident
may vote again: the new ballot replaces the old one (the old one is kept, marked
superseded, and never counted). A vote after the round closed, for an option of another
round, or with a pass of another room is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from geo.deliberation import records, schema
from geo.deliberation.codes import hash_secret, new_id, normalise_code
from geo.deliberation.database import read_transaction, with_retries
from geo.deliberation.model import (
    Alternative,
    BallotReceipt,
    DeliberationError,
    NotOnBallotError,
    Round,
    RoundClosedError,
    TokenError,
    Topic,
    now_iso,
)

__all__ = ["MIN_DEVICE_SECRET_CHARS", "BallotBox", "BallotPass", "RoomView"]

MIN_DEVICE_SECRET_CHARS = 16


@dataclass(frozen=True)
class BallotPass:
    """A resident's right to vote on one topic, held by one phone."""

    voter_id: str
    device_secret: str
    kind: str  # "token" or "device"


@dataclass(frozen=True)
class RoomView:
    """What the resident page shows: the topic, its open round (if any), the options."""

    topic: Topic
    round: Round | None
    options: tuple[Alternative, ...]


def _check_device_secret(device_secret: object) -> str:
    if not isinstance(device_secret, str) or len(device_secret) < MIN_DEVICE_SECRET_CHARS:
        raise TokenError("this phone has no device identity; reload the page", reason="no_device")
    return device_secret[:200]


class BallotBox:
    """Resident-side actions over the deliberation database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _topic_of_room(self, conn: Connection, room_code: str) -> Topic:
        code = normalise_code(room_code)
        row = (
            conn.execute(select(schema.topics).where(schema.topics.c.room_code == code))
            .mappings()
            .first()
        )
        if row is None:
            raise DeliberationError(
                f"there is no room {code[:12]!r}: check the code",
                reason="room_unknown",
                code=code[:12],
            )
        return records.topic_from_row(row)

    def room(self, room_code: str) -> RoomView:
        """The topic of a room code and its open round (``round`` None when none is open)."""
        with read_transaction(self.engine) as conn:
            topic = self._topic_of_room(conn, room_code)
            open_rounds = [r for r in records.list_rounds(conn, topic.id) if r.is_open]
            alternatives = {a.id: a for a in records.list_alternatives(conn, topic.id)}
        if not open_rounds:
            return RoomView(topic=topic, round=None, options=())
        rnd = open_rounds[0]
        options = tuple(alternatives[o] for o in rnd.option_ids if o in alternatives)
        return RoomView(topic=topic, round=rnd, options=options)

    def redeem_token(self, room_code: str, token_code: str, device_secret: str) -> BallotPass:
        """Bind a printed token to this phone (again from the same phone: the same pass)."""
        secret = _check_device_secret(device_secret)
        code = normalise_code(token_code)
        if not code:
            raise TokenError("type the code printed on your ballot", reason="token_missing")

        def work(conn: Connection) -> BallotPass:
            topic = self._topic_of_room(conn, room_code)
            if not topic.is_open:
                raise DeliberationError(
                    "this topic is closed: voting has ended", reason="topic_closed"
                )
            row = (
                conn.execute(
                    select(schema.tokens)
                    .where(schema.tokens.c.token_hash == hash_secret(code))
                    .with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None or row["topic_id"] != topic.id:
                raise TokenError(
                    "this ballot code is not known in this room: check it", reason="token_unknown"
                )
            if row["expires_at"] <= now_iso():
                raise TokenError(
                    "this ballot code has expired; ask the facilitator for a new one",
                    reason="token_expired",
                )
            device_hash = hash_secret(secret)
            if row["voter_id"] is not None:
                voter = conn.execute(
                    select(schema.voters.c.device_hash).where(schema.voters.c.id == row["voter_id"])
                ).first()
                if voter is not None and voter[0] == device_hash:
                    return BallotPass(voter_id=row["voter_id"], device_secret=secret, kind="token")
                raise TokenError(
                    "this ballot code was already used on another phone", reason="token_used"
                )
            voter_id = new_id()
            conn.execute(
                insert(schema.voters).values(
                    id=voter_id,
                    topic_id=topic.id,
                    kind="token",
                    device_hash=device_hash,
                    created_at=now_iso(),
                )
            )
            claimed = conn.execute(
                update(schema.tokens)
                .where(schema.tokens.c.token_hash == row["token_hash"])
                .where(schema.tokens.c.voter_id.is_(None))
                .values(voter_id=voter_id, redeemed_at=now_iso())
            )
            if claimed.rowcount != 1:  # lost a race with another phone: nothing is kept
                raise TokenError(
                    "this ballot code was already used on another phone", reason="token_used"
                )
            return BallotPass(voter_id=voter_id, device_secret=secret, kind="token")

        return with_retries(self.engine, work)  # type: ignore[no-any-return]

    def device_pass(self, room_code: str, device_secret: str) -> BallotPass:
        """The phone's own ballot for informal rounds (one per device and topic)."""
        secret = _check_device_secret(device_secret)
        device_hash = hash_secret(secret)

        def work(conn: Connection) -> BallotPass:
            topic = self._topic_of_room(conn, room_code)
            if not topic.is_open:
                raise DeliberationError(
                    "this topic is closed: voting has ended", reason="topic_closed"
                )
            found = conn.execute(
                select(schema.voters.c.id).where(
                    schema.voters.c.topic_id == topic.id,
                    schema.voters.c.kind == "device",
                    schema.voters.c.device_hash == device_hash,
                )
            ).first()
            if found is not None:
                return BallotPass(voter_id=found[0], device_secret=secret, kind="device")
            voter_id = new_id()
            conn.execute(
                insert(schema.voters).values(
                    id=voter_id,
                    topic_id=topic.id,
                    kind="device",
                    device_hash=device_hash,
                    created_at=now_iso(),
                )
            )
            return BallotPass(voter_id=voter_id, device_secret=secret, kind="device")

        return with_retries(self.engine, work)  # type: ignore[no-any-return]

    def cast(self, ballot: BallotPass, round_id: str, choice: Sequence[str]) -> BallotReceipt:
        """Record a vote (it replaces this pass's earlier vote in the round).

        ``choice`` is one option id for a single-choice round, or option ids in order of
        preference for a ranking.

        Raises
        ------
        RoundClosedError
            The round is not open.
        NotOnBallotError
            An option is not on this round's ballot (or the choice is malformed).
        TokenError
            The pass is not valid for this round (another room, a device pass in a
            round that needs printed tokens, an expired token).
        """
        picked = tuple(str(c) for c in choice)
        secret_hash = hash_secret(_check_device_secret(ballot.device_secret))

        def work(conn: Connection) -> BallotReceipt:
            rnd = records.get_round(conn, round_id, lock="share")
            voter = (
                conn.execute(
                    select(schema.voters)
                    .where(schema.voters.c.id == ballot.voter_id)
                    .with_for_update()
                )
                .mappings()
                .first()
            )
            if voter is None or voter["device_hash"] != secret_hash:
                raise TokenError(
                    "this ballot is not valid: scan your code again", reason="ballot_invalid"
                )
            if voter["topic_id"] != rnd.topic_id:
                raise TokenError("this ballot belongs to another room", reason="other_room")
            if not rnd.is_open:
                raise RoundClosedError(
                    f"round {rnd.number} is closed: your vote was not counted",
                    reason="round_closed",
                    number=rnd.number,
                )
            if rnd.mode == "token" and voter["kind"] != "token":
                raise TokenError(
                    "this round needs the ballot code printed for you", reason="needs_token"
                )
            if voter["kind"] == "token":
                token = conn.execute(
                    select(schema.tokens.c.expires_at).where(
                        schema.tokens.c.voter_id == voter["id"]
                    )
                ).first()
                if token is None or token[0] <= now_iso():
                    raise TokenError(
                        "your ballot code has expired; ask the facilitator",
                        reason="token_expired",
                    )
            _check_choice(rnd, picked)
            replaced = conn.execute(
                update(schema.ballots)
                .where(
                    schema.ballots.c.round_id == rnd.id,
                    schema.ballots.c.voter_id == voter["id"],
                    schema.ballots.c.is_current == 1,
                )
                .values(is_current=0)
            ).rowcount
            ballot_id = new_id()
            cast_at = now_iso()
            conn.execute(
                insert(schema.ballots).values(
                    id=ballot_id,
                    round_id=rnd.id,
                    voter_id=voter["id"],
                    choice_json=records.dump_json(list(picked)),
                    cast_at=cast_at,
                    is_current=1,
                )
            )
            return BallotReceipt(
                ballot_id=ballot_id,
                round_id=rnd.id,
                choice=picked,
                replaced=bool(replaced),
                cast_at=cast_at,
            )

        return with_retries(self.engine, work)  # type: ignore[no-any-return]

    def current_choice(self, ballot: BallotPass, round_id: str) -> tuple[str, ...] | None:
        """This pass's counted vote in a round, if any."""
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(schema.ballots.c.choice_json).where(
                    schema.ballots.c.round_id == round_id,
                    schema.ballots.c.voter_id == ballot.voter_id,
                    schema.ballots.c.is_current == 1,
                )
            ).first()
        return tuple(records.load_json(row[0])) if row else None


def _check_choice(rnd: Round, picked: tuple[str, ...]) -> None:
    if not picked:
        raise NotOnBallotError("choose an option first", reason="choose_first")
    stray = [p for p in picked if p not in rnd.option_ids]
    if stray:
        raise NotOnBallotError(
            f"that option is not on the ballot of round {rnd.number}: your vote was not counted",
            reason="not_on_ballot",
            number=rnd.number,
        )
    if len(set(picked)) != len(picked):
        raise NotOnBallotError("each option may be ranked only once", reason="rank_once")
    if rnd.method == "single" and len(picked) != 1:
        raise NotOnBallotError("this round takes one choice", reason="one_choice")
