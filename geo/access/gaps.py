"""Service gaps: unserved homes, and unmet population on an H3 hexagon grid.

H3 resolution 9 (hexagons of about 0.1 km², 200 m edges) matches the scale of a
neighbourhood block; resolution 10 (about 0.015 km²) suits the doorstep scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.access.cell_index import cell_hexagons

BoolArray = npt.NDArray[np.bool_]
DEFAULT_H3_RESOLUTION = 9


def unserved_homes(
    homes: gpd.GeoDataFrame, served: BoolArray, categories: Sequence[str], category_id: str
) -> gpd.GeoDataFrame:
    """The homes a category does not serve within its tier."""
    row = list(categories).index(category_id)
    return homes[~served[row]].copy()


def gap_hexagons(
    homes: gpd.GeoDataFrame,
    served: BoolArray,
    *,
    categories: Sequence[str],
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> gpd.GeoDataFrame:
    """Unmet population per hexagon and category, ranked worst first.

    Columns: ``h3``, ``residents``, one ``unmet_<category>`` column per category (residents
    of the cell not served by it), ``unmet_total`` (the sum: person-gaps),
    ``categories_missing`` (categories that leave at least half of the cell's residents
    unserved), ``worst_category`` and ``rank`` (1 = act here first).
    """
    cats = list(categories)
    if len(homes) == 0:
        cols = [
            "h3",
            "residents",
            *[f"unmet_{c}" for c in cats],
            "unmet_total",
            "categories_missing",
            "worst_category",
            "rank",
        ]
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
    cells = [
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lon, lat in zip(homes["lon"], homes["lat"], strict=True)
    ]
    pop = homes["population"].to_numpy(dtype=float)
    frame = pd.DataFrame({"h3": cells, "residents": pop})
    for i, cid in enumerate(cats):
        frame[f"unmet_{cid}"] = np.where(served[i], 0.0, pop)
    grouped = frame.groupby("h3", sort=True).sum()
    unmet = grouped[[f"unmet_{c}" for c in cats]].to_numpy()
    grouped["unmet_total"] = unmet.sum(axis=1)
    residents = grouped["residents"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(residents[:, None] > 0, unmet / residents[:, None], 0.0)
    grouped["categories_missing"] = (share >= 0.5).sum(axis=1)
    worst = np.argmax(unmet, axis=1) if cats else np.zeros(len(grouped), dtype=int)
    grouped["worst_category"] = [
        cats[w] if cats and unmet[i, w] > 0 else "" for i, w in enumerate(worst)
    ]
    grouped = grouped.sort_values(["unmet_total", "residents"], ascending=[False, False])
    grouped["rank"] = np.arange(1, len(grouped) + 1)
    grouped = grouped.reset_index()
    # All hexagons in one array call (a city has thousands of cells).
    ints = np.fromiter(
        (h3.str_to_int(c) for c in grouped["h3"]), dtype=np.uint64, count=len(grouped)
    )
    return gpd.GeoDataFrame(grouped, geometry=cell_hexagons(ints), crs="EPSG:4326")


def worst_cells(hexagons: gpd.GeoDataFrame, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` hexagons with the most unmet population, without geometry."""
    return pd.DataFrame(hexagons.drop(columns="geometry")).head(top)
