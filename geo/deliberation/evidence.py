"""A topic's evidence, and what each alternative would change.

**Evidence** (议题从何而来): a topic made from a row of the needs × gaps priority list
(:func:`geo.surveys.priorities.rank_priorities`) keeps that row (unit, category,
requests, residents not served, score, reasons); one made from a map click keeps the
gap hexagon under the click (H3, resolution 9) and its unserved residents of the category.
``residents_affected`` is the residents of that unit not served by the need's category
within its tier.

**Impact** of an alternative (:func:`alternative_impact`), against the baseline:

- per category, the residents *newly served* within each life-circle tier distance
  (5/10/15 minutes: 300/500/1000 m in GB 50180-2018): homes whose distance was beyond
  the tier before and within it after, summed by residents;
- per category, residents served within the category's own tier, before and after;
- completeness (the share of residents served by every category) before and after;
- the doorstep circles (50 m around compound entrances) that the alternative's features
  touch (a feature geometry within 50 m of the entrance).

Category ids are taken from the analysis's taxonomy, never assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

from geo.access.analysis import Analysis
from geo.access.doorstep import DOORSTEP_RADIUS_M, compound_entrances
from geo.access.gaps import DEFAULT_H3_RESOLUTION
from geo.deliberation.model import DeliberationError, TopicDraft
from geo.surveys.priorities import PRIORITY_COLUMNS

__all__ = [
    "alternative_impact",
    "draft_from_hexagon",
    "draft_from_point",
    "draft_from_priority_row",
]

# The priority row as the ranking writes it, up to its residents (the rest are shares).
_PRIORITY_FIELDS = PRIORITY_COLUMNS[: PRIORITY_COLUMNS.index("residents") + 1]


def _plain(value: Any) -> Any:
    """A JSON value (numpy scalars to Python; NaN to None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _hexagon(cell: str) -> Polygon:
    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
    return Polygon(ring)


def draft_from_priority_row(
    row: Mapping[str, Any], *, by: str, district: str, title: str = "", description: str = ""
) -> TopicDraft:
    """A topic draft from one row of the priority list (``by``: hexagon or compound)."""
    try:
        category = str(row["category"])
        lon, lat = float(row["lon"]), float(row["lat"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DeliberationError("this row of the priority list has no place") from exc
    unit = str(row.get("unit", ""))
    place: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
    if by == "hexagon" and unit and h3.is_valid_cell(unit):
        place = dict(mapping(_hexagon(unit)))
    evidence = {
        "source": "priority",
        "by": by,
        "rows": [{k: _plain(row[k]) for k in _PRIORITY_FIELDS if k in row}],
        "residents_affected": float(_plain(row.get("residents_not_served", 0.0)) or 0.0),
    }
    return TopicDraft(
        title=title or f"{unit} · {category}",
        description=description,
        place=_json_geometry(place),
        need_category=category,
        evidence=evidence,
        district=district,
    )


def draft_from_hexagon(
    hexagons: gpd.GeoDataFrame, cell: str, *, category: str, district: str, title: str = ""
) -> TopicDraft:
    """A topic draft from a gap hexagon (a row of :func:`geo.access.gaps.gap_hexagons`)."""
    rows = hexagons[hexagons["h3"] == cell]
    if rows.empty:
        raise DeliberationError("there are no homes in this hexagon: no gap to discuss here")
    row = rows.iloc[0]
    column = f"unmet_{category}"
    if column not in rows.columns:
        raise DeliberationError(f"the analysis has no category {category!r}")
    unmet = float(row[column])
    evidence = {
        "source": "hexagon",
        "h3": cell,
        "category": category,
        "residents": float(row["residents"]),
        "residents_affected": unmet,
        "categories_missing": _plain(row.get("categories_missing")),
    }
    return TopicDraft(
        title=title or f"{cell} · {category}",
        place=_json_geometry(dict(mapping(_hexagon(cell)))),
        need_category=category,
        evidence=evidence,
        district=district,
    )


def draft_from_point(
    hexagons: gpd.GeoDataFrame,
    lon: float,
    lat: float,
    *,
    category: str,
    district: str,
    title: str = "",
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> TopicDraft:
    """A topic draft from a map click: the clicked point, with its gap hexagon as evidence."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DeliberationError("the clicked point is not a longitude/latitude")
    cell = h3.latlng_to_cell(lat, lon, resolution)
    try:
        draft = draft_from_hexagon(hexagons, cell, category=category, district=district)
        evidence = {**draft.evidence, "source": "map"}
    except DeliberationError:
        evidence = {"source": "map", "h3": cell, "category": category, "residents_affected": 0.0}
    return TopicDraft(
        title=title or f"{lat:.5f}, {lon:.5f} · {category}",
        place={"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        need_category=category,
        evidence=evidence,
        district=district,
    )


def _json_geometry(geom: Mapping[str, Any]) -> dict[str, Any]:
    """GeoJSON with lists (not tuples), coordinates rounded to 7 decimals (about 1 cm)."""

    def walk(value: Any) -> Any:
        if isinstance(value, tuple | list):
            return [walk(v) for v in value]
        if isinstance(value, float):
            return round(value, 7)
        return value

    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def alternative_impact(
    before: Analysis, after: Analysis, *, geometries: list[Any] | None = None
) -> dict[str, Any]:
    """What an alternative changes against the baseline (see the module's rules).

    ``geometries`` are the alternative's feature geometries (WGS-84), for the doorstep
    circles it touches; ``after`` is the scenario applied to ``before``.
    """
    tax = before.taxonomy
    pop = before.homes["population"].to_numpy(dtype=float)
    tiers = sorted(tax.tiers.values(), key=lambda t: t.distance_m)
    categories: dict[str, Any] = {}
    for i, cid in enumerate(before.categories):
        j = after.categories.index(cid)
        d0, d1 = before.home_dist_m[i], after.home_dist_m[j]
        own = tax.get(cid).distance_m
        categories[cid] = {
            "tier_m": own,
            "served_before": round(float(pop[d0 <= own].sum()), 1),
            "served_after": round(float(pop[d1 <= own].sum()), 1),
            "newly_served_by_tier": {
                str(t.walk_minutes): round(
                    float(pop[(d0 > t.distance_m) & (d1 <= t.distance_m)].sum()), 1
                )
                for t in tiers
            },
        }
    return {
        "categories": categories,
        "completeness_before": round(float(before.coverage.completeness), 6),
        "completeness_after": round(float(after.coverage.completeness), 6),
        "doorstep_circles_touched": doorstep_circles_touched(before, geometries or []),
        "residents_total": round(float(pop.sum()), 1),
    }


def doorstep_circles_touched(analysis: Analysis, geometries: list[Any]) -> int:
    """Compound entrances within 50 m of any of ``geometries``."""
    if not geometries:
        return 0
    d = analysis.district
    crs = d.network.crs
    entrances = compound_entrances(d.entrances, d.areas, crs=crs)
    if entrances.empty:
        return 0
    features = gpd.GeoSeries(list(geometries), crs="EPSG:4326").to_crs(crs)
    union = shapely.union_all(features.to_numpy())
    points = entrances.to_crs(crs).geometry
    return int((points.distance(union) <= DOORSTEP_RADIUS_M).sum())
