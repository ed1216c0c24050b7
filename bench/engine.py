"""Distances to every category: the engine against networkx and pandana.

:func:`time_engine` times :meth:`geo.access.DistanceEngine.multi_source` for every
category, with its snap offsets and with zero offsets. The same question is put to
networkx (:func:`time_networkx`: a super-source joined to the facility nodes by edges as
long as the snap offsets, one bounded Dijkstra per category) and to pandana
(:func:`time_pandana`: POIs on nodes; pandana adds no snap offset, so the engine is
compared with zero offsets there). Building the networkx graph and the pandana network
(reported as ``pandana_build_ms``) happens outside the timings.

pandana builds a contraction hierarchy in its constructor, and a grid is the worst case
for one: about 15 s for 10,000 nodes on two busy cores, 5 minutes for 100,000. So on the
generated city pandana is compared on a smaller city from the same generator
(``--pandana-nodes``, 10,000 by default; ``pandana_nodes`` in the output says which) with
the same categories thinned to the same number of facilities per node. That is a proxy:
per node, pandana costs more on a small grid and the engine less (everything fits in the
CPU cache), so the ratio there is larger than on the big city. With ``--pandana-nodes``
as large as ``--nodes`` it runs on the big city itself, timed on a subset of the
categories (spread over their facility counts) and scaled per category
(:func:`measure_pandana`), since each category costs it about a second there.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.agreement import PANDANA_TOLERANCE_M, compare_distances, merge_agreements
from bench.config import LIMIT_M
from bench.timing import median, native_stdout_silenced, timed_ms, timed_wall_cpu_ms

if TYPE_CHECKING:
    import networkx as nx

    from bench.networks import FacilitySet, FloatArray, IntArray
    from geo.access.engine import DistanceEngine
    from geo.district.network import WalkNetwork

_SOURCE = "__bench_source__"


@dataclass(frozen=True)
class EngineRun:
    total_ms: float  # median over the passes
    min_total_ms: float
    cpu_total_ms: float  # median over the passes, process CPU time
    per_set_ms: list[float]
    dist_m: list[FloatArray]


def time_engine(
    engine: DistanceEngine, sets: Sequence[FacilitySet], *, repeats: int
) -> tuple[EngineRun, EngineRun]:
    """Every category with its snap offsets, and with zero offsets: ``repeats`` passes each.

    One warm-up pass first; the passes alternate between the two, so that a busy machine
    slows both alike.
    """

    def one(s: FacilitySet, zero: bool) -> FloatArray:
        return engine.multi_source(s.node_pos, np.zeros(s.size) if zero else s.offset_m)

    runs = []
    dists = [[one(s, zero) for s in sets] for zero in (False, True)]  # warm-up, answers
    passes: list[list[list[float]]] = [[], []]
    cpu_totals: list[list[float]] = [[], []]
    for _ in range(max(repeats, 1)):
        for k, zero in enumerate((False, True)):
            timed = [timed_wall_cpu_ms(partial(one, s, zero)) for s in sets]
            passes[k].append([t[0] for t in timed])
            cpu_totals[k].append(sum(t[1] for t in timed))
    for k in range(2):
        totals = [sum(p) for p in passes[k]]
        runs.append(
            EngineRun(
                total_ms=median(totals),
                min_total_ms=min(totals),
                cpu_total_ms=median(cpu_totals[k]),
                per_set_ms=[median([p[i] for p in passes[k]]) for i in range(len(sets))],
                dist_m=dists[k],
            )
        )
    return runs[0], runs[1]


def nx_graph(network: WalkNetwork) -> nx.Graph:
    """The network as networkx sees it, nodes labelled by their position."""
    import networkx as nx

    u, v = network.edge_index
    G = nx.Graph()
    G.add_nodes_from(range(network.n_nodes))
    G.add_weighted_edges_from(
        zip(u.tolist(), v.tolist(), network.edges["length_m"].tolist(), strict=True),
        weight="length",
    )
    return G


def time_networkx(
    G: nx.Graph, n_nodes: int, sets: Sequence[FacilitySet], *, limit_m: float
) -> tuple[list[float], list[float], list[FloatArray]]:
    """Per category: a super-source joined to the facility nodes by their snap offsets.

    Only the bounded Dijkstra is timed; joining and removing the super-source is not.
    Returns wall-clock and CPU milliseconds and the distances, per category.
    """
    import networkx as nx

    times, cpu_times, dists = [], [], []
    for s in sets:
        best: dict[int, float] = {}
        for pos, off in zip(s.node_pos.tolist(), s.offset_m.tolist(), strict=True):
            best[pos] = min(off, best.get(pos, math.inf))  # one edge per node: the shortest
        G.add_weighted_edges_from(((_SOURCE, p, o) for p, o in best.items()), weight="length")
        ms, cpu_ms, lengths = timed_wall_cpu_ms(
            lambda: nx.single_source_dijkstra_path_length(
                G, _SOURCE, cutoff=limit_m, weight="length"
            )
        )
        G.remove_node(_SOURCE)
        del lengths[_SOURCE]
        dist = np.full(n_nodes, np.inf)
        dist[np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))] = np.fromiter(
            lengths.values(), dtype=np.float64, count=len(lengths)
        )
        times.append(ms)
        cpu_times.append(cpu_ms)
        dists.append(dist)
    return times, cpu_times, dists


def pandana_module() -> Any | None:
    try:
        return importlib.import_module("pandana")
    except ImportError:
        return None


def time_pandana(
    network: WalkNetwork, sets: Sequence[FacilitySet], subset: Sequence[int], *, limit_m: float
) -> dict[str, Any] | None:
    """Build pandana's network (timed apart), then ``set_pois`` + ``nearest_pois`` per set.

    POIs lie exactly on their nodes' coordinates. Returns ``None`` without pandana.
    """
    import pandas as pd

    pandana = pandana_module()
    if pandana is None:
        return None
    u, v = network.edge_index
    x = pd.Series(network.xy[:, 0])
    y = pd.Series(network.xy[:, 1])
    with native_stdout_silenced():
        build_ms, net = timed_ms(
            lambda: pandana.Network(
                x,
                y,
                pd.Series(u),
                pd.Series(v),
                pd.DataFrame({"length_m": network.edges["length_m"].to_numpy(dtype=float)}),
                twoway=True,
            )
        )

        def query(name: str, pos: IntArray) -> FloatArray:
            net.set_pois(
                category=name,
                maxdist=limit_m,
                maxitems=1,
                x_col=pd.Series(x.to_numpy()[pos]),
                y_col=pd.Series(y.to_numpy()[pos]),
            )
            found = net.nearest_pois(limit_m, name, num_pois=1)
            return np.asarray(found[1].to_numpy(), dtype=np.float64)

        query("warm-up", np.array([0], dtype=np.int64))
        times, dists = [], []
        for i in subset:
            ms, dist = timed_ms(partial(query, sets[i].name, sets[i].node_pos))
            times.append(ms)
            dists.append(dist)
    return {"build_ms": build_ms, "per_set_ms": times, "dist_m": dists}


def _subset(sets: Sequence[FacilitySet], k: int | None) -> list[int]:
    """Indices of at most ``k`` sets, spread from the smallest to the largest."""
    n = len(sets)
    if k is None or k >= n:
        return list(range(n))
    order = np.argsort([s.size for s in sets], kind="stable")
    picks = np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))
    return sorted(int(order[p]) for p in picks)


def measure_pandana(
    network: WalkNetwork,
    sets: Sequence[FacilitySet],
    *,
    repeats: int,
    max_categories: int | None,
    runs: tuple[EngineRun, EngineRun] | None = None,
) -> dict[str, Any]:
    """pandana against the engine at zero offsets (and with offsets), on one network.

    ``runs`` are the engine's timed passes with and without offsets when the caller has
    them already. Keys are prefixed ``pandana_`` (plus ``vs_pandana*``).
    """
    from geo.access.engine import DistanceEngine

    if pandana_module() is None:
        return {"pandana_ms": None, "vs_pandana": None, "pandana_note": "pandana is not installed"}
    if runs is None:
        engine = DistanceEngine.for_network(network, limit_m=LIMIT_M)
        run, zero = time_engine(engine, sets, repeats=repeats)
    else:
        run, zero = runs
    subset = _subset(sets, max_categories)
    pan = time_pandana(network, sets, subset, limit_m=LIMIT_M)
    if pan is None:
        return {"pandana_ms": None, "vs_pandana": None, "pandana_note": "pandana is not installed"}
    subset_ms = sum(pan["per_set_ms"])
    pandana_ms = subset_ms * len(sets) / len(subset)
    engine_subset_ms = sum(zero.per_set_ms[i] for i in subset)
    agreement = merge_agreements(
        *(
            compare_distances(
                np.where(zero.dist_m[i] <= LIMIT_M, zero.dist_m[i], np.inf),
                np.where(d < LIMIT_M, d, np.inf),
                limit_m=LIMIT_M - PANDANA_TOLERANCE_M,
            )
            for i, d in zip(subset, pan["dist_m"], strict=True)
        )
    )
    return {
        "pandana_nodes": network.n_nodes,
        "pandana_edges": network.n_edges,
        "pandana_facilities": int(sum(s.size for s in sets)),
        "pandana_build_ms": pan["build_ms"],
        "pandana_ms": pandana_ms,
        "pandana_categories_timed": len(subset),
        "pandana_scaled": len(subset) < len(sets),
        "pandana_subset_ms": subset_ms,
        "pandana_engine_ms": run.total_ms,
        "pandana_engine_zero_offset_ms": zero.total_ms,
        "pandana_engine_zero_offset_subset_ms": engine_subset_ms,
        "vs_pandana": pandana_ms / zero.total_ms,
        "vs_pandana_same_subset": subset_ms / engine_subset_ms,
        "vs_pandana_with_offsets": pandana_ms / run.total_ms,
        "pandana_max_abs_diff_m": agreement.max_abs_diff_m,
        "pandana_reach_mismatches": agreement.reach_mismatches,
        "pandana_nodes_compared": agreement.nodes_compared,
        "pandana_agrees": agreement.ok(PANDANA_TOLERANCE_M),
        "_per_set_ms": {sets[i].name: ms for i, ms in zip(subset, pan["per_set_ms"], strict=True)},
    }
