"""Reading OpenStreetMap data: local ``.osm``/``.osm.bz2``/``.osm.pbf`` files.

pyosmium reads all three formats straight into arrays (:class:`~geo.osm.ways.WalkWays`)
and a GeoDataFrame of the tagged features that matter (facility candidates, buildings,
land use, water, entrances), with the same geometry rules as osmnx
(:mod:`geo.osm.shapes`) but without building a NetworkX graph.

Files come as users download them. A bounding-box extract cuts ways at its edge, so ways
reference nodes that are not in the file: a walkable way is split at its missing nodes
and every run of two or more present nodes is kept; a way with no node references is
skipped; a multipolygon keeps the rings its present members close. What was mended is
counted in :attr:`RawOsm.repairs`. The Overpass path (:mod:`geo.osm.overpass`) ends in
the same :class:`RawOsm`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
from shapely import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import InputFileError, OsmDataError
from geo.osm.bbox import BBox
from geo.osm.files import OsmFileInfo, first_line, inspect_osm_file
from geo.osm.shapes import RELATION_TYPES, relation_geometry, way_geometry
from geo.osm.walking import is_pedestrian_area, is_walkable
from geo.osm.ways import WalkWays, walk_ways_from_pairs


@dataclass(frozen=True)
class RawOsm:
    """OSM data of a source, before it is clipped and turned into a district.

    ``ways`` holds the walkable node pairs; ``features`` every element whose tags may
    matter, indexed by ``(element, id)`` with one column per tag and a WGS-84 geometry.
    """

    ways: WalkWays
    features: gpd.GeoDataFrame
    bounds: BBox | None
    data_date: str | None
    walkable_ways: int
    repairs: Mapping[str, int] = field(default_factory=dict)


BASE_LAYER_TAGS: dict[str, bool | list[str]] = {
    "building": True,
    "landuse": True,
    "natural": ["water", "wood", "scrub", "grassland", "wetland"],
    "waterway": ["riverbank", "dock", "canal", "river"],
    "water": True,
    "leisure": True,
    "entrance": True,
    "barrier": ["gate", "lift_gate", "entrance", "turnstile", "swing_gate", "sliding_gate"],
    # 街道 and 社区/居委 polygons (admin_level 8-10), the units of the city check-up.
    "boundary": ["administrative"],
}


def feature_query_tags(facility_tags: Mapping[str, bool | list[str]]) -> dict[str, Any]:
    """Merge the taxonomy's tags with the base-layer tags into one feature query."""
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


# --- one pass over the file -----------------------------------------------------------------
@dataclass
class _Relation:
    id: int
    tags: dict[str, str]
    members: list[tuple[int, str]]  # (way id, role)


def _relations(path: Path, keys: set[str]) -> list[_Relation]:
    """Multipolygon and boundary relations that may be features or pedestrian areas."""
    out: list[_Relation] = []
    objects: Iterable[Any] = osmium.FileProcessor(str(path), osmium.osm.RELATION)
    for rel in objects:
        tags = {t.k: t.v for t in rel.tags}
        if tags.get("type") not in RELATION_TYPES:
            continue
        if not (keys & tags.keys() or is_pedestrian_area(tags, relation=True)):
            continue
        members = [(m.ref, m.role) for m in rel.members if m.type == "w"]
        out.append(_Relation(id=rel.id, tags=tags, members=members))
    return out


