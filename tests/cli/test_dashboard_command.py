"""``lifecircle dashboard [SOURCE] --address --port``, in-process.

Streamlit itself is not started: ``subprocess.call`` is replaced by a recorder, and what
it would run (the command and its environment) is checked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from lifecircle.cli.main import main

REPO = Path(__file__).resolve().parents[2]
HELSINKI = REPO / "tests" / "fixtures" / "osm" / "Helsinki.osm.pbf"


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def record(cmd: list[str], env: dict[str, str], **_: Any) -> int:
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(subprocess, "call", record)
    monkeypatch.delenv("LIFECIRCLE_DASHBOARD_SOURCE", raising=False)
    monkeypatch.setenv("LIFECIRCLE_FACILITATOR_KEY", "k")
    return calls


def test_address_port_and_a_local_extract(launched: list[Any], monkeypatch: Any) -> None:
    monkeypatch.chdir(HELSINKI.parent)
    assert main(["dashboard", HELSINKI.name, "--address", "0.0.0.0", "--port", "8600"]) == 0
    ((cmd, env),) = launched
    app = Path(cmd[cmd.index("run") + 1])
    assert app == REPO / "dashboard" / "app.py" and app.is_file()
    assert "--server.address=0.0.0.0" in cmd and "--server.port=8600" in cmd
    assert "--server.fileWatcherType=none" in cmd
    assert env["LIFECIRCLE_DASHBOARD_SOURCE"] == str(HELSINKI)  # absolute: the server's cwd
    assert (REPO / "dashboard" / "static" / "vendor").is_dir()  # there before Streamlit


def test_a_bundled_district_by_name(launched: list[Any]) -> None:
    assert main(["dashboard", "wangjing"]) == 0
    ((cmd, env),) = launched
    assert env["LIFECIRCLE_DASHBOARD_SOURCE"] == "wangjing"
    assert "--server.address=localhost" in cmd and "--server.port=8501" in cmd


def test_no_source_opens_the_default(launched: list[Any]) -> None:
    assert main(["dashboard"]) == 0
    ((_, env),) = launched
    assert "LIFECIRCLE_DASHBOARD_SOURCE" not in env


def test_a_missing_source_is_one_line_and_exit_2(
    launched: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboard", "no-such-district.osm"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no-such-district.osm" in err
    assert "Traceback" not in err
    assert launched == []


def test_the_server_opens_what_the_command_passed(
    launched: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.loaders import default_source

    assert main(["dashboard", str(HELSINKI)]) == 0
    ((_, env),) = launched
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    opened = default_source()
    assert (opened.kind, opened.value, opened.label) == ("file", str(HELSINKI), HELSINKI.name)


def test_the_source_variable_is_spelled_once() -> None:
    spelled = [
        path.relative_to(REPO).as_posix()
        for folder in ("geo", "lifecircle", "dashboard", "bench")
        for path in sorted((REPO / folder).rglob("*.py"))
        if '"LIFECIRCLE_DASHBOARD_SOURCE"' in path.read_text(encoding="utf-8")
    ]
    assert spelled == ["lifecircle/dashboard_source.py"]
