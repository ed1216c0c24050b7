"""Downloading from Overpass/Nominatim, against a local server that plays back recorded answers.

Nothing here reaches a real server: both URLs point at 127.0.0.1, and every test runs with
``socket.connect`` limited to the loopback address. The answers in
``tests/fixtures/overpass`` were built from the bundled Lujiazui extract by ``record.py``.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import osmnx as ox
import pytest
import yaml
from shapely import Polygon, box

from geo.district.model import District
from geo.district.online import load_overpass_district
from geo.errors import InputFileError, OfflineError, OsmDataError
from geo.osm import overpass
from geo.osm.overpass import fetch_raw_osm
from geo.osm.walking import WALK_OVERPASS_FILTER, is_pedestrian_area, is_walkable
from geo.settings import Settings
from geo.standards.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, parse_taxonomy
from lifecircle.cli.main import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "overpass"
BBOX = (121.495, 31.230, 121.505, 31.238)  # the box record.py recorded
BBOX_ARG = "121.495,31.230,121.505,31.238"
PLACE = "陆家嘴 Lujiazui test area, Pudong, Shanghai"
POINT_PLACE = "Oriental Pearl Tower"  # answered with a point, not an area
PLACES = {PLACE, POINT_PLACE}
OSM_BASE_DATE = "2026-08-15"
OFFLINE_MESSAGE = "Overpass cannot be reached (no internet?): use a local .osm/.osm.pbf file"

# The osmnx settings fetch_raw_osm changes, and must give back.
OSMNX_SETTINGS = (
    "overpass_url", "nominatim_url", "use_cache", "cache_folder", "requests_timeout",
    "requests_kwargs", "overpass_rate_limit", "doh_url_template", "useful_tags_way",
    "cache_only_mode", "overpass_settings", "overpass_memory", "default_crs",
    "bidirectional_network_types",
)  # fmt: skip


@functools.cache
def recorded(name: str) -> bytes:
    """A recorded answer's bytes (``name.gz`` is decompressed)."""
    plain = FIXTURES / name
    if plain.exists():
        return plain.read_bytes()
    return gzip.decompress((FIXTURES / f"{name}.gz").read_bytes())


def recorded_json(name: str) -> Any:
    return json.loads(recorded(name))


# --- the playback server -------------------------------------------------------------------
@dataclass(frozen=True)
class Seen:
    """One request the playback server received."""

    method: str
    path: str
    params: dict[str, str]
    lock_held: bool

    @property
    def query(self) -> str:
        return self.params.get("data", "")


