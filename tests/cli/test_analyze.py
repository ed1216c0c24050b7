"""``lifecircle analyze`` and ``lifecircle compare`` run as real processes; their FILES are
checked independently.

The distances in ``nodes.csv`` are recomputed with networkx from ``edges.csv`` and
``access.csv`` alone (a virtual source joined to every way into a category's facilities:
each row's ``node_id`` at its ``cost_m``, cut off at ``limit_m``): anyone can redo this
check with the files and no ``geo``. A home's distance is the minimum over its own rows.
How points join the streets is checked against a brute-force nearest-edge search on the
files. CSV values are rounded to the millimetre, so a path of many edges may carry a
few millimetres of rounding; the tolerance stays 0.01 m. Residents served are recounted
from those distances and the GeoPackage's homes layer. Every command line of the module
runs once, concurrently, with the session's district cache.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from geo.district.model import District
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "example-passage-and-garden.geojson"
WANGJING_BBOX_ARG = "116.4595,39.9867,116.4817,40.0041"
UTM = {"lujiazui": "EPSG:32651", "wangjing": "EPSG:32650", "pbf": "EPSG:32650"}
TOL_M = 0.01
LIMIT_M = 1000.0
SPACE_M = 30.0
TIMEOUT_S = 300
SOURCE = "__virtual_source__"
GEOD = pyproj.Geod(ellps="WGS84")
LAYERS = {
    "nodes",
    "edges",
    "facilities",
    "homes",
    "service_areas",
    "catchments",
    "doorstep_circles",
    "gap_hexagons",
}
FACILITY_COLUMNS = [
    "facility_id",
    "category",
    "name",
    "lon",
    "lat",
    "node_id",
    "snap_m",
    "source",
    "access_rule",
    "ways_in",
]
ACCESS_COLUMNS = ["kind", "id", "node_id", "cost_m"]

Run = subprocess.CompletedProcess[str]


def run_cli(args: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> Run:
    return subprocess.run(
        [sys.executable, "-m", "lifecircle.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(env),
        cwd=cwd,
        timeout=TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analyze-cli")


@pytest.fixture(scope="module")
def runs(
    folder: Path,
    session_settings: Settings,
    lujiazui: District,
    wangjing: District,
    wangjing_pbf: Path,
) -> dict[str, Run]:
    """Every command line of this module, run once, concurrently."""
    bad_json = folder / "bad.geojson"
    bad_json.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["provides"] = ["casino"]
    bad_category = folder / "casino.geojson"
    bad_category.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # The bundled districts are in this cache already (written by the session fixtures).
    env = {
        **os.environ,
        "LIFECIRCLE_CACHE_DIR": str(session_settings.cache_dir),
        "PYTHONIOENCODING": "utf-8",
    }
    jobs = {
        "lujiazui": ["analyze", "lujiazui", "--out", str(folder / "lujiazui")],
        "compare": [
            "compare",
            "lujiazui",
            "--scenario",
            str(EXAMPLE),
            "--out",
            str(folder / "compare"),
        ],
        "wangjing": ["analyze", "wangjing", "--out", str(folder / "wangjing")],
        "pbf": [
            "analyze",
            str(wangjing_pbf),
            "--bbox",
            WANGJING_BBOX_ARG,
            "--no-geopackage",
            "--out",
            str(folder / "pbf"),
        ],
        "bad-json": [
            "compare",
            "lujiazui",
            "--scenario",
            str(bad_json),
            "--out",
            str(folder / "x"),
        ],
        "bad-category": [
            "compare",
            "lujiazui",
            "--scenario",
            str(bad_category),
            "--out",
            str(folder / "y"),
        ],
    }
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {k: pool.submit(run_cli, a, env=env, cwd=folder) for k, a in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def output(runs: dict[str, Run], folder: Path, name: str) -> Path:
    run = runs[name]
    assert run.returncode == 0, f"{name} failed:\n{run.stderr}"
    return folder / name


# --- an independent reading of the files -----------------------------------------------------
class Files:
    """The CSV files of one output folder, and networkx on them."""

    def __init__(self, out: Path) -> None:
        self.nodes = pd.read_csv(out / "nodes.csv")
        self.edges = pd.read_csv(out / "edges.csv")
        self.facilities = pd.read_csv(out / "facilities.csv", keep_default_na=False)
        self.access = pd.read_csv(out / "access.csv", keep_default_na=False, dtype={"id": str})
        self.G = nx.DiGraph()
        self.G.add_nodes_from(self.nodes["node_id"].tolist())
        for u, v, w in self.edges.itertuples(index=False):
            for a, b in ((int(u), int(v)), (int(v), int(u))):
                if not self.G.has_edge(a, b) or self.G[a][b]["weight"] > w:
                    self.G.add_edge(a, b, weight=float(w))

    def column(self, category: str) -> FloatArray:
        """The file's distances, empty cells as inf."""
        return self.nodes[f"{category}_m"].fillna(np.inf).to_numpy(dtype=float)

    def sources(self, category: str) -> list[tuple[int, float]]:
        """Every way into the category's facilities (access.csv rows of kind facility)."""
        ids = set(self.facilities.loc[self.facilities["category"] == category, "facility_id"])
        rows = self.access[(self.access["kind"] == "facility") & self.access["id"].isin(ids)]
        return list(zip(rows["node_id"].astype(int), rows["cost_m"].astype(float), strict=True))

    def home_distances(self, dist: FloatArray, home_ids: Sequence[str]) -> FloatArray:
        """Each home's distance: the minimum over its access.csv rows."""
        where = {int(n): i for i, n in enumerate(self.nodes["node_id"])}
        rows = self.access[self.access["kind"] == "home"]
        via = dist[[where[int(n)] for n in rows["node_id"]]] + rows["cost_m"].to_numpy(float)
        best = pd.Series(via).groupby(rows["id"].to_numpy()).min()
        return best.reindex([str(h) for h in home_ids]).to_numpy(dtype=float)

    def distances(self, sources: Iterable[tuple[int, float]]) -> FloatArray:
        best: dict[int, float] = {}
        for node, offset in sources:
            best[node] = min(best.get(node, math.inf), offset)
        if not best:
            return np.full(len(self.nodes), np.inf)
        self.G.add_weighted_edges_from((SOURCE, n, w) for n, w in best.items())
        try:
            dist = nx.single_source_dijkstra_path_length(
                self.G, SOURCE, cutoff=LIMIT_M, weight="weight"
            )
        finally:
            self.G.remove_node(SOURCE)
        return np.array([dist.get(int(n), np.inf) for n in self.nodes["node_id"]], dtype=float)


