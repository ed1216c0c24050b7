"""Reading OpenStreetMap data: local ``.osm``/``.osm.bz2``/``.osm.pbf`` files.

Local files are checked and filtered with pyosmium (which reads all three formats), then
handed to osmnx: ``graph_from_xml`` for the walking network, ``features_from_xml`` for
facilities, buildings and land use. The Overpass path (:mod:`geo.osm.overpass`) hands osmnx's
online equivalents the same walking rule, so both end in the same :class:`RawOsm`.
"""

from __future__ import annotations

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
from geo.osm.bbox import BBox
from geo.osm.files import OsmFileInfo, first_line, inspect_osm_file
from geo.osm.walking import is_walkable


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
                f"{info.path.name} is damaged or truncated: {first_line(exc)}"
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
        raise InputFileError(f"{label}: features cannot be read ({first_line(exc)})") from exc
    return gdf


def empty_features() -> gpd.GeoDataFrame:
    index = pd.MultiIndex.from_arrays([[], []], names=["element", "id"])
    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326", index=index)
