"""Residents per compound against the README rule computed by hand from the raw OSM tags.

The oracle reads ``building:levels``/``height`` from the XML (``tests/conftest.py``'s own
parser), measures each footprint on the ellipsoid (pyproj's Geod) and applies the README:
floors = levels if 0 < levels ≤ 100, else height / 3 if 0 < height ≤ 400 m, else 6 for
apartments/residential/yes; residents = min(footprint × floors / 37, 5000).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from shapely.geometry import Point

from geo.access.analysis import analyse
from geo.district.model import District
from geo.population.compounds import OUTSIDE, build_compound_areas
from geo.population.estimate import check_buildings, estimate_population
from geo.population.overrides import CompoundOverride, PopulationOverrides
from geo.standards.taxonomy import Taxonomy
from tests.conftest import OsmXml, geodesic_area_m2

DEFAULTS = {"apartments": 6.0, "residential": 6.0, "yes": 6.0, "dormitory": 5.0, "house": 2.0}


def _number(text: str | None) -> float | None:
    try:
        return float(str(text).replace("m", "").strip()) if text is not None else None
    except ValueError:
        return None


def hand_floors(tags: dict[str, str]) -> float:
    levels = _number(tags.get("building:levels"))
    if levels is not None and 0 < levels <= 100:
        return max(1.0, round(levels, 1))
    height = _number(tags.get("height"))
    if height is not None and 0 < height <= 400:
        return max(1.0, round(height / 3.0, 1))
    return DEFAULTS.get(tags.get("building", "yes"), 6.0)


@pytest.fixture(scope="module")
def population(lujiazui: District):  # type: ignore[no-untyped-def]
    return estimate_population(lujiazui)


def test_residents_follow_the_readme_rule(population, lujiazui_osm: OsmXml) -> None:  # type: ignore[no-untyped-def]
    tags = {f"way/{w.id}": w.tags for w in lujiazui_osm.ways}
    homes = population.homes
    floors = np.array([hand_floors(tags[h]) for h in homes["home_id"]])
    np.testing.assert_allclose(homes["levels"], floors)
    area = np.array([geodesic_area_m2(g) for g in homes.geometry])
    expected = np.minimum(area * floors / 37.0, 5000.0)
    # The analysis measures in UTM (scale factor within 0.1 % of the ellipsoid here).
    np.testing.assert_allclose(homes["population"], expected, rtol=2e-3)
    # The compound table adds up to the same residents, homes and floor sources.
    table = population.compounds
    assert table["homes"].sum() == len(homes)
    assert table["residents"].sum() == pytest.approx(expected.sum(), rel=2e-3)
    tagged = sum(1 for h in homes["home_id"] if _number(tags[h].get("building:levels")))
    assert table["with_levels"].sum() == tagged
    assert (
        table["with_levels"] + table["with_height"] + table["defaulted"] == table["homes"]
    ).all()
    share, default = population.default_floors()
    assert default == 6.0
    assert share == pytest.approx((table["defaulted"].sum()) / len(homes))


def test_homes_belong_to_the_smallest_compound_containing_them(
    population, lujiazui: District
) -> None:  # type: ignore[no-untyped-def]
    areas = build_compound_areas(lujiazui)
    for home, key in zip(population.homes.itertuples(), population.homes["compound"], strict=True):
        point = Point(home.lon, home.lat)
        inside = [
            (g.area, k)
            for k, g in zip(areas["key"], areas.geometry, strict=True)
            if g.contains(point)
        ]
        assert key == (min(inside)[1] if inside else OUTSIDE)
    assert population.compounds["compound"].iloc[-1] == OUTSIDE


def test_overrides_change_residents_served_by_exactly_the_expected_amount(
    lujiazui: District, taxonomy: Taxonomy, population
) -> None:  # type: ignore[no-untyped-def]
    base = analyse(lujiazui, taxonomy, homes=population.homes)
    key = "东昌新村"
    overrides = PopulationOverrides({key: CompoundOverride(floors=18)})
    changed = estimate_population(lujiazui, overrides=overrides)
    after = analyse(lujiazui, taxonomy, homes=changed.homes)
    mask = (population.homes["compound"] == key).to_numpy()
    old = population.homes["population"].to_numpy()
    new = changed.homes["population"].to_numpy()
    # 6 default floors → 18: each of its homes holds exactly three times as many residents.
    np.testing.assert_allclose(new[mask], np.minimum(old[mask] * 3, 5000.0))
    np.testing.assert_allclose(new[~mask], old[~mask])
    for i, cid in enumerate(base.categories):
        delta = float((new - old)[mask & base.served[i]].sum())
        got = after.coverage.row(cid)["served"] - base.coverage.row(cid)["served"]
        assert got == pytest.approx(delta, abs=1e-6), cid
    row = changed.compounds.set_index("compound").loc[key]
    assert row["override"] == "floors" and row["floors_min"] == row["floors_max"] == 18


def test_a_residents_override_sets_the_compound_total(lujiazui: District, population) -> None:  # type: ignore[no-untyped-def]
    key = "仁恒滨江园"
    changed = estimate_population(
        lujiazui, overrides=PopulationOverrides({key: CompoundOverride(residents=9000)})
    )
    mask = (changed.homes["compound"] == key).to_numpy()
    assert changed.homes["population"].to_numpy()[mask].sum() == pytest.approx(9000)
    # Shared by floor area: the ratio between two homes is that of footprint × floors.
    homes = changed.homes[mask]
    weight = homes["footprint_m2"] * homes["levels"]
    np.testing.assert_allclose(homes["population"], 9000 * weight / weight.sum())
    report = changed.report()
    assert [r["compound"] for r in report["overridden_compounds"]] == [key]
    before = population.compounds.set_index("compound").loc[key, "residents"]
    assert report["overridden_compounds"][0]["residents_estimated"] == pytest.approx(
        before, abs=0.01
    )
    unknown = estimate_population(
        lujiazui, overrides=PopulationOverrides({"no such place": CompoundOverride(floors=3)})
    )
    assert unknown.unknown_compounds == ("no such place",)


def test_implausible_levels_and_heights_are_ignored_with_a_message(lujiazui: District) -> None:
    homes = estimate_population(lujiazui).homes
    ids = homes["home_id"].tolist()[:4]
    buildings = lujiazui.buildings.copy()
    at = buildings["osm_id"].isin(ids)
    values = {
        ids[0]: (1e308, np.nan),
        ids[1]: (-3.0, np.nan),
        ids[2]: (np.nan, 5000.0),
        ids[3]: (40, np.nan),
    }
    for osm_id, (levels, height) in values.items():
        buildings.loc[buildings["osm_id"] == osm_id, ["levels", "height_m"]] = [levels, height]
    # One absurdly large footprint with 100 floors: at most 5,000 residents.
    big = buildings.index[at][3]
    buildings.loc[big, "levels"] = 100.0
    buildings.loc[big, "geometry"] = buildings.loc[big, "geometry"].buffer(0.003)
    district = replace(lujiazui, buildings=buildings)
    checked = estimate_population(district)
    by_id = checked.homes.set_index("home_id")
    for osm_id in ids[:3]:
        assert by_id.loc[osm_id, "levels"] == 6.0  # the default, not 1e308, -3 or 1,667
        assert by_id.loc[osm_id, "levels_source"] == "default"
    assert by_id.loc[ids[3], "population"] == 5000.0
    assert checked.homes["population"].max() <= 5000.0
    text = "\n".join(checked.checks)
    assert f"{ids[0]}: building:levels=1e+308" in text
    assert f"{ids[1]}: building:levels=-3" in text
    assert f"{ids[2]}: height=5000 m" in text
    assert f"{ids[3]}:" in text and "capped at 5,000" in text
    assert check_buildings(district) == list(checked.checks)
