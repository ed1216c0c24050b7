"""Resident needs surveys (问需于民): import, check, and rank where to act first.

Street offices ask residents what they need. The answers come as Excel sheets or WeChat
form exports: often GBK-encoded, with coordinates picked on Amap (GCJ-02) or Baidu
(BD-09), or with only the name of the compound (小区) the respondent lives in. This module
reads such a file, checks every row, and combines what residents ask for with the gaps
the walking analysis finds, so that a planner acts first where a stated need meets a
real gap.

Reading
-------
:func:`read_survey` finds the columns whatever the headers are called (see
:data:`SURVEY_COLUMN_SYNONYMS`), converts coordinates to WGS-84 and places a response
either at its coordinates or, when it has none, at the compound it names (see
:func:`build_compounds`). Bad rows are never fixed silently: each is left out and
reported as a :class:`~geo.inventory.RowProblem` with the row number a planner sees in
Excel (header = row 1) and the column at fault.

Scores
------
A score is read on a scale (``score_range``, 1–5 by default) and turned into a *need*
between 0 and 1:

* ``score_kind="priority"`` (the default): a higher score is more urgent,
  ``need = (score − low) / (high − low)``; priority 5 of 5 is need 1, priority 1 is 0.
* ``score_kind="satisfaction"``: the question asked how satisfied the respondent is with
  the service today, so low satisfaction means high need,
  ``need = (high − score) / (high − low)``; satisfaction 1 of 5 is need 1, 5 is 0.

A file without a score column gives every response need 1: a stated request counts in
full.

Ranking
-------
:func:`rank_priorities` scores each (unit, category) pair, where a unit is an H3 hexagon
or a residential compound::

    demand       = Σ need of the unit's responses for the category
    gap          = residents of the unit not served by the category within its tier
    need_share   = demand / (largest demand of any pair)          in [0, 1]
    gap_share    = gap / (largest gap of any pair)                in [0, 1]
    score        = gap_share × (0.25 + 0.75 × need_share)         in [0, 1]

so stated need only counts where there is a real gap (no gap: score 0, whatever the
requests), a gap nobody asked about still ranks but at no more than a quarter of the
score it would have with the strongest stated need, and a pair with both ranks highest.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely import box

from geo.access.analysis import Analysis
from geo.access.gaps import DEFAULT_H3_RESOLUTION, gap_hexagons
from geo.access.homes import select_homes
from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.coords import (
    CoordSystem,
    looks_swapped,
    parse_coord_system,
    to_wgs84,
    validate_lon_lat,
)
from geo.inputs.tables import RowProblem, match_columns, read_table
from geo.standards.taxonomy import Taxonomy

__all__ = [
    "COMPOUND_SNAP_M",
    "PRIORITY_COLUMNS",
    "RESPONSE_COLUMNS",
    "SURVEY_COLUMN_SYNONYMS",
    "UNVOICED_GAP_WEIGHT",
    "ScoreKind",
    "SurveyResult",
    "UnitKind",
    "build_compounds",
    "clean_table",
    "priorities_to_csv",
    "rank_priorities",
    "read_survey",
    "rejected_table",
    "write_csv_for_excel",
]

ScoreKind = Literal["priority", "satisfaction"]
UnitKind = Literal["hexagon", "compound"]

SURVEY_COLUMN_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "respondent": (
            "编号",
            "问卷编号",
            "答卷编号",
            "序号",
            "id",
            "respondent",
            "respondent_id",
            "response_id",
        ),
        "category": (
            "需求类别",
            "需求类型",
            "类别",
            "需求",
            "category",
            "need",
            "needs",
        ),
        "score": (
            "优先级",
            "评分",
            "分数",
            "满意度",
            "score",
            "priority",
            "rating",
            "satisfaction",
        ),
        "comment": (
            "意见",
            "意见建议",
            "建议",
            "留言",
            "备注",
            "comment",
            "comments",
            "remarks",
            "remark",
        ),
        "group": ("年龄段", "年龄", "人群", "age_band", "age", "group"),
        "location_name": (
            "小区",
            "小区名称",
            "居住小区",
            "地址",
            "location",
            "compound",
            "address",
            "neighbourhood",
            "neighborhood",
        ),
        "lon": ("经度", "lon", "lng", "long", "longitude"),
        "lat": ("纬度", "lat", "latitude"),
    }
)
"""Accepted column headers for each survey field, matched ignoring case, spaces,
punctuation and bracketed notes (so ``"优先级（1-5）"`` is a score column). A category
column is required, and a location: longitude and latitude, or a compound name, or both."""

RESPONSE_COLUMNS = (
    "row",
    "respondent",
    "category",
    "score",
    "need",
    "comment",
    "group",
    "location_name",
    "compound",
    "located_by",
    "lon",
    "lat",
    "extra",
    "geometry",
)
"""Columns of :attr:`SurveyResult.responses`."""

PRIORITY_COLUMNS = (
    "rank",
    "unit",
    "category",
    "requests",
    "mean_need",
    "residents_not_served",
    "score",
    "reasons",
    "lon",
    "lat",
    "residents",
    "mean_score",
    "need_share",
    "gap_share",
)
"""Columns of the table :func:`rank_priorities` returns."""

UNVOICED_GAP_WEIGHT = 0.25
"""Share of its full score that a gap keeps when nobody asked for the category there."""

COMPOUND_SNAP_M = 30.0
"""A response point outside every compound polygon joins the nearest compound within
this distance (Amap often places a compound's point at its gate, just outside the
OpenStreetMap outline). Homes are assigned by point-in-polygon only."""

DEFAULT_SCORE_RANGE = (1.0, 5.0)

_FIRST_DATA_ROW = 2  # the header is spreadsheet row 1
_COORD_DECIMALS = 7  # about 1 cm
_MIN_CONTAINED_NAME_CHARS = 2
# Several needs in one cell, as multiple-choice questions export them (问卷星 uses "┋").
_CATEGORY_SEPARATORS = re.compile(r"[;；,，、┋|/\n]+")
_SYSTEM_LABELS = {
    CoordSystem.WGS84: "WGS-84",
    CoordSystem.GCJ02: "GCJ-02",
    CoordSystem.BD09: "BD-09",
}


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SurveyResult:
    """The usable responses of a survey file and the rows left out.

    Attributes
    ----------
    responses
        One row per (file row, category): a cell naming several needs gives several
        responses with the same ``row``. Columns :data:`RESPONSE_COLUMNS`: ``row``
        (Excel row number), ``respondent``, ``category`` (taxonomy id), ``score`` (as
        written, NaN without a score column), ``need`` (0–1, see the module docstring),
        ``comment`` (exactly as written), ``group`` (age band or group), ``location_name``
        (the compound column as written), ``compound`` (the OSM compound the name matched,
        else empty), ``located_by`` (``"coordinates"`` or ``"name"``), ``lon``/``lat`` and
        point geometry in WGS-84, and ``extra``: a dict of every original cell of the row
        as text, keyed by the file's headers. ``responses.attrs`` records ``score_kind``,
        ``score_range`` and ``has_score`` for :func:`rank_priorities`.
    rejected
        One entry per problem, in file order; a row may have several. None of a rejected
        row's data is in ``responses``.
    source
        The file name.
    rows_read
        Data rows in the file (entirely blank rows are not counted).
    columns
        Survey field to the header of the file that holds it.
    source_columns
        The file's headers, in order.
    coord_system
        The coordinate system the file's coordinates were read in.
    score_kind, score_range
        How scores were read.
    study_area
        Title of the district whose study area and compounds were used.
    category_labels
        Category id to its Chinese and English names, for the report.
    """

    responses: gpd.GeoDataFrame
    rejected: list[RowProblem]
    source: str = ""
    rows_read: int = 0
    columns: Mapping[str, str] = field(default_factory=dict)
    source_columns: tuple[str, ...] = ()
    coord_system: CoordSystem = CoordSystem.WGS84
    score_kind: ScoreKind = "priority"
    score_range: tuple[float, float] = DEFAULT_SCORE_RANGE
    study_area: str = ""
    category_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def rows_accepted(self) -> int:
        """How many rows of the file were kept."""
        return int(self.responses["row"].nunique()) if len(self.responses) else 0

    @property
    def rows_rejected(self) -> int:
        """How many rows of the file were left out."""
        return len({problem.row for problem in self.rejected})

    def report(self) -> str:
        """A plain-text summary for a planner, with one line per rejected-row problem.

        Lines read like ``row 7, column 经度/纬度 ('31.2, 121.5'): latitude and longitude
        look swapped``; labels are given in English and Chinese.
        """
        lo, hi = self.score_range
        lines = [
            f"{self.source} — {self.study_area}" if self.study_area else self.source,
            f"  rows read 读取: {self.rows_read}; accepted 接受: {self.rows_accepted}; "
            f"rejected 拒绝: {self.rows_rejected}",
            "  columns 列: "
            + ", ".join(f"{name}={header}" for name, header in self.columns.items()),
        ]
        if "lon" in self.columns:
            lines.append(f"  coordinates 坐标: {_SYSTEM_LABELS[self.coord_system]} → WGS-84")
        if "score" in self.columns:
            direction = (
                "higher = more urgent 越高越急"
                if self.score_kind == "priority"
                else "lower = more need 满意度越低需求越高"
            )
            lines.append(f"  score 分数: {self.score_kind} {lo:g}–{hi:g} ({direction})")
        else:
            lines.append("  score 分数: none in the file, every request counts in full 未提供")
        if len(self.responses):
            by = self.responses.drop_duplicates("row")["located_by"].value_counts()
            lines.append(
                f"  located by coordinates 按坐标定位: {int(by.get('coordinates', 0))}; "
                f"by compound name 按小区名称: {int(by.get('name', 0))}"
            )
            lines.append("  requests by category 各类需求:")
            counts = self.responses["category"].value_counts()
            for category, count in counts.items():
                label = self.category_labels.get(str(category), "")
                lines.append(f"    {category!s:<18} {int(count):>5}  {label}".rstrip())
        if self.rejected:
            lines.append("  rejected rows 被拒绝的行:")
            lines.extend(f"    {_problem_line(problem)}" for problem in self.rejected)
        return "\n".join(lines)


def _problem_line(problem: RowProblem) -> str:
    shown = f" ({problem.value!r})" if problem.value else ""
    return f"row {problem.row}, column {problem.column}{shown}: {problem.reason}"


# --------------------------------------------------------------------------------------
# Compounds
# --------------------------------------------------------------------------------------


def build_compounds(district: District) -> gpd.GeoDataFrame:
    """The named residential compounds of a district, for locating and grouping responses.

    A compound is a named ``landuse=residential`` area, or a named residential building
    (a building that :func:`geo.residents.select_homes` counts as a home). Polygons with
    the same name are merged, and every polygon is clipped to the study area.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``kind`` (``"area"`` or ``"building"``), ``parent`` (for a
        building, the named area its representative point lies in, else empty), ``lon``
        and ``lat`` (a point inside the clipped polygon) and the geometry, in WGS-84.
        Areas come first.
    """
    study_area = box(*district.meta.bbox)
    areas = district.areas
    zones = areas[(areas["kind"] == "residential")] if len(areas) else areas
    area_parts = _named_parts(zones, study_area)
    homes = select_homes(district.buildings, district.areas)
    building_parts = _named_parts(homes, study_area)
    area_keys = {_fold_name(name) for name, _ in area_parts}
    building_parts = [(n, g) for n, g in building_parts if _fold_name(n) not in area_keys]

    names = [name for name, _ in area_parts] + [name for name, _ in building_parts]
    geometries = [geom for _, geom in area_parts] + [geom for _, geom in building_parts]
    kinds = ["area"] * len(area_parts) + ["building"] * len(building_parts)
    points = [geom.representative_point() for geom in geometries]
    parents = [""] * len(area_parts)
    for _, geom in building_parts:
        inside = [
            (area_geom.area, name)
            for name, area_geom in area_parts
            if area_geom.contains(geom.representative_point())
        ]
        parents.append(min(inside)[1] if inside else "")
    return gpd.GeoDataFrame(
        {
            "name": pd.Series(names, dtype=object),
            "kind": pd.Series(kinds, dtype=object),
            "parent": pd.Series(parents, dtype=object),
            "lon": np.array([p.x for p in points], dtype=np.float64),
            "lat": np.array([p.y for p in points], dtype=np.float64),
        },
        geometry=gpd.GeoSeries(geometries, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def _named_parts(frame: gpd.GeoDataFrame, study_area: shapely.Polygon) -> list[tuple[str, Any]]:
    """``(name, merged polygon clipped to the study area)`` per distinct non-empty name."""
    if frame.empty or "name" not in frame.columns:
        return []
    names = [_text(value) for value in frame["name"]]
    grouped: dict[str, list[Any]] = {}
    for name, geom in zip(names, frame.geometry, strict=True):
        if name and geom is not None and not geom.is_empty:
            grouped.setdefault(name, []).append(geom)
    parts: list[tuple[str, Any]] = []
    for name, geoms in grouped.items():
        merged = shapely.make_valid(shapely.union_all(geoms)).intersection(study_area)
        if not merged.is_empty and merged.area > 0:
            parts.append((name, merged))
    return parts


def _fold_name(text: str) -> str:
    """Fold a place name for matching: width, case, and only letters and digits kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if char.isalnum())


