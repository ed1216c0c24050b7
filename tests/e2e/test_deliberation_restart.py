"""Killing the dashboard's server mid-round loses no accepted ballot, on SQLite and PostgreSQL.

A round is opened through the store (the facilitator's side is covered by the seed case);
three phones (phone-sized Chromium contexts, offline) vote through the real server and see
"recorded". The server is then killed (``SIGKILL``: no clean shutdown, the round still
open) and a new one started on the same record. Every ballot a phone saw recorded is there,
counted once; a phone that voted carries on after the restart (its device cookie keeps its
token: it changes its vote, the last one counts, still one ballot) and a fresh token votes.
(A copied token after a crash is refused: ``tests/geo/deliberation/test_load.py``.) Few
phones on purpose: each is a whole Streamlit page to boot, and the seed case has thirty.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.harness import block_remote_requests, dashboard_server
from geo.deliberation.database import DatabaseSettings, database_url
from geo.deliberation.model import TopicDraft
from geo.deliberation.store import DeliberationStore
from tests.pg_cluster import create_database, running_cluster

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "restart-facilitator-key"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WAIT_MS = 90_000  # a ceiling on a loaded machine, never a sleep
GARDEN, WASTE = "通道和花园", "建筑垃圾房"
FIRST_VOTES = [GARDEN, WASTE, GARDEN]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with running_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def record(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseSettings:
    """The deliberation record both servers use: SQLite where the server keeps it by default
    (the user data folder of ``bench.harness.dashboard_server``), or PostgreSQL."""
    if request.param == "sqlite":
        return database_url(tmp_path / "xdg-data" / "lifecircle", env={})
    return DatabaseSettings(url=create_database(request.getfixturevalue("pg_url"), "restart"))


def _phone(browser: Any, url: str, log: list[Any]) -> Any:
    context = browser.new_context(**PHONE, locale="zh-CN")
    log.append(block_remote_requests(context))
    page = context.new_page()
    page.on("pageerror", lambda e: log.append(f"pageerror {e}"))
    page.goto(url, wait_until="commit")
    return page


def _vote(page: Any, label: str) -> None:
    page.get_by_text(label, exact=True).click(timeout=WAIT_MS)
    page.get_by_role("button", name="投票").click()


def test_killing_the_server_mid_round_loses_no_accepted_ballot(
    browser: Any,
    record: DatabaseSettings,
    tmp_path: Path,
    _cache_dir_in_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIFECIRCLE_FACILITATOR_KEY", KEY)
    db_url = None if record.url.startswith("sqlite") else record.url
    store = DeliberationStore(record)
    log: list[Any] = []
    phones: list[Any] = []
    try:
        desk = store.desk(KEY, expected_key=KEY)
        topic = desk.create_topic(TopicDraft(title="空地怎么用？"))
        garden = desk.add_alternative(
            topic.id, label=GARDEN, scenario_id="example-passage-and-garden"
        )
        waste = desk.add_alternative(topic.id, label=WASTE, scenario_id="example-waste-room")
        rnd = desk.open_round(topic.id, option_ids=[waste.id, garden.id])
        codes = desk.issue_tokens(topic.id, 4)
        link = f"/vote?room={topic.room_code}&t="

        with dashboard_server(tmp_path, cache_dir=_cache_dir_in_tmp, db_url=db_url) as first:
            phones = [_phone(browser, first.url(link + c), log) for c in codes[:3]]
            for phone, label in zip(phones, FIRST_VOTES, strict=True):
                _vote(phone, label)
            for phone, label in zip(phones, FIRST_VOTES, strict=True):
                phone.get_by_text(f"已记录您的投票：{label}").wait_for(timeout=WAIT_MS)
            first.process.send_signal(signal.SIGKILL)  # mid-round: no clean shutdown
            first.process.wait(timeout=30)

        tally = store.tally(rnd.id)
        assert tally.ballots == 3 and store.round(rnd.id).is_open
        assert (tally.of(garden.id).count, tally.of(waste.id).count) == (2, 1)

        with dashboard_server(tmp_path, cache_dir=_cache_dir_in_tmp, db_url=db_url) as second:
            # A phone that voted before: same browser, new server; it changes its vote.
            phones[1].goto(second.url(link + codes[1]), wait_until="commit")
            _vote(phones[1], GARDEN)
            phones[1].get_by_text(f"已更新您的投票：{GARDEN}", exact=False).wait_for(
                timeout=WAIT_MS
            )
            fresh = _phone(browser, second.url(link + codes[3]), log)
            phones.append(fresh)
            _vote(fresh, WASTE)
            fresh.get_by_text(f"已记录您的投票：{WASTE}").wait_for(timeout=WAIT_MS)

        tally = store.tally(rnd.id)
        assert tally.ballots == 4
        assert (tally.of(garden.id).count, tally.of(waste.id).count) == (3, 1)
        assert store.ballot_count(rnd.id, include_superseded=True) == 5  # the changed vote
    finally:
        for phone in phones:
            phone.context.close()
        store.close()
    errors = [entry for entry in log if isinstance(entry, str)]
    blocked = [r for entry in log if isinstance(entry, list) for r in entry]
    assert errors == [] and blocked == []
