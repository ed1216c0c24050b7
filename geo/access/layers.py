"""The map layers of an analysis: service areas, catchments and doorstep circles.

Each builder works on arrays and scales with the district: up to
:attr:`~geo.access.cells.LayerSettings.exact_max_nodes` nodes the service areas are the
exact 25 m street band and the catchments Voronoi cells clipped to it; above, both are
H3 cells (:mod:`geo.access.cells`). Every layer is WGS-84.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.access.analysis import Analysis
from geo.access.catchments import CATCHMENT_COLUMNS, catchments
from geo.access.cells import (
    DEFAULT_LAYERS,
    EMPTY_POLYGON,
    LayerSettings,
    catchment_cells,
    served_cells,
)
from geo.access.doorstep import DOORSTEP_RADIUS_M, compound_entrances, doorstep_circles
from geo.access.service_areas import served_area
from geo.district.network import WalkNetwork

SERVICE_AREA_COLUMNS = ["category", "name_zh", "name_en", "within_m"]


def served_area_wgs84(
    network: WalkNetwork,
    dist_m: np.ndarray,
    *,
    within_m: float,
    settings: LayerSettings = DEFAULT_LAYERS,
) -> BaseGeometry:
    """The area within ``within_m`` of a category, exact or on cells (WGS-84)."""
    if settings.use_cells(network):
        return served_cells(network, dist_m, within_m=within_m, resolution=settings.cell_resolution)
    metric = served_area(network, dist_m, within_m=within_m)
    return gpd.GeoSeries([metric], crs=network.crs).to_crs("EPSG:4326").iloc[0]


def service_area_layer(
    analysis: Analysis,
    *,
    categories: Sequence[str] | None = None,
    settings: LayerSettings = DEFAULT_LAYERS,
) -> gpd.GeoDataFrame:
    """One row per category: the area within its own tier distance."""
    net = analysis.district.network
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    for cid in categories or analysis.categories:
        cat = analysis.taxonomy.get(cid)
        geom = served_area_wgs84(
            net, analysis.access.of(cid), within_m=cat.distance_m, settings=settings
        )
        if geom.is_empty:
            continue
        rows.append(
            {
                "category": cid,
                "name_zh": cat.name_zh,
                "name_en": cat.name_en,
                "within_m": cat.distance_m,
            }
        )
        geoms.append(geom)
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=SERVICE_AREA_COLUMNS), geometry=geoms, crs="EPSG:4326"
    )


def catchment_layer(
    analysis: Analysis, *, settings: LayerSettings = DEFAULT_LAYERS
) -> gpd.GeoDataFrame:
    """Every facility's catchment: the nodes (and area) it is the nearest facility of."""
    net = analysis.district.network
    boundary = analysis.district.boundary
    frames = []
    inside: np.ndarray | None = None
    if settings.use_cells(net):
        # Which nodes the district holds: the same for every category, so once.
        lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
        inside = shapely.intersects_xy(boundary, lon, lat)
    facilities = _by_category(analysis.facilities)
    access = _by_category(analysis.facility_access)
    for cid in analysis.categories:
        sub = facilities.get(cid)
        if sub is None:
            continue
        rows = access.get(cid, analysis.facility_access.iloc[:0])
        if inside is not None:
            frames.append(_cell_catchments(analysis, sub, rows, boundary, inside, settings))
        else:
            frames.append(
                catchments(
                    net,
                    analysis.engine,
                    sub,
                    limit_m=analysis.limit_m,
                    boundary=boundary,
                    access=rows,
                )
            )
    if not frames:
        return gpd.GeoDataFrame(
            pd.DataFrame(columns=CATCHMENT_COLUMNS), geometry=[], crs="EPSG:4326"
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


def _by_category(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each category, in table order (one grouping instead of a mask each)."""
    if len(table) == 0:
        return {}
    groups = table.groupby(table["category"].astype(str), sort=False).indices
    return {str(cid): table.iloc[rows] for cid, rows in groups.items()}


def _cell_catchments(
    analysis: Analysis,
    facilities: pd.DataFrame,
    rows: pd.DataFrame,
    boundary: BaseGeometry,
    inside: np.ndarray,
    settings: LayerSettings,
) -> gpd.GeoDataFrame:
    net = analysis.district.network
    ids = facilities["facility_id"].astype(str).to_numpy()
    owner = pd.Index(ids).get_indexer(rows["facility_id"].astype(str))
    pos = rows["node_pos"].to_numpy(dtype=np.int64)
    cost = rows["cost_m"].to_numpy(dtype=np.float64)
    # The analysis already holds these sources' distances: which source each node's
    # distance comes from is read from them, without a second search.
    cid = str(facilities["category"].iloc[0])
    dist = analysis.access.of(cid)
    found = analysis.engine.source_labels(dist, pos, cost)
    if found is None:
        dist, found = analysis.engine.nearest_source(pos, cost, limit_m=analysis.limit_m)
    row_label = found
    label = np.where((row_label >= 0) & inside, owner[np.maximum(row_label, 0)], -1)
    geoms, counts = catchment_cells(
        net,
        dist,
        label,
        limit_m=analysis.limit_m,
        n_facilities=len(ids),
        resolution=settings.cell_resolution,
    )
    clipped = np.asarray(geoms, dtype=object)
    # Only the catchments that cross the boundary need an overlay with it.
    shapely.prepare(boundary)
    has = counts > 0
    cross = has.copy()
    cross[has] = ~shapely.contains_properly(boundary, clipped[has])
    clipped[cross] = shapely.intersection(clipped[cross], boundary)
    area = np.zeros(len(ids), dtype=np.float64)
    area[has] = gpd.GeoSeries(clipped[has], crs="EPSG:4326").to_crs(net.crs).area.to_numpy()
    data = pd.DataFrame(
        {
            "facility_id": ids,
            "category": facilities["category"].astype(str).to_numpy(),
            "name": facilities["name"].fillna("").astype(str).to_numpy(),
            "nodes": counts,
            "area_m2": area,
        }
    )
    clipped[~has] = EMPTY_POLYGON
    return gpd.GeoDataFrame(data, geometry=clipped, crs="EPSG:4326")


def doorstep_layer(analysis: Analysis, *, radius_m: float = DOORSTEP_RADIUS_M) -> gpd.GeoDataFrame:
    """50 m circles around compound entrances with the services inside (vectorised)."""
    d = analysis.district
    entrances = compound_entrances(d.entrances, d.areas, crs=d.network.crs)
    return doorstep_circles(entrances, d.facilities, crs=d.network.crs, radius_m=radius_m)
