"""Candidate sites: from the data, from a planner's file, and how they join the network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyproj
import pytest
from openpyxl import Workbook
from shapely.geometry import Point, box

from geo.access.homes import select_homes
from geo.district.model import District
from geo.errors import CoordinateError, InputFileError
from geo.inputs.coords import CoordSystem, from_wgs84
from geo.scenarios.apply import scenario_sources
from geo.scenarios.model import Intervention, Scenario, ScenarioMeta
from geo.siting.candidate_files import read_candidate_file
from geo.siting.candidates import (
    PUBLIC_BUILDING_TYPES,
    Candidates,
    building_candidates,
    concat_candidates,
    district_candidates,
    entrance_candidates,
    join_candidates,
    plot_candidates,
    point_candidates,
)
from geo.siting.settings import SitingError
from tests.conftest import LUJIAZUI_BBOX, OsmXml, way_geometry

GEOD = pyproj.Geod(ellps="WGS84")
VACANT = {"brownfield", "greenfield", "construction"}


def test_vacant_plots_are_the_landuse_ways_of_the_file(
    lujiazui: District, lujiazui_osm: OsmXml
) -> None:
    area = box(*LUJIAZUI_BBOX)
    expected = {
        f"plot:way/{w.id}"
        for w in lujiazui_osm.ways
        if w.tags.get("landuse") in VACANT
        and len(w.refs) >= 4
        and w.refs[0] == w.refs[-1]
        and area.intersects(way_geometry(lujiazui_osm, w.refs))
    }
    plots = plot_candidates(lujiazui)
    assert expected and set(plots["candidate_id"]) == expected
    assert set(plots.geometry.geom_type) == {"Polygon"}
    assert all(
        g.contains(Point(x, y))
        for g, x, y in zip(plots.geometry, plots.lon, plots.lat, strict=True)
    )


def test_public_buildings_are_named_non_residential_and_not_homes(lujiazui: District) -> None:
    found = building_candidates(lujiazui)
    homes = set(select_homes(lujiazui.buildings, lujiazui.areas)["osm_id"])
    b = lujiazui.buildings.set_index("osm_id")
    ids = [c.removeprefix("building:") for c in found["candidate_id"]]
    assert len(ids) > 50
    assert not homes & set(ids)
    assert set(b.loc[ids, "building"]) <= PUBLIC_BUILDING_TYPES
    assert (b.loc[ids, "name"].str.strip() != "").all()
    # Every named building of those types that is not a home is there.
    named = b[(b["name"].str.strip() != "") & b["building"].isin(PUBLIC_BUILDING_TYPES)]
    assert set(named.index) - homes == set(ids)
    inside = [
        geom.contains(Point(x, y))
        for geom, x, y in zip(b.loc[ids].geometry, found["lon"], found["lat"], strict=True)
    ]
    assert all(inside)


def test_entrances_and_the_mix_of_sources(lujiazui: District) -> None:
    gates = entrance_candidates(lujiazui)
    assert len(gates) == 40  # the compound entrances of the doorstep circles
    all_ = district_candidates(lujiazui)
    assert len(all_) == len(plot_candidates(lujiazui)) + len(building_candidates(lujiazui)) + 40
    assert all_["candidate_id"].is_unique
    with pytest.raises(SitingError, match="unknown candidate source"):
        district_candidates(lujiazui, sources=["plots", "parking"])


def test_candidates_join_as_the_scenario_features_they_become(
    lujiazui: District, candidates: Candidates
) -> None:
    table = candidates.table
    picks = sorted({*np.flatnonzero(table["kind"] == "space").tolist(), *range(0, len(table), 17)})
    items = tuple(
        Intervention(
            id=f"c{i}",
            kind=str(table.at[i, "kind"]),
            geometry=table.geometry.iloc[i],
            category="sports" if table.at[i, "kind"] == "facility" else None,
            provides=("sports",) if table.at[i, "kind"] == "space" else (),
        )
        for i in picks
    )
    _, rows, _ = scenario_sources(Scenario("s", ScenarioMeta(), items), lujiazui.network)
    groups = candidates.groups(picks)
    for i, (pos, cost) in zip(picks, groups, strict=True):
        theirs = rows[rows["facility_id"] == f"c{i}"]
        assert sorted(zip(pos.tolist(), cost.tolist(), strict=True)) == sorted(
            zip(theirs["node_pos"].tolist(), theirs["cost_m"].tolist(), strict=True)
        )


def test_no_candidates_is_refused(lujiazui: District) -> None:
    with pytest.raises(SitingError, match="no candidate sites"):
        join_candidates(lujiazui, concat_candidates([]))


def test_a_given_candidate_far_from_any_street_is_refused(lujiazui: District) -> None:
    # Inside the study area, some 480 m from the nearest walkable way (the river).
    far = point_candidates([(121.4880, 31.2450)], names=["江边"])
    with pytest.raises(SitingError, match=r"'江边' \(click:1\) is \d+ m from the nearest"):
        join_candidates(lujiazui, far)
    outside = point_candidates([(121.60, 31.235)])
    with pytest.raises(CoordinateError, match="outside the study area"):
        join_candidates(lujiazui, outside)


def test_data_candidates_far_from_streets_are_left_out_and_counted(lujiazui: District) -> None:
    far = point_candidates([(121.4880, 31.2450), (121.5000, 31.2350)], source="osm:entrance")
    joined = join_candidates(lujiazui, far)
    assert len(joined) == 1 and joined.left_out == {"osm:entrance": 1}
    assert joined.table["join_m"].iloc[0] < 150


def write_rows(path: Path, rows: list[list[object]], encoding: str) -> Path:
    path.write_bytes(("\n".join(",".join(map(str, r)) for r in rows) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize("system", [CoordSystem.GCJ02, CoordSystem.BD09, CoordSystem.WGS84])
def test_candidate_csv_in_gbk_and_chinese_coordinates(tmp_path: Path, system: CoordSystem) -> None:
    wgs = [(121.5010, 31.2330), (121.5050, 31.2300)]
    given = [from_wgs84(lon, lat, target=system) for lon, lat in wgs]
    rows: list[list[object]] = [["名称", "经度", "纬度", "造价（万元）", "床位"]]
    rows += [[f"点位{i}", f"{x:.8f}", f"{y:.8f}", 30 + i, ""] for i, (x, y) in enumerate(given)]
    rows += [["坏行", "abc", "31.23", "", ""], ["反了", "31.23", "121.50", "", ""]]
    rows += [["贵", "121.50", "31.23", "-5", ""]]
    path = write_rows(tmp_path / "candidates.csv", rows, "gbk")
    got = read_candidate_file(path, coord_system=system)
    assert got.candidates["name"].tolist() == ["点位0", "点位1"]
    assert got.candidates["cost"].tolist() == [30.0, 31.0]
    assert got.candidates["capacity"].isna().all()
    for (lon, lat), x, y in zip(wgs, got.candidates["lon"], got.candidates["lat"], strict=True):
        assert GEOD.inv(lon, lat, x, y)[2] < 0.5
    reasons = {(p.row, p.reason.split(" ")[0]) for p in got.rejected}
    assert reasons == {(4, "not"), (5, "swapped?"), (6, "cost")}


def test_candidate_xlsx_and_geojson_with_a_plot(tmp_path: Path, lujiazui: District) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Longitude", "Latitude", "Cost"])
    sheet.append(["corner", 121.5010, 31.2330, 12.5])
    book.save(tmp_path / "c.xlsx")
    xlsx = read_candidate_file(tmp_path / "c.xlsx", coord_system=CoordSystem.WGS84)
    assert xlsx.candidates["cost"].tolist() == [12.5] and not xlsx.rejected

    plot = box(121.5045, 31.2295, 121.5050, 31.2299)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"名称": "空地"},
                "geometry": json.loads(json.dumps(plot.__geo_interface__)),
            },
            {
                "type": "Feature",
                "properties": {"name": "kiosk"},
                "geometry": {"type": "Point", "coordinates": [121.5010, 31.2330]},
            },
        ],
    }
    (tmp_path / "c.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    geo = read_candidate_file(tmp_path / "c.geojson", coord_system=CoordSystem.WGS84)
    joined = join_candidates(lujiazui, geo.candidates)
    assert joined.table["kind"].tolist() == ["space", "facility"]
    assert joined.table.geometry.iloc[0].equals(plot)


def test_candidate_file_without_coordinates_is_refused(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "c.csv", [["名称", "地址"], ["a", "b"]], "utf-8")
    with pytest.raises(InputFileError, match="lacks the column"):
        read_candidate_file(path, coord_system=CoordSystem.WGS84)
