"""Weighting residents by what they said they need (问需): the priorities' needs × gaps weight.

The survey's priority ranking (:func:`geo.surveys.priorities.rank_priorities`) scores each
(hexagon, category) as ``gap_share × (0.25 + 0.75 × need_share)``. The siting model
already counts only the gap (residents not served), so each such resident weighs::

    weight = residents × (0.25 + 0.75 × need_share of the home's hexagon for the category)

A resident where nobody asked for the category keeps a quarter of the weight of one where
the strongest need was stated, exactly as in the priority list.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt

from geo.access.analysis import Analysis
from geo.access.gaps import DEFAULT_H3_RESOLUTION
from geo.surveys.priorities import UNVOICED_GAP_WEIGHT, rank_priorities

FloatArray = npt.NDArray[np.float64]


def need_factors(
    analysis: Analysis,
    responses: gpd.GeoDataFrame,
    category: str,
    *,
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> FloatArray:
    """Per home of ``analysis.homes``: ``0.25 + 0.75 × need_share`` of its hexagon."""
    ranked = rank_priorities(analysis, responses, by="hexagon", resolution=resolution)
    rows = ranked[ranked["category"] == category]
    share = dict(zip(rows["unit"].astype(str), rows["need_share"].astype(float), strict=True))
    homes = analysis.homes
    cells = [
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lon, lat in zip(homes["lon"], homes["lat"], strict=True)
    ]
    need = np.array([share.get(c, 0.0) for c in cells], dtype=np.float64)
    return np.asarray(UNVOICED_GAP_WEIGHT + (1.0 - UNVOICED_GAP_WEIGHT) * need, dtype=np.float64)


def need_weights(analysis: Analysis, responses: gpd.GeoDataFrame, category: str) -> FloatArray:
    """Per home: residents × :func:`need_factors` (the objective weight of a surveyed run)."""
    population = analysis.homes["population"].to_numpy(dtype=np.float64)
    return np.asarray(population * need_factors(analysis, responses, category), dtype=np.float64)
