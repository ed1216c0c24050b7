"""Tests for geo.surveys.compounds: compound names locate responses."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from geo.surveys.compounds import build_compounds
from tests.geo.surveys.survey_files import (
    area_polygon,
    survey,
    write_csv,
)


@pytest.mark.parametrize(
    ("written", "compound"),
    [
        ("东园一村", "东园一村"),
        ("东园一村小区", "东园一村"),
        ("浦东新区 东园一村", "东园一村"),
        ("东园 一村", "东园一村"),
        ("招远", "招远小区"),
        ("世贸滨江花园北区", "世贸滨江花园-北区"),
        ("中粮海景壹号", "中粮·海景壹号"),
        ("海景壹号", "中粮·海景壹号"),
        ("ＪＵ园", None),
    ],
)
def test_compound_names_locate_responses(
    tmp_path: Path, lujiazui: District, taxonomy: Taxonomy, written: str, compound: str | None
) -> None:
    path = write_csv(tmp_path / "n.csv", [["N1", written, "", "", "养老", "5", "", ""]])
    result = survey(path, lujiazui, taxonomy)
    if compound is None:
        assert [p.column for p in result.rejected] == ["小区"]
        return
    assert result.rejected == []
    response = result.responses.iloc[0]
    assert response["compound"] == compound
    assert response["location_name"] == written
    assert response["located_by"] == "name"
    polygon = area_polygon(lujiazui, compound)
    assert polygon.contains(shapely.Point(response["lon"], response["lat"]))


def test_named_residential_buildings_are_compounds_too(lujiazui: District) -> None:
    compounds = build_compounds(lujiazui)
    assert list(compounds.columns) == ["name", "kind", "parent", "lon", "lat", "geometry"]
    buildings = compounds[compounds["kind"] == "building"].set_index("name")
    assert buildings.loc["瑞苑公寓", "parent"] == ""
    assert buildings.loc["29 - 30 phase Ⅱ", "parent"] == "仁恒滨江园"
    west, south, east, north = lujiazui.meta.bbox
    assert compounds["lon"].between(west, east).all()
    assert compounds["lat"].between(south, north).all()
    assert compounds["name"].is_unique
