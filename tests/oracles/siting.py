"""The siting question answered by brute force, as an oracle for the tests.

Coverage with networkx (one Dijkstra per candidate from its ways in, on the network's
edge list), and the covering models by trying every subset of candidates. Only usable on
small instances (≤ 12 candidates), which is the point: nothing here is clever.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

Pairs = Mapping[int, frozenset[int]]
"""Candidate → the set of homes (by home position) it would newly serve."""


def coverage_networkx(
    edges: Sequence[tuple[int, int, float]],
    candidate_ways: Sequence[Sequence[tuple[int, float]]],
    home_ways: Sequence[Sequence[tuple[int, float]]],
    demand: Sequence[int],
    tier_m: float,
    *,
    margin_m: float = 1e-6,
) -> tuple[dict[int, frozenset[int]], set[tuple[int, int]]]:
    """Per candidate, the demand homes within ``tier_m``; and the (candidate, home) pairs
    whose distance lies within ``margin_m`` of the tier (too close to call for floats)."""
    graph = nx.Graph()
    for u, v, length in edges:
        if graph.has_edge(u, v):
            length = min(length, graph[u][v]["weight"])
        graph.add_edge(u, v, weight=length)
    out: dict[int, frozenset[int]] = {}
    borderline: set[tuple[int, int]] = set()
    for c, ways in enumerate(candidate_ways):
        source = ("candidate", c)
        for node, cost in ways:
            graph.add_edge(source, node, weight=cost)
        dist = nx.single_source_dijkstra_path_length(graph, source, cutoff=tier_m + 1.0)
        graph.remove_node(source)
        near = set()
        for h in demand:
            best = min(
                (dist[node] + cost for node, cost in home_ways[h] if node in dist),
                default=math.inf,
            )
            if abs(best - tier_m) <= margin_m:
                borderline.add((c, h))
            elif best <= tier_m:
                near.add(h)
        out[c] = frozenset(near)
    return out, borderline


def covered_weight(pairs: Pairs, chosen: Sequence[int], weight: Mapping[int, float]) -> float:
    homes: set[int] = set()
    for c in chosen:
        homes |= pairs[c]
    return float(sum(weight[h] for h in homes))


def best_k_exhaustive(
    pairs: Pairs,
    weight: Mapping[int, float],
    k: int,
    *,
    cost: Sequence[float] | None = None,
    budget: float | None = None,
) -> float:
    """The largest covered weight of at most ``k`` candidates (within ``budget``)."""
    n = len(pairs)
    best = 0.0
    for size in range(1, min(k, n) + 1):
        for subset in itertools.combinations(range(n), size):
            if budget is not None and cost is not None and sum(cost[i] for i in subset) > budget:
                continue
            best = max(best, covered_weight(pairs, subset, weight))
    return best


def fewest_exhaustive(pairs: Pairs, residents: Mapping[int, float], need: float) -> int | None:
    """The fewest candidates whose covered residents reach ``need`` (None: impossible)."""
    if need <= 0:
        return 0
    n = len(pairs)
    for size in range(1, n + 1):
        for subset in itertools.combinations(range(n), size):
            if covered_weight(pairs, subset, residents) >= need - 1e-9 * need:
                return size
    return None
