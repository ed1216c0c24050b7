"""Reading a planner's table: CSV, TSV, Excel or GeoJSON, in whatever encoding it came in.

UTF-8 (with or without a byte-order mark) and GBK/GB18030 are decoded; the delimiter is
sniffed; columns are found by their common Chinese and English names
(:func:`match_columns`). Bad rows are reported by :class:`RowProblem` with the row number
a planner sees in Excel (the header is row 1, the first data row is row 2). Used by the
facility inventory, the survey and the population importers.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from geo.errors import InputFileError
from geo.limits import Limits, parse_json_text, read_limited_bytes

__all__ = ["RowProblem", "match_columns", "read_table"]

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
GEOJSON_SUFFIXES = frozenset({".geojson", ".json"})
_SUPPORTED = ".csv, .tsv, .txt, .xlsx, .geojson or .json"

_CSV_DELIMITERS = ",;\t"
_SNIFF_SAMPLE_CHARS = 64_000
# Share of control characters above which decoded "text" is taken for binary data.
_MAX_CONTROL_CHAR_SHARE = 0.01
_HEADER_ROW = 1
FIRST_DATA_ROW = _HEADER_ROW + 1


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


# --------------------------------------------------------------------------------------
# Reading tables
# --------------------------------------------------------------------------------------


def read_table(path: Path, *, limits: Limits | None = None) -> pd.DataFrame:
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
    limits
        Its byte and row limits (default: :class:`geo.limits.Limits` from the environment).

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
        If the file is missing, empty, not decodable, not of a supported kind, malformed
        or over a limit (bytes, rows). The message names the file.
    """
    limits = limits if limits is not None else Limits()
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputFileError(
            f"{name} is an old Excel 97-2003 file; open it in Excel and save it as .xlsx"
        )
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES | GEOJSON_SUFFIXES:
        raise InputFileError(
            f"{name} is not a supported file type ({suffix or 'no extension'}); use {_SUPPORTED}"
        )
    data = read_limited_bytes(path, max_bytes=limits.max_table_bytes)
    if not data.strip():
        raise InputFileError(f"{name} is empty")

    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(data, name=name, max_rows=limits.max_rows)
    elif suffix in GEOJSON_SUFFIXES:
        table = _read_geojson(_decode_text(data, name=name), name=name, max_rows=limits.max_rows)
    else:
        table = _read_csv(
            _decode_text(data, name=name),
            name=name,
            max_rows=limits.max_rows,
            max_columns=limits.max_columns,
        )
    if len(table.columns) > limits.max_columns:
        _refuse_columns(name, len(table.columns), limits.max_columns)
    return _drop_blank_rows(table)


def _refuse_columns(name: str, n_columns: int, max_columns: int) -> None:
    raise InputFileError(
        f"{name} has {n_columns:,} columns, over the limit of {max_columns:,} "
        "(see 'Limits' in the README)"
    )


def _refuse_rows(name: str, n_rows: int, max_rows: int, what: str = "rows") -> None:
    if n_rows > max_rows:
        raise InputFileError(
            f"{name} has more than {max_rows:,} {what}, over the limit "
            "(LIFECIRCLE_MAX_ROWS; see 'Limits' in the README)"
        )


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


def _read_csv(text: str, *, name: str, max_rows: int, max_columns: int) -> pd.DataFrame:
    # Counted before parsing, so a million-row file is refused at once.
    _refuse_rows(name, text.count("\n") - 1, max_rows)
    header = text[: text.find("\n")] if "\n" in text else text
    widest = max(header.count(delimiter) for delimiter in _CSV_DELIMITERS) + 1
    if widest > max_columns:  # before sniffing, which is slow on thousands of cells
        _refuse_columns(name, widest, max_columns)
    try:
        with warnings.catch_warnings():
            # Data rows with more cells than the header would shift every column (pandas
            # takes the first for an index, or drops the last with index_col=False):
            # refused, never guessed. Empty cells after a trailing comma are harmless.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.StringIO(text),
                sep=_sniff_delimiter(text),
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,
            )
    except pd.errors.ParserWarning as exc:
        raise InputFileError(
            f"{name}: some rows have more cells than the header, so columns would shift; "
            "remove the extra cells or add their headers"
        ) from exc
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


def _read_excel(data: bytes, *, name: str, max_rows: int) -> pd.DataFrame:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InputFileError(f"{name} is not a readable .xlsx workbook") from exc
    try:
        if not workbook.worksheets:
            raise InputFileError(f"{name} has no worksheets")
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            _refuse_rows(name, len(rows) - 1, max_rows)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        # A sheet whose XML is damaged or refused (defusedxml: DTDs, entities).
        raise InputFileError(f"{name} is not a readable .xlsx workbook") from exc
    finally:
        workbook.close()
    if not rows or all(is_blank(cell) for cell in rows[0]):
        raise InputFileError(f"{name} is empty: the first sheet has no header row")
    header = _unique_headers(rows[0])
    width = len(header)
    body = [(row + [None] * width)[:width] for row in rows[1:]]
    table = pd.DataFrame(body, columns=header, dtype=object)
    # Read-only mode reports formatted-but-empty columns; drop those without a header.
    unnamed = [column for column in header if column.startswith("Unnamed: ")]
    empty_unnamed = [column for column in unnamed if table[column].map(is_blank).all()]
    return table.drop(columns=empty_unnamed)


def _unique_headers(cells: Sequence[Any]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells):
        text = cell_text(cell) or f"Unnamed: {position}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        headers.append(text)
    return headers


def _read_geojson(text: str, *, name: str, max_rows: int) -> pd.DataFrame:
    document = parse_json_text(text, name=name)
    if isinstance(document, dict) and document.get("type") == "Feature":
        features: object = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        _check_geojson_crs(document, name=name)
    else:
        raise InputFileError(f"{name} is not GeoJSON: expected a FeatureCollection")
    if not isinstance(features, list):
        raise InputFileError(f"{name} is not GeoJSON: 'features' is not a list")
    _refuse_rows(name, len(features), max_rows, "features")
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
    blank = table.map(is_blank).all(axis=1)
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


def match_required_columns(
    table: pd.DataFrame,
    path: Path,
    synonyms: Mapping[str, Sequence[str]],
    *,
    required: Sequence[str],
    rows_word: str,
) -> dict[str, str]:
    """:func:`match_columns` for a file that must have ``required`` fields and data rows;
    otherwise an :class:`InputFileError` listing the headers accepted and found."""
    columns = match_columns([str(column) for column in table.columns], synonyms)
    missing = [field for field in required if field not in columns]
    if missing:
        accepted = "; ".join(f"{field}: {', '.join(synonyms[field])}" for field in missing)
        found = ", ".join(str(column) for column in table.columns) or "none"
        raise InputFileError(
            f"{path.name} lacks the column(s) {', '.join(missing)}. "
            f"Accepted headers — {accepted}. Columns found: {found}"
        )
    if table.empty:
        raise InputFileError(f"{path.name} has a header but no {rows_word} rows")
    return columns


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    return cell_text(value) == ""


def cell_text(value: object) -> str:
    """Cell content as stripped text; missing values give ``""``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return format_number(value)
    return str(value).strip()


def format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def parse_number(value: object) -> float | None:
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
