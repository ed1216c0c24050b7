"""``python -m bench --siting``: how fast the site suggestion answers, and how well.

Two instances, both timed end to end (candidates joined, coverage matrix built from the
engine, model solved):

- **Lujiazui, 500 candidates**: the district's own (vacant plots, public buildings,
  compound entrances) plus points on random streets; maximal covering for elderly care
  (300 m), solved exactly by HiGHS and greedily; the ratio of the two objectives.
- **A generated district of 100,000 nodes, 5,000 candidates** (:mod:`bench.networks`):
  homes on random streets, a few existing facilities; greedy with its proven bound, for a
  300 m and a 1000 m tier.

Targets: the exact solve on Lujiazui and the greedy solve (with its bound) on the
generated district each within 10 s. Reported as times and ratios to the target, never
asserted in tests.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

TARGET_S = 10.0
LUJIAZUI_CANDIDATES = 500
GENERATED_NODES = 100_000
GENERATED_CANDIDATES = 5_000
HOMES_PER_NODE = 0.3
K_SITES = 10
QUICK = {"lujiazui_candidates": 200, "nodes": 10_000, "candidates": 500}


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def bench_lujiazui(*, n_candidates: int, seed: int) -> dict[str, Any]:
    from bench.networks import random_points
    from geo.access.analysis import analyse
    from geo.district.loader import load_district
    from geo.settings import Settings
    from geo.siting.candidates import (
        concat_candidates,
        district_candidates,
        join_candidates,
        point_candidates,
    )
    from geo.siting.coverage import build_coverage
    from geo.siting.models import solve_max_covering
    from geo.standards.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    district = load_district("lujiazui", taxonomy=taxonomy, settings=Settings())
    analysis = analyse(district, taxonomy)
    rng = np.random.default_rng(seed)
    own = district_candidates(district)
    extra = random_points(district.network, max(0, n_candidates - len(own)), rng=rng)
    raw = concat_candidates([own, point_candidates(extra, source="bench")])
    candidates, join_s = _timed(lambda: join_candidates(district, raw))
    category = "elderly_daycare"
    matrix, coverage_s = _timed(lambda: build_coverage(analysis, category, candidates))
    exact, exact_s = _timed(lambda: solve_max_covering(matrix, K_SITES, method="exact"))
    greedy, greedy_s = _timed(lambda: solve_max_covering(matrix, K_SITES, method="greedy"))
    total = join_s + coverage_s + exact_s
    return {
        "district": "lujiazui",
        "category": category,
        "tier_m": matrix.tier_m,
        "k": K_SITES,
        "nodes": district.network.n_nodes,
        "homes": len(analysis.homes),
        "candidates": len(candidates),
        "pairs": matrix.n_pairs,
        "join_s": round(join_s, 4),
        "coverage_s": round(coverage_s, 4),
        "exact_s": round(exact_s, 4),
        "greedy_s": round(greedy_s, 4),
        "total_exact_s": round(total, 4),
        "exact_value": round(exact.value, 2),
        "exact_gap": exact.gap,
        "exact_optimal": exact.optimal,
        "greedy_value": round(greedy.value, 2),
        "greedy_bound": round(greedy.bound, 2),
        "greedy_gap": round(greedy.gap, 6),
        "greedy_over_exact": round(greedy.value / exact.value, 6) if exact.value else 1.0,
        "total_over_target": round(total / TARGET_S, 4),
    }


def generated_analysis(n_nodes: int, *, seed: int) -> Any:
    """An analysis of a generated city: homes on random streets, five elderly-care and
    five clinic facilities."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from bench.networks import GRID_CRS, make_grid_network, random_points
    from geo.access.analysis import analyse
    from geo.access.homes import join_columns
    from geo.access.snapping import join_lonlat
    from geo.district.model import OSM_ATTRIBUTION, District, DistrictMeta
    from geo.osm.features import FACILITY_COLUMNS
    from geo.standards.taxonomy import load_taxonomy

    rng = np.random.default_rng(seed)
    network = make_grid_network(n_nodes, rng=rng)
    taxonomy = load_taxonomy()
    n_homes = int(HOMES_PER_NODE * network.n_nodes)
    points = random_points(network, n_homes, rng=rng)
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    homes = gpd.GeoDataFrame(
        {
            "home_id": [f"h{i}" for i in range(n_homes)],
            "population": rng.uniform(20, 400, n_homes),
            "lon": lon,
            "lat": lat,
            **join_columns(network, join_lonlat(network, lon, lat)),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    sites = random_points(network, 10, rng=rng)
    facilities = pd.DataFrame(
        {
            "facility_id": [f"f{i}" for i in range(10)],
            "category": ["elderly_daycare"] * 5 + ["culture_centre"] * 5,
            "name": "",
            "lon": [p[0] for p in sites],
            "lat": [p[1] for p in sites],
            "source": "bench",
            "osm_id": "",
        },
        columns=FACILITY_COLUMNS,
    )
    nodes = network.nodes
    pad = 0.001  # points lie up to 20 m off the outermost streets
    bbox = (
        float(nodes["lon"].min()) - pad,
        float(nodes["lat"].min()) - pad,
        float(nodes["lon"].max()) + pad,
        float(nodes["lat"].max()) + pad,
    )
    empty = gpd.GeoDataFrame({"osm_id": [], "kind": [], "name": []}, geometry=[], crs="EPSG:4326")
    meta = DistrictMeta(
        name="generated",
        title_zh="生成的街区",
        title_en="generated city",
        source="bench",
        source_kind="generated",
        sha256="",
        data_date=None,
        provenance="bench.networks",
        attribution=OSM_ATTRIBUTION,
        bbox=bbox,
        crs=GRID_CRS,
        taxonomy_digest=taxonomy.digest,
    )
    district = District(
        meta=meta,
        network=network,
        facilities=gpd.GeoDataFrame(
            facilities,
            geometry=gpd.points_from_xy(facilities["lon"], facilities["lat"]),
            crs="EPSG:4326",
        ),
        buildings=empty.assign(building=[], levels=[], height_m=[]),
        areas=empty,
        entrances=empty,
    )
    assert district.boundary.equals(box(*bbox))
    return analyse(district, taxonomy, homes=homes)


def bench_generated(*, n_nodes: int, n_candidates: int, seed: int) -> list[dict[str, Any]]:
    from bench.networks import random_points
    from geo.siting.candidates import join_candidates, point_candidates
    from geo.siting.coverage import build_coverage
    from geo.siting.models import solve_max_covering

    analysis, setup_s = _timed(lambda: generated_analysis(n_nodes, seed=seed))
    rng = np.random.default_rng(seed + 1)
    raw = point_candidates(
        random_points(analysis.district.network, n_candidates, rng=rng), source="bench"
    )
    candidates, join_s = _timed(lambda: join_candidates(analysis.district, raw))
    rows = []
    for category in ("elderly_daycare", "culture_centre"):
        matrix, coverage_s = _timed(lambda c=category: build_coverage(analysis, c, candidates))
        greedy, greedy_s = _timed(lambda m=matrix: solve_max_covering(m, K_SITES, method="greedy"))
        total = join_s + coverage_s + greedy_s
        rows.append(
            {
                "district": "generated",
                "category": category,
                "tier_m": matrix.tier_m,
                "k": K_SITES,
                "nodes": analysis.district.network.n_nodes,
                "homes": len(analysis.homes),
                "candidates": len(candidates),
                "pairs": matrix.n_pairs,
                "setup_s": round(setup_s, 3),
                "join_s": round(join_s, 4),
                "coverage_s": round(coverage_s, 4),
                "greedy_s": round(greedy_s, 4),
                "total_greedy_s": round(total, 4),
                "greedy_value": round(greedy.value, 2),
                "greedy_bound": round(greedy.bound, 2),
                "greedy_gap": round(greedy.gap, 6),
                "total_over_target": round(total / TARGET_S, 4),
            }
        )
    return rows


def run_siting_bench(*, quick: bool, seed: int) -> dict[str, Any]:
    """Both instances (smaller with ``quick``), as one report."""
    lujiazui = bench_lujiazui(
        n_candidates=QUICK["lujiazui_candidates"] if quick else LUJIAZUI_CANDIDATES, seed=seed
    )
    generated = bench_generated(
        n_nodes=QUICK["nodes"] if quick else GENERATED_NODES,
        n_candidates=QUICK["candidates"] if quick else GENERATED_CANDIDATES,
        seed=seed,
    )
    return {"target_s": TARGET_S, "lujiazui": lujiazui, "generated": generated}


def format_siting_table(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    lj = report["lujiazui"]
    lines = [
        f"site suggestion (target ≤ {report['target_s']:g} s per instance, k = {lj['k']})",
        f"  Lujiazui: {lj['nodes']:,} nodes, {lj['homes']:,} homes, {lj['candidates']} "
        f"candidates, {lj['pairs']:,} candidate-home pairs ({lj['category']}, "
        f"{lj['tier_m']:.0f} m)",
        f"    join {lj['join_s']:.3f} s + coverage {lj['coverage_s']:.3f} s + exact "
        f"{lj['exact_s']:.3f} s = {lj['total_exact_s']:.3f} s "
        f"({lj['total_over_target']:.1%} of the target); greedy {lj['greedy_s']:.3f} s",
        f"    exact {lj['exact_value']:,.0f} (gap {lj['exact_gap']:.2%}), greedy "
        f"{lj['greedy_value']:,.0f} = {lj['greedy_over_exact']:.4f} × exact "
        f"(its own bound {lj['greedy_bound']:,.0f}, gap {lj['greedy_gap']:.2%})",
    ]
    for g in report["generated"]:
        lines += [
            f"  generated: {g['nodes']:,} nodes, {g['homes']:,} homes, {g['candidates']:,} "
            f"candidates, {g['pairs']:,} pairs ({g['category']}, {g['tier_m']:.0f} m)",
            f"    join {g['join_s']:.3f} s + coverage {g['coverage_s']:.3f} s + greedy "
            f"{g['greedy_s']:.3f} s = {g['total_greedy_s']:.3f} s "
            f"({g['total_over_target']:.1%} of the target); value {g['greedy_value']:,.0f}, "
            f"bound {g['greedy_bound']:,.0f}, gap {g['greedy_gap']:.2%}",
        ]
    return "\n".join(lines)
