"""Tests for the district cache: speed, fidelity, corruption, location, keys."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from geopandas.testing import assert_geodataframe_equal

from geo.district import cache, loader
from geo.district.loader import load_district
from geo.district.model import District
from geo.settings import Settings, default_cache_dir
from geo.standards.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, load_taxonomy, parse_taxonomy


def entry_folder(settings: Settings, district: District) -> Path:
    return settings.cache_dir / "districts" / district.meta.cache_key


def assert_same_district(got: District, want: District) -> None:
    assert got.meta == want.meta
    assert got.network.crs == want.network.crs
    pd.testing.assert_frame_equal(got.network.nodes, want.network.nodes)
    pd.testing.assert_frame_equal(got.network.edges, want.network.edges)
    assert_geodataframe_equal(got.facilities, want.facilities)
    assert_geodataframe_equal(got.buildings, want.buildings)
    assert_geodataframe_equal(got.areas, want.areas)
    assert_geodataframe_equal(got.entrances, want.entrances)
    assert_geodataframe_equal(got.facility_areas, want.facility_areas)


def assert_entry_valid(folder: Path) -> None:
    """Every table matches the checksum its manifest records, and the entry reads back."""
    manifest = json.loads((folder / cache.MANIFEST).read_text("utf-8"))
    assert set(manifest["files"]) == {
        "nodes",
        "edges",
        "facilities",
        "buildings",
        "areas",
        "entrances",
        "facility_areas",
    }
    for name, spec in manifest["files"].items():
        digest = hashlib.sha256((folder / f"{name}.parquet").read_bytes()).hexdigest()
        assert digest == spec["sha256"], name
    assert cache.read_entry(folder) is not None


# --- the cache is used ------------------------------------------------------------------------
def test_warm_load_does_not_parse_again(
    taxonomy: Taxonomy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second load reads the entry: the file is not parsed again. (How much faster that
    is belongs to the benchmark, ``lifecircle bench``: never to a timed unit test.)"""
    settings = Settings(cache_dir=tmp_path)
    cold = load_district("lujiazui", taxonomy=taxonomy, settings=settings)

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached district was parsed again")

    monkeypatch.setattr(loader, "read_osm_file", no_parse)
    warm = load_district("lujiazui", taxonomy=taxonomy, settings=settings)
    assert cold.timings_s["cached"] == 0.0
    assert warm.timings_s["cached"] == 1.0
    assert warm.network.nodes.equals(cold.network.nodes)


# --- fidelity --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["lujiazui", "wangjing"])
def test_cached_district_equals_fresh_one(
    name: str, taxonomy: Taxonomy, session_settings: Settings, request: pytest.FixtureRequest
) -> None:
    fresh: District = request.getfixturevalue(name)  # the session's first, parsed load
    assert fresh.timings_s["cached"] == 0.0
    cached = load_district(name, taxonomy=taxonomy, settings=session_settings)
    assert cached.timings_s["cached"] == 1.0
    assert_same_district(cached, fresh)
    assert_entry_valid(entry_folder(session_settings, fresh))


# --- corruption --------------------------------------------------------------------------------
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _rewrite_valid_but_different(path: Path) -> None:
    """A readable table with other content: only the manifest's checksum can tell."""
    frame = pd.read_parquet(path)
    frame["x"] = frame["x"] + 100.0
    frame.to_parquet(path)


def _drop_crs_from_manifest(path: Path) -> None:
    manifest = json.loads(path.read_text("utf-8"))
    del manifest["meta"]["crs"]
    path.write_text(json.dumps(manifest), "utf-8")


CORRUPTIONS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated-nodes": ("nodes.parquet", _truncate),
    "flipped-edges": ("edges.parquet", _flip_bytes),
    "deleted-facilities": ("facilities.parquet", Path.unlink),
    "nodes-rewritten": ("nodes.parquet", _rewrite_valid_but_different),
    "manifest-not-json": (cache.MANIFEST, lambda p: p.write_text("{not json", "utf-8")),
    "manifest-not-utf8": (cache.MANIFEST, lambda p: p.write_bytes(b"\xff\xfe\x00garbage")),
    "manifest-a-list": (cache.MANIFEST, lambda p: p.write_text("[]", "utf-8")),
    "manifest-without-crs": (cache.MANIFEST, _drop_crs_from_manifest),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_entry_is_rebuilt(
    corruption: str,
    wangjing: District,
    taxonomy: Taxonomy,
    session_settings: Settings,
    tmp_path: Path,
) -> None:
    settings = Settings(cache_dir=tmp_path)
    folder = entry_folder(settings, wangjing)
    shutil.copytree(entry_folder(session_settings, wangjing), folder)
    file_name, damage = CORRUPTIONS[corruption]
    damage(folder / file_name)

    got = load_district("wangjing", taxonomy=taxonomy, settings=settings)

    assert got.timings_s["cached"] == 0.0  # the damage was noticed: parsed again
    assert_same_district(got, wangjing)
    assert_entry_valid(folder)  # and the entry was written again, whole
    again = load_district("wangjing", taxonomy=taxonomy, settings=settings)
    assert again.timings_s["cached"] == 1.0
    assert_same_district(again, wangjing)


