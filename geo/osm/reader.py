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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import osmium
import pandas as pd
import shapely

from geo.errors import InputFileError, OsmDataError
from geo.limits import Limits
from geo.osm.bbox import BBox
from geo.osm.collect import Collector, Relation
from geo.osm.files import OsmFileInfo, first_line, inspect_osm_file, plain_osm_xml
from geo.osm.opl import OplWays, read_tagged
from geo.osm.shapes import POLYGON_FEATURES, RELATION_TYPES
from geo.osm.walking import WALK_RULE_KEYS, is_pedestrian_area
from geo.osm.ways import WalkWays


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


# Tag keys kept on features besides the taxonomy's and the query's: names, building
# heights, what areas are, boundaries. A city file has hundreds of rare keys; a column for
# each would cost memory and time and change nothing.
FEATURE_KEYS = frozenset(
    {
        "name",
        "name:zh",
        "name:en",
        "building",
        "building:levels",
        "height",
        "landuse",
        "natural",
        "waterway",
        "water",
        "leisure",
        "amenity",
        "entrance",
        "barrier",
        "area",
        "type",
        "boundary",
        "admin_level",
        "place",
    }
)


def _relations(path: Path, keys: set[str]) -> list[Relation]:
    """Multipolygon and boundary relations that may be features or pedestrian areas."""
    out: list[Relation] = []
    objects: Iterable[Any] = osmium.FileProcessor(str(path), osmium.osm.RELATION)
    try:
        for rel in objects:
            tags = {t.k: t.v for t in rel.tags}
            if tags.get("type") not in RELATION_TYPES:
                continue
            if not (keys & tags.keys() or is_pedestrian_area(tags, relation=True)):
                continue
            members = [(m.ref, m.role) for m in rel.members if m.type == "w"]
            out.append(Relation(id=rel.id, tags=tags, members=members))
    except ValueError as exc:
        # libosmium's parser reports a garbled number (an id such as '=70273614') as a
        # ValueError, not as its RuntimeError for damaged files: the same to a planner.
        raise RuntimeError(str(exc)) from exc
    return out


def _collect(path: Path, collector: Collector, member_ids: set[int]) -> None:
    """Feed the collector every tagged node and way (untagged nodes stay in C++, where
    their locations are kept for the ways), then the untagged member ways of relations."""
    keep = collector.keep
    # Only the keys something reads: the features' columns, the walking rule, the
    # polygon rule. A city's names in twenty languages are never parsed.
    keys = None if keep is None else keep | WALK_RULE_KEYS | POLYGON_FEATURES.keys() | {"area"}
    seen_ways: set[int] = set()
    for batch in read_tagged(path, keys=keys):
        if isinstance(batch, OplWays):
            collector.ways(batch)
            seen_ways.update(batch.ids)
        else:
            collector.nodes(batch)
    missing = member_ids - seen_ways
    if missing:
        for batch in read_tagged(path, way_ids=missing, keys=keys):
            if isinstance(batch, OplWays):
                collector.ways(batch)


def read_osm_file(
    path: Path | str,
    *,
    feature_tags: Mapping[str, bool | list[str]],
    keep_keys: Iterable[str] | None = None,
    limits: Limits | None = None,
) -> tuple[OsmFileInfo, RawOsm]:
    """Parse a local OSM file into the walkable ways and the tagged features.

    ``keep_keys``: tag keys to keep on features besides :data:`FEATURE_KEYS` and the
    query's (the taxonomy's rule keys); ``None`` keeps every key. ``limits``: the byte
    limit on the file and on what a ``.osm.bz2`` expands to, and the node limit per way
    (default: from the environment).

    Raises
    ------
    InputFileError
        When the file is missing, empty, truncated, binary, not OSM data, or over a limit.
    OsmDataError
        When it parses but has no walkable ways.
    """
    limits = limits if limits is not None else Limits()
    info = inspect_osm_file(path, limits=limits)
    query = feature_query_tags(feature_tags)
    keys = set(query)
    keep = None if keep_keys is None else set(keep_keys) | FEATURE_KEYS | keys
    with plain_osm_xml(info, max_bytes=limits.max_osm_bytes) as plain:
        return info, _read_raw(info, plain, query, keep, max_way_nodes=limits.max_way_nodes)


def _read_raw(
    info: OsmFileInfo,
    plain: Path,
    query: Mapping[str, Any],
    keep: set[str] | None,
    *,
    max_way_nodes: int,
) -> RawOsm:
    keys = set(query)
    try:
        relations = _relations(plain, keys)
        area_ways = {
            ref
            for rel in relations
            if is_pedestrian_area(rel.tags, relation=True)
            for ref, _ in rel.members
        }
        members = {ref for rel in relations for ref, _ in rel.members}
        collector = Collector(keys, keep, members, area_ways, max_way_nodes=max_way_nodes)
        _collect(plain, collector, members)
        member_geoms = collector.member_geometries()
        for rel in relations:
            collector.relation(rel, member_geoms)
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise InputFileError(
            f"{info.path.name} is damaged or truncated: {first_line(exc)}"
        ) from exc
    ways = collector.walk_ways()
    if ways.n_pairs == 0 and collector.repairs["ways_too_long"]:
        raise OsmDataError(
            f"{info.path.name}: its only walkable ways have more than {max_way_nodes:,} "
            "nodes (OSM's own limit is 2,000; see 'Limits' in the README)"
        )
    if ways.n_pairs == 0:
        raise OsmDataError(
            f"{info.path.name} holds no walkable ways (footway, path, residential, ...): "
            "there is no walking network to analyse"
        )
    # No date in the header: the newest edit among the elements the district is made of
    # (tagged nodes, ways, relations).
    data_date = info.data_date or (collector.newest[:10] if collector.newest is not None else None)
    return RawOsm(
        ways=ways,
        features=finish_features(collector.features(), query),
        bounds=info.bounds,
        data_date=data_date,
        walkable_ways=collector.walkable_ways,
        repairs={k: v for k, v in collector.repairs.items() if v},
    )


def finish_features(gdf: gpd.GeoDataFrame, query: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """Tagged elements as osmnx returns features: indexed by ``(element, id)``, one column
    per tag, valid WGS-84 geometries, filtered by the query's values."""
    if len(gdf) == 0:
        return empty_features()
    gdf = gdf.set_index(["element", "id"]).sort_index()
    geoms = gdf.geometry.to_numpy()
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    gdf = gdf[keep]
    # Repair only what is invalid (make_valid returns a valid geometry as it is).
    geoms = gdf.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
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
