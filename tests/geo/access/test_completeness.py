"""Honest completeness: per level, over essential items with data; no data is named, not 0 %.

Oracles: a hand-made served matrix with the bundled taxonomy, and on both bundled districts
a brute-force recount from the facility counts and the homes' distances.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.access.analysis import analyse
from geo.access.completeness import compute_completeness
from geo.district.model import District
from geo.export import summary_dict
from geo.standards.taxonomy import Taxonomy


def test_no_data_items_are_named_and_left_out(taxonomy: Taxonomy) -> None:
    cats = tuple(taxonomy.ids)
    served = np.ones((len(cats), 4), dtype=bool)
    pop = np.array([10.0, 20.0, 30.0, 40.0])
    has_data = [True] * len(cats)
    # No nursing home at all (15-minute level): no data, the level's figure ignores it.
    has_data[cats.index("nursing_home")] = False
    served[cats.index("nursing_home")] = False
    # The kindergarten (5 min) misses the last two homes; the pharmacy is optional.
    served[cats.index("kindergarten"), 2:] = False
    served[cats.index("pharmacy")] = False
    got = compute_completeness(served, pop, taxonomy=taxonomy, categories=cats, has_data=has_data)
    levels = {lv.level: lv for lv in got.levels}
    assert levels[15].no_data == ("nursing_home",)
    assert "nursing_home" not in levels[15].with_data
    assert levels[15].share == pytest.approx(1.0)
    assert levels[5].share == pytest.approx(30 / 100)
    assert levels[10].share == pytest.approx(1.0)
    assert got.share == pytest.approx(0.3) and got.no_data == ("nursing_home",)


def test_a_level_with_no_item_with_data_has_no_figure(taxonomy: Taxonomy) -> None:
    cats = tuple(taxonomy.ids)
    has_data = [taxonomy.get(c).level != 15 for c in cats]
    got = compute_completeness(
        np.ones((len(cats), 2), dtype=bool),
        np.array([1.0, 1.0]),
        taxonomy=taxonomy,
        categories=cats,
        has_data=has_data,
    )
    fifteen = next(lv for lv in got.levels if lv.level == 15)
    assert fifteen.share is None and fifteen.to_json()["completeness"] is None
    assert set(fifteen.no_data) == set(taxonomy.essential_ids(15))


@pytest.mark.parametrize("name", ["lujiazui", "wangjing"])
def test_summary_carries_both_figures(
    name: str, lujiazui: District, wangjing: District, taxonomy: Taxonomy
) -> None:
    district = lujiazui if name == "lujiazui" else wangjing
    analysis = analyse(district, taxonomy)
    summary = summary_dict(analysis)
    counts = district.facility_counts()
    expected_no_data = [c for c in taxonomy.essential_ids() if counts.get(c, 0) == 0]
    assert summary["no_data_items"] == expected_no_data
    assert summary["no_data_count"] == len(expected_no_data) > 0
    with_data = [c for c in taxonomy.essential_ids() if c not in expected_no_data]
    rows = [analysis.categories.index(c) for c in with_data]
    limits = np.array([taxonomy.get(c).distance_m for c in with_data])[:, None]
    complete = (analysis.home_dist_m[rows] <= limits).all(axis=0)
    pop = analysis.homes["population"].to_numpy(dtype=float)
    assert summary["completeness"] == pytest.approx(pop[complete].sum() / pop.sum(), abs=1e-6)
    assert summary["completeness_over"] == "essential items with data"
    by_level = {lv["level_minutes"]: lv for lv in summary["levels"]}
    assert set(by_level) == {5, 10, 15}
    for level, lv in by_level.items():
        items = [c for c in with_data if taxonomy.get(c).level == level]
        rows = [analysis.categories.index(c) for c in items]
        lim = np.array([taxonomy.get(c).distance_m for c in items])[:, None]
        share = pop[(analysis.home_dist_m[rows] <= lim).all(axis=0)].sum() / pop.sum()
        assert lv["completeness"] == pytest.approx(share, abs=1e-6)
        assert lv["no_data"] == [c for c in expected_no_data if taxonomy.get(c).level == level]
    # The per-level figures carry information where the old single number was 0 %.
    assert any((lv["completeness"] or 0) > 0 for lv in summary["levels"])
    # Per item, optional ones too: no facility in the data is "no data".
    for c in summary["categories"]:
        assert c["no_data"] == (counts.get(c["id"], 0) == 0)
