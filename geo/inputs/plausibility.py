"""Plausibility of user points and shapes: inside the district, no larger than it.

A facility list or a scenario drawn for Lujiazui holds no point in Beijing: a point
farther than a stated margin (:attr:`geo.limits.Limits.study_area_margin_m`, 1 km by
default) outside the district's bounding box is rejected with a message that says how
far out it is, and a scenario shape larger than the district's box is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

METRES_PER_DEGREE_LAT = 111_320.0
"""Metres in one degree of latitude (and of longitude at the equator)."""

__all__ = [
    "describe_distance",
    "distance_outside_m",
    "geometry_problem",
]


def _metres_per_degree_lon(lat: float) -> float:
    return METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01)


def distance_outside_m(
    lon: npt.ArrayLike, lat: npt.ArrayLike, bbox: Sequence[float]
) -> npt.NDArray[np.float64]:
    """Approximate metres from each WGS-84 point to the box ``W,S,E,N`` (0 inside).

    Non-finite coordinates are infinitely far.
    """
    west, south, east, north = (float(v) for v in bbox)
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    dx_deg = np.maximum(np.maximum(west - x, x - east), 0.0)
    dy_deg = np.maximum(np.maximum(south - y, y - north), 0.0)
    mid_lat = (south + north) / 2
    dist = np.hypot(dx_deg * _metres_per_degree_lon(mid_lat), dy_deg * METRES_PER_DEGREE_LAT)
    return np.where(np.isfinite(x) & np.isfinite(y), dist, np.inf)


def describe_distance(distance_m: float) -> str:
    if not math.isfinite(distance_m):
        return "not a place"
    if distance_m >= 10_000:
        return f"{distance_m / 1000:,.0f} km"
    return f"{distance_m:,.0f} m"


def geometry_problem(
    geom: BaseGeometry, bbox: Sequence[float], *, margin_m: float, title: str
) -> str | None:
    """Why a user's shape (WGS-84) cannot belong to the district, or ``None``.

    Too far: any vertex more than ``margin_m`` outside the box. Too large: a shape whose
    own box is wider or taller than the district's plus the margin on both sides.
    """
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0:
        return None
    far = float(distance_outside_m(coords[:, 0], coords[:, 1], bbox).max())
    west, south, east, north = (float(v) for v in bbox)
    gw, gs, ge, gn = geom.bounds
    mid_lat = (south + north) / 2
    margin_lon = margin_m / _metres_per_degree_lon(mid_lat)
    margin_lat = margin_m / METRES_PER_DEGREE_LAT
    if (ge - gw) > (east - west) + 2 * margin_lon or (gn - gs) > (north - south) + 2 * margin_lat:
        return f"the shape is larger than the district of {title}"
    if far > margin_m:
        return (
            f"lies {describe_distance(far)} outside the district of {title} "
            f"(more than the {margin_m:,.0f} m margin; is the coordinate system right?)"
        )
    return None
