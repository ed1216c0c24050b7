"""The standards fields of a taxonomy item and level: essential or optional, the item's own
service distance, a minimum size, the clause it comes from, and what is unverified.

Every field is optional, so a taxonomy file written before them (``tier`` and OSM rules
only) still loads: its items are essential and serve at their level's distance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.errors import TaxonomyError

ITEM_FIELDS_CHECKED = ("level", "distance_m", "essential", "min_area_m2")
"""Fields an item may list under ``unverified``."""


def _positive_number(raw: Any, what: str, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise TaxonomyError(f"{where}: {what} must be a number of metres, not {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise TaxonomyError(f"{where}: {what} must be a number, not {raw!r}") from exc
    if not value > 0 or value != value or value == float("inf"):
        raise TaxonomyError(f"{where}: {what} must be a positive number, not {raw!r}")
    return value


def parse_item_fields(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``essential``, ``service_m``, ``min_area_m2``, ``clause`` and ``unverified``."""
    essential = item.get("essential", True)
    if not isinstance(essential, bool):
        raise TaxonomyError(f"{where}: essential must be true or false, not {essential!r}")
    raw_unverified = item.get("unverified", [])
    if raw_unverified is True:
        unverified = ITEM_FIELDS_CHECKED
    elif isinstance(raw_unverified, list) and all(isinstance(v, str) for v in raw_unverified):
        unknown = sorted(set(raw_unverified) - set(ITEM_FIELDS_CHECKED))
        if unknown:
            raise TaxonomyError(
                f"{where}: unverified lists {', '.join(unknown)}; "
                f"known fields: {', '.join(ITEM_FIELDS_CHECKED)}"
            )
        unverified = tuple(raw_unverified)
    else:
        raise TaxonomyError(f"{where}: unverified must be true or a list of field names")
    clause = item.get("clause", "")
    if not isinstance(clause, str):
        raise TaxonomyError(f"{where}: clause must be text")
    return {
        "essential": essential,
        "service_m": _positive_number(item.get("distance_m"), "distance_m", where),
        "min_area_m2": _positive_number(item.get("min_area_m2"), "min_area_m2", where),
        "clause": " ".join(clause.split()),
        "unverified": unverified,
    }


def parse_level_fields(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A level's names, clause and whether its distance is unverified."""
    out: dict[str, Any] = {}
    for key in ("name_zh", "name_en", "clause"):
        value = spec.get(key, "")
        if not isinstance(value, str):
            raise TaxonomyError(f"{where}: {key} must be text")
        out[key] = " ".join(value.split())
    unverified = spec.get("unverified", False)
    if not isinstance(unverified, bool):
        raise TaxonomyError(f"{where}: unverified must be true or false")
    out["unverified"] = unverified
    return out


__all__ = ["ITEM_FIELDS_CHECKED", "parse_item_fields", "parse_level_fields"]
