"""The greedy solution of the covering models, and the bound that proves how good it is.

Covering is monotone submodular: a site never serves fewer residents because others were
added before it, only fewer *new* ones. For any set ``S`` of sites and any feasible set
``T`` (at most ``k`` sites, within the budget)::

    f(T) ≤ f(S ∪ T) ≤ f(S) + Σ_{t ∈ T} Δ_t(S)

where ``Δ_t(S)`` is what ``t`` adds to ``S``. So the optimum is at most ``f(S)`` plus the
``k`` largest gains over ``S`` (with a budget, also at most ``f(S)`` plus the fractional
knapsack of the gains: an upper bound of the 0/1 choice). Every step of the greedy run
gives such a bound and the smallest one is kept (Nemhauser, Wolsey and Fisher 1978; Minoux
1978); without a budget the greedy value is also at least ``1 − 1/e`` of the optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

GREEDY_RATIO = 1.0 - 1.0 / math.e
"""The greedy value is at least this share of the optimum (k sites, no budget)."""


@dataclass(frozen=True)
class GreedyRun:
    """A greedy run: the sites in the order chosen, and what each step proves.

    ``values[i]`` is the covered weight after ``i`` sites; ``top_gains[i]`` the cumulative
    sums of the largest gains over those ``i`` sites (``top_gains[i][m - 1]`` bounds what
    any ``m`` more sites could add).
    """

    order: tuple[int, ...]
    values: FloatArray
    top_gains: tuple[FloatArray, ...]
    n_candidates: int

    def value(self, k: int) -> float:
        return float(self.values[min(k, len(self.order))])

    def bound(self, k: int) -> float:
        """A proven upper bound on the best covered weight with ``k`` sites."""
        if k > len(self.top_gains[0]) and len(self.top_gains[0]) < self.n_candidates:
            raise ValueError(f"the run kept the gains of {len(self.top_gains[0])} sites, not {k}")
        best = math.inf
        for value, cum in zip(self.values, self.top_gains, strict=True):
            add = float(cum[min(k, len(cum)) - 1]) if len(cum) and k > 0 else 0.0
            best = min(best, float(value) + add)
        if k <= len(self.order) and self.value(k) > 0:
            best = min(best, self.value(k) / GREEDY_RATIO)
        return max(best, self.value(k))


class _Gains:
    """Marginal gains of every candidate, updated as demands become covered."""

    def __init__(self, covers: sparse.csr_matrix, weight: FloatArray) -> None:
        self.rows = covers.astype(np.float64).tocsr()
        self.cols = self.rows.tocsc()
        self.left = np.asarray(weight, dtype=np.float64).copy()
        self.gains = np.asarray(self.rows @ self.left, dtype=np.float64).ravel()
        self.taken = np.zeros(covers.shape[0], dtype=bool)

    def current(self) -> FloatArray:
        out = self.gains.copy()
        out[self.taken] = 0.0
        return np.maximum(out, 0.0)  # round-off of the updates never makes a gain negative

    def take(self, site: int) -> float:
        row = self.rows.indices[self.rows.indptr[site] : self.rows.indptr[site + 1]]
        new = row[self.left[row] > 0]
        added = float(self.left[new].sum())
        if len(new):
            self.gains -= np.asarray(self.cols[:, new] @ self.left[new]).ravel()
            self.left[new] = 0.0
        self.taken[site] = True
        return added


def greedy_run(
    covers: sparse.csr_matrix, weight: FloatArray, *, max_sites: int, until: float = math.inf
) -> GreedyRun:
    """Add the site with the largest gain, ``max_sites`` times or until ``until`` is covered.

    Ties go to the lower candidate position, so a run is reproducible.
    """
    state = _Gains(covers, weight)
    order: list[int] = []
    values = [0.0]
    tops: list[FloatArray] = []
    cap = min(max_sites, covers.shape[0])
    while True:
        gains = state.current()
        tops.append(np.cumsum(-np.sort(-gains)[: max(cap, 1)]))
        if len(order) >= cap or values[-1] >= until:
            break
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        values.append(values[-1] + state.take(best))
        order.append(best)
    return GreedyRun(tuple(order), np.array(values), tuple(tops), int(covers.shape[0]))


def greedy_budget(
    covers: sparse.csr_matrix,
    weight: FloatArray,
    cost: FloatArray,
    *,
    max_sites: int,
    budget: float,
) -> tuple[tuple[int, ...], float, float]:
    """Greedy by gain per unit of cost within ``budget`` (and ``max_sites``), or the best
    single affordable site when that alone covers more. Returns the sites, their covered
    weight and a proven upper bound on the optimum."""
    state = _Gains(covers, weight)
    order: list[int] = []
    value, spent = 0.0, 0.0
    bound = math.inf
    first: FloatArray | None = None
    while True:
        gains = state.current()
        if first is None:
            first = gains.copy()
        bound = min(bound, value + _knapsack_bound(gains, cost, budget, max_sites))
        affordable = (cost <= budget - spent + 1e-9) & (gains > 0) & ~state.taken
        if len(order) >= max_sites or not affordable.any():
            break
        with np.errstate(divide="ignore"):
            ratio = np.where(cost > 0, gains / np.where(cost > 0, cost, 1.0), np.inf)
        ratio[~affordable] = -1.0
        best = int(np.argmax(ratio))
        value += state.take(best)
        spent += float(cost[best])
        order.append(best)
    assert first is not None
    single = np.where(cost <= budget, first, 0.0)
    if len(single) and float(single.max()) > value:
        best = int(np.argmax(single))
        return (best,), float(single[best]), max(bound, float(single[best]))
    return tuple(order), value, max(bound, value)


def _knapsack_bound(gains: FloatArray, cost: FloatArray, budget: float, k: int) -> float:
    """An upper bound on the largest sum of gains of at most ``k`` sites within ``budget``:
    the smaller of the ``k`` largest gains and the fractional knapsack."""
    top_k = float(np.sort(gains)[::-1][:k].sum())
    free = cost <= 0
    total = float(gains[free].sum())
    paid = np.flatnonzero(~free & (gains > 0))
    order = paid[np.argsort(-(gains[paid] / cost[paid]), kind="stable")]
    room = budget
    for i in order:
        if cost[i] <= room:
            total += float(gains[i])
            room -= float(cost[i])
        else:
            total += float(gains[i]) * room / float(cost[i])
            break
    return min(top_k, total)


def sites_needed_bound(run: GreedyRun, need: float) -> int:
    """A proven lower bound on the fewest sites that cover ``need``: the smallest ``m``
    whose bound :meth:`GreedyRun.bound` reaches it."""
    for m in range(1, len(run.order) + 1):
        if run.bound(m) >= need - 1e-9 * max(need, 1.0):
            return m
    return len(run.order)


def contribution_order(covers: sparse.csr_matrix, weight: FloatArray, chosen: IntArray) -> IntArray:
    """``chosen`` reordered greedily, the site that adds most first, without the sites that
    add nothing to the others (a solver may leave such sites in a set of at most k)."""
    if len(chosen) == 0:
        return np.zeros(0, dtype=np.int64)
    run = greedy_run(covers[chosen], weight, max_sites=len(chosen))
    return np.asarray(chosen, dtype=np.int64)[list(run.order)]
