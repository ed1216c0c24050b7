"""The outcome of reading a survey file: usable responses and the rows left out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd

from geo.inputs.coords import CoordSystem
from geo.inputs.tables import RowProblem

__all__ = ["DEFAULT_SCORE_RANGE", "RESPONSE_COLUMNS", "ScoreKind", "SurveyResult"]

ScoreKind = Literal["priority", "satisfaction"]

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

DEFAULT_SCORE_RANGE = (1.0, 5.0)

_SYSTEM_LABELS = {
    CoordSystem.WGS84: "WGS-84",
    CoordSystem.GCJ02: "GCJ-02",
    CoordSystem.BD09: "BD-09",
}


@dataclass(frozen=True, eq=False)
class SurveyResult:
    """The usable responses of a survey file and the rows left out.

    Attributes
    ----------
    responses
        One row per (file row, category): a cell naming several needs gives several
        responses with the same ``row``. Columns :data:`RESPONSE_COLUMNS`: ``row``
        (Excel row number), ``respondent``, ``category`` (taxonomy id), ``score`` (as
        written, NaN without a score column), ``need`` (0–1, see :mod:`geo.surveys.read`),
        ``comment`` (exactly as written), ``group`` (age band or group), ``location_name``
        (the compound column as written), ``compound`` (the OSM compound the name matched,
        else empty), ``located_by`` (``"coordinates"`` or ``"name"``), ``lon``/``lat`` and
        point geometry in WGS-84, and ``extra``: a dict of every original cell of the row
        as text, keyed by the file's headers. ``responses.attrs`` records ``score_kind``,
        ``score_range`` and ``has_score`` for :func:`~.priorities.rank_priorities`.
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
