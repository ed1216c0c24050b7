"""Pure helpers of the gaps page's site suggestion: clicks, and tables in the user's language."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.inputs.china_coords import gcj02_to_wgs84
from lifecircle.i18n import t


def clicked_lonlat(
    returned: Mapping[str, Any] | None, *, gcj02: bool
) -> tuple[float, float] | None:
    """The WGS-84 point of the map's last click (``st_folium``'s ``last_clicked``), if any.

    Over a GCJ-02 basemap the click is in GCJ-02 and is converted back.
    """
    click = (returned or {}).get("last_clicked")
    if not isinstance(click, Mapping):
        return None
    try:
        lon, lat = float(click["lng"]), float(click["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        return None
    if gcj02:
        x, y = gcj02_to_wgs84(lon, lat)
        lon, lat = float(x), float(y)
    return round(lon, 7), round(lat, 7)


def sites_frame(suggestion: Any, lang: str) -> pd.DataFrame:
    """The chosen sites with translated headers."""
    sites = suggestion.sites_table()
    source = {
        "osm:plot": t("sg_source_plots", lang),
        "osm:building": t("sg_source_buildings", lang),
        "osm:entrance": t("sg_source_entrances", lang),
        "click": t("sg_layer_clicks", lang),
    }
    frame = pd.DataFrame(
        {
            t("sg_col_rank", lang): sites["rank"].to_numpy(),
            t("sg_col_name", lang): [
                str(n).strip() or f"{source.get(s, s)} {c.split(':', 1)[-1]}"
                for n, s, c in zip(
                    sites["name"], sites["source"], sites["candidate_id"], strict=True
                )
            ],
            t("sg_col_source", lang): [source.get(s, s) for s in sites["source"]],
            t("sg_col_added", lang): sites["residents_added"].round(0).astype(int).to_numpy(),
            t("sg_col_reach", lang): sites["residents_reach"].round(0).astype(int).to_numpy(),
        }
    )
    if sites["cost"].notna().any():
        frame[t("sg_col_cost", lang)] = sites["cost"].to_numpy()
    return frame


def curve_frame(suggestion: Any, lang: str) -> pd.DataFrame:
    """The coverage curve indexed by k; with the proven bound when it counts residents
    (a survey-weighted run bounds the weighted objective instead)."""
    curve = suggestion.curve
    frame = pd.DataFrame(
        {t("sg_curve_value", lang): curve["residents_new"].round(0).to_numpy()},
        index=pd.Index(curve["k"].to_numpy(), name="k"),
    )
    if not suggestion.matrix.weighted:
        frame[t("sg_curve_bound", lang)] = curve["bound"].round(0).to_numpy()
    return frame