class _Collector:
    """What one pass over nodes and ways keeps."""

    def __init__(self, keys: set[str], member_ways: set[int], area_ways: set[int]) -> None:
        self.keys = keys
        self.member_ways = member_ways
        self.area_ways = area_ways  # member ways of pedestrian-area relations
        self.newest: datetime | None = None
        # walk pairs
        self.pair_u: list[int] = []
        self.pair_v: list[int] = []
        self.pair_way: list[int] = []
        self.node_id: list[int] = []
        self.node_lon: list[float] = []
        self.node_lat: list[float] = []
        self.way_highway: list[str] = []
        self.way_name: list[str] = []
        self.way_osm_id: list[int] = []
        self.walkable_ways = 0
        # features
        self.rows: list[dict[str, Any]] = []
        self.member_geoms: dict[int, LineString | Polygon | None] = {}
        self.member_runs: dict[int, list[list[tuple[int, float, float]]]] = {}
        self.repairs = {
            "ways_cut_at_edge": 0,
            "ways_without_nodes": 0,
            "ways_dropped_no_nodes_present": 0,
            "features_cut_at_edge": 0,
            "relations_partial": 0,
            "relations_dropped": 0,
            "pedestrian_areas": 0,
        }

    def stamp(self, obj: Any) -> None:
        ts = obj.timestamp
        if ts is not None and ts.year > 1970 and (self.newest is None or ts > self.newest):
            self.newest = ts

    def node(self, n: Any) -> None:
        self.stamp(n)
        if not n.tags or not n.location.valid():
            return
        tags = {t.k: t.v for t in n.tags}
        if self.keys & tags.keys():
            self.rows.append(
                {"element": "node", "id": n.id, **tags, "geometry": Point(n.lon, n.lat)}
            )

    def way(self, w: Any) -> None:
        self.stamp(w)
        tags = {t.k: t.v for t in w.tags}
        walkable = is_walkable(tags)
        pedestrian = is_pedestrian_area(tags) and w.is_closed()
        feature = bool(self.keys & tags.keys())
        member = w.id in self.member_ways
        if not (walkable or pedestrian or feature or member):
            return
        nodes = w.nodes
        if len(nodes) == 0:
            self.repairs["ways_without_nodes"] += 1
            return
        refs = [nd.ref for nd in nodes]
        present = [(nd.ref, nd.lon, nd.lat) for nd in nodes if nd.location.valid()]
        complete = len(present) == len(refs)
        runs = _runs(nodes) if not complete else [present]
        if walkable or pedestrian:
            self._add_walk(w.id, tags, runs, complete=complete, counted=walkable or pedestrian)
            self.repairs["pedestrian_areas"] += int(pedestrian)
        geom = None
        if complete:
            geom = way_geometry(refs, [(x, y) for _, x, y in present], tags)
        elif feature:
            self.repairs["features_cut_at_edge"] += 1
        if member:
            self.member_geoms[w.id] = geom if complete else _open_lines(runs)
            if w.id in self.area_ways:
                self.member_runs[w.id] = runs
        if feature and geom is not None:
            self.rows.append({"element": "way", "id": w.id, **tags, "geometry": geom})

    def _add_walk(
        self,
        way_id: int,
        tags: Mapping[str, str],
        runs: list[list[tuple[int, float, float]]],
        *,
        complete: bool,
        counted: bool,
    ) -> None:
        kept = [run for run in runs if len(run) >= 2]
        if not complete and counted:
            key = "ways_cut_at_edge" if kept else "ways_dropped_no_nodes_present"
            self.repairs[key] += 1
        if not kept:
            return
        index = len(self.way_highway)
        self.way_highway.append(tags.get("highway", ""))
        self.way_name.append(tags.get("name", ""))
        self.way_osm_id.append(way_id)
        self.walkable_ways += int(counted)
        for run in kept:
            for (a, ax, ay), (b, _, _) in itertools.pairwise(run):
                self.node_id.append(a)
                self.node_lon.append(ax)
                self.node_lat.append(ay)
                if a != b:
                    self.pair_u.append(a)
                    self.pair_v.append(b)
                    self.pair_way.append(index)
            last, lx, ly = run[-1]
            self.node_id.append(last)
            self.node_lon.append(lx)
            self.node_lat.append(ly)

    def relation(self, rel: _Relation) -> None:
        members = [(role, self.member_geoms.get(ref)) for ref, role in rel.members]
        present = sum(geom is not None for _, geom in members)
        if present < len(members):
            self.repairs["relations_partial"] += 1
        if is_pedestrian_area(rel.tags, relation=True):
            self.repairs["pedestrian_areas"] += 1
            highway = dict(rel.tags)
            for ref, _ in rel.members:
                runs = self.member_runs.get(ref)
                if runs:
                    self._add_walk(ref, highway, runs, complete=True, counted=True)
        if not (self.keys & rel.tags.keys()):
            return
        geom = relation_geometry(members)
        if geom is None:
            self.repairs["relations_dropped"] += 1
            return
        self.rows.append({"element": "relation", "id": rel.id, **rel.tags, "geometry": geom})


