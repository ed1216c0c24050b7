"""Features of a district from OSM: facilities, building footprints, land use, entrances.

Each extractor takes the tagged features of a source (as osmnx returns them) and the
study area, and returns a WGS-84 GeoDataFrame with plain columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import Polygon

from geo.standards.taxonomy import Taxonomy

FACILITY_COLUMNS = ["facility_id", "category", "name", "lon", "lat", "source", "osm_id"]


def extract_facilities(
    features: gpd.GeoDataFrame, *, taxonomy: Taxonomy, boundary: Polygon, crs: str
) -> gpd.GeoDataFrame:
    """Facilities from OSM features: one row per (feature, matching category)."""
    rows: list[dict[str, Any]] = []
    if not features.empty:
        inside = features[features.intersects(boundary)]
        tag_cols = [c for c in inside.columns if c != "geometry"]
        projected = inside.geometry.to_crs(crs)
        reps = gpd.GeoSeries(projected.representative_point(), crs=crs).to_crs("EPSG:4326")
        records = inside[tag_cols].to_dict("records")
        # A rule may test a facility's size (parks by area, after the 城市体检 rule).
        polygonal = inside.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        areas_m2 = projected.area.to_numpy()
        building_only: list[bool] = []
        for (element, osm_id), tags_raw, point, is_area, area_m2 in zip(
            inside.index, records, reps, polygonal, areas_m2, strict=True
        ):
            tags = {k: str(v) for k, v in tags_raw.items() if isinstance(v, str)}
            if is_area:
                tags["area_m2"] = f"{area_m2:.1f}"
            cats = taxonomy.classify(tags)
            only_building = "building" in tags and not (USE_KEYS & tags.keys())
            for cat in cats:
                building_only.append(only_building)
                suffix = f":{cat}" if len(cats) > 1 else ""
                rows.append(
                    {
                        "facility_id": f"{element[0]}{osm_id}{suffix}",
                        "category": cat,
                        "name": tags.get("name")
                        or tags.get("name:zh")
                        or tags.get("name:en")
                        or "",
                        "lon": float(point.x),
                        "lat": float(point.y),
                        "source": "osm",
                        "osm_id": f"{element}/{osm_id}",
                    }
                )
        rows = _without_parts_of_mapped_sites(rows, building_only, inside, crs)
    df = pd.DataFrame(rows, columns=FACILITY_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


# Keys that say what a place is used for; a building with none of them is only a building.
USE_KEYS = frozenset({"amenity", "leisure", "healthcare", "shop", "office", "social_facility"})
SAME_SITE_M = 200.0


def _without_parts_of_mapped_sites(
    rows: list[dict[str, Any]], building_only: list[bool], features: gpd.GeoDataFrame, crs: str
) -> list[dict[str, Any]]:
    """Drop a facility known only from its building (``building=school`` and a name) when
    it is part of a site mapped with its use: it lies inside a same-category site's area,
    or its name contains the name of a same-category facility within 200 m (白家庄小学教学楼
    is a building of 白家庄小学). One school is one facility, not two."""
    if not any(building_only):
        return rows
    keep = np.ones(len(rows), dtype=bool)
    lon = np.array([r["lon"] for r in rows])
    lat = np.array([r["lat"] for r in rows])
    xy = np.column_stack(
        gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        .to_crs(crs)
        .get_coordinates()
        .to_numpy()
        .T
    )
    shapes = features.geometry.to_crs(crs)
    lookup = {f"{element}/{osm_id}": g for (element, osm_id), g in shapes.items()}
    for i, row in enumerate(rows):
        if not building_only[i]:
            continue
        for j, site in enumerate(rows):
            if building_only[j] or site["category"] != row["category"]:
                continue
            area = lookup.get(site["osm_id"])
            inside = (
                area is not None
                and area.geom_type in ("Polygon", "MultiPolygon")
                and area.contains(shapely.Point(xy[i]))
            )
            named = bool(site["name"]) and site["name"] in row["name"]
            if inside or (named and float(np.hypot(*(xy[i] - xy[j]))) <= SAME_SITE_M):
                keep[i] = False
                break
    return [r for r, k in zip(rows, keep, strict=True) if k]


FACILITY_AREA_COLUMNS = ["facility_id", "osm_id"]


def extract_facility_areas(
    features: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The polygon of every OSM facility mapped as an area (a park, a school's grounds):
    the access rule reaches it at its entrances or along its outline, not at one point."""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    if not features.empty and len(facilities):
        polygonal = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        shapes = features.geometry[polygonal]
        lookup = {f"{element}/{osm_id}": g for (element, osm_id), g in shapes.items()}
        for fid, osm in zip(facilities["facility_id"], facilities["osm_id"], strict=True):
            geom = lookup.get(str(osm))
            if geom is not None:
                rows.append({"facility_id": str(fid), "osm_id": str(osm)})
                geoms.append(geom)
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=FACILITY_AREA_COLUMNS), geometry=geoms, crs="EPSG:4326"
    )


