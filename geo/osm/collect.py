"""One pass over an OSM file's nodes and ways, keeping what the district needs as arrays.

pyosmium keeps node locations in C++ and builds each complete way's line as WKB there; the
Python side only reads tags, node ids of walkable ways, and the few cut ways node by node.
Geometries are made in bulk with shapely at the end. Only the tag keys the district uses
are kept (``keep``), so a city-sized file does not grow a column per rare key.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely import LineString
from shapely.geometry.base import BaseGeometry

from geo.osm.shapes import is_polygon_by_tags, relation_geometry
from geo.osm.walking import is_pedestrian_area, is_walkable
from geo.osm.ways import WalkWays, walk_ways_from_pairs

Run = list[tuple[int, float, float]]  # (node id, lon, lat) of consecutive present nodes


@dataclass
class Relation:
    id: int
    tags: dict[str, str]
    members: list[tuple[int, str]]  # (way id, role)


@dataclass
class _Pairs:
    """Walk pairs from ways cut at the extract's edge, node by node."""

    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    way: list[int] = field(default_factory=list)
    node_id: list[int] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)


class Collector:
    """What one pass over nodes and ways keeps (see the module docstring)."""

    def __init__(
        self,
        keys: set[str],
        keep: set[str] | None,
        member_ways: set[int],
        area_ways: set[int],
        max_way_nodes: int = 2_000,
    ) -> None:
        self.keys = keys
        self.max_way_nodes = max_way_nodes
        self.keep = keep
        self.member_ways = member_ways
        self.area_ways = area_ways
        self.factory = osmium.geom.WKBFactory()
        self.newest: datetime | None = None
        # walkable ways: complete ones as (node ids, WKB line); cut ones as pairs
        self.way_highway: list[str] = []
        self.way_name: list[str] = []
        self.way_osm_id: list[int] = []
        self.walk_refs: list[list[int]] = []
        self.walk_wkb: list[str] = []
        self.walk_way: list[int] = []
        self.cut = _Pairs()
        self.walkable_ways = 0
        # features: columns by tag key (sparse), geometry per row
        self.element: list[str] = []
        self.ids: list[int] = []
        self.columns: dict[str, dict[int, str]] = {}
        self.points: dict[int, tuple[float, float]] = {}
        self.lines: dict[int, str] = {}
        self.polygon_rows: set[int] = set()
        self.other_geoms: dict[int, BaseGeometry] = {}
        # relation members
        self.member_wkb: dict[int, tuple[str, bool]] = {}  # way id -> (WKB line, polygon?)
        self.member_cut: dict[int, LineString | None] = {}
        self.member_runs: dict[int, list[Run]] = {}
        self.repairs = {
            "ways_cut_at_edge": 0,
            "ways_without_nodes": 0,
            "ways_too_long": 0,
            "ways_dropped_no_nodes_present": 0,
            "features_cut_at_edge": 0,
            "relations_partial": 0,
            "relations_dropped": 0,
            "pedestrian_areas": 0,
        }

    # -- per object ------------------------------------------------------------------------
    def stamp(self, obj: Any) -> None:
        ts = obj.timestamp
        if ts is not None and ts.year > 1970 and (self.newest is None or ts > self.newest):
            self.newest = ts

    def node(self, n: Any) -> None:
        self.stamp(n)
        tags = {t.k: t.v for t in n.tags}
        if not (self.keys & tags.keys()) or not n.location.valid():
            return
        row = self._row("node", n.id, tags)
        self.points[row] = (n.lon, n.lat)

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
        if len(nodes) > self.max_way_nodes:
            # Over the OSM API's own cap (2,000): not from OSM, and costly to build.
            self.repairs["ways_too_long"] += 1
            return
        try:
            wkb = self.factory.create_linestring(w, use_nodes=osmium.geom.ALL)
        except (osmium.InvalidLocationError, RuntimeError):
            wkb = None  # a node is missing (cut at the edge) or the way has one node
        walks = walkable or pedestrian
        runs: list[Run] | None = None
        if wkb is not None and (walks or w.id in self.area_ways):
            refs = [nd.ref for nd in nodes]
            if walks:
                self._add_whole_walk(w.id, tags, refs, wkb)
            if w.id in self.area_ways:
                runs = [list(zip(refs, *_line_xy(wkb), strict=True))]
        elif wkb is None:
            runs = _runs(nodes)
            if walks:
                self._add_cut_walk(w.id, tags, runs)
        self.repairs["pedestrian_areas"] += int(pedestrian)
        polygon = wkb is not None and len(nodes) >= 4 and w.is_closed() and is_polygon_by_tags(tags)
        if member:
            if wkb is not None:
                self.member_wkb[w.id] = (wkb, polygon)
            else:
                self.member_cut[w.id] = _longest_line(runs or [])
            if runs is not None and w.id in self.area_ways:
                self.member_runs[w.id] = runs
        if not feature:
            return
        if wkb is None:
            self.repairs["features_cut_at_edge"] += 1
            return
        row = self._row("way", w.id, tags)
        self.lines[row] = wkb
        if polygon:
            self.polygon_rows.add(row)

    def relation(self, rel: Relation, member_geoms: Mapping[int, BaseGeometry | None]) -> None:
        members = [(role, member_geoms.get(ref)) for ref, role in rel.members]
        if sum(geom is not None for _, geom in members) < len(members):
            self.repairs["relations_partial"] += 1
        if is_pedestrian_area(rel.tags, relation=True):
            self.repairs["pedestrian_areas"] += 1
            for ref, _ in rel.members:
                runs = self.member_runs.get(ref)
                if runs:
                    self._add_cut_walk(ref, rel.tags, runs, counted_as_cut=False)
        if not (self.keys & rel.tags.keys()):
            return
        geom = relation_geometry(members)
        if geom is None:
            self.repairs["relations_dropped"] += 1
            return
        row = self._row("relation", rel.id, rel.tags)
        self.other_geoms[row] = geom

    # -- helpers ---------------------------------------------------------------------------
    def _row(self, element: str, osm_id: int, tags: Mapping[str, str]) -> int:
        row = len(self.ids)
        self.element.append(element)
        self.ids.append(osm_id)
        keep = self.keep
        for key, value in tags.items():
            if keep is None or key in keep:
                self.columns.setdefault(key, {})[row] = value
        return row

    def _new_way(self, way_id: int, tags: Mapping[str, str]) -> int:
        index = len(self.way_highway)
        self.way_highway.append(tags.get("highway", ""))
        self.way_name.append(tags.get("name", ""))
        self.way_osm_id.append(way_id)
        self.walkable_ways += 1
        return index

    def _add_whole_walk(
        self, way_id: int, tags: Mapping[str, str], refs: list[int], wkb: str
    ) -> None:
        self.walk_way.append(self._new_way(way_id, tags))
        self.walk_refs.append(refs)
        self.walk_wkb.append(wkb)

    def _add_cut_walk(
        self,
        way_id: int,
        tags: Mapping[str, str],
        runs: list[Run],
        *,
        counted_as_cut: bool = True,
    ) -> None:
        kept = [run for run in runs if len(run) >= 2]
        if counted_as_cut:
            key = "ways_cut_at_edge" if kept else "ways_dropped_no_nodes_present"
            self.repairs[key] += 1
        if not kept:
            return
        index = self._new_way(way_id, tags)
        cut = self.cut
        for run in kept:
            for (a, ax, ay), (b, _, _) in itertools.pairwise(run):
                cut.node_id.append(a)
                cut.lon.append(ax)
                cut.lat.append(ay)
                if a != b:
                    cut.u.append(a)
                    cut.v.append(b)
                    cut.way.append(index)
            last, lx, ly = run[-1]
            cut.node_id.append(last)
            cut.lon.append(lx)
            cut.lat.append(ly)

    # -- results ---------------------------------------------------------------------------
    def member_geometries(self) -> dict[int, BaseGeometry | None]:
        """Every member way's geometry as osmnx builds it (cut ones: their longest run)."""
        out: dict[int, BaseGeometry | None] = dict(self.member_cut)
        if self.member_wkb:
            ids = list(self.member_wkb)
            lines = shapely.from_wkb([self.member_wkb[i][0] for i in ids])
            polygon = np.array([self.member_wkb[i][1] for i in ids], dtype=bool)
            geoms = np.asarray(lines, dtype=object)
            if polygon.any():
                geoms[polygon] = _as_polygons(lines[polygon])
            out.update(zip(ids, geoms, strict=True))
        return out

    def walk_ways(self) -> WalkWays:
        """The walkable node pairs: whole ways (ids with WKB coordinates) and cut runs."""
        cut = self.cut
        parts_id = [np.array(cut.node_id, dtype=np.int64)]
        parts_lon = [np.array(cut.lon, dtype=np.float64)]
        parts_lat = [np.array(cut.lat, dtype=np.float64)]
        parts_u = [np.array(cut.u, dtype=np.int64)]
        parts_v = [np.array(cut.v, dtype=np.int64)]
        parts_way = [np.array(cut.way, dtype=np.int64)]
        if self.walk_refs:
            refs = np.fromiter(
                itertools.chain.from_iterable(self.walk_refs),
                dtype=np.int64,
                count=sum(len(r) for r in self.walk_refs),
            )
            coords, index = shapely.get_coordinates(
                shapely.from_wkb(self.walk_wkb), return_index=True
            )
            same_way = index[1:] == index[:-1]
            distinct = refs[1:] != refs[:-1]
            pair = same_way & distinct
            way_of = np.asarray(self.walk_way, dtype=np.int64)[index]
            parts_id.append(refs)
            parts_lon.append(coords[:, 0])
            parts_lat.append(coords[:, 1])
            parts_u.append(refs[:-1][pair])
            parts_v.append(refs[1:][pair])
            parts_way.append(way_of[:-1][pair])
        return walk_ways_from_pairs(
            node_ids=np.concatenate(parts_id),
            lon=np.concatenate(parts_lon),
            lat=np.concatenate(parts_lat),
            u=np.concatenate(parts_u),
            v=np.concatenate(parts_v),
            way=np.concatenate(parts_way),
            way_highway=self.way_highway,
            way_name=self.way_name,
            way_osm_id=np.array(self.way_osm_id, dtype=np.int64),
            repairs=self.repairs,
        )

    def features(self) -> gpd.GeoDataFrame:
        """The tagged elements as a GeoDataFrame indexed by ``(element, id)``."""
        n = len(self.ids)
        geoms = np.full(n, None, dtype=object)
        if self.points:
            rows = np.fromiter(self.points, dtype=np.int64, count=len(self.points))
            xy = np.array([self.points[r] for r in rows], dtype=np.float64)
            geoms[rows] = shapely.points(xy)
        if self.lines:
            rows = np.fromiter(self.lines, dtype=np.int64, count=len(self.lines))
            lines = shapely.from_wkb([self.lines[r] for r in rows])
            polygon = np.array([r in self.polygon_rows for r in rows], dtype=bool)
            if polygon.any():
                lines[polygon] = _as_polygons(lines[polygon])
            geoms[rows] = lines
        for row, geom in self.other_geoms.items():
            geoms[row] = geom
        data = {key: pd.Series(values, dtype=object) for key, values in self.columns.items()}
        frame = pd.DataFrame(data, index=pd.RangeIndex(n)).reindex(pd.RangeIndex(n))
        frame["element"] = self.element
        frame["id"] = self.ids
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def _line_xy(wkb: str) -> tuple[list[float], list[float]]:
    coords = shapely.get_coordinates(shapely.from_wkb(wkb))
    return coords[:, 0].tolist(), coords[:, 1].tolist()


def _as_polygons(lines: Any) -> Any:
    coords, index = shapely.get_coordinates(lines, return_index=True)
    rings = shapely.linearrings(coords, indices=index)
    return shapely.polygons(rings)


def _runs(nodes: Any) -> list[Run]:
    """Runs of consecutive nodes present in the file (a cut way splits at the gaps)."""
    runs: list[Run] = [[]]
    for nd in nodes:
        if nd.location.valid():
            runs[-1].append((nd.ref, nd.lon, nd.lat))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _longest_line(runs: list[Run]) -> LineString | None:
    """The longest present run of a cut member way, as a line (it cannot close a ring
    alone, but two cut members meeting inside the file still can)."""
    longest = max(runs, key=len, default=[])
    if len(longest) < 2:
        return None
    return LineString([(x, y) for _, x, y in longest])


__all__ = ["Collector", "Relation"]
