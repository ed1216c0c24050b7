"""Facility inventories supplied by users.

A street office often keeps its own list of facilities (CSV, Excel or GeoJSON) with a
name, a category and coordinates, frequently copied from Amap or Baidu and so in GCJ-02
or BD-09. This module reads such a list, finds the columns whatever the headers are
called, checks every row and converts the coordinates to WGS-84.

Bad rows are not fixed silently: they are left out and reported one by one, with the
row number a planner sees in Excel (the header is row 1, the first data row is row 2).

:func:`read_table` and :func:`match_columns` are generic and also serve the other
importers (for example the resident survey).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from geo.errors import InputFileError
from geo.inputs.coords import CoordSystem, looks_swapped, to_wgs84, validate_lon_lat

__all__ = [
    "FACILITY_COLUMN_SYNONYMS",
    "InventoryResult",
    "RowProblem",
    "match_columns",
    "read_facility_inventory",
    "read_table",
]

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
GEOJSON_SUFFIXES = frozenset({".geojson", ".json"})
_SUPPORTED = ".csv, .tsv, .txt, .xlsx, .geojson or .json"

_CSV_DELIMITERS = ",;\t"
_SNIFF_SAMPLE_CHARS = 64_000
# Share of control characters above which decoded "text" is taken for binary data.
_MAX_CONTROL_CHAR_SHARE = 0.01
_HEADER_ROW = 1
_FIRST_DATA_ROW = _HEADER_ROW + 1

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


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem found in one cell (or pair of cells) of a user's file.

    Attributes
    ----------
    row
        Row number as shown in Excel: the header is row 1, the first data row is row 2.
        For GeoJSON, feature *n* (counting from 1) is row *n + 1*.
    column
        The column header as written in the file.
    value
        The cell content as text (empty when the cell is empty).
    reason
        What is wrong, in words a planner understands.
    """

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = f" ({self.value!r})" if self.value else ""
        return f"Row {self.row}, column {self.column!r}{shown}: {self.reason}"


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
# Reading tables
# --------------------------------------------------------------------------------------


