"""Downloading a district from the Overpass API (and a place's boundary from Nominatim).

The download goes through osmnx's online functions with the same walking rule as local
files (:data:`geo.osm.walking.WALK_OVERPASS_FILTER` in the query,
:func:`geo.osm.walking.is_walkable` on the answer), and ends in the same
:class:`geo.osm.reader.RawOsm` as a local file;
:func:`geo.district.loader.load_overpass_district` turns it into a district.

osmnx keeps its settings (server URLs, cache folder, timeouts) in process-wide globals,
which a Streamlit server shares between sessions. They are changed only inside
:func:`_osmnx_settings`, which holds :data:`OSMNX_SETTINGS_LOCK` and restores every value
afterwards, so two sessions never download with each other's settings.

Failures are told apart without reading osmnx's messages: a response hook passed through
``requests_kwargs`` turns an HTTP error, a non-JSON answer (a Wi-Fi login page) or an
Overpass runtime error into :class:`~geo.errors.OfflineError` before osmnx sees them, so
an ``InsufficientResponseError`` left afterwards really means "no data here".
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import osmnx as ox
import requests
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely import MultiPolygon, Polygon, box

from geo.errors import InputFileError, OfflineError, OsmDataError
from geo.osm.bbox import BBox, check_bbox
from geo.osm.reader import RawOsm, empty_features, feature_query_tags
from geo.osm.walking import WALK_OVERPASS_FILTER, is_pedestrian_area, is_walkable
from geo.osm.ways import walk_ways_from_graph
from geo.redaction import redact_url
from geo.settings import Settings

Area: TypeAlias = Polygon | MultiPolygon

OSMNX_SETTINGS_LOCK = threading.Lock()
"""Held while osmnx's global settings are changed: one download at a time per process."""

OFFLINE_HINT = "use a local .osm/.osm.pbf file or a bundled district"

# osmnx keeps only these way tags on graph edges; the walking rule needs foot, access,
# area, motorroad, tunnel and the sidewalk keys.
USEFUL_TAGS_WAY = [
    "access",
    "area",
    "bridge",
    "est_width",
    "foot",
    "highway",
    "junction",
    "landuse",
    "lanes",
    "maxspeed",
    "motorroad",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
    "name",
    "oneway",
    "ref",
    "service",
    "tunnel",
    "width",
]
_OVERPASS_SETTINGS = "[out:json][timeout:{timeout}]{maxsize}"  # osmnx's default

_OSM_BASE = re.compile(rb'"timestamp_osm_base"\s*:\s*"([^"]+)"')
# Overpass reports a failed query (timeout, out of memory) as a top-level "remark" after
# the elements, with status 200: look for it at the end of the answer only.
_REMARK = re.compile(rb'\]\s*,\s*"remark"\s*:\s*"((?:[^"\\]|\\.)*)"\s*\}\s*$')


# --- osmnx's global settings ---------------------------------------------------------------
class _AnswerCheck:
    """A requests response hook: reject answers that are not data, note ``osm_base``."""

    def __init__(self, settings: Settings) -> None:
        self.nominatim_url = settings.nominatim_url.rstrip("/")
        self.osm_base: str | None = None

    def service(self, url: str) -> str:
        return "Nominatim" if url.startswith(self.nominatim_url) else "Overpass"

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.is_redirect:
            return response  # requests follows it; the final answer comes here too
        service = self.service(str(response.url))
        if not response.ok:
            busy = response.status_code in {429, 503, 504}
            advice = "the server is busy; try again in a few minutes, or " if busy else ""
            raise OfflineError(
                f"{service} answered HTTP {response.status_code} {response.reason}: "
                f"{advice}{OFFLINE_HINT}"
            )
        body: bytes = response.content
        head = body[:4096].lstrip()
        if not head.startswith((b"{", b"[")):
            raise OfflineError(
                f"{service} answered with something that is not OSM data (a Wi-Fi login "
                f"page or a proxy?): {OFFLINE_HINT}"
            )
        match = _OSM_BASE.search(head)
        if match:
            self.osm_base = match.group(1).decode("ascii", "replace")
        remark = _REMARK.search(body[-4096:])
        if remark:
            text = json.loads(b'"' + remark.group(1) + b'"')
            if "error" in text.lower():
                raise OfflineError(
                    f"Overpass could not answer the query ({text}): choose a smaller area, "
                    f"try again later, or {OFFLINE_HINT}"
                )
        return response


