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

pandana builds a contraction hierarchy in its constructor, and a grid is the worst case
for one: about 15 s for 10,000 nodes on two busy cores, 5 minutes for 100,000. So on the
generated city pandana is compared on a smaller city from the same generator
(``--pandana-nodes``, 10,000 by default; ``pandana_nodes`` in the output says which) with
the same categories thinned to the same number of facilities per node. That is a proxy:
per node, pandana costs more on a small grid and the engine less (everything fits in the
CPU cache), so the ratio there is larger than on the big city. With ``--pandana-nodes``
as large as ``--nodes`` it runs on the big city itself, timed on a subset of the
categories (spread over their facility counts) and scaled per category, since each
category costs it about a second there.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import importlib
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

# Everything heavy (geopandas, networkx, SciPy, pandana, the core) is imported where it
# is used, so that building the ``lifecircle`` parser with :func:`add_arguments` stays
# fast.
if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import numpy.typing as npt

    from geo.access.engine import DistanceEngine
    from geo.district.network import WalkNetwork

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

EXIT_OK = 0
EXIT_WRONG = 1

LIMIT_M = 1000.0
"""The search bound: the largest life-circle tier of the bundled taxonomy."""

FULL_NODES = 100_000
QUICK_NODES = 20_000
PANDANA_NODES = 10_000
"""pandana's contraction hierarchy takes about 15 s on a 10,000-node grid on 2 loaded
cores, a minute on 20,000 and 4 to 6 minutes on 100,000."""
QUICK_PANDANA_NODES = 1_000
DEFAULT_SEED = 2018  # GB 50180-2018, the life-circle standard

GENERATED_CATEGORIES = 14
FACILITIES_PER_CATEGORY = (5, 200)
SNAP_OFFSET_M = (0.0, 60.0)
BLOCK_M = (40.0, 80.0)
JITTER_M = 8.0
DROP_FRACTION = 0.10
GRID_CRS = "EPSG:32651"  # UTM 51N; the grid sits east of Shanghai's Pudong
GRID_ORIGIN_XY = (360_000.0, 3_440_000.0)

NX_TOLERANCE_M = 0.01
PANDANA_TOLERANCE_M = 0.5
INCREMENTAL_TOLERANCE_M = 1e-6
PANDANA_SUBSET_ABOVE_NODES = 50_000
PANDANA_SUBSET_CATEGORIES = 5
ISOCHRONE_BUFFER_M = 25.0
ISOCHRONE_SPEED_KMH = 4.0
POINT_JITTER_M = 20.0

_SOURCE = "__bench_source__"
T = TypeVar("T")


# --- configuration -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchConfig:
    """What one run measures and how many times."""

    nodes: int
    seed: int
    quick: bool
    repeats: int
    incremental_additions: int
    isochrone_points: int
    analysis_additions: int
    warm_loads: int
    pandana_nodes: int


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    quick = bool(args.quick)
    nodes = args.nodes if args.nodes is not None else (QUICK_NODES if quick else FULL_NODES)
    pandana_nodes = args.pandana_nodes
    if pandana_nodes is None:
        pandana_nodes = min(nodes, QUICK_PANDANA_NODES if quick else PANDANA_NODES)
    return BenchConfig(
        nodes=int(nodes),
        seed=int(args.seed),
        quick=quick,
        repeats=3 if quick else 5,
        incremental_additions=20 if quick else 50,
        isochrone_points=4 if quick else 20,
        analysis_additions=5 if quick else 20,
        warm_loads=3 if quick else 5,
        pandana_nodes=int(pandana_nodes),
    )


