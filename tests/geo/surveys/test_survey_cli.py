"""Tests for lifecircle.cli.survey: ``survey check`` and the outputs of ``analyze --survey``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo.access.analysis import Analysis
from geo.district.model import District
from geo.inputs.coords import CoordSystem
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from geo.surveys.priorities import PRIORITY_COLUMNS
from lifecircle.cli.survey import EXIT_BAD_INPUT, EXIT_OK, add_survey_outputs, main, register
from tests.geo.surveys.survey_files import (
    HEADERS,
    SAMPLE,
    area_polygon,
    distance_m,
    in_system,
    sample_bad_rows,
    survey,
    write_csv,
)

TIMEOUT_S = 300


@pytest.fixture
def cache_env(
    monkeypatch: pytest.MonkeyPatch, session_settings: Settings, lujiazui: District
) -> dict[str, str]:
    """Point the default cache at the session's (Lujiazui is cached there already)."""
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(session_settings.cache_dir))
    return {
        **os.environ,
        "LIFECIRCLE_CACHE_DIR": str(session_settings.cache_dir),
        "PYTHONIOENCODING": "utf-8",
    }


def test_add_survey_outputs(tmp_path: Path, analysis: Analysis) -> None:
    paths = add_survey_outputs(analysis, SAMPLE, coord_system="gcj02", out_dir=tmp_path / "out")
    assert set(paths) == {"priorities", "survey_rejected", "survey_report"}
    priorities = pd.read_csv(paths["priorities"], encoding="utf-8-sig")
    assert list(priorities.columns) == list(PRIORITY_COLUMNS)
    assert len(priorities) > 0
    rejected = pd.read_csv(paths["survey_rejected"], encoding="utf-8-sig")
    assert list(rejected.columns) == ["row", "column", "value", "reason"]
    assert len(rejected) == len(sample_bad_rows())
    assert "rejected 拒绝: 9" in paths["survey_report"].read_text("utf-8")


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _entry_module() -> str:
    """``lifecircle.cli`` once ``survey`` is wired into it, else this module's own runner."""
    from lifecircle.cli.main import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and "survey" in action.choices:
            return "lifecircle.cli"
    return "lifecircle.cli.survey"


