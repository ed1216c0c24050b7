"""Names planners know for H3 cells: the residential compound (小区) that covers them.

A gap or a priority ranked on an H3 grid is easier to act on as "崂山五村" than as
``8931aa4c8d7ffff``. The rule (stated in the README): a cell takes the name of the named
residential area (OSM ``landuse=residential`` with a name) that covers the largest part of
it, if that part is at least :data:`MIN_COVER_SHARE` of the cell; otherwise it has no
name and is shown by its H3 id. Areas are compared in a metric CRS.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from shapely import Polygon

#: Smallest share of a cell a compound must cover to name it: a sliver along a street
#: does not name the block across it.
MIN_COVER_SHARE = 0.10


def named_compounds(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The district's residential areas that carry a name."""
    if areas.empty or "name" not in areas.columns:
        return areas.iloc[0:0]
    names = areas["name"].fillna("").astype(str).str.strip()
    keep = (areas["kind"] == "residential") & (names != "")
    return areas[keep].assign(name=names[keep])


def compound_names_for_cells(
    cells: Sequence[str], areas: gpd.GeoDataFrame, *, min_cover_share: float = MIN_COVER_SHARE
) -> pd.Series:
    """Per H3 cell id, the name of the compound that covers most of it ("" when none does).

    Parameters
    ----------
    cells
        H3 cell ids, any resolution.
    areas
        The district's land-use areas (``District.areas``: ``kind``, ``name``, geometry).
    min_cover_share
        Smallest share of the cell the compound must cover.

    Returns
    -------
    A Series of names indexed like ``cells`` (position 0..n-1).
    """
    ids = [str(c) for c in cells]
    out = pd.Series([""] * len(ids), dtype=object)
    compounds = named_compounds(areas)
    if not ids or compounds.empty:
        return out
    polys = [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in ids]
    grid = gpd.GeoDataFrame({"cell": np.arange(len(ids))}, geometry=polys, crs="EPSG:4326")
    metric = grid.estimate_utm_crs()
    grid = grid.to_crs(metric)
    comp = gpd.GeoDataFrame(
        {"name": compounds["name"].to_numpy()},
        geometry=compounds.geometry.to_numpy(),
        crs=compounds.crs or "EPSG:4326",
    ).to_crs(metric)
    comp["geometry"] = comp.geometry.make_valid()
    pieces = gpd.overlay(grid, comp, how="intersection", keep_geom_type=True)
    if pieces.empty:
        return out
    pieces["share"] = pieces.geometry.area / grid.geometry.area.to_numpy()[pieces["cell"]]
    # One compound may be several polygons: add its parts up before choosing.
    per = pieces.groupby(["cell", "name"], sort=True)["share"].sum().reset_index()
    per = per[per["share"] >= min_cover_share]
    # Largest share first; a tie goes to the name that sorts first (deterministic).
    per = per.sort_values(["cell", "share", "name"], ascending=[True, False, True])
    best = per.drop_duplicates("cell")
    out.iloc[best["cell"].to_numpy()] = best["name"].to_numpy()
    return out


def with_compound_names(hexagons: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``hexagons`` (with an ``h3`` column) and a ``compound`` column naming each cell."""
    names = compound_names_for_cells(hexagons["h3"].astype(str).tolist(), areas)
    return hexagons.assign(compound=names.to_numpy())
