"""Recounting after a workshop edit: only the homes whose distances can have changed.

An added facility, space or link only shortens walks, and only at the nodes its bounded
search lowered (:meth:`geo.access.engine.DistanceEngine.lower`). A home's distance is the
shorter of the walks through the two ends of its street
(:func:`geo.access.coverage.home_distances`), so it can change only when one of those two
nodes was lowered: every other home keeps its distance and its served flag, and the
coverage tables are summed again from the updated arrays. The result is exactly a full
recount's (``tests/geo/access/test_edits.py`` checks it against one and networkx).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.coverage import CoverageReport, compute_coverage, coverage_report
from geo.access.engine import AccessResult
from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def home_ends(homes: pd.DataFrame) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
    """Each home's two ways in: node positions and the walk to each (one way twice when
    the homes were given with ``node_pos``/``snap_m`` only)."""
    if "u_pos" not in homes.columns:
        pos = homes["node_pos"].to_numpy(dtype=np.int64)
        snap = homes["snap_m"].to_numpy(dtype=float)
        return pos, snap, pos, snap
    return (
        homes["u_pos"].to_numpy(dtype=np.int64),
        homes["u_cost_m"].to_numpy(dtype=float),
        homes["v_pos"].to_numpy(dtype=np.int64),
        homes["v_cost_m"].to_numpy(dtype=float),
    )


def recount_lowered(
    access: AccessResult,
    homes: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    home_dist_m: FloatArray,
    served: BoolArray,
    lowered: Mapping[str, IntArray | None],
    coverage_before: CoverageReport | None = None,
) -> tuple[FloatArray, BoolArray, CoverageReport]:
    """Home distances, served flags and coverage after an edit, from those before it.

    ``home_dist_m`` and ``served`` are the arrays before the edit (not changed);
    ``lowered`` maps each category the edit changed to the node positions whose
    distance fell, or to ``None`` when the whole row must be recounted (a closure can
    lengthen walks anywhere). Categories not in ``lowered`` keep their rows, and, given
    ``coverage_before`` (the tables of the arrays before), their coverage rows.
    """
    home_dist = home_dist_m.copy()
    flags = served.copy()
    if len(homes) and lowered:
        u, cu, v, cv = home_ends(homes)
        n = len(access.node_ids)
        for cid, nodes in lowered.items():
            i = access.categories.index(cid)
            tier_m = taxonomy.get(cid).distance_m
            row = access.row(i)
            if nodes is None:
                home_dist[i] = np.minimum(row[u] + cu, row[v] + cv)
                flags[i] = home_dist[i] <= tier_m
                continue
            if len(nodes) == 0:
                continue
            mask = np.zeros(n, dtype=bool)
            mask[nodes] = True
            hit = np.flatnonzero(mask[u] | mask[v])
            near = np.minimum(row[u[hit]] + cu[hit], row[v[hit]] + cv[hit])
            home_dist[i, hit] = near
            flags[i, hit] = near <= tier_m
    population = homes["population"].to_numpy(dtype=float)
    has_data = access.rows_with_data()
    if coverage_before is None:
        coverage = compute_coverage(
            home_dist,
            population,
            taxonomy=taxonomy,
            categories=access.categories,
            has_data=has_data,
        )
    else:
        rows = [access.categories.index(c) for c in lowered]
        coverage = update_coverage(
            coverage_before,
            home_dist,
            flags,
            population,
            taxonomy=taxonomy,
            categories=access.categories,
            rows=rows,
            has_data=has_data,
        )
    return home_dist, flags, coverage


def update_coverage(
    before: CoverageReport,
    home_dist_m: FloatArray,
    served: BoolArray,
    population: FloatArray,
    *,
    taxonomy: Taxonomy,
    categories: tuple[str, ...],
    rows: Sequence[int],
    has_data: npt.ArrayLike,
) -> CoverageReport:
    """``before``'s tables with the rows ``rows`` summed again (the same sums as
    :func:`geo.access.coverage.compute_coverage`), and completeness recomputed: what
    ``compute_coverage`` gives for the new arrays, without re-summing the other rows."""
    pop = np.asarray(population, dtype=float)
    total = before.residents_total
    by_category = before.by_category.copy()
    by_tier = before.by_tier.copy()
    tiers = sorted(taxonomy.tiers.values(), key=lambda t: t.distance_m)
    # The same sums, row by row; written one column at a time (a cell at a time costs
    # pandas more than the sums).
    cids = [categories[i] for i in rows]
    homes = [int(served[i].sum()) for i in rows]
    served_pop = [float(pop[served[i]].sum()) for i in rows]
    by_tier_share = {
        f"share_{tier.walk_minutes}min": [
            float(pop[home_dist_m[i] <= tier.distance_m].sum()) / total if total > 0 else 0.0
            for i in rows
        ]
        for tier in tiers
    }
    if cids:
        at = by_category.index.get_indexer(cids)
        _set_rows(by_category, at, "homes_served", homes)
        _set_rows(by_category, at, "served", served_pop)
        _set_rows(by_category, at, "not_served", [total - s for s in served_pop])
        _set_rows(by_category, at, "share", [s / total if total > 0 else 0.0 for s in served_pop])
        at = by_tier.index.get_indexer(cids)
        for column, shares in by_tier_share.items():
            _set_rows(by_tier, at, column, shares)
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


def _set_rows(frame: pd.DataFrame, at: IntArray, column: str, values: Sequence[float]) -> None:
    """``frame[column]`` with the rows at positions ``at`` set to ``values`` (in place)."""
    col = frame[column].to_numpy(copy=True)
    col[at] = values
    frame[column] = col
