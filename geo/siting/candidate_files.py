"""A planner's own list of candidate sites: CSV, Excel or GeoJSON, in WGS-84, GCJ-02 or BD-09.

Columns are found by their common names (:data:`CANDIDATE_COLUMN_SYNONYMS`): longitude and
latitude are required, a name, a capacity and a cost are optional. A GeoJSON polygon is a
plot (it becomes a scenario ``space``); any other row is a point (a ``facility``). Bad
rows are left out and reported one by one with the row number Excel shows, like a
facility inventory (:mod:`geo.inputs.inventory`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84, validate_lon_lat
from geo.inputs.tables import (
    FIRST_DATA_ROW,
    GEOJSON_SUFFIXES,
    RowProblem,
    cell_text,
    format_number,
    match_required_columns,
    parse_number,
    read_table,
)
from geo.siting.candidates import RAW_COLUMNS, empty_candidates

CANDIDATE_COLUMN_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name": ("名称", "名字", "地点", "点位", "选址", "name", "title", "site"),
        "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
        "lat": ("纬度", "lat", "latitude", "y"),
        "capacity": ("容量", "规模", "床位", "床位数", "座位", "capacity", "places", "beds"),
        "cost": ("造价", "成本", "费用", "投资", "预算", "cost", "price"),
    }
)
"""Accepted headers per field (matched ignoring case, width, spaces and brackets)."""


@dataclass(frozen=True, eq=False)
class CandidateFile:
    """The usable candidates of a file (WGS-84) and the rows left out."""

    candidates: gpd.GeoDataFrame
    rejected: list[RowProblem]


def read_candidate_file(path: Path, *, coord_system: CoordSystem) -> CandidateFile:
    """Read candidate sites from a CSV, XLSX or GeoJSON file.

    Parameters
    ----------
    path
        The file; see :data:`CANDIDATE_COLUMN_SYNONYMS` for the headers it may use.
    coord_system
        The coordinate system of its coordinates (GeoJSON geometry included).

    Returns
    -------
    CandidateFile
        Candidates with ids ``file:<row>``, source ``file:<name>``, and every row left
        out with its reason (missing, non-numeric, out-of-range, swapped or ``0, 0``
        coordinates; a capacity or cost that is not a number of at least 0).

    Raises
    ------
    InputFileError
        If the file cannot be read, has no data rows or lacks coordinate columns.
    """
    table = read_table(path)
    columns = match_required_columns(
        table, path, CANDIDATE_COLUMN_SYNONYMS, required=("lon", "lat"), rows_word="candidate"
    )
    polygons = _geojson_polygons(path) if path.suffix.lower() in GEOJSON_SUFFIXES else {}
    rejected: list[RowProblem] = []
    kept: list[dict[str, Any]] = []
    for position, record in zip(table.index, table.to_dict("records"), strict=True):
        row = int(position) + FIRST_DATA_ROW
        problems, candidate = _check_row({str(k): v for k, v in record.items()}, row, columns)
        rejected.extend(problems)
        if candidate is not None:
            candidate["polygon"] = polygons.get(int(position))
            kept.append(candidate)
    return CandidateFile(_to_frame(kept, coord_system, path.name), rejected)


def _check_row(
    record: Mapping[str, Any], row: int, columns: Mapping[str, str]
) -> tuple[list[RowProblem], dict[str, Any] | None]:
    problems: list[RowProblem] = []
    values: dict[str, float | None] = {}
    for field in ("lon", "lat"):
        column = columns[field]
        text = cell_text(record[column])
        number = parse_number(record[column]) if text else None
        if not text:
            problems.append(RowProblem(row, column, "", "missing coordinate"))
        elif number is None:
            problems.append(RowProblem(row, column, text, "not a number"))
        values[field] = number
    lon, lat = values["lon"], values["lat"]
    if lon is not None and lat is not None:
        where = f"{columns['lon']}/{columns['lat']}"
        shown = f"{format_number(lon)}, {format_number(lat)}"
        if looks_swapped(lon, lat):
            problems.append(
                RowProblem(row, where, shown, "swapped? longitude and latitude look reversed")
            )
        elif not validate_lon_lat(lon, lat):
            problems.append(RowProblem(row, where, shown, "out of range for degrees"))
        elif lon == 0.0 and lat == 0.0:
            problems.append(RowProblem(row, where, "0, 0", "0, 0 is a placeholder"))
    extra: dict[str, float] = {}
    for field in ("capacity", "cost"):
        optional = columns.get(field)
        text = cell_text(record[optional]) if optional else ""
        if optional is None or not text:
            extra[field] = float("nan")
            continue
        number = parse_number(record[optional])
        if number is None or number < 0:
            problems.append(RowProblem(row, optional, text, f"{field} must be a number ≥ 0"))
        else:
            extra[field] = number
    if problems:
        return problems, None
    name = cell_text(record[columns["name"]]) if "name" in columns else ""
    return problems, {"row": row, "name": name, "lon": lon, "lat": lat, **extra}


def _geojson_polygons(path: Path) -> dict[int, BaseGeometry]:
    """Feature position → its polygon, for the features that are polygons."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}  # read_table has already said what is wrong with the file
    features = doc.get("features", []) if isinstance(doc, dict) else []
    out: dict[int, BaseGeometry] = {}
    for i, feature in enumerate(features if isinstance(features, list) else []):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
            try:
                geom = shape(geometry)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                continue
            if not geom.is_empty:
                out[i] = geom
    return out


def _to_frame(
    kept: list[dict[str, Any]], coord_system: CoordSystem, file_name: str
) -> gpd.GeoDataFrame:
    if not kept:
        return empty_candidates()
    lon, lat = to_wgs84(
        np.array([k["lon"] for k in kept], dtype=np.float64),
        np.array([k["lat"] for k in kept], dtype=np.float64),
        source=coord_system,
    )
    geoms: list[BaseGeometry] = []
    for k, x, y in zip(kept, lon, lat, strict=True):
        polygon = k["polygon"]
        if polygon is None:
            geoms.append(shapely.Point(float(x), float(y)))
            continue

        def convert(coords: np.ndarray) -> np.ndarray:
            cx, cy = to_wgs84(coords[:, 0], coords[:, 1], source=coord_system)
            return np.column_stack([cx, cy])

        geoms.append(shapely.transform(polygon, convert))
    frame = pd.DataFrame(
        {
            "candidate_id": [f"file:{k['row']}" for k in kept],
            "name": [k["name"] for k in kept],
            "source": f"file:{file_name}",
            "lon": lon,
            "lat": lat,
            "capacity": [k["capacity"] for k in kept],
            "cost": [k["cost"] for k in kept],
        },
        columns=RAW_COLUMNS,
    )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")
