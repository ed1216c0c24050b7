"""A user's population file instead of the building proxy: points or a grid of polygons.

Each row becomes one "home" at its point (a grid cell's representative point) with its
population, joined to the network like any home.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.homes import join_columns
from geo.access.snapping import join_points
from geo.district.network import WalkNetwork
from geo.errors import InputFileError
from geo.limits import Limits, checked_file

POPULATION_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "population": ("population", "pop", "人口", "人数", "常住人口", "居民数", "residents"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "name": ("name", "名称", "小区", "小区名称", "compound"),
}


def homes_from_population_file(
    path: Path, network: WalkNetwork, *, coord_system: str = "wgs84"
) -> gpd.GeoDataFrame:
    """Homes from a user's population file: points (CSV/XLSX/GeoJSON) or a grid of polygons.

    Each row becomes one "home" at its point (a grid cell's centroid) with its population.
    """
    from geo.inputs.coords import parse_coord_system, to_wgs84
    from geo.inputs.tables import match_columns, read_table

    system = parse_coord_system(coord_system)
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json", ".gpkg"}:
        checked_file(path, max_bytes=Limits().max_table_bytes, what="population file")
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises many types for unreadable files
            raise InputFileError(f"{path.name} cannot be read as GeoJSON: {exc}") from exc
        if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
            gdf = gdf.to_crs("EPSG:4326")
        cols = match_columns(list(gdf.columns), POPULATION_COLUMN_SYNONYMS)
        if "population" not in cols:
            raise InputFileError(f"{path.name}: no population column (人口/population/pop)")
        pts = gdf.geometry.representative_point()
        table = pd.DataFrame({"lon": pts.x, "lat": pts.y, "population": gdf[cols["population"]]})
        if "name" in cols:
            table["name"] = gdf[cols["name"]].astype(str)
    else:
        raw = read_table(path)
        cols = match_columns(list(raw.columns), POPULATION_COLUMN_SYNONYMS)
        missing = [k for k in ("lon", "lat", "population") if k not in cols]
        if missing:
            raise InputFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
        table = pd.DataFrame({k: raw[cols[k]] for k in ("lon", "lat", "population")})
        if "name" in cols:
            table["name"] = raw[cols["name"]].astype(str)
    for k in ("lon", "lat", "population"):
        table[k] = pd.to_numeric(table[k], errors="coerce")
    good = table.dropna(subset=["lon", "lat", "population"])
    # Infinite or impossible numbers are no coordinates or head counts either.
    finite = np.isfinite(good[["lon", "lat", "population"]].to_numpy(dtype=float)).all(axis=1)
    good = good[finite & (good["population"] >= 0).to_numpy()]
    good = good[(good["lon"].abs() <= 180) & (good["lat"].abs() <= 90)]
    if good.empty:
        raise InputFileError(f"{path.name}: no row has valid coordinates and a population")
    lon, lat = to_wgs84(good["lon"].to_numpy(), good["lat"].to_numpy(), source=system)
    x, y = network.project(lon, lat)
    n = len(good)
    return gpd.GeoDataFrame(
        {
            "home_id": [f"pop{i + 1}" for i in range(n)],
            "building": ["population_file"] * n,
            "name": good["name"].to_numpy() if "name" in good else [""] * n,
            "levels": np.full(n, np.nan),
            "footprint_m2": np.full(n, np.nan),
            "population": good["population"].to_numpy(dtype=float),
            "lon": lon,
            "lat": lat,
            **join_columns(network, join_points(network, x, y)),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
