"""The decision goes into the decided scenario's metadata (``metadata.decision``).

The scenario is saved through :class:`~geo.scenarios.store.ScenarioStore` like any edit: a
new revision, the old one kept in the history, a concurrent edit merged. A scenario that
is only among the shipped, read-only examples is first copied into the workshop's folder
under the same id (the copy then carries the decision; the example is never written).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from geo.deliberation.model import Alternative, Round, Topic
from geo.deliberation.tally import Tally
from geo.scenarios.model import Scenario, ScenarioError
from geo.scenarios.store import SaveResult, ScenarioStore

__all__ = ["decision_metadata", "load_alternative_scenario", "record_outcome"]


def load_alternative_scenario(
    scenario_id: str, *, workshop: ScenarioStore, examples: ScenarioStore | None
) -> Scenario:
    """The scenario of an alternative: the workshop's copy, else the shipped example."""
    try:
        return workshop.load(scenario_id)
    except ScenarioError:
        if examples is None or examples.folder == workshop.folder:
            raise
        return examples.load(scenario_id)


def decision_metadata(
    topic: Topic, alternatives: list[Alternative], rounds: list[Round], tallies: dict[str, Tally]
) -> dict[str, Any]:
    """What the scenario's ``metadata.decision`` records (plain JSON)."""
    labels = {a.id: a.label for a in alternatives}
    return {
        "topic_id": topic.id,
        "topic": topic.title,
        "decided": topic.closed_at,
        "decision": topic.decision,
        "follow_up": topic.follow_up,
        "rounds": [
            {
                "number": r.number,
                "question": r.question,
                "method": r.method,
                "ballots": tallies[r.id].ballots,
                "tally": {
                    labels.get(o.option_id, o.option_id): o.count for o in tallies[r.id].options
                },
            }
            for r in rounds
        ],
    }


def record_outcome(
    scenario_id: str,
    decision: dict[str, Any],
    *,
    workshop: ScenarioStore,
    examples: ScenarioStore | None = None,
) -> SaveResult:
    """Save ``decision`` into the scenario's metadata (copying a shipped example first)."""
    try:
        current = workshop.load(scenario_id)
        base_revision = current.meta.revision
    except ScenarioError:
        current = load_alternative_scenario(scenario_id, workshop=workshop, examples=examples)
        base_revision = 0
    meta = replace(current.meta, decision=decision)
    return workshop.save(replace(current, meta=meta), base_revision=base_revision)