def assert_same_distances(actual: FloatArray, expected: FloatArray, what: str) -> None:
    fa, fe = np.isfinite(actual), np.isfinite(expected)
    assert np.array_equal(fa, fe), (
        f"{what}: {int((fa & ~fe).sum())} nodes have a distance only in the file, "
        f"{int((fe & ~fa).sum())} only in networkx"
    )
    if fa.any():
        worst = float(np.max(np.abs(actual[fa] - expected[fa])))
        assert worst <= TOL_M, f"{what}: distances differ by up to {worst:.4f} m"


@pytest.fixture(scope="module")
def files(runs: dict[str, Run], folder: Path) -> dict[str, Files]:
    return {name: Files(output(runs, folder, name)) for name in ("lujiazui", "wangjing", "pbf")}


@pytest.fixture(scope="module")
def compare_files(runs: dict[str, Run], folder: Path) -> Files:
    return Files(output(runs, folder, "compare"))


@pytest.fixture(scope="module")
def homes(runs: dict[str, Run], folder: Path) -> dict[str, gpd.GeoDataFrame]:
    return {
        name: gpd.read_file(output(runs, folder, name) / "lifecircle.gpkg", layer="homes")
        for name in ("lujiazui", "wangjing")
    }


def served(
    dist: Mapping[str, FloatArray], f: Files, homes: pd.DataFrame, taxonomy: Taxonomy
) -> dict[str, npt.NDArray[np.bool_]]:
    ids = homes["home_id"].astype(str).tolist()
    return {c: f.home_distances(dist[c], ids) <= taxonomy.get(c).distance_m for c in taxonomy.ids}


