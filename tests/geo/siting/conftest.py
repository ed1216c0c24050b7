"""Fixtures of the siting tests: the Lujiazui analysis and its candidate sites."""

from __future__ import annotations

import pytest

from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.siting.candidates import Candidates, district_candidates, join_candidates
from geo.standards.taxonomy import Taxonomy


@pytest.fixture(scope="package")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="package")
def candidates(lujiazui: District) -> Candidates:
    return join_candidates(lujiazui, district_candidates(lujiazui))
