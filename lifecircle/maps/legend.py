"""The map legend: a static box whose HTML is built from escaped strings only."""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

from geo.access.analysis import Analysis
from lifecircle.i18n import t
from lifecircle.maps.layers import COUNT_COLOURS, SERVED_COLOUR, TIME_COLOURS, UNSERVED_COLOUR
from lifecircle.maps.text import safe_text

LEGEND_TEMPLATE = """
{% macro html(this, kwargs) %}
<div class="lifecircle-legend" style="position: absolute; z-index: 9999; bottom: 24px; left: 10px;
  background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px; font: 12px sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px;">
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


def legend_html(*, title: str, items: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{colour};'
        f'margin-right:6px;border:1px solid #555"></span>{safe_text(label)}</div>'
        for colour, label in items
    )
    return f"<b>{safe_text(title)}</b>{rows}"


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
