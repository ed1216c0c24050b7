"""Checks of survey rows: category, score, location, coordinates, study area, duplicates.

A check never fixes a row: it records a :class:`~geo.inputs.inventory.RowProblem` with
the row number a planner sees in Excel and the column at fault, and the row is left out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84, validate_lon_lat
from geo.inputs.tables import RowProblem
from geo.standards.taxonomy import Taxonomy
from geo.surveys.cells import parse_number
from geo.surveys.compounds import CompoundIndex

__all__ = [
    "SurveyRow",
    "check_category",
    "check_duplicates",
    "check_location",
    "check_score",
    "check_study_area",
    "convert_coordinates",
]

# Several needs in one cell, as multiple-choice questions export them (问卷星 uses "┋").
_CATEGORY_SEPARATORS = re.compile(r"[;；,，、┋|/\n]+")


@dataclass
class SurveyRow:
    """One data row while it is being checked."""

    row: int
    cells: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)
    categories: tuple[str, ...] = ()
    score: float = math.nan
    need: float = 1.0
    raw_lon: float | None = None
    raw_lat: float | None = None
    compound: str = ""
    lon: float = math.nan
    lat: float = math.nan
    located_by: str = ""


def check_category(row: SurveyRow, columns: Mapping[str, str], taxonomy: Taxonomy) -> None:
    """Resolve the category cell to taxonomy ids; several needs may share a cell."""
    column = columns["category"]
    text = row.cells[column].strip()
    if not text:
        row.problems.append(RowProblem(row.row, column, "", "missing category"))
        return
    whole = taxonomy.resolve(text)
    if whole is not None:
        row.categories = (whole,)
        return
    parts = [part.strip() for part in _CATEGORY_SEPARATORS.split(text) if part.strip()]
    resolved = [taxonomy.resolve(part) for part in parts]
    unknown = [part for part, category in zip(parts, resolved, strict=True) if category is None]
    if unknown or not parts:
        shown = "、".join(unknown) if unknown and len(parts) > 1 else ""
        detail = f" ({shown})" if shown else ""
        row.problems.append(
            RowProblem(
                row.row,
                column,
                text,
                f"unknown category{detail}: use a category id or name of the taxonomy, "
                "e.g. elderly_daycare, 养老, 买菜, 药店",
            )
        )
        return
    row.categories = tuple(dict.fromkeys(c for c in resolved if c is not None))


def check_score(
    row: SurveyRow, columns: Mapping[str, str], *, score_kind: str, low: float, high: float
) -> None:
    """Read the score, if the file has one, and turn it into a need from 0 to 1."""
    column = columns.get("score")
    if column is None:
        return
    text = row.cells[column].strip()
    if not text:
        row.problems.append(RowProblem(row.row, column, "", "missing score"))
        return
    score = parse_number(text, suffixes=("分", "分数", "points", "pts"))
    if score is None:
        row.problems.append(
            RowProblem(row.row, column, text, f"score is not a number: use {low:g} to {high:g}")
        )
        return
    if not low <= score <= high:
        row.problems.append(
            RowProblem(row.row, column, text, f"score out of range: use {low:g} to {high:g}")
        )
        return
    row.score = score
    fraction = (score - low) / (high - low)
    row.need = fraction if score_kind == "priority" else 1.0 - fraction


def check_location(row: SurveyRow, columns: Mapping[str, str], index: CompoundIndex) -> None:
    """Take the row's coordinates, else the compound its location name matches."""
    lon_column, lat_column = columns.get("lon"), columns.get("lat")
    name_column = columns.get("location_name")
    lon_text = row.cells[lon_column].strip() if lon_column is not None else ""
    lat_text = row.cells[lat_column].strip() if lat_column is not None else ""
    name_text = row.cells[name_column].strip() if name_column is not None else ""

    if lon_column is not None and lat_column is not None and (lon_text or lat_text):
        _check_coordinates(row, lon_column, lat_column, lon_text, lat_text)
        return
    if name_column is not None and name_text:
        found, reason = index.match(name_text)
        if found is None:
            row.problems.append(RowProblem(row.row, name_column, name_text, reason))
            return
        row.compound = index.names[found]
        row.lon, row.lat = float(index.lon[found]), float(index.lat[found])
        row.located_by = "name"
        return
    where = [c for c in (lon_column, lat_column, name_column) if c is not None]
    row.problems.append(
        RowProblem(
            row.row,
            "/".join(where),
            "",
            "missing location: give coordinates or the compound (小区) name",
        )
    )


