"""The deliberation tables, and the migrations that create them.

The schema lives in :data:`MIGRATIONS`: numbered steps of portable SQL (it runs unchanged
on SQLite and PostgreSQL), applied in order, each in its own transaction, and recorded
in ``schema_migrations``. The SQLAlchemy :class:`~sqlalchemy.Table` objects below only
describe the tables for queries; ``tests/geo/deliberation`` checks that they match what
the migrations create.

Rules the database itself enforces (so that no race can break them):

- one current ballot per voter and round (a partial unique index on ``ballots``);
- one open round per topic (a partial unique index on ``rounds``);
- a printed token is redeemed once (``tokens.voter_id`` is set only where it is NULL);
- round numbers, room codes and token digests are unique.

Ballots are never deleted or updated except to mark them superseded: a changed vote adds
a row, so the full history of every round stays in the database.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text

__all__ = [
    "METADATA",
    "MIGRATIONS",
    "alternatives",
    "ballots",
    "rounds",
    "tokens",
    "topics",
    "voters",
]

MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "topics, alternatives, rounds, voters, tokens, ballots",
        (
            """CREATE TABLE topics (
                id TEXT PRIMARY KEY,
                room_code TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                place_json TEXT,
                need_category TEXT NOT NULL DEFAULT '',
                evidence_json TEXT NOT NULL DEFAULT '{}',
                residents_affected DOUBLE PRECISION NOT NULL DEFAULT 0,
                district TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
                created_at TEXT NOT NULL,
                closed_at TEXT,
                decided_alternative_id TEXT,
                decision TEXT NOT NULL DEFAULT '',
                follow_up TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE alternatives (
                id TEXT PRIMARY KEY,
                topic_id TEXT NOT NULL REFERENCES topics(id),
                label TEXT NOT NULL,
                scenario_id TEXT,
                position INTEGER NOT NULL,
                impact_json TEXT,
                created_at TEXT NOT NULL,
                UNIQUE (topic_id, position)
            )""",
            """CREATE TABLE rounds (
                id TEXT PRIMARY KEY,
                topic_id TEXT NOT NULL REFERENCES topics(id),
                number INTEGER NOT NULL,
                question TEXT NOT NULL DEFAULT '',
                method TEXT NOT NULL CHECK (method IN ('single', 'ranking')),
                mode TEXT NOT NULL CHECK (mode IN ('token', 'device')),
                status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                options_json TEXT NOT NULL,
                opened_at TEXT NOT NULL,
                closed_at TEXT,
                result_json TEXT,
                UNIQUE (topic_id, number)
            )""",
            "CREATE UNIQUE INDEX rounds_one_open ON rounds (topic_id) WHERE status = 'open'",
            """CREATE TABLE voters (
                id TEXT PRIMARY KEY,
                topic_id TEXT NOT NULL REFERENCES topics(id),
                kind TEXT NOT NULL CHECK (kind IN ('token', 'device')),
                device_hash TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            """CREATE UNIQUE INDEX voters_one_per_device
                ON voters (topic_id, device_hash) WHERE kind = 'device'""",
            """CREATE TABLE tokens (
                token_hash TEXT PRIMARY KEY,
                topic_id TEXT NOT NULL REFERENCES topics(id),
                batch TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                voter_id TEXT UNIQUE REFERENCES voters(id),
                redeemed_at TEXT
            )""",
            """CREATE TABLE ballots (
                id TEXT PRIMARY KEY,
                round_id TEXT NOT NULL REFERENCES rounds(id),
                voter_id TEXT NOT NULL REFERENCES voters(id),
                choice_json TEXT NOT NULL,
                cast_at TEXT NOT NULL,
                is_current INTEGER NOT NULL CHECK (is_current IN (0, 1))
            )""",
            """CREATE UNIQUE INDEX ballots_one_current
                ON ballots (round_id, voter_id) WHERE is_current = 1""",
            "CREATE INDEX ballots_by_round ON ballots (round_id, is_current)",
        ),
    ),
)
"""``(version, description, statements)``, oldest first. Never edit a released step:
add a new one."""

METADATA = MetaData()

topics = Table(
    "topics",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("room_code", Text),
    Column("title", Text),
    Column("description", Text),
    Column("place_json", Text),
    Column("need_category", Text),
    Column("evidence_json", Text),
    Column("residents_affected", Float),
    Column("district", Text),
    Column("status", Text),
    Column("created_at", Text),
    Column("closed_at", Text),
    Column("decided_alternative_id", Text),
    Column("decision", Text),
    Column("follow_up", Text),
)

alternatives = Table(
    "alternatives",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("topic_id", Text),
    Column("label", Text),
    Column("scenario_id", Text),
    Column("position", Integer),
    Column("impact_json", Text),
    Column("created_at", Text),
)

rounds = Table(
    "rounds",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("topic_id", Text),
    Column("number", Integer),
    Column("question", Text),
    Column("method", Text),
    Column("mode", Text),
    Column("status", Text),
    Column("options_json", Text),
    Column("opened_at", Text),
    Column("closed_at", Text),
    Column("result_json", Text),
)

voters = Table(
    "voters",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("topic_id", Text),
    Column("kind", Text),
    Column("device_hash", Text),
    Column("created_at", Text),
)

tokens = Table(
    "tokens",
    METADATA,
    Column("token_hash", Text, primary_key=True),
    Column("topic_id", Text),
    Column("batch", Text),
    Column("created_at", Text),
    Column("expires_at", Text),
    Column("voter_id", Text),
    Column("redeemed_at", Text),
)

ballots = Table(
    "ballots",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("round_id", Text),
    Column("voter_id", Text),
    Column("choice_json", Text),
    Column("cast_at", Text),
    Column("is_current", Integer),
)
