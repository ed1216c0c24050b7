"""Test data for the engine benchmark: generated street grids and facility sets.

:func:`make_grid_network` builds a city of about ``n`` nodes: a jittered grid with 40–80 m
blocks and 10 % of its street segments removed (never one of a random spanning tree, so
it stays in one piece), edge lengths the straight-line metres between the ends.
:func:`make_facility_sets` adds 14 facility categories of 5–200 facilities each on random
nodes with random 0–60 m snap offsets. The same random generator state always gives the
same city. :func:`district_facility_sets` turns a real district's facilities into the
same :class:`FacilitySet` form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

# geopandas, SciPy and the core are imported where they are used: ``python -m bench
# --help`` stays fast.
if TYPE_CHECKING:
    import geopandas as gpd
    import numpy.typing as npt

    from geo.district.network import WalkNetwork

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

GENERATED_CATEGORIES = 14
FACILITIES_PER_CATEGORY = (5, 200)
SNAP_OFFSET_M = (0.0, 60.0)
BLOCK_M = (40.0, 80.0)
JITTER_M = 8.0
DROP_FRACTION = 0.10
GRID_CRS = "EPSG:32651"  # UTM 51N; the grid sits east of Shanghai's Pudong
GRID_ORIGIN_XY = (360_000.0, 3_440_000.0)
POINT_JITTER_M = 20.0


@dataclass(frozen=True)
class FacilitySet:
    """The facilities of one category as sources: node positions and snap offsets (m)."""

    name: str
    node_pos: IntArray
    offset_m: FloatArray

    @property
    def size(self) -> int:
        return len(self.node_pos)


def make_grid_network(
    n_nodes: int,
    *,
    rng: np.random.Generator,
    block_m: tuple[float, float] = BLOCK_M,
    jitter_m: float = JITTER_M,
    drop_fraction: float = DROP_FRACTION,
) -> WalkNetwork:
    """A jittered street grid of about ``n_nodes`` nodes as a :class:`WalkNetwork`.

    Column and row spacings are drawn from ``block_m``; every node moves by up to
    ``jitter_m`` in x and y. ``drop_fraction`` of the segments are removed, all of them
    outside a random spanning tree, so the network stays connected.
    """
    import geopandas as gpd
    import pandas as pd
    import pyproj
    import shapely
    from scipy import sparse
    from scipy.sparse import csgraph

    from geo.district.network import WalkNetwork, label_components

    side = max(2, round(math.sqrt(n_nodes)))
    n = side * side
    cols = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, side - 1))])
    rows = np.concatenate([[0.0], np.cumsum(rng.uniform(*block_m, side - 1))])
    gx, gy = np.meshgrid(cols, rows)
    x = GRID_ORIGIN_XY[0] + gx.ravel() + rng.uniform(-jitter_m, jitter_m, n)
    y = GRID_ORIGIN_XY[1] + gy.ravel() + rng.uniform(-jitter_m, jitter_m, n)
    grid = np.arange(n, dtype=np.int64).reshape(side, side)
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])

    weights = sparse.coo_matrix((rng.uniform(1.0, 2.0, len(u)), (u, v)), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(weights.tocsr()).tocoo()
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    spare = np.flatnonzero(~np.isin(u * n + v, tree_keys))
    n_drop = min(round(drop_fraction * len(u)), len(spare))
    keep = np.ones(len(u), dtype=bool)
    keep[rng.choice(spare, size=n_drop, replace=False)] = False
    u, v = u[keep], v[keep]
    length_m = np.hypot(x[u] - x[v], y[u] - y[v])

    to_wgs84 = pyproj.Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(x, y)
    node_ids = np.arange(n, dtype=np.int64)
    nodes = pd.DataFrame(
        {"lon": lon, "lat": lat, "x": x, "y": y}, index=pd.Index(node_ids, name="node_id")
    )
    nodes["component"] = label_components(n, u, v)
    lonlat = np.column_stack([lon, lat])
    edges = gpd.GeoDataFrame(
        {
            "u": node_ids[u],
            "v": node_ids[v],
            "length_m": length_m,
            "highway": "residential",
            "name": "",
        },
        geometry=shapely.linestrings(np.stack([lonlat[u], lonlat[v]], axis=1)),
        crs="EPSG:4326",
    )
    return WalkNetwork(crs=GRID_CRS, nodes=nodes, edges=edges)


def make_facility_sets(
    n_nodes: int, *, rng: np.random.Generator, n_categories: int = GENERATED_CATEGORIES
) -> list[FacilitySet]:
    """Random categories: 5–200 facilities each on distinct random nodes, 0–60 m offsets."""
    sets = []
    for i in range(n_categories):
        size = int(rng.integers(FACILITIES_PER_CATEGORY[0], FACILITIES_PER_CATEGORY[1] + 1))
        size = min(size, n_nodes)
        sets.append(
            FacilitySet(
                name=f"cat{i + 1:02d}",
                node_pos=rng.choice(n_nodes, size=size, replace=False).astype(np.int64),
                offset_m=rng.uniform(*SNAP_OFFSET_M, size),
            )
        )
    return sets


def scale_facility_sets(
    sets: Sequence[FacilitySet], factor: float, *, n_nodes: int, rng: np.random.Generator
) -> list[FacilitySet]:
    """The same categories for a city ``factor`` times as large: as many facilities per node.

    At least one facility each, on new random nodes with new random offsets.
    """
    out = []
    for s in sets:
        size = min(max(1, round(s.size * factor)), n_nodes)
        out.append(
            FacilitySet(
                name=s.name,
                node_pos=rng.choice(n_nodes, size=size, replace=False).astype(np.int64),
                offset_m=rng.uniform(*SNAP_OFFSET_M, size),
            )
        )
    return out


def district_facility_sets(network: WalkNetwork, facilities: gpd.GeoDataFrame) -> list[FacilitySet]:
    """The district's facilities per category: their ways in, as the analysis joins points."""
    from geo.access.snapping import snap_facilities

    _, rows = snap_facilities(network, facilities)
    if rows.empty:
        return []
    return [
        FacilitySet(
            name=str(name),
            node_pos=group["node_pos"].to_numpy(dtype=np.int64),
            offset_m=group["cost_m"].to_numpy(dtype=np.float64),
        )
        for name, group in rows.groupby("category", sort=True)
    ]


def random_points(
    network: WalkNetwork, count: int, *, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """WGS-84 points up to ``POINT_JITTER_M`` off random nodes (so they need snapping)."""
    pos = rng.integers(0, network.n_nodes, count)
    x = network.xy[pos, 0] + rng.uniform(-POINT_JITTER_M, POINT_JITTER_M, count)
    y = network.xy[pos, 1] + rng.uniform(-POINT_JITTER_M, POINT_JITTER_M, count)
    lon, lat = network.unproject(x, y)
    return [(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
