"""Run the seed case (议事) end to end and write its minutes as the shipped example.

The same case as ``tests/e2e/test_deliberation_browser.py``, through the same code the
dashboard calls, without a browser: on the bundled Lujiazui district the topic comes from
the first park row of the needs × gaps priority list (the synthetic sample survey); its
alternatives are the shipped example scenarios, each with its impact computed against the
baseline; round 1 (waste room or passage and garden) is voted with 30 printed tokens, 21 to
9; round 2 (garden design A or B) by ten of the same phones, 7 to 3; the topic closes
with design A and a garden self-management group as the follow-up.

Writes ``docs/examples/seed-case-minutes.zh.md`` and ``.en.md`` (read-only examples), and
with ``--pdf`` the PDF minutes too (WeasyPrint and Noto Sans CJK, as the dashboard does).
The record lives in a temporary SQLite file; nothing else is written. Ids, the room code
and the times change from run to run; the counts and the impacts do not.

Usage::

    python scripts/make_example_minutes.py                  # docs/examples/*.md
    python scripts/make_example_minutes.py --pdf            # and the two PDFs
    python scripts/make_example_minutes.py --out-dir /tmp/x --pdf
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from geo.access.analysis import analyse  # noqa: E402
from geo.deliberation.codes import new_device_secret  # noqa: E402
from geo.deliberation.database import DatabaseSettings  # noqa: E402
from geo.deliberation.evidence import alternative_impact, draft_from_priority_row  # noqa: E402
from geo.deliberation.store import DeliberationStore  # noqa: E402
from geo.district.loader import load_district  # noqa: E402
from geo.scenarios.apply import apply_scenario  # noqa: E402
from geo.scenarios.store import ScenarioStore  # noqa: E402
from geo.settings import Settings  # noqa: E402
from geo.standards.taxonomy import load_taxonomy  # noqa: E402
from geo.surveys.priorities import rank_priorities  # noqa: E402
from geo.surveys.read import read_survey  # noqa: E402
from lifecircle.deliberation.minutes import load_record, minutes_markdown, minutes_pdf  # noqa: E402

OUT_DIR = REPO / "docs" / "examples"
SURVEY = REPO / "data" / "sample_survey_lujiazui.csv"
TITLE = "空地怎么用？建筑垃圾房，还是步行通道和口袋花园"
DESCRIPTION = (
    "东园三村旁的空地：街道提出建建筑垃圾房；居民在问需中提出打通围墙的步行通道和口袋花园。"
)
ALTERNATIVES = (
    ("waste", "example-waste-room", "建筑垃圾房 Construction-waste room"),
    ("garden", "example-passage-and-garden", "步行通道和花园 Passage and garden"),
    ("a", "example-garden-design-a", "方案A 安静花园 Design A quiet garden"),
    ("b", "example-garden-design-b", "方案B 带健身角 Design B fitness corner"),
)
ROUND_1 = ("垃圾房，还是通道和花园？", {"garden": 21, "waste": 9})
ROUND_2 = ("花园用方案A还是方案B？", {"a": 7, "b": 3})
DECISION = "建口袋花园（方案A）与步行通道，不建建筑垃圾房。"
FOLLOW_UP = "投票居民组成花园自治小组，负责日常维护；街道负责施工与验收。"


def run_seed_case(store: DeliberationStore, *, cache_dir: Path) -> str:
    """The seed case in ``store``; returns the topic's id."""
    taxonomy = load_taxonomy()
    district = load_district("lujiazui", taxonomy=taxonomy, settings=Settings(cache_dir=cache_dir))
    base = analyse(district, taxonomy)
    survey = read_survey(SURVEY, taxonomy=taxonomy, district=district, coord_system="gcj02")
    ranked = rank_priorities(base, survey.responses, by="hexagon")
    park = ranked[ranked["category"] == "park_small"].iloc[0].to_dict()
    desk = store.local_desk()
    topic = desk.create_topic(
        draft_from_priority_row(
            park, by="hexagon", district="lujiazui", title=TITLE, description=DESCRIPTION
        )
    )
    examples = ScenarioStore(REPO / "scenarios", taxonomy=taxonomy)
    alts: dict[str, str] = {}
    for key, scenario_id, label in ALTERNATIVES:
        scenario = examples.load(scenario_id)
        impact = alternative_impact(
            base,
            apply_scenario(base, scenario),
            geometries=[i.geometry for i in scenario.interventions],
        )
        alts[key] = desk.add_alternative(
            topic.id, label=label, scenario_id=scenario_id, impact=impact
        ).id
    codes = desk.issue_tokens(topic.id, 30)
    box = store.ballot_box()
    phones = [box.redeem_token(topic.room_code, c, new_device_secret()) for c in codes]
    voters = iter(phones)
    for question, counts in (ROUND_1, ROUND_2):
        rnd = desk.open_round(topic.id, option_ids=[alts[k] for k in counts], question=question)
        voters = iter(phones)  # round 2: the first ten phones of round 1 vote again
        for key, n in counts.items():
            for _ in range(n):
                box.cast(next(voters), rnd.id, [alts[key]])
        desk.close_round(rnd.id)
    desk.close_topic(
        topic.id, decided_alternative_id=alts["a"], decision=DECISION, follow_up=FOLLOW_UP
    )
    return topic.id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--pdf", action="store_true", help="write the PDF minutes too")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as tmp:
        store = DeliberationStore(DatabaseSettings(url=f"sqlite:///{Path(tmp) / 'seed.sqlite3'}"))
        try:
            record = load_record(store, run_seed_case(store, cache_dir=Path(tmp) / "cache"))
        finally:
            store.close()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for lang in ("zh", "en"):

        def name(cid: str, lang: str = lang) -> str:
            return taxonomy.get(cid).name(lang) if cid in taxonomy else cid

        md_path = args.out_dir / f"seed-case-minutes.{lang}.md"
        md_path.write_text(minutes_markdown(record, category_name=name, lang=lang), "utf-8")
        written = [md_path]
        if args.pdf:
            pdf_path = md_path.with_suffix(".pdf")
            pdf_path.write_bytes(minutes_pdf(record, category_name=name, lang=lang))
            written.append(pdf_path)
        print("wrote", *written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
