"""The command line never prints a key or a URL password (issue 16, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecircle.cli.main import EXIT_BAD_INPUT, main

OVERPASS = "http://ann:hunter22@127.0.0.1:9/api?key=k3y99"  # port 9: nothing listens


def test_an_overpass_error_shows_the_host_but_not_the_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFECIRCLE_OVERPASS_URL", OVERPASS)
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    code = main(["analyze", "--bbox", "121.50,31.23,121.51,31.24", "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert "127.0.0.1:9" in err  # where it tried, for the planner to check
    assert "hunter22" not in out + err and "k3y99" not in out + err
    assert len(err.strip().splitlines()) == 1