class _CompoundIndex:
    """Finds the compound a free-text location names."""

    def __init__(self, compounds: gpd.GeoDataFrame) -> None:
        self.names: list[str] = [str(name) for name in compounds["name"]]
        self.lon = compounds["lon"].to_numpy(dtype=np.float64)
        self.lat = compounds["lat"].to_numpy(dtype=np.float64)
        self.keys = [_fold_name(name) for name in self.names]
        position = {name: i for i, name in enumerate(self.names)}
        # A building inside a named compound stands for that compound when a name is
        # ambiguous between the two ("海景壹号": 中粮·海景壹号 or its 酒店公寓 building).
        self.roots = [
            position.get(str(parent), i) if parent else i
            for i, parent in enumerate(compounds["parent"])
        ]

    def match(self, text: str) -> tuple[int | None, str]:
        """The matching compound's position, else ``None`` and the reason.

        An exact match (after folding spaces and punctuation) wins; else the longest
        compound name the text contains (``"东园一村小区"`` → 东园一村); else the one
        compound whose name contains the text (``"招远"`` → 招远小区). Several
        candidates that are one compound and buildings inside it give the compound;
        otherwise several candidates are ambiguous and nothing is matched.
        """
        key = _fold_name(text)
        if not key:
            return None, "missing location"
        exact = [i for i, k in enumerate(self.keys) if k == key]
        if exact:
            return exact[0], ""
        contained = [
            i for i, k in enumerate(self.keys) if len(k) >= _MIN_CONTAINED_NAME_CHARS and k in key
        ]
        if contained:
            longest = max(len(self.keys[i]) for i in contained)
            best = [i for i in contained if len(self.keys[i]) == longest]
            return self._one_of(best)
        if len(key) >= _MIN_CONTAINED_NAME_CHARS:
            containing = [i for i, k in enumerate(self.keys) if key in k]
            if containing:
                return self._one_of(containing)
        return None, "no compound (小区) of this name in the study area; give coordinates"

    def _one_of(self, found: Sequence[int]) -> tuple[int | None, str]:
        if len(found) == 1:
            return found[0], ""
        roots = {self.roots[i] for i in found}
        if len(roots) == 1:
            return roots.pop(), ""
        return None, self._ambiguous(found)

    def _ambiguous(self, found: Sequence[int]) -> str:
        shown = "、".join(self.names[i] for i in found[:6])
        more = " …" if len(found) > 6 else ""
        return f"location name matches several compounds ({shown}{more}); write the full name"


