"""``lifecircle suggest`` end to end: the suggested scenario, run through ``lifecircle compare``
as real processes, reproduces the residents newly served; bad input is one line, exit 2."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lifecircle.cli.main import EXIT_BAD_INPUT, main

TIMEOUT_S = 300


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lifecircle.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(os.environ),
        cwd=cwd,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_suggest_then_compare_reproduces_the_residents_newly_served(tmp_path: Path) -> None:
    # A planner's own candidates (GCJ-02, as copied from AMap) next to the data's.
    rows = [["名称", "经度", "纬度", "造价"], ["社区食堂候选", "121.50561", "31.23080", "40"]]
    path = tmp_path / "candidates.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "suggest"
    done = run_cli(
        [
            "suggest",
            "lujiazui",
            "--category",
            "elderly_daycare",
            "--k",
            "3",
            "--candidates",
            str(path),
            "--candidates-crs",
            "gcj02",
            "--out",
            str(out),
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "suggestion.json").read_text("utf-8"))
    assert summary["sites"] == 3 and summary["method"] == "exact"
    assert summary["optimality_gap"] == 0.0 and summary["proven_optimal"]
    assert summary["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
    with (out / "curve.csv").open(encoding="utf-8") as fh:
        curve = list(csv.DictReader(fh))
    assert [int(r["k"]) for r in curve] == list(range(1, 11))
    assert float(curve[2]["residents_new"]) == pytest.approx(
        summary["residents_newly_served"], abs=0.01
    )
    with (out / "sites.csv").open(encoding="utf-8") as fh:
        sites = list(csv.DictReader(fh))
    assert sum(float(s["residents_added"]) for s in sites) == pytest.approx(
        summary["residents_newly_served"], abs=0.01
    )
    geo = json.loads((out / "sites.geojson").read_text("utf-8"))
    assert len(geo["features"]) == 3 and "OpenStreetMap" in geo["attribution"]

    compared = run_cli(
        [
            "compare",
            "lujiazui",
            "--scenario",
            str(out / "scenario.geojson"),
            "--out",
            str(tmp_path / "c"),
        ],
        tmp_path,
    )
    assert compared.returncode == 0, compared.stderr
    result = json.loads((tmp_path / "c" / "comparison.json").read_text("utf-8"))
    row = result["categories"]["elderly_daycare"]
    assert row["delta"] == pytest.approx(summary["residents_newly_served"], abs=0.01)
    assert row["homes_newly_served"] == summary["homes_newly_served"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--category", "elderly_daycare", "--k", "0"], "--k must be at least 1"),
        (["--category", "elderly_daycare", "--k", "-3"], "--k must be at least 1"),
        (["--category", "sauna", "--k", "2"], "unknown category 'sauna'"),
        (
            ["--category", "community_service", "--k", "2", "--data-candidates", "none"],
            "no candidate sites",
        ),
        (["--category", "community_service", "--target", "1.5"], "--target must be a share"),
        (["--category", "community_service", "--target", "0.99"], "cannot be reached"),
        (
            ["--category", "community_service", "--k", "2", "--data-candidates", "parks"],
            "unknown --data",
        ),
    ],
)
def test_bad_questions_get_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code = main(["suggest", "lujiazui", *extra, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_BAD_INPUT
    assert len(err) == 1 and err[0].startswith("lifecircle: error: ") and message in err[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["name", "lon", "lat"], ["river", "121.4880", "31.2450"]], "from the nearest walkable"),
        ([["name", "lon", "lat"], ["away", "121.6000", "31.2350"]], "outside the study area"),
        ([["name", "lon", "lat"], ["bad", "x", "y"]], "no usable candidate"),
        ([["name", "address"], ["a", "b"]], "lacks the column"),
    ],
)
def test_bad_candidate_files_get_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[str]], message: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    code = main(
        ["suggest", "lujiazui", "--category", "community_service", "--k", "2",
         "--candidates", str(path), "--data-candidates", "none", "--out", str(tmp_path / "o")]
    )  # fmt: skip
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("lifecircle")]
    assert code == EXIT_BAD_INPUT
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "o").exists()
