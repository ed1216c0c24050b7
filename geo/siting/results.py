"""A site suggestion from start to finish, and what it hands on: sites, curve, scenario.

:func:`suggest_sites` builds the coverage matrix, solves the chosen model and the curve;
:class:`Suggestion` turns the answer into tables and into a scenario that
:func:`geo.scenarios.apply.apply_scenario` and :func:`geo.scenarios.compare.compare` read
back to the same residents newly served (each site joins the network as the scenario
feature it becomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.analysis import Analysis
from geo.scenarios.model import Intervention, Scenario, ScenarioMeta, now_iso, slugify
from geo.siting.candidates import Candidates
from geo.siting.coverage import CoverageMatrix, build_coverage
from geo.siting.models import (
    Solution,
    check_k,
    check_target,
    coverage_curve,
    solve_max_covering,
    solve_set_covering,
)
from geo.siting.settings import DEFAULT_SITING, SitingError, SitingSettings

FloatArray = npt.NDArray[np.float64]

SITE_COLUMNS = [
    "rank",
    "candidate_id",
    "name",
    "source",
    "kind",
    "lon",
    "lat",
    "join_m",
    "residents_added",
    "homes_added",
    "residents_reach",
    "capacity",
    "cost",
]
"""Columns of :meth:`Suggestion.sites_table`: ``residents_added`` is what the site adds
to the sites ranked before it (they sum to the residents newly served), ``residents_reach``
what it would newly serve alone."""

DEFAULT_CURVE_SITES = 10


@dataclass(frozen=True, eq=False)
class Suggestion:
    """Chosen sites for one category, with the curve and everything needed to explain them."""

    matrix: CoverageMatrix
    solution: Solution
    curve: pd.DataFrame
    category_name_zh: str
    category_name_en: str

    @property
    def category(self) -> str:
        return self.matrix.category

    @property
    def candidates(self) -> Candidates:
        return self.matrix.candidates

    def _added(self) -> tuple[list[float], list[int]]:
        m = self.matrix
        seen = np.zeros(len(m.homes), dtype=bool)
        residents, homes = [], []
        for site in self.solution.chosen:
            row = m.covers[site].indices
            new = row[~seen[row]]
            seen[new] = True
            residents.append(float(m.residents[new].sum()))
            homes.append(len(new))
        return residents, homes

    def sites_table(self) -> pd.DataFrame:
        """The chosen sites in rank order (:data:`SITE_COLUMNS`)."""
        table = self.candidates.table
        chosen = list(self.solution.chosen)
        rows = table.iloc[chosen]
        added, homes = self._added()
        reach = self.matrix.residents_reached()
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(chosen) + 1, dtype=np.int64),
                "candidate_id": rows["candidate_id"].astype(str).to_numpy(),
                "name": rows["name"].astype(str).to_numpy(),
                "source": rows["source"].astype(str).to_numpy(),
                "kind": rows["kind"].astype(str).to_numpy(),
                "lon": rows["lon"].to_numpy(dtype=float),
                "lat": rows["lat"].to_numpy(dtype=float),
                "join_m": rows["join_m"].to_numpy(dtype=float),
                "residents_added": np.array(added, dtype=float),
                "homes_added": np.array(homes, dtype=np.int64),
                "residents_reach": reach[chosen] if chosen else np.zeros(0),
                "capacity": rows["capacity"].to_numpy(dtype=float),
                "cost": rows["cost"].to_numpy(dtype=float),
            },
            columns=SITE_COLUMNS,
        )

    def sites_gdf(self) -> gpd.GeoDataFrame:
        """:meth:`sites_table` with each site's geometry (a point, or a plot's polygon)."""
        geometry = self.candidates.table.geometry.iloc[list(self.solution.chosen)].to_numpy()
        return gpd.GeoDataFrame(self.sites_table(), geometry=list(geometry), crs="EPSG:4326")

    def candidates_table(self) -> pd.DataFrame:
        """Every candidate, with the residents it would newly serve alone and whether chosen."""
        t = self.candidates.table
        chosen = np.zeros(len(t), dtype=bool)
        chosen[list(self.solution.chosen)] = True
        cols = ["candidate_id", "name", "source", "kind", "lon", "lat", "join_m", "ways_in"]
        out = pd.DataFrame(t[cols]).copy()
        out["residents_reach"] = self.matrix.residents_reached()
        out["chosen"] = chosen
        return out

    def newly_served_homes(self, analysis: Analysis) -> gpd.GeoDataFrame:
        """The homes the chosen sites newly serve, with the rank of the first site that does."""
        m = self.matrix
        first = np.zeros(len(m.homes), dtype=np.int64)
        for rank, site in enumerate(self.solution.chosen, start=1):
            row = m.covers[site].indices
            first[row[first[row] == 0]] = rank
        keep = first > 0
        homes = analysis.homes.iloc[m.homes[keep]]
        out = gpd.GeoDataFrame(
            homes[["home_id", "population", "lon", "lat"]].reset_index(drop=True),
            geometry=homes.geometry.to_numpy(),
            crs="EPSG:4326",
        )
        out["site_rank"] = first[keep]
        return out

    def to_scenario(self, *, district: str, author: str = "lifecircle suggest") -> Scenario:
        """The chosen sites as a scenario: points are ``facility`` features of the category,
        plots ``space`` features that provide it."""
        s = self.solution
        t = self.candidates.table
        items = []
        for rank, site in enumerate(s.chosen, start=1):
            name = str(t.at[site, "name"] or "") or f"{self.category_name_zh} 建议点 {rank}"
            kind = str(t.at[site, "kind"])
            items.append(
                Intervention(
                    id=f"site-{rank}",
                    kind=kind,
                    geometry=t.geometry.iloc[site],
                    name=name,
                    category=self.category if kind == "facility" else None,
                    provides=(self.category,) if kind == "space" else (),
                )
            )
        how = f"k = {s.k}" if s.model == "max_covering" else f"target {float(s.target or 0):.0%}"
        title = (
            f"建议选址：{self.category_name_zh}（{len(items)}处） · "
            f"Suggested sites: {self.category_name_en} ({len(items)})"
        )
        description = (
            f"{s.model.replace('_', ' ')}, {how}, {s.method} (gap {s.gap:.2%}): "
            f"{s.residents_new:,.0f} residents newly within {self.matrix.tier_m:.0f} m. "
            f"新增服务居民 {s.residents_new:,.0f} 人。"
        )
        stamp = now_iso()
        meta = ScenarioMeta(
            title=title,
            description=description,
            author=author,
            created=stamp,
            updated=stamp,
            district=district,
        )
        sid = slugify(f"suggested-{self.category}-{len(items)}-sites")
        return Scenario(id=sid, meta=meta, interventions=tuple(items))

    def summary(self) -> dict[str, Any]:
        """The figures of the answer, for ``suggestion.json``."""
        m, s = self.matrix, self.solution
        total = m.residents_total
        before = m.residents_served_before
        return {
            "category": self.category,
            "tier_m": m.tier_m,
            "model": s.model,
            "method": s.method,
            "k": s.k,
            "target": s.target,
            "budget": s.budget,
            "sites": s.sites,
            "residents_total": round(total, 2),
            "residents_served_before": round(before, 2),
            "residents_newly_served": round(s.residents_new, 2),
            "homes_newly_served": int(m.covered_by(list(s.chosen)).sum()),
            "share_before": round(before / total, 6) if total else 0.0,
            "share_after": round((before + s.residents_new) / total, 6) if total else 0.0,
            "objective": round(s.value, 4),
            "weighted": m.weighted,
            "bound": round(s.bound, 4),
            "optimality_gap": round(s.gap, 6),
            "proven_optimal": s.optimal,
            "note": s.note,
            "candidates": m.n_candidates,
            "candidates_left_out": dict(self.candidates.left_out),
            "candidate_home_pairs": m.n_pairs,
            "timings_s": {"coverage": round(m.build_s, 4), "solve": round(s.solve_s, 4)},
        }


def suggest_sites(
    analysis: Analysis,
    category: str,
    candidates: Candidates,
    *,
    k: int | None = None,
    target: float | None = None,
    budget: float | None = None,
    weight: FloatArray | None = None,
    method: str = "auto",
    curve_sites: int | None = None,
    settings: SitingSettings = DEFAULT_SITING,
) -> Suggestion:
    """Suggest sites for ``category``: ``k`` sites (maximal covering) or the fewest for a
    ``target`` share of residents (set covering), with the curve for 1..``curve_sites``.

    Raises
    ------
    SitingError, TaxonomyError
        If both or neither of ``k`` and ``target`` are given, ``k`` ≤ 0, the target is not
        in (0, 1], the category is unknown, or the target cannot be reached.
    """
    cat = analysis.taxonomy.get(category)  # an unknown category is a TaxonomyError
    if (k is None) == (target is None):
        raise SitingError("give either k (the number of sites) or a target share, not both")
    if k is not None:
        k = check_k(k)
    if target is not None:
        target = check_target(target)
        if budget is not None:
            raise SitingError("a budget applies to k sites (maximal covering), not to a target")
    if len(candidates) == 0:
        raise SitingError("no candidate sites to choose from")
    matrix = build_coverage(analysis, cat.id, candidates, weight=weight, settings=settings)
    if k is not None:
        solution = solve_max_covering(matrix, k, budget=budget, method=method, settings=settings)
    else:
        assert target is not None
        solution = solve_set_covering(matrix, target, method=method, settings=settings)
    sites = curve_sites or max(DEFAULT_CURVE_SITES, k or 0, solution.sites)
    curve = coverage_curve(matrix, sites, budget=budget, method=method, settings=settings)
    return Suggestion(
        matrix=matrix,
        solution=solution,
        curve=curve,
        category_name_zh=cat.name_zh,
        category_name_en=cat.name_en,
    )