def _runs(nodes: Any) -> list[list[tuple[int, float, float]]]:
    """Runs of consecutive nodes present in the file (a cut way splits at the gaps)."""
    runs: list[list[tuple[int, float, float]]] = [[]]
    for nd in nodes:
        if nd.location.valid():
            runs[-1].append((nd.ref, nd.lon, nd.lat))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _open_lines(runs: list[list[tuple[int, float, float]]]) -> LineString | None:
    """The longest present run of a cut member way, as a line (it cannot close a ring
    alone, but two cut members meeting inside the file still can)."""
    longest = max(runs, key=len, default=[])
    if len(longest) < 2:
        return None
    return LineString([(x, y) for _, x, y in longest])


def read_osm_file(
    path: Path | str, *, feature_tags: Mapping[str, bool | list[str]]
) -> tuple[OsmFileInfo, RawOsm]:
    """Parse a local OSM file into the walkable ways and the tagged features.

    Raises
    ------
    InputFileError
        When the file is missing, empty, truncated, binary or not OSM data.
    OsmDataError
        When it parses but has no walkable ways.
    """
    info = inspect_osm_file(path)
    query = feature_query_tags(feature_tags)
    keys = set(query)
    try:
        relations = _relations(info.path, keys)
        area_ways = {
            ref
            for rel in relations
            if is_pedestrian_area(rel.tags, relation=True)
            for ref, _ in rel.members
        }
        members = {ref for rel in relations for ref, _ in rel.members}
        collector = _Collector(keys, members, area_ways)
        objects: Iterable[Any] = osmium.FileProcessor(
            str(info.path), osmium.osm.NODE | osmium.osm.WAY
        ).with_locations()
        for obj in objects:
            if obj.is_way():
                collector.way(obj)
            else:
                collector.node(obj)
        for rel in relations:
            collector.relation(rel)
    except RuntimeError as exc:
        raise InputFileError(
            f"{info.path.name} is damaged or truncated: {first_line(exc)}"
        ) from exc
    if not collector.pair_u:
        raise OsmDataError(
            f"{info.path.name} holds no walkable ways (footway, path, residential, ...): "
            "there is no walking network to analyse"
        )
    ways = walk_ways_from_pairs(
        node_ids=np.array(collector.node_id, dtype=np.int64),
        lon=np.array(collector.node_lon, dtype=np.float64),
        lat=np.array(collector.node_lat, dtype=np.float64),
        u=np.array(collector.pair_u, dtype=np.int64),
        v=np.array(collector.pair_v, dtype=np.int64),
        way=np.array(collector.pair_way, dtype=np.int64),
        way_highway=collector.way_highway,
        way_name=collector.way_name,
        way_osm_id=np.array(collector.way_osm_id, dtype=np.int64),
        repairs=collector.repairs,
    )
    data_date = info.data_date or (
        collector.newest.date().isoformat() if collector.newest is not None else None
    )
    raw = RawOsm(
        ways=ways,
        features=features_frame(collector.rows, query),
        bounds=info.bounds,
        data_date=data_date,
        walkable_ways=collector.walkable_ways,
        repairs={k: v for k, v in collector.repairs.items() if v},
    )
    return info, raw


def features_frame(rows: list[dict[str, Any]], query: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """Rows of tagged elements as osmnx returns features: indexed by ``(element, id)``,
    one column per tag, valid WGS-84 geometries, filtered by the query's values."""
    if not rows:
        return empty_features()
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf = gdf.set_index(["element", "id"]).sort_index()
    geoms: list[BaseGeometry] = list(gdf.geometry)
    keep = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    gdf = gdf[keep]
    gdf = gdf.set_geometry(gdf.geometry.make_valid())
    wanted = pd.Series(False, index=gdf.index)
    for key in set(gdf.columns) & set(query):
        value = query[key]
        if value is True:
            wanted |= gdf[key].notna()
        elif isinstance(value, str):
            wanted |= gdf[key] == value
        elif isinstance(value, list):
            wanted |= gdf[key].isin(set(value))
    gdf = gdf[wanted.to_numpy()].dropna(axis="columns", how="all")
    if len(gdf) == 0:
        return empty_features()
    return gdf


def empty_features() -> gpd.GeoDataFrame:
    index = pd.MultiIndex.from_arrays([[], []], names=["element", "id"])
    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326", index=index)
