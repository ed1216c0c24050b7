"""The incremental paths a workshop edit takes, timed.

:func:`time_incremental` adds one facility to a category's distances
(:meth:`DistanceEngine.add_source`) and checks the answer against a full recompute;
:func:`time_isochrones` draws the 1000 m isochrone around random points
(:func:`geo.access.service_areas.isochrone`, its block index built in a first call that
is timed apart); :func:`time_analysis_edits` adds a facility to a whole analysis and
recounts (:func:`geo.access.analysis.add_facility`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.agreement import INCREMENTAL_TOLERANCE_M, compare_distances, merge_agreements
from bench.config import LIMIT_M
from bench.networks import SNAP_OFFSET_M, random_points
from bench.timing import median, timed_ms, timed_wall_cpu_ms

if TYPE_CHECKING:
    import geopandas as gpd

    from bench.networks import FacilitySet, FloatArray
    from geo.access.analysis import Analysis
    from geo.access.engine import DistanceEngine
    from geo.district.model import District
    from geo.district.network import WalkNetwork
    from geo.scenarios.model import Scenario
    from geo.standards.taxonomy import Taxonomy

ISOCHRONE_BUFFER_M = 25.0
ISOCHRONE_SPEED_KMH = 4.0


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
        timed_ms(partial(engine.add_source, base_m, int(p), float(o)))[0]
        for p, o in zip(nodes, offsets, strict=True)
    ]
    checks = []
    for p, o in zip(nodes[:3], offsets[:3], strict=True):
        inc = engine.add_source(base_m, int(p), float(o))
        full = engine.multi_source(
            np.append(facility_set.node_pos, p), np.append(facility_set.offset_m, o)
        )
        checks.append(compare_distances(inc, full, limit_m=engine.limit_m))
    agreement = merge_agreements(*checks)
    return {
        "incremental_ms": median(times),
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

    first_ms, _ = timed_ms(lambda: one(*pts[0], (LIMIT_M,)))
    times, cpu_times, areas = [], [], []
    for lon, lat in pts[1:]:
        ms, cpu_ms, frame = timed_wall_cpu_ms(partial(one, lon, lat, (LIMIT_M,)))
        times.append(ms)
        cpu_times.append(cpu_ms)
        if "area_m2" in frame.columns and len(frame):
            areas.append(float(frame["area_m2"].iloc[0]))
    ring_pts = pts[1 : 1 + max(1, points // 4)]
    rings = [timed_ms(partial(one, lon, lat, (300.0, 500.0, LIMIT_M)))[0] for lon, lat in ring_pts]
    return {
        "isochrone_ms": median(times),
        "isochrone_p95_ms": float(np.percentile(times, 95)),
        "isochrone_cpu_ms": median(cpu_times),
        "isochrone_points": len(times),
        "isochrone_first_call_ms": first_ms,
        "isochrone_area_km2_median": median(areas) / 1e6 if areas else None,
        "isochrone_3_rings_ms": median(rings),
        "isochrone_3_rings_points": len(rings),
    }


def time_analysis_edits(
    district: District, taxonomy: Taxonomy, *, additions: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Analyse the district, then ``add_facility`` (and recount) at random points.

    Each addition is of a random category, at a random point near a node (see
    :func:`bench.networks.random_points`); one warm-up addition first.
    """
    from geo.access.analysis import add_facility, analyse

    analyse_ms, analysis = timed_ms(lambda: analyse(district, taxonomy))
    points = random_points(district.network, additions + 1, rng=rng)
    categories = rng.choice(np.array(taxonomy.ids), size=len(points))
    add_facility(analysis, category=str(categories[0]), lon=points[0][0], lat=points[0][1])
    times = [
        timed_ms(partial(add_facility, analysis, category=str(c), lon=lon, lat=lat))[0]
        for c, (lon, lat) in zip(categories[1:], points[1:], strict=True)
    ]
    return {
        "analyse_ms": analyse_ms,
        "analysis_incremental_ms": median(times),
        "analysis_incremental_additions": len(times),
        "homes": len(analysis.homes),
    }


