"""``lifecircle analyze --areas``: areas.csv and the GeoPackage layer, or one line why not."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo.areas.sources import example_area_file
from geo.settings import Settings
from lifecircle.cli.main import main

FORMULA = '=HYPERLINK("http://x","click")'


@pytest.fixture(autouse=True)
def _shared_cache(monkeypatch: pytest.MonkeyPatch, session_settings: Settings) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(session_settings.cache_dir))


def test_analyze_writes_areas_csv_and_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = example_area_file("lujiazui")
    assert example is not None
    doc = json.loads(example.read_text("utf-8"))
    doc["features"][0]["properties"]["name"] = FORMULA  # a name that would run in Excel
    areas_file = tmp_path / "areas.geojson"
    areas_file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["analyze", "lujiazui", "--out", str(out), "--areas", str(areas_file), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "areas: 5 areas from areas.geojson; 0 homes (~0 residents) outside every area" in printed
    table = pd.read_csv(out / "areas.csv", encoding="utf-8-sig", keep_default_na=False)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert list(table["area_id"]) == ["a1", "a2", "a3", "a4", "a5", "outside"]
    assert table["name"].iloc[0] == "'" + FORMULA  # neutralised by geo.export_safety
    assert table["homes"].sum() == summary["homes"]
    assert table["residents"].sum() == pytest.approx(summary["residents"], abs=0.05)
    for item in summary["categories"]:
        served = table[f"served_{item['id']}"].sum()
        assert served == pytest.approx(item["residents_served"], abs=0.05)
        if item["no_data"]:
            assert (table[f"share_{item['id']}"] == "").all()  # empty, never 0
    layers = dict(pyogrio.list_layers(out / "lifecircle.gpkg"))
    assert "areas" in layers and "gap_hexagons" in layers  # added, nothing lost
    layer = gpd.read_file(out / "lifecircle.gpkg", layer="areas")
    assert len(layer) == 5 and layer.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert layer["homes"].sum() == summary["homes"]


def test_a_bad_boundary_file_stops_before_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beijing = tmp_path / "beijing.geojson"
    beijing.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"name":"望京"},"geometry":{"type":"Polygon","coordinates":[[[116.46,39.99],'
        "[116.47,39.99],[116.47,40.0],[116.46,39.99]]]}}]}",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["analyze", "lujiazui", "--out", str(out), "--areas", str(beijing), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("lifecircle: error: beijing.geojson: no area meets the study area")
    assert len(err.strip().splitlines()) == 1
    assert not (out / "nodes.csv").exists()


def test_without_areas_one_line_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["analyze", "lujiazui", "--out", str(out), "--no-geopackage", "--quiet"])
    assert code == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if "areas:" in x]
    assert len(lines) == 1 and "no closed administrative boundaries" in lines[0]
    assert not (out / "areas.csv").exists()
