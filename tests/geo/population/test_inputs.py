"""The user's files: building levels (any encoding, id or point), overrides saved as JSON,
population points outside the district rejected per row, and the elderly share/speed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from geo.access.analysis import analyse
from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.population import read_population_file
from geo.population.analysis import ElderlySettings, analyse_population
from geo.population.building_file import read_building_file
from geo.population.elderly import ELDERLY_ITEMS, elderly_taxonomy
from geo.population.estimate import estimate_population
from geo.population.overrides import (
    CompoundOverride,
    PopulationOverrides,
    load_overrides,
    population_overrides_path,
    save_overrides,
)
from geo.standards.taxonomy import Taxonomy


def test_building_levels_file_matches_by_id_and_point_and_reports_the_rest(
    lujiazui: District, tmp_path: Path
) -> None:
    homes = estimate_population(lujiazui).homes
    a, b = homes["home_id"].iloc[0], homes["home_id"].iloc[1]
    inside = homes.geometry.iloc[2].representative_point()
    lines = [
        "编号,经度,纬度,层数,高度",
        f"{a},,,24,",
        f"{b.split('/')[1]},,,,90",  # a bare number is a way id; 90 m → 30 floors
        f",{inside.x:.7f},{inside.y:.7f},18,",
        "way/1,,,10,",  # no such building, no point
        ",116.47,39.99,10,",  # a point in Beijing
        f"{a},,,1e308,",  # implausible
        f"{a},,,,",  # no value
    ]
    path = tmp_path / "levels.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    found = read_building_file(path, lujiazui.buildings)
    assert found.rows == 7
    assert found.buildings[a].levels == 24
    assert found.buildings[b].height_m == 90
    third = homes["home_id"].iloc[2]
    assert found.buildings[third].levels == 18
    assert [p.row for p in found.rejected] == [5, 6, 7, 8]
    assert "OSM id" in found.rejected[0].reason
    assert "contains this point" in found.rejected[1].reason
    assert "between 0 and 100" in found.rejected[2].reason
    overrides = PopulationOverrides(buildings=found.buildings)
    after = estimate_population(lujiazui, overrides=overrides).homes.set_index("home_id")
    assert after.loc[a, "levels"] == 24 and after.loc[a, "levels_source"] == "file"
    assert after.loc[b, "levels"] == 30
    assert after.loc[third, "levels"] == 18


def test_building_levels_file_without_useful_columns_is_one_clear_error(
    lujiazui: District, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("名称,备注\na,b\n", encoding="utf-8-sig")
    with pytest.raises(InputFileError, match="OSM id column"):
        read_building_file(path, lujiazui.buildings)


def test_overrides_round_trip_in_the_user_data_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path))
    path = population_overrides_path("lujiazui")
    assert path == tmp_path / "lujiazui" / "population.json"
    assert population_overrides_path("../etc").parent.parent == tmp_path
    assert load_overrides(path).is_empty
    ov = PopulationOverrides(elderly_share=0.3).with_compound("菊园", CompoundOverride(floors=20))
    save_overrides(path, ov)
    assert load_overrides(path) == ov
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)
    assert load_overrides(path).with_compound("菊园", CompoundOverride()).is_empty is False
    for bad in ('{"compounds": {"a": {"floors": 1e308}}}', "[1]", "{", '{"compounds": 3}'):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(InputFileError):
            load_overrides(path)
    with pytest.raises(InputFileError, match="elderly share"):
        CompoundOverride(elderly_share=1.5)


def test_population_file_rows_outside_the_district_are_rejected(
    lujiazui: District, tmp_path: Path
) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        "小区,经度,纬度,人口\n"
        "甲,121.500,31.235,800\n"
        "北京,116.470,39.990,1000\n"
        "乙,121.505,31.230,-4\n"
        "丙,abc,31.230,50\n"
        "丁,121.495,31.240,200\n",
        encoding="utf-8",
    )
    result = read_population_file(path, lujiazui.network, bbox=lujiazui.meta.bbox)
    assert result.homes["population"].sum() == 1000  # 800 + 200, not Beijing's 1,000
    assert [p.row for p in result.rejected] == [3, 4, 5]
    assert "outside the district" in result.rejected[0].reason
    # Without a district box (the old call) the Beijing row would count.
    loose = read_population_file(path, lujiazui.network)
    assert loose.homes["population"].sum() == 2000


def test_elderly_speed_and_share(lujiazui: District, taxonomy: Taxonomy, tmp_path: Path) -> None:
    slow = elderly_taxonomy(taxonomy, walk_m_per_min=60.0)
    for c in taxonomy.categories:
        expected = c.distance_m * 60.0 / (4000.0 / 60.0) if c.id in ELDERLY_ITEMS else c.distance_m
        assert slow.get(c.id).distance_m == pytest.approx(expected, abs=0.05)
    assert slow.get("elderly_daycare").distance_m == 270.0
    with pytest.raises(InputFileError):
        elderly_taxonomy(taxonomy, walk_m_per_min=90.0)
    # Give Lujiazui a day care so that the elderly item has data.
    point = lujiazui.facilities.iloc[[0]].copy()
    point["category"] = "elderly_daycare"
    point["facility_id"] = "test-daycare"
    district = lujiazui.with_facilities(point)
    key = "仁恒滨江园"
    ov = PopulationOverrides({key: CompoundOverride(elderly_share=0.5)})
    analysis, population = analyse_population(
        district, taxonomy, overrides=ov, elderly=ElderlySettings(share=0.2, walk_m_per_min=60.0)
    )
    # By hand: distances from a plain analysis, the 270 m threshold, shares per home.
    plain = analyse(district, taxonomy, homes=population.homes)
    row = plain.categories.index("elderly_daycare")
    within = plain.home_dist_m[row] <= 270.0
    shares = np.where(population.homes["compound"] == key, 0.5, 0.2)
    pop = population.homes["population"].to_numpy()
    item = next(i for i in analysis.population["elderly"]["items"] if i["id"] == "elderly_daycare")
    assert item["distance_m"] == 270.0
    assert item["elderly_residents"] == pytest.approx((pop * shares).sum(), abs=0.01)
    assert item["elderly_served"] == pytest.approx((pop * shares)[within].sum(), abs=0.01)
    assert not item["no_data"]
    canteen = next(i for i in analysis.population["elderly"]["items"] if i["id"] == "canteen")
    assert canteen["no_data"] and canteen["share"] is None
    assert json.dumps(analysis.population, ensure_ascii=False)
