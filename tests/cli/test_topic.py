"""``lifecircle topic`` and ``lifecircle vote-sheet`` on a SQLite record in tmp."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from geo.deliberation.codes import new_device_secret
from geo.deliberation.database import database_url
from geo.deliberation.model import TopicDraft
from geo.deliberation.store import DeliberationStore
from lifecircle.cli.main import main

TOKEN = re.compile(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b")
HOSTILE = "<script>alert(1)</script> [x](javascript:y) `z` | **b**"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("LIFECIRCLE_DB_URL", raising=False)
    store = DeliberationStore(database_url(tmp_path))
    desk = store.local_desk()
    topic = desk.create_topic(TopicDraft(title=HOSTILE, need_category="park_small"))
    a = desk.add_alternative(topic.id, label="花园 garden", scenario_id="g")
    b = desk.add_alternative(topic.id, label="垃圾房 waste", scenario_id=None)
    rnd = desk.open_round(topic.id, option_ids=[a.id, b.id], mode="device")
    box = store.ballot_box()
    for choice in [a.id] * 3 + [b.id]:
        box.cast(box.device_pass(topic.room_code, new_device_secret()), rnd.id, [choice])
    desk.close_topic(topic.id, decided_alternative_id=a.id, follow_up="自治小组")
    store.close()
    return tmp_path


def test_list_show_export_and_a_vote_sheet(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["topic", "list", "--scenarios", str(folder)]) == 0
    room = capsys.readouterr().out.split()[1]
    assert main(["topic", "show", room, "--scenarios", str(folder)]) == 0
    shown = capsys.readouterr().out
    assert "花园 garden: 3 (75.0%)" in shown and "垃圾房 waste: 1 (25.0%)" in shown
    out = tmp_path / "minutes"
    assert main(["topic", "export", room, "--out", str(out), "--scenarios", str(folder)]) == 0
    markdown = (out / f"minutes-{room}.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "](javascript" not in markdown
    # Every cell is escaped Markdown ("75\.0%" shows as 75.0%).
    assert "| 花园 garden | 3 | 75\\.0% |" in markdown and "自治小组" in markdown
    text = subprocess.run(
        ["pdftotext", str(out / f"minutes-{room}.pdf"), "-"], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert "75.0%" in text and "自治小组" in text and "<script>alert(1)</script>" in text


def test_a_vote_sheet_of_an_open_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LIFECIRCLE_DB_URL", raising=False)
    store = DeliberationStore(database_url(tmp_path))
    topic = store.local_desk().create_topic(TopicDraft(title="空地"))
    store.close()
    sheet = tmp_path / "sheet.pdf"
    args = ["vote-sheet", topic.room_code, "--tokens", "5", "--out", str(sheet)]
    assert main([*args, "--scenarios", str(tmp_path)]) == 0
    text = subprocess.run(
        ["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert len(set(TOKEN.findall(text))) == 5 and topic.room_code in text
    capsys.readouterr()
    assert (
        main(
            [
                "vote-sheet",
                "NOSUCH",
                "--tokens",
                "5",
                "--out",
                str(sheet),
                "--scenarios",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "no topic" in capsys.readouterr().err
    assert main([*args[:3], "0", *args[4:], "--scenarios", str(tmp_path)]) == 2
