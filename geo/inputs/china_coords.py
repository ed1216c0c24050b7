"""Chinese web-map coordinate systems: WGS-84, GCJ-02 and BD-09.

Facility lists that street offices export from Amap (高德), Tencent (腾讯) or Baidu (百度)
are not in WGS-84. Amap and Tencent use GCJ-02 (the "Mars" datum, 火星坐标), an
obfuscation of WGS-84 that moves points by several hundred metres; Baidu adds a second
shift on top of GCJ-02 (BD-09). This module holds the transforms between the three;
:mod:`geo.inputs.coords` picks one by name.

The GCJ-02 forward transform follows the widely published formula: a polynomial-plus-
sine offset in metres, turned into degrees on the Krasovsky 1940 ellipsoid. There is no
closed-form inverse, so :func:`gcj02_to_wgs84` and :func:`bd09_to_gcj02` solve the
forward transform by fixed-point iteration until the residual is below ``1e-9`` degrees
(about 0.1 mm), instead of the usual one-step approximation that can be metres off.

GCJ-02 is only applied inside a rough bounding box of mainland China (the standard
``out_of_china`` test: longitude 72.004–137.8347, latitude 0.8293–55.8271). Points
outside the box are returned unchanged by the WGS-84 ↔ GCJ-02 functions. The box is
coarse: it includes parts of neighbouring countries and excludes nothing inside China.
The BD-09 step is applied everywhere, as Baidu does.

All functions accept scalars or array-likes and broadcast like numpy ufuncs. Scalar
inputs give Python floats back; array inputs give float64 arrays.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "PairTest",
    "PairTransform",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "is_in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_CorePair = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
_CoreMask = Callable[[FloatArray, FloatArray], BoolArray]


class PairTransform(Protocol):
    """A vectorised ``(lon, lat) -> (lon, lat)`` conversion.

    Two Python numbers give two floats back; anything array-like (lists, numpy arrays,
    pandas Series, or a mix with numbers) gives two float64 arrays, broadcast together.
    """

    @overload
    def __call__(self, lon: float, lat: float, /) -> tuple[float, float]: ...

    @overload
    def __call__(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, /
    ) -> tuple[FloatArray, FloatArray]: ...


class PairTest(Protocol):
    """A vectorised ``(lon, lat) -> bool`` test: a bool for numbers, a bool array otherwise."""

    @overload
    def __call__(self, lon: float, lat: float, /) -> bool: ...

    @overload
    def __call__(self, lon: npt.ArrayLike, lat: npt.ArrayLike, /) -> BoolArray: ...


# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09 constant: pi * 3000 / 180.
_X_PI = np.pi * 3000.0 / 180.0
# Baidu's constant offset, in degrees.
_BD_DLON_DEG = 0.0065
_BD_DLAT_DEG = 0.006

# Rough bounding box of mainland China used by every GCJ-02 implementation.
_CHINA_MIN_LON_DEG = 72.004
_CHINA_MAX_LON_DEG = 137.8347
_CHINA_MIN_LAT_DEG = 0.8293
_CHINA_MAX_LAT_DEG = 55.8271

_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ITERATIONS = 50


def _is_scalar(value: npt.ArrayLike) -> bool:
    return not isinstance(value, np.ndarray) and np.ndim(value) == 0


def _float_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_b, lat_b = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_b, lat_b


def _vectorised_pair(core: _CorePair) -> PairTransform:
    """Wrap an array-to-array conversion so that it also takes and gives numbers."""

    @functools.wraps(core)
    def wrapper(lon: npt.ArrayLike, lat: npt.ArrayLike, /) -> tuple[Any, Any]:
        lon_arr, lat_arr = _float_arrays(lon, lat)
        with np.errstate(invalid="ignore"):
            out_lon, out_lat = core(lon_arr, lat_arr)
        if _is_scalar(lon) and _is_scalar(lat):
            return float(out_lon), float(out_lat)
        return out_lon, out_lat

    return wrapper


def vectorised_test(core: _CoreMask) -> PairTest:
    """Wrap an array test so that it also takes numbers and gives a bool."""

    @functools.wraps(core)
    def wrapper(lon: npt.ArrayLike, lat: npt.ArrayLike, /) -> Any:
        lon_arr, lat_arr = _float_arrays(lon, lat)
        with np.errstate(invalid="ignore"):
            result = core(lon_arr, lat_arr)
        if _is_scalar(lon) and _is_scalar(lat):
            return bool(result)
        return result

    return wrapper


@vectorised_test
def is_in_china(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Tell which points fall inside the bounding box where GCJ-02 applies.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    numpy.ndarray or bool
        True inside the box (longitude 72.004–137.8347, latitude 0.8293–55.8271).
        NaN is outside.
    """
    return (
        (lon >= _CHINA_MIN_LON_DEG)
        & (lon <= _CHINA_MAX_LON_DEG)
        & (lat >= _CHINA_MIN_LAT_DEG)
        & (lat <= _CHINA_MAX_LAT_DEG)
    )


