"""``building:levels`` / ``height`` from a user's file, matched to the district's buildings.

A row names its building by OSM way id (``way/123``, ``w123`` or ``123``) or by a point
(lon/lat, in WGS-84, GCJ-02 or BD-09) inside the footprint. Each row that matches no
building, or whose value is not plausible, is reported with its row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import Point

from geo.errors import InputFileError
from geo.inputs.coords import CoordSystem, parse_coord_system, to_wgs84
from geo.inputs.tables import (
    FIRST_DATA_ROW,
    RowProblem,
    cell_text,
    match_columns,
    parse_number,
    read_table,
)
from geo.population.overrides import MAX_FLOORS, BuildingLevels

MAX_HEIGHT_M = 400.0
"""The same cap as :class:`geo.access.homes.PopulationSettings` ``max_height_m``."""

BUILDING_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "osm_id": ("osm_id", "osm id", "way", "way_id", "osm", "id", "建筑id", "编号"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "levels": ("building:levels", "levels", "floors", "storeys", "层数", "楼层", "楼层数", "层"),
    "height_m": ("height", "height_m", "高度", "建筑高度", "高度m"),
}

_WAY_ID = re.compile(r"^(?:(way|relation)/|(w|r))?(\d{1,15})$", re.IGNORECASE)


@dataclass(frozen=True)
class BuildingFile:
    """Levels per building (by OSM id) and the rows that could not be used."""

    buildings: dict[str, BuildingLevels]
    rejected: tuple[RowProblem, ...]
    rows: int


def read_building_file(
    path: Path, buildings: gpd.GeoDataFrame, *, coord_system: str = "wgs84"
) -> BuildingFile:
    """Match each row of ``path`` to one of ``buildings`` (``osm_id`` + footprints).

    Raises
    ------
    InputFileError
        When the file cannot be read or has neither an id nor lon/lat columns, or
        neither a levels nor a height column.
    """
    system = parse_coord_system(coord_system)
    table = read_table(path)
    cols = match_columns(list(table.columns), BUILDING_COLUMN_SYNONYMS)
    by_id = "osm_id" in cols
    by_point = "lon" in cols and "lat" in cols
    if not (by_id or by_point):
        raise InputFileError(f"{path.name}: needs an OSM id column (osm_id) or lon and lat")
    if "levels" not in cols and "height_m" not in cols:
        raise InputFileError(f"{path.name}: needs a levels column (层数) or a height column (高度)")
    known = set(buildings["osm_id"].astype(str))
    out: dict[str, BuildingLevels] = {}
    rejected: list[RowProblem] = []
    for index, row in table.iterrows():
        number = int(str(index)) + FIRST_DATA_ROW
        value = _values(row, cols)
        if isinstance(value, RowProblem):
            rejected.append(RowProblem(number, value.column, value.value, value.reason))
            continue
        osm_id, problem = _match(row, cols, known, buildings, system, number)
        if problem is not None:
            rejected.append(problem)
            continue
        out[osm_id] = value
    return BuildingFile(buildings=out, rejected=tuple(rejected), rows=len(table))


def _values(row: object, cols: dict[str, str]) -> BuildingLevels | RowProblem:
    found: dict[str, float] = {}
    for key, cap in (("levels", MAX_FLOORS), ("height_m", MAX_HEIGHT_M)):
        if key not in cols:
            continue
        text = cell_text(row[cols[key]])  # type: ignore[index]
        if not text:
            continue
        number = parse_number(text)
        if number is None or not 0 < number <= cap:
            unit = "floors" if key == "levels" else "m"
            return RowProblem(0, cols[key], text, f"not a number between 0 and {cap:g} {unit}")
        found[key] = number
    if not found:
        column = cols.get("levels") or cols["height_m"]
        return RowProblem(0, column, "", "no levels or height given")
    return BuildingLevels(levels=found.get("levels"), height_m=found.get("height_m"))


def _match(
    row: object,
    cols: dict[str, str],
    known: set[str],
    buildings: gpd.GeoDataFrame,
    system: CoordSystem,
    number: int,
) -> tuple[str, RowProblem | None]:
    id_text = cell_text(row[cols["osm_id"]]) if "osm_id" in cols else ""  # type: ignore[index]
    if id_text and _normal_id(id_text) in known:
        return _normal_id(id_text), None
    lon = parse_number(row[cols["lon"]]) if "lon" in cols else None  # type: ignore[index]
    lat = parse_number(row[cols["lat"]]) if "lat" in cols else None  # type: ignore[index]
    if lon is None or lat is None:
        if id_text:
            reason = "no building of the district has this OSM id"
            return "", RowProblem(number, cols["osm_id"], id_text, reason)
        column = cols.get("osm_id") or cols.get("lon", "")
        return "", RowProblem(number, column, "", "no OSM id and no coordinates")
    x, y = to_wgs84(lon, lat, source=system)
    hits = buildings.sindex.query(Point(x, y), predicate="within")
    if len(hits) == 0:
        text = f"{lon:g}, {lat:g}"
        reason = "no building footprint of the district contains this point"
        return "", RowProblem(number, cols["lon"], text, reason)
    areas = shapely.area(buildings.geometry.to_numpy()[hits])
    return str(buildings["osm_id"].iloc[hits[int(np.argmin(areas))]]), None


def _normal_id(text: str) -> str:
    """``way/123`` for ``way/123``, ``w123`` or ``123``; else the text unchanged."""
    match = _WAY_ID.match(text.strip().removesuffix(".0"))
    if match is None:
        return text.strip()
    kind = (match.group(1) or match.group(2) or "w").lower()
    return f"{'relation' if kind.startswith('r') else 'way'}/{match.group(3)}"