@contextmanager
def _osmnx_settings(settings: Settings, check: _AnswerCheck) -> Iterator[None]:
    """Set osmnx's globals for one download and restore them afterwards.

    The caller must hold :data:`OSMNX_SETTINGS_LOCK`. ``socket.getaddrinfo`` is restored
    too: osmnx pins the Overpass host name to one IP address by replacing it.
    """
    values: dict[str, Any] = {
        "overpass_url": settings.overpass_url,
        "nominatim_url": settings.nominatim_url,
        "use_cache": settings.use_cache,
        "cache_folder": settings.cache_dir / "overpass",
        "requests_timeout": settings.overpass_timeout_s,
        "requests_kwargs": {"hooks": {"response": [check]}},
        # The slot check calls <overpass_url>/status and may sleep for a minute; DNS over
        # HTTPS would ask Google's resolver about the host.
        "overpass_rate_limit": False,
        "doh_url_template": None,
        "useful_tags_way": list(USEFUL_TAGS_WAY),
        "cache_only_mode": False,
        "overpass_settings": _OVERPASS_SETTINGS,
        "overpass_memory": None,
        "default_crs": "epsg:4326",
        "bidirectional_network_types": ["walk"],
    }
    saved = {name: getattr(ox.settings, name) for name in values}
    saved_getaddrinfo = socket.getaddrinfo
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = saved_getaddrinfo


@contextmanager
def _network_errors(service: str, url: str, timeout_s: int) -> Iterator[None]:
    """Turn what requests and osmnx raise for a failed download into OfflineError."""
    try:
        yield
    except requests.ConnectionError as exc:  # also a refused or timed-out connect
        raise OfflineError(
            f"{service} cannot be reached (no internet?): {OFFLINE_HINT} ({redact_url(url)})"
        ) from exc
    except requests.Timeout as exc:
        raise OfflineError(
            f"{service} did not answer within {timeout_s} s: choose a smaller area, "
            f"try again later, or {OFFLINE_HINT}"
        ) from exc
    except requests.RequestException as exc:
        raise OfflineError(
            f"{service} cannot be reached ({type(exc).__name__}): {OFFLINE_HINT}"
        ) from exc
    except ResponseStatusCodeError as exc:
        raise OfflineError(f"{service} answered with an error: {OFFLINE_HINT}") from exc


# --- downloading -----------------------------------------------------------------------------
def check_area(place: str | None, bbox: BBox | None, polygon: Area | None) -> str:
    """Check the study area before going online; return which kind it is."""
    given = [
        name
        for name, v in (("place", place), ("bbox", bbox), ("polygon", polygon))
        if v is not None
    ]
    if len(given) != 1:
        raise InputFileError(
            "give exactly one study area to download: a place name, a bbox or a polygon"
            + (f" (got {' and '.join(given)})" if given else "")
        )
    if place is not None and not place.strip():
        raise InputFileError("the place name is empty")
    if bbox is not None:
        check_bbox(bbox)
    if polygon is not None:
        _check_polygon(polygon)
    return given[0]


def bounds_of(area: Area) -> BBox:
    """``(west, south, east, north)`` of a polygon."""
    west, south, east, north = (float(v) for v in area.bounds)
    return (west, south, east, north)


def _check_polygon(polygon: Area) -> None:
    if not isinstance(polygon, Polygon | MultiPolygon) or polygon.is_empty or not polygon.is_valid:
        raise InputFileError("the study area must be a valid, non-empty polygon in WGS-84 degrees")
    check_bbox(bounds_of(polygon))


def _geocode(place: str, settings: Settings) -> Area:
    with _network_errors("Nominatim", settings.nominatim_url, settings.overpass_timeout_s):
        try:
            gdf = ox.geocode_to_gdf(place)
        except InsufficientResponseError as exc:
            raise InputFileError(
                f"place {place!r} was not found: check the spelling, add the city "
                "(for example 'Lujiazui, Shanghai'), or give --bbox west,south,east,north"
            ) from exc
        except TypeError as exc:  # osmnx: the best match is a point or a line
            raise InputFileError(
                f"place {place!r} is a point or a line in OpenStreetMap, not an area: "
                "give --bbox west,south,east,north instead"
            ) from exc
    area = gdf.geometry.iloc[0]
    try:
        _check_polygon(area)
    except InputFileError as exc:
        raise InputFileError(f"place {place!r}: {exc}") from exc
    return area


