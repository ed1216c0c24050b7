"""Static maps for printed reports, rendered offline with matplotlib's Agg backend (no tiles).

A map shows the walking network, residential land, the homes served or not by one
indicator's items, the facilities and the check-up units, in the district's metric CRS.
Text inside the image is ASCII only (scale and attribution); the Chinese caption is set
in the document, so no glyph can be missing from a picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from geo.access.analysis import Analysis
from geo.checkup.land import LandCells, residential_land
from geo.district.model import OSM_ATTRIBUTION

SERVED = "#1e8449"
NOT_SERVED = "#c0392b"
ATTRIBUTION_ASCII = OSM_ATTRIBUTION.replace("©", "(c)")


def _served_homes(analysis: Analysis, items: Sequence[str]) -> np.ndarray:
    rows = [analysis.categories.index(i) for i in items if i in analysis.categories]
    if not rows:
        return np.zeros(len(analysis.homes), dtype=bool)
    return np.asarray(analysis.served[rows].any(axis=0))


def render_item_map(
    analysis: Analysis,
    items: Sequence[str],
    units: gpd.GeoDataFrame,
    *,
    land: LandCells | None = None,
    width_px: int = 1000,
    dpi: int = 150,
) -> bytes:
    """A PNG of who is served by any of ``items`` (green) and who is not (red); with
    ``land``, the residential land cells served or not (for indicators on land)."""
    district = analysis.district
    crs = district.network.crs
    fig, ax = plt.subplots(figsize=(width_px / dpi, width_px / dpi * 0.8), dpi=dpi)
    try:
        ax.set_aspect("equal")
        ax.set_axis_off()
        if land is not None and len(land):
            rows = [analysis.categories.index(i) for i in items if i in analysis.categories]
            limits = np.array([analysis.taxonomy.get(i).distance_m for i in items])[:, None]
            ok = (land.dist_m[rows] <= limits).any(axis=0)
            land.cells[ok].plot(ax=ax, color="#a9dfbf", linewidth=0)
            land.cells[~ok].plot(ax=ax, color="#f5b7b1", linewidth=0)
        else:
            area = residential_land(analysis)
            if not area.is_empty:
                gpd.GeoSeries([area], crs=crs).plot(ax=ax, color="#f5eedc", linewidth=0)
        net = district.network
        xy = net.xy
        u, v = net.edge_index
        segments = np.stack([xy[u], xy[v]], axis=1)
        ax.add_collection(LineCollection(list(segments), colors="#b3b6b7", linewidths=0.3))
        homes = analysis.homes
        if len(homes) and land is None:
            served = _served_homes(analysis, items)
            hx, hy = net.project(homes["lon"].to_numpy(), homes["lat"].to_numpy())
            size = np.clip(np.sqrt(homes["population"].to_numpy(dtype=float)) * 0.6, 2, 30)
            ax.scatter(hx[~served], hy[~served], s=size[~served], c=NOT_SERVED, lw=0, zorder=3)
            ax.scatter(hx[served], hy[served], s=size[served], c=SERVED, lw=0, zorder=3)
        facilities = analysis.facilities[analysis.facilities["category"].isin(list(items))]
        if len(facilities):
            fx, fy = net.project(facilities["lon"].to_numpy(), facilities["lat"].to_numpy())
            ax.scatter(fx, fy, s=40, marker="*", c="#1b4f72", edgecolors="white", lw=0.5, zorder=4)
        if len(units):
            units.geometry.to_crs(crs).boundary.plot(ax=ax, color="#5d6d7e", linewidth=0.6)
        w, s, e, n = gpd.GeoSeries([district.boundary], crs=4326).to_crs(crs).total_bounds
        ax.set_xlim(w, e)
        ax.set_ylim(s, n)
        bar = 500.0
        ax.plot([w + 50, w + 50 + bar], [s + 60, s + 60], color="black", lw=2)
        ax.text(w + 50, s + 90, "500 m", fontsize=6, family="DejaVu Sans")
        ax.text(
            e - 20, s + 20, ATTRIBUTION_ASCII, fontsize=5, ha="right", family="DejaVu Sans",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
        )  # fmt: skip
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight", pad_inches=0.02)
        return buffer.getvalue()
    finally:
        plt.close(fig)


__all__ = ["ATTRIBUTION_ASCII", "render_item_map"]
