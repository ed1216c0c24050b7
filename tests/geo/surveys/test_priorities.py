"""Tests for geo.surveys.priorities: the ranking, against plain recounts over the homes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.access.analysis import Analysis
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from geo.surveys.compounds import build_compounds
from geo.surveys.priorities import PRIORITY_COLUMNS, rank_priorities
from tests.geo.surveys.survey_files import (
    SAMPLE,
    survey,
    write_csv,
)


def _plain_hexagon_gaps(
    homes: pd.DataFrame, served: np.ndarray, categories: Sequence[str], resolution: int = 9
) -> dict[tuple[str, str], float]:
    gaps: dict[tuple[str, str], float] = {}
    for h, (lon, lat, population) in enumerate(
        zip(homes["lon"], homes["lat"], homes["population"], strict=True)
    ):
        cell = h3.latlng_to_cell(float(lat), float(lon), resolution)
        for c, category in enumerate(categories):
            if not served[c, h]:
                gaps[(cell, category)] = gaps.get((cell, category), 0.0) + float(population)
    return gaps


def test_stated_need_on_a_real_gap_ranks_first(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    # Three homes in three hexagons, 100 residents each. For elderly care: A and C are
    # not served, B is. Residents ask in A and B, nobody in C. Every other category
    # serves everyone.
    chosen: list[int] = []
    cells: set[str] = set()
    for i, (lon, lat) in enumerate(zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)):
        cell = h3.latlng_to_cell(float(lat), float(lon), 9)
        if cell not in cells:
            chosen.append(i)
            cells.add(cell)
        if len(chosen) == 3:
            break
    homes = analysis.homes.iloc[chosen].reset_index(drop=True).copy()
    homes["population"] = 100.0
    categories = list(analysis.categories)
    elderly = categories.index("elderly_daycare")
    served = np.ones((len(categories), 3), dtype=bool)
    served[elderly] = [False, True, False]
    controlled = dataclasses.replace(analysis, homes=homes, served=served)

    rows = []
    for home, label in ((0, "A"), (1, "B")):
        lon, lat = float(homes["lon"][home]), float(homes["lat"][home])
        for k, score in enumerate(("5", "4", "5")):
            rows.append([f"{label}{k}", "", f"{lon:.7f}", f"{lat:.7f}", "养老", score, "", ""])
    responses = survey(write_csv(tmp_path / "r.csv", rows), lujiazui, taxonomy).responses

    ranked = rank_priorities(controlled, responses)

    assert list(ranked.columns) == list(PRIORITY_COLUMNS)
    cell = [h3.latlng_to_cell(float(lat), float(lon), 9)
            for lon, lat in zip(homes["lon"], homes["lat"], strict=True)]  # fmt: skip
    by_unit = ranked.set_index("unit")
    assert ranked["unit"].tolist() == [cell[0], cell[2], cell[1]]  # A, then C, then B
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert set(ranked["category"]) == {"elderly_daycare"}
    plain = _plain_hexagon_gaps(homes, served, categories)
    for unit in cell:
        assert by_unit.loc[unit, "residents_not_served"] == pytest.approx(
            plain.get((unit, "elderly_daycare"), 0.0)
        )
    assert by_unit.loc[cell[0], "requests"] == 3 and by_unit.loc[cell[2], "requests"] == 0
    assert by_unit.loc[cell[0], "mean_need"] == pytest.approx((1.0 + 0.75 + 1.0) / 3, abs=1e-3)
    assert by_unit.loc[cell[0], "score"] == pytest.approx(1.0)
    assert by_unit.loc[cell[2], "score"] == pytest.approx(0.25)
    assert by_unit.loc[cell[1], "score"] == 0.0
    assert by_unit.loc[cell[0], "reasons"].startswith(
        "3 requests for elderly day care (mean priority 4.7/5); 100 of 100 residents not "
        "served within 5 min (300 m) | 老年人日间照料中心需求3条"
    )
    assert "no requests" in by_unit.loc[cell[2], "reasons"]
    assert "all 100 residents served" in by_unit.loc[cell[1], "reasons"]
    lat0, lon0 = h3.cell_to_latlng(cell[0])
    assert by_unit.loc[cell[0], "lon"] == pytest.approx(lon0, abs=1e-6)
    assert by_unit.loc[cell[0], "lat"] == pytest.approx(lat0, abs=1e-6)


def test_hexagon_ranking_of_the_sample_matches_a_plain_recount(
    analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    responses = survey(SAMPLE, lujiazui, taxonomy, crs="gcj02").responses
    ranked = rank_priorities(analysis, responses)
    categories = list(analysis.categories)

    gaps = _plain_hexagon_gaps(analysis.homes, analysis.served, categories)
    requests: dict[tuple[str, str], int] = {}
    for lon, lat, category in zip(
        responses["lon"], responses["lat"], responses["category"], strict=True
    ):
        key = (h3.latlng_to_cell(float(lat), float(lon), 9), str(category))
        requests[key] = requests.get(key, 0) + 1
    expected = {key for key, gap in gaps.items() if gap > 0} | set(requests)
    got = {
        (str(record["unit"]), str(record["category"])): record
        for record in ranked.to_dict("records")
    }

    assert set(got) == expected
    for key, row in got.items():
        assert row["residents_not_served"] == pytest.approx(gaps.get(key, 0.0), abs=0.06)
        assert row["requests"] == requests.get(key, 0)
    assert ranked["score"].is_monotonic_decreasing
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    # Need without a gap scores nothing; the first rows have both.
    assert (ranked.loc[ranked["residents_not_served"] == 0, "score"] == 0).all()
    top = ranked.iloc[0]
    assert top["requests"] > 0 and top["residents_not_served"] > 0
    # Stated need on a gap always beats the same gap unvoiced.
    both = ranked[(ranked["requests"] > 0) & (ranked["residents_not_served"] > 0)]
    alone = ranked[(ranked["requests"] == 0) & (ranked["residents_not_served"] > 0)]
    assert both["score"].max() > alone["score"].max()


def test_compound_ranking_matches_a_plain_recount(
    tmp_path: Path, analysis: Analysis, lujiazui: District, taxonomy: Taxonomy
) -> None:
    asked = {"东园一村": 4, "菊园": 2, "三航小区": 1}
    rows = [
        [f"{name}-{k}", name, "", "", "药店", "5", "", ""]
        for name, count in asked.items()
        for k in range(count)
    ]
    rows.append(["bldg", "29 - 30 phase Ⅱ", "", "", "药店", "5", "", ""])  # in 仁恒滨江园
    responses = survey(write_csv(tmp_path / "c.csv", rows), lujiazui, taxonomy).responses

    ranked = rank_priorities(analysis, responses, by="compound")

    pharmacy = ranked[ranked["category"] == "pharmacy"].set_index("unit")
    assert pharmacy.loc["东园一村", "requests"] == 4
    assert pharmacy.loc["菊园", "requests"] == 2
    assert pharmacy.loc["仁恒滨江园", "requests"] == 1
    assert "29 - 30 phase Ⅱ" not in pharmacy.index
    # Plain recount over named residential areas: each home in the smallest area
    # containing its point.
    west, south, east, north = lujiazui.meta.bbox
    study = shapely.box(west, south, east, north)
    areas = lujiazui.areas[
        (lujiazui.areas["kind"] == "residential") & (lujiazui.areas["name"] != "")
    ]
    polygons = {
        name: shapely.union_all(list(group.geometry)).intersection(study)
        for name, group in areas.groupby("name")
    }
    row = list(analysis.categories).index("pharmacy")
    totals: dict[str, float] = {}
    for h, (lon, lat) in enumerate(zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)):
        point = shapely.Point(lon, lat)
        inside = sorted(
            (poly.area, name) for name, poly in polygons.items() if poly.contains(point)
        )
        if inside and not analysis.served[row, h]:
            name = inside[0][1]
            totals[name] = totals.get(name, 0.0) + float(analysis.homes["population"][h])
    assert totals
    for name, total in totals.items():
        assert pharmacy.loc[name, "residents_not_served"] == pytest.approx(total, abs=0.06)
    first = ranked.iloc[0]
    assert first["category"] == "pharmacy" and first["requests"] > 0
    assert compound_centre_inside(lujiazui, ranked)


def compound_centre_inside(district: District, ranked: pd.DataFrame) -> bool:
    compounds = build_compounds(district).set_index("name")
    for unit, lon, lat in zip(ranked["unit"], ranked["lon"], ranked["lat"], strict=True):
        if not compounds.loc[unit, "geometry"].contains(shapely.Point(lon, lat)):
            return False
    return True


def test_ranking_rejects_bad_arguments(analysis: Analysis) -> None:
    empty = gpd.GeoDataFrame({"lon": [], "lat": [], "category": [], "need": [], "score": []},
                             geometry=[], crs="EPSG:4326")  # fmt: skip
    with pytest.raises(ValueError, match="by must be"):
        rank_priorities(analysis, empty, by="district")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resolution"):
        rank_priorities(analysis, empty, resolution=16)
    gaps_only = rank_priorities(analysis, empty)
    assert (gaps_only["requests"] == 0).all() and (gaps_only["residents_not_served"] > 0).all()
