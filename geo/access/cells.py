"""Service areas and catchments on H3 cells, for districts too large for street bands.

The exact service area (:mod:`geo.access.service_areas`) dissolves a 25 m band around
every reached street; on a whole 区 that costs minutes per category. Here a service area
is the set of H3 cells (resolution 10 by default: hexagons of about 0.015 km², 66 m
edges) that hold a network node within the distance, dissolved by H3's own cell-set
outline; a catchment is the cells whose nearest reached node belongs to the facility.
Each node's cell is computed once per network. Above
:attr:`LayerSettings.exact_max_nodes` nodes the export and the dashboard use these cells;
below it they keep the exact bands (the README says which a file holds).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from h3.api import numpy_int as h3n
from shapely import MultiPolygon, Polygon

from geo.access.cell_index import cell_index, linear_rings
from geo.district.network import WalkNetwork

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CellArray = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class LayerSettings:
    """How map layers are drawn: exact street bands up to ``exact_max_nodes`` nodes, H3
    cells of ``cell_resolution`` above."""

    exact_max_nodes: int = 50_000
    cell_resolution: int = 10

    def use_cells(self, network: WalkNetwork) -> bool:
        return network.n_nodes > self.exact_max_nodes

    def describe(self, network: WalkNetwork) -> str:
        """What a layer file holds: ``band`` or ``h3:<resolution>``."""
        return f"h3:{self.cell_resolution}" if self.use_cells(network) else "band"


DEFAULT_LAYERS = LayerSettings()
# Immutable, so one empty polygon serves every facility without a cell (building one
# parses WKT: 5 µs each, a second for a city's bus stops).
EMPTY_POLYGON = Polygon()

_CELLS: weakref.WeakKeyDictionary[WalkNetwork, dict[int, CellArray]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def node_cells(network: WalkNetwork, resolution: int) -> CellArray:
    """The H3 cell of every network node (computed once per network and resolution)."""
    with _LOCK:
        cached = _CELLS.get(network, {}).get(resolution)
    if cached is not None:
        return cached
    lat = network.nodes["lat"].to_numpy(dtype=float).tolist()
    lon = network.nodes["lon"].to_numpy(dtype=float).tolist()
    cells = np.fromiter(
        (h3n.latlng_to_cell(a, b, resolution) for a, b in zip(lat, lon, strict=True)),
        dtype=np.uint64,
        count=len(lat),
    )
    with _LOCK:
        _CELLS.setdefault(network, {})[resolution] = cells
    return cells


def cells_polygon(cells: npt.ArrayLike) -> Polygon | MultiPolygon:
    """The outline of a set of H3 cells (WGS-84), or an empty polygon."""
    unique = np.unique(np.asarray(cells, dtype=np.uint64))
    if len(unique) == 0:
        return Polygon()
    return _shape_polygon(h3n.cells_to_h3shape(unique))


def _shape_polygon(shape: object) -> Polygon | MultiPolygon:
    """An H3 shape as shapely (H3 gives (lat, lng) rings; shapely wants (x, y))."""
    if isinstance(shape, h3.LatLngPoly):
        return _polygons([shape])[0]  # type: ignore[no-any-return]
    if isinstance(shape, h3.LatLngMultiPoly):
        return MultiPolygon(list(_polygons(shape.polys)))
    return Polygon()


def _polygons(polys: Sequence[h3.LatLngPoly]) -> npt.NDArray[np.object_]:
    """H3 polygons as shapely polygons, every ring built in one array call (a served area
    has thousands of holes)."""
    rings = [ring for poly in polys for ring in (poly.outer, *poly.holes)]
    built = linear_rings(rings)
    # The first ring of each polygon is its shell, the rest its holes.
    n_rings = np.fromiter((1 + len(p.holes) for p in polys), dtype=np.int64, count=len(polys))
    out: npt.NDArray[np.object_] = shapely.polygons(
        built, indices=np.repeat(np.arange(len(polys)), n_rings)
    )
    return out


def served_cells(
    network: WalkNetwork, dist_m: FloatArray, *, within_m: float, resolution: int
) -> Polygon | MultiPolygon:
    """The cells holding a node within ``within_m`` (WGS-84)."""
    reached = np.isfinite(dist_m) & (dist_m <= within_m)
    index = cell_index(network, node_cells(network, resolution), resolution)
    held = np.zeros(len(index.cells), dtype=bool)
    held[index.node_cell[reached]] = True  # no sort of the nodes: a mark per cell
    return cells_polygon(index.cells[held])


def catchment_cells(
    network: WalkNetwork,
    dist_m: FloatArray,
    label: IntArray,
    *,
    limit_m: float,
    n_facilities: int,
    resolution: int,
) -> tuple[list[Polygon | MultiPolygon], IntArray]:
    """Per facility, the cells whose nearest reached node is its own, and the reached
    nodes in those cells.

    ``label`` (per node, the facility index or -1) and ``dist_m`` come from
    :meth:`geo.access.engine.DistanceEngine.nearest_source`. A facility whose nodes all lie
    in cells another facility is nearer to keeps no cell and counts no node.
    """
    reached = (label >= 0) & np.isfinite(dist_m) & (dist_m <= limit_m)
    geoms: list[Polygon | MultiPolygon] = [EMPTY_POLYGON] * n_facilities
    if not reached.any():
        return geoms, np.zeros(n_facilities, dtype=np.int64)
    index = cell_index(network, node_cells(network, resolution), resolution)
    # Each cell goes to the facility of its nearest reached node, with all its nodes.
    cell_owner = index.nearest_owner(dist_m, np.where(reached, label, -1))
    node_owner = cell_owner[index.node_cell[reached]]
    counts = np.bincount(node_owner, minlength=n_facilities).astype(np.int64)
    # One outline per facility, dissolved from its hexagons: neighbouring H3 cells share
    # their vertices bit for bit, so the cheap coverage union applies, to all facilities
    # of a size class at once (rows padded with None, which the union skips).
    owned = np.flatnonzero(cell_owner >= 0)
    order = owned[np.argsort(cell_owner[owned], kind="stable")]
    owners, starts, sizes = np.unique(cell_owner[order], return_index=True, return_counts=True)
    hexagons = index.hexagons()[order]
    size_class = np.ceil(np.log2(sizes)).astype(np.int64)
    for klass in np.unique(size_class).tolist():
        rows = np.flatnonzero(size_class == klass)
        width = int(sizes[rows].max())
        if width == 1:
            dissolved = hexagons[starts[rows]]
        else:
            table = np.full((len(rows), width), None, dtype=object)
            col = np.arange(width)
            filled = col[None, :] < sizes[rows, None]
            table[filled] = hexagons[(starts[rows, None] + col[None, :])[filled]]
            dissolved = shapely.coverage_union_all(table, axis=1)
        for owner, geom in zip(owners[rows].tolist(), dissolved.tolist(), strict=True):
            geoms[owner] = geom
    return geoms, counts


def cells_frame(
    rows: Sequence[dict[str, object]], geoms: Sequence[Polygon | MultiPolygon]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(list(rows)), geometry=list(geoms), crs="EPSG:4326")
