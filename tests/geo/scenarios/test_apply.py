"""Tests for geo.comparison: applying a scenario to the Lujiazui baseline, and comparing.

The expectation for every scenario is built here from the scenario's raw GeoJSON and the
baseline's ``network.edges`` (``u, v, length_m``), following the semantics documented in
``geo/comparison.py``:

- facility: one more source at its nearest node, offset = straight-line snap;
- space: a source at every node within 30 m of the polygon, offset = that node's distance
  to the polygon; when none is that close, the nearest node to the polygon;
- link: new edges along the line; an end within 30 m of a node joins that node, inner
  vertices are new nodes with negative ids; length = segment length in UTM 51N
  (EPSG:32651, projected here with pyproj); parallel edges: the shorter one is walked;
- closure: removes the target facility (by id, or the nearest within 25 m of a Point)
  or the street segments (``"u,v"``, or those with both ends within 25 m of a line).

Distances are then networkx Dijkstra from a virtual source, cut off at the 1000 m limit,
and served residents are recounted from them with plain numpy.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.district.network import WalkNetwork, label_components
from geo.scenarios.apply import apply_scenario, recompute_full, scenario_sources
from geo.scenarios.compare import compare
from geo.scenarios.model import ScenarioError, loads_scenario, parse_scenario
from geo.scenarios.network_edits import modify_network
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

FloatArray = npt.NDArray[np.float64]
TOL_M = 0.01
LIMIT_M = 1000.0
JOIN_M = 30.0  # a link end joins a node this close
SPACE_M = 30.0  # a space is reached from nodes this close
CLOSE_M = 25.0  # a closure Point/LineString reaches this far
UTM51 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
EXAMPLE = Path(__file__).resolve().parents[3] / "scenarios" / "example-passage-and-garden.geojson"
SOURCE = "__virtual_source__"

# Places in the bundled Lujiazui extract (OSM node ids), chosen for an effect to show.
NO_CLINIC_NODE = 93792610  # no clinic within 1000 m
FAR_FROM_PARK_NODE = 114903142  # park 485 m away, no toilet within reach
PIECE_3_NODE = 11121687991  # on a small disconnected piece with homes on it ...
MAIN_NODE_NEAR_PIECE_3 = 1489348512  # ... 40.8 m from this node of the main network
CLINIC_DONGFANG = "w165023539"  # 上海东方医院
CLINIC_NODE = 1491018781  # the node of clinic w957008798, in a loop of service roads
CLINIC_FANGBANG_NODE = 9076216289  # the node of clinic w981198286, off 方浜中路
FANGBANG_ROAD = (1316623308, 1316623389, 1316623647)  # three nodes along 方浜中路
ADJACENT_PAIR = (63302402, 63302403)  # two street nodes joined by a 41.76 m edge


def metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(UTM51.transform(c[:, 0], c[:, 1])))


def lonlat_at(node_lonlat: tuple[float, float], dx_m: float, dy_m: float) -> list[float]:
    """The point ``dx_m`` east and ``dy_m`` north of a point, in WGS-84."""
    x, y = UTM51.transform(*node_lonlat)
    lon, lat = UTM51.transform(x + dx_m, y + dy_m, direction="INVERSE")
    return [float(lon), float(lat)]


def feature(fid: str, kind: str, geometry: Mapping[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"kind": kind, "name": fid, **props},
        "geometry": dict(geometry),
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "id": "test",
        "metadata": {"title": "test"},
        "features": list(features),
    }


# --- the independent expectation -------------------------------------------------------------
@dataclass
class Expected:
    node_ids: list[int]
    lonlat: dict[int, tuple[float, float]]
    dist: dict[str, FloatArray] = field(default_factory=dict)
    closed_edges: set[tuple[int, int]] = field(default_factory=set)
    closed_facilities: set[str] = field(default_factory=set)


class Oracle:
    """The baseline as plain data, and scenarios applied to it by the documented rules."""

    def __init__(self, district: District, taxonomy: Taxonomy) -> None:
        nodes = district.network.nodes
        self.categories = tuple(taxonomy.ids)
        self.node_ids = [int(i) for i in nodes.index]
        self.lonlat = {
            int(i): (float(x), float(y))
            for i, x, y in zip(nodes.index, nodes["lon"], nodes["lat"], strict=True)
        }
        self.xy = np.column_stack(UTM51.transform(nodes["lon"], nodes["lat"]))
        self.edges: dict[tuple[int, int], float] = {}
        for u, v, w in district.network.edges[["u", "v", "length_m"]].itertuples(index=False):
            key = (min(int(u), int(v)), max(int(u), int(v)))
            self.edges[key] = min(self.edges.get(key, math.inf), float(w))
        fac = district.facilities
        fxy = np.column_stack(UTM51.transform(fac["lon"], fac["lat"]))
        self.facilities = pd.DataFrame(
            {
                "facility_id": fac["facility_id"].astype(str).to_numpy(),
                "category": fac["category"].to_numpy(),
                "x": fxy[:, 0],
                "y": fxy[:, 1],
            }
        )
        # Every way into every baseline facility, by the access rule (tests/oracles).
        areas = {
            str(f): metric(g)
            for f, g in zip(
                district.facility_areas["facility_id"],
                district.facility_areas.geometry,
                strict=True,
            )
        }
        gates = np.column_stack(
            UTM51.transform(district.entrances.geometry.x, district.entrances.geometry.y)
        )
        self.ways: list[tuple[str, str, int, float]] = []
        points = [i for i, f in enumerate(self.facilities["facility_id"]) if f not in areas]
        rows = self.join(self.node_ids, list(map(tuple, self.xy)), self.edges, fxy[points])
        for k, ways in zip(points, rows, strict=True):
            f = self.facilities.iloc[k]
            self.ways += [(f["facility_id"], f["category"], n, c) for n, c in ways]
        position = {n: i for i, n in enumerate(self.node_ids)}
        for f in self.facilities.itertuples():
            if f.facility_id in areas:
                found = access_rule.area_ways(
                    self.xy,
                    areas[f.facility_id],
                    gates,
                    lambda pts: [
                        (position[node], cost)
                        for ways in self.join(
                            self.node_ids, list(map(tuple, self.xy)), self.edges, pts
                        )
                        for node, cost in ways
                    ],
                )
                self.ways += [(f.facility_id, f.category, self.node_ids[n], c) for n, c in found]

    @staticmethod
    def join(
        node_ids: list[int],
        xy: list[tuple[float, float]],
        edges: Mapping[tuple[int, int], float],
        pts: FloatArray,
    ) -> list[list[tuple[int, float]]]:
        """Each point's ways in (node id, cost) on a network given as plain data."""
        pos = {n: i for i, n in enumerate(node_ids)}
        keys = list(edges)
        u = np.array([pos[a] for a, _ in keys], dtype=np.int64)
        v = np.array([pos[b] for _, b in keys], dtype=np.int64)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(node_ids)))
        graph.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
        component = np.zeros(len(node_ids), dtype=np.int64)
        for label, piece in enumerate(nx.connected_components(graph)):
            component[list(piece)] = label
        joined = access_rule.join(
            np.array(xy),
            u,
            v,
            np.array([edges[k] for k in keys]),
            component,
            np.asarray(pts, dtype=float).reshape(-1, 2),
        )
        return [
            [
                (node_ids[u[e]], float(joined.u_cost_m[i])),
                (node_ids[v[e]], float(joined.v_cost_m[i])),
            ]
            for i, e in enumerate(joined.edge)
        ]

    @staticmethod
    def nearest(xy: FloatArray, pts: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
        d = np.hypot(pts[:, None, 0] - xy[None, :, 0], pts[:, None, 1] - xy[None, :, 1])
        idx = d.argmin(axis=1)
        return idx, d[np.arange(len(pts)), idx]

    def apply(
        self, doc: Mapping[str, Any], *, polygons: Mapping[str, BaseGeometry] | None = None
    ) -> Expected:
        """Distances after the scenario ``doc``; ``polygons`` overrides a space's shape."""
        edges = dict(self.edges)
        node_ids = list(self.node_ids)
        xy = [tuple(p) for p in self.xy]
        lonlat = dict(self.lonlat)
        out = Expected(node_ids=node_ids, lonlat=lonlat)
        next_id = -1
        feats = doc["features"]
        # Links first (they add nodes), then closures of segments, then sources.
        for f in feats:
            if f["properties"]["kind"] != "link":
                continue
            coords = f["geometry"]["coordinates"]
            ids = []
            for k, (lon, lat) in enumerate(coords):
                x, y = UTM51.transform(lon, lat)
                if k in (0, len(coords) - 1):
                    idx, d = self.nearest(self.xy, np.array([[x, y]]))
                    if d[0] <= JOIN_M:
                        ids.append(self.node_ids[int(idx[0])])
                        continue
                ids.append(next_id)
                node_ids.append(next_id)
                xy.append((x, y))
                lonlat[next_id] = (lon, lat)
                next_id -= 1
            where = {n: xy[node_ids.index(n)] for n in ids}
            for a, b in itertools.pairwise(ids):
                if a == b:
                    continue
                key = (min(a, b), max(a, b))
                length = max(math.dist(where[a], where[b]), 0.01)
                edges[key] = min(edges.get(key, math.inf), length)
        for f in feats:
            props = f["properties"]
            if props["kind"] != "closure":
                continue
            target = props.get("target")
            if target and "," in target:
                a, b = (int(p) for p in target.split(","))
                key = (min(a, b), max(a, b))
                out.closed_edges.add(key)
            elif not target and f["geometry"]["type"] == "LineString":
                line = metric(shape(f["geometry"]))
                pos = {n: i for i, n in enumerate(self.node_ids)}
                for u, v in self.edges:
                    du = line.distance(Point(self.xy[pos[u]]))
                    dv = line.distance(Point(self.xy[pos[v]]))
                    if du <= CLOSE_M and dv <= CLOSE_M:
                        out.closed_edges.add((u, v))
            elif target:
                out.closed_facilities.add(str(target))
            else:
                x, y = UTM51.transform(*f["geometry"]["coordinates"])
                d = np.hypot(self.facilities["x"] - x, self.facilities["y"] - y)
                assert d.min() <= CLOSE_M
                out.closed_facilities.add(str(self.facilities["facility_id"].iloc[d.argmin()]))
        for key in out.closed_edges:
            edges.pop(key, None)
        all_xy = np.array(xy)
        sources: dict[str, list[tuple[int, float]]] = {c: [] for c in self.categories}
        for fid, cat, nid, cost in self.ways:
            if fid not in out.closed_facilities:
                sources[cat].append((nid, cost))
        for f in feats:
            props = f["properties"]
            if props["kind"] == "facility":
                x, y = UTM51.transform(*f["geometry"]["coordinates"])
                (ways,) = self.join(node_ids, xy, edges, np.array([[x, y]]))
                sources[props["category"]] += ways
            elif props["kind"] == "space":
                poly = (polygons or {}).get(f["id"]) or shape(f["geometry"])
                found = access_rule.area_ways(all_xy, metric(poly), np.zeros((0, 2)), None)
                for cat in props["provides"]:
                    sources[cat] += [(node_ids[i], c) for i, c in found]
        G = nx.DiGraph()
        G.add_nodes_from(node_ids)
        for (a, b), w in edges.items():
            G.add_edge(a, b, weight=w)
            G.add_edge(b, a, weight=w)
        for cat in self.categories:
            out.dist[cat] = as_array(nx_distances(G, sources[cat], LIMIT_M), node_ids)
        return out


def nx_distances(
    G: nx.DiGraph, sources: Iterable[tuple[int, float]], limit_m: float
) -> dict[int, float]:
    best: dict[int, float] = {}
    for node, offset in sources:
        best[node] = min(best.get(node, math.inf), offset)
    if not best:
        return {}
    G.add_weighted_edges_from((SOURCE, n, w) for n, w in best.items())
    try:
        dist = nx.single_source_dijkstra_path_length(G, SOURCE, cutoff=limit_m, weight="weight")
    finally:
        G.remove_node(SOURCE)
    dist.pop(SOURCE, None)
    return dist


def as_array(dist: Mapping[int, float], node_ids: Iterable[int]) -> FloatArray:
    return np.array([dist.get(int(n), np.inf) for n in node_ids], dtype=float)


def assert_same_distances(actual: FloatArray, expected: FloatArray, what: str) -> None:
    fa, fe = np.isfinite(actual), np.isfinite(expected)
    assert np.array_equal(fa, fe), (
        f"{what}: {int((fa & ~fe).sum())} nodes reached only by geo, "
        f"{int((fe & ~fa).sum())} only by networkx"
    )
    if fa.any():
        worst = float(np.max(np.abs(actual[fa] - expected[fa])))
        assert worst <= TOL_M, f"{what}: distances differ by up to {worst:.4f} m"


def assert_matches(result: Analysis, expected: Expected) -> None:
    assert result.access.node_ids.tolist() == expected.node_ids
    for i, cat in enumerate(result.categories):
        assert_same_distances(result.access.dist_m[i], expected.dist[cat], cat)


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def oracle(lujiazui: District, taxonomy: Taxonomy) -> Oracle:
    return Oracle(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def expected_baseline(oracle: Oracle) -> Expected:
    return oracle.apply(collection())


def test_the_oracle_reproduces_the_baseline(
    baseline: Analysis, expected_baseline: Expected
) -> None:
    assert_matches(baseline, expected_baseline)


def node_lonlat(oracle: Oracle, node_id: int) -> tuple[float, float]:
    return oracle.lonlat[node_id]


def square(centre: list[float], half_m: float) -> dict[str, Any]:
    x, y = UTM51.transform(*centre)
    ring = [(x - half_m, y - half_m), (x + half_m, y - half_m), (x + half_m, y + half_m)]
    ring += [(x - half_m, y + half_m), (x - half_m, y - half_m)]
    lon, lat = UTM51.transform(*np.array(ring).T, direction="INVERSE")
    return {"type": "Polygon", "coordinates": [list(zip(lon.tolist(), lat.tolist(), strict=True))]}


def scenarios(oracle: Oracle) -> dict[str, dict[str, Any]]:
    """One scenario per intervention kind, plus all of them at once."""
    near_clinic = lonlat_at(node_lonlat(oracle, NO_CLINIC_NODE), 9.0, -8.0)
    a = lonlat_at(node_lonlat(oracle, PIECE_3_NODE), 2.0, -2.0)
    b = lonlat_at(node_lonlat(oracle, MAIN_NODE_NEAR_PIECE_3), 1.0, -3.0)
    bend = lonlat_at([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], 8.0, -10.0)
    road = [list(node_lonlat(oracle, n)) for n in FANGBANG_ROAD]
    kinds = {
        "facility": feature(
            "new-clinic",
            "facility",
            {"type": "Point", "coordinates": near_clinic},
            category="health_centre",
        ),
        "space": feature(
            "square",
            "space",
            square(lonlat_at(node_lonlat(oracle, FAR_FROM_PARK_NODE), 35.0, 30.0), 20.0),
            provides=["pocket_green", "toilet"],
        ),
        "link": feature("passage", "link", {"type": "LineString", "coordinates": [a, bend, b]}),
        "closure-facility": feature(
            "shut",
            "closure",
            {"type": "Point", "coordinates": list(node_lonlat(oracle, CLINIC_NODE))},
            target=CLINIC_DONGFANG,
        ),
        "closure-uv": feature(
            "gate-locked",
            "closure",
            {"type": "Point", "coordinates": list(node_lonlat(oracle, CLINIC_NODE))},
            target=f"1491018790,{CLINIC_NODE}",  # written v,u on purpose
        ),
        "closure-line": feature(
            "road-works", "closure", {"type": "LineString", "coordinates": road}
        ),
        "closure-point": feature(
            "moved-away",
            "closure",
            {
                "type": "Point",
                "coordinates": lonlat_at(node_lonlat(oracle, CLINIC_FANGBANG_NODE), 5.0, 5.0),
            },
        ),
    }
    docs = {k: collection(f) for k, f in kinds.items()}
    docs["all"] = collection(*(copy.deepcopy(f) for f in kinds.values()))
    return docs


KINDS = [
    "facility",
    "space",
    "link",
    "closure-facility",
    "closure-uv",
    "closure-line",
    "closure-point",
    "all",
]


@pytest.mark.parametrize("kind", KINDS)
def test_apply_scenario_equals_networkx_on_the_modified_network(
    baseline: Analysis,
    oracle: Oracle,
    expected_baseline: Expected,
    taxonomy: Taxonomy,
    kind: str,
) -> None:
    doc = scenarios(oracle)[kind]
    scenario = parse_scenario(doc, taxonomy=taxonomy)
    result = apply_scenario(baseline, scenario)
    expected = oracle.apply(doc)
    assert_matches(result, expected)
    change = modify_network(baseline.district.network, scenario)
    assert change.closed_edges == len(expected.closed_edges)
    if kind in ("closure-line", "all"):
        road = {tuple(sorted(p)) for p in itertools.pairwise(FANGBANG_ROAD)}
        assert road <= expected.closed_edges
    if kind in ("closure-point", "all"):
        assert "w981198286" in expected.closed_facilities
    # From scratch, the same numbers.
    full = recompute_full(baseline, scenario)
    for i, cat in enumerate(result.categories):
        assert_same_distances(full.dist_m[i], expected.dist[cat], f"recompute_full {cat}")
    # The scenario did something: distances changed for at least one category.
    n_old = len(expected_baseline.node_ids)
    changed = [
        cat
        for cat in result.categories
        if not np.array_equal(expected.dist[cat][:n_old], expected_baseline.dist[cat])
    ]
    assert changed, f"scenario {kind} changed nothing"
    # Coverage is recounted on the new distances.
    homes = baseline.homes
    for cat in result.categories:
        tier = taxonomy.get(cat).distance_m
        served = home_distance(expected.dist[cat], expected.node_ids, homes, baseline) <= tier
        assert result.coverage.by_category.loc[cat, "served"] == pytest.approx(
            homes["population"].to_numpy()[served].sum()
        )


def test_link_nodes_and_edges(baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy) -> None:
    doc = scenarios(oracle)["link"]
    change = modify_network(baseline.district.network, parse_scenario(doc, taxonomy=taxonomy))
    net = change.network
    n_old = baseline.district.network.n_nodes
    assert change.new_nodes == 1 and change.added_edges == 2 and change.closed_edges == 0
    assert net.node_ids[n_old:].tolist() == [-1]
    bend = doc["features"][0]["geometry"]["coordinates"][1]
    assert net.nodes.loc[-1, ["lon", "lat"]].tolist() == pytest.approx(bend, abs=1e-9)
    added = net.edges.iloc[-2:]
    # Each end joins its nearest node (brute force here): one on the small piece, one on
    # the main network.
    coords = doc["features"][0]["geometry"]["coordinates"]
    ends = np.column_stack(UTM51.transform(*np.array([coords[0], coords[-1]]).T))
    idx, gap = oracle.nearest(oracle.xy, ends)
    assert (gap <= JOIN_M).all()
    joined = [oracle.node_ids[int(i)] for i in idx]
    assert {tuple(sorted(p)) for p in zip(added["u"], added["v"], strict=True)} == {
        (-1, joined[0]),
        (-1, joined[1]),
    }
    base_comp = baseline.district.network.nodes["component"]
    assert base_comp.loc[joined[0]] == base_comp.loc[PIECE_3_NODE] != 0
    assert base_comp.loc[joined[1]] == 0
    # Lengths in UTM 51N from the joined nodes to the bend.
    bx, by = UTM51.transform(*bend)
    assert (added["u"] == -1).all()  # u < v, and the new node has the smallest id
    for v, length in zip(added["v"], added["length_m"], strict=True):
        x, y = UTM51.transform(*node_lonlat(oracle, int(v)))
        assert length == pytest.approx(math.hypot(x - bx, y - by), abs=1e-3)
    # The small piece is now part of the main network.
    comp = net.nodes["component"]
    assert comp.loc[PIECE_3_NODE] == comp.loc[MAIN_NODE_NEAR_PIECE_3] == comp.loc[-1] == 0


def test_a_link_along_an_existing_street_never_lengthens_it(
    baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy
) -> None:
    """A link between two street nodes that already share an edge is a parallel path: the
    walk between them is the shorter of the two, never their sum."""
    a, b = ADJACENT_PAIR
    doc = collection(
        feature(
            "along",
            "link",
            {
                "type": "LineString",
                "coordinates": [list(node_lonlat(oracle, a)), list(node_lonlat(oracle, b))],
            },
        ),
        feature(
            "pharmacy",
            "facility",
            {"type": "Point", "coordinates": list(node_lonlat(oracle, a))},
            category="pharmacy",
        ),
    )
    scenario = parse_scenario(doc, taxonomy=taxonomy)
    result = apply_scenario(baseline, scenario)
    expected = oracle.apply(doc)
    street = oracle.edges[(a, b)]
    pos_b = expected.node_ids.index(b)
    assert expected.dist["pharmacy"][pos_b] == pytest.approx(street)
    assert result.access.of("pharmacy")[pos_b] == pytest.approx(street, abs=TOL_M)
    assert_matches(result, expected)


def test_a_link_that_joins_nothing_is_refused(
    baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy
) -> None:
    # A spot at least 150 m from every node (the Huangpu river), and a 20 m line there.
    rng = np.random.default_rng(3)
    lon = rng.uniform(121.487, 121.513, 400)
    lat = rng.uniform(31.224, 31.246, 400)
    pts = np.column_stack(UTM51.transform(lon, lat))
    _, gap = oracle.nearest(oracle.xy, pts)
    k = int(np.flatnonzero(gap > 150.0)[0])
    start = [float(lon[k]), float(lat[k])]
    end = lonlat_at(start, 20.0, 0.0)
    doc = collection(
        feature("nowhere", "link", {"type": "LineString", "coordinates": [start, end]})
    )
    with pytest.raises(ScenarioError, match="joins nothing"):
        apply_scenario(baseline, parse_scenario(doc, taxonomy=taxonomy))
    # One end joining is enough: the other becomes a dangling new node.
    near = lonlat_at(node_lonlat(oracle, NO_CLINIC_NODE), 5.0, 0.0)
    far = lonlat_at(near, 0.0, 60.0)
    doc = collection(feature("spur", "link", {"type": "LineString", "coordinates": [near, far]}))
    result = apply_scenario(baseline, parse_scenario(doc, taxonomy=taxonomy))
    assert result.access.node_ids.tolist()[-1] == -1
    assert_matches(result, oracle.apply(doc))


def test_unknown_category_is_refused(
    baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy
) -> None:
    point = {"type": "Point", "coordinates": list(node_lonlat(oracle, NO_CLINIC_NODE))}
    bad_facility = collection(feature("x", "facility", point, category="casino"))
    with pytest.raises(ScenarioError, match="unknown category 'casino'"):
        parse_scenario(bad_facility, taxonomy=taxonomy)
    square_geom = square(list(node_lonlat(oracle, NO_CLINIC_NODE)), 10.0)
    bad_space = collection(feature("y", "space", square_geom, provides=["pocket_green", "casino"]))
    with pytest.raises(ScenarioError, match="unknown category 'casino'"):
        parse_scenario(bad_space, taxonomy=taxonomy)
    # Parsed without a taxonomy, the analysis still refuses it.
    with pytest.raises(ScenarioError, match="unknown category 'casino'"):
        apply_scenario(baseline, parse_scenario(bad_facility))
    with pytest.raises(ScenarioError, match="unknown category 'casino'"):
        apply_scenario(baseline, parse_scenario(bad_space))


def test_closures_that_match_nothing_are_refused(
    baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy
) -> None:
    point = {"type": "Point", "coordinates": list(node_lonlat(oracle, NO_CLINIC_NODE))}
    for target, message in (("1,2", "matches no street segment"), ("w1", "no facility 'w1'")):
        doc = collection(feature("c", "closure", point, target=target))
        with pytest.raises(ScenarioError, match=message):
            apply_scenario(baseline, parse_scenario(doc, taxonomy=taxonomy))


def test_a_bow_tie_space_is_repaired_and_still_provides(
    baseline: Analysis, oracle: Oracle, taxonomy: Taxonomy
) -> None:
    centre = lonlat_at(node_lonlat(oracle, FAR_FROM_PARK_NODE), -30.0, -45.0)
    cx, cy = UTM51.transform(*centre)
    # Corners in metres: (0,0) -> (40,40) -> (40,0) -> (0,40) -> (0,0) crosses at (20,20).
    local = [(0, 0), (40, 40), (40, 0), (0, 40), (0, 0)]
    lon, lat = UTM51.transform(
        np.array([cx + p[0] for p in local]),
        np.array([cy + p[1] for p in local]),
        direction="INVERSE",
    )
    ring = list(zip(lon.tolist(), lat.tolist(), strict=True))
    assert not Polygon(ring).is_valid
    doc = collection(
        feature(
            "bow-tie",
            "space",
            {"type": "Polygon", "coordinates": [ring]},
            provides=["toilet"],
        )
    )
    scenario = parse_scenario(doc, taxonomy=taxonomy)
    repaired = scenario.interventions[0].geometry
    assert repaired.is_valid and repaired.area > 0
    # The two triangles, built here.
    corner = dict(zip(local, ring, strict=False))
    cross = UTM51.transform(cx + 20, cy + 20, direction="INVERSE")
    lobes = shapely.MultiPolygon(
        [
            Polygon([corner[(0, 0)], cross, corner[(0, 40)]]),
            Polygon([cross, corner[(40, 40)], corner[(40, 0)]]),
        ]
    )
    assert metric(repaired).symmetric_difference(metric(lobes)).area < 0.01
    result = apply_scenario(baseline, scenario)
    expected = oracle.apply(doc, polygons={"bow-tie": lobes})
    assert_matches(result, expected)
    assert np.isfinite(result.access.of("toilet")).any()
    assert not np.isfinite(baseline.access.of("toilet")[baseline.homes["node_pos"]]).all()


# --- the example scenario --------------------------------------------------------------------
def home_distance(
    dist: FloatArray, node_ids: list[int], homes: pd.DataFrame, baseline: Analysis
) -> FloatArray:
    """A home's distance: the shorter walk through either end of its street."""
    where = {n: i for i, n in enumerate(node_ids)}
    ids = baseline.district.network.node_ids
    u = np.array([where[int(n)] for n in ids[homes["u_pos"].to_numpy()]])
    v = np.array([where[int(n)] for n in ids[homes["v_pos"].to_numpy()]])
    out: FloatArray = np.minimum(
        dist[u] + homes["u_cost_m"].to_numpy(), dist[v] + homes["v_cost_m"].to_numpy()
    )
    return out


def served_by_category(
    dist: Mapping[str, FloatArray],
    node_ids: list[int],
    homes: pd.DataFrame,
    taxonomy: Taxonomy,
    baseline: Analysis,
) -> dict[str, tuple[float, npt.NDArray[np.bool_]]]:
    pop = homes["population"].to_numpy()
    out = {}
    for cat, d in dist.items():
        served = home_distance(d, node_ids, homes, baseline) <= taxonomy.get(cat).distance_m
        out[cat] = (float(pop[served].sum()), served)
    return out


def test_the_example_scenario_deltas_equal_a_recount(
    baseline: Analysis, oracle: Oracle, expected_baseline: Expected, taxonomy: Taxonomy
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    doc = json.loads(text)
    scenario = loads_scenario(text, taxonomy=taxonomy)
    assert scenario.id == "example-passage-and-garden"
    assert [i.kind for i in scenario.interventions] == ["link", "space"]
    after = apply_scenario(baseline, scenario)
    expected = oracle.apply(doc)
    assert_matches(after, expected)

    homes = baseline.homes
    before_counts = served_by_category(
        expected_baseline.dist, expected_baseline.node_ids, homes, taxonomy, baseline
    )
    after_counts = served_by_category(expected.dist, expected.node_ids, homes, taxonomy, baseline)
    result = compare(baseline, after)
    table = result.by_category
    total = homes["population"].sum()
    for cat in taxonomy.ids:
        before_pop, before_served = before_counts[cat]
        after_pop, after_served = after_counts[cat]
        assert table.loc[cat, "served_before"] == pytest.approx(before_pop)
        assert table.loc[cat, "served_after"] == pytest.approx(after_pop)
        assert table.loc[cat, "delta"] == pytest.approx(after_pop - before_pop)
        assert table.loc[cat, "homes_newly_served"] == int((after_served & ~before_served).sum())
        assert table.loc[cat, "share_after"] == pytest.approx(after_pop / total)
    # The README's numbers: the 900 m² garden is a 小微绿地 (pocket green) and brings 3,771
    # residents within 300 m of one; the passage into 东园三村 brings 148 within 300 m of a
    # playground and a pitch (fitness ground, small sports ground); nothing else changes.
    assert round(after_counts["pocket_green"][0] - before_counts["pocket_green"][0]) == 3771
    moved = {"pocket_green", "small_sports", "fitness_ground"}
    for cat in set(taxonomy.ids) - moved:
        assert table.loc[cat, "delta"] == 0
    passage_only = {**doc, "features": [f for f in doc["features"] if f["id"] == "passage"]}
    alone = compare(baseline, apply_scenario(baseline, parse_scenario(passage_only)))
    assert round(alone.by_category.loc["pocket_green", "delta"]) == 0
    assert round(alone.by_category.loc["small_sports", "delta"]) == 148
    assert round(alone.by_category.loc["fitness_ground", "delta"]) == 148
    # Newly served homes are listed with the categories that reach them now.
    newly = result.newly_served_homes
    any_new = np.zeros(len(homes), dtype=bool)
    for cat in taxonomy.ids:
        any_new |= after_counts[cat][1] & ~before_counts[cat][1]
    assert set(newly["home_id"]) == set(homes["home_id"][any_new])
    for home_id, cats in zip(newly["home_id"], newly["newly_served"], strict=True):
        j = int(np.flatnonzero(homes["home_id"].to_numpy() == home_id)[0])
        mine = {c for c in taxonomy.ids if after_counts[c][1][j] and not before_counts[c][1][j]}
        assert set(cats.split(";")) == mine
    # Completeness: served by every category (0 in both: no elderly care in the extract).
    all_before = np.all([before_counts[c][1] for c in taxonomy.ids], axis=0)
    all_after = np.all([after_counts[c][1] for c in taxonomy.ids], axis=0)
    pop = homes["population"].to_numpy()
    assert result.completeness_before == pytest.approx(pop[all_before].sum() / total)
    assert result.completeness_after == pytest.approx(pop[all_after].sum() / total)
    # Hexagon deltas add up to the change in person-gaps.
    delta_gaps = sum(before_counts[c][0] - after_counts[c][0] for c in taxonomy.ids)
    assert result.hexagon_delta["unmet_delta"].sum() == pytest.approx(delta_gaps)


def test_compare_to_json_keys(baseline: Analysis, taxonomy: Taxonomy) -> None:
    scenario = loads_scenario(EXAMPLE.read_text(encoding="utf-8"), taxonomy=taxonomy)
    doc = compare(baseline, apply_scenario(baseline, scenario)).to_json()
    assert set(doc) == {
        "categories",
        "completeness_before",
        "completeness_after",
        "completeness_delta",
    }
    assert list(doc["categories"]) == list(taxonomy.ids)  # type: ignore[call-overload]
    for row in doc["categories"].values():  # type: ignore[attr-defined]
        assert set(row) == {
            "served_before",
            "served_after",
            "delta",
            "homes_newly_served",
            "share_before",
            "share_after",
        }
        assert row["delta"] == pytest.approx(row["served_after"] - row["served_before"], abs=0.02)
    assert json.loads(json.dumps(doc)) == doc  # plain JSON types only


# --- space semantics on a hand-made network ----------------------------------------------------
def hand_network(
    points: Mapping[int, tuple[float, float]], edges: list[tuple[int, int]]
) -> WalkNetwork:
    import geopandas as gpd

    x0, y0 = 350_000.0, 3_450_000.0
    ids = np.array(sorted(points), dtype=np.int64)
    x = np.array([x0 + points[i][0] for i in ids])
    y = np.array([y0 + points[i][1] for i in ids])
    lon, lat = UTM51.transform(x, y, direction="INVERSE")
    nodes = pd.DataFrame({"lon": lon, "lat": lat, "x": x, "y": y}, index=pd.Index(ids))
    index = pd.Index(ids)
    ui = index.get_indexer([a for a, _ in edges])
    vi = index.get_indexer([b for _, b in edges])
    nodes["component"] = label_components(len(ids), ui.astype(np.int64), vi.astype(np.int64))
    frame = gpd.GeoDataFrame(
        {
            "u": [a for a, _ in edges],
            "v": [b for _, b in edges],
            "length_m": np.hypot(x[ui] - x[vi], y[ui] - y[vi]),
            "highway": "footway",
            "name": "",
        },
        geometry=[
            LineString([(lon[i], lat[i]), (lon[j], lat[j])]) for i, j in zip(ui, vi, strict=True)
        ],
        crs="EPSG:4326",
    )
    return WalkNetwork(crs="EPSG:32651", nodes=nodes, edges=frame)


def local_polygon(coords: list[tuple[float, float]]) -> dict[str, Any]:
    xs = [350_000.0 + c[0] for c in coords]
    ys = [3_450_000.0 + c[1] for c in coords]
    lon, lat = UTM51.transform(np.array(xs), np.array(ys), direction="INVERSE")
    return {"type": "Polygon", "coordinates": [list(zip(lon.tolist(), lat.tolist(), strict=True))]}


def test_space_sources_are_every_node_within_30_m(taxonomy: Taxonomy) -> None:
    # A 20 x 20 m square at (0..20, 0..20); nodes at 10, 29.9, 30.1 and 60 m from it.
    net = hand_network(
        {1: (-10, 10), 2: (49.9, 10), 3: (10, 50.1), 4: (10, -60), 5: (200, 200)},
        [(1, 2), (2, 3), (3, 4), (4, 5)],
    )
    ring = [(0, 0), (20, 0), (20, 20), (0, 20), (0, 0)]
    doc = collection(
        feature("sq", "space", local_polygon(ring), provides=["pocket_green", "toilet"])
    )
    added, sources, _ = scenario_sources(parse_scenario(doc, taxonomy=taxonomy), net)
    assert sorted(added["category"]) == ["pocket_green", "toilet"]
    got = {
        (int(net.node_ids[p]), round(off, 3))
        for p, off in zip(sources["node_pos"], sources["cost_m"], strict=True)
    }
    assert got == {(1, 10.0), (2, 29.9)}
    assert len(sources) == 4  # two nodes for each of the two categories


def test_space_far_from_every_node_is_reached_from_the_nearest_node(taxonomy: Taxonomy) -> None:
    """No node within 30 m: the documented fallback is the node nearest to the space."""
    # A long thin strip (400 x 10 m): node 1 is 35 m off its west end, node 2 is 50 m
    # off its long side, right next to the strip's middle.
    net = hand_network({1: (-35, 5), 2: (200, 60), 3: (200, 300)}, [(1, 3), (2, 3)])
    ring = [(0, 0), (400, 0), (400, 10), (0, 10), (0, 0)]
    doc = collection(feature("strip", "space", local_polygon(ring), provides=["pocket_green"]))
    _, sources, _ = scenario_sources(parse_scenario(doc, taxonomy=taxonomy), net)
    got = [
        (int(net.node_ids[p]), round(off, 3))
        for p, off in zip(sources["node_pos"], sources["cost_m"], strict=True)
    ]
    assert got == [(1, 35.0)]
