"""The seed case in real Chromium: from a priority row to a voted decision and its minutes.

A facilitator (desktop) signs in with the facilitator key, creates the topic from a row
of the priority list, adds the waste room and the passage and garden as alternatives,
opens round 1 and prints a sheet of ballot tokens (the codes are read back from the PDF
with ``pdftotext``). Thirty residents, each in their own phone-sized browser context, open
their ballot card's link and vote (21 for the garden, 9 for the waste room); the
facilitator's tally reaches 30 without anyone touching that page. Round 2 (garden design
A or B) is voted from the same phones (their device cookie keeps their token), a copied
token on another phone is refused, and the minutes PDF holds both rounds' tallies.
Every request to another host is blocked (offline), and no page may log a JavaScript error.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.harness import DashboardServer, block_remote_requests, dashboard_server
from tests.e2e.conftest import ARTIFACTS_DIR, FIRST_RUN_TIMEOUT_MS, is_tile_request

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "seed-case-facilitator-key"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TOKEN = re.compile(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b")
WAIT_MS = 60_000
BATCH = 6


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, _cache_dir_in_tmp: Path
) -> Iterator[DashboardServer]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_FACILITATOR_KEY", KEY)
        mp.delenv("LIFECIRCLE_DB_URL", raising=False)
        with dashboard_server(
            tmp_path_factory.mktemp("deliberation"), cache_dir=_cache_dir_in_tmp
        ) as running:
            yield running


def _pick(page: Any, label: str, text: str) -> None:
    """Choose ``text`` in a Streamlit select box or multiselect labelled ``label``."""
    box = page.get_by_label(label, exact=True).last
    box.click()
    box.fill(text)
    box.press("Enter")
    box.press("Escape")  # close the drop-down, which would cover the buttons below


def _metric(page: Any, label: str) -> Any:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _download_text(page: Any, button: str, tmp_path: Path) -> str:
    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name=button, exact=True).click()
    pdf = tmp_path / f"{button.replace(' ', '_')}.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _vote_from_phones(
    browser: Any, urls_and_choices: list[tuple[str, str]], log: list[Any]
) -> list[Any]:
    """Each (url, label) in its own phone context; returns the contexts (kept for round 2)."""
    contexts = []
    for start in range(0, len(urls_and_choices), BATCH):
        batch = urls_and_choices[start : start + BATCH]
        pages = []
        for url, _ in batch:
            context = browser.new_context(**PHONE, locale="zh-CN")
            log.append(block_remote_requests(context))
            page = context.new_page()
            page.on("pageerror", lambda e: log.append(f"pageerror {e}"))
            page.goto(url)
            contexts.append(context)
            pages.append(page)
        for page, (_, label) in zip(pages, batch, strict=True):
            page.get_by_text(label, exact=True).click(timeout=WAIT_MS)
            page.get_by_role("button", name="投票").click()
        for page in pages:
            page.get_by_text("已记录您的投票").wait_for(timeout=WAIT_MS)
            page.close()
    return contexts


def test_the_seed_case_from_a_priority_row_to_the_minutes(
    browser: Any, server: DashboardServer, tmp_path: Path
) -> None:
    log: list[Any] = []
    desk_context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    log.append(block_remote_requests(desk_context))
    page = desk_context.new_page()
    page.on("pageerror", lambda e: log.append(f"pageerror {e}"))
    try:
        page.goto(server.url("/topics?lang=en"))
        page.locator("input[type=password]").fill(KEY, timeout=FIRST_RUN_TIMEOUT_MS)
        page.get_by_role("button", name="Sign in").click()

        # The topic, from the first park row of the priority list.
        _pick(page, "Priority row", "Park")
        page.get_by_label("Topic title").fill("空地怎么用？ What to do with the vacant lot")
        page.get_by_role("button", name="Create topic").click()
        room = _metric(page, "Room code").inner_text(timeout=WAIT_MS).strip()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", room)
        assert "Park" in _metric(page, "Need it answers").inner_text()

        for scenario, label in (
            ("example-waste-room", "Construction-waste room"),
            ("example-passage-and-garden", "Passage and garden"),
            ("example-garden-design-a", "Design A quiet garden"),
            ("example-garden-design-b", "Design B fitness corner"),
        ):
            _pick(page, "Scenario file", scenario)
            page.get_by_label("Name", exact=True).fill(label)
            page.get_by_role("button", name="Add alternative").click()
            page.get_by_role("tab", name=label).wait_for(timeout=WAIT_MS)
        # The side-by-side table: the garden brings residents within 5 minutes of a park.
        table = page.get_by_test_id("stTable").first
        assert re.search(r"Residents newly served · Park[^·]* · 5 min", table.inner_text())

        page.get_by_label("Question").fill("垃圾房，还是通道和花园？")
        _pick(page, "Options of this round", "Construction-waste room")
        _pick(page, "Options of this round", "Passage and garden")
        page.get_by_role("button", name="Open a round").click()
        ballots = _metric(page, "Ballots")
        assert ballots.inner_text(timeout=WAIT_MS) == "0"

        page.get_by_text("Print ballot tokens").click()
        page.get_by_label("Number of tokens").fill("31")
        page.get_by_label("Number of tokens").press("Enter")
        page.get_by_text("0 issued, 0 used").wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Make the token sheet (PDF)").click()
        sheet = _download_text(page, "PDF", tmp_path)
        codes = TOKEN.findall(sheet)
        assert len(set(codes)) == 31 and room in sheet

        base = server.url(f"/vote?room={room}&t=")
        choices = ["Passage and garden"] * 21 + ["Construction-waste room"] * 9
        phones = _vote_from_phones(
            browser, [(base + c, x) for c, x in zip(codes, choices, strict=False)], log
        )
        # Nobody touched the facilitator's page: the tally got there by itself.
        page.get_by_test_id("stMetric").filter(has_text="Ballots").get_by_text("30").wait_for(
            timeout=WAIT_MS
        )
        page.get_by_role("button", name="Close the round").click()
        closed = page.get_by_test_id("stTable").filter(has_text="Passage and garden").last
        assert re.search(r"21.*70\.0%", closed.inner_text(timeout=WAIT_MS), re.S)

        # Round 2: design A or B, from ten of the same phones (their cookie keeps their code).
        page.get_by_label("Question").fill("花园用方案A还是方案B？")
        _pick(page, "Options of this round", "Design A quiet garden")
        _pick(page, "Options of this round", "Design B fitness corner")
        page.get_by_role("button", name="Open a round").click()
        _metric(page, "Ballots").get_by_text("0").wait_for(timeout=WAIT_MS)
        for i, context in enumerate(phones[:10]):
            phone = context.new_page()
            phone.goto(base + codes[i])
            phone.get_by_text(
                "Design A quiet garden" if i < 7 else "Design B fitness corner", exact=True
            ).click(timeout=WAIT_MS)
            phone.get_by_role("button", name="投票").click()
            phone.get_by_text("已记录您的投票").wait_for(timeout=WAIT_MS)
        # A copied code on another phone is refused, and counts nothing.
        thief = browser.new_context(**PHONE)
        stolen = thief.new_page()
        stolen.goto(base + codes[0])
        stolen.get_by_text("already used on another phone").wait_for(timeout=WAIT_MS)
        thief.close()
        _metric(page, "Ballots").get_by_text("10").wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Close the round").click()

        page.get_by_label("What was decided").fill(
            "建口袋花园（方案A）与步行通道，不建建筑垃圾房。"
        )
        page.get_by_label("Follow-up (who manages it)").fill(
            "投票居民组成花园自治小组 garden self-management group"
        )
        page.get_by_role("button", name="Close topic and write the minutes").click()
        minutes = _download_text(page, "Download minutes (PDF)", tmp_path)
        flat = " ".join(minutes.split())
        assert "Design A quiet garden" in flat and "garden self-management group" in flat
        assert re.search(r"Passage and garden 21 70\.0%", flat)
        assert re.search(r"Construction-waste room 9 30\.0%", flat)
        assert re.search(r"Design A quiet garden 7 70\.0%", flat)
        assert re.search(r"Design B fitness corner 3 30\.0%", flat)
        assert "OpenStreetMap" in flat
        fonts = subprocess.run(
            ["pdffonts", str(tmp_path / "Download_minutes_(PDF).pdf")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "NotoSansCJK" in fonts.replace("-", "") and " yes " in fonts
        decided = server.scenario_dir / "example-garden-design-a.geojson"
        assert '"follow_up"' in decided.read_text(encoding="utf-8")
    finally:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS_DIR / "e2e-deliberation-facilitator.png"), full_page=True
        )
        desk_context.close()
    errors = [entry for entry in log if isinstance(entry, str)]
    blocked = [
        r for entry in log if isinstance(entry, list) for r in entry if not is_tile_request(r.url)
    ]
    assert errors == [] and blocked == []
