"""Exact solutions of the covering models: mixed-integer programs solved by HiGHS.

HiGHS (through :func:`scipy.optimize.milp`) is the open-source MILP solver of the field.
Homes that the same candidates reach are one demand with their weights added up (a
lossless reduction), so the program has one row per distinct reach pattern.

Maximal covering (ReVelle and Church 1974)::

    maximise  Σ_d w_d y_d
    such that y_d ≤ Σ_{c reaches d} x_c      for every demand d
              Σ_c x_c ≤ k,   Σ_c cost_c x_c ≤ budget (when given)
              Σ_d r_d y_d ≥ need               (when a residents target must hold)
              x_c ∈ {0, 1},  0 ≤ y_d ≤ 1

(``y_d`` need not be integer: with integer ``x`` it is 1 exactly when ``d`` is reached.)
Set covering for a share of residents minimises ``Σ_c x_c`` subject to the ``need`` row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# HiGHS stops at a relative gap of 1e-4 by default; an "exact" answer should be exact.
MIP_REL_GAP = 1e-9


@dataclass(frozen=True)
class Patterns:
    """Demands grouped by the set of candidates that reach them."""

    reach: sparse.csr_matrix  # candidates × patterns
    weight: FloatArray
    residents: FloatArray


def group_patterns(
    covers: sparse.csr_matrix, weight: FloatArray, residents: FloatArray
) -> Patterns:
    """One column per distinct set of candidates, with the weights of its homes summed."""
    by_home = covers.T.tocsr()
    by_home.sort_indices()
    keys = np.array(
        [
            by_home.indices[by_home.indptr[i] : by_home.indptr[i + 1]].tobytes()
            for i in range(by_home.shape[0])
        ],
        dtype=object,
    )
    if len(keys) == 0:
        return Patterns(sparse.csr_matrix((covers.shape[0], 0), dtype=bool), weight, residents)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    n = len(first)
    reach = by_home[first].T.tocsr()
    return Patterns(
        reach=reach,
        weight=np.bincount(inverse, weights=weight, minlength=n).astype(np.float64),
        residents=np.bincount(inverse, weights=residents, minlength=n).astype(np.float64),
    )


@dataclass(frozen=True)
class MilpAnswer:
    """What HiGHS returned: the chosen candidates, the objective, a proven bound."""

    chosen: IntArray
    objective: float
    bound: float
    optimal: bool
    message: str


def _solve(
    p: Patterns,
    objective: FloatArray,
    rows: list[tuple[FloatArray, float, float]],
    *,
    time_limit_s: float,
) -> tuple[IntArray, float, float, bool, str] | None:
    n_c, n_p = p.reach.shape
    link = sparse.hstack([-p.reach.T.astype(np.float64), sparse.identity(n_p)], format="csr")
    constraints = [LinearConstraint(link, -np.inf, 0.0)]
    for coeffs, lb, ub in rows:
        constraints.append(LinearConstraint(coeffs[None, :], lb, ub))
    res = milp(
        objective,
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_p)]),
        bounds=Bounds(0.0, 1.0),
        constraints=constraints,
        options={"time_limit": time_limit_s, "mip_rel_gap": MIP_REL_GAP, "presolve": True},
    )
    if res.x is None:
        return None
    chosen = np.flatnonzero(res.x[:n_c] > 0.5).astype(np.int64)
    dual = res.get("mip_dual_bound")
    dual_bound = float(dual) if dual is not None and math.isfinite(dual) else -math.inf
    return chosen, float(res.fun), dual_bound, res.status == 0, str(res.message)


def max_covering(
    p: Patterns,
    *,
    k: int,
    cost: FloatArray | None = None,
    budget: float | None = None,
    need: float | None = None,
    time_limit_s: float,
) -> MilpAnswer | None:
    """The best ``k`` (or fewer) sites by covered weight; ``None`` if infeasible."""
    n_c, n_p = p.reach.shape
    zeros_p = np.zeros(n_p)
    rows = [(np.concatenate([np.ones(n_c), zeros_p]), 0.0, float(k))]
    if budget is not None and cost is not None:
        rows.append((np.concatenate([cost, zeros_p]), 0.0, float(budget)))
    if need is not None:
        rows.append((np.concatenate([np.zeros(n_c), p.residents]), need, np.inf))
    answer = _solve(p, np.concatenate([np.zeros(n_c), -p.weight]), rows, time_limit_s=time_limit_s)
    if answer is None:
        return None
    chosen, fun, dual, optimal, message = answer
    return MilpAnswer(chosen, -fun, -dual if math.isfinite(dual) else math.inf, optimal, message)


def fewest_sites(
    p: Patterns,
    *,
    need: float,
    cost: FloatArray | None = None,
    budget: float | None = None,
    time_limit_s: float,
) -> MilpAnswer | None:
    """The fewest sites whose newly served residents reach ``need``; ``None`` if none do."""
    n_c, n_p = p.reach.shape
    rows = [(np.concatenate([np.zeros(n_c), p.residents]), need, np.inf)]
    if budget is not None and cost is not None:
        rows.append((np.concatenate([cost, np.zeros(n_p)]), 0.0, float(budget)))
    answer = _solve(
        p, np.concatenate([np.ones(n_c), np.zeros(n_p)]), rows, time_limit_s=time_limit_s
    )
    if answer is None:
        return None
    chosen, fun, dual, optimal, message = answer
    lower = math.ceil(dual - 1e-6) if math.isfinite(dual) else 0
    return MilpAnswer(chosen, fun, float(max(0, lower)), optimal, message)


# HiGHS solves the relaxation to a relative accuracy of about 1e-7: the bound it proves
# is the LP optimum widened by that much.
LP_SLACK = 1e-7


def _relaxation(
    objective: FloatArray,
    p: Patterns,
    rows: list[tuple[FloatArray, float, float]],
    *,
    time_limit_s: float,
) -> float | None:
    """The optimum of the LP relaxation (``None`` if HiGHS did not finish in time)."""
    n_p = p.reach.shape[1]
    link = sparse.hstack([-p.reach.T.astype(np.float64), sparse.identity(n_p)], format="csr")
    upper = [link]
    b_upper = [np.zeros(n_p)]
    for coeffs, lb, ub in rows:
        if math.isfinite(ub):
            upper.append(sparse.csr_matrix(coeffs[None, :]))
            b_upper.append(np.array([ub]))
        if math.isfinite(lb):
            upper.append(sparse.csr_matrix(-coeffs[None, :]))
            b_upper.append(np.array([-lb]))
    res = linprog(
        objective,
        A_ub=sparse.vstack(upper, format="csr"),
        b_ub=np.concatenate(b_upper),
        bounds=(0.0, 1.0),
        method="highs",
        options={"time_limit": time_limit_s},
    )
    return float(res.fun) if res.status == 0 else None


def max_covering_bound(
    p: Patterns,
    *,
    k: int,
    cost: FloatArray | None = None,
    budget: float | None = None,
    time_limit_s: float,
) -> float | None:
    """An upper bound on the best covered weight: the LP relaxation of maximal covering."""
    n_c, n_p = p.reach.shape
    rows = [(np.concatenate([np.ones(n_c), np.zeros(n_p)]), -np.inf, float(k))]
    if budget is not None and cost is not None:
        rows.append((np.concatenate([cost, np.zeros(n_p)]), -np.inf, float(budget)))
    fun = _relaxation(
        np.concatenate([np.zeros(n_c), -p.weight]), p, rows, time_limit_s=time_limit_s
    )
    return None if fun is None else -fun * (1 + LP_SLACK) + LP_SLACK


def fewest_sites_bound(p: Patterns, *, need: float, time_limit_s: float) -> int | None:
    """A lower bound on the fewest sites that cover ``need``: the LP relaxation, rounded up."""
    n_c, n_p = p.reach.shape
    rows = [(np.concatenate([np.zeros(n_c), p.residents]), need, np.inf)]
    fun = _relaxation(
        np.concatenate([np.ones(n_c), np.zeros(n_p)]), p, rows, time_limit_s=time_limit_s
    )
    return None if fun is None else max(0, math.ceil(fun * (1 - LP_SLACK) - LP_SLACK))
