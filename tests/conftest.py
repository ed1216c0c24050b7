"""Fixtures shared by every test package.

The bundled districts take seconds to parse, so they are loaded once per session, into a
session cache folder under pytest's temporary directory. No test ever writes to the
user's real cache: ``LIFECIRCLE_CACHE_DIR`` points into the session's temporary
directory for the whole run, and tests that need a cache of their own pass
``Settings(cache_dir=tmp_path)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.district import District, load_district
from geo.settings import Settings
from geo.taxonomy import Taxonomy, load_taxonomy

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the default cache folder at a temporary one for the whole session."""
    folder = tmp_path_factory.mktemp("default-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The repository's ``data/`` folder (bundled OSM extracts, taxonomy, districts)."""
    return DATA_DIR


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose cache is a folder of this session's temporary directory."""
    return Settings(cache_dir=tmp_path_factory.mktemp("district-cache"))


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """The bundled facility taxonomy (``data/taxonomy.yaml``)."""
    return load_taxonomy()


@pytest.fixture(scope="session")
def lujiazui(taxonomy: Taxonomy, session_settings: Settings) -> District:
    """The bundled Shanghai Lujiazui district, parsed from its OSM extract."""
    return load_district("lujiazui", taxonomy=taxonomy, settings=session_settings)


@pytest.fixture(scope="session")
def wangjing(taxonomy: Taxonomy, session_settings: Settings) -> District:
    """The bundled Beijing Wangjing district, parsed from its OSM extract."""
    return load_district("wangjing", taxonomy=taxonomy, settings=session_settings)
