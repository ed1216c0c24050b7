"""The walkable ways of a source as arrays: node pairs, node coordinates, way attributes.

Every OSM vertex stays a node. A pair is two nodes consecutive in a walkable way (or in
the outline of a pedestrian area); its length is the great-circle distance in metres.
Local files fill these arrays straight from pyosmium (:mod:`geo.osm.reader`); an osmnx
graph from Overpass is turned into the same arrays by :func:`walk_ways_from_graph`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The mean Earth radius osmnx uses for great-circle lengths (IUGG 6,371,008.8 m rounded),
# so that local files and Overpass downloads give the same edge lengths.
EARTH_RADIUS_M = 6_371_009.0

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True, eq=False)
class WalkWays:
    """Node pairs of the walkable ways (not yet clipped to a study area).

    ``node_ids``/``lon``/``lat`` hold every node used by a pair (sorted by id). Per pair:
    ``u``, ``v`` (node ids, in way order, never equal), ``length_m`` and ``way`` (a row of
    the per-way ``highway``/``name`` lists). ``repairs`` counts what was mended on the
    way in (ways cut at the extract edge, ways with no nodes, ...).
    """

    node_ids: IntArray
    lon: FloatArray
    lat: FloatArray
    u: IntArray
    v: IntArray
    length_m: FloatArray
    way: IntArray
    way_highway: list[str]
    way_name: list[str]
    way_osm_id: IntArray
    repairs: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_pairs(self) -> int:
        return len(self.u)

    @property
    def n_ways(self) -> int:
        return len(self.way_highway)


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> FloatArray:
    """Great-circle distance in metres between WGS-84 points (arrays broadcast)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def walk_ways_from_pairs(
    *,
    node_ids: IntArray,
    lon: FloatArray,
    lat: FloatArray,
    u: IntArray,
    v: IntArray,
    way: IntArray,
    way_highway: list[str],
    way_name: list[str],
    way_osm_id: IntArray,
    length_m: FloatArray | None = None,
    repairs: Mapping[str, int] | None = None,
) -> WalkWays:
    """Assemble :class:`WalkWays`, deduplicating nodes and computing missing lengths."""
    order = np.argsort(node_ids, kind="stable")
    ids_sorted = node_ids[order]
    keep = np.ones(len(ids_sorted), dtype=bool)
    keep[1:] = ids_sorted[1:] != ids_sorted[:-1]
    ids, lon_u, lat_u = ids_sorted[keep], lon[order][keep], lat[order][keep]
    if length_m is None:
        pu = np.searchsorted(ids, u)
        pv = np.searchsorted(ids, v)
        length_m = haversine_m(lon_u[pu], lat_u[pu], lon_u[pv], lat_u[pv])
    return WalkWays(
        node_ids=ids.astype(np.int64),
        lon=lon_u.astype(np.float64),
        lat=lat_u.astype(np.float64),
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=np.asarray(length_m, dtype=np.float64),
        way=way.astype(np.int64),
        way_highway=way_highway,
        way_name=way_name,
        way_osm_id=way_osm_id.astype(np.int64),
        repairs=dict(repairs or {}),
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


def walk_ways_from_graph(G: nx.MultiDiGraph) -> WalkWays:
    """The pairs of an osmnx graph (node ``x``/``y`` in WGS-84, edge ``length``).

    Each edge becomes one pair with its own ``highway``, ``name`` and ``osmid``; both
    directions of a way give the same pair twice, which the network builder merges.
    """
    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    lon = np.array([G.nodes[n]["x"] for n in ids], dtype=np.float64)
    lat = np.array([G.nodes[n]["y"] for n in ids], dtype=np.float64)
    u: list[int] = []
    v: list[int] = []
    lengths: list[float] = []
    highway: list[str] = []
    name: list[str] = []
    osm_ids: list[int] = []
    for a, b, data in G.edges(data=True):
        if a == b:
            continue
        u.append(int(a))
        v.append(int(b))
        lengths.append(float(data.get("length", np.nan)))
        highway.append(_as_text(data.get("highway")))
        name.append(_as_text(data.get("name")))
        osmid = data.get("osmid", 0)
        osm_ids.append(int(osmid[0] if isinstance(osmid, list) else osmid))
    length = np.array(lengths, dtype=np.float64)
    if np.isnan(length).any():
        lon_of = dict(zip(ids.tolist(), lon.tolist(), strict=True))
        lat_of = dict(zip(ids.tolist(), lat.tolist(), strict=True))
        missing = np.flatnonzero(np.isnan(length))
        length[missing] = haversine_m(
            [lon_of[u[i]] for i in missing],
            [lat_of[u[i]] for i in missing],
            [lon_of[v[i]] for i in missing],
            [lat_of[v[i]] for i in missing],
        )
    return walk_ways_from_pairs(
        node_ids=ids,
        lon=lon,
        lat=lat,
        u=np.array(u, dtype=np.int64),
        v=np.array(v, dtype=np.int64),
        way=np.arange(len(u), dtype=np.int64),
        way_highway=highway,
        way_name=name,
        way_osm_id=np.array(osm_ids, dtype=np.int64),
        length_m=length,
    )
