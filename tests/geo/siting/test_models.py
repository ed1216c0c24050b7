"""The covering models against exhaustive search, and the greedy bound against the optimum.

Small instances (≤ 12 candidates) are solved by trying every subset
(:mod:`tests.oracles.siting`); on Lujiazui the coverage itself is recomputed with networkx.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from geo.access.analysis import Analysis
from geo.errors import TaxonomyError
from geo.siting.candidates import Candidates
from geo.siting.coverage import CoverageMatrix, build_coverage
from geo.siting.models import (
    coverage_curve,
    residents_needed,
    solve_max_covering,
    solve_set_covering,
)
from geo.siting.results import suggest_sites
from geo.siting.settings import SitingError
from tests.oracles.siting import (
    best_k_exhaustive,
    coverage_networkx,
    covered_weight,
    fewest_exhaustive,
)

REL = 1e-9


def synthetic(seed: int, *, n_candidates: int = 10, n_homes: int = 40) -> CoverageMatrix:
    """A random instance: each candidate reaches 2–12 homes, overlapping, with costs."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for c in range(n_candidates):
        homes = rng.choice(n_homes, size=int(rng.integers(2, 13)), replace=False)
        rows += [c] * len(homes)
        cols += homes.tolist()
    # Like build_coverage, keep only the homes some candidate reaches.
    used, cols = np.unique(cols, return_inverse=True)
    n_homes = len(used)
    covers = sparse.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_candidates, n_homes)
    )
    residents = rng.uniform(5, 200, n_homes)
    table = gpd.GeoDataFrame({"cost": rng.integers(1, 6, n_candidates).astype(float)})
    access = pd.DataFrame({"candidate": [], "node_pos": [], "cost_m": []})
    return CoverageMatrix(
        category="x",
        tier_m=300.0,
        candidates=Candidates(table=table, access=access, left_out={}),
        homes=np.arange(n_homes, dtype=np.int64),
        residents=residents,
        weight=residents * rng.uniform(0.25, 1.0, n_homes),
        covers=covers,
        residents_total=float(residents.sum()) * 1.5,
        residents_served_before=float(residents.sum()) * 0.5,
    )


def pairs_of(m: CoverageMatrix) -> dict[int, frozenset[int]]:
    return {c: frozenset(m.covers[c].indices.tolist()) for c in range(m.n_candidates)}


