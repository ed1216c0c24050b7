"""Minutes (会议纪要) of a topic: the decision, every round's tally, the evidence, the
follow-up, in Markdown and in PDF (Chinese by default).

Both documents come from the same list of blocks (headings, paragraphs, tables), so they
say the same thing; every piece of user text is escaped for its format
(:func:`~lifecircle.deliberation.text.markdown_text`, :func:`~.text.html_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from geo.deliberation.model import Alternative, Round, Topic
from geo.deliberation.store import DeliberationStore
from geo.deliberation.tally import Tally
from lifecircle.deliberation.pdf import render_pdf
from lifecircle.deliberation.text import html_text, markdown_text
from lifecircle.i18n import t

__all__ = ["MinutesRecord", "load_record", "minutes_markdown", "minutes_pdf"]

CategoryName = Callable[[str], str]


@dataclass(frozen=True)
class MinutesRecord:
    """Everything the minutes show, read from the store."""

    topic: Topic
    alternatives: tuple[Alternative, ...]
    rounds: tuple[Round, ...]
    tallies: dict[str, Tally]

    def label(self, alternative_id: str | None) -> str:
        for alt in self.alternatives:
            if alt.id == alternative_id:
                return alt.label
        return "—"


def load_record(store: DeliberationStore, topic_id: str) -> MinutesRecord:
    rounds = tuple(store.rounds(topic_id))
    return MinutesRecord(
        topic=store.topic(topic_id),
        alternatives=tuple(store.alternatives(topic_id)),
        rounds=rounds,
        tallies={r.id: store.tally(r.id) for r in rounds},
    )


@dataclass(frozen=True)
class _Block:
    kind: str  # "h1", "h2", "p", "note", "table"
    text: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _fmt_people(value: Any) -> str:
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return "—"


def _blocks(record: MinutesRecord, category_name: CategoryName, lang: str) -> list[_Block]:
    topic = record.topic
    out = [_Block("h1", t("md_minutes_title", lang, title=topic.title))]
    out.append(
        _Block(
            "table",
            header=(t("md_topic", lang), ""),
            rows=(
                (t("md_topic", lang), topic.title),
                (t("dl_topic_description", lang), topic.description or "—"),
                (
                    t("dl_need", lang),
                    category_name(topic.need_category) if topic.need_category else "—",
                ),
                (t("dl_affected", lang), _fmt_people(topic.residents_affected)),
                (t("md_district", lang), topic.district or "—"),
                (t("dl_room_code", lang), topic.room_code),
                (t("md_opened", lang), topic.created_at[:16].replace("T", " ") + " UTC"),
                (
                    t("md_closed", lang),
                    topic.closed_at[:16].replace("T", " ") + " UTC" if topic.closed_at else "—",
                ),
            ),
        )
    )
    # The decision first: it is what the meeting is for (议而有果).
    out.append(_Block("h2", t("md_decision", lang)))
    if topic.decided_alternative_id:
        out.append(
            _Block("p", f"{t('dl_outcome', lang)}: {record.label(topic.decided_alternative_id)}")
        )
    out.append(_Block("p", topic.decision or "—"))
    out.append(_Block("h2", t("md_follow_up", lang)))
    out.append(_Block("p", topic.follow_up or "—"))

    out.append(_Block("h2", t("md_rounds", lang)))
    for rnd in record.rounds:
        tally = record.tallies[rnd.id]
        title = t("dl_round", lang, n=rnd.number)
        mode = t(f"dl_mode_{rnd.mode}", lang)
        method = t(f"dl_method_{rnd.method}", lang)
        out.append(_Block("p", f"{title} · {rnd.question or '—'} · {method} · {mode}"))
        header = [t("md_option", lang), t("dl_votes", lang), t("dl_share", lang)]
        if rnd.method == "ranking":
            header.append(t("dl_points", lang))
        rows = []
        for opt in tally.options:
            row = [record.label(opt.option_id), str(opt.count), f"{opt.share * 100:.1f}%"]
            if rnd.method == "ranking":
                row.append(str(opt.points))
            rows.append(tuple(row))
        rows.append((t("dl_ballots", lang), str(tally.ballots), "100%" if tally.ballots else "—"))
        out.append(_Block("table", header=tuple(header), rows=tuple(rows)))
        winner = record.label(tally.winner) if tally.winner else t("dl_tie", lang)
        out.append(_Block("p", f"{t('md_winner', lang)}: {winner}"))
    out.append(_Block("note", t("md_rule", lang)))

    out.append(_Block("h2", t("md_evidence", lang)))
    out.extend(_evidence_blocks(topic, category_name, lang))

    out.append(_Block("h2", t("md_alternatives", lang)))
    out.extend(_alternative_blocks(record, category_name, lang))
    out.append(_Block("note", t("md_data_note", lang)))
    return out


def _evidence_blocks(topic: Topic, category_name: CategoryName, lang: str) -> list[_Block]:
    ev = topic.evidence
    source = str(ev.get("source", ""))
    if source == "priority":
        by = str(ev.get("by", ""))
        unit = t(f"md_by_{by}", lang) if by in ("hexagon", "compound") else by
        text = t("md_source_priority", lang, by=unit)
        rows = tuple(
            (
                str(r.get("rank", "")),
                str(r.get("unit", "")),
                category_name(str(r.get("category", ""))),
                str(r.get("requests", "")),
                _fmt_people(r.get("residents_not_served")),
                f"{float(r.get('score') or 0):.3f}",
            )
            for r in ev.get("rows", [])
        )
        header = tuple(
            t(k, lang)
            for k in (
                "md_rank",
                "md_unit",
                "md_category",
                "md_requests",
                "md_not_served",
                "md_score",
            )
        )
        return [_Block("p", text), _Block("table", header=header, rows=rows)]
    key = "md_source_hexagon" if source == "hexagon" else "md_source_map"
    line = f"{t(key, lang)}: H3 {ev.get('h3', '—')} · {category_name(str(ev.get('category', '')))}"
    return [
        _Block("p", line),
        _Block("p", f"{t('dl_affected', lang)}: {_fmt_people(ev.get('residents_affected'))}"),
    ]


def _alternative_blocks(
    record: MinutesRecord, category_name: CategoryName, lang: str
) -> list[_Block]:
    out = []
    for alt in record.alternatives:
        name = alt.label + (
            f" ({alt.scenario_id})" if alt.scenario_id else f" ({t('dl_do_nothing', lang)})"
        )
        out.append(_Block("p", name))
        impact = alt.impact or {}
        cats = impact.get("categories", {})
        changed = [
            (cid, c)
            for cid, c in cats.items()
            if any(v for v in c.get("newly_served_by_tier", {}).values())
        ]
        if changed:
            minutes = sorted(next(iter(cats.values()))["newly_served_by_tier"], key=int)
            header = (t("md_category", lang), *(t("md_newly", lang, m=m) for m in minutes))
            rows = tuple(
                (category_name(cid), *(_fmt_people(c["newly_served_by_tier"][m]) for m in minutes))
                for cid, c in changed
            )
            out.append(_Block("table", header=header, rows=rows))
        if impact:
            before = float(impact.get("completeness_before", 0.0)) * 100
            after = float(impact.get("completeness_after", 0.0)) * 100
            out.append(
                _Block(
                    "p",
                    f"{t('dl_completeness', lang)}: {before:.1f}% → {after:.1f}% · "
                    f"{t('dl_doorstep_touched', lang)}: "
                    f"{impact.get('doorstep_circles_touched', 0)}",
                )
            )
    return out


def _to_markdown(blocks: Sequence[_Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            lines += [f"# {markdown_text(b.text)}", ""]
        elif b.kind == "h2":
            lines += [f"## {markdown_text(b.text)}", ""]
        elif b.kind in ("p", "note"):
            text = markdown_text(b.text)
            lines += [f"*{text}*" if b.kind == "note" else text, ""]
        elif b.kind == "table":
            header = b.header if any(b.header) else ("", "")
            lines.append("| " + " | ".join(markdown_text(h) for h in header) + " |")
            lines.append("|" + "---|" * len(header))
            for row in b.rows:
                lines.append("| " + " | ".join(markdown_text(c) for c in row) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _to_html(blocks: Sequence[_Block]) -> str:
    parts: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            parts.append(f"<{b.kind}>{html_text(b.text)}</{b.kind}>")
        elif b.kind == "p":
            parts.append(f"<p>{html_text(b.text)}</p>")
        elif b.kind == "note":
            parts.append(f'<p class="note">{html_text(b.text)}</p>')
        elif b.kind == "table":
            head = ""
            if any(b.header):
                head = "<tr>" + "".join(f"<th>{html_text(h)}</th>" for h in b.header) + "</tr>"
            body = "".join(
                "<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>"
                for row in b.rows
            )
            parts.append(f"<table>{head}{body}</table>")
    return "\n".join(parts)


def minutes_markdown(
    record: MinutesRecord, *, category_name: CategoryName, lang: str = "zh"
) -> str:
    """The minutes as Markdown (every user text escaped)."""
    return _to_markdown(_blocks(record, category_name, lang))


def minutes_pdf(record: MinutesRecord, *, category_name: CategoryName, lang: str = "zh") -> bytes:
    """The minutes as a PDF with Noto Sans CJK embedded."""
    body = _to_html(_blocks(record, category_name, lang))
    return render_pdf(body, title=html_text(t("md_minutes_title", lang, title=record.topic.title)))
