"""Elderly residents and their walking speed, for the elderly items of the taxonomy.

With an elderly share (per district, or per compound in the population overrides), the
elderly items (:data:`ELDERLY_ITEMS`) are counted in elderly residents: a home's elderly
residents are its residents × its share. With a slower walking speed for older residents,
those items' service distances shrink in proportion to the speed (the minutes stay).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from geo.errors import InputFileError
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy

ELDERLY_ITEMS = ("elderly_daycare", "nursing_home", "canteen")
"""Items used mostly by older residents: 日间照料, 养老院, 社区食堂/助餐点."""

ELDERLY_WALK_M_PER_MIN = 60.0
"""A usual planning speed for older pedestrians, 1.0 m/s (see the README's source)."""

MIN_WALK_M_PER_MIN = 20.0


def default_walk_m_per_min(speed_kmh: float = DEFAULT_WALK_SPEED_KMH) -> float:
    return speed_kmh * 1000.0 / 60.0


def elderly_taxonomy(
    taxonomy: Taxonomy, *, walk_m_per_min: float, speed_kmh: float = DEFAULT_WALK_SPEED_KMH
) -> Taxonomy:
    """A copy whose elderly items' distances are scaled by ``walk_m_per_min`` ÷ the default.

    At 60 m/min against the default 4 km/h (66.7 m/min), 300 m becomes 270 m and 1000 m
    900 m: the same 5 or 15 minutes, walked more slowly. Only slower speeds are accepted,
    so no distance grows beyond the analysis limit.
    """
    base = default_walk_m_per_min(speed_kmh)
    if not (MIN_WALK_M_PER_MIN <= walk_m_per_min <= base):
        raise InputFileError(
            f"the elderly walking speed must be between {MIN_WALK_M_PER_MIN:g} and "
            f"{base:.1f} m/min (the default walk), not {walk_m_per_min:g}"
        )
    ratio = walk_m_per_min / base
    categories = tuple(
        replace(c, service_m=round(c.distance_m * ratio, 1)) if c.id in ELDERLY_ITEMS else c
        for c in taxonomy.categories
    )
    return Taxonomy(
        categories=categories,
        tiers=taxonomy.tiers,
        source=f"{taxonomy.source} @ elderly {walk_m_per_min:g} m/min",
        digest=f"{taxonomy.digest}:elderly{walk_m_per_min:g}",
    )


def elderly_shares(
    compound: np.ndarray, *, district_share: float | None, compound_shares: dict[str, float]
) -> np.ndarray | None:
    """Per home, its elderly share (compound's, else the district's); ``None`` without any."""
    if district_share is None and not compound_shares:
        return None
    base = np.nan if district_share is None else district_share
    return np.array([compound_shares.get(str(c), base) for c in compound], dtype=float)


def elderly_served(
    served: np.ndarray,
    categories: tuple[str, ...],
    population: np.ndarray,
    shares: np.ndarray,
    *,
    distances_m: dict[str, float],
    has_data: dict[str, bool] | None = None,
) -> list[dict[str, Any]]:
    """Per elderly item: elderly residents, served and not served, and the served share.

    Homes with no share (no district share and none for their compound) are left out and
    counted in ``homes_without_share``. An item with no facility in the data has
    ``no_data`` true and no share (not 0 %).
    """
    known = np.isfinite(shares)
    elderly = np.where(known, population * np.nan_to_num(shares), 0.0)
    total = float(elderly.sum())
    rows = []
    for cid in ELDERLY_ITEMS:
        if cid not in categories:
            continue
        hit = served[categories.index(cid)]
        got = float(elderly[hit].sum())
        no_data = has_data is not None and not has_data.get(cid, True)
        rows.append(
            {
                "id": cid,
                "distance_m": distances_m[cid],
                "elderly_residents": round(total, 2),
                "elderly_served": round(got, 2),
                "elderly_not_served": round(total - got, 2),
                "no_data": no_data,
                "share": round(got / total, 6) if total > 0 and not no_data else None,
                "homes_without_share": int((~known).sum()),
            }
        )
    return rows
