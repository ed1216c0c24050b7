"""Fixtures shared by the tests of geo.surveys: homes to place answers at, the analysis."""

from __future__ import annotations

import pytest

from geo.access.analysis import Analysis, analyse
from geo.access.homes import select_homes
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def home_points(lujiazui: District) -> list[tuple[float, float]]:
    """WGS-84 points inside residential buildings of Lujiazui, well inside the study area."""
    homes = select_homes(lujiazui.buildings, lujiazui.areas)
    west, south, east, north = lujiazui.meta.bbox
    margin = 0.001
    points = []
    for geometry in homes.geometry:
        point = geometry.representative_point()
        if west + margin < point.x < east - margin and south + margin < point.y < north - margin:
            points.append((round(point.x, 7), round(point.y, 7)))
    assert len(points) >= 30
    return points


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)