# --------------------------------------------------------------------------------------
# Reading a survey
# --------------------------------------------------------------------------------------


@dataclass
class _Row:
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


def read_survey(
    path: Path,
    *,
    taxonomy: Taxonomy,
    district: District,
    coord_system: CoordSystem | str,
    score_kind: ScoreKind = "priority",
    score_range: tuple[float, float] = DEFAULT_SCORE_RANGE,
) -> SurveyResult:
    """Read a needs survey (CSV, .xlsx or GeoJSON) and check every row.

    Parameters
    ----------
    path
        The survey file. CSV may be UTF-8 (with or without BOM) or GBK/GB18030; see
        :func:`geo.inventory.read_table`. Headers are matched with
        :data:`SURVEY_COLUMN_SYNONYMS`.
    taxonomy
        Resolves the category as written (an id, a Chinese or English name, or a synonym
        such as 养老, 老年食堂 or "elderly canteen"). A cell may name several needs
        separated by ``、 ; , | ┋``.
    district
        Gives the study area (responses outside its bbox are rejected) and the compound
        names a response may give instead of coordinates (:func:`build_compounds`).
    coord_system
        The system the coordinates were written in: WGS-84, GCJ-02 (Amap, Tencent,
        WeChat location) or BD-09 (Baidu); a :class:`~geo.coords.CoordSystem` or a name
        :func:`~geo.coords.parse_coord_system` accepts.
    score_kind
        ``"priority"`` (higher = more urgent) or ``"satisfaction"`` (higher = more
        satisfied, so less need); see the module docstring.
    score_range
        The lowest and highest score of the questionnaire's scale.

    Returns
    -------
    SurveyResult
        The accepted responses and one :class:`~geo.inventory.RowProblem` per problem.
        A row is rejected for: a missing or unknown category; a missing, non-numeric or
        out-of-range score (when the file has a score column); a missing location;
        coordinates that are not numbers, out of range, ``0, 0``, look swapped
        ("latitude and longitude look swapped": reported, never swapped back) or lie
        outside the study area after conversion to WGS-84; a compound name that matches
        no compound or several; or a duplicate: the same respondent id as an earlier
        accepted row, or the same location, categories and (non-empty) comment as one.
        Two neighbours of one compound who tick the same need and write nothing are two
        people, so identical rows with empty comments are kept. The first of duplicates
        is kept; only otherwise valid rows are checked for duplicates.

    Raises
    ------
    InputFileError
        If the file cannot be read, has no data rows, or lacks a category column or any
        location column (the message lists the headers accepted).
    ValueError
        If ``score_kind`` or ``score_range`` is not valid.
    """
    system = (
        coord_system if isinstance(coord_system, CoordSystem) else parse_coord_system(coord_system)
    )
    low, high = _check_score_options(score_kind, score_range)
    table = read_table(path)
    headers = [str(column) for column in table.columns]
    columns = match_columns(headers, SURVEY_COLUMN_SYNONYMS)
    _require_columns(columns, headers, name=path.name)
    if table.empty:
        raise InputFileError(f"{path.name} has a header but no responses")

    compounds = build_compounds(district)
    index = _CompoundIndex(compounds)
    rows: list[_Row] = []
    for position, record in zip(table.index, table.to_dict("records"), strict=True):
        cells = {header: _raw_text(record.get(header)) for header in headers}
        row = _Row(row=int(position) + _FIRST_DATA_ROW, cells=cells)
        _check_category(row, columns, taxonomy)
        _check_score(row, columns, score_kind=score_kind, low=low, high=high)
        _check_location(row, columns, index)
        rows.append(row)

    _convert_coordinates(rows, system)
    _check_study_area(rows, columns, bbox=district.meta.bbox, title=_district_title(district))
    _check_duplicates(rows, columns)

    rejected = [problem for row in rows for problem in row.problems]
    responses = _responses_gdf([row for row in rows if not row.problems], columns)
    responses.attrs.update(
        {"score_kind": score_kind, "score_range": (low, high), "has_score": "score" in columns}
    )
    return SurveyResult(
        responses=responses,
        rejected=rejected,
        source=path.name,
        rows_read=len(rows),
        columns=dict(columns),
        source_columns=tuple(headers),
        coord_system=system,
        score_kind=score_kind,
        score_range=(low, high),
        study_area=_district_title(district),
        category_labels={c.id: f"{c.name_zh} / {c.name_en}" for c in taxonomy.categories},
    )


