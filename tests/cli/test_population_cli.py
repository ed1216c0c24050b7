"""``analyze`` and ``prepare`` with the population options, in-process on a real extract
that is not a bundled district (``tests/fixtures/osm/Helsinki.osm.pbf``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.district.loader import load_district
from geo.population.estimate import estimate_population
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from lifecircle.cli.main import EXIT_BAD_INPUT, main

HELSINKI = Path(__file__).resolve().parents[1] / "fixtures" / "osm" / "Helsinki.osm.pbf"


def run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


def test_analyze_with_overrides_levels_file_and_elderly_options(
    tmp_path: Path, taxonomy: Taxonomy, capsys: pytest.CaptureFixture[str]
) -> None:
    district = load_district(str(HELSINKI), taxonomy=taxonomy, settings=Settings())
    before = estimate_population(district)
    table = before.compounds
    key = str(table["compound"].iloc[0])
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps({"compounds": {key: {"residents": 2500}}}, ensure_ascii=False), "utf-8"
    )
    home = str(before.homes["home_id"].iloc[-1])
    levels = tmp_path / "levels.csv"
    levels.write_text(f"osm_id,building:levels\n{home},9\nway/1,4\n", encoding="utf-8-sig")
    out = tmp_path / "out"
    code = run(
        [
            "analyze",
            str(HELSINKI),
            "--out",
            str(out),
            "--no-geopackage",
            "--quiet",
            "--population-overrides",
            str(overrides),
            "--building-levels",
            str(levels),
            "--elderly-share",
            "0.2",
            "--elderly-walk-m-per-min",
            "60",
            "--speed-kmh",  # shows minutes at 5 km/h; GB's distances still assume 4 km/h
            "5",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "row 3, column 'osm_id'" in captured.err  # way/1 is no building of the district
    assert "1 of 2 row(s) matched" in captured.err
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    population = summary["population"]
    assert [r["compound"] for r in population["overridden_compounds"]] == [key]
    assert population["overridden_compounds"][0]["residents"] == 2500
    assert population["floors_source_counts"]["file"] == 1
    expected = before.homes["population"].sum() - table["residents"].iloc[0] + 2500
    if home not in set(before.homes[before.homes["compound"] == key]["home_id"]):
        row = before.homes.set_index("home_id").loc[home]
        expected += row["footprint_m2"] * (9 - row["levels"]) / 37.0
    assert summary["residents"] == pytest.approx(expected, abs=0.05)
    elderly = population["elderly"]
    assert elderly["share"] == 0.2 and elderly["walk_m_per_min"] == 60
    daycare = next(c for c in summary["categories"] if c["id"] == "elderly_daycare")
    assert daycare["tier_m"] == 270.0
    assert "elderly elderly_daycare within 270 m" in captured.out


def test_bad_population_options_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    cases = [
        ["--elderly-share", "1.5"],
        ["--elderly-walk-m-per-min", "500"],
        ["--population-overrides", str(bad)],
        ["--population-overrides", str(tmp_path / "missing.json")],
    ]
    for extra in cases:
        code = run(["analyze", str(HELSINKI), "--out", str(tmp_path / "o"), "--quiet", *extra])
        err = capsys.readouterr().err
        assert code == EXIT_BAD_INPUT, (extra, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 3, err


TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <bounds minlat="31.2300" minlon="121.5000" maxlat="31.2320" maxlon="121.5020"/>
  <node id="1" lat="31.2305" lon="121.5005"/><node id="2" lat="31.2305" lon="121.5010"/>
  <node id="3" lat="31.2310" lon="121.5010"/><node id="4" lat="31.2310" lon="121.5005"/>
  <node id="5" lat="31.2312" lon="121.5012"/><node id="6" lat="31.2312" lon="121.5015"/>
  <node id="7" lat="31.2315" lon="121.5015"/><node id="8" lat="31.2315" lon="121.5012"/>
  <node id="10" lat="31.2301" lon="121.5001"/><node id="11" lat="31.2318" lon="121.5018"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="apartments"/><tag k="building:levels" v="1e308"/></way>
  <way id="101"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
    <tag k="building" v="residential"/><tag k="height" v="-20"/></way>
  <way id="200"><nd ref="10"/><nd ref="11"/><tag k="highway" v="footway"/></way>
</osm>
"""


def test_prepare_lists_implausible_building_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    assert run(["prepare", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert (
        "way/100: building:levels=1e+308 is not a plausible number of floors (1–100); "
        "ignored, 6 floors used" in out
    )
    assert "way/101: height=-20 m is not plausible (up to 400 m); ignored, 6 floors used" in out
    assert run(["prepare", str(path), "--quiet", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["population_checks"]) == 2


def test_every_command_counts_the_districts_saved_corrections(taxonomy: Taxonomy) -> None:
    """The saved ``population.json`` (the dashboard's "Residents" page writes it) changes
    the residents of every command that counts them, not only ``analyze``'s; the expected
    total is the estimate with one compound's residents replaced (its own definition)."""
    from geo.checkup.pipeline import analyse_source
    from geo.population.overrides import (
        CompoundOverride,
        PopulationOverrides,
        population_overrides_path,
        save_overrides,
    )
    from lifecircle.cli.main import build_parser
    from lifecircle.cli.population_args import analyse_with_saved_population
    from lifecircle.cli.report import spec_from_args

    district = load_district(str(HELSINKI), taxonomy=taxonomy, settings=Settings())
    before = estimate_population(district)
    table = before.compounds
    row = table[table["compound"].astype(str) != "outside"].iloc[0]
    estimated = float(before.homes["population"].sum())
    expected = estimated - float(row["residents"]) + 2500.0
    path = population_overrides_path(district.meta.name)
    save_overrides(
        path, PopulationOverrides({str(row["compound"]): CompoundOverride(residents=2500)})
    )
    required = {
        "compare": ["--scenario", "x.geojson", "--out", "o"],
        "map": ["--out", "o.html"],
        "suggest": ["--category", "clinic", "--k", "1", "--out", "o"],
        "report": ["--out", "o.pdf"],
        "checkup": ["--out", "o"],
    }
    try:
        for extra, total in (([], expected), (["--no-population-overrides"], estimated)):
            parsed = {
                command: build_parser().parse_args([command, str(HELSINKI), *args, *extra])
                for command, args in required.items()
            }
            # Every command takes the options; the three below share one analysis helper,
            # report and checkup one check-up spec.
            assert {a.no_population_overrides for a in parsed.values()} == {bool(extra)}
            shown = analyse_with_saved_population(
                parsed["compare"], district, taxonomy, speed_kmh=4.0, progress=None
            )
            spec = spec_from_args(parsed["report"], str(HELSINKI))
            assert spec == spec_from_args(parsed["checkup"], str(HELSINKI))
            checked = analyse_source(spec)[0]
            for analysis in (shown, checked):
                assert float(analysis.homes["population"].sum()) == pytest.approx(total, rel=1e-9)
    finally:
        path.unlink()
    assert expected != pytest.approx(estimated)
