"""The coverage matrix: searches on a part of the network agree with the whole network."""

from __future__ import annotations

import numpy as np
import pytest

from geo.access.analysis import Analysis
from geo.siting.candidates import Candidates
from geo.siting.coverage import _search_batches, build_coverage
from geo.siting.settings import SitingSettings


@pytest.mark.parametrize("category", ["elderly_daycare", "culture_centre"])
def test_parts_of_the_network_give_the_same_matrix(
    analysis: Analysis, candidates: Candidates, category: str
) -> None:
    tier = analysis.taxonomy.get(category).distance_m
    network = analysis.district.network
    one_each = list(_search_batches(network, candidates, tier, 1))
    assert any(part is not None for _, part in one_each)  # searches on parts of it
    assert sorted(p for positions, _ in one_each for p in positions) == list(range(len(candidates)))
    whole = list(_search_batches(network, candidates, tier, 10_000))
    assert [part for _, part in whole] == [None]  # one batch on the whole network
    small = build_coverage(analysis, category, candidates, settings=SitingSettings(batch=1))
    large = build_coverage(analysis, category, candidates, settings=SitingSettings(batch=10_000))
    assert small.n_pairs > 0
    assert np.array_equal(small.homes, large.homes)
    assert (small.covers != large.covers).nnz == 0
