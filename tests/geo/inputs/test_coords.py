"""Tests for geo.coords against published reference pairs.

Every reference pair below is quoted with its source. Tolerances follow the precision
at which the source publishes its numbers; where the source uses the one-step
approximate inverse (not the exact one implemented here) the tolerance says so.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj
import pytest

from geo.errors import CoordinateError, LifecircleError
from geo.inputs.china_coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    is_in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.inputs.coords import (
    CoordSystem,
    from_wgs84,
    looks_swapped,
    parse_coord_system,
    to_wgs84,
    validate_lon_lat,
)

GEOD = pyproj.Geod(ellps="WGS84")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on WGS-84 in metres."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# --------------------------------------------------------------------------------------
# Published WGS-84 <-> GCJ-02 pairs, as (wgs_lon, wgs_lat, gcj_lon, gcj_lat).
# --------------------------------------------------------------------------------------

# googollee/eviltransform, go/transform_test.go (the shared test table of the
# multi-language "eviltransform" library; its Go test compares them to 5 decimals and
# requires the exact inverse to land within 0.5 m).
# https://github.com/googollee/eviltransform/blob/master/go/transform_test.go
EVILTRANSFORM_PAIRS = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
]

# Amap (高德) Web service "坐标转换" (coordinate/convert) documentation, request example
# locations=116.481499,39.990475|116.481499,39.990375 with coordsys=gps; the response
# example "116.487585177952,39.991754014757;116.487585177952,39.991653917101" is shown
# in the Amap API reference mirrored at
# https://apifox.com/apidoc/docs-site/759159/api-14671355 (request documented at
# https://lbs.amap.com/api/webservice/guide/api/convert/). These are outputs of Amap's
# own server, which rounds inputs to 6 decimals, so agreement is to about 1e-6 degrees.
AMAP_SERVICE_PAIRS = [
    pytest.param(116.481499, 39.990475, 116.487585177952, 39.991754014757, id="amap-1"),
    pytest.param(116.481499, 39.990375, 116.487585177952, 39.991653917101, id="amap-2"),
]


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_PAIRS)
def test_wgs84_to_gcj02_matches_eviltransform(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    # Published to 5 decimals in the assertion; the table itself is full precision and
    # the same formula reproduces it to rounding.
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_PAIRS)
def test_gcj02_to_wgs84_matches_eviltransform(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon == pytest.approx(wgs_lon, abs=1e-8)
    assert lat == pytest.approx(wgs_lat, abs=1e-8)
    assert distance_m(lon, lat, wgs_lon, wgs_lat) < 0.01


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), AMAP_SERVICE_PAIRS)
def test_wgs84_gcj02_match_amap_convert_service(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-6)
    assert lat == pytest.approx(gcj_lat, abs=1e-6)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert back_lon == pytest.approx(wgs_lon, abs=1e-6)
    assert back_lat == pytest.approx(wgs_lat, abs=1e-6)


def test_beijing_pairs_from_wandergis_coordtransform() -> None:
    # wandergis/coordtransform, test/app.js, "//result" block, input (116.404, 39.915):
    # https://github.com/wandergis/coordtransform/blob/master/test/app.js
    #   wgs84togcj02: [116.41024449916938, 39.91640428150164]  (forward: exact)
    #   gcj02tobd09:  [116.41036949371029, 39.92133699351021]  (forward: exact)
    #   bd09togcj02:  [116.39762729119315, 39.90865673957631]  (one-step inverse)
    #   gcj02towgs84: [116.39775550083061, 39.91359571849836]  (one-step inverse)
    assert wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9
    )
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9
    )
    # The library inverts in one step; the exact inverse differs by well under 1e-6 deg.
    assert bd09_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-6
    )
    assert gcj02_to_wgs84(116.404, 39.915) == pytest.approx(
        (116.39775550083061, 39.91359571849836), abs=1e-6
    )


def test_pairs_from_gcoord_tests() -> None:
    # hujiulong/gcoord, test/unit/crs/{WGS84,GCJ02,BD09}.spec.ts, all at (123, 45) and
    # checked there with toBeCloseTo(..., 5), i.e. |difference| < 5e-6 degrees.
    # https://github.com/hujiulong/gcoord/tree/master/test/unit/crs
    tol = 5e-6
    assert wgs84_to_gcj02(123, 45) == pytest.approx((123.00607541, 45.00197815), abs=tol)
    assert wgs84_to_bd09(123, 45) == pytest.approx((123.0124491, 45.0083293), abs=tol)
    assert gcj02_to_wgs84(123, 45) == pytest.approx((122.99395597, 44.99804071), abs=tol)
    assert gcj02_to_bd09(123, 45) == pytest.approx((123.00636499, 45.00636899), abs=tol)
    assert bd09_to_gcj02(123, 45) == pytest.approx((122.99363304, 44.99365430), abs=tol)
    assert bd09_to_wgs84(123, 45) == pytest.approx((122.98762210, 44.99171540), abs=tol)


def test_hangzhou_pair_from_aliyun_documentation() -> None:
    # Alibaba Cloud address purification, TransferCoord API, documented response for
    # GCJ02 "120.026268,30.279164": BD09 "120.032768,30.285238" and
    # WGS84 "120.021519,30.281543" (6 decimals).
    # https://help.aliyun.com/zh/address-purification/addrpapi/developer-reference/coordinate-system-conversion
    assert gcj02_to_bd09(120.026268, 30.279164) == pytest.approx((120.032768, 30.285238), abs=1e-6)
    # Their WGS-84 value is the one-step approximation (120.0215188, 30.2815427): it is
    # about 1.5 m from the exact inverse, which maps back onto the GCJ-02 input.
    lon, lat = gcj02_to_wgs84(120.026268, 30.279164)
    assert 1.0 < distance_m(lon, lat, 120.021519, 30.281543) < 2.0
    assert wgs84_to_gcj02(lon, lat) == pytest.approx((120.026268, 30.279164), abs=1e-9)
    approx_lon, approx_lat = wgs84_to_gcj02(120.021519, 30.281543)
    assert distance_m(approx_lon, approx_lat, 120.026268, 30.279164) > 1.0


# --------------------------------------------------------------------------------------
# Round trips, shift size, out of China
# --------------------------------------------------------------------------------------


def city_grid(
    west: float, east: float, south: float, north: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lon, lat = np.meshgrid(np.linspace(west, east, 31), np.linspace(south, north, 29))
    return lon.ravel(), lat.ravel()


SHANGHAI = city_grid(120.85, 122.0, 30.67, 31.88)
BEIJING = city_grid(115.42, 117.5, 39.44, 41.06)


@pytest.mark.parametrize("grid", [SHANGHAI, BEIJING], ids=["shanghai", "beijing"])
def test_gcj02_round_trip_within_1e7_deg(
    grid: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
) -> None:
    lon, lat = grid
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert back_lon.shape == lon.shape
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


@pytest.mark.parametrize("grid", [SHANGHAI, BEIJING], ids=["shanghai", "beijing"])
@pytest.mark.parametrize("system", [CoordSystem.GCJ02, CoordSystem.BD09, CoordSystem.WGS84])
def test_from_and_to_wgs84_round_trip(
    grid: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]], system: CoordSystem
) -> None:
    lon, lat = grid
    out_lon, out_lat = from_wgs84(lon, lat, target=system)
    back_lon, back_lat = to_wgs84(out_lon, out_lat, source=system)
    assert out_lon.dtype == np.float64
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


def test_bd09_round_trip_is_exact_not_one_step() -> None:
    lon, lat = SHANGHAI
    bd_lon, bd_lat = gcj02_to_bd09(lon, lat)
    back_lon, back_lat = bd09_to_gcj02(bd_lon, bd_lat)
    assert np.abs(back_lon - lon).max() < 1e-9
    assert np.abs(back_lat - lat).max() < 1e-9


def test_shift_in_shanghai_is_400_to_700_m() -> None:
    lon, lat = SHANGHAI
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    shift_m = GEOD.inv(lon, lat, gcj_lon, gcj_lat)[2]
    assert shift_m.min() > 400.0
    assert shift_m.max() < 700.0


def test_baidu_shift_is_larger_than_gcj02_shift_in_shanghai() -> None:
    lon, lat = 121.4737, 31.2304
    gcj = wgs84_to_gcj02(lon, lat)
    bd = wgs84_to_bd09(lon, lat)
    gcj_shift_m = distance_m(lon, lat, *gcj)
    bd_shift_m = distance_m(lon, lat, *bd)
    assert 400.0 < gcj_shift_m < 700.0
    assert bd_shift_m > gcj_shift_m + 500.0


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-122.4194, 37.7749), (151.2093, -33.8688), (139.0, 35.7)],
    ids=["paris", "san-francisco", "sydney", "east-of-box"],
)
def test_out_of_china_points_are_not_shifted(lon: float, lat: float) -> None:
    assert not is_in_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_mixed_array_shifts_only_points_in_china() -> None:
    lon = np.array([2.3522, 121.4737])
    lat = np.array([48.8566, 31.2304])
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert (gcj_lon[0], gcj_lat[0]) == (lon[0], lat[0])
    assert distance_m(lon[1], lat[1], gcj_lon[1], gcj_lat[1]) > 400.0


def test_scalars_give_floats_and_arrays_give_arrays() -> None:
    lon, lat = wgs84_to_gcj02(121.47, 31.23)
    assert type(lon) is float
    assert type(lat) is float
    lon_arr, lat_arr = wgs84_to_gcj02([121.47, 116.40], 31.23)
    assert isinstance(lon_arr, np.ndarray)
    assert lon_arr.shape == (2,)
    assert lat_arr.dtype == np.float64
    assert lon_arr[0] == pytest.approx(lon)


def test_missing_values_stay_missing() -> None:
    lon, lat = gcj02_to_wgs84(np.array([np.nan, 121.47]), np.array([31.23, 31.23]))
    assert np.isnan(lon[0])
    assert np.isfinite(lon[1])
    assert np.isfinite(lat[1])


# --------------------------------------------------------------------------------------
# Range checks
# --------------------------------------------------------------------------------------


def test_validate_lon_lat() -> None:
    lon = np.array([121.4, 181.0, -180.0, np.nan, 121.4, np.inf])
    lat = np.array([31.2, 31.2, -90.0, 31.2, 90.5, 31.2])
    np.testing.assert_array_equal(
        validate_lon_lat(lon, lat), [True, False, True, False, False, False]
    )
    assert validate_lon_lat(121.4, 31.2) is True
    assert validate_lon_lat(121.4, 95.0) is False


def test_looks_swapped() -> None:
    lon = np.array([31.23, 121.47, 40.0, 121.47, 10.0])
    lat = np.array([121.47, 31.23, 116.4, 95.0, 20.0])
    # (lat, lon) order; correct order; latitude beyond 90 that is a valid longitude;
    # latitude beyond 90 with a longitude that cannot be a latitude; Africa (not swapped).
    np.testing.assert_array_equal(looks_swapped(lon, lat), [True, False, True, False, False])
    assert looks_swapped(31.23, 121.47) is True
    assert looks_swapped(121.47, 31.23) is False


# --------------------------------------------------------------------------------------
# Parsing names
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wgs84", CoordSystem.WGS84),
        ("WGS-84", CoordSystem.WGS84),
        ("epsg:4326", CoordSystem.WGS84),
        ("EPSG:4326", CoordSystem.WGS84),
        (" GPS ", CoordSystem.WGS84),
        ("gcj02", CoordSystem.GCJ02),
        ("GCJ-02", CoordSystem.GCJ02),
        ("amap", CoordSystem.GCJ02),
        ("Gaode", CoordSystem.GCJ02),
        ("高德", CoordSystem.GCJ02),
        ("高德地图", CoordSystem.GCJ02),
        ("tencent", CoordSystem.GCJ02),
        ("腾讯", CoordSystem.GCJ02),
        ("火星", CoordSystem.GCJ02),
        ("火星坐标系", CoordSystem.GCJ02),
        ("bd09", CoordSystem.BD09),
        ("BD-09", CoordSystem.BD09),
        ("baidu", CoordSystem.BD09),
        ("百度", CoordSystem.BD09),
        ("百度坐标", CoordSystem.BD09),
    ],
)
def test_parse_coord_system(text: str, expected: CoordSystem) -> None:
    assert parse_coord_system(text) is expected


@pytest.mark.parametrize("text", ["", "utm", "EPSG:3857", "坐标", "bd09mc"])
def test_parse_coord_system_rejects_unknown_names(text: str) -> None:
    with pytest.raises(CoordinateError) as excinfo:
        parse_coord_system(text)
    message = str(excinfo.value)
    assert repr(text) in message
    for option in ("WGS-84", "GCJ-02", "BD-09", "高德", "百度"):
        assert option in message
    assert isinstance(excinfo.value, LifecircleError)
    assert isinstance(excinfo.value, ValueError)


def test_coord_system_values_are_plain_strings() -> None:
    assert CoordSystem("gcj02") is CoordSystem.GCJ02
    assert str(CoordSystem.BD09) == "bd09"
    assert to_wgs84(121.47, 31.23, source=CoordSystem.WGS84) == (121.47, 31.23)
