"""Homes and their residents: where people live, and a population proxy.

Homes are residential buildings from OSM: a building whose type is residential
(``apartments``, ``residential``, ``house``, ...), or any building inside
``landuse=residential`` unless its type is clearly not a home (school, shop, garage...).
Each home's population is a proxy::

    footprint_m2 × levels × persons_per_m2

where ``levels`` is ``building:levels``, else ``height / metres_per_level``, else a
default for the building type. A user-supplied population file (points or a grid) can
replace the proxy. Every home joins the nearest street (:mod:`geo.access.snapping`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np

from geo.access.snapping import (
    DEFAULT_ACCESS,
    AccessSettings,
    PointJoin,
    join_points,
    joined_kind,
)
from geo.district.network import WalkNetwork

RESIDENTIAL_TYPES = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
        "cabin",
        "farm",
        "static_caravan",
        "houseboat",
    }
)
NOT_HOMES = frozenset(
    {
        "garage",
        "garages",
        "shed",
        "roof",
        "parking",
        "carport",
        "kiosk",
        "school",
        "kindergarten",
        "hospital",
        "commercial",
        "retail",
        "office",
        "industrial",
        "warehouse",
        "service",
        "transformer_tower",
        "church",
        "temple",
        "mosque",
        "public",
        "civic",
        "government",
        "train_station",
        "transportation",
        "hotel",
        "supermarket",
        "university",
        "college",
        "sports_hall",
        "stadium",
        "museum",
        "skyscraper",
        "tent",
        "construction",
        "toilets",
        "bridge",
        "ruins",
        "greenhouse",
    }
)

_DEFAULT_LEVELS = MappingProxyType(
    {
        # Shanghai's and Beijing's housing stock is mostly 6-storey walk-ups and 10–30
        # storey towers; 6 is the conservative default when OSM gives no levels.
        "apartments": 6.0,
        "residential": 6.0,
        "dormitory": 5.0,
        "yes": 6.0,
        "house": 2.0,
        "detached": 2.0,
        "semidetached_house": 2.0,
        "terrace": 3.0,
        "bungalow": 1.0,
    }
)


@dataclass(frozen=True)
class PopulationSettings:
    """How the population proxy is computed (all documented in the README)."""

    # Per-capita residential floor area in Shanghai is about 37 m² (Shanghai Statistical
    # Yearbook, 2020s); 1/37 persons per m² of floor area.
    persons_per_m2: float = 1.0 / 37.0
    metres_per_level: float = 3.0
    default_levels: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_LEVELS))
    fallback_levels: float = 6.0
    # Plausibility caps (issue 16): the tallest residential towers in China have about
    # 100 floors and 400 m; a value above a cap (or not positive) is a mapping error, so it
    # is ignored and the next source (height, then the default) is used.
    max_levels: float = 100.0
    max_height_m: float = 400.0
    # No single building holds more residents than this (a 100-floor tower on 1,800 m²).
    max_residents_per_building: float = 5000.0

    def __post_init__(self) -> None:
        if not (self.persons_per_m2 > 0 and math.isfinite(self.persons_per_m2)):
            raise ValueError("persons_per_m2 must be a positive number")
        if self.metres_per_level <= 0:
            raise ValueError("metres_per_level must be positive")


def select_homes(buildings: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The residential buildings among ``buildings`` (WGS-84 polygons)."""
    if buildings.empty:
        return buildings.copy()
    kind = buildings["building"].astype(str)
    by_type = kind.isin(RESIDENTIAL_TYPES).to_numpy()
    in_zone = np.zeros(len(buildings), dtype=bool)
    zones = areas[areas["kind"] == "residential"] if not areas.empty else areas
    if not zones.empty:
        centroids = buildings.geometry.representative_point()
        hit = gpd.sjoin(
            gpd.GeoDataFrame(geometry=centroids, crs=buildings.crs).reset_index(drop=True),
            zones[["geometry"]].reset_index(drop=True),
            predicate="within",
            how="inner",
        )
        in_zone[np.unique(hit.index.to_numpy())] = True
        in_zone &= ~kind.isin(NOT_HOMES).to_numpy()
    return buildings[by_type | in_zone].copy()


