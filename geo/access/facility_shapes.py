"""The shapes the access rule joins, in the network's metres: facilities mapped as areas
and the district's entrances (:func:`geo.access.snapping.snap_facilities` reads them)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.district.network import WalkNetwork

FloatArray = npt.NDArray[np.float64]


def facility_polygons_m(
    areas: gpd.GeoDataFrame | None, facilities: pd.DataFrame, network: WalkNetwork
) -> dict[int, BaseGeometry]:
    """Row number of each facility mapped as an area → its polygon in metres."""
    if areas is None or len(areas) == 0 or len(facilities) == 0:
        return {}
    polygonal = areas[areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    metric = polygonal.geometry.to_crs(network.crs)
    by_id = dict(zip(polygonal["facility_id"].astype(str), metric, strict=True))
    ids = facilities["facility_id"].astype(str).tolist()
    return {i: by_id[fid] for i, fid in enumerate(ids) if fid in by_id}


def entrances_xy_m(entrances: gpd.GeoDataFrame | None, network: WalkNetwork) -> FloatArray | None:
    """The entrance and gate points in metres (one row each), or None without any."""
    if entrances is None or len(entrances) == 0:
        return None
    x, y = network.project(entrances.geometry.x.to_numpy(), entrances.geometry.y.to_numpy())
    return np.column_stack([x, y])
