"""How fast the distance engine is, against networkx and pandana, and whether it is right.

One run measures two networks:

* the bundled Lujiazui district (real OSM streets and facilities), loaded once cold and
  then from a warm cache, both in a fresh temporary cache folder;
* a generated city of about 100,000 nodes: a jittered grid with 40–80 m blocks and 10 %
  of its street segments removed (never one of a random spanning tree, so it stays in one
  piece), edge lengths the straight-line metres between the ends, and 14 facility
  categories of 5–200 facilities each on random nodes with random 0–60 m snap offsets.
  The same seed always gives the same city.

On both it times every category's distances with
:meth:`geo.access.DistanceEngine.multi_source` and with the same question put to
networkx (a super-source joined to the facility nodes by edges as long as the snap
offsets, one bounded Dijkstra per category) and to pandana (POIs on nodes: pandana adds
no snap offset, so the engine is timed with zero offsets too for that comparison). It
checks that the answers agree, then times the incremental paths a workshop edit takes:
:meth:`DistanceEngine.add_source`, :func:`geo.analysis.add_facility` and
:func:`geo.service_areas.isochrone`.

Timings are wall-clock medians taken with the garbage collector off, as ``timeit`` does.
Building the networkx graph, the pandana network (reported as ``pandana_build_ms``) and
the isochrone's block index happens outside the timings.

pandana's contraction hierarchy takes minutes on a 100,000-node grid, so on the generated
city pandana is compared on a smaller city from the same generator (``--pandana-nodes``)
unless that is as large as the main one: see :mod:`bench.engine`. :func:`build_report`
runs everything and assembles the report that :mod:`bench.report` prints.
"""

from __future__ import annotations

import math
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.agreement import NX_TOLERANCE_M, compare_distances, merge_agreements
from bench.config import LIMIT_M, TARGETS, BenchConfig
from bench.engine import measure_pandana, nx_graph, pandana_module, time_engine, time_networkx
from bench.networks import (
    BLOCK_M,
    DROP_FRACTION,
    JITTER_M,
    SNAP_OFFSET_M,
    district_facility_sets,
    make_facility_sets,
    make_grid_network,
    scale_facility_sets,
)
from bench.report import rounded
from bench.timing import median, stage, timed_ms
from bench.workshop import time_analysis_edits, time_incremental, time_isochrones

if TYPE_CHECKING:
    from bench.networks import FacilitySet
    from geo.district.network import WalkNetwork

PANDANA_SUBSET_ABOVE_NODES = 50_000
PANDANA_SUBSET_CATEGORIES = 5


def measure_network(
    network: WalkNetwork,
    sets: Sequence[FacilitySet],
    *,
    config: BenchConfig,
    rng: np.random.Generator,
    pandana: bool,
) -> dict[str, Any]:
    """Every per-network figure: engine, networkx, incremental, isochrone; pandana if asked.

    The generated city asks pandana apart (on a smaller city, see
    :func:`measure_generated`): its contraction hierarchy takes minutes on 100,000 nodes.
    """
    from geo.access.engine import DistanceEngine

    out: dict[str, Any] = {
        "nodes": network.n_nodes,
        "edges": network.n_edges,
        "components": len(network.component_sizes()),
        "categories": len(sets),
        "facilities": int(sum(s.size for s in sets)),
        "limit_m": LIMIT_M,
        "repeats": config.repeats,
    }
    build_ms, engine = timed_ms(lambda: DistanceEngine.for_network(network, limit_m=LIMIT_M))
    out["engine_build_ms"] = build_ms
    with stage(out, "engine"):
        run, zero = time_engine(engine, sets, repeats=config.repeats)
    out["engine_ms"] = run.total_ms
    out["engine_min_ms"] = run.min_total_ms
    out["engine_zero_offset_ms"] = zero.total_ms
    out["engine_zero_offset_min_ms"] = zero.min_total_ms

    with stage(out, "networkx"):
        graph_ms, G = timed_ms(lambda: nx_graph(network))
        nx_ms, nx_cpu_ms, nx_dist = time_networkx(G, network.n_nodes, sets, limit_m=LIMIT_M)
        del G
    agreement = merge_agreements(
        *(
            compare_distances(a, b, limit_m=LIMIT_M)
            for a, b in zip(run.dist_m, nx_dist, strict=True)
        )
    )
    out.update(
        {
            "networkx_graph_build_ms": graph_ms,
            "networkx_ms": sum(nx_ms),
            "networkx_categories_timed": len(sets),
            "vs_networkx": sum(nx_ms) / run.total_ms,
            "engine_cpu_ms": run.cpu_total_ms,
            "networkx_cpu_ms": sum(nx_cpu_ms),
            "vs_networkx_cpu": sum(nx_cpu_ms) / run.cpu_total_ms,
            "max_abs_diff_m": agreement.max_abs_diff_m,
            "reach_mismatches": agreement.reach_mismatches,
            "nodes_compared": agreement.nodes_compared,
            "networkx_agrees": agreement.ok(NX_TOLERANCE_M),
        }
    )

    pandana_ms_by_set: dict[str, float] = {}
    if pandana:
        with stage(out, "pandana"):
            pan = measure_pandana(
                network, sets, repeats=config.repeats, max_categories=None, runs=(run, zero)
            )
        pandana_ms_by_set = pan.pop("_per_set_ms", {})
        out.update(pan)
    biggest = max(range(len(sets)), key=lambda i: sets[i].size)
    with stage(out, "incremental"):
        inc = time_incremental(
            engine,
            sets[biggest],
            run.dist_m[biggest],
            additions=config.incremental_additions,
            rng=rng,
        )
    out.update(inc)
    with stage(out, "isochrone"):
        iso = time_isochrones(network, engine, points=config.isochrone_points, rng=rng)
    out.update(iso)
    out["per_category"] = [
        {
            "name": s.name,
            "facilities": s.size,
            "reached_share": float(np.isfinite(run.dist_m[i]).mean()),
            "engine_ms": run.per_set_ms[i],
            "engine_zero_offset_ms": zero.per_set_ms[i],
            "networkx_ms": nx_ms[i],
            "pandana_ms": pandana_ms_by_set.get(s.name),
        }
        for i, s in enumerate(sets)
    ]
    return out


