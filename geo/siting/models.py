"""The siting models: maximal covering (k sites) and set covering (fewest sites for a share).

Both run on a :class:`~geo.siting.coverage.CoverageMatrix`. An instance small enough
(:class:`~geo.siting.settings.SitingSettings`) is solved exactly by HiGHS
(:mod:`geo.siting.exact`); a larger one gets the greedy solution and its proven bound
(:mod:`geo.siting.greedy`). Either way the answer carries a bound and the optimality gap:
for maximal covering ``(bound − value) / bound`` with ``bound`` an upper bound on the best
weighted residents newly served; for set covering ``(sites − lower bound) / sites``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.siting import exact
from geo.siting.coverage import CoverageMatrix
from geo.siting.greedy import (
    contribution_order,
    greedy_budget,
    greedy_run,
    sites_needed_bound,
)
from geo.siting.settings import DEFAULT_SITING, SitingError, SitingSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

METHODS = ("auto", "exact", "greedy")
CURVE_COLUMNS = ["k", "residents_new", "share_after", "value", "bound", "gap", "method"]


@dataclass(frozen=True)
class Solution:
    """One answer of a siting model.

    ``chosen`` are candidate positions, the site adding the most first. ``value`` is the
    (weighted) residents newly served, ``residents_new`` the residents. For maximal
    covering ``bound`` is a proven upper bound on ``value``; for set covering a proven
    lower bound on the number of sites. ``gap`` is the relative optimality gap (0: proven
    optimal).
    """

    model: str  # "max_covering" | "set_covering"
    method: str  # "exact" | "greedy"
    chosen: tuple[int, ...]
    value: float
    residents_new: float
    bound: float
    gap: float
    optimal: bool
    solve_s: float
    k: int | None = None
    target: float | None = None
    budget: float | None = None
    note: str = ""

    @property
    def sites(self) -> int:
        return len(self.chosen)


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or int(k) <= 0:
        raise SitingError(f"k, the number of sites, must be a whole number of at least 1, not {k}")
    return int(k)


def check_target(target: object) -> float:
    if not isinstance(target, int | float) or not 0 < float(target) <= 1:
        raise SitingError(
            f"the target must be a share of residents above 0 and at most 1, not {target}"
        )
    return float(target)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise SitingError(f"method must be one of {', '.join(METHODS)}, not {method!r}")


def use_exact(m: CoverageMatrix, method: str, settings: SitingSettings = DEFAULT_SITING) -> bool:
    """Whether ``method`` (``auto``, ``exact``, ``greedy``) means an exact solve here."""
    _check_method(method)
    if method != "auto":
        return method == "exact"
    return m.n_candidates <= settings.exact_max_candidates and m.n_pairs <= settings.exact_max_pairs


def _costs(m: CoverageMatrix, budget: float | None) -> FloatArray | None:
    if budget is None:
        return None
    if not (math.isfinite(budget) and budget >= 0):
        raise SitingError(f"the budget must be a number of at least 0, not {budget}")
    cost: FloatArray = m.candidates.table["cost"].to_numpy(dtype=np.float64)
    missing = int((~np.isfinite(cost)).sum())
    if missing:
        raise SitingError(
            f"a budget needs a cost for every candidate; {missing} of {len(cost)} have none "
            "(give candidates in a file with a cost column, 造价/cost)"
        )
    return cost


def _finish(m: CoverageMatrix, chosen: IntArray) -> tuple[tuple[int, ...], float, float]:
    """The sites in contribution order, their weighted and plain residents newly served
    (recounted from the matrix, never taken from a solver's floating-point objective)."""
    order = contribution_order(m.covers, m.weight, np.asarray(chosen, dtype=np.int64))
    covered = m.covered_by(order)
    value, residents = float(m.weight[covered].sum()), float(m.residents[covered].sum())
    return tuple(int(i) for i in order), value, residents


def _gap_max(value: float, bound: float) -> float:
    return max(0.0, (bound - value) / bound) if bound > 0 else 0.0


def solve_max_covering(
    m: CoverageMatrix,
    k: int,
    *,
    budget: float | None = None,
    method: str = "auto",
    settings: SitingSettings = DEFAULT_SITING,
) -> Solution:
    """Choose at most ``k`` sites (within ``budget``) that newly serve the most residents."""
    k = check_k(k)
    cost = _costs(m, budget)
    started = time.perf_counter()
    if cost is not None and budget is not None:
        g_sites, _, g_bound = greedy_budget(m.covers, m.weight, cost, max_sites=k, budget=budget)
    else:
        run = greedy_run(m.covers, m.weight, max_sites=k)
        g_sites, g_bound = run.order, run.bound(k)
    chosen, value, residents = _finish(m, np.array(g_sites, dtype=np.int64))
    bound, how, optimal = max(g_bound, value), "greedy", False
    exact_wanted = use_exact(m, method, settings) and m.n_candidates > 0
    if not exact_wanted and m.n_candidates and settings.bound_time_limit_s > 0 and bound > value:
        relaxed = exact.max_covering_bound(
            exact.group_patterns(m.covers, m.weight, m.residents),
            k=k,
            cost=cost,
            budget=budget,
            time_limit_s=settings.bound_time_limit_s,
        )
        if relaxed is not None:
            bound = max(min(bound, relaxed), value)
    if exact_wanted:
        answer = exact.max_covering(
            exact.group_patterns(m.covers, m.weight, m.residents),
            k=k,
            cost=cost,
            budget=budget,
            time_limit_s=settings.time_limit_s,
        )
        if answer is not None:
            e_chosen, e_value, e_residents = _finish(m, answer.chosen)
            how, optimal = "exact", answer.optimal
            # Proven optimal: the optimum is the exact value (the greedy one can only tie).
            bound = max(e_value, value) if optimal else min(bound, max(answer.bound, e_value))
            if e_value >= value:
                chosen, value, residents = e_chosen, e_value, e_residents
    if not m.n_candidates or value >= bound:
        optimal = True
    return Solution(
        model="max_covering",
        method=how,
        chosen=chosen,
        value=value,
        residents_new=residents,
        bound=bound,
        gap=0.0 if optimal else _gap_max(value, bound),
        optimal=optimal,
        solve_s=time.perf_counter() - started,
        k=k,
        budget=budget,
    )


def residents_needed(m: CoverageMatrix, target: float) -> float:
    """Residents still to serve so that ``target`` of all are served."""
    return target * m.residents_total - m.residents_served_before


def solve_set_covering(
    m: CoverageMatrix,
    target: float,
    *,
    method: str = "auto",
    settings: SitingSettings = DEFAULT_SITING,
) -> Solution:
    """The fewest sites after which ``target`` of all residents are served.

    Among the smallest sets, the exact model picks the one that serves the most
    (weighted) residents.

    Raises
    ------
    SitingError
        If even every candidate together does not reach the target.
    """
    target = check_target(target)
    started = time.perf_counter()
    need = residents_needed(m, target)
    share_now = m.residents_served_before / m.residents_total if m.residents_total else 0.0
    if need <= 1e-9 * max(m.residents_total, 1.0):
        return Solution(
            "set_covering", "exact", (), 0.0, 0.0, 0.0, 0.0, True, 0.0, target=target,
            note=f"{share_now:.1%} of residents are already served: no new site is needed",
        )  # fmt: skip
    reachable = float(m.residents[m.covered_by(np.arange(m.n_candidates))].sum())
    if reachable < need * (1 - 1e-12):
        best = (m.residents_served_before + reachable) / m.residents_total
        raise SitingError(
            f"the target {target:.0%} cannot be reached: {share_now:.1%} of residents are "
            f"served today and all {m.n_candidates} candidates together would bring it to "
            f"{best:.1%}; add candidates or lower the target"
        )
    slack = need - 1e-9 * max(need, 1.0)  # round-off of sums never refuses a true cover
    run = greedy_run(m.covers, m.residents, max_sites=m.n_candidates, until=slack)
    chosen, value, residents = _finish(m, np.array(run.order, dtype=np.int64))
    lower, how, optimal = float(sites_needed_bound(run, slack)), "greedy", False
    exact_wanted = use_exact(m, method, settings)
    if not exact_wanted and settings.bound_time_limit_s > 0 and lower < len(chosen):
        relaxed = exact.fewest_sites_bound(
            exact.group_patterns(m.covers, m.weight, m.residents),
            need=slack,
            time_limit_s=settings.bound_time_limit_s,
        )
        if relaxed is not None:
            lower = max(lower, float(relaxed))
    if exact_wanted:
        patterns = exact.group_patterns(m.covers, m.weight, m.residents)
        fewest = exact.fewest_sites(patterns, need=slack, time_limit_s=settings.time_limit_s)
        if fewest is not None and len(fewest.chosen) <= len(chosen):
            how, optimal = "exact", fewest.optimal
            lower = max(lower, fewest.bound)
            best_set = exact.max_covering(
                patterns,
                k=len(fewest.chosen),
                need=slack,
                time_limit_s=settings.time_limit_s,
            )
            picked = best_set.chosen if best_set is not None else fewest.chosen
            if len(picked) > len(fewest.chosen):
                picked = fewest.chosen
            chosen, value, residents = _finish(m, picked)
    sites = len(chosen)
    if sites <= lower:
        optimal = True
    return Solution(
        model="set_covering",
        method=how,
        chosen=chosen,
        value=value,
        residents_new=residents,
        bound=float(min(lower, sites)),
        gap=0.0 if optimal else (sites - lower) / sites,
        optimal=optimal,
        solve_s=time.perf_counter() - started,
        target=target,
    )


def coverage_curve(
    m: CoverageMatrix,
    k_max: int,
    *,
    budget: float | None = None,
    method: str = "auto",
    settings: SitingSettings = DEFAULT_SITING,
) -> pd.DataFrame:
    """Residents newly served by the best ``k`` sites for ``k = 1..k_max``, with bounds.

    Columns :data:`CURVE_COLUMNS`: ``share_after`` is the share of all residents served
    with the new sites; ``value``/``bound``/``gap`` as in :class:`Solution`.
    """
    k_max = min(check_k(k_max), max(m.n_candidates, 1))
    rows = []
    if budget is None and not use_exact(m, method, settings):
        run = greedy_run(m.covers, m.weight, max_sites=k_max)
        for k in range(1, k_max + 1):
            sites = np.array(run.order[:k], dtype=np.int64)
            covered = m.covered_by(sites)
            value, bound = float(m.weight[covered].sum()), run.bound(k)
            rows.append(
                (
                    k,
                    float(m.residents[covered].sum()),
                    value,
                    bound,
                    _gap_max(value, bound),
                    "greedy",
                )
            )
    else:
        for k in range(1, k_max + 1):
            s = solve_max_covering(m, k, budget=budget, method=method, settings=settings)
            rows.append((k, s.residents_new, s.value, s.bound, s.gap, s.method))
    frame = pd.DataFrame(rows, columns=["k", "residents_new", "value", "bound", "gap", "method"])
    total = m.residents_total
    frame["share_after"] = (
        (m.residents_served_before + frame["residents_new"]) / total if total > 0 else 0.0
    )
    return frame[CURVE_COLUMNS]