def time_scale_edits(analysis: Analysis, *, repeats: int) -> dict[str, dict[str, float]]:
    """The scale bench's workshop edits near the district's centre, each ``repeats`` times.

    Per edit: the first call's wall and CPU milliseconds (it may build something once) and
    the median of the following calls. The edits are those of ``python -m bench --scale``:
    a facility added to the analysis (:func:`geo.access.analysis.add_facility`), and
    scenarios with one facility, one space, one new link, and that link with a facility
    beside it (:func:`geo.scenarios.apply.apply_scenario`), all against the same baseline.
    """
    from geo.access.analysis import add_facility
    from geo.scenarios.apply import apply_scenario

    lon, lat = centre_lonlat(analysis)
    category = analysis.categories[0]
    edits: dict[str, Callable[[], object]] = {
        "edit_add_facility": lambda: add_facility(
            analysis, category=category, lon=lon + 0.001, lat=lat
        ),
    }
    for name, scenario in scenario_edits(analysis, lon, lat).items():
        edits[name] = partial(apply_scenario, analysis, scenario)
    out: dict[str, dict[str, float]] = {}
    for name, fn in edits.items():
        first_ms, first_cpu_ms, _ = timed_wall_cpu_ms(fn)
        runs = [timed_wall_cpu_ms(fn)[:2] for _ in range(max(1, repeats - 1))]
        out[name] = {
            "first_ms": round(first_ms, 1),
            "first_cpu_ms": round(first_cpu_ms, 1),
            "median_ms": round(median([r[0] for r in runs]), 1),
            "median_cpu_ms": round(median([r[1] for r in runs]), 1),
        }
    return out


def centre_lonlat(analysis: Analysis) -> tuple[float, float]:
    """The node nearest the middle of the district's largest piece (lon, lat)."""
    net = analysis.district.network
    main = np.flatnonzero(net.nodes["component"].to_numpy() == 0)
    centre = net.xy[main].mean(axis=0)
    k = main[int(np.argmin(np.hypot(*(net.xy[main] - centre).T)))]
    return float(net.nodes["lon"].iloc[k]), float(net.nodes["lat"].iloc[k])


def scenario_edits(analysis: Analysis, lon: float, lat: float) -> dict[str, Scenario]:
    """Scenarios near (lon, lat): a facility, a space, a new link, and a link with a
    facility beside it (the facility joins the network the link grew)."""
    from geo.scenarios.model import parse_scenario

    category = analysis.categories[0]
    taxonomy = analysis.taxonomy
    return {
        name: parse_scenario(_collection(feature), taxonomy=taxonomy)
        for name, feature in (
            ("edit_scenario_facility", _point(lon + 0.001, lat, category)),
            ("edit_scenario_space", _space(lon - 0.001, lat, analysis.categories[:2])),
            ("edit_scenario_link", _link(lon, lat)),
        )
    } | {
        "edit_scenario_link_facility": parse_scenario(
            _collection(_link(lon, lat), _point(lon + 0.0008, lat + 0.00003, category)),
            taxonomy=taxonomy,
        )
    }


def _space(lon: float, lat: float, provides: tuple[str, ...]) -> dict[str, Any]:
    # About 60 m × 55 m: a pocket park (口袋公园) providing two categories.
    d = 0.0003
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    return {
        "type": "Feature",
        "id": "bench-space",
        "properties": {"kind": "space", "provides": list(provides), "name": "bench"},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


def _point(lon: float, lat: float, category: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": "bench-facility",
        "properties": {"kind": "facility", "category": category, "name": "bench"},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _link(lon: float, lat: float) -> dict[str, Any]:
    # About 150 m east to west through the centre: a new passage.
    return {
        "type": "Feature",
        "id": "bench-link",
        "properties": {"kind": "link", "name": "bench"},
        "geometry": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.0016, lat]]},
    }


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}
