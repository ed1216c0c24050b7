"""Resident needs surveys (问需于民): import a survey file and check every row.

Street offices ask residents what they need. The answers come as Excel sheets or WeChat
form exports: often GBK-encoded, with coordinates picked on Amap (GCJ-02) or Baidu
(BD-09), or with only the name of the compound (小区) the respondent lives in. This module
reads such a file and checks every row (:mod:`geo.surveys.checks`);
:mod:`geo.surveys.priorities` combines what residents ask for with the gaps the walking
analysis finds, so that a planner acts first where a stated need meets a real gap.

Reading
-------
:func:`read_survey` finds the columns whatever the headers are called (see
:data:`SURVEY_COLUMN_SYNONYMS`), converts coordinates to WGS-84 and places a response
either at its coordinates or, when it has none, at the compound it names (see
:func:`~geo.surveys.compounds.build_compounds`). Bad rows are never fixed silently: each
is left out and reported as a :class:`~geo.inventory.RowProblem` with the row number a
planner sees in Excel (header = row 1) and the column at fault.

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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.coords import CoordSystem, parse_coord_system
from geo.inputs.tables import match_columns, read_table
from geo.standards.taxonomy import Taxonomy
from geo.surveys.cells import raw_text
from geo.surveys.checks import (
    SurveyRow,
    check_category,
    check_duplicates,
    check_location,
    check_score,
    check_study_area,
    convert_coordinates,
)
from geo.surveys.compounds import CompoundIndex, build_compounds
from geo.surveys.result import DEFAULT_SCORE_RANGE, RESPONSE_COLUMNS, ScoreKind, SurveyResult

__all__ = ["SURVEY_COLUMN_SYNONYMS", "read_survey"]

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

_FIRST_DATA_ROW = 2  # the header is spreadsheet row 1


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
        names a response may give instead of coordinates (:func:`~.compounds.build_compounds`).
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
    index = CompoundIndex(compounds)
    rows: list[SurveyRow] = []
    for position, record in zip(table.index, table.to_dict("records"), strict=True):
        cells = {header: raw_text(record.get(header)) for header in headers}
        row = SurveyRow(row=int(position) + _FIRST_DATA_ROW, cells=cells)
        check_category(row, columns, taxonomy)
        check_score(row, columns, score_kind=score_kind, low=low, high=high)
        check_location(row, columns, index)
        rows.append(row)

    convert_coordinates(rows, system)
    check_study_area(rows, columns, bbox=district.meta.bbox, title=_district_title(district))
    check_duplicates(rows, columns)

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


def _responses_gdf(rows: Sequence[SurveyRow], columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    def cell(row: SurveyRow, field_name: str, *, strip: bool = True) -> str:
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
