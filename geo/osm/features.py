"""Features of a district from OSM: facilities, building footprints, land use, entrances.

Each extractor takes the tagged features of a source (as osmnx returns them) and the
study area, and returns a WGS-84 GeoDataFrame with plain columns.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
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
        inside = features[_intersecting(features, boundary)]
        tag_cols = [c for c in inside.columns if c != "geometry"]
        # A rule may test a facility's size (parks by area, after the 城市体检 rule).
        polygonal = _is_polygonal(inside)
        areas_m2 = np.zeros(len(inside))
        if polygonal.any():
            areas_m2[polygonal] = inside.geometry[polygonal].to_crs(crs).area.to_numpy()
        matches: list[tuple[int, list[str], dict[str, str]]] = []
        for position, tags in enumerate(_tag_dicts(inside[tag_cols])):
            if polygonal[position]:
                tags["area_m2"] = f"{areas_m2[position]:.1f}"
            cats = taxonomy.classify(tags)
            if cats:
                matches.append((position, cats, tags))
        # Only matched features need a point: buildings without a use are most features.
        matched = inside.iloc[[m[0] for m in matches]]
        projected = matched.geometry.to_crs(crs)
        reps = gpd.GeoSeries(projected.representative_point(), crs=crs).to_crs("EPSG:4326")
        building_only: list[bool] = []
        for (element, osm_id), (_, cats, tags), point in zip(
            matched.index, matches, reps, strict=True
        ):
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


def _tag_dicts(tags: pd.DataFrame) -> list[dict[str, str]]:
    """Each row's string tags, read from the non-empty cells only (the frame is wide and
    mostly empty: one column per tag key of any feature)."""
    dicts: list[dict[str, str]] = [{} for _ in range(len(tags))]
    for column in tags.columns:
        values = tags[column].to_numpy()
        for position in np.flatnonzero(pd.notna(values)):
            value = values[position]
            if isinstance(value, str):
                dicts[position][str(column)] = value
    return dicts


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
    lon = np.array([r["lon"] for r in rows])
    lat = np.array([r["lat"] for r in rows])
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(crs).values
    parts = np.flatnonzero(building_only)
    sites = np.flatnonzero(~np.asarray(building_only, dtype=bool))
    # Indexed pairs rather than parts x rows: a whole district has tens of thousands.
    near = shapely.STRtree(np.asarray(points)[sites])
    part_at, site_at = near.query(
        np.asarray(points)[parts], predicate="dwithin", distance=SAME_SITE_M
    )
    pairs = {(int(parts[a]), int(sites[b])) for a, b in zip(part_at, site_at, strict=True)}
    site_geoms = _geometries_of(features, [rows[j]["osm_id"] for j in sites])
    areas = [
        (int(j), g)
        for j, g in zip(sites, site_geoms, strict=True)
        if g is not None and g.geom_type in ("Polygon", "MultiPolygon")
    ]
    inside: set[tuple[int, int]] = set()
    if areas:
        projected = gpd.GeoSeries([g for _, g in areas], crs="EPSG:4326").to_crs(crs)
        within = shapely.STRtree(projected.values)
        part_at, area_at = within.query(np.asarray(points)[parts], predicate="within")
        inside = {(int(parts[a]), areas[b][0]) for a, b in zip(part_at, area_at, strict=True)}
    keep = np.ones(len(rows), dtype=bool)
    for i, j in inside | pairs:
        row, site = rows[i], rows[j]
        if site["category"] != row["category"]:
            continue
        named = bool(site["name"]) and site["name"] in row["name"]
        if (i, j) in inside or named:
            keep[i] = False
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
        osm_ids = [str(osm) for osm in facilities["osm_id"]]
        shapes = _geometries_of(features[_is_polygonal(features)], osm_ids)
        for fid, osm, geom in zip(facilities["facility_id"], osm_ids, shapes, strict=True):
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


# Geometry type ids of shapely (GEOS): Point 0, Polygon 3, MultiPolygon 6.
_POINT = 0
_POLYGONAL = [3, 6]


def _is_polygonal(features: gpd.GeoDataFrame) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = np.isin(
        shapely.get_type_id(features.geometry.to_numpy()), _POLYGONAL
    )
    return mask


def _intersecting(features: gpd.GeoDataFrame, boundary: Polygon) -> npt.NDArray[np.bool_]:
    """Which features touch the study area; the area is prepared once for them all."""
    area = shapely.Polygon(boundary)  # a copy: preparing it leaves the caller's alone
    shapely.prepare(area)
    mask: npt.NDArray[np.bool_] = shapely.intersects(area, features.geometry.to_numpy())
    return mask


def _geometries_of(features: gpd.GeoDataFrame, osm_ids: list[str]) -> list[Any]:
    """The geometry of each ``element/id`` among the features (``None`` if absent)."""
    geoms = features.geometry.to_numpy()
    if not features.index.is_unique:
        lookup = {f"{e}/{i}": g for (e, i), g in zip(features.index, geoms, strict=True)}
        return [lookup.get(osm_id) for osm_id in osm_ids]
    keys = [(element, int(number)) for element, _, number in (s.partition("/") for s in osm_ids)]
    if not keys or len(features) == 0:
        return [None] * len(osm_ids)
    positions = features.index.get_indexer(pd.MultiIndex.from_tuples(keys))
    return [geoms[p] if p >= 0 else None for p in positions.tolist()]


def _polygons(features: gpd.GeoDataFrame, boundary: Polygon) -> gpd.GeoDataFrame:
    if features.empty:
        return features
    sub = features[_is_polygonal(features)]
    return sub[_intersecting(sub, boundary)]


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
# Vacant or under-used plots: where a new service or a pocket garden could go (geo.siting).
_VACANT = {"landuse": {"brownfield", "greenfield", "construction"}}
_WATER = {
    "natural": {"water", "wetland"},
    "waterway": {"riverbank", "dock", "canal", "river"},
    "landuse": {"reservoir", "basin"},
}


ADMIN_LEVELS = frozenset({"8", "9", "10"})
"""Chinese OSM: 8 is the 街道/乡镇, 9 and 10 the 社区/居委 or 村."""


def _area_kinds(frame: pd.DataFrame) -> list[str | None]:
    """Each row's kind, the first rule that holds: ``landuse=residential``; an
    administrative boundary of level 8-10; any ``water``; a water, green or vacant value
    (the tables above, in that order); else ``None``. Applied by columns, the last rule
    first, so that an earlier rule overwrites a later one."""
    n = len(frame)

    def col(key: str) -> npt.NDArray[np.object_]:
        if key not in frame.columns:
            return np.full(n, None, dtype=object)
        values: npt.NDArray[np.object_] = frame[key].to_numpy(dtype=object)
        return values

    def isin(key: str, values: frozenset[str] | set[str]) -> npt.NDArray[np.bool_]:
        hit: npt.NDArray[np.bool_] = pd.Series(col(key)).isin(values).to_numpy(dtype=bool)
        return hit

    kinds = np.full(n, None, dtype=object)
    for kind, table in (("vacant", _VACANT), ("green", _GREEN), ("water", _WATER)):
        hit = np.zeros(n, dtype=bool)
        for key, values in table.items():
            hit |= isin(key, values)
        kinds[hit] = kind
    kinds[np.array([isinstance(v, str) for v in col("water")], dtype=bool)] = "water"
    admin = (col("boundary") == "administrative") & isin("admin_level", ADMIN_LEVELS)
    kinds[admin] = [f"admin{level}" for level in col("admin_level")[admin]]
    kinds[col("landuse") == "residential"] = "residential"
    out: list[str | None] = kinds.tolist()
    return out


def extract_areas(features: gpd.GeoDataFrame, *, boundary: Polygon) -> gpd.GeoDataFrame:
    """Land-use polygons: ``kind`` is residential, water, green or vacant
    (``landuse=brownfield|greenfield|construction``); administrative areas
    (``boundary=administrative``, admin_level 8-10) are ``admin8``, ``admin9``, ``admin10``."""
    polys = _polygons(features, boundary)
    names = ("landuse", "natural", "waterway", "water", "leisure", "boundary", "admin_level")
    keys = [c for c in names if c in polys.columns]
    kinds = _area_kinds(polys[keys]) if keys else []
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
        pts = features[shapely.get_type_id(features.geometry.to_numpy()) == _POINT]
        area = shapely.Polygon(boundary)
        shapely.prepare(area)
        pts = pts[shapely.contains(area, pts.geometry.to_numpy())]
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
