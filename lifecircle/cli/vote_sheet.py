"""``lifecircle vote-sheet TOPIC --tokens N --out sheet.pdf``: printed one-time ballot tokens.

Each card has a QR code (made locally) that opens the resident page with the room and the
token filled in, and the same codes for typing. The tokens are stored only hashed: the
sheet is the one place their codes exist.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lifecircle.cli.sources import EXIT_OK
from lifecircle.cli.topic import add_store_args, open_store


def register(sub: Any) -> None:
    p = sub.add_parser("vote-sheet", help="print a sheet of one-time ballot tokens (PDF)")
    p.add_argument("topic", help="topic id, id prefix or room code")
    p.add_argument("--tokens", type=int, required=True, help="how many tokens (1-2000)")
    p.add_argument("--out", type=Path, required=True, help="the PDF to write")
    p.add_argument(
        "--url", default="http://localhost:8501", help="the dashboard's address as phones see it"
    )
    p.add_argument("--valid-hours", type=float, default=72.0)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    add_store_args(p)
    p.set_defaults(handler=cmd_vote_sheet)


def cmd_vote_sheet(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from geo.errors import InputFileError
    from geo.scenarios.files import atomic_write
    from lifecircle.deliberation.sheets import vote_sheet_pdf

    store = open_store(args)
    try:
        topic = store.find_topic(args.topic)
        codes = store.local_desk().issue_tokens(topic.id, args.tokens, valid_hours=args.valid_hours)
    finally:
        store.close()
    until = (datetime.now(UTC) + timedelta(hours=args.valid_hours)).strftime("%Y-%m-%d %H:%M UTC")
    pdf = vote_sheet_pdf(topic, codes, base_url=args.url, valid_until=until, lang=args.lang)
    try:
        atomic_write(args.out, pdf)
    except OSError as exc:
        raise InputFileError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    print(f"wrote {len(codes)} ballot tokens for room {topic.room_code} to {args.out}")
    return EXIT_OK
