"""Comparing two analyses: residents served before and after, newly served homes, hexagons."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.analysis import Analysis


@dataclass(frozen=True)
class Comparison:
    """Before/after figures of a scenario."""

    by_category: pd.DataFrame  # served_before, served_after, delta, homes_newly_served
    completeness_before: float
    completeness_after: float
    newly_served_homes: gpd.GeoDataFrame
    hexagon_delta: gpd.GeoDataFrame

    def to_json(self) -> dict[str, object]:
        cats = {
            cid: {
                "served_before": round(float(r.served_before), 2),
                "served_after": round(float(r.served_after), 2),
                "delta": round(float(r.delta), 2),
                "homes_newly_served": int(r.homes_newly_served),
                "share_before": round(float(r.share_before), 6),
                "share_after": round(float(r.share_after), 6),
            }
            for cid, r in self.by_category.iterrows()
        }
        return {
            "categories": cats,
            "completeness_before": round(self.completeness_before, 6),
            "completeness_after": round(self.completeness_after, 6),
            "completeness_delta": round(self.completeness_after - self.completeness_before, 6),
        }


def compare(before: Analysis, after: Analysis) -> Comparison:
    """Per category: residents served before and after; completeness; newly served homes."""
    from geo.access.gaps import gap_hexagons

    b, a = before.coverage.by_category, after.coverage.by_category
    newly = after.served & ~before.served
    table = pd.DataFrame(
        {
            "served_before": b["served"],
            "served_after": a["served"],
            "delta": a["served"] - b["served"],
            "share_before": b["share"],
            "share_after": a["share"],
            "homes_newly_served": newly.sum(axis=1) if newly.size else 0,
        }
    )
    any_new = newly.any(axis=0) if newly.size else np.zeros(len(after.homes), dtype=bool)
    homes = after.homes[any_new].copy()
    homes["newly_served"] = [
        ";".join(c for c, hit in zip(after.categories, newly[:, j], strict=True) if hit)
        for j in np.flatnonzero(any_new)
    ]
    hb = gap_hexagons(before.homes, before.served, categories=before.categories).set_index("h3")
    ha = gap_hexagons(after.homes, after.served, categories=after.categories).set_index("h3")
    delta = ha[["geometry", "residents"]].copy()
    delta["unmet_before"] = hb["unmet_total"].reindex(delta.index).fillna(0.0)
    delta["unmet_after"] = ha["unmet_total"]
    delta["unmet_delta"] = delta["unmet_after"] - delta["unmet_before"]
    delta = gpd.GeoDataFrame(delta.reset_index(), geometry="geometry", crs="EPSG:4326")
    return Comparison(
        by_category=table,
        completeness_before=before.coverage.completeness,
        completeness_after=after.coverage.completeness,
        newly_served_homes=homes,
        hexagon_delta=delta,
    )
