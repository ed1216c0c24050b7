"""The shipped example minutes (``docs/examples/``) are what the seed case writes today.

``scripts/make_example_minutes.py`` runs the seed case through the store and the minutes
writer; the Markdown it writes now must equal the shipped files but for the room code and
the times, which change from run to run. The tallies are checked on their own too.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
VARYING = (
    re.compile(r"\d{4}\\-\d\d\\-\d\d \d\d\\:\d\d UTC"),  # opened, closed
    re.compile(r"(?<=\| 房间码 \| )[A-HJ-NP-Z2-9]{6}(?= \|)"),
    re.compile(r"(?<=\| Room code \| )[A-HJ-NP-Z2-9]{6}(?= \|)"),
)

pytestmark = pytest.mark.slow


def _script() -> ModuleType:
    path = REPO / "scripts" / "make_example_minutes.py"
    spec = importlib.util.spec_from_file_location("make_example_minutes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _steady(markdown: str) -> str:
    for pattern in VARYING:
        markdown = pattern.sub("…", markdown)
    return markdown


def test_the_shipped_minutes_are_the_seed_case_of_today(tmp_path: Path) -> None:
    assert _script().main(["--out-dir", str(tmp_path)]) == 0
    for lang in ("zh", "en"):
        name = f"seed-case-minutes.{lang}.md"
        shipped = (EXAMPLES / name).read_text(encoding="utf-8")
        assert _steady((tmp_path / name).read_text(encoding="utf-8")) == _steady(shipped), name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_shipped_minutes_hold_both_rounds(lang: str) -> None:
    text = (EXAMPLES / f"seed-case-minutes.{lang}.md").read_text(encoding="utf-8")
    assert "| 步行通道和花园 Passage and garden | 21 | 70\\.0% |" in text
    assert "| 建筑垃圾房 Construction\\-waste room | 9 | 30\\.0% |" in text
    assert "| 方案A 安静花园 Design A quiet garden | 7 | 70\\.0% |" in text
    assert "| 方案B 带健身角 Design B fitness corner | 3 | 30\\.0% |" in text
    assert "花园自治小组" in text
