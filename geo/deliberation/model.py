"""What a deliberation is made of: topics, alternatives, rounds, ballots, decisions.

A *topic* (议题) answers a need residents stated or a gap the analysis found, at a place;
its *evidence* is the rows of the needs × gaps priority list (or the gap hexagon) it came
from. It has two or more *alternatives* (scenarios, and "do nothing"). A facilitator opens
*rounds* of voting over some of them; residents cast *ballots*; closing the topic records
the *decision* and who follows it up.

Every record is a frozen dataclass; :mod:`geo.deliberation.store` reads and writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from geo.errors import LifecircleError

__all__ = [
    "METHODS",
    "MODES",
    "REFUSALS",
    "Alternative",
    "BallotReceipt",
    "DeliberationError",
    "FacilitatorKeyError",
    "NotOnBallotError",
    "Round",
    "RoundClosedError",
    "TokenError",
    "Topic",
    "TopicDraft",
    "now_iso",
]

Method = Literal["single", "ranking"]
Mode = Literal["token", "device"]
METHODS: tuple[Method, ...] = ("single", "ranking")
MODES: tuple[Mode, ...] = ("token", "device")

TITLE_MAX_CHARS = 200
TEXT_MAX_CHARS = 5000


REFUSALS: tuple[str, ...] = (
    "busy",
    "no_device",
    "room_unknown",
    "topic_closed",
    "token_missing",
    "token_unknown",
    "token_expired",
    "token_used",
    "ballot_invalid",
    "other_room",
    "needs_token",
    "round_unknown",
    "round_closed",
    "choose_first",
    "not_on_ballot",
    "rank_once",
    "one_choice",
    "facilitator_key",
)
"""Why a request was refused, as stable codes: the pages show each in the reader's language
(``lifecircle.i18n``: ``refusal_<code>``); the English message is for logs and the CLI."""


class DeliberationError(LifecircleError, ValueError):
    """A deliberation request cannot be carried out (the message says why).

    ``reason`` is one of :data:`REFUSALS` (``"other"`` for the facilitator's own requests,
    whose English message is shown as it is); ``details`` are the values its translation
    needs (``number`` of a round, ``code`` of a room).
    """

    reason: str = "other"

    def __init__(self, message: str, *, reason: str | None = None, **details: object) -> None:
        super().__init__(message)
        if reason is not None:
            if reason not in REFUSALS:
                raise ValueError(f"unknown refusal reason {reason!r}")
            self.reason = reason
        self.details: dict[str, object] = details

    def __reduce__(self) -> tuple[Any, ...]:  # pickled across processes with its reason
        return (_rebuild_error, (type(self), str(self), self.reason, self.details))


def _rebuild_error(
    cls: type[DeliberationError], message: str, reason: str, details: dict[str, object]
) -> DeliberationError:
    error = cls(message)
    error.reason, error.details = reason, dict(details)
    return error


class TokenError(DeliberationError):
    """A ballot token is unknown, expired, or already used on another device."""


class RoundClosedError(DeliberationError):
    """A vote arrived for a round that is not open (closed, or never opened)."""


class NotOnBallotError(DeliberationError):
    """A vote names an option that is not on this round's ballot."""


class FacilitatorKeyError(DeliberationError, PermissionError):
    """A facilitator action came without the facilitator key, or with a wrong one."""

    reason = "facilitator_key"


def now_iso() -> str:
    """UTC now as ISO-8601 with microseconds (sorts as text, on SQLite and PostgreSQL)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean_text(value: object, *, max_chars: int) -> str:
    """Printable text (newlines kept), trimmed; stored as typed, escaped where shown."""
    text = "" if value is None else str(value)
    kept = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return kept.strip()[:max_chars]


@dataclass(frozen=True)
class TopicDraft:
    """What a facilitator gives to open a topic.

    Attributes
    ----------
    title, description
        Free text (stored as typed; every page escapes it).
    place
        A GeoJSON geometry (WGS-84): a Point or a Polygon, e.g. a gap hexagon.
    need_category
        The taxonomy id of the need it answers (any id: the taxonomy may change).
    evidence
        Where it came from: ``{"source": "priority"|"hexagon"|"map", "rows": [...],
        "residents_affected": float, ...}`` (plain JSON values).
    district
        The district's name (``lujiazui``).
    """

    title: str
    description: str = ""
    place: Mapping[str, Any] | None = None
    need_category: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    district: str = ""


@dataclass(frozen=True)
class Topic:
    """A stored topic (议题)."""

    id: str
    room_code: str
    title: str
    description: str
    place: Mapping[str, Any] | None
    need_category: str
    evidence: Mapping[str, Any]
    residents_affected: float
    district: str
    status: str  # "open" or "closed"
    created_at: str
    closed_at: str | None = None
    decided_alternative_id: str | None = None
    decision: str = ""
    follow_up: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Alternative:
    """One alternative of a topic: a scenario, or doing nothing (``scenario_id`` None)."""

    id: str
    topic_id: str
    label: str
    scenario_id: str | None
    position: int
    impact: Mapping[str, Any] | None = None

    @property
    def is_do_nothing(self) -> bool:
        return self.scenario_id is None


@dataclass(frozen=True)
class Round:
    """A round of voting over some of a topic's alternatives."""

    id: str
    topic_id: str
    number: int
    question: str
    method: str  # "single" or "ranking"
    mode: str  # "token" (printed one-time tokens) or "device" (one vote per device)
    status: str  # "open" or "closed"
    option_ids: tuple[str, ...]
    opened_at: str
    closed_at: str | None = None
    result: Mapping[str, Any] | None = None  # the tally as it was at closing

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class BallotReceipt:
    """What a resident is told after a vote: it was recorded, and whether it replaced one."""

    ballot_id: str
    round_id: str
    choice: tuple[str, ...]
    replaced: bool
    cast_at: str
