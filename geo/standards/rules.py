"""OSM tag rules of the taxonomy: conditions on one key, and rules that join them.

A rule matches a feature when all of its conditions hold. A condition's value in the YAML
file is text (exact), a list (any of), ``true`` (key present), ``~regex`` / ``!~regex``
(searched in the value, case-insensitive; ``!~.`` means "absent"), or a comparison on a
number: ``">=5000"``, ``"<2000"``, ``">=2000 <5000"`` (every part must hold).

Besides OSM's own keys a rule may test *derived* keys that the feature reader adds:
``area_m2``, the area of a facility mapped as a polygon (none for a point).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.errors import TaxonomyError
from geo.limits import Limits
from geo.standards.patterns import compile_user_pattern

DERIVED_KEYS = frozenset({"area_m2"})
"""Keys computed from a feature's geometry, never asked of an OSM source."""

_COMPARISON = re.compile(r"^(>=|<=|>|<)\s*(\d+(?:\.\d+)?)$")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True)
class TagCondition:
    """One ``key`` test of a rule."""

    key: str
    values: tuple[str, ...] = ()
    present: bool = False
    pattern: re.Pattern[str] | None = None
    negate: bool = False
    bounds: tuple[tuple[str, float], ...] = ()
    """Numeric comparisons (operator, number) that must all hold."""

    def matches(self, tags: Mapping[str, Any]) -> bool:
        value = tags.get(self.key)
        text = None if is_missing(value) else str(value)
        if self.pattern is not None:
            found = text is not None and self.pattern.search(text) is not None
            return not found if self.negate else found
        if text is None:
            return False
        if self.bounds:
            try:
                number = float(text)
            except ValueError:
                return False
            return all(_OPERATORS[op](number, limit) for op, limit in self.bounds)
        if self.present:
            return True
        if text in self.values:
            return True
        # OSM allows several values separated by ";" (e.g. "clinic;pharmacy").
        return ";" in text and any(part.strip() in self.values for part in text.split(";"))


@dataclass(frozen=True)
class TagRule:
    """All conditions must hold."""

    conditions: tuple[TagCondition, ...]
    required: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Keys a matching feature must have: most features (buildings) lack one, and a
        # set test rules them out before any value is looked at.
        needed = frozenset(c.key for c in self.conditions if not c.negate)
        object.__setattr__(self, "required", needed)

    def matches(self, tags: Mapping[str, Any]) -> bool:
        if not self.required <= tags.keys():
            return False
        return all(c.matches(tags) for c in self.conditions)


def is_missing(value: Any) -> bool:
    """None or NaN (a DataFrame row's absent tag)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False


def _parse_bounds(raw: str) -> tuple[tuple[str, float], ...] | None:
    parts = raw.split()
    found = [_COMPARISON.match(p) for p in parts]
    if not parts or not all(found):
        return None
    return tuple((m.group(1), float(m.group(2))) for m in found if m is not None)


def parse_condition(key: str, raw: Any, where: str) -> TagCondition:
    """One condition from its YAML value (see the module docstring)."""
    if raw is True:
        return TagCondition(key=key, present=True)
    if isinstance(raw, str) and raw.startswith(("~", "!~")):
        negate = raw.startswith("!~")
        expr = raw[2:] if negate else raw[1:]
        pattern = compile_user_pattern(
            expr, where=f"{where}, '{key}'", max_chars=Limits().max_pattern_chars
        )
        return TagCondition(key=key, pattern=pattern, negate=negate)
    if isinstance(raw, str) and raw.lstrip().startswith(("<", ">")):
        bounds = _parse_bounds(raw)
        if bounds is None:
            raise TaxonomyError(
                f"{where}: '{key}: {raw}' is no comparison; write e.g. \">=2000 <5000\""
            )
        return TagCondition(key=key, bounds=bounds)
    if key in DERIVED_KEYS and raw is not True:
        raise TaxonomyError(
            f"{where}: '{key}' is a number; compare it, e.g. {key}: \">=5000\", or test "
            f'absence with {key}: "!~."'
        )
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return TagCondition(key=key, values=(str(raw),))
    if isinstance(raw, list) and raw and all(isinstance(v, str | int | float) for v in raw):
        return TagCondition(key=key, values=tuple(str(v) for v in raw))
    raise TaxonomyError(f"{where}: the value of '{key}' must be text, a list of text or true")


def parse_rules(raw: Any, where: str) -> tuple[TagRule, ...]:
    """The ``osm:`` list of a category."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TaxonomyError(f"{where}: 'osm' must be a list of tag rules")
    rules = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not item:
            raise TaxonomyError(f"{where}: OSM rule {i} must be a non-empty mapping of tags")
        conds = tuple(parse_condition(str(k), v, f"{where} rule {i}") for k, v in item.items())
        if all(c.key in DERIVED_KEYS for c in conds):
            raise TaxonomyError(
                f"{where}: OSM rule {i} tests only {', '.join(sorted(DERIVED_KEYS))}; "
                "add an OSM tag such as leisure: park"
            )
        rules.append(TagRule(conditions=conds))
    return tuple(rules)


__all__ = [
    "DERIVED_KEYS",
    "TagCondition",
    "TagRule",
    "is_missing",
    "parse_condition",
    "parse_rules",
]
