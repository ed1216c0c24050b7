"""Fixtures shared by every test package.

The bundled districts take seconds to parse, so they are loaded once per session, into a
session cache folder under pytest's temporary directory. No test ever writes to the
user's real cache: ``LIFECIRCLE_CACHE_DIR`` points into the session's temporary
directory for the whole run, and tests that need a cache of their own pass
``Settings(cache_dir=tmp_path)``.

It also holds independent expectations for the bundled OSM extracts, and the bad input
files. Everything the tests compare ``geo`` against is computed here from the raw files with
the standard library's ``xml.etree.ElementTree`` and plain arithmetic: which nodes of
which walkable ways lie inside a study area, which consecutive node pairs form edges,
the haversine length of an edge, which tagged elements are facilities of a category.
Only the walking rule itself (``geo.osm.walking.is_walkable``, tested on its own truth table) and,
for the categories decided by name patterns, ``Taxonomy.classify`` on the raw tags are
reused; parsing, clipping, edge building and element discovery are done here.
"""

from __future__ import annotations

import bz2
import math
import os
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry import box as shapely_box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.district.loader import load_district
from geo.district.model import District
from geo.errors import InputFileError, OsmDataError
from geo.osm.walking import is_pedestrian_area, is_walkable
from geo.settings import Settings
from geo.standards.taxonomy import Taxonomy, load_taxonomy

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the default cache folder at a temporary one for the whole session."""
    folder = tmp_path_factory.mktemp("default-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFECIRCLE_CACHE_DIR", str(folder))
        # The user data folder (scenarios, deliberation record, uploads) likewise.
        mp.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path_factory.mktemp("default-data")))
        yield folder


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The repository's ``data/`` folder (bundled OSM extracts, taxonomy, districts)."""
    return DATA_DIR


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose cache is a folder of this session's temporary directory."""
    return Settings(cache_dir=tmp_path_factory.mktemp("district-cache"))


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """The bundled facility taxonomy (``data/taxonomy.yaml``)."""
    return load_taxonomy()


@pytest.fixture(scope="session")
def lujiazui(taxonomy: Taxonomy, session_settings: Settings) -> District:
    """The bundled Shanghai Lujiazui district, parsed from its OSM extract."""
    return load_district("lujiazui", taxonomy=taxonomy, settings=session_settings)


@pytest.fixture(scope="session")
def wangjing(taxonomy: Taxonomy, session_settings: Settings) -> District:
    """The bundled Beijing Wangjing district, parsed from its OSM extract."""
    return load_district("wangjing", taxonomy=taxonomy, settings=session_settings)


LUJIAZUI_FILE = DATA_DIR / "shanghai_lujiazui.osm"
WANGJING_FILE = DATA_DIR / "beijing_wangjing.osm"

BBox = tuple[float, float, float, float]
# The study areas of data/districts.yaml (west, south, east, north); Wangjing's is also the
# <bounds> element of its file.
LUJIAZUI_BBOX: BBox = (121.487, 31.224, 121.513, 31.246)
WANGJING_BBOX: BBox = (116.4595, 39.9867, 116.4817, 40.0041)

# osmnx.distance.great_circle uses earth_radius=6371009 m (the IUGG mean radius, 6371008.8 m,
# rounded); the two differ by 3e-8 relative, far below the 0.01 m tolerance of the tests.
EARTH_RADIUS_M = 6_371_009.0


# --- an independent reading of an OSM XML file -------------------------------------------
@dataclass(frozen=True)
class Way:
    id: int
    refs: tuple[int, ...]
    tags: dict[str, str]


@dataclass(frozen=True)
class Relation:
    id: int
    members: tuple[tuple[str, int], ...]  # (type, ref)
    tags: dict[str, str]


