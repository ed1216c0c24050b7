"""The store keeps to its folder: 0644 files, no reserved names, no link followed out,
no temporary file surviving a killed save, and poisoned files reported, not fatal.

Each rule is checked against the file system itself (``os.stat``, ``os.listdir``), not
against what the store says about itself.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from geo.scenarios.model import ScenarioError, check_scenario_id
from geo.scenarios.store import ScenarioStore


def everything_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.fixture
def store(tmp_path: Path) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios")


def test_files_are_created_readable_not_executable(store: ScenarioStore) -> None:
    old = os.umask(0o022)
    try:
        created = store.create("Riverside")
        store.save(created, base_revision=0)
    finally:
        os.umask(old)
    files = [p for p in everything_under(store.folder) if p.is_file()]
    assert len(files) >= 3  # the scenario, two revisions (and the lock)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


@pytest.mark.parametrize(
    "bad",
    ["con", "nul", "aux", "prn", "com1", "com9", "lpt1", "", ".", "..", "a/b", "a\\b", "x.y"],
)
def test_reserved_and_path_like_ids_are_refused(store: ScenarioStore, bad: str) -> None:
    with pytest.raises(ScenarioError):
        check_scenario_id(bad)
    with pytest.raises(ScenarioError):
        store.path_of(bad)


def test_a_title_that_slugs_to_a_reserved_name_gets_another_id(store: ScenarioStore) -> None:
    created = store.create("CON")
    assert created.id.startswith("con-") and len(created.id) == len("con-") + 6
    assert (store.folder / f"{created.id}.geojson").is_file()
    assert not (store.folder / "con.geojson").exists()


def test_a_planted_history_link_never_makes_a_save_write_outside(
    tmp_path: Path, store: ScenarioStore
) -> None:
    created = store.create("Riverside")
    outside = tmp_path / "outside"
    outside.mkdir()
    history = store.folder / ".history" / created.id
    for child in history.iterdir():
        child.unlink()
    history.rmdir()
    history.symlink_to(outside, target_is_directory=True)
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        store.save(created, base_revision=0)
    assert list(outside.iterdir()) == []


def test_a_planted_history_folder_link_is_refused_too(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / ".history").symlink_to(outside, target_is_directory=True)
    store = ScenarioStore(folder)
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        store.create("Riverside")
    assert list(outside.iterdir()) == []


def test_a_scenario_file_linking_outside_is_reported_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    secret = tmp_path / "secret.geojson"
    secret.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    (folder / "leak.geojson").symlink_to(secret)
    store = ScenarioStore(folder)
    assert store.list() == []
    assert len(store.problems) == 1 and "leak.geojson" in store.problems[0]
    with pytest.raises(ScenarioError):
        store.load("leak")


def test_temporary_files_of_a_killed_save_are_removed_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    first = ScenarioStore(folder)
    created = first.create("Riverside")
    history = folder / ".history" / created.id
    # What atomic_write leaves when killed between creating and renaming its file.
    leftovers = [
        folder / f".{created.id}.geojson.0123456789ab.tmp",
        history / ".1.geojson.ba9876543210.tmp",
        folder / ".history" / ".odd.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b'{"type": "Featu')
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".kept.tmp").write_bytes(b"not the store's")
    (folder / ".history" / "planted").symlink_to(outside, target_is_directory=True)

    reopened = ScenarioStore(folder)

    assert not [p for p in leftovers if p.exists()]
    assert (outside / ".kept.tmp").exists()  # a link is never followed
    assert [i.id for i in reopened.list()] == [created.id]


POISONS: dict[str, bytes] = {
    "infinity": b'{"type": "FeatureCollection", "metadata": {"revision": Infinity}, '
    b'"features": []}',
    "nan": b'{"type": "FeatureCollection", "metadata": {"revision": NaN}, "features": []}',
    "digits": b'{"type": "FeatureCollection", "metadata": {"revision": '
    + b"9" * 5000
    + b'}, "features": []}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep-in-features": b'{"type": "FeatureCollection", "features": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
    "wrong-types": b'{"type": "FeatureCollection", "metadata": ["a"], "features": {"x": 1}}',
    "feature-types": b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    b'"properties": [1, 2], "geometry": {"type": "Point", "coordinates": "xy"}}]}',
    "title-object": b'{"type": "FeatureCollection", "metadata": {"title": {"a": 1}, '
    b'"revision": "1"}, "features": [7]}',
    "not-utf8": b"\xff\xfe\x00garbage",
    "empty": b"",
}


def test_poisoned_files_are_listed_as_problems_and_good_ones_still_shown(
    store: ScenarioStore,
) -> None:
    good = store.create("Riverside")
    for name, data in POISONS.items():
        (store.folder / f"{name}.geojson").write_bytes(data)

    infos = store.list()

    assert [i.id for i in infos] == [good.id]
    assert len(store.problems) == len(POISONS)
    for name in POISONS:
        assert sum(p.startswith(f"{name}.geojson") for p in store.problems) == 1, name
        with pytest.raises(ScenarioError):
            store.load(name)
