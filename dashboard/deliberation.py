"""What the deliberation pages share: the store, the signed-in facilitator, the alternatives'
impacts (cached), and tables. No drawing of whole pages here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from dashboard import loaders
from geo.access.analysis import Analysis
from geo.deliberation.database import database_url
from geo.deliberation.evidence import alternative_impact
from geo.deliberation.model import Alternative, FacilitatorKeyError, Topic
from geo.deliberation.outcome import load_alternative_scenario
from geo.deliberation.store import DeliberationStore, FacilitatorDesk
from geo.deliberation.tally import Tally
from geo.errors import LifecircleError
from geo.scenarios.model import Scenario, ScenarioMeta
from lifecircle.deliberation.text import markdown_text
from lifecircle.i18n import t

FACILITATOR_OK = "dl_facilitator_key"


def store() -> DeliberationStore:
    found = loaders.deliberation_store()
    assert isinstance(found, DeliberationStore)
    return found


def desk() -> FacilitatorDesk:
    """The facilitator's desk with the key this session entered (raises without it)."""
    return store().desk(
        st.session_state.get(FACILITATOR_OK), expected_key=loaders.facilitator_key()
    )


def is_facilitator() -> bool:
    try:
        desk()
    except FacilitatorKeyError:
        return False
    return True


def base_url() -> str:
    """The address the facilitator's browser uses (phones in the room use the same)."""
    parts = urlsplit(st.context.url or "")
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost:8501"


def scenario_choices(district: str) -> dict[str, str]:
    """Scenario ids → titles of the district's scenarios (its examples are copied in)."""
    return {i.id: i.title for i in loaders.scenario_store(district).list()}


def load_scenario(scenario_id: str, district: str) -> Scenario:
    return load_alternative_scenario(
        scenario_id, workshop=loaders.scenario_store(district), examples=None
    )


def scenario_after(analysis_key: str, base: Analysis, scenario_id: str | None) -> tuple[Any, Any]:
    """(analysis after, comparison) of an alternative; do nothing is the baseline itself."""
    scenario = (
        load_scenario(scenario_id, base.district.meta.name)
        if scenario_id
        else Scenario(id="none", meta=ScenarioMeta())
    )
    after = loaders.scenario_analysis(analysis_key, scenario, base)
    return after, loaders.scenario_comparison(analysis_key, scenario, base, after)


def impact_of(analysis_key: str, base: Analysis, scenario_id: str | None) -> dict[str, Any]:
    after, _ = scenario_after(analysis_key, base, scenario_id)
    geometries = (
        [i.geometry for i in load_scenario(scenario_id, base.district.meta.name).interventions]
        if scenario_id
        else []
    )
    return alternative_impact(base, after, geometries=geometries)


def side_by_side(alternatives: list[Alternative], base: Analysis, lang: str) -> pd.DataFrame:
    """Rows: residents newly served per category and tier, completeness, doorstep circles
    (for ``st.table``: user text escaped as Markdown)."""
    tax = base.taxonomy
    rows: dict[str, dict[str, str]] = {}
    for alt in alternatives:
        impact = alt.impact or {}
        for cid, cat in impact.get("categories", {}).items():
            for minutes, value in cat.get("newly_served_by_tier", {}).items():
                if value:
                    name = tax.get(cid).name(lang) if cid in tax else cid
                    key = f"{t('dl_newly_served', lang)} · {name} · {minutes} {t('minutes', lang)}"
                    rows.setdefault(key, {})[alt.label] = f"{value:,.0f}"
        before = impact.get("completeness_before", 0.0) * 100
        after = impact.get("completeness_after", 0.0) * 100
        rows.setdefault(t("dl_completeness", lang), {})[alt.label] = f"{before:.1f}% → {after:.1f}%"
        rows.setdefault(t("dl_doorstep_touched", lang), {})[alt.label] = str(
            impact.get("doorstep_circles_touched", 0)
        )
    table = pd.DataFrame(rows).T.reindex(columns=[a.label for a in alternatives]).fillna("0")
    # For st.table, which renders Markdown: the labels are user text.
    table.columns = [md(c) for c in table.columns]
    table.index.name = ""
    return table.reset_index()


def tally_frame(tally: Tally, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Votes, shares (and Borda points) per option, for ``st.table``."""
    frame = pd.DataFrame(
        {
            t("md_option", lang): [md(labels.get(o.option_id, "?")) for o in tally.options],
            t("dl_votes", lang): [o.count for o in tally.options],
            t("dl_share", lang): [f"{o.share * 100:.1f}%" for o in tally.options],
        }
    )
    if tally.method == "ranking":
        frame[t("dl_points", lang)] = [o.points for o in tally.options]
    return frame


def md(value: object) -> str:
    """User text for st.markdown, st.subheader, st.error, radio labels."""
    return markdown_text(value)


@dataclass(frozen=True)
class Outcome:
    """A closed topic whose decision is a scenario: what the main map shows of it."""

    topic: Topic
    label: str
    scenario: Scenario


def decided_outcomes(district: str) -> list[Outcome]:
    """Closed topics decided for a scenario of ``district``, newest first (none without a
    record yet; a decision about another district's scenario is not shown).

    The map page asks on every run: a missing SQLite file is not created for it, and a
    database that cannot be opened leaves the map as it is.
    """
    settings = database_url(loaders.database_folder())
    sqlite_file = settings.sqlite_path()
    if sqlite_file is not None and not sqlite_file.exists():
        return []
    try:
        opened = store()
        closed = [tp for tp in opened.topics() if not tp.is_open and tp.decided_alternative_id]
    except LifecircleError:
        return []
    found = []
    for topic in closed:
        try:
            alternatives = {a.id: a for a in opened.alternatives(topic.id)}
            chosen = alternatives.get(str(topic.decided_alternative_id))
            if chosen is not None and chosen.scenario_id is not None:
                scenario = load_scenario(chosen.scenario_id, district)
                found.append(Outcome(topic, chosen.label, scenario))
        except LifecircleError:  # a scenario file deleted since: the others still show
            continue
    return found
