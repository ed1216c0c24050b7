"""The map legend: a static box whose HTML is built from escaped strings only."""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

from geo.access.analysis import Analysis
from lifecircle.i18n import t
from lifecircle.maps.layers import (
    COUNT_COLOURS,
    DOORSTEP_COLOUR,
    DOORSTEP_EMPTY_COLOUR,
    GAP_COLOUR,
    NEEDS_COLOUR,
    SERVED_COLOUR,
    SERVICE_AREA_COLOURS,
    TIME_COLOURS,
    UNSERVED_COLOUR,
)
from lifecircle.maps.scenario_layers import BETTER_HEX_COLOUR, KIND_COLOURS, NEWLY_SERVED_COLOUR
from lifecircle.maps.text import safe_text

LEGEND_TEMPLATE = """
{% macro html(this, kwargs) %}
<div class="lifecircle-legend" style="position: absolute; z-index: 9999; bottom: 40px; left: 10px;
  background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; font: 12px sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px; max-height: 55%; overflow-y: auto;">
{{ this.body }}
</div>
{% endmacro %}
"""


class Legend(MacroElement):  # type: ignore[misc]
    """A static legend box (its HTML is built from escaped strings only)."""

    # A class attribute, as in folium: a deep-copied jinja Template loses its macros,
    # and standalone_html renders a deep copy of the figure.
    _template = Template(LEGEND_TEMPLATE)

    def __init__(self, body_html: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.body = body_html


SECTION_RULE = "<hr style='margin:4px 0'>"


def legend_html(*, title: str, items: Sequence[tuple[str, str]], opacity: float = 1.0) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{colour};'
        f'opacity:{opacity:g};margin-right:6px;border:1px solid #555"></span>'
        f"{safe_text(label)}</div>"
        for colour, label in items
    )
    return f"<b>{safe_text(title)}</b>{rows}"


def join_legends(*sections: str) -> str:
    """Several legend sections in one box, separated by a thin rule."""
    return SECTION_RULE.join(s for s in sections if s)


def service_area_legend(tiers_m: Sequence[float], *, within_m: float | None, lang: str) -> str:
    """The service areas drawn for the chosen tier (the smaller tiers inside it)."""
    shown = sorted(m for m in tiers_m if within_m is None or m <= within_m + 1e-6)
    colours = SERVICE_AREA_COLOURS
    items = [(colours[min(i, len(colours) - 1)], f"≤ {m:.0f} m") for i, m in enumerate(shown)]
    return legend_html(title=t("layer_service_areas", lang), items=items, opacity=0.5)


def gap_legend(lang: str) -> str:
    """Gap hexagons: the darker, the more residents without the service."""
    few = legend_html(
        title=t("layer_gaps", lang), items=[(GAP_COLOUR, t("ml_legend_gap_few", lang))], opacity=0.2
    )
    many = legend_html(title="", items=[(GAP_COLOUR, t("ml_legend_gap_many", lang))], opacity=0.75)
    return few + many.removeprefix("<b></b>")


def doorstep_legend(lang: str) -> str:
    items = [
        (DOORSTEP_COLOUR, t("ml_legend_doorstep_some", lang)),
        (DOORSTEP_EMPTY_COLOUR, t("ml_legend_doorstep_none", lang)),
    ]
    return legend_html(title=t("layer_doorstep", lang), items=items, opacity=0.6)


def needs_legend(lang: str) -> str:
    """Survey needs: hexagons by number of requests, points in their category's colour."""
    items = [
        (NEEDS_COLOUR, t("ml_legend_needs_hex", lang)),
        ("#ffffff", t("ml_legend_needs_point", lang)),
    ]
    return legend_html(title=t("ml_legend_needs", lang), items=items, opacity=0.7)


def scenario_legend(lang: str) -> str:
    """Scenario features by kind (new facility, new space, new link, closure)."""
    items = [(colour, t(f"kind_{kind}", lang)) for kind, colour in KIND_COLOURS.items()]
    changes = [
        (NEWLY_SERVED_COLOUR, t("scn_newly_served", lang)),
        (BETTER_HEX_COLOUR, t("ml_legend_better_hex", lang)),
    ]
    return join_legends(
        legend_html(title=t("page_scenarios", lang), items=items),
        legend_html(title=t("scn_difference", lang), items=changes, opacity=0.6),
    )


def street_legend(analysis: Analysis, *, category: str, colour_by: str, lang: str) -> str:
    if colour_by == "count":
        n = len(analysis.categories)
        items = [
            (COUNT_COLOURS[0], f"0–{n // 3}"),
            (COUNT_COLOURS[3], f"~{n // 2}"),
            (COUNT_COLOURS[-1], f"{n}"),
        ]
        return legend_html(title=t("colour_count", lang), items=items)
    cat = analysis.taxonomy.get(category)
    items = [
        (TIME_COLOURS[0], f"≤ 5 {t('minutes', lang)}"),
        (TIME_COLOURS[1], f"≤ 10 {t('minutes', lang)}"),
        (TIME_COLOURS[2], f"≤ 15 {t('minutes', lang)}"),
        (TIME_COLOURS[3], t("beyond", lang)),
        (SERVED_COLOUR, f"{t('layer_homes', lang)}: {t('served', lang)}"),
        (UNSERVED_COLOUR, f"{t('layer_homes', lang)}: {t('not_served', lang)}"),
    ]
    return legend_html(title=f"{t('colour_time', lang)}: {cat.name(lang)}", items=items)
