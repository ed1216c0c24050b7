"""Tests for homes, residents, coverage, gap hexagons and doorstep circles.

Every expectation is recomputed here without the code under test: the home rule is
applied to ``district.buildings`` and the residential areas with shapely on coordinates
projected here with pyproj; footprints are geodesic areas (``pyproj.Geod``); served
residents are a plain numpy recount of node distance + snap distance against each tier;
gap hexagons are a pandas group-by of the homes' H3 cells; doorstep distances are
geodesic distances between entrance and facility.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from geo.access.analysis import Analysis, analyse
from geo.access.coverage import compute_coverage
from geo.access.doorstep import compound_entrances, doorstep_circles
from geo.access.gaps import gap_hexagons, unserved_homes
from geo.district.model import District
from geo.inputs.population import homes_from_population_file
from geo.standards.taxonomy import Taxonomy
from tests.oracles import access_rule

FloatArray = npt.NDArray[np.float64]
GEOD = pyproj.Geod(ellps="WGS84")
UTM = {"lujiazui": "EPSG:32651", "wangjing": "EPSG:32650"}

# The documented home rule (geo/residents.py module docstring, README "Homes and
# residents"), restated: building types that are homes anywhere ...
HOME_TYPES = {
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
# ... and types that are never homes, even inside landuse=residential.
NEVER_HOMES = {
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
# Population proxy: levels from building:levels, else height / 3 m, else a default for
# the type (6 storeys, a Shanghai walk-up; houses fewer); 1/37 persons per m² of floor.
DEFAULT_LEVELS = {
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
FALLBACK_LEVELS = 6.0
METRES_PER_LEVEL = 3.0
PERSONS_PER_M2 = 1.0 / 37.0
MAX_LEVELS = 120.0


@pytest.fixture(scope="module", params=["lujiazui", "wangjing"])
def district_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def analyses(lujiazui: District, wangjing: District, taxonomy: Taxonomy) -> dict[str, Analysis]:
    return {"lujiazui": analyse(lujiazui, taxonomy), "wangjing": analyse(wangjing, taxonomy)}


def to_utm(name: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", UTM[name], always_xy=True)


def node_xy(district: District, name: str) -> FloatArray:
    nodes = district.network.nodes
    return np.column_stack(to_utm(name).transform(nodes["lon"], nodes["lat"]))


def brute_join(district: District, name: str, pts: FloatArray) -> access_rule.Joined:
    """The access rule by brute force (tests/oracles/access_rule.py)."""
    net = district.network
    u, v = net.edge_index
    return access_rule.join(
        node_xy(district, name),
        u,
        v,
        net.edges["length_m"].to_numpy(),
        net.nodes["component"].to_numpy(),
        pts,
    )


def assert_joined_like_the_oracle(
    homes: pd.DataFrame, oracle: access_rule.Joined, district: District, dist_m: FloatArray
) -> None:
    """Same snap distance, same cheapest way in, and the same walk to every node's
    distances: when the foot of the perpendicular is a node shared by two equally near
    edges, either edge is right (the walk goes through that node either way)."""
    np.testing.assert_allclose(homes["snap_m"], oracle.snap_m, atol=1e-3)
    cheapest = np.minimum(homes["u_cost_m"], homes["v_cost_m"])
    np.testing.assert_allclose(cheapest, np.minimum(oracle.u_cost_m, oracle.v_cost_m), atol=1e-3)
    np.testing.assert_array_equal(homes["joined"] == "fragment", oracle.on_fragment)
    u, v = district.network.edge_index
    ours = np.minimum(
        dist_m[:, homes["u_pos"]] + homes["u_cost_m"].to_numpy(),
        dist_m[:, homes["v_pos"]] + homes["v_cost_m"].to_numpy(),
    )
    theirs = np.minimum(
        dist_m[:, u[oracle.edge]] + oracle.u_cost_m, dist_m[:, v[oracle.edge]] + oracle.v_cost_m
    )
    limit = np.nanmax(np.where(np.isfinite(dist_m), dist_m, np.nan))
    # Beyond the search limit every distance is "not within reach", however computed.
    ours = np.where(ours > limit, np.inf, ours)
    theirs = np.where(theirs > limit, np.inf, theirs)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


# --- homes and residents -------------------------------------------------------------------
def expected_home_ids(district: District, name: str) -> set[str]:
    project = to_utm(name)

    def metric(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda c: np.column_stack(project.transform(*c.T)))

    zones = district.areas[district.areas["kind"] == "residential"]
    zone_union = shapely.union_all([metric(g) for g in zones.geometry])
    homes = set()
    for osm_id, kind, geom in zip(
        district.buildings["osm_id"],
        district.buildings["building"],
        district.buildings.geometry,
        strict=True,
    ):
        in_zone = zone_union.contains(metric(geom).centroid)
        if kind in HOME_TYPES or (in_zone and kind not in NEVER_HOMES):
            homes.add(str(osm_id))
    return homes


def test_homes_are_the_residential_buildings(
    analyses: dict[str, Analysis], district_name: str, request: pytest.FixtureRequest
) -> None:
    district: District = request.getfixturevalue(district_name)
    homes = analyses[district_name].homes
    expected = expected_home_ids(district, district_name)
    assert homes["home_id"].is_unique
    assert set(homes["home_id"]) == expected
    # Both halves of the rule matter on this data: typed homes and "yes" in a zone.
    kinds = set(homes["building"])
    assert kinds & HOME_TYPES and "yes" in kinds
    assert not kinds & NEVER_HOMES


def expected_levels(levels: float, height_m: float, building: str) -> float:
    if math.isfinite(levels) and levels > 0:
        out = levels
    elif math.isfinite(height_m) and height_m > 0:
        out = height_m / METRES_PER_LEVEL
    else:
        out = DEFAULT_LEVELS.get(building, FALLBACK_LEVELS)
    return min(max(out, 1.0), MAX_LEVELS)


def test_population_is_footprint_times_levels_times_density(
    analyses: dict[str, Analysis], district_name: str, request: pytest.FixtureRequest
) -> None:
    district: District = request.getfixturevalue(district_name)
    homes = analyses[district_name].homes
    buildings = district.buildings.set_index("osm_id")
    footprint, population = [], []
    for home_id in homes["home_id"]:
        b = buildings.loc[home_id]
        area, _ = GEOD.geometry_area_perimeter(b.geometry)
        levels = expected_levels(float(b["levels"]), float(b["height_m"]), str(b["building"]))
        footprint.append(abs(area))
        population.append(abs(area) * levels * PERSONS_PER_M2)
    # Geodesic vs UTM area differ by the UTM scale factor squared (< 0.1 %).
    np.testing.assert_allclose(homes["footprint_m2"], footprint, rtol=1e-3)
    np.testing.assert_allclose(homes["population"], population, rtol=1e-3)
    assert (homes["population"] > 0).all()
    # Levels really come from the three sources on this data (tags and defaults).
    tagged = np.isfinite(buildings.loc[homes["home_id"], "levels"].to_numpy(dtype=float))
    assert tagged.any() and (~tagged).any()


def test_homes_join_the_nearest_street_from_a_point_inside_the_footprint(
    analyses: dict[str, Analysis], district_name: str, request: pytest.FixtureRequest
) -> None:
    district: District = request.getfixturevalue(district_name)
    homes = analyses[district_name].homes
    for lon, lat, geom in zip(homes["lon"], homes["lat"], homes.geometry, strict=True):
        assert geom.buffer(1e-7).covers(Point(lon, lat))
    pts = np.column_stack(to_utm(district_name).transform(homes["lon"], homes["lat"]))
    oracle = brute_join(district, district_name, pts)
    assert_joined_like_the_oracle(homes, oracle, district, analyses[district_name].access.dist_m)
    # The cheaper way in is the home's node; both ends are the ends of one street.
    u, v = district.network.edge_index
    edge_of = dict(zip(zip(u.tolist(), v.tolist(), strict=True), range(len(u)), strict=True))
    assert all((a, b) in edge_of for a, b in zip(homes["u_pos"], homes["v_pos"], strict=True))
    cheaper = np.where(homes["u_cost_m"] <= homes["v_cost_m"], homes["u_pos"], homes["v_pos"])
    np.testing.assert_array_equal(homes["node_pos"], cheaper)
    assert (district.network.node_ids[homes["node_pos"]] == homes["node_id"]).all()


def test_no_home_joins_a_fragment_when_a_larger_piece_is_within_100_m(
    analyses: dict[str, Analysis], district_name: str, request: pytest.FixtureRequest
) -> None:
    district: District = request.getfixturevalue(district_name)
    homes = analyses[district_name].homes
    net = district.network
    u, v = net.edge_index
    fragment = access_rule.fragment_edges(net.nodes["component"].to_numpy(), u)
    xy = node_xy(district, district_name)
    pts = np.column_stack(to_utm(district_name).transform(homes["lon"], homes["lat"]))
    on_fragment = homes["joined"].to_numpy() == "fragment"
    for p, flagged, home_u in zip(pts, on_fragment, homes["u_pos"], strict=True):
        a, b = xy[u[~fragment]], xy[v[~fragment]]
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab**2).sum(1), 1e-12), 0, 1)
        near_main = np.hypot(*(p - (a + t[:, None] * ab)).T).min() <= 100.0
        assert not (near_main and flagged)
        joined_fragment = net.nodes["component"].to_numpy()[home_u]
        assert (
            not near_main
            or not fragment[np.flatnonzero(u == home_u)].all()
            or (joined_fragment == 0)
        )


# --- coverage ------------------------------------------------------------------------------
def recount(analysis: Analysis) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray]:
    """Home distances (categories × homes), served matrix and tier distances, by hand."""
    homes = analysis.homes
    via_u = analysis.access.dist_m[:, homes["u_pos"].to_numpy()] + homes["u_cost_m"].to_numpy()
    via_v = analysis.access.dist_m[:, homes["v_pos"].to_numpy()] + homes["v_cost_m"].to_numpy()
    dist = np.minimum(via_u, via_v)
    tiers = np.array([analysis.taxonomy.get(c).distance_m for c in analysis.categories])
    return dist, dist <= tiers[:, None], tiers


def test_coverage_equals_a_plain_recount(analyses: dict[str, Analysis], district_name: str) -> None:
    analysis = analyses[district_name]
    taxonomy = analysis.taxonomy
    pop = analysis.homes["population"].to_numpy()
    total = pop.sum()
    dist, served, _ = recount(analysis)
    np.testing.assert_allclose(analysis.home_dist_m, dist)
    np.testing.assert_array_equal(analysis.served, served)
    table = analysis.coverage.by_category
    assert table.index.tolist() == list(taxonomy.ids)
    assert analysis.coverage.residents_total == pytest.approx(total)
    for i, cid in enumerate(analysis.categories):
        row = table.loc[cid]
        cat = taxonomy.get(cid)
        assert row["tier_m"] == cat.distance_m and row["tier_minutes"] == cat.walk_minutes
        assert row["served"] == pytest.approx(pop[served[i]].sum())
        assert row["not_served"] == pytest.approx(total - pop[served[i]].sum())
        assert row["share"] == pytest.approx(pop[served[i]].sum() / total)
        assert row["homes_served"] == served[i].sum()
        for tier in taxonomy.tiers.values():
            share = pop[dist[i] <= tier.distance_m].sum() / total
            assert analysis.coverage.by_tier.loc[cid, f"share_{tier.walk_minutes}min"] == (
                pytest.approx(share)
            )
    complete = pop[served.all(axis=0)].sum()
    assert analysis.coverage.completeness == pytest.approx(complete / total)
    assert analysis.coverage.completeness_residents == pytest.approx(complete)
    # Something is served and something is not: the recount is not trivially all or none.
    assert 0 < table["served"].sum() < total * len(analysis.categories)


def test_completeness_over_the_categories_that_have_facilities(
    analyses: dict[str, Analysis], district_name: str
) -> None:
    # With every category, completeness is 0 on the sample data (no elderly care in OSM);
    # over the categories present it is a real number to recount.
    analysis = analyses[district_name]
    by_share = analysis.coverage.by_category["share"].sort_values(ascending=False)
    rows = [analysis.categories.index(c) for c in by_share.index[:2]]
    cats = tuple(analysis.categories[r] for r in rows)
    pop = analysis.homes["population"].to_numpy()
    dist, served, _ = recount(analysis)
    report = compute_coverage(dist[rows], pop, taxonomy=analysis.taxonomy, categories=cats)
    expected = pop[served[rows].all(axis=0)].sum()
    assert report.completeness_residents == pytest.approx(expected)
    assert report.completeness == pytest.approx(expected / pop.sum())
    assert 0 < expected < pop.sum()


def test_coverage_of_no_homes_is_zero_not_nan(analyses: dict[str, Analysis]) -> None:
    analysis = analyses["wangjing"]
    report = compute_coverage(
        np.zeros((len(analysis.categories), 0)),
        np.zeros(0),
        taxonomy=analysis.taxonomy,
        categories=analysis.categories,
    )
    assert report.residents_total == 0 and report.completeness == 0
    assert (report.by_category["share"] == 0).all()


# --- gaps ----------------------------------------------------------------------------------
def test_gap_hexagons_add_up_to_the_unserved_residents(
    analyses: dict[str, Analysis], district_name: str
) -> None:
    analysis = analyses[district_name]
    cats = analysis.categories
    hexagons = gap_hexagons(analysis.homes, analysis.served, categories=cats)
    _, served, _ = recount(analysis)
    pop = analysis.homes["population"].to_numpy()
    for i, cid in enumerate(cats):
        assert hexagons[f"unmet_{cid}"].sum() == pytest.approx(
            analysis.coverage.by_category.loc[cid, "not_served"]
        )
        assert hexagons[f"unmet_{cid}"].sum() == pytest.approx(pop[~served[i]].sum())
    # Independent per-cell recount.
    cells = [
        h3.latlng_to_cell(float(lat), float(lon), 9)
        for lon, lat in zip(analysis.homes["lon"], analysis.homes["lat"], strict=True)
    ]
    frame = pd.DataFrame({"h3": cells, "residents": pop})
    for i, cid in enumerate(cats):
        frame[cid] = np.where(served[i], 0.0, pop)
    by_cell = frame.groupby("h3").sum()
    got = hexagons.set_index("h3")
    assert set(got.index) == set(by_cell.index)
    for cid in cats:
        np.testing.assert_allclose(got.loc[by_cell.index, f"unmet_{cid}"], by_cell[cid])
    np.testing.assert_allclose(got.loc[by_cell.index, "residents"], by_cell["residents"])
    unmet = by_cell[list(cats)].to_numpy()
    np.testing.assert_allclose(got.loc[by_cell.index, "unmet_total"], unmet.sum(axis=1))
    missing = (unmet / by_cell["residents"].to_numpy()[:, None] >= 0.5).sum(axis=1)
    np.testing.assert_array_equal(got.loc[by_cell.index, "categories_missing"], missing)
    for cell, worst in got["worst_category"].items():
        row = by_cell.loc[cell, list(cats)]
        if row.max() == 0:
            assert worst == ""
        else:
            assert row[worst] == row.max()  # a tie may name any of the worst
    # Ranked worst first: rank 1..n in order of decreasing unmet_total.
    assert hexagons["rank"].tolist() == list(range(1, len(hexagons) + 1))
    assert hexagons["unmet_total"].is_monotonic_decreasing
    assert len(hexagons) > 3
    # Every hexagon polygon holds the homes assigned to it.
    geoms = dict(zip(hexagons["h3"], hexagons.geometry, strict=True))
    for cell, lon, lat in zip(cells, analysis.homes["lon"], analysis.homes["lat"], strict=True):
        assert geoms[cell].buffer(1e-9).covers(Point(lon, lat))


def test_unserved_homes_are_the_ones_beyond_the_tier(analyses: dict[str, Analysis]) -> None:
    analysis = analyses["lujiazui"]
    dist, _, _ = recount(analysis)
    row = analysis.categories.index("health_centre")
    out = unserved_homes(analysis.homes, analysis.served, analysis.categories, "health_centre")
    expected = set(analysis.homes["home_id"][~(dist[row] <= 1000.0)])
    assert set(out["home_id"]) == expected
    assert 0 < len(expected) < len(analysis.homes)


# --- doorstep circles ------------------------------------------------------------------------
BAND_M = 0.1  # polygon chords and the UTM scale factor blur the 50 m edge by a few cm


def test_doorstep_circles_list_exactly_the_services_within_50_m(
    district_name: str, request: pytest.FixtureRequest
) -> None:
    district: District = request.getfixturevalue(district_name)
    crs = district.network.crs
    # Compound entrances are a subset of the district's entrances and gates; circles
    # around all of them are checked (Wangjing's gates are not at residential areas).
    compound = compound_entrances(district.entrances, district.areas, crs=crs)
    assert set(compound["osm_id"]) <= set(district.entrances["osm_id"])
    entrances = district.entrances
    circles = doorstep_circles(entrances, district.facilities, crs=crs)
    assert len(circles) == len(entrances) > 0
    fac = district.facilities
    total_listed = 0
    for (_, entrance), (_, circle) in zip(entrances.iterrows(), circles.iterrows(), strict=True):
        assert circle["circle_id"] == entrance["osm_id"]
        n = len(fac)
        _, _, dist = GEOD.inv(
            np.full(n, entrance.geometry.x),
            np.full(n, entrance.geometry.y),
            fac.geometry.x.to_numpy(),
            fac.geometry.y.to_numpy(),
        )
        inside = fac[dist <= 50.0 - BAND_M]
        maybe = fac[(dist > 50.0 - BAND_M) & (dist <= 50.0 + BAND_M)]
        assert len(inside) <= circle["n_services"] <= len(inside) + len(maybe)
        listed = set(filter(None, str(circle["categories"]).split(";")))
        assert set(inside["category"]) <= listed <= set(inside["category"]) | set(maybe["category"])
        for cat, name in zip(inside["category"], inside["name"], strict=True):
            assert (f"{cat}:{name}" if name else cat) in str(circle["services"])
        total_listed += int(circle["n_services"])
        # The circle is a 50 m circle around the entrance.
        centre = circle.geometry.centroid
        _, _, off = GEOD.inv(entrance.geometry.x, entrance.geometry.y, centre.x, centre.y)
        assert off < 0.05
    if district_name == "lujiazui":
        assert total_listed > 5  # the check above is not vacuous


def test_doorstep_circle_edge_by_construction() -> None:
    # Facilities at known geodesic distances around a gate in Lujiazui.
    lon0, lat0 = 121.5, 31.23
    azimuths = np.arange(0.0, 360.0, 22.5)
    rows = []
    for dist_m, label in ((10.0, "in"), (49.0, "in"), (49.9, "in"), (50.1, "out"), (51, "out")):
        lon, lat, _ = GEOD.fwd(
            np.full(len(azimuths), lon0),
            np.full(len(azimuths), lat0),
            azimuths,
            np.full(len(azimuths), dist_m),
        )
        rows += [(label, f"{dist_m}", x, y) for x, y in zip(lon, lat, strict=True)]
    facilities = gpd.GeoDataFrame(
        {"category": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs="EPSG:4326",
    )
    gate = gpd.GeoDataFrame(
        {"osm_id": ["node/1"], "kind": ["barrier=gate"], "name": ["东门"]},
        geometry=[Point(lon0, lat0)],
        crs="EPSG:4326",
    )
    circle = doorstep_circles(gate, facilities, crs="EPSG:32651").iloc[0]
    assert circle["n_services"] == 3 * len(azimuths)
    assert circle["categories"] == "in"
    assert "out" not in str(circle["services"]) and circle["name"] == "东门"


# --- a population file instead of the building proxy ---------------------------------------
A_KRASOVSKY = 6378245.0
EE_KRASOVSKY = 0.00669342162296594323


def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The published GCJ-02 forward formula (the one every Chinese web map uses)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - EE_KRASOVSKY * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A_KRASOVSKY * (1 - EE_KRASOVSKY)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (A_KRASOVSKY / sqrt_magic * np.cos(rad) * np.pi)
    return lon + dlon, lat + dlat


@pytest.fixture(scope="module")
def population_points(lujiazui: District) -> pd.DataFrame:
    """40 points a few metres off network nodes, with populations (WGS-84)."""
    rng = np.random.default_rng(7)
    nodes = lujiazui.network.nodes
    pick = rng.choice(len(nodes), size=40, replace=False)
    lon = nodes["lon"].to_numpy()[pick] + rng.uniform(-2e-4, 2e-4, 40)
    lat = nodes["lat"].to_numpy()[pick] + rng.uniform(-2e-4, 2e-4, 40)
    return pd.DataFrame(
        {
            "小区": [f"小区{i}" for i in range(40)],
            "lon": lon,
            "lat": lat,
            "人口": rng.integers(50, 3000, 40).astype(float),
        }
    )


@pytest.mark.parametrize("system", ["wgs84", "gcj02"])
def test_population_file_points(
    tmp_path: Path,
    lujiazui: District,
    taxonomy: Taxonomy,
    population_points: pd.DataFrame,
    system: str,
) -> None:
    table = population_points.copy()
    if system == "gcj02":
        table["lon"], table["lat"] = wgs84_to_gcj02(
            table["lon"].to_numpy(), table["lat"].to_numpy()
        )
    lines = ["小区,经度,纬度,人口"]
    lines += [f"{n},{x:.8f},{y:.8f},{p:.0f}" for n, x, y, p in table.itertuples(index=False)]
    lines += ["坏行1,121.5,31.23,", "坏行2,abc,31.23,100", "坏行3,121.5,31.23,-5"]
    path = tmp_path / f"population-{system}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    homes = homes_from_population_file(path, lujiazui.network, coord_system=system)
    assert len(homes) == len(table)  # the three bad rows are dropped
    np.testing.assert_allclose(homes["population"], table["人口"])
    assert homes["name"].tolist() == table["小区"].tolist()
    # Back in WGS-84: within a few centimetres of where the points really are.
    _, _, err = GEOD.inv(
        homes["lon"].to_numpy(),
        homes["lat"].to_numpy(),
        population_points["lon"].to_numpy(),
        population_points["lat"].to_numpy(),
    )
    assert err.max() < 0.05
    if system == "gcj02":  # the conversion really moved them (GCJ-02 is ~500 m off here)
        _, _, shift = GEOD.inv(
            table["lon"].to_numpy(),
            table["lat"].to_numpy(),
            population_points["lon"].to_numpy(),
            population_points["lat"].to_numpy(),
        )
        assert shift.min() > 100.0
    pts = np.column_stack(to_utm("lujiazui").transform(homes["lon"], homes["lat"]))
    oracle = brute_join(lujiazui, "lujiazui", pts)
    base = analyse(lujiazui, taxonomy)
    assert_joined_like_the_oracle(homes, oracle, lujiazui, base.access.dist_m)

    # The file's residents drive coverage: a recount on them.
    analysis = analyse(lujiazui, taxonomy, homes=homes)
    pop = table["人口"].to_numpy()
    dist_h, served, _ = recount(analysis)
    assert analysis.coverage.residents_total == pytest.approx(pop.sum())
    for i, cid in enumerate(analysis.categories):
        assert analysis.coverage.by_category.loc[cid, "served"] == pytest.approx(
            pop[served[i]].sum()
        )
    assert np.isfinite(dist_h).any()


def test_a_home_exactly_at_the_tier_distance_is_served(taxonomy: Taxonomy) -> None:
    cats = ("toilet", "transit", "health_centre")  # 300 m, 500 m and 1000 m tiers
    assert [taxonomy.get(c).distance_m for c in cats] == [300.0, 500.0, 1000.0]
    dist = np.array(
        [
            [300.0, 300.0 + 1e-9, np.inf],
            [500.0, 499.0, 501.0],
            [1000.0, 0.0, 1000.0001],
        ]
    )
    pop = np.array([10.0, 20.0, 30.0])
    report = compute_coverage(dist, pop, taxonomy=taxonomy, categories=cats)
    assert report.by_category["served"].tolist() == [10.0, 30.0, 30.0]
    assert report.by_category["homes_served"].tolist() == [1, 2, 2]
    assert report.by_category["not_served"].tolist() == [50.0, 30.0, 30.0]
    assert report.completeness_residents == 10.0
    assert report.completeness == pytest.approx(10.0 / 60.0)
    park = report.by_tier.loc["toilet"]
    assert park["share_5min"] == pytest.approx(10 / 60)
    assert park["share_10min"] == pytest.approx(30 / 60)
    assert park["share_15min"] == pytest.approx(30 / 60)
