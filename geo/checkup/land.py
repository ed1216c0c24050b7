"""Residential land as walking-access cells, for indicators measured on land, not people.

The 城市体检 park indicator divides residential land inside park service radii by all
residential land. Here a radius is walked, not drawn: residential land
(``landuse=residential``) is cut into square cells (20 m by default); each cell's centre
joins the network like a home (both ends of the nearest street) and the cell is served
by an item when that walk is within the item's distance. A cell's area is the part of it
that is residential land, so the cells add up to the land's area exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.access.analysis import Analysis
from geo.access.coverage import home_distances
from geo.access.snapping import join_points

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LandSettings:
    """How residential land is sampled."""

    cell_m: float = 20.0


@dataclass(frozen=True)
class LandCells:
    """Residential land cells: WGS-84 centres, land area per cell, distances per item."""

    lon: FloatArray
    lat: FloatArray
    area_m2: FloatArray
    dist_m: FloatArray  # (items × cells)
    cells: gpd.GeoSeries  # the cells clipped to residential land, in the network's CRS

    def __len__(self) -> int:
        return len(self.lon)


def residential_land(analysis: Analysis) -> shapely.Geometry:
    """All residential land of the study area, in the network's metric CRS."""
    district = analysis.district
    areas = district.areas
    if areas.empty:
        return shapely.Polygon()
    res = areas[areas["kind"] == "residential"]
    res = res[res.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if res.empty:
        return shapely.Polygon()
    metric = res.geometry.to_crs(district.network.crs)
    boundary = gpd.GeoSeries([district.boundary], crs=4326).to_crs(district.network.crs)[0]
    land = shapely.union_all(shapely.make_valid(metric.to_numpy()))
    return shapely.intersection(land, boundary)


def land_cells(analysis: Analysis, *, settings: LandSettings | None = None) -> LandCells:
    """Cut residential land into cells and walk from each to every item."""
    settings = settings or LandSettings()
    net = analysis.district.network
    land = residential_land(analysis)
    n_items = len(analysis.categories)
    if land.is_empty:
        empty = np.zeros(0)
        return LandCells(
            empty, empty, empty, np.zeros((n_items, 0)), gpd.GeoSeries([], crs=net.crs)
        )
    step = settings.cell_m
    x0, y0, x1, y1 = land.bounds
    xs = np.arange(np.floor(x0 / step) * step, x1, step)
    ys = np.arange(np.floor(y0 / step) * step, y1, step)
    gx, gy = np.meshgrid(xs, ys)
    squares = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + step, gy.ravel() + step)
    shapely.prepare(land)
    touching = shapely.intersects(land, squares)
    clipped = shapely.intersection(squares[touching], land)
    area = shapely.area(clipped)
    keep = area > 1e-6
    clipped, area = clipped[keep], area[keep]
    centres = shapely.point_on_surface(clipped)
    cx, cy = shapely.get_x(centres), shapely.get_y(centres)
    joined = join_points(net, cx, cy)
    frame = pd.DataFrame(
        {
            "u_pos": joined.u_pos,
            "v_pos": joined.v_pos,
            "u_cost_m": joined.u_cost_m,
            "v_cost_m": joined.v_cost_m,
        }
    )
    dist = home_distances(analysis.access, frame)
    lonlat = gpd.GeoSeries(centres, crs=net.crs).to_crs(4326)
    return LandCells(
        lon=lonlat.x.to_numpy(),
        lat=lonlat.y.to_numpy(),
        area_m2=np.asarray(area, dtype=float),
        dist_m=dist,
        cells=gpd.GeoSeries(clipped, crs=net.crs),
    )


__all__ = ["LandCells", "LandSettings", "land_cells", "residential_land"]
