"""Tests for geo.surveys.checks: each bad row reported, categories, scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.district.model import District
from geo.inputs.tables import RowProblem
from geo.standards.taxonomy import Taxonomy
from tests.geo.surveys.survey_files import (
    HEADERS,
    good_row,
    survey,
    write_csv,
)

# --------------------------------------------------------------------------------------
# Validation: one bad row at a time
# --------------------------------------------------------------------------------------

BAD_ROWS: dict[str, tuple[dict[str, str], str, str]] = {
    # case: (cells replaced in the middle row, column reported, words of the reason)
    "swapped": (
        {"经度": "{lat}", "纬度": "{lon}"}, "经度/纬度", "latitude and longitude look swapped"
    ),
    "outside-study-area": (
        {"经度": "121.4737", "纬度": "31.2304"}, "经度/纬度", "outside the study area"
    ),
    "unknown-category": ({"需求类别": "停车位"}, "需求类别", "unknown category"),
    "unknown-second-need": ({"需求类别": "养老、停车位"}, "需求类别", "unknown category (停车位)"),
    "missing-category": ({"需求类别": ""}, "需求类别", "missing category"),
    "score-too-high": ({"优先级": "6"}, "优先级", "score out of range"),
    "score-zero": ({"优先级": "0"}, "优先级", "score out of range"),
    "score-not-a-number": ({"优先级": "很急"}, "优先级", "score is not a number"),
    "missing-score": ({"优先级": ""}, "优先级", "missing score"),
    "duplicate-id": ({"编号": "R1"}, "编号", "duplicate response: the same respondent id as row 2"),
    "duplicate-content": (
        {"经度": "{lon0}", "纬度": "{lat0}", "意见": "希望有助餐点"},
        "经度/纬度/小区/需求类别/意见",
        "duplicate response: the same location, category and comment as row 2",
    ),
    "missing-location": (
        {"经度": "", "纬度": "", "小区": ""}, "经度/纬度/小区", "missing location"
    ),
    "longitude-not-a-number": ({"经度": "东经121度"}, "经度", "coordinate is not a number"),
    "missing-latitude": ({"纬度": ""}, "纬度", "missing coordinate"),
    "unknown-compound": ({"经度": "", "纬度": "", "小区": "不存在花园"}, "小区", "no compound"),
    "ambiguous-compound": ({"经度": "", "纬度": "", "小区": "东园"}, "小区", "several compounds"),
    "placeholder-0-0": ({"经度": "0", "纬度": "0"}, "经度/纬度", "placeholder"),
    "latitude-out-of-range": ({"纬度": "95"}, "纬度", "latitude out of range"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_each_bad_row_is_reported_with_its_row_and_column(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    case: str,
) -> None:
    changes, column, reason = BAD_ROWS[case]
    p0, p1, p2 = home_points[:3]
    values = {"lon": f"{p1[0]:.7f}", "lat": f"{p1[1]:.7f}",
              "lon0": f"{p0[0]:.7f}", "lat0": f"{p0[1]:.7f}"}  # fmt: skip
    middle = dict(zip(HEADERS, good_row("R2", p1, comment="买菜太远"), strict=True))
    middle.update({key: text.format(**values) for key, text in changes.items()})
    rows = [good_row("R1", p0), [middle[h] for h in HEADERS], good_row("R3", p2)]
    path = write_csv(tmp_path / "bad.csv", rows, encoding="gbk")

    result = survey(path, lujiazui, taxonomy)

    assert len(result.rejected) == 1, result.report()
    problem = result.rejected[0]
    assert problem.row == 3
    assert problem.column == column
    assert reason in problem.reason
    assert sorted(set(result.responses["row"])) == [2, 4]
    assert result.rows_read == 3 and result.rows_accepted == 2 and result.rows_rejected == 1
    assert f"row 3, column {column}" in result.report()


def test_a_row_with_several_problems_reports_each(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    row = ["R1", "", "", "", "停车位", "99", "", ""]
    path = write_csv(tmp_path / "bad.csv", [good_row("R0", home_points[0]), row])
    result = survey(path, lujiazui, taxonomy)
    assert [(p.row, p.column) for p in result.rejected] == [
        (3, "需求类别"), (3, "优先级"), (3, "经度/纬度/小区"),
    ]  # fmt: skip
    assert all(isinstance(p, RowProblem) for p in result.rejected)


def test_duplicates_keep_the_first_and_spare_neighbours_without_comments(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, home_points: list[tuple[float, float]]
) -> None:
    rows = [
        # Rejected for its score, so the next row with its id is not a duplicate.
        ["R1", "", *[f"{v:.7f}" for v in home_points[0]], "养老", "9", "x", ""],
        ["R1", "", *[f"{v:.7f}" for v in home_points[0]], "养老", "5", "x", ""],
        # Two neighbours of one compound, same need, nothing written: two people.
        ["R2", "菊园", "", "", "养老", "5", "", ""],
        ["R3", "菊园", "", "", "养老", "5", "", ""],
        # The same words from the same compound: a double submission.
        ["R4", "菊园", "", "", "买菜", "5", "买菜要走很远", ""],
        ["R5", "菊园小区", "", "", "菜场", "4", "买菜要走很远", ""],
    ]
    result = survey(write_csv(tmp_path / "d.csv", rows), lujiazui, taxonomy)
    assert [(p.row, p.reason.split(":")[0]) for p in result.rejected] == [
        (2, "score out of range"), (7, "duplicate response"),
    ]  # fmt: skip
    assert "as row 6" in result.rejected[1].reason
    assert sorted(set(result.responses["row"])) == [3, 4, 5, 6]


# --------------------------------------------------------------------------------------
# Categories and scores
# --------------------------------------------------------------------------------------


# Meals for the elderly (助餐) are their own item, 社区食堂/助餐点, since the taxonomy follows
# GB 50180's 5-minute list; "elderly_care", the id before the split, still reads as day care.
@pytest.mark.parametrize(
    ("written", "item"),
    [("养老", "elderly_daycare"), ("Elderly Care", "elderly_daycare"),
     ("elderly_care", "elderly_daycare"), ("养老服务", "elderly_daycare"),
     ("日间照料", "elderly_daycare"), ("老年食堂", "canteen"), ("elderly canteen", "canteen"),
     ("长者食堂", "canteen"), ("助餐点", "canteen")],
)  # fmt: skip
def test_category_synonyms(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    written: str,
    item: str,
) -> None:
    path = write_csv(tmp_path / "s.csv", [good_row("S1", home_points[0], need=written)])
    result = survey(path, lujiazui, taxonomy)
    assert result.responses["category"].tolist() == [item]


@pytest.mark.parametrize(
    ("written", "categories"),
    [
        ("买菜、药店", ["food_market", "pharmacy"]),
        ("养老┋买菜┋养老院", ["elderly_daycare", "food_market", "nursing_home"]),
        ("托育、幼儿园", ["nursery", "kindergarten"]),
        ("公厕; 买药", ["toilet", "pharmacy"]),
    ],
)
def test_several_needs_in_one_cell(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    written: str,
    categories: list[str],
) -> None:
    path = write_csv(tmp_path / "m.csv", [good_row("M1", home_points[0], need=written)])
    result = survey(path, lujiazui, taxonomy)
    assert result.responses["category"].tolist() == categories
    assert set(result.responses["row"]) == {2}
    assert result.rows_accepted == 1


@pytest.mark.parametrize(
    ("kind", "scale", "scores", "needs"),
    [
        ("priority", (1.0, 5.0), ["1", "3", "5", "4.5"], [0.0, 0.5, 1.0, 0.875]),
        ("satisfaction", (1.0, 5.0), ["1", "3", "5", "2"], [1.0, 0.5, 0.0, 0.75]),
        ("priority", (0.0, 10.0), ["0", "7", "10", "２"], [0.0, 0.7, 1.0, 0.2]),
        ("satisfaction", (1.0, 10.0), ["10分", "1", "4", "7"], [0.0, 1.0, 2 / 3, 1 / 3]),
    ],
)
def test_scores_become_need(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    home_points: list[tuple[float, float]],
    kind: str,
    scale: tuple[float, float],
    scores: list[str],
    needs: list[float],
) -> None:
    rows = []
    for i, score in enumerate(scores):
        row = good_row(f"S{i}", home_points[i])
        row[5] = score
        rows.append(row)
    path = write_csv(tmp_path / "s.csv", rows)
    result = survey(path, lujiazui, taxonomy, score_kind=kind, score_range=scale)
    assert result.rejected == []
    assert result.responses["need"].tolist() == pytest.approx(needs)
    assert result.responses.attrs["score_kind"] == kind
