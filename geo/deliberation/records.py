"""Reading stored rows back as the dataclasses of :mod:`geo.deliberation.model`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from geo.deliberation import schema
from geo.deliberation.model import Alternative, DeliberationError, Round, Topic

__all__ = [
    "current_choices",
    "dump_json",
    "get_round",
    "get_topic",
    "list_alternatives",
    "list_rounds",
    "load_json",
]


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def load_json(text: str | None) -> Any:
    return json.loads(text) if text else None


def topic_from_row(row: Any) -> Topic:
    return Topic(
        id=row["id"],
        room_code=row["room_code"],
        title=row["title"],
        description=row["description"] or "",
        place=load_json(row["place_json"]),
        need_category=row["need_category"] or "",
        evidence=load_json(row["evidence_json"]) or {},
        residents_affected=float(row["residents_affected"] or 0.0),
        district=row["district"] or "",
        status=row["status"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        decided_alternative_id=row["decided_alternative_id"],
        decision=row["decision"] or "",
        follow_up=row["follow_up"] or "",
    )


def alternative_from_row(row: Any) -> Alternative:
    return Alternative(
        id=row["id"],
        topic_id=row["topic_id"],
        label=row["label"],
        scenario_id=row["scenario_id"],
        position=int(row["position"]),
        impact=load_json(row["impact_json"]),
    )


def round_from_row(row: Any) -> Round:
    return Round(
        id=row["id"],
        topic_id=row["topic_id"],
        number=int(row["number"]),
        question=row["question"] or "",
        method=row["method"],
        mode=row["mode"],
        status=row["status"],
        option_ids=tuple(load_json(row["options_json"]) or ()),
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        result=load_json(row["result_json"]),
    )


def get_topic(conn: Connection, topic_id: str, *, lock: bool = False) -> Topic:
    query = select(schema.topics).where(schema.topics.c.id == str(topic_id))
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise DeliberationError(f"there is no topic {str(topic_id)[:40]!r}")
    return topic_from_row(row)


def get_round(conn: Connection, round_id: str, *, lock: str | None = None) -> Round:
    query = select(schema.rounds).where(schema.rounds.c.id == str(round_id))
    if lock == "share":
        query = query.with_for_update(read=True)
    elif lock == "update":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise DeliberationError("there is no such round of voting", reason="round_unknown")
    return round_from_row(row)


def list_alternatives(conn: Connection, topic_id: str) -> list[Alternative]:
    rows = conn.execute(
        select(schema.alternatives)
        .where(schema.alternatives.c.topic_id == topic_id)
        .order_by(schema.alternatives.c.position)
    ).mappings()
    return [alternative_from_row(r) for r in rows]


def list_rounds(conn: Connection, topic_id: str) -> list[Round]:
    rows = conn.execute(
        select(schema.rounds)
        .where(schema.rounds.c.topic_id == topic_id)
        .order_by(schema.rounds.c.number)
    ).mappings()
    return [round_from_row(r) for r in rows]


def current_choices(conn: Connection, round_id: str) -> list[list[str]]:
    rows = conn.execute(
        select(schema.ballots.c.choice_json).where(
            schema.ballots.c.round_id == round_id, schema.ballots.c.is_current == 1
        )
    )
    return [list(json.loads(r[0])) for r in rows]
