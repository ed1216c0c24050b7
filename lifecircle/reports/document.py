"""The check-up report as one self-contained HTML document (maps inlined as data URIs).

The same HTML is the ``.html`` report and the source of the PDF. Every value that comes
from data or a user's file (unit and facility names) is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2

from geo.access.analysis import Analysis
from geo.checkup.indicators import INDICATORS, LIFE_CIRCLE, CheckupResult
from geo.checkup.land import land_cells
from geo.district.model import OSM_ATTRIBUTION
from geo.standards.fields import ITEM_FIELDS_CHECKED
from lifecircle.i18n import t
from lifecircle.reports.figures import render_item_map
from lifecircle.reports.template import REPORT_TEMPLATE

CJK_FONT_FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows for one source."""

    analysis: Analysis
    units: gpd.GeoDataFrame
    checkup: CheckupResult
    lang: str = "zh"
    made: dt.date | None = None


def _pct(value: Any, lang: str) -> str:
    if value is None or value != value:
        return t("ck_no_data", lang)
    return f"{float(value) * 100:.1f}%"


def _unit_kind(kind: str, lang: str) -> str:
    return t(f"ck_unit_{kind}", lang) if kind in ("compound", "community", "subdistrict") else kind


def indicator_table(checkup: CheckupResult, lang: str) -> tuple[list[str], list[list[str]]]:
    """The indicator table as text: header and one row per unit (what the report prints)."""
    header = [t("ck_col_unit", lang), t("ck_col_unit_kind", lang), t("ck_col_residents", lang)]
    header += [t("ck_col_land_ha", lang), LIFE_CIRCLE.name(lang)]
    header += [ind.name(lang) for ind in INDICATORS]
    rows = []
    for _, r in checkup.indicators.iterrows():
        row = [str(r["unit_name"]), _unit_kind(str(r["unit_kind"]), lang)]
        row += [f"{float(r['residents']):,.0f}", f"{float(r['residential_land_m2']) / 1e4:.2f}"]
        row += [_pct(r[LIFE_CIRCLE.id], lang)] + [_pct(r[ind.id], lang) for ind in INDICATORS]
        rows.append(row)
    return header, rows


def ledger_table(checkup: CheckupResult, lang: str) -> tuple[list[str], list[list[str]]]:
    header = [t("ck_col_rank", lang), t("ck_col_unit", lang), t("ck_col_item", lang)]
    header += [t("ck_col_level", lang), t("ck_col_distance", lang), t("ck_col_status", lang)]
    header += [t("ck_col_affected", lang), t("ck_col_share_affected", lang)]
    rows = []
    for i, (_, r) in enumerate(checkup.ledger.iterrows(), start=1):
        status = t("ck_status_gap" if r["status"] == "gap" else "ck_status_no_data", lang)
        rows.append(
            [
                str(i),
                str(r["unit_name"]),
                str(r["item_zh"]) if lang == "zh" else str(r["item"]),
                f"{int(r['level_minutes'])} min",
                f"{float(r['distance_m']):.0f} m",
                status,
                f"{float(r['residents_affected']):,.0f}",
                f"{float(r['share_affected']) * 100:.0f}%",
            ]
        )
    return header, rows


def _completeness(analysis: Analysis, lang: str) -> list[dict[str, Any]]:
    detail = analysis.coverage.detail
    tax = analysis.taxonomy
    out = []
    for level in detail.levels if detail else ():
        out.append(
            {
                "name": tax.level_tier(level.level).name(lang),
                "share": _pct(level.share, lang),
                "with_data": [tax.get(c).name(lang) for c in level.with_data],
                "no_data": [tax.get(c).name(lang) for c in level.no_data],
            }
        )
    return out


def _items(analysis: Analysis, lang: str) -> list[dict[str, Any]]:
    tax = analysis.taxonomy
    rows = []
    for cid in analysis.categories:
        c = tax.get(cid)
        unverified = [f for f in ITEM_FIELDS_CHECKED if c.is_unverified(f)]
        rows.append(
            {
                "name": c.name(lang),
                "level": f"{c.level} min",
                "distance": f"{c.distance_m:.0f} m",
                "essential": t("ck_yes" if c.essential else "ck_no", lang),
                "clause": c.clause,
                "unverified": unverified,
            }
        )
    return rows


def items_table(analysis: Analysis, lang: str) -> tuple[list[str], list[list[str]]]:
    """The items with level, distance, essential flag and source; numbers that could not be
    checked against the standard's text are marked unverified."""
    mark = f" ({t('ck_unverified', lang)})"
    header = [t("ck_col_item", lang), t("ck_col_level", lang), t("ck_col_distance", lang)]
    header += [t("ck_col_essential", lang), t("ck_col_clause", lang)]
    rows = []
    for it in _items(analysis, lang):
        unverified = it["unverified"]
        rows.append(
            [
                it["name"],
                it["level"] + (mark if "level" in unverified else ""),
                it["distance"] + (mark if "distance_m" in unverified else ""),
                it["essential"] + (mark if "essential" in unverified else ""),
                it["clause"],
            ]
        )
    return header, rows


def _maps(inputs: ReportInputs) -> list[dict[str, Any]]:
    analysis, lang = inputs.analysis, inputs.lang
    land = None
    out = []
    for ind in INDICATORS:
        items = [i for i in ind.items if i in analysis.categories]
        if not items:
            continue
        has_data = bool(analysis.facilities["category"].isin(items).any())
        if ind.measure == "land" and land is None:
            land = land_cells(analysis)
        on_land = land if ind.measure == "land" else None
        png = render_item_map(analysis, items, inputs.units, land=on_land) if has_data else None
        out.append(
            {
                "title": ind.name(lang),
                "item_names": "、".join(analysis.taxonomy.get(i).name(lang) for i in items),
                "src": "data:image/png;base64," + base64.b64encode(png).decode() if png else None,
            }
        )
    return out


def build_html(inputs: ReportInputs, *, maps: Sequence[dict[str, Any]] | None = None) -> str:
    """The whole report as HTML (A4 print CSS, page numbers in the PDF)."""
    analysis, lang = inputs.analysis, inputs.lang
    meta = analysis.district.meta
    made = (inputs.made or dt.date.today()).isoformat()
    ind_header, ind_rows = indicator_table(inputs.checkup, lang)
    led_header, led_rows = ledger_table(inputs.checkup, lang)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(REPORT_TEMPLATE)
    return template.render(
        lang=lang,
        font=CJK_FONT_FAMILY,
        t=lambda key, **kw: t(key, lang, **kw),
        title=t("ck_report_title", lang, district=meta.title(lang)),
        meta=meta,
        source_name=Path(meta.source).name,
        made=made,
        units=len(inputs.units),
        walk_speed=analysis.speed_kmh,
        completeness=_completeness(analysis, lang),
        overall=_pct(analysis.coverage.completeness if analysis.coverage.detail else None, lang),
        no_data=[analysis.taxonomy.get(c).name(lang) for c in analysis.coverage.no_data],
        maps=list(maps) if maps is not None else _maps(inputs),
        indicators=INDICATORS,
        life_circle=LIFE_CIRCLE,
        ind_header=ind_header,
        ind_rows=ind_rows,
        led_header=led_header,
        led_rows=led_rows,
        items=_items(analysis, lang),
        attribution=OSM_ATTRIBUTION,
    )


__all__ = [
    "CJK_FONT_FAMILY",
    "ReportInputs",
    "build_html",
    "indicator_table",
    "items_table",
    "ledger_table",
]
