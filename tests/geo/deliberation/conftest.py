"""Every store test runs twice: on SQLite (a WAL file in tmp) and on a real PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.deliberation.database import DatabaseSettings
from geo.deliberation.store import DeliberationStore
from tests.pg_cluster import create_database, running_cluster

_NAMES = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with running_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseSettings:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return DatabaseSettings(url=f"sqlite:///{tmp_path / 'deliberation.sqlite3'}")
    server = request.getfixturevalue("pg_server")
    return DatabaseSettings(url=create_database(server, f"t{next(_NAMES)}"))


@pytest.fixture
def store(db_settings: DatabaseSettings) -> Iterator[DeliberationStore]:
    opened = DeliberationStore(db_settings)
    try:
        yield opened
    finally:
        opened.close()
