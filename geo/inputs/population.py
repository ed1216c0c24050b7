"""A user's population file instead of the building proxy: points or a grid of polygons.

Each row becomes one "home" at its point (a grid cell's representative point) with its
population, joined to the network like any home. A row without valid coordinates and a
population, or whose point lies outside the district, is rejected with its row number
(a file of Beijing points never adds residents to Lujiazui).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.homes import join_columns
from geo.access.snapping import join_points
from geo.district.network import WalkNetwork
from geo.errors import InputFileError
from geo.inputs.tables import FIRST_DATA_ROW, RowProblem, cell_text
from geo.limits import Limits, checked_file
from geo.osm.bbox import BBox

POPULATION_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "population": ("population", "pop", "人口", "人数", "常住人口", "居民数", "residents"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "name": ("name", "名称", "小区", "小区名称", "compound"),
}


@dataclass(frozen=True)
class PopulationFile:
    """The homes a population file gives, and its rejected rows (one message each)."""

    homes: gpd.GeoDataFrame
    rejected: tuple[RowProblem, ...]


def homes_from_population_file(
    path: Path, network: WalkNetwork, *, coord_system: str = "wgs84", bbox: BBox | None = None
) -> gpd.GeoDataFrame:
    """Homes from a user's population file: points (CSV/XLSX/GeoJSON) or a grid of polygons.

    Each row becomes one "home" at its point (a grid cell's centroid) with its population;
    see :func:`read_population_file` for the rejected rows.
    """
    return read_population_file(path, network, coord_system=coord_system, bbox=bbox).homes


def read_population_file(
    path: Path, network: WalkNetwork, *, coord_system: str = "wgs84", bbox: BBox | None = None
) -> PopulationFile:
    """Read a population file; rows outside ``bbox`` (W, S, E, N, WGS-84) are rejected.

    Raises
    ------
    InputFileError
        When the file cannot be read, lacks a column, or no row is usable.
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
        headers = {"lon": "geometry", "lat": "geometry", "population": cols["population"]}
    else:
        raw = read_table(path)
        cols = match_columns(list(raw.columns), POPULATION_COLUMN_SYNONYMS)
        missing = [k for k in ("lon", "lat", "population") if k not in cols]
        if missing:
            raise InputFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
        table = pd.DataFrame({k: raw[cols[k]] for k in ("lon", "lat", "population")})
        if "name" in cols:
            table["name"] = raw[cols["name"]].astype(str)
        headers = {k: cols[k] for k in ("lon", "lat", "population")}
    original = table.copy()
    for k in ("lon", "lat", "population"):
        table[k] = pd.to_numeric(table[k], errors="coerce")
    rejected: list[RowProblem] = []
    keep = np.ones(len(table), dtype=bool)
    for pos, (index, row) in enumerate(table.iterrows()):
        problem = _row_problem(row)
        if problem is not None:
            column, reason = problem
            value = cell_text(original.loc[index, column]) if column in original else ""
            rejected.append(RowProblem(int(index) + FIRST_DATA_ROW, headers[column], value, reason))
            keep[pos] = False
    good = table[keep]
    if len(good):
        lon, lat = to_wgs84(good["lon"].to_numpy(), good["lat"].to_numpy(), source=system)
        inside = _inside(lon, lat, bbox)
        for index, ok, x, y in zip(good.index, inside, lon, lat, strict=True):
            if not ok:
                rejected.append(
                    RowProblem(
                        int(index) + FIRST_DATA_ROW,
                        headers["lon"],
                        f"{x:.5f}, {y:.5f}",
                        "the point lies outside the district; the row is left out",
                    )
                )
        good = good[inside]
        lon, lat = lon[inside], lat[inside]
    if good.empty:
        raise InputFileError(
            f"{path.name}: no row has valid coordinates inside the district and a population"
        )
    rejected.sort(key=lambda p: p.row)
    x, y = network.project(lon, lat)
    n = len(good)
    homes = gpd.GeoDataFrame(
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
    return PopulationFile(homes=homes, rejected=tuple(rejected))


def _row_problem(row: pd.Series) -> tuple[str, str] | None:
    """``(column, reason)`` for a row that cannot be used, else ``None``."""
    for key, bound in (("lon", 180.0), ("lat", 90.0)):
        if not np.isfinite(row[key]) or abs(row[key]) > bound:
            return key, "not a coordinate"
    population = row["population"]
    if not np.isfinite(population):
        return "population", "no population number"
    if population < 0:
        return "population", "a population cannot be negative"
    return None


def _inside(lon: np.ndarray, lat: np.ndarray, bbox: BBox | None) -> np.ndarray:
    if bbox is None:
        finite: np.ndarray = np.isfinite(lon) & np.isfinite(lat)
        return finite
    west, south, east, north = bbox
    inside: np.ndarray = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return inside
