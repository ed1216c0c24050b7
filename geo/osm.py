"""Reading OpenStreetMap data: local ``.osm``/``.osm.bz2``/``.osm.pbf`` files.

Local files are checked and filtered with pyosmium (which reads all three formats), then
handed to osmnx: ``graph_from_xml`` for the walking network, ``features_from_xml`` for
facilities, buildings and land use. The Overpass path (:mod:`geo.overpass`) hands osmnx's
online equivalents the same walking rule, so both end in the same :class:`RawOsm`.
"""

from __future__ import annotations

import bz2
import hashlib
import re
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmium
import osmnx as ox
import pandas as pd

from geo.errors import InputFileError, OsmDataError

SUPPORTED_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".xml", ".osm.xml")

# --- the walking rule -------------------------------------------------------------------
# Which OSM ways a person may walk on. Documented in the README ("Walking network").
WALK_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "track",
        "corridor",
        "elevator",
        "road",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
    }
)
# Cycleways and bridleways only where walking is explicitly allowed.
WALK_IF_FOOT_ALLOWED = frozenset({"cycleway", "bridleway", "busway"})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
FOOT_FORBIDDEN = frozenset({"no", "private", "use_sidepath"})
ACCESS_FORBIDDEN = frozenset({"no", "private"})

# The same rule as an Overpass QL way filter, for online queries.
WALK_OVERPASS_FILTER = (
    f'["highway"~"^({"|".join(sorted(WALK_HIGHWAYS | WALK_IF_FOOT_ALLOWED))})$"]'
    '["area"!~"yes"]["foot"!~"^(no|private|use_sidepath)$"]["motorroad"!~"yes"]'
)


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way with these tags belongs to the walking network.

    A way is walkable when its ``highway`` is a street or path type people walk on
    (footway, path, pedestrian, steps, living_street, residential, service,
    unclassified, track and tertiary up to trunk), or a cycleway/bridleway with
    ``foot=yes|designated|permissive``, and none of these forbid it: ``foot=no|private|
    use_sidepath``, ``access=no|private`` without an explicit ``foot`` permission,
    ``motorroad=yes``, ``area=yes`` (a square's outline is not a route).
    Motorways are never walkable.
    """
    highway = tags.get("highway")
    if highway is None:
        return False
    foot = tags.get("foot", "")
    if foot in FOOT_FORBIDDEN or tags.get("area") == "yes" or tags.get("motorroad") == "yes":
        return False
    if tags.get("access", "") in ACCESS_FORBIDDEN and foot not in FOOT_ALLOWED:
        return False
    if highway in WALK_HIGHWAYS:
        return True
    return highway in WALK_IF_FOOT_ALLOWED and foot in FOOT_ALLOWED


# --- file checks --------------------------------------------------------------------------
BBox = tuple[float, float, float, float]  # west, south, east, north (WGS-84 degrees)


@dataclass(frozen=True)
class OsmFileInfo:
    """What a local OSM file is, before it is parsed in full."""

    path: Path
    format: str  # "xml", "xml.bz2" or "pbf"
    sha256: str
    size_bytes: int
    bounds: BBox | None
    data_date: str | None


def _sniff_format(path: Path, head: bytes) -> str:
    name = path.name.lower()
    if head.startswith(b"BZh"):
        return "xml.bz2"
    if len(head) > 8 and b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<osm")):
        if b"<osm" not in head and not text.startswith(b"<?xml"):
            raise InputFileError(f"{path.name} is not an OSM XML file")
        return "xml"
    if name.endswith((".pbf",)):
        raise InputFileError(f"{path.name} is not a valid .osm.pbf file (bad header)")
    if name.endswith(".bz2"):
        raise InputFileError(f"{path.name} is not a bzip2-compressed OSM file")
    if b"\x00" in head[:512] or not _is_text(head):
        raise InputFileError(f"{path.name} is a binary file, not OSM data")
    raise InputFileError(
        f"{path.name} is not OpenStreetMap data (expected OSM XML starting with <osm>, "
        "a .osm.bz2 or a .osm.pbf file)"
    )


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 4
    return True


_OSM_BASE = re.compile(rb'<meta\s+osm_base="([0-9T:\-]+)Z?"')
_TIMESTAMP = re.compile(rb'timestamp="([0-9T:\-]+)Z?"')


def _xml_head(path: Path, fmt: str, size: int = 8192) -> bytes:
    if fmt == "xml.bz2":
        with bz2.open(path, "rb") as fh:
            return fh.read(size)
    with path.open("rb") as fh:
        return fh.read(size)


def inspect_osm_file(path: Path | str) -> OsmFileInfo:
    """Check that ``path`` is a readable OSM file and read its header.

    Raises
    ------
    InputFileError
        For a missing, empty, binary, truncated or non-OSM file, with a one-line reason.
    """
    file = Path(path)
    if not file.exists():
        raise InputFileError(f"file not found: {file}")
    if file.is_dir():
        raise InputFileError(f"{file} is a folder, not an OSM file")
    size = file.stat().st_size
    if size == 0:
        raise InputFileError(f"{file.name} is empty")
    with file.open("rb") as fh:
        head = fh.read(4096)
    fmt = _sniff_format(file, head)
    sha256 = file_sha256(file)
    try:
        reader = osmium.io.Reader(str(file), osmium.osm.osm_entity_bits.NOTHING)
        box = reader.header().box()
        reader.close()
    except (RuntimeError, ValueError) as exc:
        raise InputFileError(
            f"{file.name} cannot be read as OSM data (damaged, truncated or another kind "
            f"of file): {_first_line(exc)}"
        ) from exc
    bounds: BBox | None = None
    if box.valid():
        bounds = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
    data_date = None
    if fmt != "pbf":
        try:
            match = _OSM_BASE.search(_xml_head(file, fmt))
        except (OSError, EOFError) as exc:
            raise InputFileError(f"{file.name} is damaged: {_first_line(exc)}") from exc
        if match:
            data_date = match.group(1).decode()[:10]
    return OsmFileInfo(
        path=file,
        format=fmt,
        sha256=sha256,
        size_bytes=size,
        bounds=bounds,
        data_date=data_date,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the cache key of a local source)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise InputFileError(f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{path} is a folder, not an OSM file") from exc
    except OSError as exc:
        raise InputFileError(f"cannot read {path.name}: {exc.strerror}") from exc
    return digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- parsing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawOsm:
    """OSM data as osmnx gives it, before it is clipped and turned into a district.

    ``G`` is the unsimplified, unprojected walking graph (a MultiDiGraph with both
    directions of every way). ``features`` holds every element whose tags may matter:
    facility candidates, buildings, land use, water, entrances.
    """

    G: nx.MultiDiGraph
    features: gpd.GeoDataFrame
    bounds: BBox | None
    data_date: str | None
    walkable_ways: int


BASE_LAYER_TAGS: dict[str, bool | list[str]] = {
    "building": True,
    "landuse": True,
    "natural": ["water", "wood", "scrub", "grassland", "wetland"],
    "waterway": ["riverbank", "dock", "canal", "river"],
    "water": True,
    "leisure": True,
    "entrance": True,
    "barrier": ["gate", "lift_gate", "entrance", "turnstile", "swing_gate", "sliding_gate"],
}


def feature_query_tags(facility_tags: Mapping[str, bool | list[str]]) -> dict[str, Any]:
    """Merge the taxonomy's tags with the base-layer tags into one osmnx ``tags`` query."""
    merged: dict[str, Any] = {}
    for source in (facility_tags, BASE_LAYER_TAGS):
        for key, value in source.items():
            old = merged.get(key)
            if old is True or value is True:
                merged[key] = True
            else:
                old_values = old if isinstance(old, list) else []
                new_values = value if isinstance(value, list) else []
                merged[key] = sorted(set(old_values) | set(new_values))
    return merged


class _WalkCollector(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.way_ids: set[int] = set()
        self.node_ids: set[int] = set()
        self.newest: str = ""

    def way(self, w: Any) -> None:
        if is_walkable({t.k: t.v for t in w.tags}):
            self.way_ids.add(w.id)
            self.node_ids.update(n.ref for n in w.nodes)


def _write_walk_xml(src: Path, dst: Path) -> int:
    """Write only walkable ways and their nodes to ``dst``; return the number of ways."""
    collector = _WalkCollector()
    collector.apply_file(str(src))
    if not collector.way_ids:
        return 0
    writer = osmium.SimpleWriter(str(dst))
    try:
        objects: Iterable[Any] = osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
        for obj in objects:
            if obj.is_node():
                if obj.id in collector.node_ids:
                    writer.add_node(obj)
            elif obj.id in collector.way_ids:
                writer.add_way(obj)
    finally:
        writer.close()
    return len(collector.way_ids)


def _write_full_xml(src: Path, dst: Path) -> None:
    writer = osmium.SimpleWriter(str(dst))
    try:
        objects: Iterable[Any] = osmium.FileProcessor(str(src))
        for obj in objects:
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            elif obj.is_relation():
                writer.add_relation(obj)
    finally:
        writer.close()


def _newest_timestamp(src: Path) -> str | None:
    newest = None
    objects: Iterable[Any] = osmium.FileProcessor(str(src))
    for obj in objects:
        ts = obj.timestamp
        if ts is not None and ts.year > 1970 and (newest is None or ts > newest):
            newest = ts
    return newest.date().isoformat() if newest is not None else None


def read_osm_file(
    path: Path | str, *, feature_tags: Mapping[str, bool | list[str]]
) -> tuple[OsmFileInfo, RawOsm]:
    """Parse a local OSM file into the walking graph and the tagged features.

    Raises
    ------
    InputFileError
        When the file is missing, empty, truncated, binary or not OSM data.
    OsmDataError
        When it parses but has no walkable ways.
    """
    info = inspect_osm_file(path)
    with tempfile.TemporaryDirectory(prefix="lifecircle-osm-") as tmp:
        walk_xml = Path(tmp) / "walk.osm"
        try:
            n_ways = _write_walk_xml(info.path, walk_xml)
            data_date = info.data_date or _newest_timestamp(info.path)
            if info.format == "pbf":
                full_xml = Path(tmp) / "full.osm"
                _write_full_xml(info.path, full_xml)
            else:
                full_xml = info.path
        except RuntimeError as exc:
            raise InputFileError(
                f"{info.path.name} is damaged or truncated: {_first_line(exc)}"
            ) from exc
        if n_ways == 0:
            raise OsmDataError(
                f"{info.path.name} holds no walkable ways (footway, path, residential, ...): "
                "there is no walking network to analyse"
            )
        G = _graph_from_xml(walk_xml, info.path.name)
        features = _features_from_xml(full_xml, feature_query_tags(feature_tags), info.path.name)
    raw = RawOsm(
        G=G, features=features, bounds=info.bounds, data_date=data_date, walkable_ways=n_ways
    )
    return info, raw


def _graph_from_xml(walk_xml: Path, label: str) -> nx.MultiDiGraph:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ox.graph_from_xml(walk_xml, bidirectional=True, simplify=False, retain_all=True)
    except Exception as exc:  # osmnx raises assorted errors for degenerate input
        raise OsmDataError(f"{label}: the walking network cannot be built ({exc})") from exc


def _features_from_xml(xml: Path, tags: dict[str, Any], label: str) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = ox.features_from_xml(xml, tags=tags)
    except ox._errors.InsufficientResponseError:
        return empty_features()
    except (ValueError, KeyError, OSError) as exc:
        raise InputFileError(f"{label}: features cannot be read ({_first_line(exc)})") from exc
    return gdf


def empty_features() -> gpd.GeoDataFrame:
    index = pd.MultiIndex.from_arrays([[], []], names=["element", "id"])
    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326", index=index)
