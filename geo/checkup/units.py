"""Units of the city check-up (城市体检): 小区, 社区/居委 and 街道 polygons.

From OSM: residential compounds are ``landuse=residential`` areas with a name (parts with
the same name are one compound); 街道 are ``boundary=administrative`` areas at
admin_level 8 and 社区/居委 at levels 9 and 10. Or from a planner's boundary file
(GeoJSON, Shapefile or GeoPackage) in WGS-84, GCJ-02 or BD-09; a file that declares a
projected CRS is transformed first. Units are WGS-84 polygons with ``unit_id``,
``name`` and ``kind``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj.exceptions import CRSError
from shapely import Polygon

from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84

UNIT_KINDS = ("compound", "community", "subdistrict", "file")
DEFAULT_UNIT_KINDS = ("compound", "community", "subdistrict")
UNIT_COLUMNS = ["unit_id", "name", "kind"]
_ADMIN_KINDS = {"admin8": "subdistrict", "admin9": "community", "admin10": "community"}
UNIT_FILE_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")
# Columns that name a unit in planners' files, most specific first.
_NAME_COLUMNS = (
    *("name", "名称", "name_zh", "社区", "社区名称", "街道", "街道名称", "小区", "小区名称"),
    *("NAME", "Name", "单元", "单元名称", "unit"),
)


def empty_units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        pd.DataFrame(columns=UNIT_COLUMNS), geometry=gpd.GeoSeries([]), crs="EPSG:4326"
    )


def _polygonal(geoms: gpd.GeoSeries) -> np.ndarray:
    return np.asarray(geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(), dtype=bool)


def units_from_district(
    district: District, *, kinds: Sequence[str] = DEFAULT_UNIT_KINDS
) -> gpd.GeoDataFrame:
    """The district's named compounds and administrative areas that overlap its study area."""
    unknown = sorted(set(kinds) - set(UNIT_KINDS))
    if unknown:
        raise InputFileError(
            f"unknown unit kind {', '.join(unknown)} (known: {', '.join(DEFAULT_UNIT_KINDS)})"
        )
    areas = district.areas
    if areas.empty:
        return empty_units()
    areas = areas[_polygonal(areas.geometry) & areas.intersects(district.boundary).to_numpy()]
    rows: list[dict[str, object]] = []
    geoms: list[object] = []
    if "compound" in kinds:
        named = areas[(areas["kind"] == "residential") & (areas["name"].str.strip() != "")]
        for name, group in named.groupby(named["name"].str.strip(), sort=True):
            rows.append(
                {"unit_id": f"compound/{min(group['osm_id'])}", "name": name, "kind": "compound"}
            )
            geoms.append(shapely.union_all(group.geometry.to_numpy()))
    for area_kind, unit_kind in _ADMIN_KINDS.items():
        if unit_kind not in kinds:
            continue
        for osm_id, name, geom in zip(
            *(areas.loc[areas["kind"] == area_kind, c] for c in ("osm_id", "name", "geometry")),
            strict=True,
        ):
            rows.append({"unit_id": f"{unit_kind}/{osm_id}", "name": name, "kind": unit_kind})
            geoms.append(geom)
    if not rows:
        return empty_units()
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=UNIT_COLUMNS), geometry=geoms, crs=4326)