def measure_bundled(config: BenchConfig, *, rng: np.random.Generator) -> dict[str, Any]:
    """Lujiazui: cold and warm loads in a fresh cache, then the per-network figures."""
    from geo.district.loader import load_district
    from geo.district.model import DEFAULT_DISTRICT
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    load_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lifecircle-bench-") as tmp:
        settings = Settings(cache_dir=Path(tmp), use_cache=True)
        start = time.perf_counter()
        district = load_district(DEFAULT_DISTRICT, taxonomy=taxonomy, settings=settings)
        cold_s = time.perf_counter() - start
        warm = []
        for _ in range(config.warm_loads):
            start = time.perf_counter()
            district = load_district(DEFAULT_DISTRICT, taxonomy=taxonomy, settings=settings)
            warm.append(time.perf_counter() - start)
    cached_s = median(warm)
    network = district.network
    out: dict[str, Any] = {
        "district": DEFAULT_DISTRICT,
        "cold_load_s": cold_s,
        "cached_load_s": cached_s,
        "cold_vs_cached": cold_s / cached_s,
        "warm_loads": len(warm),
    }
    load_s = time.perf_counter() - load_started
    sets = district_facility_sets(network, district.facilities)
    out.update(measure_network(network, sets, config=config, rng=rng, pandana=True))
    out["stages_s"] = {"load": load_s, **out["stages_s"]}
    out["taxonomy_categories"] = len(taxonomy.ids)

    with stage(out, "analysis"):
        edits = time_analysis_edits(
            district, taxonomy, additions=config.analysis_additions, rng=rng
        )
    out.update(edits)
    return out


def measure_generated(config: BenchConfig) -> dict[str, Any]:
    """The generated city: its description, the per-network figures, then pandana.

    pandana's contraction hierarchy is built in its constructor and takes minutes on a
    100,000-node grid (grids are its worst case), so pandana is compared on a smaller
    city from the same generator (``--pandana-nodes``) unless that is as large as the
    main one. Its categories are the main city's thinned to the same facilities per node.
    """
    net_seq, fac_seq, run_seq, pan_seq = np.random.SeedSequence(config.seed).spawn(4)
    build_ms, network = timed_ms(
        lambda: make_grid_network(config.nodes, rng=np.random.default_rng(net_seq))
    )
    sets = make_facility_sets(network.n_nodes, rng=np.random.default_rng(fac_seq))
    side = round(math.sqrt(network.n_nodes))
    out: dict[str, Any] = {
        "seed": config.seed,
        "generate_ms": build_ms,
        "grid": f"{side}×{side}",
        "block_m": list(BLOCK_M),
        "jitter_m": JITTER_M,
        "removed_edge_fraction": DROP_FRACTION,
        "snap_offset_m": list(SNAP_OFFSET_M),
    }
    same = config.pandana_nodes >= network.n_nodes
    subset = PANDANA_SUBSET_CATEGORIES if network.n_nodes > PANDANA_SUBSET_ABOVE_NODES else None
    out.update(
        measure_network(
            network, sets, config=config, rng=np.random.default_rng(run_seq), pandana=False
        )
    )
    out["stages_s"] = {"generate": build_ms / 1e3, **out["stages_s"]}
    with stage(out, "pandana"):
        if same:
            pan = measure_pandana(network, sets, repeats=config.repeats, max_categories=subset)
        else:
            del network
            small_seq, small_fac_seq = pan_seq.spawn(2)
            small = make_grid_network(config.pandana_nodes, rng=np.random.default_rng(small_seq))
            small_sets = scale_facility_sets(
                sets,
                small.n_nodes / out["nodes"],
                n_nodes=small.n_nodes,
                rng=np.random.default_rng(small_fac_seq),
            )
            pan = measure_pandana(small, small_sets, repeats=config.repeats, max_categories=None)
            pan["pandana_facilities_per_category"] = [x.size for x in small_sets]
    per_set = pan.pop("_per_set_ms", {})
    if same:
        for row in out["per_category"]:
            row["pandana_ms"] = per_set.get(row["name"])
    else:
        pan["pandana_per_category_ms"] = list(per_set.values())
    out.update(pan)
    out["pandana_same_network"] = same
    return out


