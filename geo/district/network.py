"""The walking network: an undirected graph in a metric CRS, held as arrays.

Nodes keep their OSM ids. Edges are undirected, one per pair of nodes (the shortest, when
OSM has several), with lengths in metres. The analysis works on the arrays (a SciPy
sparse matrix); :meth:`WalkNetwork.to_networkx` gives a plain networkx graph for checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely import Polygon

from geo.errors import NetworkError
from geo.osm.ways import WalkWays

if TYPE_CHECKING:
    import networkx as nx

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def utm_crs_for(lon: float, lat: float) -> str:
    """The EPSG code of the UTM zone that holds a WGS-84 point (e.g. ``EPSG:32651``)."""
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise NetworkError(f"({lon}, {lat}) is outside the range UTM covers")
    zone = min(math.floor((lon + 180.0) / 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network.

    ``nodes`` is indexed by OSM node id with columns ``lon, lat`` (WGS-84), ``x, y``
    (metres in ``crs``) and ``component`` (connected piece, 0 = the largest).
    ``edges`` has ``u, v`` (node ids, ``u < v``), ``length_m``, ``highway`` and ``name``.
    Every edge is the straight segment between its two nodes, so its line is not stored:
    :attr:`edge_lines` draws it from the nodes when a map or an export needs it (a city's
    million lines cost seconds to build and are rarely all wanted).
    """

    crs: str
    nodes: pd.DataFrame
    edges: pd.DataFrame

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @cached_property
    def node_ids(self) -> IntArray:
        ids: IntArray = self.nodes.index.to_numpy(dtype=np.int64)
        return ids

    @cached_property
    def xy(self) -> FloatArray:
        xy: FloatArray = self.nodes[["x", "y"]].to_numpy(dtype=np.float64)
        return xy

    @cached_property
    def edge_index(self) -> tuple[IntArray, IntArray]:
        """Edge end points as positions in ``nodes`` (not OSM ids)."""
        ids = self.node_ids
        u_ids = self.edges["u"].to_numpy(dtype=np.int64)
        v_ids = self.edges["v"].to_numpy(dtype=np.int64)
        if len(ids) and bool(np.all(ids[1:] > ids[:-1])):
            # Nodes sorted by id (as built and cached): a binary search is a third of
            # the CPU of a hash lookup at 1M nodes; an id not found gets -1 as before.
            u = np.minimum(np.searchsorted(ids, u_ids), len(ids) - 1)
            v = np.minimum(np.searchsorted(ids, v_ids), len(ids) - 1)
            u = np.where(ids[u] == u_ids, u, -1)
            v = np.where(ids[v] == v_ids, v, -1)
            return u.astype(np.int64), v.astype(np.int64)
        pos = pd.Index(self.nodes.index)
        u = pos.get_indexer(u_ids)
        v = pos.get_indexer(v_ids)
        return u.astype(np.int64), v.astype(np.int64)

    @cached_property
    def edge_lines(self) -> npt.NDArray[np.object_]:
        """Each edge's WGS-84 line, from ``u`` to ``v``."""
        u, v = self.edge_index
        lonlat = self.nodes[["lon", "lat"]].to_numpy(dtype=np.float64)
        lines: npt.NDArray[np.object_] = shapely.linestrings(
            np.stack([lonlat[u], lonlat[v]], axis=1)
        )
        return lines

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Symmetric adjacency matrix with lengths in metres as weights."""
        u, v = self.edge_index
        w = self.edges["length_m"].to_numpy(dtype=np.float64)
        n = self.n_nodes
        if _simple_pairs(u, v, n):
            # One edge per pair and no loops (what build_walk_network makes): nothing to
            # choose between, so no sort of the whole edge list by length.
            simple = sparse.csr_matrix(
                (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                shape=(n, n),
            )
            simple.sort_indices()
            return simple
        rows = np.concatenate([u, v])
        cols = np.concatenate([v, u])
        data = np.concatenate([w, w])
        # Two edges between the same nodes (a scenario link along a street) must keep the
        # shorter length: SciPy would add them up.
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return sparse.csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))

    @cached_property
    def _tree(self) -> cKDTree:
        if self.n_nodes == 0:
            raise NetworkError("the walking network is empty: nothing to snap to")
        return cKDTree(self.xy)

    def snap_xy(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, FloatArray]:
        """Nearest node position and straight-line distance (m) for projected points."""
        xy = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
        if len(xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        dist, idx = self._tree.query(xy)
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64)

    def snap_lonlat(self, lon: FloatArray, lat: FloatArray) -> tuple[IntArray, FloatArray]:
        """Nearest node position and distance (m) for WGS-84 points."""
        x, y = self.project(lon, lat)
        return self.snap_xy(x, y)

    @cached_property
    def _to_metric(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @cached_property
    def _to_wgs84(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    def project(self, lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def unproject(self, x: Any, y: Any) -> tuple[FloatArray, FloatArray]:
        lon, lat = self._to_wgs84.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def component_sizes(self) -> list[int]:
        """Node counts of the connected pieces, largest first."""
        return [int(c) for c in self.nodes["component"].value_counts().sort_values(ascending=False)]

    def to_networkx(self) -> nx.Graph:
        """A plain undirected networkx graph (node = OSM id, weight ``length``)."""
        import networkx as nx  # for checks only: half a second of import otherwise

        G = nx.Graph()
        G.add_nodes_from(self.nodes.index.tolist())
        G.add_weighted_edges_from(
            zip(
                self.edges["u"].tolist(),
                self.edges["v"].tolist(),
                self.edges["length_m"].tolist(),
                strict=True,
            ),
            weight="length",
        )
        return G


def _simple_pairs(u: IntArray, v: IntArray, n_nodes: int) -> bool:
    """Whether no edge is a loop and no two edges join the same two nodes."""
    if len(u) == 0:
        return True
    if bool((u == v).any()):
        return False
    key = np.sort(np.minimum(u, v) * np.int64(n_nodes) + np.maximum(u, v))
    return not bool((key[1:] == key[:-1]).any())


def label_components(n_nodes: int, u: IntArray, v: IntArray) -> IntArray:
    """Component label per node, renumbered so that 0 is the largest piece."""
    if n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    adj = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n_nodes, n_nodes))
    _, labels = csgraph.connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    out: IntArray = rank[labels].astype(np.int64)
    return out


def build_walk_network(ways: WalkWays, *, boundary: Polygon) -> WalkNetwork:
    """Clip the walkable ways to ``boundary`` and turn them into a :class:`WalkNetwork`.

    Every OSM vertex stays a node (no simplification). A pair of nodes both strictly
    inside the boundary is an edge; when several ways join the same two nodes the
    shortest is kept (the first of equals, in file order). Nodes that lose every edge to
    the clip are dropped; disconnected pieces stay.
    """
    if ways.n_pairs == 0 or len(ways.node_ids) == 0:
        raise NetworkError("the walking network is empty")
    inside = shapely.contains_xy(boundary, ways.lon, ways.lat)
    if not inside.any():
        raise NetworkError("no street of the file lies inside the study area")
    pu = np.searchsorted(ways.node_ids, ways.u)
    pv = np.searchsorted(ways.node_ids, ways.v)
    ok = inside[pu] & inside[pv] & (ways.u != ways.v)
    # node_ids are sorted: the smaller id is at the smaller position
    pa = np.minimum(pu, pv)[ok]
    pb = np.maximum(pu, pv)[ok]
    a, b = ways.node_ids[pa], ways.node_ids[pb]
    length = ways.length_m[ok]
    way = ways.way[ok]
    if len(a) == 0:
        raise NetworkError("no street segment lies inside the study area")
    order = np.lexsort((np.arange(len(a)), length, pb, pa))
    a, b, pa, pb, length, way = a[order], b[order], pa[order], pb[order], length[order], way[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (pa[1:] != pa[:-1]) | (pb[1:] != pb[:-1])
    a, b, pa, pb, length, way = a[first], b[first], pa[first], pb[first], length[first], way[first]

    # the nodes of the kept edges, in id order, by marking positions (no sort)
    mark = np.zeros(len(ways.node_ids), dtype=bool)
    mark[pa] = True
    mark[pb] = True
    pos = np.flatnonzero(mark)
    rank = np.cumsum(mark) - 1
    used = ways.node_ids[pos]
    lon, lat = ways.lon[pos], ways.lat[pos]
    crs = utm_crs_for(float(np.median(lon)), float(np.median(lat)))
    nodes = pd.DataFrame({"lon": lon, "lat": lat}, index=pd.Index(used, name="node_id"))
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_metric.transform(lon, lat)
    nodes["x"] = x
    nodes["y"] = y
    ui, vi = rank[pa], rank[pb]
    nodes["component"] = label_components(len(nodes), ui, vi)
    highway = np.asarray(ways.way_highway, dtype=object)
    name = np.asarray(ways.way_name, dtype=object)
    edges = pd.DataFrame(
        {
            "u": a,
            "v": b,
            "length_m": length,
            # Few distinct values over many edges: categories read back from the cache
            # in a fraction of the time strings take.
            "highway": pd.Categorical(highway[way] if len(highway) else []),
            "name": pd.Categorical(name[way] if len(name) else []),
        }
    )
    return WalkNetwork(crs=crs, nodes=nodes, edges=edges)