def _district_title(district: District) -> str:
    meta = district.meta
    if meta.title_zh and meta.title_en and meta.title_zh != meta.title_en:
        return f"{meta.title_zh} {meta.title_en}"
    return meta.title_en or meta.title_zh or meta.name


def _check_score_options(score_kind: str, score_range: tuple[float, float]) -> tuple[float, float]:
    if score_kind not in get_args(ScoreKind):
        raise ValueError(f"score_kind must be 'priority' or 'satisfaction', not {score_kind!r}")
    try:
        low, high = (float(value) for value in score_range)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"score_range must be two numbers, not {score_range!r}") from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"score_range must be (lowest, highest) with lowest < highest, not {score_range!r}"
        )
    return low, high


def _require_columns(columns: Mapping[str, str], headers: Sequence[str], *, name: str) -> None:
    missing: list[str] = []
    accepted: list[str] = []
    if "category" not in columns:
        missing.append("category (需求类别)")
        accepted.append(f"category: {', '.join(SURVEY_COLUMN_SYNONYMS['category'])}")
    has_coordinates = "lon" in columns and "lat" in columns
    if not has_coordinates and "location_name" not in columns:
        if "lon" in columns or "lat" in columns:
            lacking = "lat" if "lon" in columns else "lon"
            missing.append(
                f"location ({'纬度 latitude' if lacking == 'lat' else '经度 longitude'})"
            )
        else:
            missing.append("location (经度/纬度 or 小区)")
        accepted.append(
            "location: longitude "
            + ", ".join(SURVEY_COLUMN_SYNONYMS["lon"])
            + " and latitude "
            + ", ".join(SURVEY_COLUMN_SYNONYMS["lat"])
            + ", or a compound name "
            + ", ".join(SURVEY_COLUMN_SYNONYMS["location_name"])
        )
    if missing:
        found = ", ".join(headers) or "none"
        raise InputFileError(
            f"{name} lacks the column(s) {'; '.join(missing)}. "
            f"Accepted headers — {'; '.join(accepted)}. Columns found: {found}"
        )


