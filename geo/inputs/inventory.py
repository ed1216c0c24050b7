"""Facility inventories supplied by users.

A street office often keeps its own list of facilities (CSV, Excel or GeoJSON) with a
name, a category and coordinates, frequently copied from Amap or Baidu and so in GCJ-02
or BD-09. This module reads such a list, finds the columns whatever the headers are
called, checks every row and converts the coordinates to WGS-84.

Bad rows are not fixed silently: they are left out and reported one by one, with the
row number a planner sees in Excel (the header is row 1, the first data row is row 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84, validate_lon_lat
from geo.inputs.plausibility import describe_distance, distance_outside_m
from geo.inputs.tables import (
    FIRST_DATA_ROW,
    RowProblem,
    cell_text,
    format_number,
    match_required_columns,
    parse_number,
    read_table,
)
from geo.limits import Limits

__all__ = [
    "FACILITY_COLUMN_SYNONYMS",
    "InventoryResult",
    "read_facility_inventory",
]


FACILITY_COLUMN_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name": ("名称", "名字", "设施名称", "设施名", "name", "title"),
        "category": ("类别", "类型", "分类", "设施类型", "设施类别", "category", "type", "kind"),
        "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
        "lat": ("纬度", "lat", "latitude", "y"),
    }
)
"""Accepted column headers for each facility field, matched ignoring case, spaces,
punctuation and anything in brackets (so ``"经度（GCJ-02）"`` is a longitude column)."""

_REQUIRED_FACILITY_FIELDS = ("category", "lon", "lat")
FACILITY_COLUMNS = ("name", "category", "lon", "lat", "source", "geometry")


@dataclass(frozen=True, eq=False)
class InventoryResult:
    """The usable facilities of an inventory and the rows left out.

    Attributes
    ----------
    facilities
        Columns ``name, category, lon, lat, source, geometry`` in EPSG:4326, with
        ``lon``/``lat`` already converted to WGS-84.
    rejected
        One entry per problem, in file order. A row with several problems appears
        several times; none of its data is in ``facilities``.
    """

    facilities: gpd.GeoDataFrame
    rejected: list[RowProblem]


# --------------------------------------------------------------------------------------
# Facility inventories
# --------------------------------------------------------------------------------------


def read_facility_inventory(
    path: Path,
    *,
    coord_system: CoordSystem,
    resolve_category: Callable[[str], str | None],
    study_area: Sequence[float] | None = None,
    study_area_title: str = "the study area",
    limits: Limits | None = None,
) -> InventoryResult:
    """Read a street office's own facility list and check every row.

    Parameters
    ----------
    path
        CSV, .xlsx or GeoJSON file with a category and coordinates per facility, and
        optionally a name (see :data:`FACILITY_COLUMN_SYNONYMS` for accepted headers).
    coord_system
        The coordinate system the coordinates were written in (GCJ-02 when copied from
        Amap or Tencent, BD-09 from Baidu). For GeoJSON this is the system of the
        geometry coordinates.
    resolve_category
        Maps a category as written in the file to a canonical category, or ``None``
        when it is unknown (normally provided by the taxonomy).
    study_area
        The district's box ``W,S,E,N`` (WGS-84): a row farther than
        ``limits.study_area_margin_m`` outside it is rejected (``None``: not checked).
    study_area_title
        The district's name, for those messages.
    limits
        Byte, row and margin limits (default: from the environment).

    Returns
    -------
    InventoryResult
        The good rows as WGS-84 points, and one :class:`RowProblem` per problem found:
        empty or non-numeric coordinates, coordinates out of range, longitude and
        latitude that look swapped (reported, never swapped back), ``0, 0``
        placeholders, missing or unknown categories. Rows without a name are kept and
        named ``"<category> #<row>"``.

    Raises
    ------
    InputFileError
        If the file cannot be read, has no data rows, or lacks a category, longitude
        or latitude column (the message lists the headers accepted for each).
    """
    limits = limits if limits is not None else Limits()
    table = read_table(path, limits=limits)
    columns = match_required_columns(
        table,
        path,
        FACILITY_COLUMN_SYNONYMS,
        required=_REQUIRED_FACILITY_FIELDS,
        rows_word="facility",
    )

    rejected: list[RowProblem] = []
    kept: list[dict[str, Any]] = []
    for position, record in zip(table.index, table.to_dict("records"), strict=True):
        row = int(position) + FIRST_DATA_ROW
        problems, facility = _check_facility_row(
            {str(key): value for key, value in record.items()},
            row=row,
            columns=columns,
            resolve_category=resolve_category,
        )
        rejected.extend(problems)
        if facility is not None:
            kept.append(facility)

    facilities = _facilities_gdf(kept, coord_system=coord_system, source=path.name)
    if study_area is not None and len(facilities):
        far_m = distance_outside_m(facilities["lon"], facilities["lat"], study_area)
        outside = far_m > limits.study_area_margin_m
        for facility, distance in zip(
            (f for f, o in zip(kept, outside, strict=True) if o), far_m[outside], strict=True
        ):
            rejected.append(
                RowProblem(
                    int(facility["row"]),
                    f"{columns['lon']}/{columns['lat']}",
                    f"{format_number(facility['lon'])}, {format_number(facility['lat'])}",
                    f"{describe_distance(float(distance))} outside {study_area_title} "
                    f"(more than the {limits.study_area_margin_m:,.0f} m margin; is the "
                    "coordinate system right?)",
                )
            )
        facilities = facilities[~outside].reset_index(drop=True)
        rejected.sort(key=lambda problem: problem.row)
    return InventoryResult(facilities=facilities, rejected=rejected)


def _check_facility_row(
    record: Mapping[str, Any],
    *,
    row: int,
    columns: Mapping[str, str],
    resolve_category: Callable[[str], str | None],
) -> tuple[list[RowProblem], dict[str, Any] | None]:
    problems: list[RowProblem] = []

    category_column = columns["category"]
    category_text = cell_text(record[category_column])
    category: str | None = None
    if not category_text:
        problems.append(RowProblem(row, category_column, "", "missing category"))
    else:
        category = resolve_category(category_text)
        if category is None:
            problems.append(RowProblem(row, category_column, category_text, "unknown category"))

    lon_column, lat_column = columns["lon"], columns["lat"]
    lon = _coordinate(record[lon_column], row=row, column=lon_column, problems=problems)
    lat = _coordinate(record[lat_column], row=row, column=lat_column, problems=problems)
    if lon is not None and lat is not None:
        problems.extend(
            _coordinate_pair_problems(
                lon, lat, row=row, lon_column=lon_column, lat_column=lat_column
            )
        )

    if problems or category is None or lon is None or lat is None:
        return problems, None
    name_column = columns.get("name")
    name = cell_text(record[name_column]) if name_column is not None else ""
    return problems, {
        "name": name or f"{category_text} #{row}",
        "category": category,
        "lon": lon,
        "lat": lat,
        "row": row,
    }


def _coordinate(
    value: object, *, row: int, column: str, problems: list[RowProblem]
) -> float | None:
    text = cell_text(value)
    if not text:
        problems.append(RowProblem(row, column, "", "missing coordinate"))
        return None
    number = parse_number(value)
    if number is None:
        problems.append(RowProblem(row, column, text, "not a number"))
    return number


def _coordinate_pair_problems(
    lon: float, lat: float, *, row: int, lon_column: str, lat_column: str
) -> list[RowProblem]:
    if looks_swapped(lon, lat):
        return [
            RowProblem(
                row,
                f"{lon_column}/{lat_column}",
                f"{format_number(lon)}, {format_number(lat)}",
                "swapped? longitude and latitude look reversed; please check and fix the file",
            )
        ]
    if not validate_lon_lat(lon, lat):
        problems = []
        if not abs(lon) <= 180.0:
            problems.append(
                RowProblem(
                    row,
                    lon_column,
                    format_number(lon),
                    "out of range: longitude must be between -180 and 180",
                )
            )
        if not abs(lat) <= 90.0:
            problems.append(
                RowProblem(
                    row,
                    lat_column,
                    format_number(lat),
                    "out of range: latitude must be between -90 and 90",
                )
            )
        return problems
    if lon == 0.0 and lat == 0.0:
        return [
            RowProblem(
                row,
                f"{lon_column}/{lat_column}",
                "0, 0",
                "0, 0 is a placeholder, not a location",
            )
        ]
    return []


def _facilities_gdf(
    facilities: Sequence[Mapping[str, Any]], *, coord_system: CoordSystem, source: str
) -> gpd.GeoDataFrame:
    lon_raw = np.array([facility["lon"] for facility in facilities], dtype=np.float64)
    lat_raw = np.array([facility["lat"] for facility in facilities], dtype=np.float64)
    lon, lat = to_wgs84(lon_raw, lat_raw, source=coord_system)
    frame = pd.DataFrame(
        {
            "name": pd.Series([facility["name"] for facility in facilities], dtype=object),
            "category": pd.Series([facility["category"] for facility in facilities], dtype=object),
            "lon": lon,
            "lat": lat,
            "source": pd.Series([f"inventory:{source}"] * len(facilities), dtype=object),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