def read_table(path: Path) -> pd.DataFrame:
    """Read a user's table from CSV, Excel (.xlsx) or GeoJSON.

    CSV text may be UTF-8 (with or without BOM), GBK/GB18030 (what Chinese Excel saves
    as "CSV") or UTF-16 with BOM (Excel's "Unicode text"). The delimiter (comma,
    semicolon or tab) is detected. Excel files are read from their first sheet. GeoJSON
    features become rows: properties become columns and the geometry gives ``lon`` and
    ``lat`` columns (a point's coordinates; for other geometries a point inside them),
    which take precedence over properties of the same name.

    Parameters
    ----------
    path
        The file. Its suffix decides how it is read.

    Returns
    -------
    pandas.DataFrame
        One row per data row, columns named by the header row (surrounding spaces
        removed). Rows that are entirely blank are dropped but the index keeps the
        position of every row, so the spreadsheet row number is ``index + 2``.
        CSV cells are text; Excel and GeoJSON cells keep their types. Empty cells are
        missing values.

    Raises
    ------
    InputFileError
        If the file is missing, empty, not decodable, not of a supported kind, or
        malformed. The message names the file.
    """
    name = path.name
    if not path.exists():
        raise InputFileError(f"File not found: {name}")
    if not path.is_file():
        raise InputFileError(f"{name} is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputFileError(
            f"{name} is an old Excel 97-2003 file; open it in Excel and save it as .xlsx"
        )
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES | GEOJSON_SUFFIXES:
        raise InputFileError(
            f"{name} is not a supported file type ({suffix or 'no extension'}); use {_SUPPORTED}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"Cannot open {name}: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputFileError(f"{name} is empty")

    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(data, name=name)
    elif suffix in GEOJSON_SUFFIXES:
        table = _read_geojson(_decode_text(data, name=name), name=name)
    else:
        table = _read_csv(_decode_text(data, name=name), name=name)
    return _drop_blank_rows(table)


def _decode_text(data: bytes, *, name: str) -> str:
    """Decode a text file: UTF-16 with BOM, else UTF-8 (BOM optional), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{name} is not readable UTF-16 text") from exc
    else:
        if b"\x00" in data:
            raise InputFileError(f"{name} is not a text file (it contains binary data)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise InputFileError(
                    f"{name} is neither UTF-8 nor GBK/GB18030 text; "
                    "save it from Excel as 'CSV UTF-8'"
                ) from exc
    sample = text[:_SNIFF_SAMPLE_CHARS]
    control = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\t\r\n"
    )
    if control > _MAX_CONTROL_CHAR_SHARE * len(sample):
        raise InputFileError(f"{name} is not a text file (it contains binary data)")
    if not text.strip():
        raise InputFileError(f"{name} is empty")
    return text


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_SAMPLE_CHARS]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {delimiter: header.count(delimiter) for delimiter in _CSV_DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


def _read_csv(text: str, *, name: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=_sniff_delimiter(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"{name} is empty") from exc
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())
        raise InputFileError(
            f"{name} is not a well-formed CSV table ({detail}); "
            "check for unquoted commas inside cells"
        ) from exc
    table.columns = pd.Index([str(column).strip() for column in table.columns])
    return table


def _read_excel(data: bytes, *, name: str) -> pd.DataFrame:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InputFileError(f"{name} is not a readable .xlsx workbook") from exc
    try:
        if not workbook.worksheets:
            raise InputFileError(f"{name} has no worksheets")
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows or all(_is_blank(cell) for cell in rows[0]):
        raise InputFileError(f"{name} is empty: the first sheet has no header row")
    header = _unique_headers(rows[0])
    width = len(header)
    body = [(row + [None] * width)[:width] for row in rows[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object)
    # Read-only mode reports formatted-but-empty columns; drop those without a header.
    unnamed = [column for column in header if column.startswith("Unnamed: ")]
    empty_unnamed = [column for column in unnamed if table[column].map(_is_blank).all()]
    return table.drop(columns=empty_unnamed)


def _unique_headers(cells: Sequence[Any]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells):
        text = _cell_text(cell) or f"Unnamed: {position}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        headers.append(text)
    return headers


def _read_geojson(text: str, *, name: str) -> pd.DataFrame:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{name} is not valid JSON (line {exc.lineno})") from exc
    if isinstance(document, dict) and document.get("type") == "Feature":
        features: object = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        _check_geojson_crs(document, name=name)
    else:
        raise InputFileError(f"{name} is not GeoJSON: expected a FeatureCollection")
    if not isinstance(features, list):
        raise InputFileError(f"{name} is not GeoJSON: 'features' is not a list")
    records = [
        _geojson_record(feature, position, name=name) for position, feature in enumerate(features)
    ]
    return pd.DataFrame.from_records(records).astype(object) if records else pd.DataFrame()


def _check_geojson_crs(document: Mapping[str, Any], *, name: str) -> None:
    """Refuse the old GeoJSON ``crs`` member when it names a projected system."""
    crs = document.get("crs")
    if crs is None:
        return
    crs_name = str(crs.get("properties", {}).get("name", "")) if isinstance(crs, dict) else ""
    if not re.search(r"CRS84|4326|4490", crs_name, flags=re.IGNORECASE):
        raise InputFileError(
            f"{name} declares the coordinate system {crs_name or crs!r}; "
            "export it with longitude/latitude coordinates (EPSG:4326)"
        )


def _geojson_record(feature: object, position: int, *, name: str) -> dict[str, Any]:
    if not isinstance(feature, dict):
        raise InputFileError(f"{name}: feature {position + 1} is not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise InputFileError(f"{name}: feature {position + 1} has malformed properties")
    record: dict[str, Any] = {str(key).strip(): value for key, value in properties.items()}
    record["lon"], record["lat"] = _geojson_lon_lat(feature.get("geometry"))
    return record


def _geojson_lon_lat(geometry: object) -> tuple[float | None, float | None]:
    if not isinstance(geometry, dict):
        return None, None
    if geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            return _number_or_none(coordinates[0]), _number_or_none(coordinates[1])
        return None, None
    try:
        point = shapely.geometry.shape(geometry).representative_point()
    except (
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        shapely.errors.ShapelyError,
    ):
        return None, None
    if point.is_empty:
        return None, None
    return float(point.x), float(point.y)


def _number_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _drop_blank_rows(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    blank = table.map(_is_blank).all(axis=1)
    return table.loc[~blank]


# --------------------------------------------------------------------------------------
# Matching columns
# --------------------------------------------------------------------------------------

_BRACKETED = re.compile(r"[(\[{（【［｛].*?[)\]}）】］｝]")


def _normalise_header(text: str) -> str:
    """Fold a header for matching: width, case, brackets, spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    without_brackets = _BRACKETED.sub("", folded)
    kept = "".join(char for char in without_brackets if char.isalnum())
    # A header that is only a bracketed note keeps its content rather than vanishing.
    return kept or "".join(char for char in folded if char.isalnum())


def match_columns(columns: Sequence[str], synonyms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Find which actual column holds each canonical field.

    Headers and synonyms are compared after folding full-width characters, case,
    spaces, punctuation and bracketed notes, so ``" Longitude "``, ``"LONGITUDE"`` and
    ``"经度（GCJ-02）"`` all match the synonyms ``"longitude"`` and ``"经度"``.

    Parameters
    ----------
    columns
        Column headers as found in the file.
    synonyms
        For each canonical field, the accepted headers, most specific first.

    Returns
    -------
    dict
        Canonical field name to actual column name, only for fields that were found.
        The canonical name itself is accepted too. No column is used for two fields;
        fields are served in the order of ``synonyms`` and, within a field, earlier
        synonyms win.
    """
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_normalise_header(column), column)
    matched: dict[str, str] = {}
    used: set[str] = set()
    for field, accepted in synonyms.items():
        for synonym in (field, *accepted):
            found = by_key.get(_normalise_header(synonym))
            if found is not None and found not in used:
                matched[field] = found
                used.add(found)
                break
    return matched


# --------------------------------------------------------------------------------------
# Facility inventories
# --------------------------------------------------------------------------------------


def read_facility_inventory(
    path: Path,
    *,
    coord_system: CoordSystem,
    resolve_category: Callable[[str], str | None],
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
    table = read_table(path)
    columns = match_columns([str(column) for column in table.columns], FACILITY_COLUMN_SYNONYMS)
    missing = [field for field in _REQUIRED_FACILITY_FIELDS if field not in columns]
    if missing:
        accepted = "; ".join(
            f"{field}: {', '.join(FACILITY_COLUMN_SYNONYMS[field])}" for field in missing
        )
        found = ", ".join(str(column) for column in table.columns) or "none"
        raise InputFileError(
            f"{path.name} lacks the column(s) {', '.join(missing)}. "
            f"Accepted headers — {accepted}. Columns found: {found}"
        )
    if table.empty:
        raise InputFileError(f"{path.name} has a header but no facility rows")

    rejected: list[RowProblem] = []
    kept: list[dict[str, Any]] = []
    for position, record in zip(table.index, table.to_dict("records"), strict=True):
        row = int(position) + _FIRST_DATA_ROW
        problems, facility = _check_facility_row(
            {str(key): value for key, value in record.items()},
            row=row,
            columns=columns,
            resolve_category=resolve_category,
        )
        rejected.extend(problems)
        if facility is not None:
            kept.append(facility)

    return InventoryResult(
        facilities=_facilities_gdf(kept, coord_system=coord_system, source=path.name),
        rejected=rejected,
    )


def _check_facility_row(
    record: Mapping[str, Any],
    *,
    row: int,
    columns: Mapping[str, str],
    resolve_category: Callable[[str], str | None],
) -> tuple[list[RowProblem], dict[str, Any] | None]:
    problems: list[RowProblem] = []

    category_column = columns["category"]
    category_text = _cell_text(record[category_column])
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
    name = _cell_text(record[name_column]) if name_column is not None else ""
    return problems, {
        "name": name or f"{category_text} #{row}",
        "category": category,
        "lon": lon,
        "lat": lat,
    }


def _coordinate(
    value: object, *, row: int, column: str, problems: list[RowProblem]
) -> float | None:
    text = _cell_text(value)
    if not text:
        problems.append(RowProblem(row, column, "", "missing coordinate"))
        return None
    number = _parse_number(value)
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
                f"{_format_number(lon)}, {_format_number(lat)}",
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
                    _format_number(lon),
                    "out of range: longitude must be between -180 and 180",
                )
            )
        if not abs(lat) <= 90.0:
            problems.append(
                RowProblem(
                    row,
                    lat_column,
                    _format_number(lat),
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


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    return _cell_text(value) == ""


def _cell_text(value: object) -> str:
    """Cell content as stripped text; missing values give ``""``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return _format_number(value)
    return str(value).strip()


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _parse_number(value: object) -> float | None:
    """Read a finite number from a cell, tolerating full-width digits and a degree sign."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("°").strip()
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None