def _number(value: Any) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = str(value).strip().lower().replace("m", "").replace(",", ".").split(";")[0]
    try:
        return float(text)
    except ValueError:
        return math.nan


def _col(gdf: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name in gdf.columns:
        col: pd.Series = gdf[name]
        return col
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _osm_ids(gdf: gpd.GeoDataFrame) -> list[str]:
    return [f"{element}/{osm_id}" for element, osm_id in gdf.index]


def _polygons(features: gpd.GeoDataFrame, boundary: Polygon) -> gpd.GeoDataFrame:
    if features.empty:
        return features
    mask = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    sub = features[mask]
    return sub[sub.intersects(boundary)]


def extract_buildings(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Building footprints with the tags the population proxy uses."""
    polys = _polygons(features, boundary)
    polys = polys[polys["building"].notna()] if "building" in polys.columns else polys.iloc[0:0]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(polys),
            "building": _col(polys, "building").astype(str).to_numpy(),
            "levels": [_number(v) for v in _col(polys, "building:levels")],
            "height_m": [_number(v) for v in _col(polys, "height")],
            "name": _col(polys, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=polys.geometry.to_numpy(),
        crs="EPSG:4326",
    )


_GREEN = {
    "leisure": {"park", "garden", "common", "nature_reserve", "playground", "pitch"},
    "landuse": {"grass", "forest", "recreation_ground", "village_green", "meadow", "park"},
    "natural": {"wood", "scrub", "grassland"},
}
_WATER = {
    "natural": {"water", "wetland"},
    "waterway": {"riverbank", "dock", "canal", "river"},
    "landuse": {"reservoir", "basin"},
}


ADMIN_LEVELS = frozenset({"8", "9", "10"})
"""Chinese OSM: 8 is the 街道/乡镇, 9 and 10 the 社区/居委 or 村."""


def _area_kind(tags: Mapping[str, Any]) -> str | None:
    if tags.get("landuse") == "residential":
        return "residential"
    if tags.get("boundary") == "administrative" and tags.get("admin_level") in ADMIN_LEVELS:
        return f"admin{tags['admin_level']}"
    if isinstance(tags.get("water"), str):
        return "water"
    for kind, table in (("water", _WATER), ("green", _GREEN)):
        if any(tags.get(k) in values for k, values in table.items()):
            return kind
    return None


def extract_areas(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Land-use polygons: ``kind`` is residential, water or green; administrative areas
    (``boundary=administrative``, admin_level 8-10) are ``admin8``, ``admin9``, ``admin10``."""
    polys = _polygons(features, boundary)
    names = ("landuse", "natural", "waterway", "water", "leisure", "boundary", "admin_level")
    keys = [c for c in names if c in polys.columns]
    kinds = [_area_kind(r) for r in polys[keys].to_dict("records")] if keys else []
    keep = np.array([k is not None for k in kinds], dtype=bool)
    sub = polys[keep] if len(keep) else polys.iloc[0:0]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(sub),
            "kind": [k for k in kinds if k is not None],
            "name": _col(sub, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs="EPSG:4326",
    )


_GATE_BARRIERS = {"gate", "lift_gate", "entrance", "turnstile", "swing_gate", "sliding_gate"}


def extract_entrances(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Points tagged ``entrance=*`` or a gate-like ``barrier``, inside the study area."""
    if features.empty:
        pts = features
    else:
        pts = features[features.geometry.geom_type == "Point"]
        pts = pts[pts.within(boundary)]
    entrance = _col(pts, "entrance")
    barrier = _col(pts, "barrier")
    is_gate = barrier.isin(list(_GATE_BARRIERS))
    mask = entrance.notna() | is_gate
    sub = pts[mask.to_numpy()] if len(pts) else pts
    kinds = [
        (f"entrance={e}" if isinstance(e, str) else f"barrier={b}")
        for e, b in zip(_col(sub, "entrance"), _col(sub, "barrier"), strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "osm_id": _osm_ids(sub),
            "kind": kinds,
            "name": _col(sub, "name").fillna("").astype(str).to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs="EPSG:4326",
    )