def _check_category(row: _Row, columns: Mapping[str, str], taxonomy: Taxonomy) -> None:
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
                "e.g. elderly_care, 养老, 买菜, 药店",
            )
        )
        return
    row.categories = tuple(dict.fromkeys(c for c in resolved if c is not None))


def _check_score(
    row: _Row, columns: Mapping[str, str], *, score_kind: str, low: float, high: float
) -> None:
    column = columns.get("score")
    if column is None:
        return
    text = row.cells[column].strip()
    if not text:
        row.problems.append(RowProblem(row.row, column, "", "missing score"))
        return
    score = _parse_number(text, suffixes=("分", "分数", "points", "pts"))
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


def _check_location(row: _Row, columns: Mapping[str, str], index: _CompoundIndex) -> None:
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
    row: _Row, lon_column: str, lat_column: str, lon_text: str, lat_text: str
) -> None:
    values: list[float | None] = []
    for column, text in ((lon_column, lon_text), (lat_column, lat_text)):
        if not text:
            row.problems.append(RowProblem(row.row, column, "", "missing coordinate"))
            values.append(None)
            continue
        number = _parse_number(text, suffixes=("°",))
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


def _convert_coordinates(rows: Sequence[_Row], system: CoordSystem) -> None:
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


def _check_study_area(
    rows: Sequence[_Row], columns: Mapping[str, str], *, bbox: Sequence[float], title: str
) -> None:
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


def _check_duplicates(rows: Sequence[_Row], columns: Mapping[str, str]) -> None:
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