def plausible_levels(homes: gpd.GeoDataFrame, settings: PopulationSettings) -> np.ndarray:
    """``building:levels`` where it is a number in (0, ``max_levels``], else NaN."""
    levels = homes["levels"].to_numpy(dtype=float)
    ok = np.isfinite(levels) & (levels > 0) & (levels <= settings.max_levels)
    return np.where(ok, levels, np.nan)


def plausible_height_m(homes: gpd.GeoDataFrame, settings: PopulationSettings) -> np.ndarray:
    """``height`` in metres where it is a number in (0, ``max_height_m``], else NaN."""
    height = homes["height_m"].to_numpy(dtype=float)
    ok = np.isfinite(height) & (height > 0) & (height <= settings.max_height_m)
    return np.where(ok, height, np.nan)


def estimate_levels(homes: gpd.GeoDataFrame, settings: PopulationSettings) -> np.ndarray:
    """Levels per home: ``building:levels``, else height / metres per level, else default.

    Values outside the plausibility caps are ignored (:func:`plausible_levels`).
    """
    levels = plausible_levels(homes, settings)
    from_height = plausible_height_m(homes, settings) / settings.metres_per_level
    default = np.array(
        [settings.default_levels.get(str(b), settings.fallback_levels) for b in homes["building"]],
        dtype=float,
    )
    out = np.where(np.isfinite(levels) & (levels > 0), levels, np.nan)
    out = np.where(np.isnan(out) & np.isfinite(from_height) & (from_height > 0), from_height, out)
    out = np.where(np.isnan(out), default, out)
    return np.clip(np.round(out, 1), 1.0, settings.max_levels)


def build_homes(
    buildings: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    settings: PopulationSettings | None = None,
    access: AccessSettings = DEFAULT_ACCESS,
) -> gpd.GeoDataFrame:
    """Homes with ``population`` and how they join the network.

    Columns: ``home_id, building, name, levels, footprint_m2, population, lon, lat``, the
    :data:`JOIN_COLUMNS`, and the footprint geometry (WGS-84). A home joins the network
    from its representative point like any point (:mod:`geo.access.snapping`).
    """
    cfg = settings or PopulationSettings()
    homes = select_homes(buildings, areas)
    columns = [
        "home_id",
        "building",
        "name",
        "levels",
        "footprint_m2",
        "population",
        "lon",
        "lat",
        *JOIN_COLUMNS,
    ]
    if homes.empty:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326"
        )
    metric = homes.geometry.to_crs(network.crs)
    footprint = metric.area.to_numpy()
    levels = estimate_levels(homes, cfg)
    rep = metric.representative_point()
    x, y = rep.x.to_numpy(), rep.y.to_numpy()
    lon, lat = network.unproject(x, y)
    out = gpd.GeoDataFrame(
        {
            "home_id": homes["osm_id"].to_numpy(),
            "building": homes["building"].to_numpy(),
            "name": homes["name"].to_numpy(),
            "levels": levels,
            "footprint_m2": footprint,
            "population": np.minimum(
                footprint * levels * cfg.persons_per_m2, cfg.max_residents_per_building
            ),
            "lon": lon,
            "lat": lat,
            **join_columns(network, join_points(network, x, y, settings=access)),
        },
        geometry=homes.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    return out.reset_index(drop=True)


JOIN_COLUMNS = (
    "node_pos",
    "node_id",
    "snap_m",
    "u_pos",
    "u_cost_m",
    "v_pos",
    "v_cost_m",
    "joined",
)
"""How a home joins the network (:func:`geo.access.snapping.join_points`): the cheaper
way in (``node_pos``, ``node_id``), the straight-line distance to the street (``snap_m``),
both ends of its edge with their costs, and ``joined`` (``main``, ``fragment`` when no
larger piece was within reach, ``moved_off_fragment``)."""


def join_columns(network: WalkNetwork, joined: PointJoin) -> dict[str, Any]:
    """The :data:`JOIN_COLUMNS` of points joined to ``network``."""
    pos, _ = joined.best()
    return {
        "node_pos": pos,
        "node_id": network.node_ids[pos],
        "snap_m": joined.snap_m,
        "u_pos": joined.u_pos,
        "u_cost_m": joined.u_cost_m,
        "v_pos": joined.v_pos,
        "v_cost_m": joined.v_cost_m,
        "joined": joined_kind(joined),
    }
