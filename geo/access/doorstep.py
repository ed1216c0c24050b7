"""50-metre doorstep circles (50米视界场景圈) around compound entrances.

Shanghai's community practice moves everyday services from the neighbourhood committee
to the compound gate. A doorstep circle is a 50 m circle around an entrance, listing the
services inside it. Entrances are OSM nodes tagged ``entrance=*``, plus gates
(``barrier=gate|lift_gate|...``) within ``gate_near_m`` of a ``landuse=residential``
area's edge or inside it: the points where streets meet compounds. Scenario service
nodes get circles too.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

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
        pts = entrances.to_crs(crs)
        zone_union = zones.to_crs(crs).geometry.union_all()
        near = pts.geometry.distance(zone_union) <= gate_near_m
    keep = is_entrance | near.to_numpy()
    out = entrances[keep].copy()
    out["lon"] = out.geometry.x
    out["lat"] = out.geometry.y
    return out.reset_index(drop=True)


def doorstep_circles(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    crs: str,
    radius_m: float = DOORSTEP_RADIUS_M,
    id_column: str = "osm_id",
) -> gpd.GeoDataFrame:
    """A circle of ``radius_m`` around each point, with the facilities inside it.

    Columns: ``circle_id``, ``kind``, ``n_services``, ``categories`` (ids, ``;``-joined),
    ``services`` (``category:name`` items, ``;``-joined), geometry (WGS-84 polygon).
    """
    cols = ["circle_id", "kind", "name", "n_services", "categories", "services"]
    if points.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
    centres = points.to_crs(crs)
    circles = centres.geometry.buffer(radius_m, quad_segs=16)
    rows = []
    fac = facilities.to_crs(crs) if not facilities.empty else facilities
    for (_, point), circle in zip(points.iterrows(), circles, strict=True):
        inside = fac[fac.geometry.within(circle)] if not fac.empty else fac
        cats = sorted(set(inside["category"])) if not inside.empty else []
        services = [
            f"{c}:{n}" if n else c
            for c, n in zip(inside.get("category", []), inside.get("name", []), strict=True)
        ]
        rows.append(
            {
                "circle_id": str(point.get(id_column, "")),
                "kind": str(point.get("kind", "")),
                "name": str(point.get("name", "") or ""),
                "n_services": len(inside),
                "categories": ";".join(cats),
                "services": ";".join(services),
            }
        )
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=cols),
        geometry=gpd.GeoSeries(circles, crs=crs).to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
