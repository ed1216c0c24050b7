"""Map furniture every lifecircle map carries: a metric scale bar and the OSM credit.

Both are small Leaflet calls rendered into the map's script, so they work the same in
``st_folium`` and in a standalone HTML file.
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from jinja2 import Template

_SCALE_TEMPLATE = """
{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, maxWidth: 120})
    .addTo({{ this._parent.get_name() }});
{% endmacro %}
"""

_ATTRIBUTION_TEMPLATE = """
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_json }});
{% endmacro %}
"""


class MetricScale(MacroElement):  # type: ignore[misc]
    """A scale bar in metres and kilometres only (the standards speak metres, never feet)."""

    # A class attribute, as in folium: a deep-copied jinja Template loses its macros.
    _template = Template(_SCALE_TEMPLATE)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


class OsmAttribution(MacroElement):  # type: ignore[misc]
    """The ODbL credit in the map's attribution box, with or without a tile layer.

    Leaflet keeps one copy of each distinct attribution, so a tile layer that carries the
    same text does not show it twice.
    """

    _template = Template(_ATTRIBUTION_TEMPLATE)

    def __init__(self, html: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "OsmAttribution"
        # A JSON string literal: the text cannot break out of the script.
        self.html_json = json.dumps(html).replace("</", "<\\/")
