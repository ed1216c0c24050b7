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
from geo.inputs.boundary_file import BOUNDARY_FILE_SUFFIXES, read_boundary_frame
from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84
from geo.limits import Limits

UNIT_KINDS = ("compound", "community", "subdistrict", "file")
DEFAULT_UNIT_KINDS = ("compound", "community", "subdistrict")
UNIT_COLUMNS = ["unit_id", "name", "kind"]
_ADMIN_KINDS = {"admin8": "subdistrict", "admin9": "community", "admin10": "community"}
UNIT_FILE_SUFFIXES = BOUNDARY_FILE_SUFFIXES
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
    limits: Limits | None = None,
) -> gpd.GeoDataFrame:
    """Units from a boundary file: polygons only, repaired when invalid, named.

    Raises :class:`InputFileError` with one planner-readable line naming the file (not
    its folder) for a missing, unreadable, oversized or empty file, a geometry GEOS
    cannot read, one without polygons, or coordinates that cannot be right (the file is
    opened by :func:`geo.inputs.boundary_file.read_boundary_frame`).
    """
    file = Path(path)
    frame = read_boundary_frame(file, limits=limits)
    return units_from_frame(
        frame, file_name=file.name, coord_system=coord_system, name_column=name_column
    )


def units_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    file_name: str,
    coord_system: CoordSystem = CoordSystem.WGS84,
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Units from the features of a boundary file ``file_name`` read by
    :func:`geo.inputs.boundary_file.read_boundary_frame` (see :func:`read_units`)."""
    file = Path(file_name)
    if frame.empty:
        raise InputFileError(f"{file.name} has no features")
    present = frame.geometry.to_numpy()
    frame = frame[~shapely.is_missing(present) & ~shapely.is_empty(present)]
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
    _refuse_flat(fixed, names, file.name)
    rows = [
        {"unit_id": f"file/{i + 1}", "name": name or f"{file.stem} {i + 1}", "kind": "file"}
        for i, name in enumerate(names)
    ]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=UNIT_COLUMNS), geometry=fixed, crs=4326)


def _refuse_flat(geoms: list[shapely.Geometry], names: list[str], file_name: str) -> None:
    # A ring whose points lie on a line mends to a line: a unit nobody can live in.
    flat = [
        i
        for i, g in enumerate(geoms)
        if not isinstance(g, Polygon | shapely.MultiPolygon) or g.area == 0
    ]
    if flat:
        first = flat[0]
        more = f" (and {len(flat) - 1} more)" if len(flat) > 1 else ""
        raise InputFileError(
            f"{file_name}: feature {first + 1} {names[first][:60]!r} has no area (its points "
            f"lie on a line){more}; mend or remove it"
        )


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
    "units_from_frame",
    "units_in_district",
]
