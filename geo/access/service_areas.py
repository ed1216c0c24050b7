"""Network-based service areas: where a walk of a given length reaches, as polygons.

A service area is built from the *reachable street network*, not from a circle: every
street segment reachable end to end counts whole, a segment reached from one end counts
up to the point where the walk runs out (interpolated along the straight segment), and
reached nodes with no street piece count as points. The linework is then widened by
``buffer_m`` on both sides (a street-side band: homes face the street) and dissolved.
The band is round at junctions and dead ends but square where the walk runs out, so it
never reaches along a street beyond the walked distance (a home 10 m past the end of
the reach is not in it, while homes up to ``buffer_m`` off the reached street are).

Every function works on node distances (``dist_m``, metres, ``inf`` = unreachable), as
:class:`geo.access.DistanceEngine` returns them. A point on a segment ``(a, b)`` at
``t`` metres from ``a`` is reached when ``min(d_a + t, d_b + length - t) <= within_m``,
so a segment whose two ends are reached but whose middle is not (``d_a + d_b + length >
2 * within_m``) contributes two pieces, one from each end, not the whole segment.

Dissolving thousands of overlapping buffers is slow in GEOS (a 1000 m walk in a dense
district touches ~3,000 segments). :class:`ReachIndex` therefore splits the network's
plane into *blocks* (the faces of the noded street network) once. A block whose whole
boundary is reached contributes its precomputed rim (the part of the block within
``buffer_m`` of its boundary), and these rims are dissolved as a coverage, which is
cheap. Only the frontier (streets next to a block that is not wholly reached, dead
ends, partly reached segments) is buffered and dissolved at query time. The result is
the same set as buffering all the reached linework.

The index is built once per network and band width (0.15 s of CPU for Lujiazui's 6,000
nodes, about 5 s for 100,000) and cached, weakly keyed by the network; small reaches are
buffered directly rather than pay for it. A loader may call :func:`reach_index` ahead of
time.

Polygons are computed in the network's metric CRS; the GeoDataFrame builders return
WGS-84 unless ``to_metric=True``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import Polygon

from geo.access.engine import AccessResult, DistanceEngine
from geo.access.reach import (
    DEFAULT_BUFFER_M,
    DEFAULT_TIERS_M,
    DIRECT_MAX_SEGMENTS,
    INDEX_MIN_SHARE,
    WGS84,
    FloatArray,
    GeomArray,
    Polygonal,
    as_polygonal,
    check_dist,
    check_positive,
    segment_lines,
    street_band,
    walk_reach,
)
from geo.access.reach_index import (
    ReachIndex,
    cached_reach_index,
    reach_index,
)
from geo.access.snapping import join_lonlat
from geo.district.network import WalkNetwork
from geo.errors import CoordinateError, NetworkError
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_TIERS_M",
    "facility_isochrones",
    "isochrone",
    "reach_polygon",
    "served_area",
    "served_areas",
]


def reach_polygon(
    network: WalkNetwork,
    dist_m: FloatArray,
    *,
    within_m: float,
    buffer_m: float = DEFAULT_BUFFER_M,
    index: ReachIndex | None = None,
) -> Polygonal:
    """The area within ``within_m`` walking distance, in the network's metric CRS.

    Parameters
    ----------
    network
        The walking network.
    dist_m
        Walking distance (m) from the origin(s) to every node, ``inf`` if unreachable
        (for example :meth:`DistanceEngine.multi_source`).
    within_m
        How far the walk may go.
    buffer_m
        Half-width of the street-side band around the reached streets.
    index
        A :class:`ReachIndex` for the same network and ``buffer_m``. By default the
        cached one is used; it is built on first use unless the reach is small.

    Returns
    -------
    Polygon or MultiPolygon
        The dissolved band; an empty Polygon when nothing is reached.
    """
    within_m = check_positive("within_m", within_m, allow_zero=True)
    buffer_m = check_positive("buffer_m", buffer_m, allow_zero=False)
    dist = check_dist(network, dist_m)
    reach = walk_reach(network, dist, within_m)
    if reach.n_pieces == 0:
        return Polygon()
    if index is not None and (index.buffer_m != buffer_m or not index.matches(network)):
        raise NetworkError("the reach index was built for another network or band width")
    if index is None:
        found, index = cached_reach_index(network, buffer_m)
        worth_it = max(DIRECT_MAX_SEGMENTS, INDEX_MIN_SHARE * network.n_edges)
        if not found and reach.n_pieces > worth_it:
            index = reach_index(network, buffer_m=buffer_m)

    u, v = network.edge_index
    xy = network.xy
    keep = reach.full
    rims: Any = None
    if index is not None:
        keep, full_faces = index.split(reach.full)
        if len(full_faces):
            rims = shapely.coverage_union_all(index.rims[full_faces])
    band = street_band(
        segment_lines(xy[u[keep]], xy[v[keep]]),
        segment_lines(reach.starts, reach.ends),
        xy[reach.discs],
        buffer_m,
    )
    if rims is not None and not rims.is_empty:
        band = shapely.union(rims, band) if not band.is_empty else rims
    return as_polygonal(band)


def served_area(
    network: WalkNetwork,
    dist_m_of_category: FloatArray,
    *,
    within_m: float,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> Polygonal:
    """The area a category serves: the reach of all its facilities (metric CRS).

    ``dist_m_of_category`` is the category's multi-source distance per node, such as
    ``AccessResult.of(category_id)``.
    """
    return reach_polygon(network, dist_m_of_category, within_m=within_m, buffer_m=buffer_m)


# --- GeoDataFrames -----------------------------------------------------------------------------
def _to_wgs84(network: WalkNetwork, geoms: Sequence[Any] | GeomArray) -> GeomArray:
    transform: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]] = network.unproject
    return np.asarray(
        shapely.transform(np.asarray(geoms, dtype=object), transform, interleaved=False),
        dtype=object,
    )


def area_frame(
    network: WalkNetwork, data: Mapping[str, Any], geoms: Sequence[Any], *, to_metric: bool
) -> gpd.GeoDataFrame:
    geometry = np.asarray(geoms, dtype=object) if to_metric else _to_wgs84(network, geoms)
    return gpd.GeoDataFrame(
        dict(data), geometry=gpd.GeoSeries(geometry), crs=network.crs if to_metric else WGS84
    )


def _walk_minutes(distance_m: float, speed_kmh: float | None) -> float | None:
    if speed_kmh is None:
        return None
    if not math.isfinite(speed_kmh) or speed_kmh <= 0:
        raise ValueError(f"walking speed must be a positive number of km/h, not {speed_kmh!r}")
    return distance_m / (speed_kmh * 1000.0 / 60.0)


def _tiers(within_m: float | Sequence[float]) -> list[float]:
    values = [within_m] if isinstance(within_m, int | float) else list(within_m)
    if not values:
        raise NetworkError("give at least one walking distance")
    tiers = {check_positive("within_m", w, allow_zero=True) for w in values}
    return sorted(tiers, reverse=True)


def _rings(
    network: WalkNetwork,
    dist: FloatArray,
    tiers: list[float],
    *,
    buffer_m: float,
    speed_kmh: float | None,
    snap_m: float,
    to_metric: bool,
    extra: Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    geoms = [reach_polygon(network, dist, within_m=w, buffer_m=buffer_m) for w in tiers]
    data: dict[str, Any] = dict(extra or {})
    for key, value in data.items():
        data[key] = [value] * len(tiers)
    data["within_m"] = tiers
    data["walk_minutes"] = pd.array([_walk_minutes(w, speed_kmh) for w in tiers], dtype=object)
    data["snap_m"] = [snap_m] * len(tiers)
    data["area_m2"] = [float(g.area) for g in geoms]
    return area_frame(network, data, geoms, to_metric=to_metric)


def isochrone(
    network: WalkNetwork,
    engine: DistanceEngine,
    *,
    lon: float,
    lat: float,
    within_m: float | Sequence[float] = DEFAULT_TIERS_M,
    buffer_m: float = DEFAULT_BUFFER_M,
    speed_kmh: float | None = DEFAULT_WALK_SPEED_KMH,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Walking isochrones around a WGS-84 point, one row per distance, largest first.

    The point joins its nearest street like any point (:mod:`geo.access.snapping`) and
    the walk to the street counts. Columns: ``within_m``, ``walk_minutes`` (``None`` when
    ``speed_kmh`` is None), ``snap_m``, ``area_m2`` and the polygon. A point farther
    than a tier from every street gets an empty polygon for that tier.
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise CoordinateError(f"({lon}, {lat}) is not a WGS-84 longitude/latitude")
    tiers = _tiers(within_m)
    joined = join_lonlat(network, np.array([lon]), np.array([lat]))
    _, pos, cost = joined.rows()
    dist = engine.multi_source(pos, cost, limit_m=max(tiers[0], 1e-9))
    return _rings(
        network,
        dist,
        tiers,
        buffer_m=buffer_m,
        speed_kmh=speed_kmh,
        snap_m=float(joined.snap_m[0]),
        to_metric=to_metric,
    )


def facility_isochrones(
    network: WalkNetwork,
    engine: DistanceEngine,
    facility: Mapping[str, Any],
    *,
    within_m: float | Sequence[float] = DEFAULT_TIERS_M,
    buffer_m: float = DEFAULT_BUFFER_M,
    speed_kmh: float | None = DEFAULT_WALK_SPEED_KMH,
    to_metric: bool = False,
    access: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Isochrones of one facility row, with its ``facility_id``, ``category`` and ``name``.

    ``access`` (the facility's rows of :func:`geo.access.snapping.snap_facilities`: every
    way in) is used when given; else a row with ``node_pos`` and ``snap_m`` counts as one
    way in; otherwise the row's ``lon``/``lat`` joins the network like any point.
    """
    tiers = _tiers(within_m)
    if access is not None and len(access):
        pos = access["node_pos"].to_numpy(dtype=np.int64)
        cost = access["cost_m"].to_numpy(dtype=np.float64)
    elif "node_pos" in facility and "snap_m" in facility:
        pos = np.array([int(facility["node_pos"])], dtype=np.int64)
        cost = np.array([float(facility["snap_m"])], dtype=np.float64)
    else:
        joined = join_lonlat(
            network, np.array([float(facility["lon"])]), np.array([float(facility["lat"])])
        )
        _, pos, cost = joined.rows()
    snap = np.array([float(cost.min())])
    dist = engine.multi_source(pos, cost, limit_m=max(tiers[0], 1e-9))
    extra = {
        "facility_id": str(facility.get("facility_id", "")),
        "category": str(facility.get("category", "")),
        "name": as_text(facility.get("name")),
    }
    return _rings(
        network,
        dist,
        tiers,
        buffer_m=buffer_m,
        speed_kmh=speed_kmh,
        snap_m=float(snap[0]),
        to_metric=to_metric,
        extra=extra,
    )


def served_areas(
    network: WalkNetwork,
    access: AccessResult,
    taxonomy: Taxonomy,
    *,
    categories: Sequence[str] | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Per category, the area within its tier distance of one of its facilities.

    Columns: ``category``, ``within_m`` (the category's tier distance), ``area_m2`` and
    the polygon (empty when the category has no facility within reach).
    """
    ids = list(categories) if categories is not None else list(access.categories)
    within = [min(taxonomy.get(c).distance_m, access.limit_m) for c in ids]
    geoms = [
        served_area(network, access.of(c), within_m=w, buffer_m=buffer_m)
        for c, w in zip(ids, within, strict=True)
    ]
    data = {"category": ids, "within_m": within, "area_m2": [float(g.area) for g in geoms]}
    return area_frame(network, data, geoms, to_metric=to_metric)


def as_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
