"""Who is served, summed over H3 areas: what a whole district's map shows before zooming in.

Every home counts in the hexagon holding its representative point (the point
:mod:`geo.access.homes` joins to the street), with all its residents; a home is served when
its walking distance to the category is within ``within_m``, as in the coverage table.
So the residents of the hexagons add up to the district's residents and the served ones
to the coverage table's served residents for that distance, hexagon by hexagon.

The resolution is the finest of :data:`SUMMARY_RESOLUTIONS` that keeps the number of
hexagons with homes within ``max_cells``: block-sized (H3 9, about 0.1 km²) on a
neighbourhood, coarser (8: 0.7 km², 7: 5 km²) on a whole 区, so the summary stays a few
hundred shapes whatever the size of the district.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
from h3.api import numpy_int as h3n
from shapely import Polygon

from geo.access.analysis import Analysis
from geo.errors import NetworkError

SUMMARY_RESOLUTIONS: tuple[int, ...] = (9, 8, 7, 6)
"""Candidate H3 resolutions, finest first."""

DEFAULT_MAX_CELLS = 1_500
SUMMARY_COLUMNS = [
    "h3",
    "resolution",
    "homes",
    "residents",
    "served",
    "not_served",
    "share",
    "facilities",
]

CellArray = npt.NDArray[np.uint64]


def home_cells(analysis: Analysis, resolution: int) -> CellArray:
    """The H3 cell of every home's representative point."""
    lat = analysis.homes["lat"].to_numpy(dtype=float).tolist()
    lon = analysis.homes["lon"].to_numpy(dtype=float).tolist()
    return np.fromiter(
        (h3n.latlng_to_cell(a, b, resolution) for a, b in zip(lat, lon, strict=True)),
        dtype=np.uint64,
        count=len(lat),
    )


def summary_resolution(
    analysis: Analysis,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
    resolutions: Sequence[int] = SUMMARY_RESOLUTIONS,
) -> int:
    """The finest resolution whose hexagons with homes number at most ``max_cells``.

    The coarsest candidate when none does.
    """
    if not resolutions:
        raise NetworkError("give at least one H3 resolution")
    for resolution in resolutions:
        if len(np.unique(home_cells(analysis, resolution))) <= max_cells:
            return resolution
    return resolutions[-1]


def _hex(cell: int) -> Polygon:
    # h3 gives (lat, lng) pairs; shapely wants (x=lon, y=lat).
    return Polygon([(lng, lat) for lat, lng in h3n.cell_to_boundary(cell)])


def area_summary(
    analysis: Analysis,
    *,
    category: str,
    within_m: float | None = None,
    resolution: int | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> gpd.GeoDataFrame:
    """Homes, residents, served and not served residents of ``category`` per hexagon.

    Parameters
    ----------
    analysis
        The analysed district.
    category
        The facility category whose service is summed.
    within_m
        How far a home may be from the category to count as served; the category's own
        tier distance by default (the coverage table's rule).
    resolution
        The H3 resolution; by default :func:`summary_resolution` with ``max_cells``.
    max_cells
        The most hexagons the default resolution may give.

    Returns
    -------
    GeoDataFrame
        One row per hexagon holding at least one home (WGS-84), most residents not served
        first: ``h3`` (the cell as a hex string), ``resolution``, ``homes``,
        ``residents``, ``served``, ``not_served``, ``share`` (served over residents, 0
        for a hexagon of empty homes) and ``facilities`` (the category's facilities whose
        mapped point lies in the hexagon).
    """
    tier_m = analysis.taxonomy.get(category).distance_m  # TaxonomyError when unknown
    row = analysis.categories.index(category)
    limit = tier_m if within_m is None else float(within_m)
    res = summary_resolution(analysis, max_cells=max_cells) if resolution is None else resolution
    if len(analysis.homes) == 0:
        frame = pd.DataFrame({c: [] for c in SUMMARY_COLUMNS})
        return gpd.GeoDataFrame(frame, geometry=[], crs="EPSG:4326")
    pop = analysis.homes["population"].to_numpy(dtype=float)
    served = analysis.home_dist_m[row] <= limit
    frame = pd.DataFrame(
        {
            "cell": home_cells(analysis, res),
            "homes": 1,
            "residents": pop,
            "served": np.where(served, pop, 0.0),
        }
    )
    grouped = frame.groupby("cell", sort=True).sum()
    fac = analysis.facilities[analysis.facilities["category"] == category]
    fac_cells = pd.Series(
        [
            h3n.latlng_to_cell(float(lat), float(lon), res)
            for lon, lat in zip(fac["lon"], fac["lat"], strict=True)
        ],
        dtype=np.uint64,
    )
    counts = fac_cells.value_counts()
    cells = grouped.index.to_numpy(dtype=np.uint64)
    residents = grouped["residents"].to_numpy(dtype=float)
    served_pop = grouped["served"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(residents > 0, served_pop / residents, 0.0)
    out = pd.DataFrame(
        {
            "h3": [h3.int_to_str(int(c)) for c in cells],
            "resolution": res,
            "homes": grouped["homes"].to_numpy(dtype=np.int64),
            "residents": residents,
            "served": served_pop,
            "not_served": residents - served_pop,
            "share": share,
            "facilities": counts.reindex(cells, fill_value=0).to_numpy(dtype=np.int64),
        }
    )
    order = np.lexsort((-residents, -(residents - served_pop)))
    out = out.iloc[order].reset_index(drop=True)
    geometry = [_hex(int(h3.str_to_int(c))) for c in out["h3"]]
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
