"""The areas' choropleth (街道, 社区/居委): one share per area, drawn at district zoom.

Colours are five equal bins of the share (0-20 % ... 80-100 %), darker = higher; an area
with no residents or no data is grey and says so. Names come from the user's file and
are escaped (:func:`lifecircle.maps.text.safe_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd

from lifecircle.i18n import t
from lifecircle.maps.layers import geojson_layer, simplify_for_map
from lifecircle.maps.legend import legend_html
from lifecircle.maps.text import safe_text

__all__ = [
    "AREA_COLOURS",
    "AREA_FILL_OPACITY",
    "NO_DATA_COLOUR",
    "area_colour",
    "area_layer",
    "area_legend",
    "area_legend_html",
]

AREA_COLOURS = ("#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c")
NO_DATA_COLOUR = "#9e9e9e"
AREA_FILL_OPACITY = 0.45


def area_colour(share: float | None) -> str:
    """The bin colour of a share in [0, 1]; grey for None."""
    if share is None or share != share:  # None or NaN
        return NO_DATA_COLOUR
    return AREA_COLOURS[min(int(share * len(AREA_COLOURS)), len(AREA_COLOURS) - 1)]


def area_layer(
    areas: gpd.GeoDataFrame,
    shares: Sequence[float | None],
    *,
    measure: str,
    lang: str,
    shift: Callable[[Any], Any],
    show: bool = True,
) -> folium.FeatureGroup:
    """One polygon per area, filled by its share, with its name and share as a tooltip.

    ``areas`` has ``name`` and ``residents`` columns and WGS-84 polygons; ``measure`` is
    the translated name of what the share is.
    """
    fg = folium.FeatureGroup(name=t("ar_title", lang), show=show)
    for name, residents, geom, share in zip(
        areas["name"], areas["residents"], areas.geometry, shares, strict=True
    ):
        value = (
            t("ar_no_data", lang)
            if share is None or share != share
            else f"{float(share) * 100:.1f}%"
        )
        tip = (
            f"<b>{safe_text(name)}</b><br>{safe_text(measure)}: {value}"
            f"<br>{safe_text(t('ar_col_residents', lang))}: {float(residents):,.0f}"
        )
        geojson_layer(
            shift(simplify_for_map(geom, 0.00002)),
            "area",
            colour=area_colour(share),
            weight=2.0,
            fill=True,
            fill_opacity=AREA_FILL_OPACITY,
            tooltip=tip,
        ).add_to(fg)
    return fg


def area_legend(lang: str) -> list[tuple[str, str]]:
    """(colour, label) pairs of the choropleth, for :class:`lifecircle.maps.legend.Legend`."""
    bins = len(AREA_COLOURS)
    rows = [
        (colour, f"{i * 100 // bins}–{(i + 1) * 100 // bins}%")
        for i, colour in enumerate(AREA_COLOURS)
    ]
    return [*rows, (NO_DATA_COLOUR, t("ar_no_data", lang))]


def area_legend_html(measure: str, *, lang: str) -> str:
    """The choropleth's section of the map's legend (:func:`lifecircle.maps.legend.join_legends`):
    what the share is (``measure``, translated, escaped here), its bins and "no data"."""
    title = f"{t('ar_legend', lang)} · {measure}"
    return legend_html(title=title, items=area_legend(lang), opacity=AREA_FILL_OPACITY)
