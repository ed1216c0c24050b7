"""The scenarios page's map without its scenario: base, streets, facilities, draw tool, legend.

What a scenario changes (its features, the newly served homes) is added on top by the
page as separate layers (:func:`lifecircle.maps.scenario_layer`,
:func:`lifecircle.maps.difference_layer`), so that this map stays the same while a
workshop edits and the browser keeps it, with its view, from one edit to the next.
"""

from __future__ import annotations

import folium
from folium.plugins import Draw

from geo.access.analysis import Analysis
from lifecircle.i18n import t
from lifecircle.maps.basemaps import new_map, shift_for
from lifecircle.maps.layers import base_layer, facilities_layer, streets_layer
from lifecircle.maps.legend import Legend, legend_html, street_legend
from lifecircle.maps.scenario_layers import KIND_COLOURS, NEWLY_SERVED_COLOUR


def workshop_legend(lang: str) -> str:
    """The scenarios page's legend of a scenario's layers (escaped HTML)."""
    items = [
        (KIND_COLOURS["facility"], t("ws_legend_facility", lang)),
        (KIND_COLOURS["space"], t("ws_legend_space", lang)),
        (KIND_COLOURS["link"], t("ws_legend_link", lang)),
        (KIND_COLOURS["closure"], t("ws_legend_closure", lang)),
        (NEWLY_SERVED_COLOUR, t("ws_legend_newly", lang)),
    ]
    return legend_html(title=t("ws_legend_title", lang), items=items)


def build_scenario_base_map(
    analysis: Analysis,
    *,
    category: str,
    lang: str,
    basemap: str,
    speed_kmh: float,
    colour_by: str = "time",
    tianditu_key: str | None = None,
) -> folium.Map:
    """The baseline's streets and facilities for ``category``, Leaflet.Draw and a legend.

    No layer control: the page's map component adds one that also lists the scenario's
    layers.
    """
    shift = shift_for(basemap)
    fmap = new_map(analysis, basemap=basemap, lang=lang, tianditu_key=tianditu_key)
    base_layer(analysis, lang=lang, shift=shift).add_to(fmap)
    streets_layer(
        analysis,
        category=category,
        colour_by=colour_by,
        speed_kmh=speed_kmh,
        lang=lang,
        shift=shift,
    ).add_to(fmap)
    facilities_layer(analysis, category=category, lang=lang, shift=shift).add_to(fmap)
    Draw(  # type: ignore[no-untyped-call]
        export=False,
        draw_options={
            "polyline": {},
            "polygon": {},
            "marker": {},
            "circle": False,
            "rectangle": False,
            "circlemarker": False,
        },
        edit_options={"edit": False, "remove": False},
    ).add_to(fmap)
    streets = street_legend(analysis, category=category, colour_by=colour_by, lang=lang)
    fmap.add_child(Legend(workshop_legend(lang) + '<div style="height:6px"></div>' + streets))
    return fmap
