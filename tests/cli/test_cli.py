"""Tests for the ``lifecircle`` command line, run as a real process (``python -m lifecircle.cli``).

Every process gets ``LIFECIRCLE_CACHE_DIR`` in a temporary folder: the session's district
cache, so ``prepare lujiazui``/``wangjing`` read back entries another process wrote, while
the file sources (``.osm`` without a bbox, ``.osm.pbf``) are parsed afresh. Starting Python
and importing the geo stack costs seconds per process, so the module's runs are started
together, on as many workers as there are CPUs, and the tests then read their results.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from geo.district.model import District
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from lifecircle.cli.main import EXIT_BAD_INPUT, main

WANGJING_BBOX_ARG = "116.4595,39.9867,116.4817,40.0041"
TIMEOUT_S = 300

Run = subprocess.CompletedProcess[str]


def run_cli(args: Sequence[str], *, env: dict[str, str], cwd: Path) -> Run:
    return subprocess.run(
        [sys.executable, "-m", "lifecircle.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_runs(
    tmp_path_factory: pytest.TempPathFactory,
    bad_inputs: list[Any],
    wangjing_pbf: Path,
    data_dir: Path,
    session_settings: Settings,
    lujiazui: District,
    wangjing: District,
) -> dict[str, Run]:
    """Every command line of this module, run once, concurrently."""
    folder = tmp_path_factory.mktemp("cli")
    bad_folder = folder / "bad"
    bad_folder.mkdir()
    # The bundled districts are in this cache already (written by the fixtures above).
    cache_dir = str(session_settings.cache_dir)
    env = {**os.environ, "LIFECIRCLE_CACHE_DIR": cache_dir, "PYTHONIOENCODING": "utf-8"}
    jobs: dict[str, list[str]] = {
        "help": ["--help"],
        "prepare-lujiazui": ["prepare", "lujiazui"],
        "prepare-wangjing": ["prepare", "wangjing"],
        "json-file": ["prepare", str(data_dir / "beijing_wangjing.osm"), "--json"],
        "json-pbf": [
            "prepare",
            str(wangjing_pbf),
            "--bbox",
            WANGJING_BBOX_ARG,
            "--json",
            "--no-cache",
        ],
    }
    for bad in bad_inputs:
        if bad.in_brief:
            jobs[f"bad-{bad.id}"] = ["prepare", str(bad.make(bad_folder))]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            key: pool.submit(run_cli, args, env=env, cwd=folder) for key, args in jobs.items()
        }
        return {key: future.result() for key, future in futures.items()}


def assert_clean_success(run: Run) -> None:
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stderr == ""


# --- help ------------------------------------------------------------------------------------
def test_help_exits_zero(cli_runs: dict[str, Run]) -> None:
    run = cli_runs["help"]
    assert_clean_success(run)
    assert run.stdout.startswith("usage: lifecircle")
    assert "prepare" in run.stdout


def test_console_script_is_declared() -> None:
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts.get("lifecircle") == "lifecircle.cli.main:main"


# --- prepare, text summary --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "title", "bbox_line", "crs", "data_date"),
    [
        (
            "lujiazui",
            "Shanghai · Lujiazui",
            "121.48700, 31.22400, 121.51300, 31.24600",
            "EPSG:32651",
            "2026-08-15",
        ),
        (
            "wangjing",
            "Beijing · Wangjing",
            "116.45950, 39.98670, 116.48170, 40.00410",
            "EPSG:32650",
            "2020-08-24",
        ),
    ],
    ids=["lujiazui", "wangjing"],
)
def test_prepare_bundled_prints_summary(
    name: str,
    title: str,
    bbox_line: str,
    crs: str,
    data_date: str,
    cli_runs: dict[str, Run],
    taxonomy: Taxonomy,
    request: pytest.FixtureRequest,
) -> None:
    expected = request.getfixturevalue(f"expected_{name}")
    run = cli_runs[f"prepare-{name}"]
    assert_clean_success(run)
    out = run.stdout
    assert out.splitlines()[0].startswith(title)
    sizes = expected.component_sizes
    assert (
        f"walking network: {len(expected.node_ids)} nodes, {len(expected.edges)} edges, "
        f"{len(sizes)} connected pieces (largest {sizes[0]} nodes)"
    ) in out
    assert f"bbox (W,S,E,N): {bbox_line}" in out
    assert re.search(rf"CRS: {crs}\s+data date: {data_date}", out)
    counts = expected.facility_counts
    assert f"facilities: {sum(counts.values())} " in out
    for category in taxonomy.categories:
        line = re.search(rf"^\s+{category.id}\s+(\d+)\s+(.+)$", out, flags=re.MULTILINE)
        assert line is not None, category.id
        assert int(line.group(1)) == counts.get(category.id, 0), category.id
        assert category.name_zh in line.group(2)
    assert "from cache in" in out  # written by this session's fixtures, another process
    assert "OpenStreetMap contributors" in out


# --- prepare --json ----------------------------------------------------------------------------
def _assert_summary_matches(summary: dict[str, Any], expected: Any, taxonomy: Taxonomy) -> None:
    assert summary["nodes"] == len(expected.node_ids)
    assert summary["edges"] == len(expected.edges)
    assert summary["components"] == len(expected.component_sizes)
    assert summary["largest_component_nodes"] == expected.component_sizes[0]
    counts = expected.facility_counts
    assert summary["facilities"] == {c.id: counts.get(c.id, 0) for c in taxonomy.categories}
    assert summary["facilities_total"] == sum(counts.values())
    assert summary["facilities_by_source"] == {"osm": sum(counts.values())}
    assert summary["crs"] == expected.crs
    assert summary["data_date"] == expected.data_date
    assert summary["bbox"] == pytest.approx(list(expected.bbox), abs=1e-7)


def test_prepare_file_json_equals_independent_counts(
    cli_runs: dict[str, Run], expected_wangjing: Any, taxonomy: Taxonomy, data_dir: Path
) -> None:
    run = cli_runs["json-file"]
    assert_clean_success(run)
    summary = json.loads(run.stdout)
    _assert_summary_matches(summary, expected_wangjing, taxonomy)
    # No --bbox: the study area is the file's <bounds>.
    assert summary["bbox"] == list(expected_wangjing.osm.bounds)
    assert summary["district"] == "beijing_wangjing"
    assert Path(summary["source"]) == data_dir / "beijing_wangjing.osm"
    assert summary["timings_s"]["cached"] == 0.0  # parsed by the command itself


def test_prepare_pbf_json(
    cli_runs: dict[str, Run], expected_wangjing: Any, taxonomy: Taxonomy, wangjing_pbf: Path
) -> None:
    run = cli_runs["json-pbf"]
    assert_clean_success(run)
    summary = json.loads(run.stdout)
    _assert_summary_matches(summary, expected_wangjing, taxonomy)
    assert summary["district"] == "w"
    assert Path(summary["source"]) == wangjing_pbf
    assert summary["timings_s"]["cached"] == 0.0  # --no-cache: parsed from the .pbf itself


# --- bad files ---------------------------------------------------------------------------------
def _assert_one_line_error(stderr: str, keywords: Sequence[str]) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("lifecircle: error: ")
    for word in keywords:
        assert word in lines[0]


def test_bad_file_exits_2_with_one_line(bad_input_cli: Any, cli_runs: dict[str, Run]) -> None:
    run = cli_runs[f"bad-{bad_input_cli.id}"]
    assert run.returncode == EXIT_BAD_INPUT == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""
    _assert_one_line_error(run.stderr, bad_input_cli.keywords)


# --- the same entry point in-process, for every bad file and bad argument -------------------------
def test_main_in_process_bad_file(
    bad_input: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    path = bad_input.make(tmp_path)
    assert main(["prepare", str(path)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    _assert_one_line_error(captured.err, bad_input.keywords)


@pytest.mark.parametrize(
    ("args", "keywords"),
    [
        (["prepare"], ("give a SOURCE",)),
        (["prepare", "wangjing", "--bbox", "39.98,116.45,40.0,116.48"], ("swapped",)),
        (["prepare", "wangjing", "--bbox", "116.45,39.98"], ("four numbers",)),
        (["prepare", "wangjing", "--bbox", "110,30,116,40"], ("larger than one square degree",)),
        (
            ["prepare", "wangjing", "--taxonomy", "/nonexistent/tax.yaml"],
            ("taxonomy file not found",),
        ),
        (["prepare", "no_such_district"], ("no_such_district", "lujiazui, wangjing")),
    ],
    ids=[
        "no-source",
        "swapped-bbox",
        "short-bbox",
        "huge-bbox",
        "missing-taxonomy",
        "unknown-name",
    ],
)
def test_main_in_process_bad_arguments(
    args: list[str],
    keywords: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    assert main(args) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    _assert_one_line_error(captured.err, keywords)


def test_main_without_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "prepare" in capsys.readouterr().out
