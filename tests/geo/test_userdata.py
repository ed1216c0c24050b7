"""Where a workshop's files live (geo.userdata): the folder rule, per-district folders,
examples copied once and never written, uploads purged after the stated days."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from geo.userdata import (
    DEFAULT_UPLOAD_RETENTION_DAYS,
    EXAMPLES_DIR,
    UserData,
    UserDataError,
    default_data_dir,
    district_folder_name,
    purge_old_uploads,
    seed_examples,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "LIFECIRCLE_DATA_DIR",
        "LIFECIRCLE_SCENARIO_DIR",
        "XDG_DATA_HOME",
        "LIFECIRCLE_UPLOAD_RETENTION_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.skipif(sys.platform in {"win32", "darwin"}, reason="the XDG rule is for Linux")
def test_the_folder_rule(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".local" / "share" / "lifecircle"
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "lifecircle"
    clean_env.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "mine"))
    data = UserData()
    assert data.root == tmp_path / "mine"
    assert data.scenario_dir("lujiazui") == tmp_path / "mine" / "scenarios" / "lujiazui"
    assert data.database_dir == tmp_path / "mine"
    assert data.uploads_dir == tmp_path / "mine" / "uploads"
    assert data.upload_retention_days == DEFAULT_UPLOAD_RETENTION_DAYS
    # The old variable still names the scenario folder (and the record, as before).
    clean_env.setenv("LIFECIRCLE_SCENARIO_DIR", str(tmp_path / "old"))
    data = UserData()
    assert data.scenario_dir("wangjing") == tmp_path / "old" / "wangjing"
    assert data.database_dir == tmp_path / "old"


def test_no_data_folder_is_inside_the_source_tree(clean_env: pytest.MonkeyPatch) -> None:
    data = UserData()
    for folder in (data.root, data.scenario_dir("lujiazui"), data.uploads_dir):
        assert REPO.resolve() not in folder.resolve().parents


@pytest.mark.parametrize("bad", ["-1", "soon", "nan", "inf"])
def test_a_bad_retention_setting_is_a_typed_error(clean_env: pytest.MonkeyPatch, bad: str) -> None:
    clean_env.setenv("LIFECIRCLE_UPLOAD_RETENTION_DAYS", bad)
    with pytest.raises(UserDataError, match="LIFECIRCLE_UPLOAD_RETENTION_DAYS"):
        UserData()


def test_district_folders_are_distinct_and_never_paths() -> None:
    names = ["lujiazui", "wangjing", "Helsinki", "helsinki", "../etc", "a/b", "望京", "", "con"]
    folders = [district_folder_name(n) for n in names]
    assert len(set(folders)) == len(folders)
    assert folders[:2] == ["lujiazui", "wangjing"]
    for folder in folders:
        assert folder and "/" not in folder and "\\" not in folder and "." not in folder
        assert folder not in {"con", "nul", "aux", "prn"}


def shipped_examples() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(EXAMPLES_DIR.glob("*.geojson"))}


def test_examples_are_copied_once_only_to_their_district(tmp_path: Path) -> None:
    before = shipped_examples()
    lujiazui_names = {
        name
        for name, data in before.items()
        if json.loads(data)["metadata"]["district"] == "lujiazui"
    }
    assert len(lujiazui_names) >= 3

    lujiazui = tmp_path / "lujiazui"
    assert set(seed_examples(lujiazui, "lujiazui")) == lujiazui_names
    assert {p.name for p in lujiazui.glob("*.geojson")} == lujiazui_names
    for name in lujiazui_names:
        assert (lujiazui / name).read_bytes() == before[name]
    assert seed_examples(tmp_path / "wangjing", "wangjing") == []
    assert list((tmp_path / "wangjing").glob("*.geojson")) == []

    # Deleted or edited copies stay so: the examples are copied the first time only.
    first = sorted(lujiazui_names)[0]
    (lujiazui / first).unlink()
    assert seed_examples(lujiazui, "lujiazui") == []
    assert not (lujiazui / first).exists()
    assert shipped_examples() == before  # never written


def test_old_uploads_are_purged_and_links_not_followed(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    now = time.time()
    old, fresh = uploads / "old.csv", uploads / "fresh.csv"
    old.write_text("comment")
    fresh.write_text("comment")
    os.utime(old, (now - 8 * 86_400, now - 8 * 86_400))
    os.utime(fresh, (now - 6 * 86_400, now - 6 * 86_400))
    outside = tmp_path / "outside.csv"
    outside.write_text("not an upload")
    os.utime(outside, (now - 30 * 86_400, now - 30 * 86_400))
    link = uploads / "link.csv"
    link.symlink_to(outside)
    os.utime(link, (now - 30 * 86_400, now - 30 * 86_400), follow_symlinks=False)

    assert purge_old_uploads(uploads, retention_days=7, now=now) == 2
    assert sorted(p.name for p in uploads.iterdir()) == ["fresh.csv"]
    assert outside.exists()
    assert purge_old_uploads(tmp_path / "missing", retention_days=7) == 0
