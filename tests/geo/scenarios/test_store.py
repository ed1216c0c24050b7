"""Tests for geo.scenario_store: saving scenarios while several people edit at once.

Concurrency is tested with real processes (the 'fork' context: children share the parent's
imports, so they start in milliseconds) and real threads, started together by a barrier;
nothing sleeps.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, Point, Polygon, shape

from geo.scenarios.merge import ConflictError, resolve
from geo.scenarios.model import (
    Intervention,
    Scenario,
    ScenarioError,
    ScenarioMeta,
    check_scenario_id,
    slugify,
)
from geo.scenarios.store import SaveResult, ScenarioStore
from geo.standards.taxonomy import Taxonomy

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def facility(
    fid: str, name: str = "", *, i: float = 0.0, category: str = "health_centre"
) -> Intervention:
    return Intervention(
        id=fid,
        kind="facility",
        geometry=Point(121.50 + i * 1e-4, 31.23),
        name=name or fid,
        category=category,
    )


def space(fid: str) -> Intervention:
    square = Polygon([(121.5, 31.2), (121.501, 31.2), (121.501, 31.201), (121.5, 31.201)])
    return Intervention(
        id=fid, kind="space", geometry=square, name="口袋公园", provides=("pocket_green", "sports")
    )


def link(fid: str) -> Intervention:
    return Intervention(
        id=fid, kind="link", geometry=LineString([(121.5, 31.2), (121.502, 31.201)]), name="桥"
    )


def closure(fid: str) -> Intervention:
    return Intervention(
        id=fid, kind="closure", geometry=Point(121.503, 31.202), target="node-1,node-2"
    )


def renamed(scenario: Scenario, fid: str, name: str) -> Scenario:
    item = scenario.get(fid)
    assert item is not None
    return scenario.with_intervention(replace(item, name=name))


def with_meta(
    scenario: Scenario, *, title: str | None = None, description: str | None = None
) -> Scenario:
    meta = scenario.meta
    meta = replace(meta, title=meta.title if title is None else title)
    meta = replace(meta, description=meta.description if description is None else description)
    return replace(scenario, meta=meta)


def feature_ids(scenario: Scenario) -> list[str]:
    return [i.id for i in scenario.interventions]


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def store(tmp_path: Path) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios")


@pytest.fixture
def started(store: ScenarioStore) -> Scenario:
    """A scenario at revision 1 holding features ``a``, ``b`` and ``c``."""
    scenario = store.create("Riverside")
    scenario = scenario.with_intervention(facility("a", i=1))
    scenario = scenario.with_intervention(facility("b", i=2))
    scenario = scenario.with_intervention(facility("c", i=3))
    return store.save(scenario, base_revision=0).scenario


# --- round trip -----------------------------------------------------------------------


def test_create_save_load_round_trip_writes_readable_geojson(store: ScenarioStore) -> None:
    created = store.create("Riverside 滨江 plan", author="Li Wei", district="lujiazui")
    assert created.id == "riverside-plan"
    assert created.meta.revision == 0
    assert (created.meta.title, created.meta.author) == ("Riverside 滨江 plan", "Li Wei")
    assert store.history(created.id) == [0]

    edited = with_meta(created, description="社区食堂 and a pocket park")
    for item in (facility("f1", "社区食堂"), space("s1"), link("l1"), closure("x1")):
        edited = edited.with_intervention(item)
    result = store.save(edited, base_revision=0)
    assert result == SaveResult(scenario=result.scenario, revision=1, merged=False)

    loaded = store.load(created.id)
    assert loaded == result.scenario
    assert loaded.meta.revision == 1
    assert loaded.meta.created == created.meta.created
    assert loaded.meta.description == "社区食堂 and a pocket park"
    assert [i.signature() for i in loaded.interventions] == [
        i.signature() for i in edited.interventions
    ]

    path = store.path_of(created.id)
    assert path == store.folder / "riverside-plan.geojson"
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "type": "FeatureCollection",\n')  # indented, one key a line
    assert "社区食堂" in text  # human-readable, not \u escapes
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert doc["metadata"]["revision"] == 1
    assert len(doc["features"]) == 4
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["id"], str)
        assert isinstance(feature["properties"], dict)
        assert shape(feature["geometry"]).is_valid
    assert store.history(created.id) == [0, 1]
    assert (store.folder / ".history" / created.id / "1.geojson").read_text("utf-8") == text


def test_hand_written_file_loads_with_defaults_and_stable_ids(store: ScenarioStore) -> None:
    store.folder.mkdir(parents=True)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "facility", "category": "health_centre"},
                "geometry": {"type": "Point", "coordinates": [121.5, 31.2]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "facility", "category": "health_centre"},
                "geometry": {"type": "Point", "coordinates": [121.5, 31.2]},
            },
        ],
    }
    raw = json.dumps(doc).encode()
    (store.folder / "by-hand.geojson").write_bytes(raw)

    first = store.load("by-hand")
    assert first.id == "by-hand"
    assert first.meta.revision == 0
    assert first.meta.title == "Untitled scenario"
    assert len(set(feature_ids(first))) == 2  # two identical features, two ids
    assert feature_ids(store.load("by-hand")) == feature_ids(first)  # same ids every load

    # A stale save against the hand-written revision 0 merges against it, so the
    # hand-written features are not duplicated.
    mine = first.with_intervention(facility("mine"))
    theirs = with_meta(first, title="Named")
    assert store.save(theirs, base_revision=0).revision == 1
    result = store.save(mine, base_revision=0)
    assert result.merged
    assert result.revision == 2
    assert sorted(feature_ids(result.scenario)) == sorted([*feature_ids(first), "mine"])
    assert result.scenario.meta.title == "Named"
    assert store.history("by-hand") == [0, 1, 2]
    assert (store.folder / ".history" / "by-hand" / "0.geojson").read_bytes() == raw


def test_list_describes_scenarios_and_reports_unreadable_files(store: ScenarioStore) -> None:
    assert store.list() == []  # the folder does not exist yet
    one = store.create("One", author="Ann")
    store.save(one.with_intervention(facility("f")), base_revision=0)
    store.create("Two")
    (store.folder / "broken.geojson").write_text("{not json", encoding="utf-8")
    (store.folder / "Bad Name.geojson").write_text("{}", encoding="utf-8")
    (store.folder / ".one.geojson.abc.tmp").write_text("half", encoding="utf-8")

    infos = {info.id: info for info in store.list()}
    assert set(infos) == {"one", "two"}
    assert infos["one"].title == "One"
    assert infos["one"].author == "Ann"
    assert infos["one"].revision == 1
    assert infos["one"].n_features == 1
    assert infos["one"].path == store.folder / "one.geojson"
    assert infos["two"].n_features == 0
    assert len(store.problems) == 2
    broken = next(p for p in store.problems if "broken.geojson" in p)
    assert "not valid JSON" in broken
    assert any("Bad Name.geojson" in p and "bad-name.geojson" in p for p in store.problems)


def test_taxonomy_is_checked_before_anything_is_written(tmp_path: Path, taxonomy: Taxonomy) -> None:
    store = ScenarioStore(tmp_path, taxonomy=taxonomy)
    scenario = store.create("Checked")
    before = store.path_of(scenario.id).read_bytes()
    with pytest.raises(ScenarioError, match="unknown category 'casino'"):
        store.save(scenario.with_intervention(facility("x", category="casino")), base_revision=0)
    assert store.path_of(scenario.id).read_bytes() == before
    assert store.history(scenario.id) == [0]


# --- merging and conflicts ------------------------------------------------------------


def test_stale_save_of_other_features_and_fields_merges(
    store: ScenarioStore, started: Scenario
) -> None:
    theirs = renamed(started, "a", "theirs").without("c")
    theirs = with_meta(theirs, description="their notes")
    assert store.save(theirs, base_revision=1).revision == 2

    mine = renamed(started, "b", "mine").with_intervention(facility("d", i=4))
    mine = with_meta(mine, title="My title")
    result = store.save(mine, base_revision=1)  # stale: the file is at revision 2

    assert result.merged
    assert result.revision == 3
    assert set(result.merged_features) == {"a", "c"}
    assert result.merged_fields == ("description",)
    saved = store.load(started.id)
    assert saved == result.scenario
    assert feature_ids(saved) == ["a", "b", "d"]
    names = {i.id: i.name for i in saved.interventions}
    assert names == {"a": "theirs", "b": "mine", "d": "d"}
    assert (saved.meta.title, saved.meta.description) == ("My title", "their notes")
    assert saved.meta.created == started.meta.created


def test_identical_changes_on_both_sides_do_not_conflict(
    store: ScenarioStore, started: Scenario
) -> None:
    same = renamed(started, "a", "same").without("b")
    store.save(same, base_revision=1)
    result = store.save(same, base_revision=1)
    assert result.revision == 3
    assert result.merged_features == ()
    assert feature_ids(result.scenario) == ["a", "c"]


def test_stale_save_of_the_same_feature_conflicts_and_writes_nothing(
    store: ScenarioStore, started: Scenario
) -> None:
    store.save(renamed(started, "a", "theirs"), base_revision=1)
    on_disk = store.path_of(started.id).read_bytes()

    mine = renamed(started, "a", "mine").with_intervention(facility("d"))
    with pytest.raises(ConflictError) as caught:
        store.save(mine, base_revision=1)

    conflict = caught.value
    assert isinstance(conflict, ScenarioError)
    assert conflict.feature_ids == ("a",)
    assert conflict.fields == ()
    assert conflict.choices == ("a",)
    assert conflict.mine is mine
    assert conflict.base is not None
    assert conflict.base.meta.revision == 1
    assert conflict.theirs.meta.revision == 2
    base_a, mine_a, theirs_a = (s.get("a") for s in (conflict.base, conflict.mine, conflict.theirs))
    assert (base_a and base_a.name, mine_a and mine_a.name, theirs_a and theirs_a.name) == (
        "a",
        "mine",
        "theirs",
    )
    assert "also changed feature 'a'; nothing was saved" in str(conflict)
    assert store.path_of(started.id).read_bytes() == on_disk
    assert store.history(started.id) == [0, 1, 2]

    chosen = resolve(conflict, take={"a": "mine"})
    assert chosen.meta.revision == 2
    result = store.save(chosen, base_revision=chosen.meta.revision)
    assert result.revision == 3
    assert not result.merged
    saved = store.load(started.id)
    assert {i.id: i.name for i in saved.interventions} == {
        "a": "mine",
        "b": "b",
        "c": "c",
        "d": "d",
    }

    # Choosing theirs keeps their version and still keeps my other edits.
    assert resolve(conflict, take={"a": "theirs"}).get("a") == theirs_a
    assert resolve(conflict, take={"a": "theirs"}).get("d") is not None


def test_edit_against_delete_and_metadata_conflicts(
    store: ScenarioStore, started: Scenario
) -> None:
    store.save(with_meta(started.without("a"), title="Theirs"), base_revision=1)
    mine = with_meta(renamed(started, "a", "kept"), title="Mine")
    with pytest.raises(ConflictError) as caught:
        store.save(mine, base_revision=1)
    conflict = caught.value
    assert conflict.feature_ids == ("a",)
    assert conflict.fields == ("title",)
    assert "changed feature 'a', the title;" in str(conflict)
    assert conflict.choices == ("a", "metadata.title")

    with pytest.raises(ScenarioError, match=r"metadata\.title"):
        resolve(conflict, take={"a": "mine"})
    with pytest.raises(ScenarioError, match="'mine' or 'theirs'"):
        resolve(conflict, take={"a": "both", "metadata.title": "mine"})  # type: ignore[dict-item]

    chosen = resolve(conflict, take={"a": "theirs", "metadata.title": "mine"})
    assert chosen.get("a") is None
    assert chosen.meta.title == "Mine"
    saved = store.save(chosen, base_revision=conflict.theirs.meta.revision).scenario
    assert (feature_ids(saved), saved.meta.title) == (["b", "c"], "Mine")


def test_conflict_survives_pickling() -> None:
    scenario = Scenario(id="x", meta=ScenarioMeta(title="x"), interventions=(facility("a"),))
    conflict = ConflictError(
        "boom", mine=scenario, theirs=scenario, base=None, feature_ids=("a",), fields=("title",)
    )
    copy = pickle.loads(pickle.dumps(conflict))
    assert isinstance(copy, ConflictError)
    assert (str(copy), copy.feature_ids, copy.fields, copy.base) == (
        "boom",
        ("a",),
        ("title",),
        None,
    )
    assert copy.mine == scenario


def test_missing_base_makes_every_difference_a_conflict(
    store: ScenarioStore, started: Scenario
) -> None:
    store.save(renamed(started, "a", "theirs"), base_revision=1)
    (store.folder / ".history" / started.id / "1.geojson").unlink()
    mine = renamed(started, "b", "mine").with_intervention(facility("d"))
    with pytest.raises(ConflictError) as caught:
        store.save(mine, base_revision=1)
    assert caught.value.base is None
    assert set(caught.value.feature_ids) == {"a", "b"}  # d (only mine) merges
    chosen = resolve(caught.value, take={"a": "theirs", "b": "mine"})
    assert {i.id: i.name for i in chosen.interventions} == {
        "a": "theirs",
        "b": "mine",
        "c": "c",
        "d": "d",
    }


def test_a_file_edited_outside_the_store_is_kept_as_a_revision(
    store: ScenarioStore, started: Scenario
) -> None:
    path = store.path_of(started.id)
    doc = json.loads(path.read_text("utf-8"))
    doc["features"].append(facility("by-hand").to_feature())  # revision left at 1
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")

    result = store.save(started.with_intervention(facility("mine")), base_revision=1)
    assert result.revision == 3  # the outside edit became revision 2
    assert result.merged
    assert "by-hand" in result.merged_features
    assert set(feature_ids(result.scenario)) == {"a", "b", "c", "by-hand", "mine"}
    assert feature_ids(store.load_revision(started.id, 2)) == ["a", "b", "c", "by-hand"]


# --- concurrency ----------------------------------------------------------------------

N_WORKERS = 6
N_SAVES = 10


def _save_many(
    store: ScenarioStore, scenario_id: str, worker: int, n_saves: int, wait: Callable[[], Any]
) -> tuple[int, int, int]:
    """Add ``n_saves`` features one save at a time, each from the revision last read;
    every fifth save also renames the shared feature (which others rename too), so some
    saves conflict and are retried after reloading. Returns (saves, merges, conflicts)."""
    scenario = store.load(scenario_id)
    wait()
    saves = merges = conflicts = 0
    for k in range(n_saves):
        while True:
            edited = scenario.with_intervention(facility(f"w{worker}-{k}", i=worker + k / 100))
            if k % 5 == 0:
                edited = renamed(edited, "shared", f"w{worker}-{k}")
            try:
                result = store.save(edited, base_revision=scenario.meta.revision)
            except ConflictError:
                conflicts += 1
                scenario = store.load(scenario_id)
                continue
            saves += 1
            merges += result.merged
            scenario = result.scenario
            break
    return saves, merges, conflicts


def _process_worker(folder: str, scenario_id: str, worker: int, barrier: Any, queue: Any) -> None:
    store = ScenarioStore(Path(folder))
    queue.put((worker, *_save_many(store, scenario_id, worker, N_SAVES, barrier.wait)))


def _prepare_shared(store: ScenarioStore) -> Scenario:
    scenario = store.create("Workshop")
    return store.save(scenario.with_intervention(facility("shared")), base_revision=0).scenario


def _check_nothing_lost(store: ScenarioStore, scenario_id: str, n_workers: int, saves: int) -> None:
    text = store.path_of(scenario_id).read_text("utf-8")
    assert json.loads(text)["type"] == "FeatureCollection"
    final = store.load(scenario_id)
    expected = {f"w{w}-{k}" for w in range(n_workers) for k in range(N_SAVES)}
    assert expected <= set(feature_ids(final))
    assert len(final.interventions) == len(expected) + 1
    assert saves == n_workers * N_SAVES
    assert final.meta.revision == 1 + saves  # the setup save, then one per successful save
    assert store.history(scenario_id) == list(range(final.meta.revision + 1))
    assert temp_files(store.folder) == []


def test_concurrent_saves_from_several_processes_lose_nothing(store: ScenarioStore) -> None:
    scenario = _prepare_shared(store)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_WORKERS)
    queue = ctx.Queue()
    processes = [
        ctx.Process(
            target=_process_worker, args=(str(store.folder), scenario.id, w, barrier, queue)
        )
        for w in range(N_WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        reports = [queue.get(timeout=60) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * N_WORKERS
    assert sorted(r[0] for r in reports) == list(range(N_WORKERS))
    _check_nothing_lost(store, scenario.id, N_WORKERS, sum(r[1] for r in reports))


def test_concurrent_saves_from_threads_lose_nothing(store: ScenarioStore) -> None:
    scenario = _prepare_shared(store)
    n_threads = 4
    barrier = threading.Barrier(n_threads)
    reports: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            own_store = ScenarioStore(store.folder)  # one store per session, same folder
            reports.append(_save_many(own_store, scenario.id, worker, N_SAVES, barrier.wait))
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(reports) == n_threads
    _check_nothing_lost(store, scenario.id, n_threads, sum(r[0] for r in reports))


# --- names never become paths ---------------------------------------------------------

BAD_IDS = [
    "../x",
    "a/b",
    "..",
    ".",
    "/etc/passwd",
    "C:\\x",
    "a\\b",
    "x\x00y",
    "",
    "-x",
    "Upper",
    "a b",
    "x.geojson",
    "abc\n",
    "x" * 65,
    "社区",
]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_bad_ids_are_refused_everywhere(tmp_path: Path, bad_id: str) -> None:
    store = ScenarioStore(tmp_path / "store")
    good = store.create("Good")
    with pytest.raises(ScenarioError, match="not a valid scenario id"):
        check_scenario_id(bad_id)
    calls: list[Callable[[], object]] = [
        lambda: store.load(bad_id),
        lambda: store.load_revision(bad_id, 0),
        lambda: store.history(bad_id),
        lambda: store.delete(bad_id),
        lambda: store.revert(bad_id, 0),
        lambda: store.path_of(bad_id),
        lambda: store.save(replace(good, id=bad_id), base_revision=0),
    ]
    for call in calls:
        with pytest.raises(ScenarioError, match="not a valid scenario id"):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    assert sorted(p.name for p in store.folder.iterdir()) == [".history", ".lock", "good.geojson"]


def test_valid_ids_of_64_characters_are_kept_whole(store: ScenarioStore) -> None:
    long_id = "a" * 60 + "--b1"  # slugify would shorten and reshape it
    assert check_scenario_id(long_id) == long_id
    scenario = replace(store.create("x"), id=long_id)
    result = store.save(scenario, base_revision=0)
    assert result.scenario.id == long_id
    assert store.load(long_id).id == long_id
    assert [i.id for i in store.list()] == sorted([long_id, "x"])


@pytest.mark.parametrize(
    ("title", "expected_id"),
    [
        ("../x", "x"),
        ("a/b", "a-b"),
        ("..", "scenario"),
        ("/etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("nul\x00byte", "nulbyte"),  # control characters are dropped from titles
        ("社区更新方案", "scenario"),
        ("滨江 Riverside 2025", "riverside-2025"),
        ("", "untitled-scenario"),
        ("x" * 300, "x" * 41),
    ],
)
def test_titles_become_safe_ascii_ids(tmp_path: Path, title: str, expected_id: str) -> None:
    store = ScenarioStore(tmp_path / "store")
    first = store.create(title)
    second = store.create(title)
    assert first.id == expected_id
    assert ID_RE.match(second.id)
    assert second.id.startswith(expected_id + "-")
    assert len(second.id) <= 48
    for scenario in (first, second):
        assert store.path_of(scenario.id).parent == store.folder
        assert store.load(scenario.id) == scenario
        assert "\x00" not in scenario.meta.title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    assert {p.name for p in store.folder.iterdir()} == {
        ".history",
        ".lock",
        f"{first.id}.geojson",
        f"{second.id}.geojson",
    }
    assert first.meta.title == (title.replace("\x00", "")[:200] or "Untitled scenario")
    assert slugify(title)  # the model's slug is never empty either


# --- atomic writes and unreadable files -----------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_files(
    store: ScenarioStore, started: Scenario, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = store.path_of(started.id)
    before = path.read_bytes()
    real_replace, real_fsync = os.replace, os.fsync

    def replace_failing_on_target(src: Any, dst: Any) -> None:
        if Path(dst) == path:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    def fsync_failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    if failing == "replace":
        monkeypatch.setattr(os, "replace", replace_failing_on_target)
    else:
        monkeypatch.setattr(os, "fsync", fsync_failing)
    with pytest.raises(ScenarioError, match="could not write"):
        store.save(started.with_intervention(facility("lost")), base_revision=1)
    monkeypatch.setattr(os, "replace", real_replace)
    monkeypatch.setattr(os, "fsync", real_fsync)

    assert path.read_bytes() == before
    assert temp_files(store.folder) == []
    assert store.history(started.id) == [0, 1]  # no trace of the failed revision
    assert store.load(started.id) == started
    retry = store.save(started.with_intervention(facility("kept")), base_revision=1)
    assert retry.revision == 2


def test_a_corrupt_file_is_reported_refused_and_never_destroyed(store: ScenarioStore) -> None:
    store.create("Other")
    corrupt = b'{"type": "FeatureCollection", "features": [ {"type": "Feat'
    path = store.folder / "plan.geojson"
    path.write_bytes(corrupt)

    assert [info.id for info in store.list()] == ["other"]
    assert len(store.problems) == 1
    assert "plan.geojson" in store.problems[0]
    assert "not valid JSON" in store.problems[0]
    with pytest.raises(ScenarioError, match=r"plan\.geojson cannot be read: it is not valid JSON"):
        store.load("plan")

    # create() with the same title picks another id ...
    created = store.create("Plan")
    assert created.id.startswith("plan-")
    assert path.read_bytes() == corrupt
    # ... and save() to the corrupt id refuses.
    with pytest.raises(ScenarioError, match="left untouched"):
        store.save(replace(created, id="plan"), base_revision=0)
    assert path.read_bytes() == corrupt

    # Deleting it keeps its bytes in the history; the id stays taken.
    store.delete("plan")
    assert not path.exists()
    kept = list((store.folder / ".history" / "plan").glob("corrupt-*.geojson"))
    assert [p.read_bytes() for p in kept] == [corrupt]
    assert store.history("plan") == []
    assert store.create("Plan").id not in ("plan", created.id)


def test_a_file_of_bad_features_is_reported_with_the_feature(store: ScenarioStore) -> None:
    store.folder.mkdir(parents=True)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"kind": "facility"}, "geometry": None},
        ],
    }
    (store.folder / "odd.geojson").write_text(json.dumps(doc), encoding="utf-8")
    assert store.list() == []
    assert store.problems[0].startswith("odd.geojson cannot be read: feature 1")
    with pytest.raises(ScenarioError, match="feature 1"):
        store.load("odd")


# --- delete, history, revert ----------------------------------------------------------


def test_delete_and_revert_lose_nothing(store: ScenarioStore, started: Scenario) -> None:
    sid = started.id
    second = store.save(started.with_intervention(facility("d")), base_revision=1).scenario
    store.save(second.without("a"), base_revision=2)
    assert store.history(sid) == [0, 1, 2, 3]

    undo = store.revert(sid, 1)
    assert (undo.revision, undo.merged) == (4, False)
    assert feature_ids(store.load(sid)) == ["a", "b", "c"]
    assert store.load(sid).meta.created == started.meta.created

    store.delete(sid)
    assert not store.path_of(sid).exists()
    assert store.list() == []
    with pytest.raises(ScenarioError, match="was deleted"):
        store.load(sid)
    with pytest.raises(ScenarioError, match="was deleted"):
        store.save(undo.scenario, base_revision=4)
    with pytest.raises(ScenarioError, match="no scenario"):
        store.delete(sid)
    assert store.history(sid) == [0, 1, 2, 3, 4]
    assert store.create(started.meta.title).id != sid  # a deleted id is not reused

    restored = store.revert(sid, 2)
    assert restored.revision == 5
    assert feature_ids(store.load(sid)) == ["a", "b", "c", "d"]
    assert store.history(sid) == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ScenarioError, match="no saved revision 9"):
        store.revert(sid, 9)


def test_revert_replaces_a_corrupt_file_and_keeps_its_bytes(
    store: ScenarioStore, started: Scenario
) -> None:
    path = store.path_of(started.id)
    path.write_bytes(b"garbage")
    result = store.revert(started.id, 1)
    assert result.revision == 2
    assert feature_ids(store.load(started.id)) == ["a", "b", "c"]
    kept = list((store.folder / ".history" / started.id).glob("corrupt-*.geojson"))
    assert [p.read_bytes() for p in kept] == [b"garbage"]


@pytest.mark.parametrize("bad", [-1, True, 1.0, "1"])
def test_base_revision_must_be_a_whole_number(
    store: ScenarioStore, started: Scenario, bad: Any
) -> None:
    with pytest.raises(ScenarioError, match="base revision"):
        store.save(started, base_revision=bad)


def test_save_of_a_new_scenario_and_of_an_unknown_one(store: ScenarioStore) -> None:
    fresh = replace(store.create("Template"), id="imported")
    assert store.save(fresh, base_revision=0).revision == 1
    with pytest.raises(ScenarioError, match="no scenario 'other' to update"):
        store.save(replace(fresh, id="other"), base_revision=3)