def _gcj02_offset_deg(lon_deg: FloatArray, lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return GCJ-02 minus WGS-84 in degrees at a WGS-84 point, without the China test."""
    x = lon_deg - 105.0
    y = lat_deg - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    # High-frequency term in x shared by both directions.
    ripple = (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0

    north_m = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    north_m = north_m + ripple
    north_m = north_m + (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
    north_m = (
        north_m + (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    )

    east_m = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    east_m = east_m + ripple
    east_m = east_m + (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
    east_m = (
        east_m + (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0
    )

    # Metres to degrees with the meridian (M) and prime-vertical (N) radii of curvature
    # of the Krasovsky ellipsoid.
    lat_rad = np.radians(lat_deg)
    sin_lat = np.sin(lat_rad)
    w = 1.0 - _KRASOVSKY_EE * sin_lat * sin_lat
    sqrt_w = np.sqrt(w)
    meridian_radius_m = _KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE) / (w * sqrt_w)
    prime_vertical_radius_m = _KRASOVSKY_A_M / sqrt_w
    dlon_deg = np.degrees(east_m / (prime_vertical_radius_m * np.cos(lat_rad)))
    dlat_deg = np.degrees(north_m / meridian_radius_m)
    return dlon_deg, dlat_deg


def _shift_to_gcj02(lon_deg: FloatArray, lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon_deg, dlat_deg = _gcj02_offset_deg(lon_deg, lat_deg)
    return lon_deg + dlon_deg, lat_deg + dlat_deg


def _shift_to_bd09(lon_deg: FloatArray, lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    radius = np.hypot(lon_deg, lat_deg) + 0.00002 * np.sin(lat_deg * _X_PI)
    angle = np.arctan2(lat_deg, lon_deg) + 0.000003 * np.cos(lon_deg * _X_PI)
    return radius * np.cos(angle) + _BD_DLON_DEG, radius * np.sin(angle) + _BD_DLAT_DEG


def _invert(
    forward: _CorePair,
    target_lon: FloatArray,
    target_lat: FloatArray,
    *,
    guess_lon: FloatArray,
    guess_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(lon, lat) == (target_lon, target_lat)`` by fixed-point iteration.

    Both forward transforms are the identity plus a small, slowly varying offset, so
    subtracting the residual at each step converges in a handful of iterations.
    """
    lon = np.array(guess_lon, dtype=np.float64)
    lat = np.array(guess_lat, dtype=np.float64)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = forward(lon, lat)
        err_lon = fwd_lon - target_lon
        err_lat = fwd_lat - target_lat
        lon = lon - err_lon
        lat = lat - err_lat
        residual_deg = np.maximum(np.abs(err_lon), np.abs(err_lat))
        # NaN compares False, so missing coordinates do not keep the loop going.
        if not np.any(residual_deg >= _INVERSE_TOLERANCE_DEG):
            break
    return lon, lat


@_vectorised_pair
def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to GCJ-02 (Amap/Tencent).

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        GCJ-02 ``(lon, lat)`` in degrees. Points outside mainland China (see
        :func:`is_in_china`) are returned unchanged.
    """
    inside = is_in_china(lon, lat)
    out_lon, out_lat = np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64)
    out_lon[inside], out_lat[inside] = _shift_to_gcj02(lon[inside], lat[inside])
    return out_lon, out_lat


@_vectorised_pair
def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 (Amap/Tencent) to WGS-84, exactly.

    Inverts :func:`wgs84_to_gcj02` by fixed-point iteration until the forward transform
    of the result matches the input within 1e-9 degrees, rather than subtracting the
    offset once (which leaves errors of up to a few metres).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        WGS-84 ``(lon, lat)`` in degrees. Points outside mainland China (tested on the
        input) are returned unchanged.
    """
    inside = is_in_china(lon, lat)
    out_lon, out_lat = np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64)
    target_lon, target_lat = lon[inside], lat[inside]
    out_lon[inside], out_lat[inside] = _invert(
        _shift_to_gcj02, target_lon, target_lat, guess_lon=target_lon, guess_lat=target_lat
    )
    return out_lon, out_lat


@_vectorised_pair
def gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 (Amap/Tencent) to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        BD-09 ``(lon, lat)`` in degrees. Applied everywhere, also outside China.
    """
    return _shift_to_bd09(lon, lat)


@_vectorised_pair
def bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 (Baidu) to GCJ-02, exactly.

    Starts from the usual closed-form approximation and refines it by fixed-point
    iteration until :func:`gcj02_to_bd09` of the result matches the input within
    1e-9 degrees.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        GCJ-02 ``(lon, lat)`` in degrees.
    """
    x = lon - _BD_DLON_DEG
    y = lat - _BD_DLAT_DEG
    radius = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    angle = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    guess_lon, guess_lat = radius * np.cos(angle), radius * np.sin(angle)
    return _invert(_shift_to_bd09, lon, lat, guess_lon=guess_lon, guess_lat=guess_lat)


@_vectorised_pair
def wgs84_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to BD-09 (Baidu), through GCJ-02.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        BD-09 ``(lon, lat)`` in degrees.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


@_vectorised_pair
def bd09_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 (Baidu) to WGS-84, through GCJ-02.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    tuple
        WGS-84 ``(lon, lat)`` in degrees.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


@_vectorised_pair
def identity(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return lon.copy(), lat.copy()
