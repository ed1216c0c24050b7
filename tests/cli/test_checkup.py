"""``lifecircle checkup`` on Dask: a real scheduler and two workers as separate processes on
127.0.0.1, and the default LocalCluster. The per-unit indicators equal running each source
alone; a failing source is reported and the others finish.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from geo.checkup.pipeline import CheckupSpec, run_checkup
from geo.export import write_csv
from lifecircle.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes, torn down afterwards."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    procs = []

    def start(args: list[str], name: str) -> None:
        log = (logs / f"{name}.log").open("w")
        procs.append(
            subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=log, stderr=log)
        )

    try:
        start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
               "--no-dashboard"], "scheduler")  # fmt: skip
        for i in range(2):
            worker = ["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                      "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"]  # fmt: skip
            start(worker, f"worker{i}")
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=60)
                    pids = set(client.run(os.getpid).values())
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert len(pids) == 2 and os.getpid() not in pids  # two separate worker processes
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Lujiazui and Wangjing, each run alone in this process, through the same CSV writer."""
    folder = tmp_path_factory.mktemp("alone")
    frames = [run_checkup(CheckupSpec(source=s))[2].indicators for s in ("lujiazui", "wangjing")]
    write_csv(folder / "alone.csv", pd.concat(frames, ignore_index=True))
    return pd.read_csv(folder / "alone.csv")


def test_on_a_separate_scheduler_with_a_failing_source(
    scheduler: str, alone: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["checkup", "lujiazui", "wangjing", str(tmp_path / "missing.osm"),
         "--scheduler", scheduler, "--formats", "xlsx", "--out", str(out)]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "missing.osm" in err and "Traceback" not in err
    doc = json.loads((out / "checkup.json").read_text("utf-8"))
    assert [f["source"] for f in doc["failed"]] == [str(tmp_path / "missing.osm")]
    assert [s["source"] for s in doc["sources"]] == ["lujiazui", "wangjing"]
    for name in ("lujiazui", "wangjing"):
        assert (out / name / "ledger.xlsx").stat().st_size > 0
    got = pd.read_csv(out / "indicators.csv")
    pd.testing.assert_frame_equal(got, alone)
    ledger = pd.read_csv(out / "ledger.csv")
    assert set(ledger["source"]) == {"lujiazui", "wangjing"}


def test_on_the_default_local_cluster(alone: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["checkup", "lujiazui", "wangjing", "--formats", "xlsx", "--out", str(out)])
    assert code == 0
    got = pd.read_csv(out / "indicators.csv")
    pd.testing.assert_frame_equal(got, alone)
    assert (out / "wangjing" / "ledger.xlsx").stat().st_size > 0


def test_an_unreachable_scheduler_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    code = main(
        ["checkup", "wangjing", "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout-s", "2",
         "--out", str(tmp_path)]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lifecircle: error: cannot reach the Dask scheduler") and "\n" not in err