def _check_coordinates(
    row: SurveyRow, lon_column: str, lat_column: str, lon_text: str, lat_text: str
) -> None:
    values: list[float | None] = []
    for column, text in ((lon_column, lon_text), (lat_column, lat_text)):
        if not text:
            row.problems.append(RowProblem(row.row, column, "", "missing coordinate"))
            values.append(None)
            continue
        number = parse_number(text, suffixes=("°",))
        if number is None:
            row.problems.append(RowProblem(row.row, column, text, "coordinate is not a number"))
        values.append(number)
    lon, lat = values
    if lon is None or lat is None:
        return
    pair_column = f"{lon_column}/{lat_column}"
    pair_text = f"{lon_text}, {lat_text}"
    if looks_swapped(lon, lat):
        row.problems.append(
            RowProblem(row.row, pair_column, pair_text, "latitude and longitude look swapped")
        )
        return
    if not validate_lon_lat(lon, lat):
        if not abs(lon) <= 180.0:
            row.problems.append(
                RowProblem(row.row, lon_column, lon_text, "longitude out of range (-180 to 180)")
            )
        if not abs(lat) <= 90.0:
            row.problems.append(
                RowProblem(row.row, lat_column, lat_text, "latitude out of range (-90 to 90)")
            )
        return
    if lon == 0.0 and lat == 0.0:
        row.problems.append(
            RowProblem(row.row, pair_column, pair_text, "0, 0 is a placeholder, not a location")
        )
        return
    row.raw_lon, row.raw_lat = lon, lat
    row.located_by = "coordinates"


def convert_coordinates(rows: Sequence[SurveyRow], system: CoordSystem) -> None:
    """Convert the coordinates of the rows that have them to WGS-84."""
    todo = [row for row in rows if row.raw_lon is not None and row.raw_lat is not None]
    if not todo:
        return
    lon, lat = to_wgs84(
        np.array([row.raw_lon for row in todo], dtype=np.float64),
        np.array([row.raw_lat for row in todo], dtype=np.float64),
        source=system,
    )
    for row, x, y in zip(todo, lon, lat, strict=True):
        row.lon, row.lat = float(x), float(y)


def check_study_area(
    rows: Sequence[SurveyRow], columns: Mapping[str, str], *, bbox: Sequence[float], title: str
) -> None:
    """Reject rows located by coordinates outside the study area's bbox."""
    west, south, east, north = (float(value) for value in bbox)
    for row in rows:
        if row.located_by != "coordinates" or row.problems:
            continue
        if west <= row.lon <= east and south <= row.lat <= north:
            continue
        lon_column, lat_column = columns["lon"], columns["lat"]
        row.problems.append(
            RowProblem(
                row.row,
                f"{lon_column}/{lat_column}",
                f"{row.cells[lon_column].strip()}, {row.cells[lat_column].strip()}",
                f"outside the study area of {title} "
                f"(W,S,E,N {west:g}, {south:g}, {east:g}, {north:g} in WGS-84 after "
                f"conversion; is the coordinate system right?)",
            )
        )


def check_duplicates(rows: Sequence[SurveyRow], columns: Mapping[str, str]) -> None:
    """Reject a repeat of an accepted row: same id, or same place, needs and comment."""
    id_column = columns.get("respondent")
    comment_column = columns.get("comment")
    by_id: dict[str, int] = {}
    by_content: dict[tuple[object, ...], int] = {}
    for row in rows:
        if row.problems:
            continue
        respondent = _fold_id(row.cells[id_column]) if id_column is not None else ""
        comment = row.cells[comment_column] if comment_column is not None else ""
        location: tuple[object, ...] = (
            ("name", row.compound)
            if row.located_by == "name"
            else ("point", round(row.lon, 6), round(row.lat, 6))
        )
        content = (location, frozenset(row.categories), comment)
        if respondent and respondent in by_id:
            row.problems.append(
                RowProblem(
                    row.row,
                    str(id_column),
                    row.cells[str(id_column)].strip(),
                    f"duplicate response: the same respondent id as row {by_id[respondent]}",
                )
            )
            continue
        if comment.strip() and content in by_content:
            location_fields = ("lon", "lat", "location_name")
            where = [columns[name] for name in location_fields if name in columns]
            row.problems.append(
                RowProblem(
                    row.row,
                    "/".join([*where, columns["category"], str(comment_column)]),
                    "",
                    "duplicate response: the same location, category and comment as row "
                    f"{by_content[content]}",
                )
            )
            continue
        if respondent:
            by_id[respondent] = row.row
        by_content.setdefault(content, row.row)


def _fold_id(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()
