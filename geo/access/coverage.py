"""Who is served: per category and tier, the residents within walking reach.

A home's distance to a category is the shorter of the walks through the two ends of its
street: the end's distance plus the walk from the door to that end. A home is served by
a category when that distance is within the category's tier distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.completeness import Completeness, compute_completeness
from geo.access.engine import AccessResult
from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def home_distances(access: AccessResult, homes: pd.DataFrame) -> FloatArray:
    """(categories × homes) distances in metres; ``inf`` beyond the limit.

    A home reaches the network at both ends of its street (``u_pos``/``u_cost_m`` and
    ``v_pos``/``v_cost_m``); its distance is the shorter of the two walks. Homes given
    with only ``node_pos``/``snap_m`` have that one way in.
    """
    if len(homes) == 0:
        return np.zeros((len(access.categories), 0))
    if "u_pos" not in homes.columns:
        pos = homes["node_pos"].to_numpy(dtype=np.int64)
        snap = homes["snap_m"].to_numpy(dtype=float)
        single = np.empty((len(access.categories), len(homes)))
        for i in range(len(access.categories)):
            np.add(access.row(i)[pos], snap, out=single[i])
        return single
    u = homes["u_pos"].to_numpy(dtype=np.int64)
    v = homes["v_pos"].to_numpy(dtype=np.int64)
    cu = homes["u_cost_m"].to_numpy(dtype=float)
    cv = homes["v_cost_m"].to_numpy(dtype=float)
    out = np.empty((len(access.categories), len(homes)))
    for i in range(len(access.categories)):  # row by row: an edited result shares rows
        row = access.row(i)
        np.minimum(row[u] + cu, row[v] + cv, out=out[i])
    return out


def served_matrix(
    home_dist_m: FloatArray, taxonomy: Taxonomy, categories: tuple[str, ...]
) -> BoolArray:
    """(categories × homes): within each category's own tier distance."""
    tiers = np.array([taxonomy.get(c).distance_m for c in categories], dtype=float)
    return np.asarray(home_dist_m <= tiers[:, None])


def residents_within(
    home_dist_m: FloatArray, population: FloatArray, *, within_m: float
) -> tuple[float, float, float]:
    """Residents served and not served within ``within_m`` of one category, and the share."""
    pop = np.asarray(population, dtype=float)
    total = float(pop.sum())
    served = float(pop[np.asarray(home_dist_m) <= within_m].sum())
    return served, total - served, served / total if total > 0 else 0.0


@dataclass(frozen=True)
class CoverageReport:
    """Coverage tables for one analysis."""

    by_category: pd.DataFrame
    by_tier: pd.DataFrame
    residents_total: float
    completeness: float
    """Residents served by every essential item with data ÷ residents (0 without items)."""
    completeness_residents: float
    detail: Completeness | None = None
    """Per level, and the essential items with no facility in the data (no data)."""

    @property
    def no_data(self) -> tuple[str, ...]:
        return self.detail.no_data if self.detail is not None else ()

    @property
    def essential(self) -> tuple[str, ...]:
        return self.detail.essential if self.detail is not None else ()

    def row(self, category_id: str) -> pd.Series:
        return pd.Series(self.by_category.loc[category_id])


def compute_coverage(
    home_dist_m: FloatArray,
    population: FloatArray,
    *,
    taxonomy: Taxonomy,
    categories: tuple[str, ...],
    has_data: npt.ArrayLike | None = None,
) -> CoverageReport:
    """Per category: residents served and not served at its own tier; per tier: shares.

    ``completeness`` is the share of residents who reach every essential item that has
    data within its distance (:mod:`geo.access.completeness`); ``has_data`` says per
    category whether any facility is in the data (by default: any finite distance).
    """
    pop = np.asarray(population, dtype=float)
    total = float(pop.sum())
    served = served_matrix(home_dist_m, taxonomy, categories)
    rows = []
    for i, cid in enumerate(categories):
        cat = taxonomy.get(cid)
        served_pop = float(pop[served[i]].sum())
        rows.append(
            {
                "category": cid,
                "name_zh": cat.name_zh,
                "name_en": cat.name_en,
                "tier_minutes": cat.walk_minutes,
                "tier_m": cat.distance_m,
                "homes": len(pop),
                "homes_served": int(served[i].sum()),
                "residents": total,
                "served": served_pop,
                "not_served": total - served_pop,
                "share": served_pop / total if total > 0 else 0.0,
            }
        )
    by_category = pd.DataFrame(rows).set_index("category")
    tier_rows = []
    tiers = sorted(taxonomy.tiers.values(), key=lambda t: t.distance_m)
    for i, cid in enumerate(categories):
        row: dict[str, object] = {"category": cid}
        for tier in tiers:
            within = home_dist_m[i] <= tier.distance_m
            share = float(pop[within].sum()) / total if total > 0 else 0.0
            row[f"share_{tier.walk_minutes}min"] = share
        tier_rows.append(row)
    by_tier = pd.DataFrame(tier_rows).set_index("category")
    if has_data is None:
        # Without node distances: an item no home reaches within the limit counts as no data.
        has_data = (
            np.isfinite(home_dist_m).any(axis=1)
            if home_dist_m.shape[1]
            else [True] * len(categories)
        )
    return coverage_report(
        by_category,
        by_tier,
        total,
        served,
        pop,
        taxonomy=taxonomy,
        categories=categories,
        has_data=has_data,
    )


def coverage_report(
    by_category: pd.DataFrame,
    by_tier: pd.DataFrame,
    total: float,
    served: Any,
    pop: Any,
    *,
    taxonomy: Taxonomy,
    categories: tuple[str, ...],
    has_data: Any,
) -> CoverageReport:
    """The report of these tables, with completeness computed from ``served`` (one place
    for :func:`compute_coverage` and the incremental recount of ``geo.access.edits``)."""
    detail = compute_completeness(
        served,
        pop,
        taxonomy=taxonomy,
        categories=categories,
        has_data=[bool(v) for v in np.asarray(has_data, dtype=bool)],
    )
    return CoverageReport(
        by_category=by_category,
        by_tier=by_tier,
        residents_total=total,
        completeness=detail.share if detail.share is not None else 0.0,
        completeness_residents=detail.residents,
        detail=detail,
    )