# --- analyze -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["lujiazui", "wangjing", "pbf"])
def test_analyze_writes_the_tables(
    runs: dict[str, Run],
    folder: Path,
    files: dict[str, Files],
    taxonomy: Taxonomy,
    name: str,
) -> None:
    out = output(runs, folder, name)
    expected = {"nodes.csv", "edges.csv", "facilities.csv", "access.csv", "summary.json"}
    if name != "pbf":
        expected.add("lifecircle.gpkg")
    assert expected <= {p.name for p in out.iterdir()}
    f = files[name]
    assert f.nodes.columns.tolist() == ["node_id", "lon", "lat"] + [f"{c}_m" for c in taxonomy.ids]
    assert len(taxonomy.ids) == 24
    assert f.edges.columns.tolist() == ["u", "v", "length_m"]
    assert f.facilities.columns.tolist() == FACILITY_COLUMNS
    assert f.access.columns.tolist() == ACCESS_COLUMNS
    assert set(f.access["kind"]) <= {"facility", "home"}
    assert set(f.access["node_id"]) <= set(f.nodes["node_id"])
    assert (f.access["cost_m"] >= 0).all()
    # One row per facility in facilities.csv, its cheapest way in from access.csv.
    ways = f.access[f.access["kind"] == "facility"].groupby("id")
    assert set(ways.groups) == set(f.facilities["facility_id"])
    cheapest = ways["cost_m"].min().reindex(f.facilities["facility_id"])
    np.testing.assert_allclose(f.facilities["snap_m"], cheapest.to_numpy(), atol=1e-3)
    assert (
        ways.size().reindex(f.facilities["facility_id"]).to_numpy() == f.facilities["ways_in"]
    ).all()
    assert f.nodes["node_id"].is_unique
    # One row per node of the edges, plus any isolated node.
    edge_nodes = set(f.edges["u"]) | set(f.edges["v"])
    assert edge_nodes <= set(f.nodes["node_id"])
    isolated = set(f.nodes["node_id"]) - edge_nodes
    assert all(f.G.degree(n) == 0 for n in isolated)
    assert (f.edges["u"] < f.edges["v"]).all() and (f.edges["length_m"] >= 0).all()
    assert not f.edges.duplicated(["u", "v"]).any()
    assert set(f.facilities["node_id"]) <= set(f.nodes["node_id"])
    assert "Traceback" not in runs[name].stderr
    assert "life-circle completeness" in runs[name].stdout


@pytest.mark.parametrize("name", ["wangjing", "pbf"])
def test_analyze_nodes_are_the_walkable_nodes_of_the_osm_file(
    files: dict[str, Files], expected_wangjing: Any, name: str
) -> None:
    # Parsed from the XML with ElementTree in tests/conftest.py: no geo involved.
    assert set(files[name].nodes["node_id"]) == expected_wangjing.node_ids
    pairs = set(zip(files[name].edges["u"], files[name].edges["v"], strict=True))
    assert pairs == expected_wangjing.edges


def test_analyze_lujiazui_nodes_are_the_walkable_nodes_of_the_osm_file(
    files: dict[str, Files], expected_lujiazui: Any
) -> None:
    assert set(files["lujiazui"].nodes["node_id"]) == expected_lujiazui.node_ids
    pairs = set(zip(files["lujiazui"].edges["u"], files["lujiazui"].edges["v"], strict=True))
    assert pairs == expected_lujiazui.edges


