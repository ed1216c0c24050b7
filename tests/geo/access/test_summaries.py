"""Summaries by H3 area: the numbers add up to the coverage table, hexagon by hexagon.

The oracle places every home in the hexagon *polygon* that contains its representative
point (shapely point-in-polygon, no H3 indexing) and recounts residents, served and not
served residents from ``Analysis.home_dist_m`` and the tier distances read from the
taxonomy file; the district totals are compared with ``Analysis.coverage``.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import yaml

from geo.access.analysis import Analysis, analyse
from geo.access.summaries import SUMMARY_COLUMNS, area_summary, summary_resolution
from geo.district.model import District
from geo.errors import TaxonomyError
from geo.settings import DATA_DIR
from geo.standards.taxonomy import Taxonomy


@pytest.fixture(scope="module", params=["lujiazui", "wangjing"])
def analysis(request: pytest.FixtureRequest, taxonomy: Taxonomy) -> Analysis:
    district: District = request.getfixturevalue(request.param)
    return analyse(district, taxonomy)


def tier_m_from_yaml() -> dict[str, float]:
    doc = yaml.safe_load((DATA_DIR / "taxonomy.yaml").read_text(encoding="utf-8"))
    levels = {int(k): float(v["distance_m"]) for k, v in doc["levels"].items()}
    # An item's own service distance, else its level's (the file's documented rule).
    return {c["id"]: float(c.get("distance_m", levels[int(c["level"])])) for c in doc["categories"]}


def recount_by_polygon(a: Analysis, summary: object, category: str, within_m: float) -> dict:
    """Per summary row: homes, residents and served residents whose point lies inside it."""
    geoms = summary.geometry.to_numpy()  # type: ignore[attr-defined]
    points = shapely.points(a.homes["lon"].to_numpy(), a.homes["lat"].to_numpy())
    pop = a.homes["population"].to_numpy(dtype=float)
    served = a.home_dist_m[a.categories.index(category)] <= within_m
    homes, residents, served_pop = [], [], []
    for hexagon in geoms:
        inside = shapely.contains(hexagon, points) | shapely.touches(hexagon, points)
        homes.append(int(inside.sum()))
        residents.append(float(pop[inside].sum()))
        served_pop.append(float(pop[inside & served].sum()))
    return {"homes": homes, "residents": residents, "served": served_pop}


@pytest.mark.parametrize("category", ["health_centre", "park_large", "food_market"])
def test_the_hexagons_add_up_to_the_coverage_table(analysis: Analysis, category: str) -> None:
    summary = area_summary(analysis, category=category)
    assert list(summary.columns[:-1]) == SUMMARY_COLUMNS  # and the geometry
    cov = analysis.coverage.by_category.loc[category]
    assert summary["homes"].sum() == len(analysis.homes)
    assert summary["residents"].sum() == pytest.approx(analysis.coverage.residents_total)
    assert summary["served"].sum() == pytest.approx(cov["served"])
    assert summary["not_served"].sum() == pytest.approx(cov["not_served"])
    # The default distance is the category's tier, as in the taxonomy file.
    assert cov["tier_m"] == tier_m_from_yaml()[category]


@pytest.mark.parametrize("category", ["health_centre", "primary_school"])
def test_each_hexagon_holds_the_homes_inside_its_polygon(analysis: Analysis, category: str) -> None:
    within_m = 500.0
    summary = area_summary(analysis, category=category, within_m=within_m, resolution=9)
    expected = recount_by_polygon(analysis, summary, category, within_m)
    assert summary["homes"].tolist() == expected["homes"]
    assert summary["residents"].to_numpy() == pytest.approx(expected["residents"])
    assert summary["served"].to_numpy() == pytest.approx(expected["served"])
    share = summary["share"].to_numpy()
    assert np.all((share >= 0) & (share <= 1))
    # Most residents not served first.
    assert np.all(np.diff(summary["not_served"].to_numpy()) <= 1e-9)


def test_facilities_are_counted_in_their_hexagon(analysis: Analysis) -> None:
    summary = area_summary(analysis, category="health_centre", resolution=8)
    fac = analysis.facilities[analysis.facilities["category"] == "health_centre"]
    points = shapely.points(fac["lon"].to_numpy(), fac["lat"].to_numpy())
    for hexagon, count in zip(summary.geometry, summary["facilities"], strict=True):
        assert count == int(shapely.contains(hexagon, points).sum())


def test_a_coarser_grid_when_the_fine_one_has_too_many_hexagons(analysis: Analysis) -> None:
    fine = area_summary(analysis, category="health_centre", resolution=9)
    coarse_res = summary_resolution(analysis, max_cells=len(fine) - 1)
    assert coarse_res < 9
    coarse = area_summary(analysis, category="health_centre", max_cells=len(fine) - 1)
    assert len(coarse) <= len(fine) - 1
    assert set(coarse["resolution"]) == {coarse_res}
    # Still every resident, whatever the grid.
    assert coarse["residents"].sum() == pytest.approx(fine["residents"].sum())
    assert summary_resolution(analysis, max_cells=len(fine)) == 9


def test_an_unknown_category_is_refused(analysis: Analysis) -> None:
    with pytest.raises(TaxonomyError, match="unknown category"):
        area_summary(analysis, category="no-such-category")
