"""Which compound (小区) each home belongs to.

A compound is a ``landuse=residential`` area: named parts with the same name are one
compound (keyed by the name), an unnamed area is its own compound (keyed by its OSM id).
A home belongs to the smallest compound containing its representative point; homes in
none are "outside compounds" (key :data:`OUTSIDE`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.district.model import District
from geo.inputs.tables import cell_text

OUTSIDE = "outside"
"""The key of the homes outside every compound."""


def build_compound_areas(district: District) -> gpd.GeoDataFrame:
    """The district's compounds: ``key``, ``name`` (empty when unnamed), geometry (WGS-84)."""
    areas = district.areas
    zones = areas[areas["kind"] == "residential"] if len(areas) else areas
    keys: list[str] = []
    names: list[str] = []
    geoms: list[object] = []
    grouped: dict[str, list[object]] = {}
    for osm_id, name, geom in zip(zones["osm_id"], zones["name"], zones.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        text = cell_text(name)
        if text:
            grouped.setdefault(text, []).append(geom)
        else:
            keys.append(str(osm_id))
            names.append("")
            geoms.append(shapely.make_valid(geom))
    for text, parts in grouped.items():
        keys.append(text)
        names.append(text)
        geoms.append(shapely.make_valid(shapely.union_all(parts)))
    return gpd.GeoDataFrame(
        {"key": pd.Series(keys, dtype=object), "name": pd.Series(names, dtype=object)},
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def assign_compounds(homes: pd.DataFrame, compounds: gpd.GeoDataFrame) -> np.ndarray:
    """Per home, the key of the smallest compound containing its point, else :data:`OUTSIDE`."""
    out = np.full(len(homes), OUTSIDE, dtype=object)
    if len(homes) == 0 or compounds.empty:
        return out
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(homes["lon"], homes["lat"]), crs="EPSG:4326"
    )
    zones = compounds[["key", "geometry"]].reset_index(drop=True)
    # Area in degrees² is enough to rank nested compounds containing one point.
    zones = zones.assign(rank=shapely.area(zones.geometry.to_numpy()))
    hit = gpd.sjoin(points, zones, predicate="within", how="inner")
    if hit.empty:
        return out
    smallest = hit.sort_values("rank").groupby(level=0)["key"].first()
    out[smallest.index.to_numpy()] = smallest.to_numpy()
    return out