def _versions() -> dict[str, Any]:
    import networkx as nx
    import scipy
    import shapely

    pandana = pandana_module()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "networkx": nx.__version__,
        "pandana": getattr(pandana, "__version__", None) if pandana else None,
        "shapely": shapely.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def build_report(config: BenchConfig) -> dict[str, Any]:
    """Run everything and assemble the report (top level = the generated network)."""
    started = time.perf_counter()
    load_before = _loadavg()
    bundled = measure_bundled(config, rng=np.random.default_rng([config.seed, 1]))
    generated = measure_generated(config)
    correct = {
        "networkx_agrees": bool(bundled["networkx_agrees"] and generated["networkx_agrees"]),
        "max_abs_diff_m": max(bundled["max_abs_diff_m"], generated["max_abs_diff_m"]),
        "incremental_matches_recompute": bool(
            bundled["incremental_matches_recompute"] and generated["incremental_matches_recompute"]
        ),
        "pandana_agrees": (
            None
            if generated.get("pandana_agrees") is None
            else bool(bundled.get("pandana_agrees") and generated["pandana_agrees"])
        ),
    }
    top = {
        "nodes": generated["nodes"],
        "engine_ms": generated["engine_ms"],
        "networkx_ms": generated["networkx_ms"],
        "vs_networkx": generated["vs_networkx"],
        "vs_networkx_cpu": generated["vs_networkx_cpu"],
        "pandana_nodes": generated.get("pandana_nodes"),
        "pandana_build_ms": generated.get("pandana_build_ms"),
        "pandana_ms": generated["pandana_ms"],
        "vs_pandana": generated["vs_pandana"],
        "incremental_ms": generated["incremental_ms"],
        "isochrone_ms": generated["isochrone_ms"],
        "isochrone_cpu_ms": generated.get("isochrone_cpu_ms"),
        "cached_load_s": bundled["cached_load_s"],
        "analysis_incremental_ms": bundled["analysis_incremental_ms"],
        "max_abs_diff_m": correct["max_abs_diff_m"],
    }
    scopes = {"generated": generated, "bundled": bundled}
    targets = {}
    for t in TARGETS:
        value = scopes[t.scope].get(t.key)
        targets[t.key] = {
            "value": value,
            "target": t.text,
            "scope": t.scope,
            "pass": t.passes(value),
        }
    notes = [
        "top-level figures are the generated network's, except cached_load_s and "
        "analysis_incremental_ms (bundled district)",
        "vs_pandana compares with the engine at zero snap offsets (pandana has none); "
        "vs_pandana_with_offsets uses engine_ms",
        "networkx graph and pandana network are built outside the timings; "
        "timings run with the garbage collector off",
    ]
    if generated.get("pandana_nodes") not in (None, generated["nodes"]):
        notes.append(
            f"pandana on the generated city: compared on a {generated['pandana_nodes']:,}-node "
            "city from the same generator, categories thinned to the same facilities per node "
            "(pandana's contraction-hierarchy build takes minutes at 100,000 nodes). The ratio "
            "depends on the size: for the full-size figure pass --pandana-nodes equal to "
            "--nodes (about 6 minutes on 2 cores)"
        )
    if generated.get("pandana_scaled"):
        notes.append(
            f"pandana on the generated network: timed on {generated['pandana_categories_timed']} "
            f"of {generated['categories']} categories (spread over facility counts) and scaled "
            "per category; vs_pandana_same_subset compares on exactly those categories"
        )
    for scope in scopes.values():
        note = scope.get("isochrone_note")
        if note and note not in notes:
            notes.append(note)
    report = {
        **top,
        "correct": correct,
        "targets": targets,
        "generated": generated,
        "bundled": bundled,
        "quick": config.quick,
        "notes": notes,
        "environment": {
            **_versions(),
            "loadavg_1m_before": load_before,
            "loadavg_1m_after": _loadavg(),
        },
        "total_s": time.perf_counter() - started,
    }
    out: dict[str, Any] = rounded(report)
    return out