@pytest.mark.parametrize("name", ["lujiazui", "wangjing", "pbf"])
def test_analyze_lengths_and_snaps_match_the_coordinates(
    files: dict[str, Files], name: str
) -> None:
    f = files[name]
    lonlat = f.nodes.set_index("node_id")[["lon", "lat"]]
    a = lonlat.loc[f.edges["u"]].to_numpy()
    b = lonlat.loc[f.edges["v"]].to_numpy()
    _, _, geodesic = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    # Great-circle (sphere) vs ellipsoid: within 0.5 %, plus the coordinates' rounding.
    np.testing.assert_allclose(f.edges["length_m"], geodesic, rtol=5e-3, atol=0.02)
    # Facilities mapped as points join the nearest street: both ends of the nearest edge of
    # edges.csv (fragments passed over when a larger piece is within 100 m), at the snap
    # distance plus the share of the edge to each end: a brute-force search on the files.
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM[name], always_xy=True)
    node_xy = np.column_stack(to_utm.transform(f.nodes["lon"], f.nodes["lat"]))
    pos = {int(n): i for i, n in enumerate(f.nodes["node_id"])}
    u = np.array([pos[int(n)] for n in f.edges["u"]])
    v = np.array([pos[int(n)] for n in f.edges["v"]])
    graph = nx.Graph()
    graph.add_nodes_from(range(len(node_xy)))
    graph.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    component = np.zeros(len(node_xy), dtype=np.int64)
    for label, piece in enumerate(sorted(nx.connected_components(graph), key=len, reverse=True)):
        component[list(piece)] = label
    points = f.facilities[f.facilities["access_rule"] == "edge"]
    assert len(points) > 0
    fac_xy = np.column_stack(to_utm.transform(points["lon"], points["lat"]))
    joined = access_rule.join(
        node_xy, u, v, f.edges["length_m"].to_numpy(dtype=float), component, fac_xy
    )
    for k, fid in enumerate(points["facility_id"]):
        rows = f.access[(f.access["kind"] == "facility") & (f.access["id"] == fid)]
        got = dict(zip(rows["node_id"].astype(int), rows["cost_m"].astype(float), strict=True))
        ends = {
            int(f.nodes["node_id"].iloc[u[joined.edge[k]]]): float(joined.u_cost_m[k]),
            int(f.nodes["node_id"].iloc[v[joined.edge[k]]]): float(joined.v_cost_m[k]),
        }
        # Equally near edges meeting at a node are equally right: compare the cheapest.
        assert min(got.values()) == pytest.approx(min(ends.values()), abs=0.05), fid
        if len(got) == 2 and set(got) == set(ends):
            for node, cost in ends.items():
                assert got[node] == pytest.approx(cost, abs=0.05), fid


@pytest.mark.parametrize("name", ["lujiazui", "wangjing", "pbf"])
def test_analyze_distances_equal_networkx_on_the_files(
    files: dict[str, Files], taxonomy: Taxonomy, name: str
) -> None:
    f = files[name]
    present = set(f.facilities["category"])
    assert len(present) >= 5
    for category in taxonomy.ids:
        column = f.column(category)
        assert_same_distances(column, f.distances(f.sources(category)), f"{name}/{category}")
        if category not in present:
            assert np.isinf(column).all()
        assert (column[np.isfinite(column)] <= LIMIT_M).all()


