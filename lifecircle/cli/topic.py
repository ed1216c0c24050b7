"""``lifecircle topic list|show|export``: the deliberation record from the command line.

The database is ``$LIFECIRCLE_DB_URL``, else ``deliberation.sqlite3`` in ``--scenarios``
when given, else where the dashboard keeps it (:mod:`geo.userdata`: the user data
folder, or ``$LIFECIRCLE_SCENARIO_DIR`` when set).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.userdata import UserData
from lifecircle.cli.sources import EXIT_OK


def add_store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenarios",
        type=Path,
        default=None,
        help="a folder holding the deliberation.sqlite3 to read (default: the dashboard's, "
        "in the user data folder; LIFECIRCLE_DB_URL wins over both)",
    )


def open_store(args: argparse.Namespace) -> Any:
    from geo.deliberation.database import database_url
    from geo.deliberation.store import DeliberationStore

    folder = args.scenarios or UserData().database_dir
    return DeliberationStore(database_url(folder))


def register(sub: Any) -> None:
    p = sub.add_parser("topic", help="deliberation topics (议题): list, show, export the minutes")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="every topic, newest first")
    add_store_args(listing)
    listing.set_defaults(handler=cmd_list)
    show = verbs.add_parser("show", help="a topic, its alternatives and its rounds")
    show.add_argument("topic", help="topic id, id prefix or room code")
    add_store_args(show)
    show.set_defaults(handler=cmd_show)
    export = verbs.add_parser("export", help="write the minutes as Markdown and PDF")
    export.add_argument("topic", help="topic id, id prefix or room code")
    export.add_argument("--out", type=Path, required=True, help="output folder")
    export.add_argument("--lang", choices=["zh", "en"], default="zh")
    add_store_args(export)
    export.set_defaults(handler=cmd_export)


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        for topic in store.topics():
            rounds = store.rounds(topic.id)
            print(
                f"{topic.id[:8]}  {topic.room_code}  {topic.status:<6}  "
                f"{len(rounds)} round(s)  {topic.title}"
            )
    finally:
        store.close()
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        topic = store.find_topic(args.topic)
        print(f"{topic.title}\n  id {topic.id} · room {topic.room_code} · {topic.status}")
        print(
            f"  need: {topic.need_category or '-'} · "
            f"residents affected {topic.residents_affected:,.0f}"
        )
        labels = {}
        for alt in store.alternatives(topic.id):
            labels[alt.id] = alt.label
            print(f"  alternative {alt.position}: {alt.label} ({alt.scenario_id or 'do nothing'})")
        for rnd in store.rounds(topic.id):
            tally = store.tally(rnd.id)
            print(f"  round {rnd.number} ({rnd.status}, {rnd.method}, {rnd.mode}): {rnd.question}")
            for o in tally.options:
                print(f"    {labels.get(o.option_id, '?')}: {o.count} ({o.share * 100:.1f}%)")
            print(f"    ballots: {tally.ballots}")
        if not topic.is_open:
            print(
                f"  decision: {labels.get(topic.decided_alternative_id or '', '-')} · "
                f"{topic.decision}"
            )
            print(f"  follow-up: {topic.follow_up}")
    finally:
        store.close()
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from geo.errors import InputFileError
    from geo.scenarios.files import atomic_write
    from geo.standards.taxonomy import load_taxonomy
    from lifecircle.deliberation.minutes import load_record, minutes_markdown, minutes_pdf

    tax = load_taxonomy()

    def name(cid: str) -> str:
        return tax.get(cid).name(args.lang) if cid in tax else cid

    store = open_store(args)
    try:
        topic = store.find_topic(args.topic)
        record = load_record(store, topic.id)
    finally:
        store.close()
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
        md_path, pdf_path = (
            out / f"minutes-{topic.room_code}.md",
            out / f"minutes-{topic.room_code}.pdf",
        )
        atomic_write(
            md_path, minutes_markdown(record, category_name=name, lang=args.lang).encode("utf-8")
        )
        atomic_write(pdf_path, minutes_pdf(record, category_name=name, lang=args.lang))
    except OSError as exc:
        raise InputFileError(f"cannot write the minutes to {out}: {exc.strerror or exc}") from exc
    print(f"wrote {md_path} and {pdf_path}")
    return EXIT_OK