def _read_frame(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputFileError(f"boundary file not found: {path}")
    if path.is_dir() or path.suffix.lower() not in UNIT_FILE_SUFFIXES:
        raise InputFileError(
            f"{path.name}: give the units as GeoJSON, a Shapefile (.shp or .zip) or a "
            "GeoPackage (.gpkg)"
        )
    try:
        frame = gpd.read_file(path)
    except (RuntimeError, OSError, ValueError, UnicodeDecodeError) as exc:
        # pyogrio's errors are RuntimeErrors; one line for the planner: GDAL's reason.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path.name} is not a readable boundary file: {reason}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise InputFileError(f"{path.name} has no geometries")
    return frame


def _name_column(frame: gpd.GeoDataFrame, wanted: str | None, file_name: str) -> str | None:
    if wanted is not None:
        if wanted not in frame.columns:
            raise InputFileError(
                f"{file_name} has no column '{wanted}' (columns: {', '.join(map(str, frame))})"
            )
        return wanted
    return next((c for c in _NAME_COLUMNS if c in frame.columns), None)


def _to_wgs84(frame: gpd.GeoDataFrame, source: CoordSystem, file_name: str) -> gpd.GeoSeries:
    geoms = frame.geometry
    try:
        if frame.crs is not None and not frame.crs.is_geographic:
            geoms = geoms.to_crs(4326)
    except CRSError as exc:
        raise InputFileError(f"{file_name}: its coordinate system is unusable: {exc}") from exc
    coords = shapely.get_coordinates(geoms.to_numpy())
    if len(coords) == 0:
        raise InputFileError(f"{file_name} has no coordinates")
    if looks_swapped(coords[:, 0], coords[:, 1]).all():
        raise InputFileError(
            f"{file_name}: the coordinates look like (latitude, longitude); give them as "
            "(longitude, latitude)"
        )
    bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if bad.any():
        raise InputFileError(
            f"{file_name}: coordinates out of range (e.g. {coords[bad][0].tolist()}); is it in a "
            "projected system without a .prj?"
        )
    if source is CoordSystem.WGS84:
        return geoms

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], source=source)
        return np.column_stack([lon, lat])

    return gpd.GeoSeries(shapely.transform(geoms.to_numpy(), convert), crs=4326)


def read_units(
    path: Path | str,
    *,
    coord_system: CoordSystem = CoordSystem.WGS84,
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Units from a boundary file: polygons only, repaired when invalid, named.

    Raises :class:`InputFileError` with a planner-readable message for a missing,
    unreadable or empty file, one without polygons, or coordinates that cannot be right.
    """
    file = Path(path)
    frame = _read_frame(file)
    if frame.empty:
        raise InputFileError(f"{file.name} has no features")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    polygonal = _polygonal(frame.geometry)
    if not polygonal.any():
        kinds = ", ".join(sorted(set(frame.geometry.geom_type)))
        raise InputFileError(f"{file.name} has no polygons (it has {kinds or 'nothing'})")
    frame = frame[polygonal].reset_index(drop=True)
    geoms = _to_wgs84(frame, coord_system, file.name)
    # A self-intersecting ring is mended (make_valid keeps its area), never dropped.
    fixed = [g if g.is_valid else _polygons_only(shapely.make_valid(g)) for g in geoms.to_numpy()]
    column = _name_column(frame, name_column, file.name)
    names = (
        frame[column].fillna("").astype(str).str.strip().tolist() if column else [""] * len(frame)
    )
    rows = [
        {"unit_id": f"file/{i + 1}", "name": name or f"{file.stem} {i + 1}", "kind": "file"}
        for i, name in enumerate(names)
    ]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=UNIT_COLUMNS), geometry=fixed, crs=4326)


def _polygons_only(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | shapely.MultiPolygon)
    ]
    return shapely.union_all(parts) if parts else geom


def units_in_district(units: gpd.GeoDataFrame, district: District) -> gpd.GeoDataFrame:
    """The units that overlap the study area; an error when none does."""
    if units.empty:
        return units
    inside = units[units.intersects(district.boundary).to_numpy()]
    if inside.empty:
        w, s, e, n = units.total_bounds
        raise InputFileError(
            f"no unit overlaps the study area {tuple(round(v, 4) for v in district.meta.bbox)}: "
            f"the units lie in ({w:.4f}, {s:.4f}, {e:.4f}, {n:.4f}); check the file and its "
            "coordinate system (--units-crs wgs84|gcj02|bd09)"
        )
    return inside.reset_index(drop=True)


__all__ = [
    "DEFAULT_UNIT_KINDS",
    "UNIT_COLUMNS",
    "UNIT_KINDS",
    "empty_units",
    "read_units",
    "units_from_district",
    "units_in_district",
]
