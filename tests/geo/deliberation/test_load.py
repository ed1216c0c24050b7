"""Many phones at once, and crashes: 200 concurrent ballots count exactly 200; a replayed
token is refused; a killed voting process (the app server's part that writes ballots) and a
crashed PostgreSQL server (``pg_ctl stop -m immediate``: no checkpoint, recovery from WAL at
the next start) lose no ballot that had been reported as recorded.

The voters are separate processes (``voter_process.py``), each with many threads, all
writing to the same SQLite file or PostgreSQL server on 127.0.0.1. Every wait is bounded
by a timeout; nothing here measures speed (that is ``bench/``'s job).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from geo.deliberation import schema
from geo.deliberation.codes import new_device_secret
from geo.deliberation.database import DatabaseSettings
from geo.deliberation.model import TokenError, TopicDraft
from geo.deliberation.store import DeliberationStore
from tests.pg_cluster import create_database, running_server

KEY = "k" * 20
VOTER = Path(__file__).with_name("voter_process.py")
REPO_ROOT = Path(__file__).resolve().parents[3]
PROCESS_TIMEOUT_S = 240


def _voters(
    url: str, room: str, round_id: str, codes: list[str], threads: int
) -> subprocess.Popen[str]:
    fd, name = tempfile.mkstemp(prefix="codes-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(codes) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, str(VOTER), url, room, round_id, str(threads), name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _open_round(store: DeliberationStore, tokens: int) -> tuple[str, str, list[str]]:
    desk = store.desk(KEY, expected_key=KEY)
    topic = desk.create_topic(TopicDraft(title="load"))
    a = desk.add_alternative(topic.id, label="A", scenario_id="a")
    b = desk.add_alternative(topic.id, label="B", scenario_id="b")
    codes = desk.issue_tokens(topic.id, tokens)
    rnd = desk.open_round(topic.id, option_ids=[a.id, b.id])
    return topic.room_code, rnd.id, codes


def test_200_concurrent_ballots_count_exactly_200(store: DeliberationStore) -> None:
    room, round_id, codes = _open_round(store, 200)
    url = store.settings.url
    processes = [_voters(url, room, round_id, codes[i::4], threads=25) for i in range(4)]
    lines = []
    for process in processes:
        out, err = process.communicate(timeout=PROCESS_TIMEOUT_S)
        assert process.returncode == 0, err
        lines += out.splitlines()
    accepted = [line.split()[1] for line in lines if line.startswith("ok ")]
    assert len(accepted) == 200, [line for line in lines if not line.startswith("ok ")][:5]
    assert len(set(accepted)) == 200
    assert store.tally(round_id).ballots == 200
    assert store.ballot_count(round_id, include_superseded=True) == 200

    # The same 20 codes again, from other phones, all at once: each is refused.
    replay = _voters(url, room, round_id, codes[:20], threads=10)
    out, err = replay.communicate(timeout=PROCESS_TIMEOUT_S)
    assert replay.returncode == 0, err
    assert out.splitlines() and all("already used on another phone" in x for x in out.splitlines())
    assert store.tally(round_id).ballots == 200
    assert store.ballot_count(round_id, include_superseded=True) == 200


def _first_accepted(process: subprocess.Popen[str], count: int) -> list[str]:
    """Read the voters' output until ``count`` ballots were reported as recorded."""
    assert process.stdout is not None
    reported: list[str] = []
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    while len(reported) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("ok "):
            reported.append(line.split()[1])
    return reported


def _current_ballots(settings: DatabaseSettings, round_id: str) -> tuple[set[str], int]:
    """The round's current ballots, read afresh (a new connection), and the tally's count."""
    reopened = DeliberationStore(settings)
    try:
        with reopened.engine.connect() as conn:
            stored = {
                row[0]
                for row in conn.execute(
                    select(schema.ballots.c.id).where(
                        schema.ballots.c.round_id == round_id, schema.ballots.c.is_current == 1
                    )
                )
            }
        return stored, reopened.tally(round_id).ballots
    finally:
        reopened.close()


def test_killing_a_voting_process_loses_no_accepted_ballot(store: DeliberationStore) -> None:
    room, round_id, codes = _open_round(store, 400)
    process = _voters(store.settings.url, room, round_id, codes, threads=4)
    reported = _first_accepted(process, 40)
    process.send_signal(signal.SIGKILL)  # mid-round, with votes in flight
    process.wait(timeout=30)
    assert len(reported) >= 40, process.stderr.read() if process.stderr else ""

    stored, counted = _current_ballots(store.settings, round_id)
    assert set(reported) <= stored  # every reported ballot is there
    assert counted == len(stored)
    assert len(stored) < 400  # the process really died mid-round


def test_a_crash_of_the_postgresql_server_loses_no_accepted_ballot() -> None:
    """SQLite has no server to crash (the test above kills its writer); PostgreSQL has."""
    with running_server() as server:
        settings = DatabaseSettings(url=create_database(server.url, "crash"))
        store = DeliberationStore(settings)
        try:
            room, round_id, codes = _open_round(store, 400)
            process = _voters(settings.url, room, round_id, codes, threads=4)
            reported = _first_accepted(process, 40)
            server.stop(mode="immediate")  # mid-round, with votes in flight
            out, err = process.communicate(timeout=PROCESS_TIMEOUT_S)
            assert len(reported) >= 40, err
            reported += [x.split()[1] for x in out.splitlines() if x.startswith("ok ")]
            failed = [x for x in out.splitlines() if not x.startswith("ok ")]
            assert failed  # the crash really came mid-round: later votes failed, clearly
            server.start()

            stored, counted = _current_ballots(settings, round_id)
            assert set(reported) <= stored  # every reported ballot survived the crash
            assert counted == len(stored) < 400
            # After the restart voting goes on: a used code stays used, a fresh one counts.
            box = store.ballot_box()
            with pytest.raises(TokenError):
                box.redeem_token(room, codes[0], new_device_secret())
            fresh = box.redeem_token(room, codes[-1], new_device_secret())
            box.cast(fresh, round_id, [store.round(round_id).option_ids[1]])
            assert store.tally(round_id).ballots == counted + 1
        finally:
            store.close()
