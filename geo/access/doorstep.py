"""50-metre doorstep circles (50米视界场景圈) around compound entrances.

Shanghai's community practice moves everyday services from the neighbourhood committee
to the compound gate. A doorstep circle is a 50 m circle around an entrance, listing the
services inside it. Entrances are OSM nodes tagged ``entrance=*``, plus gates
(``barrier=gate|lift_gate|...``) within ``gate_near_m`` of a ``landuse=residential``
area's edge or inside it: the points where streets meet compounds. Scenario service
nodes get circles too.
"""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

DOORSTEP_RADIUS_M = 50.0


def compound_entrances(
    entrances: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, crs: str, gate_near_m: float = 20.0
) -> gpd.GeoDataFrame:
    """Compound entrances: every ``entrance=*`` node, and gates at residential areas."""
    if entrances.empty:
        return entrances.copy()
    is_entrance = entrances["kind"].str.startswith("entrance=").to_numpy()
    near = pd.Series(False, index=entrances.index)
    zones = areas[areas["kind"] == "residential"] if not areas.empty else areas
    if not zones.empty:
        pts = _metric_points(entrances, crs)
        # Near the union of the zones = near one of them: one tree query, no union (the
        # union of a whole district's compounds costs minutes).
        tree = shapely.STRtree(zones.to_crs(crs).geometry.to_numpy())
        hit, _ = tree.query(pts, predicate="dwithin", distance=gate_near_m)
        near = pd.Series(np.isin(np.arange(len(pts)), hit), index=entrances.index)
    keep = is_entrance | near.to_numpy()
    out = entrances[keep].copy()
    out["lon"] = out.geometry.x
    out["lat"] = out.geometry.y
    return out.reset_index(drop=True)


DOORSTEP_COLUMNS = ["circle_id", "kind", "name", "n_services", "categories", "services"]


def doorstep_circles(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    crs: str,
    radius_m: float = DOORSTEP_RADIUS_M,
    id_column: str = "osm_id",
) -> gpd.GeoDataFrame:
    """A circle of ``radius_m`` around each point, with the facilities inside it.

    Columns: ``circle_id``, ``kind``, ``name``, ``n_services``, ``categories`` (ids,
    ``;``-joined), ``services`` (``category:name`` items, ``;``-joined), geometry (WGS-84
    polygon). One spatial-index query finds the services of every circle.
    """
    if points.empty:
        return gpd.GeoDataFrame(
            pd.DataFrame(columns=DOORSTEP_COLUMNS), geometry=[], crs="EPSG:4326"
        )
    centres = _metric_points(points, crs)
    circles = shapely.buffer(centres, radius_m, quad_segs=16)
    n = len(circles)
    cats: list[list[str]] = [[] for _ in range(n)]
    services: list[list[str]] = [[] for _ in range(n)]
    if not facilities.empty:
        circle_idx, fac_idx = shapely.STRtree(_metric_points(facilities, crs)).query(
            circles, predicate="contains_properly"
        )
        order = np.lexsort((fac_idx, circle_idx))  # services in the facilities' order
        circle_idx, fac_idx = circle_idx[order], fac_idx[order]
        names = facilities["name"].fillna("").astype(str).to_numpy()
        categories = facilities["category"].astype(str).to_numpy()
        for c, f in zip(circle_idx, fac_idx, strict=True):
            cats[c].append(categories[f])
            services[c].append(f"{categories[f]}:{names[f]}" if names[f] else categories[f])
    data = pd.DataFrame(
        {
            "circle_id": points[id_column].astype(str).to_numpy()
            if id_column in points
            else [""] * n,
            "kind": points["kind"].astype(str).to_numpy() if "kind" in points else [""] * n,
            "name": points["name"].fillna("").astype(str).to_numpy()
            if "name" in points
            else [""] * n,
            "n_services": [len(s) for s in services],
            "categories": [";".join(sorted(set(c))) for c in cats],
            "services": [";".join(s) for s in services],
        },
        columns=DOORSTEP_COLUMNS,
    )
    return gpd.GeoDataFrame(data, geometry=_circles_wgs84(circles, crs), crs="EPSG:4326")


_LOCAL = threading.local()


def _transformer(source: pyproj.CRS | str, target: str) -> pyproj.Transformer:
    """A transformer per thread and pair of CRSs (PROJ objects are not shared by threads;
    building one can cost more than the transform of a district's entrances)."""
    cache: dict[tuple[str, str], pyproj.Transformer] = _LOCAL.__dict__.setdefault("cache", {})
    key = (source if isinstance(source, str) else source.to_wkt(), target)
    if key not in cache:
        cache[key] = pyproj.Transformer.from_crs(source, target, always_xy=True)
    return cache[key]


def _metric_points(frame: gpd.GeoDataFrame, crs: str) -> np.ndarray:
    """The geometries of ``frame`` in ``crs``: 2-D points are built anew from their projected
    coordinates (setting a point's coordinates in place costs microseconds each)."""
    geoms = frame.geometry.to_numpy()
    plain = (
        frame.crs is not None
        and bool((shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all())
        and not bool(shapely.is_empty(geoms).any() or shapely.has_z(geoms).any())
    )
    if not plain:
        out: np.ndarray = frame.to_crs(crs).geometry.to_numpy()
        return out
    x, y = _transformer(frame.crs, crs).transform(shapely.get_x(geoms), shapely.get_y(geoms))
    points: np.ndarray = shapely.points(x, y)
    return points


def _circles_wgs84(circles: np.ndarray, crs: str) -> np.ndarray:
    """The circles in WGS-84, rebuilt from their projected rings (a city has thousands of
    circles: rebuilding costs a fraction of setting each coordinate in place)."""
    if shapely.is_empty(circles).any():  # no ring to rebuild: project as usual
        out_crs: np.ndarray = gpd.GeoSeries(circles, crs=crs).to_crs("EPSG:4326").to_numpy()
        return out_crs
    xy, ring = shapely.get_coordinates(circles, return_index=True)
    lon, lat = _transformer(crs, "EPSG:4326").transform(xy[:, 0], xy[:, 1])
    rings = shapely.linearrings(np.column_stack([lon, lat]), indices=ring)
    out: np.ndarray = shapely.polygons(rings)
    return out
