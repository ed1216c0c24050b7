"""The workshop flow of the scenarios page, in pure functions the tests call directly.

Which categories a scenario changed (the headline), the part of a scenario that applies
to a district (the rest is left out with a sentence, not a stopped page), reading an
imported scenario file, and telling a new drawing from one already added.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import pandas as pd
from shapely.errors import ShapelyError

from geo.errors import LifecircleError
from geo.scenarios.model import (
    Intervention,
    Scenario,
    ScenarioError,
    parse_scenario,
    with_stable_ids,
)
from geo.standards.taxonomy import Taxonomy

A = TypeVar("A")

SHARE_EPSILON = 1e-9
"""Shares closer than this are the same (float noise of a recount)."""


def changed_categories(by_category: pd.DataFrame) -> list[str]:
    """The categories whose residents served changed, biggest change first.

    ``by_category`` is :attr:`geo.scenarios.compare.Comparison.by_category`.
    """
    table = by_category
    moved = (table["delta"].abs() > SHARE_EPSILON) | (table["homes_newly_served"] > 0)
    moved |= (table["share_after"] - table["share_before"]).abs() > SHARE_EPSILON
    changed = table[moved]
    order = changed["delta"].abs().sort_values(ascending=False, kind="stable")
    return [str(c) for c in order.index]


def headline_categories(by_category: pd.DataFrame, current: str) -> list[str]:
    """The categories the headline shows: every changed one, else the sidebar's."""
    return changed_categories(by_category) or [current]


@dataclass(frozen=True)
class Applicable:
    """What of a scenario applies to a district."""

    scenario: Scenario
    """The scenario without the left-out items."""
    left_out: tuple[tuple[Intervention, str], ...]
    """Each item that does not apply, with the reason."""


def applicable_part(scenario: Scenario, apply: Callable[[Scenario], A]) -> Applicable:
    """``scenario`` without the items that ``apply`` refuses on their own.

    ``apply`` applies a scenario (and raises :class:`LifecircleError` when it cannot).
    When every item applies alone but not together, all are left out.
    """
    try:
        apply(scenario)
        return Applicable(scenario, ())
    except LifecircleError as whole:
        reason_whole = str(whole)
    left_out: list[tuple[Intervention, str]] = []
    for item in scenario.interventions:
        try:
            apply(replace(scenario, interventions=(item,)))
        except LifecircleError as exc:
            left_out.append((item, str(exc)))
    kept = scenario
    for item, _ in left_out:
        kept = kept.without(item.id)
    if left_out:
        try:
            apply(kept)
            return Applicable(kept, tuple(left_out))
        except LifecircleError:
            pass
    every = tuple((item, reason_whole) for item in scenario.interventions)
    return Applicable(replace(scenario, interventions=()), every)


def read_scenario_upload(data: bytes, *, taxonomy: Taxonomy, name: str) -> Scenario:
    """A scenario file as the store reads one (UTF-8 with or without BOM, GeoJSON).

    Raises
    ------
    ScenarioError
        If the file is not UTF-8, not JSON, or not a valid scenario.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{name} is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    except RecursionError as exc:
        raise ScenarioError(f"{name} is nested too deeply") from exc
    try:
        return parse_scenario(with_stable_ids(doc), taxonomy=taxonomy)
    except ShapelyError as exc:
        raise ScenarioError(f"{name}: bad geometry ({exc})") from exc


def drawing_signature(drawing: Mapping[str, Any] | None) -> str | None:
    """A canonical text of a drawing's geometry (None when there is none)."""
    if not drawing or not isinstance(drawing, Mapping):
        return None
    geometry = drawing.get("geometry") if drawing.get("type") == "Feature" else drawing
    return json.dumps(geometry, sort_keys=True, default=str)
