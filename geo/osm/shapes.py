"""Geometries of OSM ways and multipolygon relations, as osmnx builds them.

A closed way is a polygon when one of its tags says so (the community table of polygon
features, the same one osmnx uses), unless it is tagged ``area=no``; otherwise it is a
line. A multipolygon or boundary relation is its outer rings minus the inner rings they
contain. Unlike osmnx, a relation with members missing from the file (cut at an extract's
edge) keeps the rings that its present members still close: a partial park is better
than none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import shapely
from shapely import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.errors import GEOSException
from shapely.ops import linemerge, polygonize, unary_union

RELATION_TYPES = frozenset({"boundary", "multipolygon"})

# key: ("all" | "passlist" | "blocklist", values); from the OSM wiki's polygon features,
# as osmnx applies them.
POLYGON_FEATURES: Mapping[str, tuple[str, frozenset[str]]] = {
    "aeroway": ("blocklist", frozenset({"taxiway"})),
    "amenity": ("all", frozenset()),
    "area": ("all", frozenset()),
    "area:highway": ("all", frozenset()),
    "barrier": (
        "passlist",
        frozenset({"city_wall", "ditch", "hedge", "retaining_wall", "spikes"}),
    ),
    "boundary": ("all", frozenset()),
    "building": ("all", frozenset()),
    "building:part": ("all", frozenset()),
    "craft": ("all", frozenset()),
    "golf": ("all", frozenset()),
    "highway": ("passlist", frozenset({"elevator", "escape", "rest_area", "services"})),
    "historic": ("all", frozenset()),
    "indoor": ("all", frozenset()),
    "landuse": ("all", frozenset()),
    "leisure": ("all", frozenset()),
    "man_made": ("blocklist", frozenset({"cutline", "embankment", "pipeline"})),
    "military": ("all", frozenset()),
    "natural": ("blocklist", frozenset({"arete", "cliff", "coastline", "ridge", "tree_row"})),
    "office": ("all", frozenset()),
    "place": ("all", frozenset()),
    "power": ("passlist", frozenset({"generator", "plant", "substation", "transformer"})),
    "public_transport": ("all", frozenset()),
    "railway": ("passlist", frozenset({"platform", "roundhouse", "station", "turntable"})),
    "ruins": ("all", frozenset()),
    "shop": ("all", frozenset()),
    "tourism": ("all", frozenset()),
    "waterway": ("passlist", frozenset({"boatyard", "dam", "dock", "riverbank"})),
}


def is_polygon_way(refs: Sequence[int], tags: Mapping[str, str]) -> bool:
    """Whether a way with these node refs and tags is an area."""
    return len(refs) >= 4 and refs[0] == refs[-1] and is_polygon_by_tags(tags)


def is_polygon_by_tags(tags: Mapping[str, str]) -> bool:
    """Whether a closed way (four nodes or more) with these tags is an area."""
    if tags.get("area") == "no":
        return False
    for key in tags.keys() & POLYGON_FEATURES.keys():
        rule, values = POLYGON_FEATURES[key]
        if (
            rule == "all"
            or (rule == "passlist" and tags[key] in values)
            or (rule == "blocklist" and tags[key] not in values)
        ):
            return True
    return False


def way_geometry(
    refs: Sequence[int], coords: Sequence[tuple[float, float]], tags: Mapping[str, str]
) -> LineString | Polygon | None:
    """A complete way's geometry (every node present), or ``None`` if it has none."""
    if len(coords) < 2:
        return None
    try:
        if is_polygon_way(refs, tags):
            return Polygon(coords)
        return LineString(coords)
    except (GEOSException, ValueError):
        return None


def relation_geometry(
    members: Sequence[tuple[str, LineString | Polygon | None]],
) -> Polygon | MultiPolygon | None:
    """Outer rings minus the inner rings they contain, from ``(role, geometry)`` members.

    Members that are missing (``None``) are skipped; open outer lines that no longer close
    a ring are dropped. Returns ``None`` when nothing closes.
    """
    outer_lines: list[LineString] = []
    inner_lines: list[LineString] = []
    outer: list[Polygon] = []
    inner: list[Polygon] = []
    for role, geom in members:
        if geom is None or geom.is_empty:
            continue
        if role == "outer":
            (outer if isinstance(geom, Polygon) else outer_lines).append(geom)  # type: ignore[arg-type]
        elif role == "inner":
            (inner if isinstance(geom, Polygon) else inner_lines).append(geom)  # type: ignore[arg-type]
    outer += _rings(outer_lines)
    inner += _rings(inner_lines)
    if not outer:
        return None
    if inner:
        pieces = []
        for shell in outer:
            shapely.prepare(shell)
            holes = [hole for hole in inner if shell.contains(hole)]
            pieces.append(shell.difference(unary_union(holes)) if holes else shell)
        geometry = unary_union(pieces)
    else:
        geometry = unary_union(outer)
    if isinstance(geometry, Polygon | MultiPolygon) and not geometry.is_empty:
        return geometry
    return None


def _rings(lines: list[LineString]) -> list[Polygon]:
    if not lines:
        return []
    merged = linemerge(lines)
    parts = merged.geoms if isinstance(merged, MultiLineString) else [merged]
    out: list[Polygon] = []
    for part in parts:
        out.extend(polygonize(part))
    return out