def _download_graph(area: Area, bbox: BBox | None, settings: Settings) -> nx.MultiDiGraph | None:
    """The walking graph osmnx builds from Overpass, or None when there is none."""
    options: dict[str, Any] = {
        "network_type": "walk",
        "custom_filter": WALK_OVERPASS_FILTER,
        "simplify": False,
        "retain_all": True,
    }
    with _network_errors("Overpass", settings.overpass_url, settings.overpass_timeout_s):
        try:
            if bbox is not None:
                return ox.graph_from_bbox(bbox, **options)
            return ox.graph_from_polygon(area, **options)
        except InsufficientResponseError:  # no way matched the filter
            return None
        except ValueError as exc:
            if "no graph nodes" in str(exc):  # ways only in the 500 m margin osmnx adds
                return None
            raise


def _download_features(
    area: Area, bbox: BBox | None, tags: dict[str, Any], settings: Settings
) -> gpd.GeoDataFrame:
    with _network_errors("Overpass", settings.overpass_url, settings.overpass_timeout_s):
        try:
            if bbox is not None:
                return ox.features_from_bbox(bbox, tags=tags)
            return ox.features_from_polygon(area, tags=tags)
        except InsufficientResponseError:  # no matching feature
            return empty_features()


def _walkable(tags: Mapping[str, str]) -> bool:
    # An osmnx graph keeps no way geometry: an area=yes pedestrian way is taken as closed,
    # which Overpass' pedestrian squares are.
    return is_walkable(tags) or is_pedestrian_area(tags)


def keep_walkable(G: nx.MultiDiGraph) -> int:
    """Drop edges whose way fails the walking rule, then bare nodes.

    The Overpass filter cannot express every part of the rule (``access=private``
    without a ``foot`` permission, cycleways without ``foot=yes``). Returns the number of
    walkable OSM ways left.
    """
    drop = [
        (u, v, k)
        for u, v, k, data in G.edges(keys=True, data=True)
        if not _walkable({t: x for t, x in data.items() if isinstance(x, str)})
    ]
    G.remove_edges_from(drop)
    G.remove_nodes_from(list(nx.isolates(G)))
    return len({data.get("osmid") for _, _, data in G.edges(data=True)})


def fetch_raw_osm(
    *,
    place: str | None = None,
    bbox: BBox | None = None,
    polygon: Area | None = None,
    feature_tags: Mapping[str, bool | list[str]],
    settings: Settings,
) -> tuple[RawOsm, Area]:
    """Download the walking network and tagged features of one study area.

    Give exactly one of ``place`` (geocoded by Nominatim to its boundary), ``bbox``
    (west, south, east, north) or ``polygon`` (WGS-84). Returns the raw data and the
    study-area polygon.

    Raises
    ------
    OfflineError
        When Overpass or Nominatim cannot be reached or answer with an error.
    InputFileError
        For an unknown place, a place that is not an area, or a bad or too large area.
    OsmDataError
        When the area holds no walkable way.
    """
    kind = check_area(place, bbox, polygon)
    # Administrative boundaries are asked of local files only: from Overpass they come as
    # whole cities and provinces that overlap the area.
    tags = {k: v for k, v in feature_query_tags(feature_tags).items() if k != "boundary"}
    check = _AnswerCheck(settings)
    with OSMNX_SETTINGS_LOCK, _osmnx_settings(settings, check):
        if place is not None:
            area = _geocode(place.strip(), settings)
        else:
            area = box(*bbox) if bbox is not None else polygon
        G = _download_graph(area, bbox, settings)
        n_ways = keep_walkable(G) if G is not None else 0
        if G is None or n_ways == 0:
            where = f"{kind} {place!r}" if place is not None else f"the {kind}"
            raise OsmDataError(
                f"OpenStreetMap has no walkable ways (footway, path, residential, ...) in "
                f"{where}: there is no walking network to analyse"
            )
        features = _download_features(area, bbox, tags, settings)
    raw = RawOsm(
        ways=walk_ways_from_graph(G),
        features=features,
        bounds=bounds_of(area),
        data_date=check.osm_base[:10] if check.osm_base else None,
        walkable_ways=n_ways,
    )
    return raw, area