def run_cli(
    args: Sequence[str], *, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", _entry_module(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_cli_check_writes_clean_rows_in_wgs84(
    tmp_path: Path,
    cache_env: dict[str, str],
    lujiazui: District,
    home_points: list[tuple[float, float]],
) -> None:
    truth = home_points[:6]
    rows = []
    for i, (lon, lat) in enumerate(truth):
        x, y = in_system(lon, lat, CoordSystem.GCJ02)
        need = "买菜、药店" if i == 1 else "公厕"
        compound = "东园一村" if i == 0 else ""
        rows.append([f"K{i}", compound, x, y, need, str(1 + i % 5), f'意见 "{i}", <b>ok</b>', ""])
    rows.append(["K9", "", "31.23", "121.50", "养老", "5", "swapped", ""])
    rows.append(["K10", "菊园", "", "", "养老", "5", "by name", ""])
    path = write_csv(tmp_path / "调查.csv", rows, encoding="gbk")
    clean = tmp_path / "clean.csv"

    run = run_cli(["survey", "check", str(path), "--crs", "gcj02", "--out", str(clean)],
                  env=cache_env, cwd=tmp_path)  # fmt: skip

    assert run.returncode == EXIT_OK, run.stderr
    assert "rows read 读取: 8; accepted 接受: 7; rejected 拒绝: 1" in run.stdout
    assert (
        "row 8, column 经度/纬度 ('31.23, 121.50'): latitude and longitude look swapped"
        in run.stdout
    )
    assert clean.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(clean, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == [*HEADERS, "lon", "lat", "category_id"]
    assert table["编号"].tolist() == ["K0", "K1", "K2", "K3", "K4", "K5", "K10"]
    assert table["意见"].tolist()[:6] == [f'意见 "{i}", <b>ok</b>' for i in range(6)]
    assert table["需求类别"].tolist()[1] == "买菜、药店"
    assert table["category_id"].tolist()[:2] == ["toilet", "food_market;pharmacy"]
    for (lon, lat), record in zip(truth, table.to_dict("records"), strict=False):
        assert distance_m(lon, lat, float(record["lon"]), float(record["lat"])) < 2.0
        assert record["经度"] == record["lon"] and record["纬度"] == record["lat"]
    by_name = table.iloc[-1]
    assert by_name["小区"] == "菊园"
    juyuan = area_polygon(lujiazui, "菊园")
    assert juyuan.contains(shapely.Point(float(by_name["经度"]), float(by_name["纬度"])))


def test_cli_exit_status_2_when_nothing_is_accepted_or_the_file_is_unreadable(
    tmp_path: Path, cache_env: dict[str, str]
) -> None:
    all_bad = write_csv(tmp_path / "bad.csv", [["X1", "", "31.23", "121.50", "养老", "5", "", ""]])
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    runs = {
        "all-bad": run_cli(["survey", "check", str(all_bad)], env=cache_env, cwd=tmp_path),
        "junk": run_cli(["survey", "check", str(junk)], env=cache_env, cwd=tmp_path),
    }
    assert runs["all-bad"].returncode == EXIT_BAD_INPUT
    assert "latitude and longitude look swapped" in runs["all-bad"].stdout
    assert runs["junk"].returncode == EXIT_BAD_INPUT
    assert runs["junk"].stderr.strip().startswith("lifecircle: error: junk.csv")
    assert "Traceback" not in runs["junk"].stderr
    assert len(runs["junk"].stderr.strip().splitlines()) == 1


def test_cli_in_process(
    tmp_path: Path,
    cache_env: dict[str, str],
    lujiazui: District,
    taxonomy: Taxonomy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clean = tmp_path / "sample_clean.csv"
    assert main(["survey", "check", str(SAMPLE), "--crs", "gcj02", "--out", str(clean)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "rejected 拒绝: 9" in out
    table = pd.read_csv(clean, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == 200 - 9
    assert set(table["note"]) == {"合成示例数据 synthetic sample"}
    # The clean file reads back, as WGS-84, with every row accepted.
    again = survey(clean, lujiazui, taxonomy, crs="wgs84")
    assert again.rejected == []
    assert again.rows_accepted == len(table)

    missing = tmp_path / "nope.csv"
    assert main(["survey", "check", str(missing)]) == EXIT_BAD_INPUT
    assert "File not found" in capsys.readouterr().err
    header_only = write_csv(tmp_path / "cols.csv", [["x"]], headers=["问题"])
    assert main(["survey", "check", str(header_only)]) == EXIT_BAD_INPUT
    assert "lacks the column(s)" in capsys.readouterr().err
    assert main(["survey", "check", str(SAMPLE), "--crs", "mercator"]) == EXIT_BAD_INPUT
    assert main(["survey", "check", str(SAMPLE), "--score-range", "5,1"]) == EXIT_BAD_INPUT
    assert main(["survey"]) == EXIT_OK
    assert "check" in capsys.readouterr().out


def test_register_adds_survey_check_to_a_parser() -> None:
    parser = argparse.ArgumentParser(prog="lifecircle")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(
        ["survey", "check", "a.csv", "--crs", "gcj02", "--score-kind", "satisfaction",
         "--source", "wangjing", "--out", "c.csv"]
    )  # fmt: skip
    assert args.file == Path("a.csv")
    assert (args.crs, args.score_kind, args.source, args.out) == (
        "gcj02", "satisfaction", "wangjing", Path("c.csv"),
    )  # fmt: skip
    assert args.handler.__name__ == "cmd_survey_check"
    defaults = parser.parse_args(["survey", "check", "a.csv"])
    assert (defaults.crs, defaults.score_kind, defaults.source, defaults.out) == (
        "wgs84", "priority", "lujiazui", None,
    )  # fmt: skip
