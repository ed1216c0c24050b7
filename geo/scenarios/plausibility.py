"""A scenario belongs to its district: no shape far outside it, none larger than it."""

from __future__ import annotations

from collections.abc import Sequence

from geo.inputs.plausibility import geometry_problem
from geo.scenarios.model import Scenario, ScenarioError

__all__ = ["check_scenario_in_district"]


def check_scenario_in_district(
    scenario: Scenario, bbox: Sequence[float], *, margin_m: float, title: str
) -> None:
    """Refuse a scenario with a shape more than ``margin_m`` outside the district's box
    ``W,S,E,N`` or larger than it; the message names the feature (by position and name)."""
    for position, item in enumerate(scenario.interventions, start=1):
        problem = geometry_problem(item.geometry, bbox, margin_m=margin_m, title=title)
        if problem is not None:
            named = f" ({item.name[:60]})" if item.name else ""
            raise ScenarioError(f"feature {position}{named}: {problem}")
