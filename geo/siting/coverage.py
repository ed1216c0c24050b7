"""Which homes each candidate would newly serve: the coverage matrix.

A home is served by a new site when its walk to the site — the shorter of its two ways
into the network (``u_pos, u_cost_m`` and ``v_pos, v_cost_m``) plus the network distance
to one of the site's ways in, plus that way's cost — is within the category's tier
distance: the same rule, and the same arithmetic, as :func:`geo.access.coverage.home_distances`
after :func:`geo.scenarios.apply.apply_scenario`. Homes that existing facilities already
serve do not count again.

The matrix comes from the engine: one search per candidate from a virtual source joined
to its ways in, bounded at the tier distance (:meth:`DistanceEngine.multi_source_groups`,
a batch of nearby candidates per call), so each search only visits the nodes within the
tier. Nothing is routed pair by pair. On a large network a batch runs on the part of the
network around it: every node within ``tier × 1.05`` (straight line, projected metres) of
the box of the batch's ways in. A walk of at most ``tier`` metres never leaves that part
(edge lengths are great-circle metres, which a UTM projection stretches by far less than
5 %), so the distances within the tier are the same as on the whole network, and each
search's set-up costs that part's size, not the whole network's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from geo.access.analysis import Analysis
from geo.access.engine import DistanceEngine
from geo.district.network import WalkNetwork
from geo.siting.candidates import Candidates
from geo.siting.settings import DEFAULT_SITING, SitingSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SCALE_MARGIN = 1.05
"""Straight-line reach of a walk of ``tier`` metres, as a multiple of ``tier`` (see above)."""
PART_MAX_SHARE = 0.5
"""A batch searches the whole network when its part would hold more than this share."""


@dataclass(frozen=True, eq=False)
class CoverageMatrix:
    """Candidates × homes not yet served: who each candidate would newly serve.

    Attributes
    ----------
    category, tier_m
        The category (taxonomy id) and its tier distance in metres.
    candidates
        The joined candidates (rows of ``covers``).
    homes
        Positions (in ``analysis.homes``) of the demand homes: not served by the category
        today, with residents, within reach of at least one candidate (columns).
    residents
        Residents of each demand home.
    weight
        Objective weight of each demand home: its residents, times a stated-need factor
        when a survey weights the question (:mod:`geo.siting.weights`), else residents.
    covers
        Sparse boolean (candidates × demand homes).
    residents_total, residents_served_before
        All residents of the district, and those the category serves today.
    build_s
        Seconds spent building the matrix.
    """

    category: str
    tier_m: float
    candidates: Candidates
    homes: IntArray
    residents: FloatArray
    weight: FloatArray
    covers: sparse.csr_matrix
    residents_total: float
    residents_served_before: float
    build_s: float = 0.0

    @property
    def n_candidates(self) -> int:
        return int(self.covers.shape[0])

    @property
    def n_pairs(self) -> int:
        return int(self.covers.nnz)

    @property
    def weighted(self) -> bool:
        return not np.array_equal(self.weight, self.residents)

    def covered_by(self, chosen: npt.ArrayLike) -> BoolArray:
        """Which demand homes at least one of the ``chosen`` candidates serves."""
        idx = np.asarray(chosen, dtype=np.int64)
        if len(idx) == 0:
            return np.zeros(len(self.homes), dtype=bool)
        return np.asarray(self.covers[idx].sum(axis=0)).ravel() > 0

    def residents_reached(self) -> FloatArray:
        """Per candidate alone: the residents it would newly serve."""
        out: FloatArray = np.asarray(self.covers @ self.residents, dtype=np.float64).ravel()
        return out


def build_coverage(
    analysis: Analysis,
    category: str,
    candidates: Candidates,
    *,
    weight: FloatArray | None = None,
    settings: SitingSettings = DEFAULT_SITING,
) -> CoverageMatrix:
    """The coverage matrix of ``candidates`` for ``category`` at its tier distance.

    ``weight`` (one value per home of ``analysis.homes``) replaces residents as the
    objective weight; the residents newly served are always counted too.
    """
    started = time.perf_counter()
    tier = float(analysis.taxonomy.get(category).distance_m)
    homes = analysis.homes
    population = homes["population"].to_numpy(dtype=np.float64)
    served = analysis.served[analysis.categories.index(category)]
    demand = np.flatnonzero(~served & (population > 0))
    pairs_c, pairs_h = _reached_pairs(analysis, candidates, demand, tier, settings.batch)
    used = np.unique(pairs_h)
    column = np.searchsorted(used, pairs_h)
    covers = sparse.csr_matrix(
        (np.ones(len(pairs_c), dtype=bool), (pairs_c, column)),
        shape=(len(candidates), len(used)),
    )
    home_pos = demand[used]
    full_weight = population if weight is None else np.asarray(weight, dtype=np.float64)
    return CoverageMatrix(
        category=category,
        tier_m=tier,
        candidates=candidates,
        homes=home_pos.astype(np.int64),
        residents=population[home_pos],
        weight=full_weight[home_pos],
        covers=covers,
        residents_total=float(population.sum()),
        residents_served_before=float(population[served].sum()),
        build_s=time.perf_counter() - started,
    )


def _reached_pairs(
    analysis: Analysis, candidates: Candidates, demand: IntArray, tier: float, batch: int
) -> tuple[IntArray, IntArray]:
    """(candidate, demand index) pairs within the tier, each once."""
    homes = analysis.homes
    # Every way into a demand home, grouped by node: (node, demand index, cost).
    node = np.concatenate(
        [homes["u_pos"].to_numpy(np.int64)[demand], homes["v_pos"].to_numpy(np.int64)[demand]]
    )
    cost = np.concatenate(
        [
            homes["u_cost_m"].to_numpy(np.float64)[demand],
            homes["v_cost_m"].to_numpy(np.float64)[demand],
        ]
    )
    owner = np.concatenate([np.arange(len(demand)), np.arange(len(demand))])
    near = cost <= tier
    node, cost, owner = node[near], cost[near], owner[near]
    order = np.argsort(node, kind="stable")
    node, cost, owner = node[order], cost[order], owner[order]
    n_nodes = analysis.engine.n_nodes
    starts = np.searchsorted(node, np.arange(n_nodes + 1))
    has_home = np.zeros(n_nodes, dtype=bool)
    has_home[node] = True

    out_c: list[IntArray] = []
    out_h: list[IntArray] = []
    network = analysis.district.network
    for positions, part in _search_batches(network, candidates, tier, batch):
        groups = candidates.groups(positions)
        if part is None:
            dist = analysis.engine.multi_source_groups(groups, limit_m=tier)
            to_global = None
        else:
            local = np.full(network.n_nodes, -1, dtype=np.int64)
            local[part] = np.arange(len(part))
            engine = DistanceEngine(network.csr[part][:, part], limit_m=tier)
            dist = engine.multi_source_groups([(local[p], c) for p, c in groups], limit_m=tier)
            to_global = part
        # Only nodes that are a home's way in matter; the rest of the search is transit.
        rows, nodes = np.nonzero(dist <= tier)
        d = dist[rows, nodes]
        if to_global is not None:
            nodes = to_global[nodes]
        at_home = has_home[nodes]
        rows, nodes, d = rows[at_home], nodes[at_home], d[at_home]
        if len(rows) == 0:
            continue
        counts = starts[nodes + 1] - starts[nodes]
        rep = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
        way = starts[nodes][rep] + offsets
        ok = d[rep] + cost[way] <= tier
        chosen = np.asarray(positions, dtype=np.int64)
        out_c.append(chosen[rows[rep][ok]])
        out_h.append(owner[way][ok].astype(np.int64))
    if not out_c:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    c = np.concatenate(out_c)
    h = np.concatenate(out_h)
    key = np.unique(c * max(len(demand), 1) + h)
    return key // max(len(demand), 1), key % max(len(demand), 1)


def _search_batches(
    network: WalkNetwork, candidates: Candidates, tier: float, batch: int
) -> Iterator[tuple[list[int], IntArray | None]]:
    """Batches of nearby candidates, each with the part of the network its searches need
    (``None``: the whole network)."""
    n = len(candidates)
    if n == 0:
        return
    xy = network.xy
    owner = candidates.access["candidate"].to_numpy(dtype=np.int64)
    way_xy = xy[candidates.access["node_pos"].to_numpy(dtype=np.int64)]
    starts = np.searchsorted(owner, np.arange(n))
    lo = np.minimum.reduceat(way_xy, starts, axis=0)
    hi = np.maximum.reduceat(way_xy, starts, axis=0)
    origin, extent = xy.min(axis=0), np.ptp(xy, axis=0)
    area = max(float(extent[0] * extent[1]), 1.0)
    # Square cells holding about one batch each, and never smaller than the search.
    side = max(2.0 * tier, math.sqrt(area * batch / n))
    cell = np.floor(((lo + hi) / 2 - origin) / side).astype(np.int64)
    order = np.lexsort((cell[:, 0], cell[:, 1]))
    key = cell[order, 1] * (int(cell[:, 0].max()) + 1) + cell[order, 0]
    bounds = np.flatnonzero(np.diff(key)) + 1
    reach = tier * SCALE_MARGIN + 1.0
    for run in np.split(order, bounds):
        for first in range(0, len(run), batch):
            positions = run[first : first + batch]
            box_lo = lo[positions].min(axis=0) - reach
            box_hi = hi[positions].max(axis=0) + reach
            inside = np.flatnonzero(((xy >= box_lo) & (xy <= box_hi)).all(axis=1))
            part = inside if len(inside) < PART_MAX_SHARE * len(xy) else None
            yield [int(p) for p in positions], part