def test_pbf_gives_the_same_analysis_as_the_xml(files: dict[str, Files]) -> None:
    xml, pbf = files["wangjing"], files["pbf"]
    pd.testing.assert_frame_equal(
        xml.nodes.sort_values("node_id").reset_index(drop=True),
        pbf.nodes.sort_values("node_id").reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(xml.edges, pbf.edges)


@pytest.mark.parametrize("name", ["lujiazui", "wangjing"])
def test_summary_json_equals_a_recount(
    runs: dict[str, Run],
    folder: Path,
    files: dict[str, Files],
    homes: dict[str, gpd.GeoDataFrame],
    taxonomy: Taxonomy,
    name: str,
) -> None:
    summary = json.loads((output(runs, folder, name) / "summary.json").read_text("utf-8"))
    f = files[name]
    h = homes[name]
    assert {
        "district",
        "crs",
        "bbox",
        "limit_m",
        "walk_speed_kmh",
        "nodes",
        "edges",
        "facilities",
        "homes",
        "residents",
        "categories",
        "completeness",
        "completeness_residents",
        "timings_s",
    } <= set(summary)
    assert summary["district"] == name and summary["crs"] == UTM[name]
    assert summary["limit_m"] == LIMIT_M and summary["walk_speed_kmh"] == 4.0
    assert summary["nodes"] == len(f.nodes) and summary["edges"] == len(f.edges)
    assert summary["facilities"] == len(f.facilities) and summary["homes"] == len(h) > 0
    pop = h["population"].to_numpy(dtype=float)
    assert summary["residents"] == pytest.approx(pop.sum(), abs=0.01)
    dist = {c: f.distances(f.sources(c)) for c in taxonomy.ids}
    ok = served(dist, f, h, taxonomy)
    assert [c["id"] for c in summary["categories"]] == list(taxonomy.ids)
    for row in summary["categories"]:
        cat = taxonomy.get(row["id"])
        assert row["name_zh"] == cat.name_zh and row["name_en"] == cat.name_en
        assert row["tier_minutes"] == cat.walk_minutes and row["tier_m"] == cat.distance_m
        assert row["facilities"] == int((f.facilities["category"] == row["id"]).sum())
        mine = float(pop[ok[row["id"]]].sum())
        assert row["residents_served"] == pytest.approx(mine, abs=0.011)
        assert row["residents_not_served"] == pytest.approx(pop.sum() - mine, abs=0.011)
        assert row["share"] == pytest.approx(mine / pop.sum(), abs=2e-6)
        assert row["homes_served"] == int(ok[row["id"]].sum())
        home_d = f.home_distances(dist[row["id"]], h["home_id"].astype(str).tolist())
        for tier in taxonomy.tiers.values():
            share = pop[home_d <= tier.distance_m].sum() / pop.sum()
            got = row["share_by_tier"][f"share_{tier.walk_minutes}min"]
            assert got == pytest.approx(share, abs=2e-6)
    everything = np.all([ok[c] for c in taxonomy.ids], axis=0)
    assert summary["completeness"] == pytest.approx(pop[everything].sum() / pop.sum(), abs=2e-6)
    assert sum(r["residents_served"] for r in summary["categories"]) > 0
    timings = summary["timings_s"]
    assert {"load", "network", "access"} <= set(timings)
    assert all(isinstance(v, int | float) and v >= 0 for v in timings.values())


def test_geopackage_layers(
    runs: dict[str, Run], folder: Path, files: dict[str, Files], taxonomy: Taxonomy
) -> None:
    path = output(runs, folder, "lujiazui") / "lifecircle.gpkg"
    names = {str(row[0]) for row in pyogrio.list_layers(path)}
    assert names == LAYERS
    layers = {name: gpd.read_file(path, layer=name) for name in sorted(LAYERS)}
    for name, layer in layers.items():
        assert len(layer) > 0, name
        assert layer.crs is not None and layer.crs.to_epsg() == 4326, name
        assert not any(g is None for g in layer.geometry), name
        assert layer.geometry.is_valid.all(), name
        empty = layer.geometry.is_empty.to_numpy()
        if name == "catchments":  # a facility that is nobody's nearest has no catchment
            np.testing.assert_array_equal(empty, layer["nodes"].to_numpy() == 0)
        else:
            assert not empty.any(), name
    f = files["lujiazui"]
    nodes = layers["nodes"]
    assert sorted(nodes["node_id"]) == sorted(f.nodes["node_id"])
    np.testing.assert_allclose(nodes.geometry.x, nodes["lon"])
    assert len(layers["edges"]) == len(f.edges)
    assert len(layers["facilities"]) == len(f.facilities)
    assert set(layers["service_areas"]["category"]) <= set(taxonomy.ids)
    # The gap hexagons hold exactly the unserved residents of summary.json.
    summary = json.loads((output(runs, folder, "lujiazui") / "summary.json").read_text("utf-8"))
    gaps = layers["gap_hexagons"]
    for row in summary["categories"]:
        assert gaps[f"unmet_{row['id']}"].sum() == pytest.approx(
            row["residents_not_served"], abs=0.02
        )
    assert gaps["residents"].sum() == pytest.approx(summary["residents"], abs=0.02)
    # Homes served flags agree with the recount from the files.
    homes = layers["homes"]
    assert homes["home_id"].is_unique
    assert set(homes["home_id"]) == set(f.access.loc[f.access["kind"] == "home", "id"])
    dist = {c: f.distances(f.sources(c)) for c in ("health_centre", "transit", "park_large")}
    for c, d in dist.items():
        home_d = f.home_distances(d, homes["home_id"].astype(str).tolist())
        mine = home_d <= taxonomy.get(c).distance_m
        np.testing.assert_array_equal(homes[f"{c}_served"].astype(bool).to_numpy(), mine)


# --- compare -----------------------------------------------------------------------------------
def scenario_space_sources(nodes: pd.DataFrame) -> dict[str, list[tuple[int, float]]]:
    """The example's spaces, reached from every node within 30 m (nodes.csv coordinates)."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM["lujiazui"], always_xy=True)
    xy = np.column_stack(to_utm.transform(nodes["lon"], nodes["lat"]))
    out: dict[str, list[tuple[int, float]]] = {}
    for f in doc["features"]:
        if f["properties"]["kind"] != "space":
            continue
        poly = shapely.transform(
            shape(f["geometry"]),
            lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1])),
        )
        d = shapely.distance(shapely.points(xy), poly)
        near = np.flatnonzero(d <= SPACE_M)
        assert len(near) > 0
        for cat in f["properties"]["provides"]:
            out.setdefault(cat, []).extend(
                (int(nodes["node_id"].iloc[i]), float(d[i])) for i in near
            )
    return out


def test_compare_files_hold_the_scenario_network(
    compare_files: Files, files: dict[str, Files]
) -> None:
    f, base = compare_files, files["lujiazui"]
    assert f.nodes.columns.tolist() == base.nodes.columns.tolist()
    assert f.facilities.columns.tolist() == FACILITY_COLUMNS
    new_nodes = sorted(set(f.nodes["node_id"]) - set(base.nodes["node_id"]))
    assert new_nodes == []  # the passage runs straight from a street node to a compound's
    assert set(base.nodes["node_id"]) <= set(f.nodes["node_id"])
    added = f.edges.merge(base.edges, how="left", indicator=True)
    links = added[added["_merge"] == "left_only"]
    assert len(links) == 1
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM["lujiazui"], always_xy=True)
    lonlat = f.nodes.set_index("node_id")[["lon", "lat"]]
    for u, v, length in links[["u", "v", "length_m"]].itertuples(index=False):
        (x1, x2), (y1, y2) = to_utm.transform(
            lonlat.loc[[u, v], "lon"].to_numpy(), lonlat.loc[[u, v], "lat"].to_numpy()
        )
        assert length == pytest.approx(math.hypot(x2 - x1, y2 - y1), abs=0.05)
    assert len(f.edges) == len(base.edges) + 1
    garden = f.facilities[f.facilities["facility_id"] == "garden"]
    assert garden["category"].tolist() == ["pocket_green"]
    assert garden["source"].tolist() == ["scenario:space"]
    # The garden's ways in are every node within 30 m of it, at its distance (access.csv).
    rows = f.access[(f.access["kind"] == "facility") & (f.access["id"] == "garden")]
    expected = dict(scenario_space_sources(f.nodes)["pocket_green"])
    got = dict(zip(rows["node_id"].astype(int), rows["cost_m"].astype(float), strict=True))
    assert set(got) == set(expected)
    for node, cost in expected.items():
        assert got[node] == pytest.approx(cost, abs=2e-3)


def test_compare_distances_equal_networkx_on_the_files(
    compare_files: Files, taxonomy: Taxonomy
) -> None:
    f = compare_files
    for category in taxonomy.ids:
        sources = f.sources(category)
        assert_same_distances(f.column(category), f.distances(sources), f"compare/{category}")


def test_comparison_json_equals_a_recount(
    runs: dict[str, Run],
    folder: Path,
    compare_files: Files,
    files: dict[str, Files],
    homes: dict[str, gpd.GeoDataFrame],
    taxonomy: Taxonomy,
) -> None:
    doc = json.loads((output(runs, folder, "compare") / "comparison.json").read_text("utf-8"))
    assert {
        "categories",
        "completeness_before",
        "completeness_after",
        "completeness_delta",
        "scenario",
        "title",
        "against",
        "limit_m",
        "interventions",
    } <= set(doc)
    assert doc["scenario"] == "example-passage-and-garden" and doc["against"] == "baseline"
    assert doc["interventions"] == 2 and doc["limit_m"] == LIMIT_M
    base, after = files["lujiazui"], compare_files
    h = homes["lujiazui"]
    pop = h["population"].to_numpy(dtype=float)
    before_d = {c: base.distances(base.sources(c)) for c in taxonomy.ids}
    after_d = {c: after.distances(after.sources(c)) for c in taxonomy.ids}
    ok_before = served(before_d, base, h, taxonomy)
    ok_after = served(after_d, after, h, taxonomy)
    assert list(doc["categories"]) == list(taxonomy.ids)
    for c, row in doc["categories"].items():
        b, a = float(pop[ok_before[c]].sum()), float(pop[ok_after[c]].sum())
        assert row["served_before"] == pytest.approx(b, abs=0.011)
        assert row["served_after"] == pytest.approx(a, abs=0.011)
        assert row["delta"] == pytest.approx(a - b, abs=0.011)
        assert row["homes_newly_served"] == int((ok_after[c] & ~ok_before[c]).sum())
    assert sum(row["delta"] for row in doc["categories"].values()) > 0
    assert round(doc["categories"]["pocket_green"]["delta"]) == 3771
    assert round(doc["categories"]["transit"]["delta"]) == 0


@pytest.mark.parametrize(
    ("name", "words"), [("bad-json", "not valid JSON"), ("bad-category", "casino")]
)
def test_bad_scenario_exits_2_with_one_line(
    runs: dict[str, Run], folder: Path, name: str, words: str
) -> None:
    run = runs[name]
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("lifecircle: error:") and words in lines[0]
    assert "Traceback" not in run.stderr + run.stdout
    assert not (folder / ("x" if name == "bad-json" else "y") / "comparison.json").exists()


def test_output_files_are_as_readable_as_any_new_file(runs: dict[str, Run], folder: Path) -> None:
    """The tables are for QGIS, Excel and colleagues: their permissions follow the umask
    like any file the user creates (and like the GeoPackage), not owner-only 0600."""
    reference = folder / "reference.txt"
    reference.write_text("x", encoding="utf-8")
    expected = reference.stat().st_mode & 0o777
    out = output(runs, folder, "lujiazui")
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in sorted(out.iterdir())}
    assert modes["lifecircle.gpkg"] == oct(expected)
    assert modes == dict.fromkeys(modes, oct(expected))


def test_compare_into_an_existing_file_is_an_error_not_a_traceback(
    tmp_path: Path,
    session_settings: Settings,
    lujiazui: District,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``analyze --out FILE`` says it cannot create the folder; ``compare`` must too."""
    from lifecircle.cli.main import main

    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(session_settings.cache_dir))
    target = tmp_path / "not-a-folder"
    target.write_text("", encoding="utf-8")
    code = main(["compare", "lujiazui", "--scenario", str(EXAMPLE), "--out", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("lifecircle: error:") and len(err.strip().splitlines()) == 1
