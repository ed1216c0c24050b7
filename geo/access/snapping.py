"""Joining facilities and homes to the walking network.

A point joins its nearest network node; the straight-line snap distance is added to
every walk that starts or ends there.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.district.network import WalkNetwork


def snap_facilities(network: WalkNetwork, facilities: gpd.GeoDataFrame) -> pd.DataFrame:
    """``facilities`` plus ``node_pos`` (row in ``network.nodes``), ``node_id`` and ``snap_m``."""
    out = pd.DataFrame(facilities.drop(columns="geometry", errors="ignore")).copy()
    if len(out) == 0:
        out["node_pos"] = np.zeros(0, dtype=np.int64)
        out["node_id"] = np.zeros(0, dtype=np.int64)
        out["snap_m"] = np.zeros(0, dtype=np.float64)
        return out
    pos, snap_m = network.snap_lonlat(out["lon"].to_numpy(), out["lat"].to_numpy())
    out["node_pos"] = pos
    out["node_id"] = network.node_ids[pos]
    out["snap_m"] = snap_m
    return out
