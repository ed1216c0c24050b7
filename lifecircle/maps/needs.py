"""Layers of a resident-needs survey (问需): stated needs, with every comment escaped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from lifecircle.i18n import t
from lifecircle.maps.layers import NEEDS_COLOUR, geojson_layer
from lifecircle.maps.text import safe_text


def needs_layers(
    responses: gpd.GeoDataFrame,
    *,
    taxonomy: Any,
    lang: str,
    shift: Callable[[Any], Any],
    category: str | None = None,
    resolution: int = 9,
) -> tuple[folium.FeatureGroup, folium.FeatureGroup]:
    """Stated needs as hexagons (count of requests) and as points with their comments.

    Comments are untrusted: every piece of text goes through :func:`safe_text`.
    """
    import h3

    hex_fg = folium.FeatureGroup(name=t("layer_needs_hex", lang), show=True)
    pts_fg = folium.FeatureGroup(name=t("layer_needs_points", lang), show=True)
    data = responses if category is None else responses[responses["category"] == category]
    if data.empty:
        return hex_fg, pts_fg
    cells = [
        h3.latlng_to_cell(float(la), float(lo), resolution)
        for lo, la in zip(data["lon"], data["lat"], strict=True)
    ]
    counts = pd.Series(cells).value_counts()
    top = float(counts.max())
    for cell, n in counts.items():
        poly = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(str(cell))])
        geojson_layer(
            shift(poly),
            "needs",
            colour=NEEDS_COLOUR,
            weight=0.8,
            fill=True,
            fill_opacity=0.15 + 0.55 * float(n) / top,
            tooltip=f"{safe_text(t('col_requests', lang))}: {int(n)}",
        ).add_to(hex_fg)
    for row in data.itertuples(index=False):
        cat = taxonomy.get(str(row.category)) if row.category in taxonomy else None
        head = cat.name(lang) if cat is not None else str(row.category)
        score = "" if row.score is None or row.score != row.score else f" · {float(row.score):g}"
        body = (
            f"<b>{safe_text(head)}{safe_text(score)}</b><br>"
            f"{safe_text(row.comment, max_len=300)}"
            + (f"<br><i>{safe_text(row.group)}</i>" if getattr(row, "group", "") else "")
        )
        point = shift(shapely.Point(float(row.lon), float(row.lat)))
        folium.CircleMarker(
            (point.y, point.x),
            radius=5,
            color=cat.colour if cat is not None else "#54278f",
            fill=True,
            fill_opacity=0.9,
            weight=1,
            tooltip=folium.Tooltip(body),
            popup=folium.Popup(body, max_width=320),
        ).add_to(pts_fg)
    return hex_fg, pts_fg