@dataclass
class Playback:
    """What the server answers (``mode``) and what it was asked (``seen``)."""

    url: str
    mode: str = "ok"
    seen: list[Seen] = field(default_factory=list)

    @property
    def overpass_url(self) -> str:
        return f"{self.url}/api"

    @property
    def nominatim_url(self) -> str:
        return f"{self.url}/nominatim/"

    def interpreter(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/api/interpreter"]

    def searches(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/nominatim/search"]


REMARK_ANSWER = (
    b'{"version":0.6,"osm3s":{"timestamp_osm_base":"2026-08-15T11:23:42Z"},"elements":[\n\n],\n'
    b'"remark": "runtime error: Query timed out in \\"query\\" at line 1 after 181 seconds."\n}\n'
)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self._answer("GET", parts.path, parse_qs(parts.query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        self._answer("POST", urlsplit(self.path).path, parse_qs(body))

    def _answer(self, method: str, path: str, raw: dict[str, list[str]]) -> None:
        params = {k: v[0] for k, v in raw.items()}
        playback = self.server.playback
        playback.seen.append(Seen(method, path, params, overpass.OSMNX_SETTINGS_LOCK.locked()))
        mode = playback.mode
        if mode == "slow":
            time.sleep(1.5)  # longer than the client's timeout
        if mode in {"http500", "http429"}:
            self._send(int(mode[4:]), b"<html><body>error</body></html>", "text/html")
        elif mode == "html":
            self._send(200, b"<html><body>Please log in to the Wi-Fi</body></html>", "text/html")
        elif path == "/api/interpreter":
            query = params.get("data", "")
            if mode == "remark":
                self._send(200, REMARK_ANSWER)
            elif '"highway"~' in query:  # the walking network query
                empty = b'{"version":0.6,"osm3s":{},"elements":[]}'
                self._send(200, empty if mode == "no_ways" else recorded("network.json"))
            else:
                self._send(200, recorded("features.json"))
        elif path == "/nominatim/search":
            results = recorded_json("nominatim_search.json") if params.get("q") in PLACES else []
            if params.get("q") == POINT_PLACE:
                results[0]["geojson"] = {"type": "Point", "coordinates": [121.5, 31.234]}
            self._send(200, json.dumps(results).encode("utf-8"))
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    playback: Playback


def start_playback() -> tuple[_Server, Playback]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.playback = Playback(url=f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, server.playback


@pytest.fixture
def playback() -> Iterator[Playback]:
    # The socket listens once the server is constructed: no readiness poll needed.
    server, pb = start_playback()
    yield pb
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", autouse=True)
def _loopback_only() -> Iterator[None]:
    """Fail any test that tries to open a connection beyond this machine."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in {"127.0.0.1", "::1", "localhost"}:
            raise AssertionError(f"a test tried to reach {address!r}")
        real_connect(self, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        yield


def settings_for(pb: Playback, tmp_path: Path, **changes: Any) -> Settings:
    return Settings(
        cache_dir=tmp_path / "cache",
        overpass_url=pb.overpass_url,
        nominatim_url=pb.nominatim_url,
        overpass_timeout_s=20,
    ).with_(**changes)


def dead_url() -> str:
    """A loopback URL where nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def osmnx_settings() -> dict[str, Any]:
    values = {name: getattr(ox.settings, name) for name in OSMNX_SETTINGS}
    values["socket.getaddrinfo"] = socket.getaddrinfo
    return values


# --- an independent count of the recorded answer --------------------------------------------
@dataclass(frozen=True)
class Expected:
    nodes: int
    edges: int
    ways: int
    buildings: int
    dropped_way_ids: frozenset[int]


@functools.cache
def expected(bbox: tuple[float, float, float, float] = BBOX) -> Expected:
    """Count, with plain Python, what the district must hold.

    Edges: distinct pairs of consecutive nodes of walkable ways with both ends strictly
    inside the box; nodes: the ends of those edges; buildings: closed ``building`` ways
    whose outline meets the box.
    """
    west, south, east, north = bbox
    elements = recorded_json("network.json")["elements"]
    coords = {e["id"]: (e["lon"], e["lat"]) for e in elements if e["type"] == "node"}

    def inside(node_id: int) -> bool:
        lon, lat = coords[node_id]
        return west < lon < east and south < lat < north

    pairs: set[tuple[int, int]] = set()
    ways: set[int] = set()
    dropped: set[int] = set()
    for way in (e for e in elements if e["type"] == "way"):
        tags = way.get("tags", {})
        if not (is_walkable(tags) or is_pedestrian_area(tags)):
            dropped.add(way["id"])
            continue
        refs = way["nodes"]
        for a, b in itertools.pairwise(refs):
            if a != b and inside(a) and inside(b):
                pairs.add((min(a, b), max(a, b)))
                ways.add(way["id"])

    features = recorded_json("features.json")["elements"]
    fcoords = {e["id"]: (e["lon"], e["lat"]) for e in features if e["type"] == "node"}
    area = box(*bbox)
    buildings = 0
    for way in (e for e in features if e["type"] == "way"):
        refs = way["nodes"]
        if "building" in way.get("tags", {}) and len(refs) >= 4 and refs[0] == refs[-1]:
            buildings += Polygon([fcoords[n] for n in refs]).intersects(area)
    return Expected(
        nodes=len({n for pair in pairs for n in pair}),
        edges=len(pairs),
        ways=len(ways),
        buildings=buildings,
        dropped_way_ids=frozenset(dropped),
    )


# --- downloading ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Download:
    district: District
    playback: Playback


@pytest.fixture(scope="module")
def bbox_download(
    tmp_path_factory: pytest.TempPathFactory, taxonomy: Taxonomy
) -> Iterator[Download]:
    """One bbox download, shared by the tests that only read it."""
    server, pb = start_playback()
    settings = settings_for(pb, tmp_path_factory.mktemp("bbox"))
    district = load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)
    yield Download(district, pb)
    server.shutdown()
    server.server_close()


def test_bbox_download_matches_an_independent_count(bbox_download: Download) -> None:
    district = bbox_download.district

    want = expected()
    assert want.edges > 300  # the box holds a real network, not a handful of ways
    assert district.network.n_nodes == want.nodes
    assert district.network.n_edges == want.edges
    assert district.meta.walkable_ways == want.ways
    assert len(district.buildings) == want.buildings
    assert district.timings_s["cached"] == 0.0


def test_bbox_download_metadata(bbox_download: Download) -> None:
    meta = bbox_download.district.meta

    assert meta.source_kind == "overpass"
    assert meta.source == "overpass:bbox=121.495,31.23,121.505,31.238"
    assert meta.bbox == pytest.approx(BBOX)
    assert meta.data_date == OSM_BASE_DATE  # the answer's osm_base, not today
    overpass_url = bbox_download.playback.overpass_url
    assert meta.provenance.startswith(f"Overpass API {overpass_url} query way[")
    assert WALK_OVERPASS_FILTER in meta.provenance
    assert "osm_base 2026-08-15" in meta.provenance
    assert meta.attribution == "© OpenStreetMap contributors, ODbL 1.0"
    assert len(meta.sha256) == 64
    assert meta.crs == "EPSG:32651"


def test_server_is_asked_with_the_walking_filter_and_the_taxonomy_tags(
    bbox_download: Download,
) -> None:
    seen = bbox_download.playback.seen

    assert [(s.method, s.path) for s in seen] == [("POST", "/api/interpreter")] * 2
    network, features = (s.query for s in seen)  # no /status call, no Nominatim
    assert f"way{WALK_OVERPASS_FILTER}(poly:" in network
    assert network.startswith("[out:json][timeout:20];")
    assert "['amenity'='kindergarten']" in features
    assert "['building'](poly:" in features
    assert "['leisure'](poly:" in features
    assert all(s.lock_held for s in seen)


def test_python_guard_drops_ways_the_filter_lets_through(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    raw, area = fetch_raw_osm(
        bbox=BBOX,
        feature_tags=taxonomy.osm_query_tags(),
        settings=settings_for(playback, tmp_path),
    )

    way_ids = set(raw.ways.way_osm_id.tolist())
    assert expected().dropped_way_ids  # access=private service roads, cycleways without foot
    assert not way_ids & expected().dropped_way_ids
    answer = recorded_json("network.json")["elements"]
    tags_of = {e["id"]: e.get("tags", {}) for e in answer if e["type"] == "way"}
    assert way_ids
    assert all(is_walkable(tags_of[w]) or is_pedestrian_area(tags_of[w]) for w in way_ids)
    assert area.equals(box(*BBOX))
    assert raw.data_date == OSM_BASE_DATE


def test_place_download_geocodes_with_nominatim(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    district = load_overpass_district(
        place=PLACE, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
    )

    (search,) = playback.searches()
    assert search.method == "GET"
    assert search.params["q"] == PLACE
    assert search.params["format"] == "json"
    assert search.params["polygon_geojson"] == "1"
    assert len(playback.interpreter()) == 2
    # The recorded boundary is the recorded box, so the network is the same.
    assert district.network.n_nodes == expected().nodes
    assert district.network.n_edges == expected().edges
    assert district.meta.name == PLACE
    assert district.meta.source == f"overpass:place={PLACE}"
    assert district.meta.bbox == pytest.approx(BBOX)


def test_unknown_place_is_an_input_error(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    with pytest.raises(InputFileError, match="place 'Atlantis' was not found"):
        load_overpass_district(
            place="Atlantis", taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
        )
    assert len(playback.searches()) == 1
    assert playback.interpreter() == []


def test_place_that_is_a_point_is_an_input_error(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    with pytest.raises(InputFileError, match="is a point or a line in OpenStreetMap, not an area"):
        load_overpass_district(
            place=POINT_PLACE, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
        )
    assert playback.interpreter() == []


def test_polygon_download(playback: Playback, tmp_path: Path, taxonomy: Taxonomy) -> None:
    area = box(*BBOX)
    district = load_overpass_district(
        polygon=area, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
    )

    assert district.network.n_edges == expected().edges
    assert district.meta.source.startswith("overpass:polygon=")
    assert district.meta.bbox == pytest.approx(BBOX)
    assert playback.searches() == []


def test_area_without_walkable_ways_is_an_osm_data_error(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    playback.mode = "no_ways"
    with pytest.raises(OsmDataError, match="no walkable ways"):
        load_overpass_district(
            bbox=BBOX, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one study area"),
        ({"place": PLACE, "bbox": BBOX}, "got place and bbox"),
        ({"bbox": (31.23, 121.495, 31.238, 121.505)}, "swapped"),
        ({"place": "  "}, "place name is empty"),
        (
            {"polygon": Polygon([(121.4, 31.2), (121.5, 31.3), (121.5, 31.2), (121.4, 31.3)])},
            "valid, non-empty polygon",
        ),
        ({"polygon": box(120.0, 30.0, 122.0, 32.0)}, "larger than one square degree"),
    ],
)
def test_bad_study_area_is_refused_before_going_online(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputFileError, match=message):
        load_overpass_district(
            **kwargs, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
        )
    assert playback.seen == []


# --- the cache ------------------------------------------------------------------------------
def test_second_call_is_served_from_the_cache(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    settings = settings_for(playback, tmp_path)
    first = load_overpass_district(place=PLACE, taxonomy=taxonomy, settings=settings)
    hits = len(playback.seen)

    second = load_overpass_district(place=PLACE, taxonomy=taxonomy, settings=settings)

    assert hits == 3  # one Nominatim search, two Overpass queries
    assert len(playback.seen) == hits
    assert second.timings_s["cached"] == 1.0
    assert second.meta == first.meta
    assert second.network.n_edges == first.network.n_edges
    assert (settings.cache_dir / "districts" / first.meta.cache_key / "manifest.json").is_file()
    # osmnx's own answer cache lives in the cache folder too, never in ./cache.
    assert len(list((settings.cache_dir / "overpass").glob("*.json"))) == 3


def test_without_cache_every_call_goes_online(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    settings = settings_for(playback, tmp_path, use_cache=False)
    for _ in range(2):
        load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)

    assert len(playback.interpreter()) == 4
    assert not settings.cache_dir.exists()


def test_taxonomies_built_in_memory_do_not_share_an_entry(
    playback: Playback, tmp_path: Path
) -> None:
    doc = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))
    settings = settings_for(playback, tmp_path)
    districts = []
    for keep in ({"transit", "park_large"}, {"park_large"}):
        subset = dict(doc, categories=[c for c in doc["categories"] if c["id"] in keep])
        taxonomy = parse_taxonomy(subset, source="in memory")
        districts.append(load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings))

    assert districts[0].meta.cache_key != districts[1].meta.cache_key
    assert set(districts[1].facility_counts()) <= {"park_large"}
    # The walking network query is the same, so osmnx's answer cache serves it.
    assert len(playback.interpreter()) == 3


def test_cache_key_depends_on_the_server(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    settings = settings_for(playback, tmp_path)
    load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)
    other_server, other = start_playback()
    try:
        load_overpass_district(
            bbox=BBOX,
            taxonomy=taxonomy,
            settings=settings.with_(overpass_url=other.overpass_url),
        )
    finally:
        other_server.shutdown()
        other_server.server_close()
    assert len(other.interpreter()) == 2


# --- failures -------------------------------------------------------------------------------
def test_unreachable_server_raises_offline_error(tmp_path: Path, taxonomy: Taxonomy) -> None:
    settings = Settings(cache_dir=tmp_path / "cache", overpass_url=dead_url(), use_cache=True)
    with pytest.raises(OfflineError) as info:
        load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)

    assert str(info.value).startswith(OFFLINE_MESSAGE)
    assert "\n" not in str(info.value)
    assert not (settings.cache_dir / "districts").exists()


def test_unreachable_nominatim_raises_offline_error(tmp_path: Path, taxonomy: Taxonomy) -> None:
    settings = Settings(cache_dir=tmp_path / "cache", nominatim_url=dead_url())
    with pytest.raises(OfflineError, match=r"^Nominatim cannot be reached \(no internet\?\)"):
        load_overpass_district(place=PLACE, taxonomy=taxonomy, settings=settings)


def test_slow_server_raises_offline_error(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    playback.mode = "slow"
    settings = settings_for(playback, tmp_path, overpass_timeout_s=1)
    with pytest.raises(OfflineError, match=r"^Overpass did not answer within 1 s"):
        load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("http500", "Overpass answered HTTP 500"),
        ("http429", "Overpass answered HTTP 429 Too Many Requests: the server is busy"),
        ("html", "not OSM data \\(a Wi-Fi login page"),
        ("remark", "Overpass could not answer the query \\(runtime error: Query timed out"),
    ],
)
def test_server_errors_raise_offline_error(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy, mode: str, message: str
) -> None:
    playback.mode = mode
    settings = settings_for(playback, tmp_path)
    with pytest.raises(OfflineError, match=message):
        load_overpass_district(bbox=BBOX, taxonomy=taxonomy, settings=settings)

    assert len(playback.seen) == 1  # no retry (osmnx would wait 55 s on a 429)
    assert not (settings.cache_dir / "overpass").exists()  # a failed answer is not cached


def test_nominatim_errors_name_nominatim(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    playback.mode = "http500"
    with pytest.raises(OfflineError, match=r"^Nominatim answered HTTP 500"):
        load_overpass_district(
            place=PLACE, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
        )
    assert [s.path for s in playback.seen] == ["/nominatim/search"]


def test_osmnx_settings_are_restored(
    playback: Playback, tmp_path: Path, taxonomy: Taxonomy
) -> None:
    before = osmnx_settings()
    load_overpass_district(
        place=PLACE, taxonomy=taxonomy, settings=settings_for(playback, tmp_path)
    )
    assert osmnx_settings() == before

    with pytest.raises(OfflineError):
        load_overpass_district(
            bbox=BBOX,
            taxonomy=taxonomy,
            settings=Settings(cache_dir=tmp_path, overpass_url=dead_url()),
        )
    assert osmnx_settings() == before
    assert not overpass.OSMNX_SETTINGS_LOCK.locked()


def test_concurrent_downloads_keep_their_own_settings(tmp_path: Path, taxonomy: Taxonomy) -> None:
    servers = [start_playback() for _ in range(2)]
    errors: list[BaseException] = []

    def download(pb: Playback, folder: str) -> None:
        try:
            fetch_raw_osm(
                bbox=BBOX,
                feature_tags=taxonomy.osm_query_tags(),
                settings=settings_for(pb, tmp_path / folder),
            )
        except BaseException as exc:  # reported by the main thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=download, args=(pb, f"session{i}"))
        for i, (_, pb) in enumerate(servers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for server, _ in servers:
        server.shutdown()
        server.server_close()

    assert errors == []
    for i, (_, pb) in enumerate(servers):
        assert len(pb.interpreter()) == 2, f"server {i} saw {len(pb.seen)} requests"
    assert len(list((tmp_path / "session0" / "cache" / "overpass").glob("*.json"))) == 2
    assert len(list((tmp_path / "session1" / "cache" / "overpass").glob("*.json"))) == 2


# --- the command line -----------------------------------------------------------------------
def test_cli_prepare_bbox_offline_prints_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIFECIRCLE_OVERPASS_URL", dead_url())

    assert main(["prepare", "--bbox", BBOX_ARG]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"lifecircle: error: {OFFLINE_MESSAGE}")
    assert "Traceback" not in err


def test_cli_prepare_place_downloads_through_the_env_urls(
    playback: Playback,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIFECIRCLE_OVERPASS_URL", playback.overpass_url)
    monkeypatch.setenv("LIFECIRCLE_NOMINATIM_URL", playback.nominatim_url)

    assert main(["prepare", "--place", PLACE, "--json"]) == 0

    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"] == expected().nodes
    assert summary["edges"] == expected().edges
    assert summary["data_date"] == OSM_BASE_DATE
    assert len(playback.searches()) == 1
    assert (tmp_path / "cache" / "overpass").is_dir()
