"""Catchments: which facility of a category is nearest to each network node, as areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import MultiPolygon, Polygon

from geo.access.engine import DistanceEngine
from geo.access.reach import (
    DEFAULT_BUFFER_M,
    FloatArray,
    GeomArray,
    as_polygonal,
    check_positive,
)
from geo.access.service_areas import area_frame, as_text, reach_polygon
from geo.access.snapping import snap_facilities
from geo.district.network import WalkNetwork


# --- catchments -----------------------------------------------------------------------------
def _project_area(network: WalkNetwork, area: Polygon | MultiPolygon) -> Any:
    """A WGS-84 polygon in the network's CRS (edges densified so they may bend)."""
    project: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]] = network.project
    dense = shapely.segmentize(area, max_segment_length=0.001)  # ~100 m
    return shapely.make_valid(shapely.transform(dense, project, interleaved=False))


def _voronoi_cells(points_xy: FloatArray, extent: Polygon) -> GeomArray:
    """One Voronoi cell per (distinct) point, in input order, covering ``extent``."""
    if len(points_xy) == 1:
        return np.asarray([extent], dtype=object)
    cells = shapely.voronoi_polygons(shapely.multipoints(points_xy), extend_to=extent, ordered=True)
    return np.asarray(shapely.get_parts(cells), dtype=object)


CATCHMENT_COLUMNS = ["facility_id", "category", "name", "nodes", "area_m2"]


def catchments(
    network: WalkNetwork,
    engine: DistanceEngine,
    snapped: pd.DataFrame,
    *,
    limit_m: float,
    boundary: Polygon | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
    to_metric: bool = False,
    access: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Non-overlapping catchments of one category's facilities, one row per facility.

    Every node within ``limit_m`` goes to its network-nearest facility
    (:meth:`DistanceEngine.nearest_source`). A catchment polygon is the union of the
    Voronoi cells of its nodes, clipped to the category's reach at ``limit_m`` (see
    :func:`reach_polygon`) and to ``boundary`` (WGS-84, e.g. ``District.boundary``).
    Between two nodes of different facilities the split follows the straight-line
    bisector, not the point of equal walking distance on the street.

    Parameters
    ----------
    snapped
        Facilities of one category, as :func:`geo.access.snapping.snap_facilities` returns
        them (rows with ``lon``/``lat`` but no ``node_pos`` are joined here).
    access
        Their access rows (every way in); without them each facility has one way in,
        ``node_pos`` at ``snap_m``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``facility_id``, ``category``, ``name``, ``nodes`` (how many nodes it serves),
        ``area_m2`` and the polygon, in the order of ``snapped``. A facility that is
        nowhere the nearest (for example one sharing a node with a closer one) keeps a
        row with 0 nodes and an empty polygon.
    """
    limit_m = check_positive("limit_m", limit_m, allow_zero=False)
    buffer_m = check_positive("buffer_m", buffer_m, allow_zero=False)
    if len(snapped) and "node_pos" not in snapped.columns:
        snapped, access = snap_facilities(network, gpd.GeoDataFrame(snapped))
    cats = sorted({str(c) for c in snapped["category"]}) if "category" in snapped else []
    if len(cats) > 1:
        raise ValueError(f"catchments are per category; got several: {', '.join(cats)}")
    k = len(snapped)
    ids = [str(f) for f in snapped["facility_id"]] if "facility_id" in snapped else [""] * k
    names = [as_text(n) for n in snapped["name"]] if "name" in snapped else [""] * k
    data: dict[str, Any] = {
        "facility_id": ids,
        "category": [cats[0] if cats else ""] * k,
        "name": names,
    }
    if k == 0:
        data["nodes"] = np.zeros(0, dtype=np.int64)
        data["area_m2"] = np.zeros(0, dtype=np.float64)
        return area_frame(network, data, [], to_metric=to_metric)

    if access is not None and len(access):
        row_owner = pd.Index(ids).get_indexer(access["facility_id"].astype(str))
        if (row_owner < 0).any():
            raise ValueError("access rows name facilities that are not in the table")
        pos = access["node_pos"].to_numpy(dtype=np.int64)
        offsets = access["cost_m"].to_numpy(dtype=np.float64)
    else:
        row_owner = np.arange(k)
        pos = snapped["node_pos"].to_numpy(dtype=np.int64)
        offsets = snapped["snap_m"].to_numpy(dtype=np.float64)
    dist, row_label = engine.nearest_source(pos, offsets, limit_m=limit_m)
    label = np.where(row_label >= 0, row_owner[np.maximum(row_label, 0)], -1)
    reached = (label >= 0) & (dist <= limit_m)
    reach = reach_polygon(network, dist, within_m=limit_m, buffer_m=buffer_m)
    counted = reached.copy()
    if boundary is not None:
        lon, lat = network.nodes["lon"].to_numpy(), network.nodes["lat"].to_numpy()
        counted &= shapely.intersects_xy(boundary, lon, lat)
    counts = np.bincount(label[counted], minlength=k).astype(np.int64)

    geoms = np.asarray([Polygon()] * k, dtype=object)
    if not reach.is_empty:
        minx, miny, maxx, maxy = reach.bounds
        extent = shapely.box(minx - 1.0, miny - 1.0, maxx + 1.0, maxy + 1.0)
        if boundary is not None:
            reach = as_polygonal(shapely.intersection(reach, _project_area(network, boundary)))
        nodes = np.flatnonzero(reached)
        # Nodes at the same spot (to the millimetre) share one cell: the node nearest
        # to its facility keeps it.
        nodes = nodes[np.argsort(dist[nodes], kind="stable")]
        spots = np.round(network.xy[nodes], 3)
        _, first = np.unique(spots, axis=0, return_index=True)
        keep = np.sort(first)
        nodes = nodes[keep]
        cells = _voronoi_cells(spots[keep], extent)
        owner = label[nodes]
        order = np.argsort(owner, kind="stable")
        owners, starts = np.unique(owner[order], return_index=True)
        groups = np.split(order, starts[1:])
        # One dissolve per facility (not per edge): the cells of a Voronoi diagram form
        # a coverage, so the cheap coverage union applies.
        dissolved = [shapely.coverage_union_all(cells[g]) for g in groups]
        # Clipping the reach to each catchment's box first keeps every overlay small.
        near = [shapely.clip_by_rect(reach, *cell.bounds) for cell in dissolved]
        clipped = shapely.intersection(
            np.asarray(dissolved, dtype=object), np.asarray(near, dtype=object)
        )
        geoms[owners] = [as_polygonal(g) for g in clipped]
    data["nodes"] = counts
    data["area_m2"] = np.array([float(g.area) for g in geoms], dtype=np.float64)
    return area_frame(network, data, list(geoms), to_metric=to_metric)
