"""User regular expressions that cannot backtrack without bound.

A taxonomy may match a tag with ``~regex``. Python's ``re`` backtracks, so ``(a+)+$``
against a long name runs for longer than anyone waits. A pattern is refused when a
repeat without an upper bound holds another repeat, an alternative (``|``) or a
back-reference, the shapes that make backtracking exponential; and when it is longer
than :attr:`geo.limits.Limits.max_pattern_chars`. What remains runs in time polynomial
in the tag's length, and OSM caps tag values at 255 characters.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from geo.errors import TaxonomyError

__all__ = ["compile_user_pattern"]

# The parser behind re.compile; its tree says which repeats hold what.
_PARSER: Any = importlib.import_module("re._parser")
_CONSTANTS: Any = importlib.import_module("re._constants")
_REPEATS = {_CONSTANTS.MAX_REPEAT, _CONSTANTS.MIN_REPEAT, _CONSTANTS.POSSESSIVE_REPEAT}


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns of one parsed node."""
    if op in _REPEATS:
        return [av[2]]
    if op == _CONSTANTS.SUBPATTERN:
        return [av[3]]
    if op == _CONSTANTS.BRANCH:
        return list(av[1])
    if op in (_CONSTANTS.ASSERT, _CONSTANTS.ASSERT_NOT):
        return [av[1]]
    if op == _CONSTANTS.GROUPREF_EXISTS:
        return [a for a in av[1:] if a is not None]
    if op == _CONSTANTS.ATOMIC_GROUP:
        return [av]
    return []


def _has_backtracking_inside(pattern: Any) -> bool:
    for op, av in pattern:
        if op in _REPEATS and av[1] > 1:
            return True
        if op in (_CONSTANTS.BRANCH, _CONSTANTS.GROUPREF, _CONSTANTS.GROUPREF_EXISTS):
            return True
        if any(_has_backtracking_inside(child) for child in _children(op, av)):
            return True
    return False


def _is_unbounded_risk(pattern: Any) -> bool:
    for op, av in pattern:
        if op in (_CONSTANTS.GROUPREF, _CONSTANTS.GROUPREF_EXISTS):
            return True
        if op in _REPEATS and av[1] == _CONSTANTS.MAXREPEAT and _has_backtracking_inside(av[2]):
            return True
        if any(_is_unbounded_risk(child) for child in _children(op, av)):
            return True
    return False


def compile_user_pattern(expr: str, *, where: str, max_chars: int) -> re.Pattern[str]:
    """Compile a user's pattern (case-insensitive) or raise :class:`TaxonomyError`.

    Refused: invalid syntax, more than ``max_chars`` characters, and a repeat without
    an upper bound around another repeat, an alternative or a back-reference (for
    example ``(a+)+``, ``(a|aa)*``, ``(\\w*)*``), which can take exponential time.
    """
    if len(expr) > max_chars:
        raise TaxonomyError(f"{where}: the pattern is longer than {max_chars} characters")
    try:
        pattern = re.compile(expr, re.IGNORECASE)
        tree = _PARSER.parse(expr, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        raise TaxonomyError(f"{where}: bad pattern {expr!r}: {exc}") from exc
    if _is_unbounded_risk(tree):
        raise TaxonomyError(
            f"{where}: the pattern {expr!r} nests a repeat, an alternative or a "
            "back-reference inside an unbounded repeat, which can take exponential time; "
            "write it without the nesting (e.g. a+ instead of (a+)+)"
        )
    return pattern