@dataclass
class OsmXml:
    """What ElementTree reads from an ``.osm`` file, with no help from ``geo``."""

    path: Path
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (lon, lat)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: list[Way] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    bounds: BBox | None = None
    osm_base: str | None = None
    newest_timestamp: str | None = None

    def distance_m(self, a: int, b: int) -> float:
        """Haversine distance between two nodes of the file, in metres."""
        (lon1, lat1), (lon2, lat2) = self.nodes[a], self.nodes[b]
        phi1, phi2 = math.radians(lat1), math.radians(lat2)
        dphi = phi2 - phi1
        dlam = math.radians(lon2 - lon1)
        h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _tags(element: ET.Element) -> dict[str, str]:
    return {t.attrib["k"]: t.attrib["v"] for t in element.iter("tag")}


def parse_osm_xml(path: Path) -> OsmXml:
    osm = OsmXml(path=path)
    newest = ""
    for _, element in ET.iterparse(path, events=("end",)):
        stamp = element.get("timestamp")
        if stamp and stamp > newest:
            newest = stamp
        if element.tag == "node":
            node_id = int(element.attrib["id"])
            osm.nodes[node_id] = (float(element.attrib["lon"]), float(element.attrib["lat"]))
            tags = _tags(element)
            if tags:
                osm.node_tags[node_id] = tags
            element.clear()
        elif element.tag == "way":
            refs = tuple(int(nd.attrib["ref"]) for nd in element.iter("nd"))
            osm.ways.append(Way(int(element.attrib["id"]), refs, _tags(element)))
            element.clear()
        elif element.tag == "relation":
            members = tuple(
                (m.attrib["type"], int(m.attrib["ref"])) for m in element.iter("member")
            )
            osm.relations.append(Relation(int(element.attrib["id"]), members, _tags(element)))
            element.clear()
        elif element.tag == "bounds":
            osm.bounds = (
                float(element.attrib["minlon"]),
                float(element.attrib["minlat"]),
                float(element.attrib["maxlon"]),
                float(element.attrib["maxlat"]),
            )
        elif element.tag == "meta" and element.get("osm_base"):
            osm.osm_base = element.attrib["osm_base"]
    osm.newest_timestamp = newest or None
    return osm


# --- expected walking network ----------------------------------------------------------------
def strictly_inside(lon: float, lat: float, bbox: BBox) -> bool:
    west, south, east, north = bbox
    return west < lon < east and south < lat < north


def walks(way: Way) -> bool:
    """A walkable way, or the closed outline of a pedestrian square."""
    closed = len(way.refs) >= 4 and way.refs[0] == way.refs[-1]
    return is_walkable(way.tags) or (closed and is_pedestrian_area(way.tags))


def expected_edges(osm: OsmXml, bbox: BBox) -> set[tuple[int, int]]:
    """Distinct undirected pairs of nodes consecutive in a walkable way, both inside."""
    pairs: set[tuple[int, int]] = set()
    for way in osm.ways:
        if not walks(way):
            continue
        for a, b in zip(way.refs, way.refs[1:], strict=False):
            if a == b:
                continue
            if strictly_inside(*osm.nodes[a], bbox) and strictly_inside(*osm.nodes[b], bbox):
                pairs.add((min(a, b), max(a, b)))
    return pairs


