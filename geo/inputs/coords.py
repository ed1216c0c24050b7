"""Coordinate systems of a planner's files: which one a file uses, and converting to WGS-84.

OSM is WGS-84; AMap and Tencent give GCJ-02 and Baidu gives BD-09
(:mod:`geo.inputs.china_coords`). Every importer converts to WGS-84 on input with
:func:`to_wgs84`, and checks the ranges with :func:`validate_lon_lat` and
:func:`looks_swapped`; nothing mixes systems silently.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from geo.errors import CoordinateError
from geo.inputs.china_coords import (
    BoolArray,
    FloatArray,
    PairTransform,
    bd09_to_wgs84,
    gcj02_to_wgs84,
    identity,
    is_in_china,
    vectorised_test,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

__all__ = [
    "CoordSystem",
    "from_wgs84",
    "looks_swapped",
    "parse_coord_system",
    "to_wgs84",
    "validate_lon_lat",
]


class CoordSystem(StrEnum):
    """A geographic coordinate system used by maps in China."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


_COORD_SYSTEM_SPELLINGS: dict[str, CoordSystem] = {
    # WGS-84: GPS, OpenStreetMap, Google Earth.
    "wgs84": CoordSystem.WGS84,
    "epsg4326": CoordSystem.WGS84,
    "4326": CoordSystem.WGS84,
    "gps": CoordSystem.WGS84,
    "osm": CoordSystem.WGS84,
    "openstreetmap": CoordSystem.WGS84,
    # GCJ-02: Amap/Gaode, Tencent, Google Maps China.
    "gcj02": CoordSystem.GCJ02,
    "gcj": CoordSystem.GCJ02,
    "amap": CoordSystem.GCJ02,
    "autonavi": CoordSystem.GCJ02,
    "gaode": CoordSystem.GCJ02,
    "高德": CoordSystem.GCJ02,
    "tencent": CoordSystem.GCJ02,
    "qq": CoordSystem.GCJ02,
    "腾讯": CoordSystem.GCJ02,
    "mars": CoordSystem.GCJ02,
    "火星": CoordSystem.GCJ02,
    "火星坐标": CoordSystem.GCJ02,
    "国测局": CoordSystem.GCJ02,
    # BD-09: Baidu.
    "bd09": CoordSystem.BD09,
    "bd09ll": CoordSystem.BD09,
    "baidu": CoordSystem.BD09,
    "百度": CoordSystem.BD09,
}

_SPELLING_NOISE = re.compile(r"[\s\-_:./()（）]+")


def _normalise_spelling(text: str) -> str:
    return _SPELLING_NOISE.sub("", text.strip().casefold())


def parse_coord_system(text: str) -> CoordSystem:
    """Read a coordinate system name as a planner would type it.

    Parameters
    ----------
    text
        For example ``"WGS-84"``, ``"EPSG:4326"``, ``"GCJ-02"``, ``"高德"``, ``"腾讯"``,
        ``"火星"``, ``"BD-09"`` or ``"百度"``. Case, spaces, dashes and colons are
        ignored; a trailing "坐标"/"坐标系"/"地图" is accepted.

    Returns
    -------
    CoordSystem
        The coordinate system.

    Raises
    ------
    CoordinateError
        If the name is not recognised. The message lists the accepted names.
    """
    key = _normalise_spelling(text)
    candidates = [key]
    for suffix in ("坐标系", "坐标", "地图"):
        if key.endswith(suffix) and len(key) > len(suffix):
            candidates.append(key.removesuffix(suffix))
    for candidate in candidates:
        if candidate in _COORD_SYSTEM_SPELLINGS:
            return _COORD_SYSTEM_SPELLINGS[candidate]
    raise CoordinateError(
        f"Unknown coordinate system {text!r}. Use one of: "
        "WGS-84 (GPS, OpenStreetMap, EPSG:4326); "
        "GCJ-02 (高德/Amap, 腾讯/Tencent, 火星); "
        "BD-09 (百度/Baidu)."
    )


_TO_WGS84: dict[CoordSystem, PairTransform] = {
    CoordSystem.WGS84: identity,
    CoordSystem.GCJ02: gcj02_to_wgs84,
    CoordSystem.BD09: bd09_to_wgs84,
}
_FROM_WGS84: dict[CoordSystem, PairTransform] = {
    CoordSystem.WGS84: identity,
    CoordSystem.GCJ02: wgs84_to_gcj02,
    CoordSystem.BD09: wgs84_to_bd09,
}


@overload
def to_wgs84(lon: float, lat: float, *, source: CoordSystem) -> tuple[float, float]: ...


@overload
def to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, source: CoordSystem
) -> tuple[FloatArray, FloatArray]: ...


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *, source: CoordSystem) -> tuple[Any, Any]:
    """Convert coordinates in ``source`` to WGS-84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, in ``source``; numbers or arrays.
    source
        The coordinate system of the input.

    Returns
    -------
    tuple
        WGS-84 ``(lon, lat)`` in degrees: floats for numbers, float64 arrays otherwise.
    """
    return _TO_WGS84[CoordSystem(source)](lon, lat)


@overload
def from_wgs84(lon: float, lat: float, *, target: CoordSystem) -> tuple[float, float]: ...


@overload
def from_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, target: CoordSystem
) -> tuple[FloatArray, FloatArray]: ...


def from_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *, target: CoordSystem) -> tuple[Any, Any]:
    """Convert WGS-84 coordinates to ``target``.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees; numbers or arrays.
    target
        The coordinate system wanted.

    Returns
    -------
    tuple
        ``(lon, lat)`` in degrees, in ``target``: floats for numbers, float64 arrays
        otherwise.
    """
    return _FROM_WGS84[CoordSystem(target)](lon, lat)


@vectorised_test
def validate_lon_lat(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Tell which coordinate pairs are finite and within range.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees; numbers or arrays.

    Returns
    -------
    numpy.ndarray or bool
        True where longitude is within ±180 and latitude within ±90. NaN and infinite
        values are invalid.
    """
    return (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)


@vectorised_test
def looks_swapped(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Tell which pairs look like longitude and latitude were entered the wrong way round.

    A pair looks swapped when the latitude is beyond ±90 but would be a valid longitude
    while the longitude would be a valid latitude, or when the pair lies outside China
    (see :func:`is_in_china`) as given but inside it once swapped. Nothing is corrected
    here: importers report such rows so that a planner can check them.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, as found in the input; numbers or arrays.

    Returns
    -------
    numpy.ndarray or bool
        True where the pair looks swapped.
    """
    lat_only_fits_as_lon = (np.abs(lat) > 90.0) & (np.abs(lat) <= 180.0) & (np.abs(lon) <= 90.0)
    fits_china_only_swapped = ~is_in_china(lon, lat) & is_in_china(lat, lon)
    return lat_only_fits_as_lon | fits_china_only_swapped
