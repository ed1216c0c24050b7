"""One code path to SQLite (WAL) and PostgreSQL: connecting, migrating, transactions.

The store talks SQLAlchemy Core only. Where the two databases differ, it is here:

- **SQLite** (the default: ``deliberation.sqlite3`` next to the workshop's scenarios) runs
  in WAL mode with ``synchronous=FULL`` (a committed ballot survives a crash of the
  process or the machine), foreign keys on, and a 30 s busy timeout. Every write
  transaction starts with ``BEGIN IMMEDIATE``, so writers queue for the lock instead of
  failing half-way; reads see a snapshot and never block writers.
- **PostgreSQL** (``LIFECIRCLE_DB_URL=postgresql://user@host:port/db``, through psycopg 3)
  runs at READ COMMITTED; the store locks the rows a decision depends on (``FOR SHARE``
  on the round while a vote is cast, ``FOR UPDATE`` on the voter), which SQLite's single
  writer makes unnecessary and SQLAlchemy leaves out there.

:func:`migrate` applies :data:`~geo.deliberation.schema.MIGRATIONS` under a lock
(``BEGIN IMMEDIATE`` / ``pg_advisory_xact_lock``), so several processes may start at once.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from geo.deliberation.model import DeliberationError, now_iso
from geo.deliberation.schema import MIGRATIONS

__all__ = [
    "DB_FILE_NAME",
    "DB_URL_ENV",
    "DatabaseSettings",
    "connect_database",
    "database_url",
    "migrate",
    "schema_version",
]

DB_URL_ENV = "LIFECIRCLE_DB_URL"
DB_FILE_NAME = "deliberation.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_MIGRATION_LOCK_ID = 727_271_551  # pg_advisory_xact_lock key of the migrations
_RETRIES = 5


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the deliberation record lives.

    Attributes
    ----------
    url
        A SQLAlchemy URL: ``sqlite:////abs/path.sqlite3`` or ``postgresql://...``
        (psycopg 3 is used for PostgreSQL whatever driver the URL names).
    pool_size
        Connections kept open (PostgreSQL and SQLite files alike).
    """

    url: str
    pool_size: int = 5

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The SQLite file of a ``sqlite:///`` URL (None for a server or memory)."""
        prefix = "sqlite:///"
        if not self.url.startswith(prefix) or self.url == prefix or ":memory:" in self.url:
            return None
        return Path(self.url[len(prefix) :])

    def redacted(self) -> str:
        """The URL without its password, for messages."""
        head, sep, tail = self.url.partition("@")
        if not sep or "://" not in head:
            return self.url
        scheme, _, auth = head.partition("://")
        user = auth.split(":", 1)[0]
        return f"{scheme}://{user}@{tail}"


def database_url(scenario_dir: Path, env: Mapping[str, str] | None = None) -> DatabaseSettings:
    """``$LIFECIRCLE_DB_URL``, else SQLite in ``scenario_dir/deliberation.sqlite3``."""
    environ = os.environ if env is None else env
    url = (environ.get(DB_URL_ENV) or "").strip()
    if url:
        return DatabaseSettings(url=url)
    path = Path(scenario_dir).expanduser().resolve() / DB_FILE_NAME
    return DatabaseSettings(url=f"sqlite:///{path}")


def _engine_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would BEGIN lazily (DEFERRED); the "begin"
    # listener below starts every transaction itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get("lifecircle_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def connect_database(settings: DatabaseSettings) -> Engine:
    """An engine for ``settings.url``, migrated to the latest schema.

    Raises
    ------
    DeliberationError
        The database cannot be reached, created or migrated (the message names it).
    """
    url = _engine_url(settings.url)
    try:
        if settings.is_sqlite:
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url,
                pool_size=settings.pool_size,
                max_overflow=20,
                pool_timeout=60,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(
                url,
                pool_size=settings.pool_size,
                max_overflow=20,
                pool_timeout=60,
                pool_pre_ping=True,
            )
        migrate(engine)
    except (OSError, DBAPIError, ImportError, ValueError) as exc:
        if isinstance(exc, DeliberationError):
            raise
        raise DeliberationError(
            f"cannot open the deliberation database {settings.redacted()}: {_first_line(exc)}"
        ) from exc
    return engine


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def migrate(engine: Engine) -> int:
    """Apply every migration not yet applied; return the schema version."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        )
        done = {row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))}
        for version, description, statements in MIGRATIONS:
            if version in done:
                continue
            for statement in statements:
                conn.execute(text(statement))
            conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (:v, :d, :t)"
                ),
                {"v": version, "d": description, "t": now_iso()},
            )
    return schema_version(engine)


def schema_version(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(text("SELECT MAX(version) FROM schema_migrations")).scalar()
    return int(value or 0)


def _is_transient(exc: DBAPIError) -> bool:
    """SQLite busy/locked, PostgreSQL deadlock or serialisation failure: try again."""
    message = str(exc.orig).lower() if exc.orig is not None else ""
    code = getattr(exc.orig, "sqlstate", None)
    return "database is locked" in message or "busy" in message or code in {"40001", "40P01"}


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on a clean exit."""
    with engine.begin() as conn:
        yield conn


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot (a plain ``BEGIN`` on SQLite: it never blocks writers)."""
    with engine.connect() as conn:
        conn = conn.execution_options(lifecircle_read_only=True)
        with conn.begin():
            yield conn


def with_retries(engine: Engine, work: Any) -> Any:
    """Run ``work(conn)`` in a write transaction, again on a transient lock error.

    A retried transaction was rolled back first, so nothing is applied twice.
    """
    for attempt in range(_RETRIES):
        try:
            with write_transaction(engine) as conn:
                return work(conn)
        except OperationalError as exc:
            if not _is_transient(exc) or attempt == _RETRIES - 1:
                raise DeliberationError(
                    f"the deliberation database is busy, try again ({_first_line(exc)})",
                    reason="busy",
                ) from exc
        except DBAPIError as exc:
            if not _is_transient(exc) or attempt == _RETRIES - 1:
                raise
        time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
