"""Counting a round: single choice (counts and shares) or ranking (Borda count).

Only each voter's current ballot counts (a changed vote replaces the earlier one).

- **Single choice**: an option's count is the ballots naming it; its share is count /
  ballots. The winner has the most votes; equal counts are a tie (``winner`` None).
- **Ranking**: a ballot orders some or all of the n options. An option ranked r-th
  (1 = first) gets n − r Borda points; unranked options get none. ``count`` is the
  first preferences, ``share`` first preferences / ballots, ``points`` the Borda total.
  The winner has the most points; equal points are a tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["OptionResult", "Tally", "count_ballots"]


@dataclass(frozen=True)
class OptionResult:
    option_id: str
    count: int
    share: float
    points: int = 0


@dataclass(frozen=True)
class Tally:
    """The result of a round, in ballot order of its options."""

    round_id: str
    method: str
    ballots: int
    options: tuple[OptionResult, ...]
    winner: str | None

    def of(self, option_id: str) -> OptionResult:
        for result in self.options:
            if result.option_id == option_id:
                return result
        raise KeyError(option_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "round_id": self.round_id,
            "method": self.method,
            "ballots": self.ballots,
            "winner": self.winner,
            "options": [
                {"id": r.option_id, "count": r.count, "share": r.share, "points": r.points}
                for r in self.options
            ],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Tally:
        return cls(
            round_id=str(doc["round_id"]),
            method=str(doc["method"]),
            ballots=int(doc["ballots"]),
            winner=doc.get("winner"),
            options=tuple(
                OptionResult(
                    option_id=str(o["id"]),
                    count=int(o["count"]),
                    share=float(o["share"]),
                    points=int(o.get("points", 0)),
                )
                for o in doc["options"]
            ),
        )


def count_ballots(
    round_id: str, method: str, option_ids: Sequence[str], choices: Iterable[Sequence[str]]
) -> Tally:
    """Count current ballots (each a sequence of option ids, first choice first)."""
    counts = dict.fromkeys(option_ids, 0)
    points = dict.fromkeys(option_ids, 0)
    n = len(option_ids)
    total = 0
    for choice in choices:
        if not choice:
            continue
        total += 1
        counts[choice[0]] += 1
        if method == "ranking":
            for rank, option in enumerate(choice):
                points[option] += n - 1 - rank
    results = tuple(
        OptionResult(
            option_id=o,
            count=counts[o],
            share=counts[o] / total if total else 0.0,
            points=points[o],
        )
        for o in option_ids
    )
    key = points if method == "ranking" else counts
    best = max(key.values(), default=0)
    leaders = [o for o in option_ids if key[o] == best]
    winner = leaders[0] if total and len(leaders) == 1 else None
    return Tally(round_id=round_id, method=method, ballots=total, options=results, winner=winner)