def _responses_gdf(rows: Sequence[_Row], columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    def cell(row: _Row, field_name: str, *, strip: bool = True) -> str:
        column = columns.get(field_name)
        if column is None:
            return ""
        return row.cells[column].strip() if strip else row.cells[column]

    records: list[dict[str, Any]] = []
    for row in rows:
        for category in row.categories:
            records.append(
                {
                    "row": row.row,
                    "respondent": cell(row, "respondent"),
                    "category": category,
                    "score": row.score,
                    "need": row.need,
                    "comment": cell(row, "comment", strip=False),
                    "group": cell(row, "group"),
                    "location_name": cell(row, "location_name"),
                    "compound": row.compound,
                    "located_by": row.located_by,
                    "lon": row.lon,
                    "lat": row.lat,
                    "extra": dict(row.cells),
                }
            )
    frame = pd.DataFrame.from_records(records, columns=list(RESPONSE_COLUMNS[:-1]))
    frame["row"] = frame["row"].astype(np.int64)
    for name in ("score", "need", "lon", "lat"):
        frame[name] = frame[name].astype(np.float64)
    geometry = gpd.points_from_xy(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


# --------------------------------------------------------------------------------------
# Tables for export
# --------------------------------------------------------------------------------------


def clean_table(result: SurveyResult) -> pd.DataFrame:
    """The accepted rows with all their original columns, coordinates in WGS-84.

    The file's longitude and latitude columns (if any) hold the WGS-84 coordinates of
    the location used (for a row located by compound name: the compound's point), with
    7 decimals; ``lon`` and ``lat`` columns are added when the file's own are named
    differently, and ``category_id`` gives the taxonomy ids (``;``-joined when a row
    named several needs). Reading the table again with ``coord_system="wgs84"`` gives
    the same responses.
    """
    headers = list(result.source_columns)
    lon_column, lat_column = result.columns.get("lon"), result.columns.get("lat")
    added = [name for name in ("lon", "lat", "category_id") if name not in headers]
    if not len(result.responses):
        return pd.DataFrame({name: pd.Series(dtype=object) for name in headers + added})
    records: list[dict[str, str]] = []
    for _, group in result.responses.groupby("row", sort=True):
        first = group.iloc[0]
        cells: dict[str, str] = dict(first["extra"])
        lon = f"{float(first['lon']):.{_COORD_DECIMALS}f}"
        lat = f"{float(first['lat']):.{_COORD_DECIMALS}f}"
        for column, value in ((lon_column, lon), (lat_column, lat), ("lon", lon), ("lat", lat)):
            if column is not None:
                cells[column] = value
        cells["category_id"] = ";".join(str(c) for c in group["category"])
        records.append({name: cells.get(name, "") for name in headers + added})
    return pd.DataFrame.from_records(records, columns=headers + added)


def rejected_table(problems: Sequence[RowProblem]) -> pd.DataFrame:
    """Problems as a table with columns ``row, column, value, reason``."""
    return pd.DataFrame(
        {
            "row": pd.Series([p.row for p in problems], dtype=np.int64),
            "column": pd.Series([p.column for p in problems], dtype=object),
            "value": pd.Series([p.value for p in problems], dtype=object),
            "reason": pd.Series([p.reason for p in problems], dtype=object),
        }
    )


def write_csv_for_excel(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV with a byte-order mark, so Excel shows Chinese.

    The file is written to a temporary file beside ``path`` first, then moved into
    place. Raises :class:`~geo.errors.InputFileError` when the folder does not exist or
    cannot be written.
    """
    folder = path.parent
    if not folder.is_dir():
        raise InputFileError(f"the folder {folder} does not exist")
    text = frame.to_csv(index=False, lineterminator="\r\n")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()
    return path


def priorities_to_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a :func:`rank_priorities` table as UTF-8-BOM CSV (opens in Excel with Chinese).

    For Excel workbooks use ``df.to_excel(path, index=False)``.
    """
    return write_csv_for_excel(df, path)


# --------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------


def rank_priorities(
    analysis: Analysis,
    responses: gpd.GeoDataFrame,
    *,
    by: UnitKind = "hexagon",
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> pd.DataFrame:
    """Rank (unit, category) pairs by where a stated need meets a real gap: act here first.

    Per unit and category (units are H3 hexagons at ``resolution``, or residential
    compounds, see below)::

        requests     = responses for the category located in the unit
        mean_need    = mean need of those responses (0–1)
        demand       = requests × mean_need (the sum of their needs)
        gap          = residents of the unit's homes not served by the category within
                       its tier (from ``analysis.served``): residents_not_served
        need_share   = demand / max demand over all pairs (0 when nobody asked)
        gap_share    = gap / max gap over all pairs (0 when everyone is served)
        score        = gap_share × (0.25 + 0.75 × need_share)

    A need without a gap scores 0 (the service is within reach: the requests may be
    about capacity, quality or opening hours, and the reasons say so); a gap nobody
    asked about keeps a quarter of its weight (:data:`UNVOICED_GAP_WEIGHT`); the
    strongest stated need on the largest gap scores 1. Rows are sorted by score, then
    demand, gap and requests; ``rank`` 1 is first. Pairs with neither requests nor a gap
    are left out, and so are responses of categories the analysis did not compute.

    Compound units are the named residential areas, and the named residential buildings
    that lie in no named area (:func:`build_compounds`). A home belongs to the compound
    polygon its point lies in (the smallest, areas before buildings); homes in no
    compound are not counted. A response located by compound name belongs to that
    compound (a building's containing area if it has one); one located by coordinates
    to the compound polygon it lies in, else the nearest within
    :data:`COMPOUND_SNAP_M`, else to none.

    Parameters
    ----------
    analysis
        The analysis of the district the survey is about.
    responses
        :attr:`SurveyResult.responses` (WGS-84 points with ``category`` and ``need``).
    by
        ``"hexagon"`` or ``"compound"``.
    resolution
        H3 resolution of the hexagons (9: about 0.1 km², 200 m edges).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRIORITY_COLUMNS`: ``rank, unit`` (H3 cell id or compound name),
        ``category``, ``requests``, ``mean_need`` (NaN without requests),
        ``residents_not_served``, ``score``, ``reasons`` (key facts in English and
        Chinese), ``lon, lat`` (the unit's centre), then ``residents`` (of the unit),
        ``mean_score`` (as written in the survey), ``need_share`` and ``gap_share``.
    """
    if by not in get_args(UnitKind):
        raise ValueError(f"by must be 'hexagon' or 'compound', not {by!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be an H3 resolution from 0 to 15, not {resolution!r}")
    categories = list(analysis.categories)
    if by == "hexagon":
        units, gaps, response_units = _hexagon_units(analysis, responses, resolution)
    else:
        units, gaps, response_units = _compound_units(analysis, responses)

    demand = _demand_table(responses, response_units, categories)
    rows: list[dict[str, Any]] = []
    unit_names = list(units)
    aligned = gaps.reindex(pd.Index(unit_names)).fillna(0.0)
    unit_residents = aligned["residents"].to_numpy(dtype=np.float64)
    unit_gaps = aligned[categories].to_numpy(dtype=np.float64)
    for u, unit in enumerate(unit_names):
        centre = units[unit]
        residents = float(unit_residents[u])
        for c, category in enumerate(categories):
            gap = float(unit_gaps[u, c])
            requests, mean_need, demand_sum, mean_score = demand.get(
                (unit, category), (0, math.nan, 0.0, math.nan)
            )
            if requests == 0 and gap <= 0.0:
                continue
            rows.append(
                {
                    "unit": unit,
                    "category": category,
                    "requests": requests,
                    "mean_need": mean_need,
                    "residents_not_served": gap,
                    "demand": demand_sum,
                    "lon": centre[0],
                    "lat": centre[1],
                    "residents": residents,
                    "mean_score": mean_score,
                }
            )
    table = pd.DataFrame.from_records(
        rows,
        columns=[
            "unit",
            "category",
            "requests",
            "mean_need",
            "residents_not_served",
            "demand",
            "lon",
            "lat",
            "residents",
            "mean_score",
        ],
    )
    return _score_and_rank(table, analysis, responses.attrs, categories)


def _hexagon_units(
    analysis: Analysis, responses: gpd.GeoDataFrame, resolution: int
) -> tuple[dict[str, tuple[float, float]], pd.DataFrame, list[str]]:
    categories = list(analysis.categories)
    hexagons = gap_hexagons(
        analysis.homes, analysis.served, categories=categories, resolution=resolution
    )
    gaps = pd.DataFrame(
        {
            "residents": hexagons["residents"].to_numpy(dtype=np.float64),
            **{c: hexagons[f"unmet_{c}"].to_numpy(dtype=np.float64) for c in categories},
        },
        index=pd.Index([str(cell) for cell in hexagons["h3"]]),
    )
    response_units = [
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lon, lat in zip(responses["lon"], responses["lat"], strict=True)
    ]
    cells = sorted(set(gaps.index) | set(response_units))
    units: dict[str, tuple[float, float]] = {}
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        units[cell] = (float(lon), float(lat))
    return units, gaps, response_units


def _compound_units(
    analysis: Analysis, responses: gpd.GeoDataFrame
) -> tuple[dict[str, tuple[float, float]], pd.DataFrame, list[str]]:
    categories = list(analysis.categories)
    compounds = build_compounds(analysis.district)
    unit_rows = compounds[compounds["parent"] == ""].reset_index(drop=True)
    units = {
        str(name): (float(lon), float(lat))
        for name, lon, lat in zip(
            unit_rows["name"], unit_rows["lon"], unit_rows["lat"], strict=True
        )
    }
    homes = analysis.homes
    home_units = _units_of_points(
        homes["lon"].to_numpy(dtype=np.float64), homes["lat"].to_numpy(dtype=np.float64), unit_rows
    )
    population = homes["population"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame({"unit": home_units, "residents": population})
    for i, category in enumerate(categories):
        frame[category] = np.where(analysis.served[i], 0.0, population)
    gaps = frame[frame["unit"] != ""].groupby("unit", sort=True).sum()

    parent_of = {
        str(name): (str(parent) or str(name))
        for name, parent in zip(compounds["name"], compounds["parent"], strict=True)
    }
    response_units = _units_of_points(
        responses["lon"].to_numpy(dtype=np.float64),
        responses["lat"].to_numpy(dtype=np.float64),
        unit_rows,
        snap_m=COMPOUND_SNAP_M,
        crs=analysis.district.network.crs,
    )
    if "compound" in responses.columns:
        for i, compound in enumerate(responses["compound"]):
            named = parent_of.get(str(compound)) if isinstance(compound, str) else None
            if named is not None and named in units:
                response_units[i] = named
    return units, gaps, response_units


def _units_of_points(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    units: gpd.GeoDataFrame,
    *,
    snap_m: float | None = None,
    crs: str | None = None,
) -> list[str]:
    """For each point, the name of the unit polygon it lies in ("" for none).

    Where polygons overlap, areas win over buildings and smaller over larger. With
    ``snap_m``, a point in no polygon takes the nearest unit within that many metres
    (measured in ``crs``).
    """
    names = [""] * len(lon)
    if not len(lon) or units.empty:
        return names
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    polygons = units[["name", "kind", "geometry"]].copy()
    polygons["order"] = [
        (0 if kind == "area" else 1, float(geom.area))
        for kind, geom in zip(polygons["kind"], polygons.geometry, strict=True)
    ]
    hits = gpd.sjoin(points, polygons, predicate="within", how="inner")
    best: dict[int, tuple[tuple[int, float], str]] = {}
    for point, name, order in zip(hits.index, hits["name"], hits["order"], strict=True):
        key = int(point)
        if key not in best or order < best[key][0]:
            best[key] = (order, str(name))
    for point, (_, name) in best.items():
        names[point] = name
    if snap_m is not None and crs is not None:
        missing = [i for i, name in enumerate(names) if not name]
        if missing:
            far = points.iloc[missing].to_crs(crs)
            near = gpd.sjoin_nearest(
                far, polygons[["name", "geometry"]].to_crs(crs), how="inner", max_distance=snap_m
            )
            for point, name in zip(near.index, near["name"], strict=True):
                if not names[int(point)]:
                    names[int(point)] = str(name)
    return names


def _demand_table(
    responses: gpd.GeoDataFrame, response_units: Sequence[str], categories: Sequence[str]
) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    """``(unit, category) -> (requests, mean need, sum of need, mean score)``."""
    if not len(responses):
        return {}
    frame = pd.DataFrame(
        {
            "unit": list(response_units),
            "category": responses["category"].astype(str).to_numpy(),
            "need": responses["need"].to_numpy(dtype=np.float64),
            "score": responses["score"].to_numpy(dtype=np.float64),
        }
    )
    frame = frame[(frame["unit"] != "") & frame["category"].isin(list(categories))]
    out: dict[tuple[str, str], tuple[int, float, float, float]] = {}
    for (unit, category), group in frame.groupby(["unit", "category"], sort=True):
        scores = group["score"].dropna()
        out[(str(unit), str(category))] = (
            len(group),
            float(group["need"].mean()),
            float(group["need"].sum()),
            float(scores.mean()) if len(scores) else math.nan,
        )
    return out


def _score_and_rank(
    table: pd.DataFrame,
    analysis: Analysis,
    attrs: Mapping[str, Any],
    categories: Sequence[str],
) -> pd.DataFrame:
    demand = table["demand"].to_numpy(dtype=np.float64)
    gap = table["residents_not_served"].to_numpy(dtype=np.float64)
    max_demand = float(demand.max()) if len(demand) else 0.0
    max_gap = float(gap.max()) if len(gap) else 0.0
    need_share = demand / max_demand if max_demand > 0 else np.zeros(len(table))
    gap_share = gap / max_gap if max_gap > 0 else np.zeros(len(table))
    table["need_share"] = need_share
    table["gap_share"] = gap_share
    table["score"] = gap_share * (UNVOICED_GAP_WEIGHT + (1.0 - UNVOICED_GAP_WEIGHT) * need_share)
    table["category_order"] = [categories.index(c) for c in table["category"]]
    table = table.sort_values(
        ["score", "demand", "residents_not_served", "requests", "category_order", "unit"],
        ascending=[False, False, False, False, True, True],
        kind="mergesort",
    ).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1, dtype=np.int64)
    table["reasons"] = [
        _reasons({str(key): value for key, value in record.items()}, analysis, attrs)
        for record in table.to_dict("records")
    ]
    table["requests"] = table["requests"].astype(np.int64)
    for name, decimals in (
        ("mean_need", 3),
        ("residents_not_served", 1),
        ("score", 4),
        ("lon", 6),
        ("lat", 6),
        ("residents", 1),
        ("mean_score", 2),
        ("need_share", 4),
        ("gap_share", 4),
    ):
        table[name] = table[name].astype(np.float64).round(decimals)
    return table[list(PRIORITY_COLUMNS)]


def _reasons(record: Mapping[str, Any], analysis: Analysis, attrs: Mapping[str, Any]) -> str:
    """Key facts of one ranked pair, in English then Chinese."""
    category = analysis.taxonomy.get(str(record["category"]))
    requests = int(record["requests"])
    gap = float(record["residents_not_served"])
    residents = float(record["residents"])
    within_en = f"within {category.walk_minutes} min ({category.distance_m:.0f} m)"
    within_zh = f"步行{category.walk_minutes}分钟（{category.distance_m:.0f}米）内"
    english: list[str] = []
    chinese: list[str] = []
    if requests:
        plural = "request" if requests == 1 else "requests"
        english.append(f"{requests} {plural} for {category.name_en.lower()}")
        chinese.append(f"{category.name_zh}需求{requests}条")
        mean_score = float(record["mean_score"])
        if attrs.get("has_score", True) and math.isfinite(mean_score):
            high = float(attrs.get("score_range", DEFAULT_SCORE_RANGE)[1])
            if attrs.get("score_kind", "priority") == "satisfaction":
                english[-1] += f" (mean satisfaction {mean_score:.1f}/{high:g}, low = high need)"
                chinese[-1] += f"（平均满意度{mean_score:.1f}/{high:g}）"
            else:
                english[-1] += f" (mean priority {mean_score:.1f}/{high:g})"
                chinese[-1] += f"（平均优先级{mean_score:.1f}/{high:g}）"
    else:
        english.append(f"no requests for {category.name_en.lower()} in the survey")
        chinese.append(f"问卷中无{category.name_zh}需求")
    if gap > 0:
        english.append(f"{gap:,.0f} of {residents:,.0f} residents not served {within_en}")
        chinese.append(f"{residents:,.0f}名居民中{gap:,.0f}人{within_zh}无此设施")
    elif residents > 0:
        english.append(
            f"all {residents:,.0f} residents served {within_en}: "
            "the requests may be about capacity, quality or opening hours"
        )
        chinese.append(f"{residents:,.0f}名居民均{within_zh}可达：需求或涉及容量、质量或开放时间")
    else:
        english.append("no mapped homes in this unit, so no computed gap")
        chinese.append("该单元无住宅数据，无法计算缺口")
    return "; ".join(english) + " | " + "；".join(chinese)


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


def _raw_text(value: object) -> str:
    """A cell as text, unaltered apart from missing values (``""``) and whole floats."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _text(value: object) -> str:
    return _raw_text(value).strip()


def _parse_number(text: str, *, suffixes: Sequence[str] = ()) -> float | None:
    """A finite number from text, tolerating full-width digits and a unit suffix."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for suffix in suffixes:
        folded = folded.removesuffix(suffix).strip()
    try:
        number = float(folded)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
