"""Reading the bytes of a scenario file into a :class:`~geo.scenarios.model.Scenario`.

Every failure, whatever the file holds (not UTF-8, not JSON, ``Infinity``, an integer of
thousands of digits, nesting 100,000 deep, values of the wrong type), becomes one
:class:`~geo.scenarios.model.ScenarioError` naming the file, so that a store can report
an unreadable file and go on with the others.
"""

from __future__ import annotations

import json
from dataclasses import replace

from shapely.errors import ShapelyError

from geo.scenarios.model import Scenario, ScenarioError, parse_scenario, with_stable_ids
from geo.standards.taxonomy import Taxonomy

__all__ = ["parse_scenario_bytes"]


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a scenario file may hold")


def parse_scenario_bytes(
    data: bytes, scenario_id: str, *, where: str, taxonomy: Taxonomy | None
) -> Scenario:
    """The scenario in ``data``, with id ``scenario_id`` (the file name is the id).

    Parameters
    ----------
    data
        The file's bytes (UTF-8, a byte order mark allowed).
    scenario_id
        The id from the file's name.
    where
        How messages name the file.
    taxonomy
        If given, categories are checked (and aliases resolved).

    Raises
    ------
    ScenarioError
        If the file cannot be read as a scenario, whatever the reason.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{where} cannot be read: it is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{where} cannot be read: it is not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise ScenarioError(f"{where} cannot be read: it is nested too deeply") from exc
    except ValueError as exc:  # Infinity, NaN, an integer of thousands of digits
        raise ScenarioError(f"{where} cannot be read: {str(exc)[:160]}") from exc
    try:
        scenario = parse_scenario(with_stable_ids(doc), taxonomy=taxonomy, scenario_id=scenario_id)
    except ScenarioError as exc:
        raise ScenarioError(f"{where} cannot be read: {exc}") from exc
    except ShapelyError as exc:
        raise ScenarioError(f"{where} cannot be read: bad geometry ({exc})") from exc
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as exc:  # values of a wrong type or size that the model's checks let through
        raise ScenarioError(
            f"{where} cannot be read: it is not a scenario file "
            f"({type(exc).__name__}: {str(exc)[:120]})"
        ) from exc
    # The file name is the id (slugify would shorten or reshape a long valid id).
    return replace(scenario, id=scenario_id)
