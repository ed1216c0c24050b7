"""Districts do not mix: on Wangjing no Lujiazui scenario or survey is offered (AppTest).

What is Lujiazui's is read from the repository's own files (the shipped examples'
``metadata.district`` and the sample survey's name), never from the folders the app
writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lifecircle.i18n import t

REPO = Path(__file__).resolve().parents[2]
LANG = "en"


def lujiazui_examples() -> dict[str, str]:
    """Id → title of every shipped example that belongs to Lujiazui."""
    found = {}
    for path in sorted((REPO / "scenarios").glob("*.geojson")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["metadata"]["district"] == "lujiazui":
            found[doc["id"]] = doc["metadata"]["title"]
    assert len(found) >= 3
    return found


def use_district(at: AppTest, name: str) -> None:
    at.switch_page("views/data.py").run()
    select = next(s for s in at.selectbox if s.label == t("district", LANG))
    select.set_value(name).run()
    next(b for b in at.button if b.label == t("use_this", LANG)).click().run()
    assert not at.exception, [e.value for e in at.exception]


def shown_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "error", "warning")
    parts = [str(e.value) for kind in kinds for e in at.get(kind)]
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(parts)


def test_lujiazui_offers_its_examples_and_sample_survey(
    app_test: Callable[..., AppTest],
) -> None:
    at = app_test(lang=LANG)
    at.switch_page("views/scenarios.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (pick,) = [s for s in at.selectbox if s.label == t("scn_pick", LANG)]
    offered = "\n".join(str(o) for o in pick.options)
    for sid in lujiazui_examples():
        assert f"({sid})" in offered, sid
    at.switch_page("views/survey.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "sample_survey_lujiazui.csv" in shown_text(at)


def test_wangjing_offers_no_lujiazui_scenario_or_survey(
    app_test: Callable[..., AppTest],
) -> None:
    at = app_test(lang=LANG)
    use_district(at, "wangjing")

    at.switch_page("views/scenarios.py").run()
    assert not at.exception, [e.value for e in at.exception]
    text = shown_text(at)
    for sid, title in lujiazui_examples().items():
        assert sid not in text and title not in text, sid
    assert t("scn_none", LANG) in text

    at.switch_page("views/survey.py").run()
    assert not at.exception, [e.value for e in at.exception]
    text = shown_text(at)
    assert t("survey_no_sample", LANG) in text
    assert "lujiazui" not in text.lower()
    assert not at.metric  # no priority list of zeros from another district's sample