@dataclass(frozen=True)
class Target:
    """A figure the engine should reach, checked against the top-level result."""

    key: str
    op: str  # ">=", ">" or "<"
    bound: float
    scope: str

    def passes(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.op == ">=":
            return value >= self.bound
        if self.op == ">":
            return value > self.bound
        return value < self.bound

    @property
    def text(self) -> str:
        op = {">=": "≥", ">": ">", "<": "<"}[self.op]
        return f"{op} {self.bound:g}"


TARGETS = (
    Target("vs_networkx", ">=", 20.0, "generated"),
    Target("vs_pandana", ">", 1.0, "generated"),
    Target("incremental_ms", "<", 10.0, "generated"),
    Target("isochrone_ms", "<", 50.0, "generated"),
    Target("cached_load_s", "<", 0.5, "bundled"),
)


# --- test data ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FacilitySet:
    """The facilities of one category as sources: node positions and snap offsets (m)."""

    name: str
    node_pos: IntArray
    offset_m: FloatArray

    @property
    def size(self) -> int:
        return len(self.node_pos)


def make_grid_network(
    n_nodes: int,
    *,
    rng: np.random.Generator,
    block_m: tuple[float, float] = BLOCK_M,
    jitter_m: float = JITTER_M,
    drop_fraction: float = DROP_FRACTION,
) -> WalkNetwork:
    """A jittered street grid of about ``n_nodes`` nodes as a :class:`WalkNetwork`.

    Column and row spacings are drawn from ``block_m``; every node moves by up to
    ``jitter_m`` in x and y. ``drop_fraction`` of the segments are removed, all of them
    outside a random spanning tree, so the network stays connected.
    """
    import geopandas as gpd
    import pandas as pd
    import pyproj
    import shapely
    from scipy import sparse
    from scipy.sparse import csgraph

    from geo.district.network import WalkNetwork, label_components

    side = max(2, round(math.sqrt(n_nodes)))
    n = side * side
    cols = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, side - 1))])
    rows = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, side - 1))])
    gx, gy = np.meshgrid(cols, rows)
    x = GRID_ORIGIN_XY[0] + gx.ravel() + rng.uniform(-jitter_m, jitter_m, n)
    y = GRID_ORIGIN_XY[1] + gy.ravel() + rng.uniform(-jitter_m, jitter_m, n)
    grid = np.arange(n, dtype=np.int64).reshape(side, side)
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])

    weights = sparse.coo_matrix((rng.uniform(1.0, 2.0, len(u)), (u, v)), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(weights.tocsr()).tocoo()
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    spare = np.flatnonzero(~np.isin(u * n + v, tree_keys))
    n_drop = min(round(drop_fraction * len(u)), len(spare))
    keep = np.ones(len(u), dtype=bool)
    keep[rng.choice(spare, size=n_drop, replace=False)] = False
    u, v = u[keep], v[keep]
    length_m = np.hypot(x[u] - x[v], y[u] - y[v])

    to_wgs84 = pyproj.Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(x, y)
    node_ids = np.arange(n, dtype=np.int64)
    nodes = pd.DataFrame(
        {"lon": lon, "lat": lat, "x": x, "y": y}, index=pd.Index(node_ids, name="node_id")
    )
    nodes["component"] = label_components(n, u, v)
    lonlat = np.column_stack([lon, lat])
    edges = gpd.GeoDataFrame(
        {
            "u": node_ids[u],
            "v": node_ids[v],
            "length_m": length_m,
            "highway": "residential",
            "name": "",
        },
        geometry=shapely.linestrings(np.stack([lonlat[u], lonlat[v]], axis=1)),
        crs="EPSG:4326",
    )
    return WalkNetwork(crs=GRID_CRS, nodes=nodes, edges=edges)


def make_facility_sets(
    n_nodes: int, *, rng: np.random.Generator, n_categories: int = GENERATED_CATEGORIES
) -> list[FacilitySet]:
    """Random categories: 5–200 facilities each on distinct random nodes, 0–60 m offsets."""
    sets = []
    for i in range(n_categories):
        size = int(rng.integers(FACILITIES_PER_CATEGORY[0], FACILITIES_PER_CATEGORY[1] + 1))
        size = min(size, n_nodes)
        sets.append(
            FacilitySet(
                name=f"cat{i + 1:02d}",
                node_pos=rng.choice(n_nodes, size=size, replace=False).astype(np.int64),
                offset_m=rng.uniform(*SNAP_OFFSET_M, size),
            )
        )
    return sets


def scale_facility_sets(
    sets: Sequence[FacilitySet], factor: float, *, n_nodes: int, rng: np.random.Generator
) -> list[FacilitySet]:
    """The same categories for a city ``factor`` times as large: as many facilities per node.

    At least one facility each, on new random nodes with new random offsets.
    """
    out = []
    for s in sets:
        size = min(max(1, round(s.size * factor)), n_nodes)
        out.append(
            FacilitySet(
                name=s.name,
                node_pos=rng.choice(n_nodes, size=size, replace=False).astype(np.int64),
                offset_m=rng.uniform(*SNAP_OFFSET_M, size),
            )
        )
    return out


def district_facility_sets(network: WalkNetwork, facilities: gpd.GeoDataFrame) -> list[FacilitySet]:
    """The district's facilities per category, snapped as the analysis snaps them."""
    from geo.access.snapping import snap_facilities

    snapped = snap_facilities(network, facilities)
    if snapped.empty:
        return []
    return [
        FacilitySet(
            name=str(name),
            node_pos=group["node_pos"].to_numpy(dtype=np.int64),
            offset_m=group["snap_m"].to_numpy(dtype=np.float64),
        )
        for name, group in snapped.groupby("category", sort=True)
    ]


def random_points(
    network: WalkNetwork, count: int, *, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """WGS-84 points up to ``POINT_JITTER_M`` off random nodes (so they need snapping)."""
    pos = rng.integers(0, network.n_nodes, count)
    x = network.xy[pos, 0] + rng.uniform(-POINT_JITTER_M, POINT_JITTER_M, count)
    y = network.xy[pos, 1] + rng.uniform(-POINT_JITTER_M, POINT_JITTER_M, count)
    lon, lat = network.unproject(x, y)
    return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]


# --- timing helpers ---------------------------------------------------------------------------
@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _timed_ms(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall-clock milliseconds of ``fn()`` and its result."""
    wall_ms, _, out = _timed_wall_cpu_ms(fn)
    return wall_ms, out


def _timed_wall_cpu_ms(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall-clock and process CPU milliseconds of ``fn()``, and its result.

    CPU time is what a single-threaded computation costs even when other processes
    share the cores; wall-clock time on a busy machine includes waiting for a core.
    """
    with _gc_paused():
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        cpu = time.process_time() - start_cpu
        elapsed = time.perf_counter() - start
    return elapsed * 1e3, cpu * 1e3, out


def _flush_native_stdout() -> None:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send what C/C++ code prints (pandana's progress lines) to the null device.

    ``--json`` promises one JSON object on stdout, and pandana writes to file
    descriptor 1 directly, past ``sys.stdout``.
    """
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _flush_native_stdout()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=float)))


def _subset(sets: Sequence[FacilitySet], k: int | None) -> list[int]:
    """Indices of at most ``k`` sets, spread from the smallest to the largest."""
    n = len(sets)
    if k is None or k >= n:
        return list(range(n))
    order = np.argsort([s.size for s in sets], kind="stable")
    picks = np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))
    return sorted(int(order[p]) for p in picks)


@dataclass(frozen=True)
class Agreement:
    """How two distance arrays compare (``inf`` = unreachable)."""

    max_abs_diff_m: float
    reach_mismatches: int
    nodes_compared: int

    def ok(self, tolerance_m: float) -> bool:
        return self.reach_mismatches == 0 and self.max_abs_diff_m <= tolerance_m


def compare_distances(ours: FloatArray, ref: FloatArray, *, limit_m: float) -> Agreement:
    """Largest difference where both reach; nodes reached by one side only.

    A node one side reaches at (to within a micrometre) exactly the limit and the other
    does not is not a mismatch: the two sums may round to either side of the bound.
    """
    fin_o, fin_r = np.isfinite(ours), np.isfinite(ref)
    both = fin_o & fin_r
    diff = float(np.max(np.abs(ours[both] - ref[both]))) if both.any() else 0.0
    only = fin_o != fin_r
    edge = np.where(fin_o, ours, ref) >= limit_m - 1e-6
    return Agreement(
        max_abs_diff_m=diff,
        reach_mismatches=int(np.count_nonzero(only & ~edge)),
        nodes_compared=int(np.count_nonzero(both)),
    )


def _merge(*agreements: Agreement) -> Agreement:
    return Agreement(
        max_abs_diff_m=max((a.max_abs_diff_m for a in agreements), default=0.0),
        reach_mismatches=sum(a.reach_mismatches for a in agreements),
        nodes_compared=sum(a.nodes_compared for a in agreements),
    )


# --- the measurements ---------------------------------------------------------------------------
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
            timed = [_timed_wall_cpu_ms(partial(one, s, zero)) for s in sets]
            passes[k].append([t[0] for t in timed])
            cpu_totals[k].append(sum(t[1] for t in timed))
    for k in range(2):
        totals = [sum(p) for p in passes[k]]
        runs.append(
            EngineRun(
                total_ms=_median(totals),
                min_total_ms=min(totals),
                cpu_total_ms=_median(cpu_totals[k]),
                per_set_ms=[_median([p[i] for p in passes[k]]) for i in range(len(sets))],
                dist_m=dists[k],
            )
        )
    return runs[0], runs[1]


@contextlib.contextmanager
def _stage(out: dict[str, Any], name: str) -> Iterator[None]:
    """Record the wall-clock seconds of one stage of the run in ``out["stages_s"]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        out.setdefault("stages_s", {})[name] = time.perf_counter() - start


def _nx_graph(network: WalkNetwork) -> nx.Graph:
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
        ms, cpu_ms, lengths = _timed_wall_cpu_ms(
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


def _pandana_module() -> Any | None:
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

    pandana = _pandana_module()
    if pandana is None:
        return None
    u, v = network.edge_index
    x = pd.Series(network.xy[:, 0])
    y = pd.Series(network.xy[:, 1])
    with _native_stdout_silenced():
        build_ms, net = _timed_ms(
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
            ms, dist = _timed_ms(partial(query, sets[i].name, sets[i].node_pos))
            times.append(ms)
            dists.append(dist)
    return {"build_ms": build_ms, "per_set_ms": times, "dist_m": dists}


def time_incremental(
    engine: DistanceEngine,
    facility_set: FacilitySet,
    base_m: FloatArray,
    *,
    additions: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """``add_source`` for random single additions to one category, each from the same base.

    The first three are also recomputed from scratch and compared.
    """
    nodes = rng.integers(0, engine.n_nodes, additions)
    offsets = rng.uniform(*SNAP_OFFSET_M, additions)
    engine.add_source(base_m, int(nodes[0]), float(offsets[0]))  # warm-up
    times = [
        _timed_ms(partial(engine.add_source, base_m, int(p), float(o)))[0]
        for p, o in zip(nodes, offsets, strict=True)
    ]
    checks = []
    for p, o in zip(nodes[:3], offsets[:3], strict=True):
        inc = engine.add_source(base_m, int(p), float(o))
        full = engine.multi_source(
            np.append(facility_set.node_pos, p), np.append(facility_set.offset_m, o)
        )
        checks.append(compare_distances(inc, full, limit_m=engine.limit_m))
    agreement = _merge(*checks)
    return {
        "incremental_ms": _median(times),
        "incremental_p95_ms": float(np.percentile(times, 95)),
        "incremental_additions": len(times),
        "incremental_category": facility_set.name,
        "incremental_checked": len(checks),
        "incremental_max_abs_diff_m": agreement.max_abs_diff_m,
        "incremental_matches_recompute": agreement.ok(INCREMENTAL_TOLERANCE_M),
    }


def _service_areas_module() -> Any | None:
    try:
        return importlib.import_module("geo.access.service_areas")
    except ImportError:
        return None


def time_isochrones(
    network: WalkNetwork, engine: DistanceEngine, *, points: int, rng: np.random.Generator
) -> dict[str, Any]:
    """One 1000 m isochrone around random points; the first call (index build) apart."""
    module = _service_areas_module()
    if module is None or not hasattr(module, "isochrone"):
        return {
            "isochrone_ms": None,
            "isochrone_note": "geo.service_areas.isochrone is not available yet",
        }
    isochrone = module.isochrone
    pts = random_points(network, points + 1, rng=rng)

    def one(lon: float, lat: float, within_m: Sequence[float]) -> gpd.GeoDataFrame:
        return isochrone(
            network,
            engine,
            lon=lon,
            lat=lat,
            within_m=tuple(within_m),
            buffer_m=ISOCHRONE_BUFFER_M,
            speed_kmh=ISOCHRONE_SPEED_KMH,
        )

    first_ms, _ = _timed_ms(lambda: one(*pts[0], (LIMIT_M,)))
    times, cpu_times, areas = [], [], []
    for lon, lat in pts[1:]:
        ms, cpu_ms, frame = _timed_wall_cpu_ms(partial(one, lon, lat, (LIMIT_M,)))
        times.append(ms)
        cpu_times.append(cpu_ms)
        if "area_m2" in frame.columns and len(frame):
            areas.append(float(frame["area_m2"].iloc[0]))
    ring_pts = pts[1 : 1 + max(1, points // 4)]
    rings = [_timed_ms(partial(one, lon, lat, (300.0, 500.0, LIMIT_M)))[0] for lon, lat in ring_pts]
    return {
        "isochrone_ms": _median(times),
        "isochrone_p95_ms": float(np.percentile(times, 95)),
        "isochrone_cpu_ms": _median(cpu_times),
        "isochrone_points": len(times),
        "isochrone_first_call_ms": first_ms,
        "isochrone_area_km2_median": _median(areas) / 1e6 if areas else None,
        "isochrone_3_rings_ms": _median(rings),
        "isochrone_3_rings_points": len(rings),
    }


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

    if _pandana_module() is None:
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
    agreement = _merge(
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
    build_ms, engine = _timed_ms(lambda: DistanceEngine.for_network(network, limit_m=LIMIT_M))
    out["engine_build_ms"] = build_ms
    with _stage(out, "engine"):
        run, zero = time_engine(engine, sets, repeats=config.repeats)
    out["engine_ms"] = run.total_ms
    out["engine_min_ms"] = run.min_total_ms
    out["engine_zero_offset_ms"] = zero.total_ms
    out["engine_zero_offset_min_ms"] = zero.min_total_ms

    with _stage(out, "networkx"):
        graph_ms, G = _timed_ms(lambda: _nx_graph(network))
        nx_ms, nx_cpu_ms, nx_dist = time_networkx(G, network.n_nodes, sets, limit_m=LIMIT_M)
        del G
    agreement = _merge(
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
        with _stage(out, "pandana"):
            pan = measure_pandana(
                network, sets, repeats=config.repeats, max_categories=None, runs=(run, zero)
            )
        pandana_ms_by_set = pan.pop("_per_set_ms", {})
        out.update(pan)
    biggest = max(range(len(sets)), key=lambda i: sets[i].size)
    with _stage(out, "incremental"):
        inc = time_incremental(
            engine,
            sets[biggest],
            run.dist_m[biggest],
            additions=config.incremental_additions,
            rng=rng,
        )
    out.update(inc)
    with _stage(out, "isochrone"):
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
    from geo.access.analysis import add_facility, analyse
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
    cached_s = _median(warm)
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

    with _stage(out, "analysis"):
        analyse_ms, analysis = _timed_ms(lambda: analyse(district, taxonomy))
        points = random_points(network, config.analysis_additions + 1, rng=rng)
        categories = rng.choice(np.array(taxonomy.ids), size=len(points))
        add_facility(analysis, category=str(categories[0]), lon=points[0][0], lat=points[0][1])
        times = [
            _timed_ms(partial(add_facility, analysis, category=str(c), lon=lon, lat=lat))[0]
            for c, (lon, lat) in zip(categories[1:], points[1:], strict=True)
        ]
    out.update(
        {
            "analyse_ms": analyse_ms,
            "analysis_incremental_ms": _median(times),
            "analysis_incremental_additions": len(times),
            "homes": len(analysis.homes),
        }
    )
    return out


def measure_generated(config: BenchConfig) -> dict[str, Any]:
    """The generated city: its description, the per-network figures, then pandana.

    pandana's contraction hierarchy is built in its constructor and takes minutes on a
    100,000-node grid (grids are its worst case), so pandana is compared on a smaller
    city from the same generator (``--pandana-nodes``) unless that is as large as the
    main one. Its categories are the main city's thinned to the same facilities per node.
    """
    net_seq, fac_seq, run_seq, pan_seq = np.random.SeedSequence(config.seed).spawn(4)
    build_ms, network = _timed_ms(
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
    with _stage(out, "pandana"):
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


# --- report ----------------------------------------------------------------------------------
def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return None
        if value == 0 or abs(value) >= 100:
            return round(value, 1)
        return float(f"{value:.4g}")
    return value


def _versions() -> dict[str, Any]:
    import networkx as nx
    import scipy
    import shapely

    pandana = _pandana_module()
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
    rounded: dict[str, Any] = _rounded(report)
    return rounded


def _is_correct(report: dict[str, Any]) -> bool:
    c = report["correct"]
    return bool(c["networkx_agrees"] and c["incremental_matches_recompute"])


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
        return f"{text}{unit}"
    return str(value)


_STATUS = {True: "PASS", False: "MISS", None: "n/a"}
_TABLE_ROWS = (
    ("nodes", "nodes"),
    ("edges", "edges"),
    ("categories", "categories"),
    ("facilities", "facilities"),
    ("engine, all categories (ms)", "engine_ms"),
    ("engine, zero offsets (ms)", "engine_zero_offset_ms"),
    ("networkx (ms)", "networkx_ms"),
    ("  speed-up vs networkx (×)", "vs_networkx"),
    ("  same, in CPU time (×)", "vs_networkx_cpu"),
    ("  max |Δ| vs networkx (m)", "max_abs_diff_m"),
    ("  agrees with networkx", "networkx_agrees"),
    ("pandana: network nodes", "pandana_nodes"),
    ("pandana network build (ms)", "pandana_build_ms"),
    ("engine, zero offsets, same network (ms)", "pandana_engine_zero_offset_ms"),
    ("pandana (ms)", "pandana_ms"),
    ("  categories timed", "pandana_categories_timed"),
    ("  speed-up vs pandana (×)", "vs_pandana"),
    ("  same-subset speed-up (×)", "vs_pandana_same_subset"),
    ("  max |Δ| vs pandana (m)", "pandana_max_abs_diff_m"),
    ("  agrees with pandana", "pandana_agrees"),
    ("add one facility (ms)", "incremental_ms"),
    ("  equals full recompute", "incremental_matches_recompute"),
    ("1000 m isochrone (ms)", "isochrone_ms"),
    ("  same, in CPU time (ms)", "isochrone_cpu_ms"),
    ("  first call, builds index (ms)", "isochrone_first_call_ms"),
    ("  300/500/1000 m rings (ms)", "isochrone_3_rings_ms"),
    ("cold load (s)", "cold_load_s"),
    ("cached load (s)", "cached_load_s"),
    ("analyse (ms)", "analyse_ms"),
    ("add_facility + recount (ms)", "analysis_incremental_ms"),
)


def format_table(report: dict[str, Any]) -> str:
    """The human-readable report."""
    b, g = report["bundled"], report["generated"]
    env = report["environment"]
    rows: list[tuple[str, str, str, str]] = []

    def row(label: str, key: str) -> None:
        target = report["targets"].get(key)
        mark = ""
        if target is not None:
            mark = f"{target['target']:<7}{_STATUS[target['pass']]}"
        rows.append((label, _fmt(b.get(key)), _fmt(g.get(key)), mark))

    for label, key in _TABLE_ROWS:
        row(label, key)
    width = max(len(r[0]) for r in rows) + 2
    lines = [
        f"lifecircle bench · numpy {env['numpy']} · scipy {env['scipy']} · networkx "
        f"{env['networkx']} · pandana {env['pandana'] or 'missing'} · {env['cpus']} CPUs · "
        f"load {_fmt(env['loadavg_1m_before'])}",
        "",
        f"{'':<{width}}{'Lujiazui':>12}{'generated':>12}   target status",
    ]
    lines.extend(
        f"{label:<{width}}{left:>12}{right:>12}   {mark}".rstrip()
        for label, left, right, mark in rows
        if not (left == "n/a" and right == "n/a")
    )
    lines.append("")
    lines.extend(f"note: {n}" for n in report["notes"])
    lines.append(
        f"total {report['total_s']:.1f} s; correct: {'yes' if _is_correct(report) else 'NO'}"
    )
    return "\n".join(lines)


# --- entry points -----------------------------------------------------------------------------
def _node_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 100:
        raise argparse.ArgumentTypeError("give at least 100 nodes")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``lifecircle bench``."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--nodes",
        type=_node_count,
        default=None,
        help=f"size of the generated network (default {FULL_NODES:,}; "
        f"{QUICK_NODES:,} with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small network and fewer repeats (CI smoke test)"
    )
    parser.add_argument(
        "--pandana-nodes",
        type=_node_count,
        default=None,
        help=f"size of the generated network pandana is compared on (default {PANDANA_NODES:,}; "
        f"{QUICK_PANDANA_NODES:,} with --quick): its build takes minutes at 100,000",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated network"
    )
    from bench.browser import add_arguments as add_browser_arguments

    add_browser_arguments(parser, prefix="browser-")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the report; 1 if the engine's answers are wrong."""
    config = config_from_args(args)
    report = build_report(config)
    browser_failed = False
    if getattr(args, "browser", False):
        from bench.browser import run_browser_bench
        from bench.errors import BrowserBenchError

        try:
            report["browser"] = run_browser_bench(repeats=args.browser_repeats)
        except BrowserBenchError as exc:
            print(f"bench: browser: {exc}", file=sys.stderr)
            browser_failed = True
    if args.json:
        print(json.dumps(report, ensure_ascii=False, allow_nan=False))
    else:
        print(format_table(report))
        if "browser" in report:
            from bench.browser import format_table as format_browser_table

            print()
            print(format_browser_table(report["browser"]))
    if not _is_correct(report):
        c = report["correct"]
        print(
            "bench: WRONG ANSWERS: "
            f"networkx agrees={c['networkx_agrees']} (max |Δ| {c['max_abs_diff_m']} m, "
            f"tolerance {NX_TOLERANCE_M} m), incremental matches recompute="
            f"{c['incremental_matches_recompute']}",
            file=sys.stderr,
        )
        return EXIT_WRONG
    if report["correct"]["pandana_agrees"] is False:
        print("bench: warning: pandana's distances differ from the engine's", file=sys.stderr)
    return EXIT_WRONG if browser_failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """``lifecircle bench [--json] [--nodes N] [--quick] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="lifecircle bench",
        description="Time the walking-distance engine against networkx and pandana.",
    )
    add_arguments(parser)
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run(args)