def component_sizes(edges: set[tuple[int, int]]) -> list[int]:
    """Sizes of the connected pieces of an edge set (union-find), largest first."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    sizes: dict[int, int] = {}
    for node in list(parent):
        root = find(node)
        sizes[root] = sizes.get(root, 0) + 1
    return sorted(sizes.values(), reverse=True)


# --- expected facilities -------------------------------------------------------------------
# The categories of data/taxonomy.yaml that plain tag values decide, restated from the
# standard (GB 50180-2018 Appendix B as mapped to OSM in the taxonomy's comments).
SIMPLE_CATEGORY_TAGS: dict[str, list[tuple[str, frozenset[str]]]] = {
    "health_centre": [
        ("amenity", frozenset({"hospital"})),
        ("healthcare", frozenset({"centre", "hospital"})),
    ],
    "pharmacy": [
        ("amenity", frozenset({"pharmacy"})),
        ("healthcare", frozenset({"pharmacy"})),
        ("shop", frozenset({"chemist"})),
    ],
    "food_market": [
        ("amenity", frozenset({"marketplace"})),
        (
            "shop",
            frozenset({"supermarket", "greengrocer", "butcher", "seafood", "farm", "wholesale"}),
        ),
    ],
    "convenience": [("shop", frozenset({"convenience", "general", "kiosk"}))],
    "sports": [
        (
            "leisure",
            frozenset(
                {
                    "sports_centre",
                    "sports_hall",
                    "fitness_centre",
                    "stadium",
                    "track",
                    "swimming_pool",
                }
            ),
        ),
        ("amenity", frozenset({"gym"})),
    ],
    "small_sports": [("leisure", frozenset({"pitch"}))],
    "fitness_ground": [("leisure", frozenset({"fitness_station", "playground"}))],
    "culture_centre": [
        ("amenity", frozenset({"library", "arts_centre", "theatre", "exhibition_centre"})),
        ("tourism", frozenset({"museum", "gallery"})),
    ],
    "transit": [
        ("highway", frozenset({"bus_stop"})),
        ("public_transport", frozenset({"platform", "stop_position", "station"})),
        ("railway", frozenset({"station", "subway_entrance", "halt", "tram_stop"})),
        ("amenity", frozenset({"ferry_terminal", "bus_station"})),
    ],
    "toilet": [("amenity", frozenset({"toilets"}))],
}
# Decided by name patterns (小学/中学/幼儿园/居委 ...): Taxonomy.classify on the raw tags.
NAME_RULE_CATEGORIES = frozenset(
    {
        "health_centre",
        "health_station",
        "nursing_home",
        "elderly_daycare",
        "canteen",
        "kindergarten",
        "nursery",
        "primary_school",
        "middle_school",
        "community_service",
        "street_office",
        "culture_station",
        "culture_centre",
        "fitness_ground",
    }
)
# Parks by size (the 城市体检 rule): Taxonomy.classify on the raw tags plus the area that the
# oracle measures itself (geodesic, on the closed way or the relation's rings).
PARK_CATEGORIES = frozenset({"park_large", "park_small", "pocket_green"})
_GEOD = Geod(ellps="WGS84")


def simple_categories(tags: Mapping[str, str]) -> set[str]:
    found = set()
    for category, tests in SIMPLE_CATEGORY_TAGS.items():
        for key, values in tests:
            parts = {p.strip() for p in tags.get(key, "").split(";")}
            if parts & values:
                found.add(category)
    # A hospital mapped only as its building counts when it has a name.
    if tags.get("building") == "hospital" and tags.get("name"):
        found.add("health_centre")
    return found


def geodesic_area_m2(geometry: BaseGeometry | None) -> float | None:
    """The area of a polygon on the ellipsoid (None for anything else)."""
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return abs(_GEOD.geometry_area_perimeter(geometry)[0])


def way_geometry(osm: OsmXml, refs: tuple[int, ...]) -> BaseGeometry:
    points = [osm.nodes[r] for r in refs if r in osm.nodes]
    if len(points) >= 4 and refs[0] == refs[-1]:
        return Polygon(points)
    if len(points) >= 2:
        return LineString(points)
    return Point(points[0])


def expected_facilities(osm: OsmXml, bbox: BBox, taxonomy: Taxonomy) -> dict[str, set[str]]:
    """``{category: {"node/1", "way/2", ...}}`` of tagged elements touching the study area.

    An element belongs to the study area when its geometry (point, line, or polygon for
    a closed way; for a relation, any member) intersects the bbox, borders included.
    """
    area = shapely_box(*bbox)
    elements: list[tuple[str, dict[str, str]]] = []
    for node_id, tags in osm.node_tags.items():
        if area.intersects(Point(osm.nodes[node_id])):
            elements.append((f"node/{node_id}", tags))
    geometries = {way.id: way_geometry(osm, way.refs) for way in osm.ways}
    for way in osm.ways:
        if way.tags and area.intersects(geometries[way.id]):
            elements.append((f"way/{way.id}", way.tags))
    for rel in osm.relations:
        parts = [
            geometries[ref] for kind, ref in rel.members if kind == "way" and ref in geometries
        ]
        parts += [
            Point(osm.nodes[ref])
            for kind, ref in rel.members
            if kind == "node" and ref in osm.nodes
        ]
        if rel.tags and any(area.intersects(g) for g in parts):
            elements.append((f"relation/{rel.id}", rel.tags))
    found: dict[str, set[str]] = {}
    tags_of = dict(elements)
    shapes = {f"way/{i}": g for i, g in geometries.items()}
    for rel in osm.relations:
        outer = [
            geometries[ref]
            for kind, ref in rel.members
            if kind == "way" and ref in geometries and geometries[ref].geom_type == "Polygon"
        ]
        if outer:
            shapes[f"relation/{rel.id}"] = unary_union(outer)
    for osm_id, tags in elements:
        categories = simple_categories(tags)
        categories |= NAME_RULE_CATEGORIES.intersection(taxonomy.classify(tags))
        area = geodesic_area_m2(shapes.get(osm_id))
        sized = tags | ({"area_m2": f"{area:.1f}"} if area is not None else {})
        categories |= PARK_CATEGORIES.intersection(taxonomy.classify(sized))
        for category in categories:
            found.setdefault(category, set()).add(osm_id)
    # A facility known only from its building is part of a site mapped with its use when
    # its name contains the site's name and the two are within 200 m (the README's rule).
    for ids in found.values():
        for building in [i for i in ids if _building_only(tags_of[i])]:
            name = tags_of[building].get("name", "")
            for site in ids - {building}:
                site_name = tags_of[site].get("name", "")
                if (
                    not _building_only(tags_of[site])
                    and site_name
                    and site_name in name
                    and _distance_m(osm, geometries, building, site) <= 200.0
                ):
                    ids.discard(building)
                    break
    return found


def _building_only(tags: Mapping[str, str]) -> bool:
    uses = {"amenity", "leisure", "healthcare", "shop", "office", "social_facility"}
    return "building" in tags and not (uses & tags.keys())


def _distance_m(osm: OsmXml, geometries: Mapping[int, BaseGeometry], a: str, b: str) -> float:
    """Metres between the centroids of two elements (equirectangular, fine at 200 m)."""

    def centre(osm_id: str) -> tuple[float, float]:
        kind, ident = osm_id.split("/")
        if kind == "node":
            return osm.nodes[int(ident)]
        c = geometries[int(ident)].centroid
        return (c.x, c.y)

    (lon1, lat1), (lon2, lat2) = centre(a), centre(b)
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * k, lat2 - lat1) * EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True)
class Expected:
    """The independent answer for one study area of one file."""

    osm: OsmXml
    bbox: BBox
    crs: str
    data_date: str
    node_ids: set[int]
    edges: set[tuple[int, int]]
    facilities: dict[str, set[str]]

    @property
    def facility_counts(self) -> dict[str, int]:
        return {category: len(ids) for category, ids in self.facilities.items()}

    @property
    def component_sizes(self) -> list[int]:
        return component_sizes(self.edges)


def build_expected(
    osm: OsmXml, bbox: BBox, crs: str, data_date: str, taxonomy: Taxonomy
) -> Expected:
    edges = expected_edges(osm, bbox)
    return Expected(
        osm=osm,
        bbox=bbox,
        crs=crs,
        data_date=data_date,
        node_ids={n for pair in edges for n in pair},
        edges=edges,
        facilities=expected_facilities(osm, bbox, taxonomy),
    )


@pytest.fixture(scope="session")
def lujiazui_osm() -> OsmXml:
    return parse_osm_xml(LUJIAZUI_FILE)


@pytest.fixture(scope="session")
def wangjing_osm() -> OsmXml:
    return parse_osm_xml(WANGJING_FILE)


@pytest.fixture(scope="session")
def expected_lujiazui(lujiazui_osm: OsmXml, taxonomy: Taxonomy) -> Expected:
    # Overpass extract: the data date is its <meta osm_base>.
    assert lujiazui_osm.osm_base is not None
    return build_expected(
        lujiazui_osm, LUJIAZUI_BBOX, "EPSG:32651", lujiazui_osm.osm_base[:10], taxonomy
    )


@pytest.fixture(scope="session")
def expected_wangjing(wangjing_osm: OsmXml, taxonomy: Taxonomy) -> Expected:
    # API export: no osm_base, the data date is the newest element's timestamp.
    assert wangjing_osm.newest_timestamp is not None
    return build_expected(
        wangjing_osm, WANGJING_BBOX, "EPSG:32650", wangjing_osm.newest_timestamp[:10], taxonomy
    )


# --- files in other formats ------------------------------------------------------------------
def write_with_osmium(src: Path, dst: Path) -> Path:
    """Copy every node, way and relation of ``src`` to ``dst`` (format from its suffix)."""
    writer = osmium.SimpleWriter(str(dst))
    try:
        for obj in osmium.FileProcessor(str(src)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            elif obj.is_relation():
                writer.add_relation(obj)
    finally:
        writer.close()
    return dst


@pytest.fixture(scope="session")
def wangjing_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_with_osmium(WANGJING_FILE, tmp_path_factory.mktemp("pbf") / "w.osm.pbf")


@pytest.fixture(scope="session")
def wangjing_bz2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bz2") / "w.osm.bz2"
    path.write_bytes(bz2.compress(WANGJING_FILE.read_bytes()))
    return path


# --- bad input files -------------------------------------------------------------------------
def _junk(n: int = 4096) -> bytes:
    rng = random.Random(20240601)
    data = bytes(rng.randrange(256) for _ in range(n))
    assert not data.startswith(b"BZh") and b"OSMHeader" not in data
    return data


NO_WALKABLE_OSM = b"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="lifecircle tests">
 <bounds minlat="39.98" minlon="116.46" maxlat="40.00" maxlon="116.48"/>
 <node id="1" version="1" lat="39.990" lon="116.470"/>
 <node id="2" version="1" lat="39.991" lon="116.471"/>
 <node id="3" version="1" lat="39.992" lon="116.472"/>
 <node id="4" version="1" lat="39.993" lon="116.473"><tag k="amenity" v="toilets"/></node>
 <way id="10" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>
 <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="cycleway"/></way>
 <way id="12" version="1"><nd ref="1"/><nd ref="3"/><tag k="waterway" v="river"/></way>
 <way id="13" version="1"><nd ref="3"/><nd ref="1"/>
  <tag k="highway" v="footway"/><tag k="access" v="private"/></way>
</osm>
"""

HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>
"""

# What Overpass sends back on a timeout: XHTML with an XML prolog, saved as ".osm".
OVERPASS_ERROR_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head><title>OSM3S Response</title></head>
<body><p><strong style="color:#FF0000">Error</strong>: runtime error: Query timed out in
"query" at line 1 after 26 seconds.</p></body></html>
"""

CSV_TABLE = "name,category,lon,lat\n望京小学,小学,116.4712,39.9934\n".encode()


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _missing(folder: Path) -> Path:
    return folder / "missing.osm"


def _folder(folder: Path) -> Path:
    path = folder / "folder.osm"
    path.mkdir()
    return path


def _truncated_osm(folder: Path) -> Path:
    return _write("truncated.osm", WANGJING_FILE.read_bytes()[:5000])(folder)


def _truncated_bz2(folder: Path) -> Path:
    return _write("truncated.osm.bz2", bz2.compress(WANGJING_FILE.read_bytes())[:20_000])(folder)


def _truncated_pbf(folder: Path) -> Path:
    full = write_with_osmium(WANGJING_FILE, folder / "full.osm.pbf")
    data = full.read_bytes()
    full.unlink()
    return _write("truncated.osm.pbf", data[: len(data) // 2])(folder)


@dataclass(frozen=True)
class BadInput:
    """A file ``load_district`` must refuse with one clear line."""

    id: str
    make: Callable[[Path], Path]
    error: type[InputFileError]
    keywords: tuple[str, ...]
    in_brief: bool = True  # also run through the real console script


BAD_INPUTS = [
    BadInput("missing", _missing, InputFileError, ("missing.osm", "neither an existing file")),
    BadInput("empty", _write("empty.osm", b""), InputFileError, ("empty.osm", "is empty")),
    BadInput("truncated-xml", _truncated_osm, InputFileError, ("truncated.osm", "truncated")),
    BadInput("binary-junk", _write("junk.osm", _junk()), InputFileError, ("junk.osm", "binary")),
    BadInput(
        "csv-renamed",
        _write("facilities.osm", CSV_TABLE),
        InputFileError,
        ("facilities.osm", "not OpenStreetMap data"),
    ),
    BadInput(
        "html-page",
        _write("download.osm", HTML_PAGE),
        InputFileError,
        ("download.osm", "not OpenStreetMap data"),
    ),
    BadInput(
        "no-walkable-ways",
        _write("motorway_only.osm", NO_WALKABLE_OSM),
        OsmDataError,
        ("motorway_only.osm", "no walkable ways"),
    ),
    BadInput(
        "corrupt-pbf",
        _write("junk.osm.pbf", _junk()),
        InputFileError,
        ("junk.osm.pbf", "not a valid .osm.pbf"),
    ),
    BadInput(
        "corrupt-bz2",
        _write("junk.osm.bz2", _junk()),
        InputFileError,
        ("junk.osm.bz2", "not a bzip2-compressed"),
    ),
    # Beyond the brief: run in-process only.
    BadInput(
        "overpass-error-xhtml",
        _write("overpass.osm", OVERPASS_ERROR_PAGE),
        InputFileError,
        ("overpass.osm", "cannot be read as OSM data"),
        in_brief=False,
    ),
    BadInput(
        "truncated-bz2",
        _truncated_bz2,
        InputFileError,
        ("truncated.osm.bz2", "cannot be read"),
        in_brief=False,
    ),
    BadInput(
        "truncated-pbf",
        _truncated_pbf,
        InputFileError,
        ("truncated.osm.pbf", "truncated"),
        in_brief=False,
    ),
    BadInput("folder", _folder, InputFileError, ("folder.osm", "folder"), in_brief=False),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``bad_input`` (every case) and ``bad_input_cli`` (the brief's cases)."""
    if "bad_input" in metafunc.fixturenames:
        metafunc.parametrize("bad_input", BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
    if "bad_input_cli" in metafunc.fixturenames:
        cases = [b for b in BAD_INPUTS if b.in_brief]
        metafunc.parametrize("bad_input_cli", cases, ids=[b.id for b in cases])


@pytest.fixture(scope="session")
def bad_inputs() -> list[BadInput]:
    return list(BAD_INPUTS)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per usable CPU, at least two (the browser tests wait on a
    server more than they compute) and at most six (each worker may boot a Streamlit
    server and a Chromium)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(6, usable or 2))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files of browser tests first, then other slow files, each file's tests kept together
    and in order.

    ``--dist loadfile`` hands out files in this order (``--no-loadscope-reorder`` in
    pyproject.toml keeps xdist from putting the files with most tests first): the longest
    jobs start at once and the many short files fill the gaps at the end, instead of a
    single three-minute browser file starting last and running alone.
    """

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("browser"):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    file_rank: dict[str, int] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        file_rank[path] = min(file_rank.get(path, 2), rank(item))
    order = {path: i for i, path in enumerate(file_rank)}
    items.sort(key=lambda item: (file_rank[p := item.nodeid.split("::", 1)[0]], order[p]))
