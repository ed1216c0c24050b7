"""A suggestion's tables, its scenario through apply/compare, and survey weights."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pytest

from geo.access.analysis import Analysis
from geo.scenarios.apply import apply_scenario
from geo.scenarios.compare import compare
from geo.scenarios.model import loads_scenario
from geo.siting.candidates import Candidates
from geo.siting.results import SITE_COLUMNS, suggest_sites
from geo.siting.weights import need_factors, need_weights
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import rank_priorities
from geo.surveys.read import read_survey

SAMPLE_SURVEY = Path(__file__).resolve().parents[3] / "data" / "sample_survey_lujiazui.csv"


@pytest.mark.parametrize(
    ("category", "question"),
    [("sports", {"k": 5}), ("elderly_daycare", {"target": 0.4}), ("culture_centre", {"k": 2})],
)
def test_the_scenario_reproduces_the_residents_newly_served(
    analysis: Analysis,
    candidates: Candidates,
    taxonomy: Taxonomy,
    category: str,
    question: dict[str, float],
) -> None:
    s = suggest_sites(analysis, category, candidates, **question)  # type: ignore[arg-type]
    sites = s.sites_table()
    assert list(sites.columns) == SITE_COLUMNS
    assert sites["residents_added"].sum() == pytest.approx(s.solution.residents_new)
    assert (sites["residents_added"] > 0).all()
    assert (sites["residents_added"] <= sites["residents_reach"] + 1e-9).all()
    homes = s.newly_served_homes(analysis)
    assert homes["population"].sum() == pytest.approx(s.solution.residents_new)

    # The file a planner gets, read back like any scenario, through apply and compare.
    scenario = loads_scenario(s.to_scenario(district="lujiazui").dumps(), taxonomy=taxonomy)
    assert len(scenario.interventions) == s.solution.sites
    after = apply_scenario(analysis, scenario)
    row = compare(analysis, after).by_category.loc[category]
    assert row["delta"] == pytest.approx(s.solution.residents_new, rel=1e-12)
    assert int(row["homes_newly_served"]) == len(homes)
    newly = (
        after.served[after.categories.index(category)]
        & ~analysis.served[analysis.categories.index(category)]
    )
    assert set(analysis.homes["home_id"][newly]) == set(homes["home_id"])


def test_the_plot_becomes_a_space_that_provides_the_category(
    analysis: Analysis, candidates: Candidates
) -> None:
    plots = np.flatnonzero(candidates.table["kind"] == "space")
    s = suggest_sites(analysis, "sports", candidates.subset(plots), k=1)
    scenario = s.to_scenario(district="lujiazui")
    assert [(i.kind, i.provides) for i in scenario.interventions] == [("space", ("sports",))]


def test_survey_weights_are_the_priorities_needs_times_gaps(
    analysis: Analysis, candidates: Candidates, taxonomy: Taxonomy
) -> None:
    survey = read_survey(
        SAMPLE_SURVEY, taxonomy=taxonomy, district=analysis.district, coord_system="gcj02"
    )
    category = "elderly_daycare"
    factors = need_factors(analysis, survey.responses, category)
    ranked = rank_priorities(analysis, survey.responses)
    mine = ranked[ranked["category"] == category].set_index("unit")["need_share"]
    assert (mine > 0).any()
    for (lon, lat), factor in zip(
        zip(analysis.homes["lon"], analysis.homes["lat"], strict=True), factors, strict=True
    ):
        share = float(mine.get(h3.latlng_to_cell(lat, lon, 9), 0.0))
        assert factor == pytest.approx(0.25 + 0.75 * share)
    weight = need_weights(analysis, survey.responses, category)
    plain = suggest_sites(analysis, category, candidates, k=3)
    weighted = suggest_sites(analysis, category, candidates, k=3, weight=weight)
    assert weighted.matrix.weighted and not plain.matrix.weighted
    # Each is optimal for its own objective, so neither beats the other on it.
    m = weighted.matrix
    plain_value = float(weight[m.homes[m.covered_by(list(plain.solution.chosen))]].sum())
    assert weighted.solution.value >= plain_value - 1e-9
    assert plain.solution.residents_new >= weighted.solution.residents_new - 1e-9