def test_intact_copied_entry_is_used(
    wangjing: District, taxonomy: Taxonomy, session_settings: Settings, tmp_path: Path
) -> None:
    """The control for the corruption tests: an undamaged copy is served from cache."""
    settings = Settings(cache_dir=tmp_path)
    shutil.copytree(entry_folder(session_settings, wangjing), entry_folder(settings, wangjing))
    got = load_district("wangjing", taxonomy=taxonomy, settings=settings)
    assert got.timings_s["cached"] == 1.0
    assert_same_district(got, wangjing)


def test_use_cache_false_neither_reads_nor_writes(
    wangjing: District, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    settings = Settings(cache_dir=tmp_path / "never", use_cache=False)
    got = load_district("wangjing", taxonomy=taxonomy, settings=settings)
    assert got.timings_s["cached"] == 0.0
    assert not (tmp_path / "never").exists()
    pd.testing.assert_frame_equal(got.network.nodes, wangjing.network.nodes)


# --- where the cache lives ---------------------------------------------------------------------
def test_env_var_sets_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "lc"))
    assert default_cache_dir() == tmp_path / "lc"
    assert Settings().cache_dir == tmp_path / "lc"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", "~/my-cache")
    assert default_cache_dir() == tmp_path / "home" / "my-cache"


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/lifecircle"),
        ("linux", {}, "{tmp}/home/.cache/lifecircle"),
        ("darwin", {}, "{tmp}/home/Library/Caches/lifecircle"),
        ("win32", {"LOCALAPPDATA": "{tmp}/appdata"}, "{tmp}/appdata/lifecircle/cache"),
    ],
)
def test_default_cache_dir_without_env_var(
    platform: str,
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("LIFECIRCLE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(tmp=tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert default_cache_dir() == Path(expected.format(tmp=tmp_path))


def test_env_var_cache_dir_is_used_by_load(
    wangjing: District,
    taxonomy: Taxonomy,
    session_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "env-cache"
    shutil.copytree(
        entry_folder(session_settings, wangjing), folder / "districts" / wangjing.meta.cache_key
    )
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(folder))
    got = load_district("wangjing", taxonomy=taxonomy, settings=Settings())
    assert got.timings_s["cached"] == 1.0  # served from the folder the variable names
    assert_same_district(got, wangjing)


# --- cache keys -------------------------------------------------------------------------------
def _subset_taxonomy_doc(ids: set[str]) -> dict[str, object]:
    doc = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text("utf-8"))
    doc["categories"] = [c for c in doc["categories"] if c["id"] in ids]
    return doc


def test_other_taxonomy_file_gets_its_own_entry(
    wangjing: District,
    expected_wangjing: Any,
    taxonomy: Taxonomy,
    session_settings: Settings,
    tmp_path: Path,
) -> None:
    settings = Settings(cache_dir=tmp_path / "cache")
    shutil.copytree(entry_folder(session_settings, wangjing), entry_folder(settings, wangjing))
    path = tmp_path / "transit_only.yaml"
    path.write_text(
        yaml.safe_dump(_subset_taxonomy_doc({"transit", "toilet"}), allow_unicode=True), "utf-8"
    )
    user = load_taxonomy(path)
    assert user.digest != taxonomy.digest

    got = load_district("wangjing", taxonomy=user, settings=settings)

    assert got.timings_s["cached"] == 0.0
    assert got.meta.cache_key != wangjing.meta.cache_key
    assert got.meta.taxonomy_digest == user.digest
    expected_transit = len(expected_wangjing.facilities["transit"])
    assert got.facility_counts() == {"transit": expected_transit}
    entries = sorted(p.name for p in (settings.cache_dir / "districts").iterdir())
    assert entries == sorted([wangjing.meta.cache_key, got.meta.cache_key])


def test_same_taxonomy_content_elsewhere_shares_the_entry(
    wangjing: District, session_settings: Settings, tmp_path: Path
) -> None:
    copy = tmp_path / "copy_of_taxonomy.yaml"
    copy.write_bytes(DEFAULT_TAXONOMY_PATH.read_bytes())
    got = load_district("wangjing", taxonomy=load_taxonomy(copy), settings=session_settings)
    assert got.timings_s["cached"] == 1.0
    assert got.meta.cache_key == wangjing.meta.cache_key


def test_taxonomies_built_in_memory_do_not_share_an_entry(tmp_path: Path) -> None:
    """``parse_taxonomy`` (public) makes taxonomies with ``digest=""`` unless told otherwise.

    Two different taxonomies must never be served each other's facilities from the cache.
    """
    settings = Settings(cache_dir=tmp_path)
    everything = parse_taxonomy(_subset_taxonomy_doc({"transit", "park_large"}), source="upload-1")
    only_parks = parse_taxonomy(_subset_taxonomy_doc({"park_large"}), source="upload-2")

    first = load_district("wangjing", taxonomy=everything, settings=settings)
    second = load_district("wangjing", taxonomy=only_parks, settings=settings)

    assert set(first.facility_counts()) == {"transit", "park_large"}
    assert set(second.facility_counts()) == {"park_large"}
    assert second.meta.cache_key != first.meta.cache_key
