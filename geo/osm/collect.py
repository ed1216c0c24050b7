"""One pass over an OSM file's tagged nodes and ways, keeping what the district needs.

The objects come in blocks of arrays (:mod:`geo.osm.opl`): every way's node references
and locations stay in numpy arrays, and a way is a span of them. Python decides per way
(the walking rule, features, relation members) on its tags alone; lines, walk pairs and
polygons are built from the spans in bulk at the end, and only the few ways cut at the
extract's edge are walked node by node. Only the tag keys the district uses are kept
(``keep``), so a city-sized file does not grow a column per rare key.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely import LineString
from shapely.geometry.base import BaseGeometry

from geo.osm.opl import OplNodes, OplWays
from geo.osm.shapes import is_polygon_by_tags, relation_geometry
from geo.osm.walking import is_pedestrian_area, is_walkable
from geo.osm.ways import WalkWays, walk_ways_from_pairs

Run = list[tuple[int, float, float]]  # (node id, lon, lat) of consecutive present nodes
Span = tuple[int, int]  # [start, end) in the collector's node-reference arrays
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_XY = np.zeros(0, dtype=np.float64)


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
        self.newest: str | None = None  # ISO 8601 text of the newest edit
        # node references of every way seen, in blocks; spans index their concatenation
        self._refs: list[IntArray] = []
        self._lon: list[FloatArray] = []
        self._lat: list[FloatArray] = []
        self._offset = 0
        # walkable ways: complete ones as spans; cut ones as pairs
        self.way_highway: list[str] = []
        self.way_name: list[str] = []
        self.way_osm_id: list[int] = []
        self.walk_spans: list[Span] = []
        self.walk_way: list[int] = []
        self.cut = _Pairs()
        self.walkable_ways = 0
        # features: columns by tag key (sparse), geometry per row
        self.element: list[str] = []
        self.ids: list[int] = []
        self.columns: dict[str, dict[int, str]] = {}
        self.points: dict[int, tuple[float, float]] = {}
        self.lines: dict[int, Span] = {}
        self.polygon_rows: set[int] = set()
        self.other_geoms: dict[int, BaseGeometry] = {}
        # relation members
        self.member_lines: dict[int, tuple[Span, bool]] = {}  # way id -> (span, polygon?)
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
    def stamp(self, text: str) -> None:
        # ISO 8601 texts in UTC sort as the times do; no timestamp (1970) is no date.
        if text >= "1971" and (self.newest is None or text > self.newest):
            self.newest = text

    def nodes(self, batch: OplNodes) -> None:
        keys = self.keys
        self.stamp(batch.newest)
        for osm_id, tags, lon, lat in zip(batch.ids, batch.tags, batch.lon, batch.lat, strict=True):
            if keys.isdisjoint(tags) or not _valid(lon, lat):
                continue
            row = self._row("node", osm_id, tags)
            self.points[row] = (lon, lat)

    def ways(self, batch: OplWays) -> None:
        """Ways in file order (see the module docstring): the walking rule, the cut
        ones, relation members and features, with their nodes as spans of arrays."""
        base = self._offset
        refs = batch.refs
        lon, lat = batch.lon.copy(), batch.lat.copy()
        invalid = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))  # NaN too
        lon[invalid] = np.nan
        lat[invalid] = np.nan
        self._refs.append(refs)
        self._lon.append(lon)
        self._lat.append(lat)
        self._offset += len(refs)
        start = batch.start
        counts = np.diff(start)
        missing = np.concatenate([[0], np.cumsum(invalid)])
        whole = (counts >= 2) & (missing[start[1:]] == missing[start[:-1]])
        has = counts > 0
        closed = np.zeros(len(counts), dtype=bool)
        closed[has] = refs[start[:-1][has]] == refs[start[1:][has] - 1]
        self.stamp(batch.newest)
        rows = zip(
            batch.ids,
            batch.tags,
            counts.tolist(),
            whole.tolist(),
            closed.tolist(),
            (start[:-1] + base).tolist(),
            strict=True,
        )
        for way_id, tags, n, is_whole, is_closed, first in rows:
            self._way(way_id, tags, n, is_whole, is_closed, first)

    def _way(
        self, way_id: int, tags: dict[str, str], n: int, whole: bool, closed: bool, first: int
    ) -> None:
        walkable = is_walkable(tags)
        pedestrian = closed and is_pedestrian_area(tags)
        feature = not self.keys.isdisjoint(tags)
        member = way_id in self.member_ways
        if not (walkable or pedestrian or feature or member):
            return
        if n == 0:
            self.repairs["ways_without_nodes"] += 1
            return
        if n > self.max_way_nodes:
            # Over the OSM API's own cap (2,000): not from OSM, and costly to build.
            self.repairs["ways_too_long"] += 1
            return
        # ``whole``: every node present and at least two, a line libosmium can build.
        span = (first, first + n)
        walks = walkable or pedestrian
        area = way_id in self.area_ways
        runs: list[Run] | None = None
        if whole and (walks or area):
            if walks:
                self.walk_way.append(self._new_way(way_id, tags))
                self.walk_spans.append(span)
            if area:
                runs = self._runs(span)
        elif not whole:
            runs = self._runs(span)
            if walks:
                self._add_cut_walk(way_id, tags, runs)
        self.repairs["pedestrian_areas"] += int(pedestrian)
        polygon = whole and n >= 4 and closed and is_polygon_by_tags(tags)
        if member:
            if whole:
                self.member_lines[way_id] = (span, polygon)
            else:
                self.member_cut[way_id] = _longest_line(runs or [])
            if runs is not None and area:
                self.member_runs[way_id] = runs
        if not feature:
            return
        if not whole:
            self.repairs["features_cut_at_edge"] += 1
            return
        row = self._row("way", way_id, tags)
        self.lines[row] = span
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
    def _arrays(self) -> tuple[IntArray, FloatArray, FloatArray]:
        if len(self._refs) != 1:
            self._refs = [np.concatenate(self._refs)] if self._refs else [_NO_IDS]
            self._lon = [np.concatenate(self._lon)] if self._lon else [_NO_XY]
            self._lat = [np.concatenate(self._lat)] if self._lat else [_NO_XY]
        return self._refs[0], self._lon[0], self._lat[0]

    def _lines(self, spans: list[Span]) -> tuple[IntArray, Any]:
        """Positions of the spans' nodes and the spans' lines (built in bulk)."""
        _, lon, lat = self._arrays()
        pos, index = _span_positions(spans)
        coords = np.column_stack([lon[pos], lat[pos]])
        return pos, shapely.linestrings(coords, indices=index)

    def _runs(self, span: Span) -> list[Run]:
        """Runs of consecutive nodes present in the file (a cut way splits at the gaps)."""
        refs, lon, lat = self._arrays()
        a, b = span
        runs: list[Run] = [[]]
        for ref, x, y in zip(refs[a:b].tolist(), lon[a:b].tolist(), lat[a:b].tolist(), strict=True):
            if x == x:  # not NaN: the node is in the file
                runs[-1].append((ref, x, y))
            elif runs[-1]:
                runs.append([])
        return [run for run in runs if run]

    def member_geometries(self) -> dict[int, BaseGeometry | None]:
        """Every member way's geometry as osmnx builds it (cut ones: their longest run)."""
        out: dict[int, BaseGeometry | None] = dict(self.member_cut)
        if self.member_lines:
            ids = list(self.member_lines)
            _, lines = self._lines([self.member_lines[i][0] for i in ids])
            polygon = np.array([self.member_lines[i][1] for i in ids], dtype=bool)
            geoms = np.asarray(lines, dtype=object)
            if polygon.any():
                geoms[polygon] = _as_polygons(lines[polygon])
            out.update(zip(ids, geoms, strict=True))
        return out

    def walk_ways(self) -> WalkWays:
        """The walkable node pairs: whole ways (spans of the arrays) and cut runs."""
        cut = self.cut
        parts_id = [np.array(cut.node_id, dtype=np.int64)]
        parts_lon = [np.array(cut.lon, dtype=np.float64)]
        parts_lat = [np.array(cut.lat, dtype=np.float64)]
        parts_u = [np.array(cut.u, dtype=np.int64)]
        parts_v = [np.array(cut.v, dtype=np.int64)]
        parts_way = [np.array(cut.way, dtype=np.int64)]
        if self.walk_spans:
            all_refs, all_lon, all_lat = self._arrays()
            pos, index = _span_positions(self.walk_spans)
            refs = all_refs[pos]
            same_way = index[1:] == index[:-1]
            distinct = refs[1:] != refs[:-1]
            pair = same_way & distinct
            way_of = np.asarray(self.walk_way, dtype=np.int64)[index]
            parts_id.append(refs)
            parts_lon.append(all_lon[pos])
            parts_lat.append(all_lat[pos])
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
            _, lines = self._lines([self.lines[r] for r in rows.tolist()])
            polygon = np.array([r in self.polygon_rows for r in rows], dtype=bool)
            if polygon.any():
                lines[polygon] = _as_polygons(lines[polygon])
            geoms[rows] = lines
        for row, geom in self.other_geoms.items():
            geoms[row] = geom
        data: dict[str, pd.Series] = {}
        for key, values in self.columns.items():
            column = np.full(n, np.nan, dtype=object)  # NaN where the row lacks the key
            column[np.fromiter(values, dtype=np.int64, count=len(values))] = list(values.values())
            data[key] = pd.Series(column, dtype=object)
        frame = pd.DataFrame(data, index=pd.RangeIndex(n))
        frame["element"] = self.element
        frame["id"] = self.ids
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def _valid(lon: float, lat: float) -> bool:
    """A location libosmium calls valid (NaN when the file has none)."""
    return -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0


def _span_positions(spans: list[Span]) -> tuple[IntArray, IntArray]:
    """The array positions the spans cover, in order, and the span each belongs to."""
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    lengths = bounds[:, 1] - bounds[:, 0]
    index = np.repeat(np.arange(len(bounds), dtype=np.int64), lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    pos = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(bounds[:, 0] - offsets, lengths)
    return pos, index


def _as_polygons(lines: Any) -> Any:
    coords, index = shapely.get_coordinates(lines, return_index=True)
    rings = shapely.linearrings(coords, indices=index)
    return shapely.polygons(rings)


def _longest_line(runs: list[Run]) -> LineString | None:
    """The longest present run of a cut member way, as a line (it cannot close a ring
    alone, but two cut members meeting inside the file still can)."""
    longest = max(runs, key=len, default=[])
    if len(longest) < 2:
        return None
    return LineString([(x, y) for _, x, y in longest])


__all__ = ["Collector", "Relation"]