@pytest.mark.parametrize("seed", range(6))
def test_max_covering_equals_exhaustive_search(seed: int) -> None:
    m = synthetic(seed)
    pairs = pairs_of(m)
    weight = dict(enumerate(m.weight))
    for k in (1, 2, 3, 5):
        best = best_k_exhaustive(pairs, weight, k)
        exact = solve_max_covering(m, k, method="exact")
        greedy = solve_max_covering(m, k, method="greedy")
        assert exact.optimal and exact.gap == 0.0
        assert exact.value == pytest.approx(best, rel=REL)
        assert covered_weight(pairs, exact.chosen, weight) == pytest.approx(best, rel=REL)
        assert len(exact.chosen) <= k
        # The greedy value and its bound bracket the optimum; the gap is what they say.
        assert greedy.value <= best * (1 + REL)
        assert greedy.bound >= best * (1 - REL)
        assert greedy.gap == pytest.approx((greedy.bound - greedy.value) / greedy.bound, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_budget_equals_exhaustive_search(seed: int) -> None:
    m = synthetic(seed)
    pairs = pairs_of(m)
    weight = dict(enumerate(m.weight))
    cost = m.candidates.table["cost"].tolist()
    for k, budget in ((3, 4.0), (4, 7.0), (10, 5.0)):
        best = best_k_exhaustive(pairs, weight, k, cost=cost, budget=budget)
        exact = solve_max_covering(m, k, budget=budget, method="exact")
        greedy = solve_max_covering(m, k, budget=budget, method="greedy")
        assert exact.value == pytest.approx(best, rel=REL)
        assert sum(cost[i] for i in exact.chosen) <= budget
        assert sum(cost[i] for i in greedy.chosen) <= budget
        assert greedy.value <= best * (1 + REL) <= greedy.bound * (1 + 2 * REL)


@pytest.mark.parametrize("seed", range(6))
def test_set_covering_equals_exhaustive_search(seed: int) -> None:
    m = synthetic(seed)
    pairs = pairs_of(m)
    residents = dict(enumerate(m.residents))
    reachable = float(m.residents.sum())
    for fraction in (0.3, 0.6, 0.9):
        need = fraction * reachable
        target = (m.residents_served_before + need) / m.residents_total
        assert residents_needed(m, target) == pytest.approx(need)
        fewest = fewest_exhaustive(pairs, residents, need)
        exact = solve_set_covering(m, target, method="exact")
        greedy = solve_set_covering(m, target, method="greedy")
        assert exact.sites == fewest and exact.optimal
        assert exact.residents_new >= need * (1 - REL)
        # Greedy: a feasible answer, and a lower bound that never exceeds the optimum.
        assert greedy.residents_new >= need * (1 - REL)
        assert greedy.bound <= fewest <= greedy.sites


def test_curve_matches_exhaustive_search() -> None:
    m = synthetic(11, n_candidates=9)
    pairs = pairs_of(m)
    weight = dict(enumerate(m.weight))
    curve = coverage_curve(m, 6, method="exact")
    assert curve["k"].tolist() == [1, 2, 3, 4, 5, 6]
    for k, value in zip(curve["k"], curve["value"], strict=True):
        assert value == pytest.approx(best_k_exhaustive(pairs, weight, int(k)), rel=REL)
    assert curve["value"].is_monotonic_increasing
    greedy = coverage_curve(m, 6, method="greedy")
    assert (greedy["value"] <= curve["value"] * (1 + REL)).all()
    assert (greedy["bound"] >= curve["value"] * (1 - REL)).all()


def lujiazui_oracle(
    analysis: Analysis, sub: Candidates, category: str
) -> tuple[dict[int, frozenset[int]], set[tuple[int, int]]]:
    network = analysis.district.network
    u, v = network.edge_index
    edges = list(zip(u.tolist(), v.tolist(), network.edges["length_m"].tolist(), strict=True))
    ways = [list(zip(p.tolist(), c.tolist(), strict=True)) for p, c in sub.groups()]
    h = analysis.homes
    home_ways = [
        [(int(a), float(ca)), (int(b), float(cb))]
        for a, ca, b, cb in zip(h["u_pos"], h["u_cost_m"], h["v_pos"], h["v_cost_m"], strict=True)
    ]
    served = analysis.served[analysis.categories.index(category)]
    demand = np.flatnonzero(~served & (h["population"].to_numpy() > 0)).tolist()
    tier = analysis.taxonomy.get(category).distance_m
    return coverage_networkx(edges, ways, home_ways, demand, tier)


# elderly care: nobody served yet; sports and culture: existing facilities already serve many.
@pytest.mark.parametrize("category", ["elderly_daycare", "sports", "culture_centre"])
def test_lujiazui_twelve_candidates_against_networkx_and_exhaustive_search(
    analysis: Analysis, candidates: Candidates, category: str
) -> None:
    reach = build_coverage(analysis, category, candidates).residents_reached()
    # The twelve that reach most: they compete for the same homes, so the choice matters.
    top = np.argsort(-reach, kind="stable")[:12]
    sub = candidates.subset(top)
    m = build_coverage(analysis, category, sub)
    pairs, borderline = lujiazui_oracle(analysis, sub, category)
    assert not borderline
    got = {c: frozenset(m.homes[m.covers[c].indices].tolist()) for c in range(len(sub))}
    assert got == pairs
    residents = dict(enumerate(analysis.homes["population"].to_numpy(dtype=float)))
    for k in (1, 2, 3, 4):
        s = solve_max_covering(m, k, method="exact")
        assert s.residents_new == pytest.approx(best_k_exhaustive(pairs, residents, k), rel=REL)
    need = 0.75 * covered_weight(pairs, range(len(sub)), residents)
    target = (m.residents_served_before + need) / m.residents_total
    s = solve_set_covering(m, target, method="exact")
    assert s.sites == fewest_exhaustive(pairs, residents, need)


@pytest.mark.parametrize(
    ("category", "k"),
    # food_market, k = 3: the greedy answer is 4.9 % below the exact one there.
    [("elderly_daycare", 3), ("food_market", 3), ("sports", 5), ("culture_centre", 2)],
)
def test_on_lujiazui_exact_is_at_least_greedy(
    analysis: Analysis, candidates: Candidates, category: str, k: int
) -> None:
    m = build_coverage(analysis, category, candidates)
    exact = solve_max_covering(m, k, method="exact")
    greedy = solve_max_covering(m, k, method="greedy")
    assert exact.method == "exact" and exact.optimal
    assert exact.value >= greedy.value * (1 - REL)
    assert greedy.bound >= exact.value * (1 - REL)  # the greedy's bound holds
    assert greedy.gap >= (exact.value - greedy.value) / greedy.bound - REL


def test_bad_questions_are_refused(analysis: Analysis, candidates: Candidates) -> None:
    with pytest.raises(SitingError, match="at least 1"):
        suggest_sites(analysis, "community_service", candidates, k=0)
    with pytest.raises(SitingError, match="at least 1"):
        suggest_sites(analysis, "community_service", candidates, k=-2)
    with pytest.raises(SitingError, match="not both"):
        suggest_sites(analysis, "community_service", candidates, k=2, target=0.5)
    with pytest.raises(SitingError, match="above 0"):
        suggest_sites(analysis, "community_service", candidates, target=1.2)
    with pytest.raises(TaxonomyError, match="unknown category 'spa'"):
        suggest_sites(analysis, "spa", candidates, k=2)
    with pytest.raises(SitingError, match="cannot be reached"):
        suggest_sites(analysis, "community_service", candidates.subset([0, 1]), target=1.0)
    with pytest.raises(SitingError, match="needs a cost"):
        suggest_sites(analysis, "community_service", candidates, k=2, budget=100.0)


def test_a_target_already_met_needs_no_site(analysis: Analysis, candidates: Candidates) -> None:
    row = analysis.coverage.by_category.loc["transit"]
    s = suggest_sites(analysis, "transit", candidates, target=float(row["share"]) * 0.9)
    assert s.solution.sites == 0 and "already served" in s.solution.note
