"""Network-based service areas: where a walk of a given length reaches, as polygons.

A service area is built from the *reachable street network*, not from a circle: every
street segment reachable end to end counts whole, a segment reached from one end counts
up to the point where the walk runs out (interpolated along the straight segment), and
reached nodes with no street piece count as points. The linework is then widened by
``buffer_m`` on both sides (a street-side band: homes face the street) and dissolved.
The band is round at junctions and dead ends but square where the walk runs out, so it
never reaches along a street beyond the walked distance (a home 10 m past the end of
the reach is not in it, while homes up to ``buffer_m`` off the reached street are).

Every function works on node distances (``dist_m``, metres, ``inf`` = unreachable), as
:class:`geo.access.DistanceEngine` returns them. A point on a segment ``(a, b)`` at
``t`` metres from ``a`` is reached when ``min(d_a + t, d_b + length - t) <= within_m``,
so a segment whose two ends are reached but whose middle is not (``d_a + d_b + length >
2 * within_m``) contributes two pieces, one from each end, not the whole segment.

Dissolving thousands of overlapping buffers is slow in GEOS (a 1000 m walk in a dense
district touches ~3,000 segments). :class:`ReachIndex` therefore splits the network's
plane into *blocks* (the faces of the noded street network) once. A block whose whole
boundary is reached contributes its precomputed rim (the part of the block within
``buffer_m`` of its boundary), and these rims are dissolved as a coverage, which is
cheap. Only the frontier (streets next to a block that is not wholly reached, dead
ends, partly reached segments) is buffered and dissolved at query time. The result is
the same set as buffering all the reached linework.

The index is built once per network and band width (0.15 s of CPU for Lujiazui's 6,000
nodes, about 5 s for 100,000) and cached, weakly keyed by the network; small reaches are
buffered directly rather than pay for it. A loader may call :func:`reach_index` ahead of
time.

Polygons are computed in the network's metric CRS; the GeoDataFrame builders return
WGS-84 unless ``to_metric=True``.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely import MultiPolygon, Polygon
from shapely.errors import GEOSException

from geo.access.engine import AccessResult, DistanceEngine
from geo.access.snapping import snap_facilities
from geo.district.network import WalkNetwork
from geo.errors import CoordinateError, NetworkError
from geo.settings import DEFAULT_WALK_SPEED_KMH
from geo.standards.taxonomy import Taxonomy

__all__ = [
    "CATCHMENT_COLUMNS",
    "DEFAULT_BUFFER_M",
    "DEFAULT_TIERS_M",
    "ReachIndex",
    "build_reach_index",
    "catchments",
    "facility_isochrones",
    "isochrone",
    "reach_index",
    "reach_polygon",
    "served_area",
    "served_areas",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]
Polygonal: TypeAlias = Polygon | MultiPolygon

DEFAULT_BUFFER_M = 25.0
"""Half-width of the street-side band: homes and entrances face the street."""

DEFAULT_TIERS_M: tuple[float, ...] = (300.0, 500.0, 1000.0)
"""The 5-, 10- and 15-minute life-circle distances (GB 50180-2018)."""

QUAD_SEGS = 6
"""Segments per quarter circle in buffers. GEOS rounds a join to whole multiples of this
step, so a chord spans at most 22.5 degrees and cuts at most 2 % of the radius off the
circle (0.5 m for a 25 m band); dissolving is ~10 % faster than with GEOS's default 8."""

DIRECT_MAX_SEGMENTS = 500
"""Reaches with at most this many street pieces are buffered directly when no
:class:`ReachIndex` is cached yet: building the index would cost more than it saves."""

_ON_LINE_M = 1e-6  # a noded piece lies on its source segment to within this distance
_WGS84 = "EPSG:4326"


# --- the reached linework ------------------------------------------------------------------
@dataclass(frozen=True)
class _Reach:
    """What of the network lies within ``within_m``, in metric coordinates."""

    full: BoolArray  # per edge: reached end to end
    starts: FloatArray  # (k, 2): partial pieces, from the reached end ...
    ends: FloatArray  # (k, 2): ... to where the walk runs out
    discs: IntArray  # reached nodes that no whole edge rounds off: lone nodes, piece roots

    @property
    def n_pieces(self) -> int:
        return int(self.full.sum()) + len(self.starts) + len(self.discs)


def _check_dist(network: WalkNetwork, dist_m: npt.ArrayLike) -> FloatArray:
    dist = np.asarray(dist_m, dtype=np.float64)
    if dist.shape != (network.n_nodes,):
        raise NetworkError(
            f"expected one distance per network node ({network.n_nodes}), got shape {dist.shape}"
        )
    return dist


def _check_positive(name: str, value: float, *, allow_zero: bool) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        kind = "a non-negative" if allow_zero else "a positive"
        raise NetworkError(f"{name} must be {kind} number of metres, not {value!r}")
    return number


def _reach(network: WalkNetwork, dist: FloatArray, within_m: float) -> _Reach:
    """Whole edges, partial pieces and lone nodes within ``within_m`` (edges near the
    reach only are visited)."""
    u, v = network.edge_index
    xy = network.xy
    reached = dist <= within_m  # NaN compares False: unreachable
    cand = np.flatnonzero(reached[u] | reached[v])
    cu, cv = u[cand], v[cand]
    in_u, in_v = reached[cu], reached[cv]
    length = network.edges["length_m"].to_numpy(dtype=np.float64)[cand]
    with np.errstate(divide="ignore", invalid="ignore"):
        # Fraction of the segment reached from each end (1 for zero-length segments).
        fu = np.where(length > 0, (within_m - dist[cu]) / length, 1.0)
        fv = np.where(length > 0, (within_m - dist[cv]) / length, 1.0)
    fu = np.where(in_u, np.clip(fu, 0.0, 1.0), 0.0)
    fv = np.where(in_v, np.clip(fv, 0.0, 1.0), 0.0)
    whole = (in_u & in_v & (fu + fv >= 1.0)) | (fu >= 1.0) | (fv >= 1.0)
    part_u = in_u & ~whole & (fu > 0)
    part_v = in_v & ~whole & (fv > 0)
    a_u, b_u = xy[cu[part_u]], xy[cv[part_u]]
    a_v, b_v = xy[cv[part_v]], xy[cu[part_v]]
    starts = np.concatenate([a_u, a_v])
    ends = np.concatenate(
        [a_u + fu[part_u, None] * (b_u - a_u), a_v + fv[part_v, None] * (b_v - a_v)]
    )
    full = np.zeros(network.n_edges, dtype=bool)
    full[cand[whole]] = True
    rounded = np.zeros(network.n_nodes, dtype=bool)
    rounded[cu[whole]] = True
    rounded[cv[whole]] = True
    # Partial pieces end square (see _band), so the nodes they start from get a disc
    # unless a whole edge already rounds them off; so do reached nodes without any piece.
    discs = np.flatnonzero(reached & ~rounded).astype(np.int64)
    return _Reach(full=full, starts=starts, ends=ends, discs=discs)


def _band(whole: GeomArray, partial: GeomArray, discs_xy: FloatArray, buffer_m: float) -> Any:
    """The dissolved ``buffer_m`` band around whole edges, partial pieces and nodes.

    Whole edges are merged into longer lines first (fewer, simpler buffers to dissolve);
    their ends and joins are round. A partial piece is a rectangle: square at the point
    where the walk runs out, so the band does not reach along the street beyond the
    walked distance; the node it starts from gets its disc from ``discs_xy`` or from a
    whole edge. (Partial pieces are not merged: GEOS cuts the inner corner of a flat-
    ended polyline short of the rectangles of its segments.)
    """
    parts: list[GeomArray] = []
    if len(whole):
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(whole)))
        parts.append(shapely.buffer(merged, buffer_m, quad_segs=QUAD_SEGS))
    if len(partial):
        parts.append(shapely.buffer(partial, buffer_m, quad_segs=QUAD_SEGS, cap_style="flat"))
    if len(discs_xy):
        parts.append(shapely.buffer(shapely.points(discs_xy), buffer_m, quad_segs=QUAD_SEGS))
    if not parts:
        return Polygon()
    return shapely.disjoint_subset_union_all(np.concatenate(parts))


def _segments(starts: FloatArray, ends: FloatArray) -> GeomArray:
    if len(starts) == 0:
        return np.empty(0, dtype=object)
    return np.asarray(shapely.linestrings(np.stack([starts, ends], axis=1)), dtype=object)


def _polygonal(geom: Any) -> Polygonal:
    """``geom`` as a Polygon or MultiPolygon (an empty Polygon when nothing is left)."""
    if geom is None or geom.is_empty:
        return Polygon()
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
    if not polys:
        return Polygon()
    merged = shapely.union_all(polys)
    return merged if isinstance(merged, Polygon | MultiPolygon) else Polygon()


# --- the block index -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Links:
    """A many-to-many relation as CSR: the targets of source ``i`` are
    ``target[ptr[i]:ptr[i + 1]]``."""

    ptr: IntArray
    target: IntArray

    @classmethod
    def from_pairs(cls, source: IntArray, target: IntArray, n_sources: int) -> _Links:
        order = np.argsort(source, kind="stable")
        counts = np.bincount(source, minlength=n_sources)
        ptr = np.zeros(n_sources + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return cls(ptr=ptr, target=target[order].astype(np.int64))

    def counts(self, sources: IntArray) -> IntArray:
        return self.ptr[sources + 1] - self.ptr[sources]

    def gather(self, sources: IntArray) -> tuple[IntArray, IntArray]:
        """Targets of ``sources`` and, for each, the position of its source in ``sources``."""
        starts = self.ptr[sources]
        counts = self.ptr[sources + 1] - starts
        owner = np.repeat(np.arange(len(sources), dtype=np.int64), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        flat = np.repeat(starts, counts) + (np.arange(len(owner), dtype=np.int64) - first)
        return self.target[flat], owner


@dataclass(frozen=True, eq=False)
class ReachIndex:
    """The blocks of one network, precomputed so that reach polygons are cheap.

    Built by :func:`build_reach_index` (or on demand through :func:`reach_index`). It
    keeps no reference to the network, only what describes it:

    * the network noded into *pieces* (segments split where streets cross without a
      shared node), linked to the edges they lie on;
    * the *faces* (blocks) the pieces enclose, linked to the pieces that bound them,
      and each face's *rim*: the part of the face within ``buffer_m`` of its boundary;
    * for dead ends and other pieces inside a face that bound nothing, the face they lie
      in when their band never goes deeper into it than the rim (``-1`` otherwise).
    """

    buffer_m: float
    n_nodes: int
    n_edges: int
    edge_pieces: _Links
    piece_edges: _Links
    piece_faces: _Links
    face_pieces: _Links
    loose_face: IntArray
    rims: GeomArray

    def matches(self, network: WalkNetwork) -> bool:
        return self.n_nodes == network.n_nodes and self.n_edges == network.n_edges

    def split(self, full: BoolArray) -> tuple[BoolArray, IntArray]:
        """Which wholly reached edges still need a buffer, and the wholly reached faces.

        A piece between two wholly reached faces needs no buffer of its own: a point
        within ``buffer_m`` of it lies in one of the rims, or the straight line from the
        point back to the piece leaves the wholly reached faces through a reached piece
        that borders some other face, and that piece is buffered. The same holds for a
        piece inside a wholly reached face whose band stays within the face's rim.
        Only the edges and faces around the reach are visited.
        """
        edges = np.flatnonzero(full)
        pieces, piece_owner = self.edge_pieces.gather(edges)
        # A piece is reached when every edge it lies on is (overlaps are rare).
        sources, source_owner = self.piece_edges.gather(pieces)
        missing = np.bincount(source_owner[~full[sources]], minlength=len(pieces))
        piece_full = np.zeros(len(self.loose_face), dtype=bool)
        piece_full[pieces[missing == 0]] = True
        sides, side_owner = self.piece_faces.gather(pieces)
        faces = np.unique(sides)
        bounding, face_owner = self.face_pieces.gather(faces)
        open_sides = np.bincount(face_owner[~piece_full[bounding]], minlength=len(faces))
        full_faces = faces[open_sides == 0]
        face_full = np.zeros(len(self.rims), dtype=bool)
        face_full[full_faces] = True
        n_sides = self.piece_faces.counts(pieces)
        full_sides = np.bincount(side_owner[face_full[sides]], minlength=len(pieces))
        skip = (n_sides == 2) & (full_sides == 2)
        loose = self.loose_face[pieces]
        skip |= (loose >= 0) & face_full[np.maximum(loose, 0)]
        needed = np.bincount(piece_owner[~skip], minlength=len(edges))
        keep = np.zeros(self.n_edges, dtype=bool)
        keep[edges[(needed > 0) | (self.edge_pieces.counts(edges) == 0)]] = True
        return keep, full_faces


def build_reach_index(network: WalkNetwork, *, buffer_m: float = DEFAULT_BUFFER_M) -> ReachIndex:
    """Node the network, find its blocks and their rims (once per network and band width).

    About 0.15 s of CPU for a 6,000-node district, 4 to 5 s for 100,000 nodes.
    """
    buffer_m = _check_positive("buffer_m", buffer_m, allow_zero=False)
    u, v = network.edge_index
    m = network.n_edges
    segments = _segments(network.xy[u], network.xy[v])
    if m:
        pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(segments)))
    else:
        pieces = np.empty(0, dtype=object)
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    pe_piece, pe_edge = shapely.STRtree(segments).query(
        mid, predicate="dwithin", distance=_ON_LINE_M
    )
    faces = np.asarray(shapely.get_parts(shapely.polygonize(pieces)), dtype=object)
    pf_piece, pf_face = shapely.STRtree(shapely.boundary(faces)).query(
        mid, predicate="dwithin", distance=_ON_LINE_M
    )
    eroded = shapely.buffer(faces, -buffer_m, quad_segs=QUAD_SEGS)
    rims = np.asarray(shapely.difference(faces, eroded), dtype=object)
    n_pieces, n_faces = len(pieces), len(faces)
    loose = np.flatnonzero(np.bincount(pf_piece, minlength=n_pieces) == 0)
    lp, lf = shapely.STRtree(faces).query(mid[loose], predicate="within")
    shallow = ~shapely.intersects(
        shapely.buffer(pieces[loose[lp]], buffer_m, quad_segs=QUAD_SEGS), eroded[lf]
    )
    loose_face = np.full(n_pieces, -1, dtype=np.int64)
    loose_face[loose[lp[shallow]]] = lf[shallow]
    pe_piece, pe_edge = pe_piece.astype(np.int64), pe_edge.astype(np.int64)
    pf_piece, pf_face = pf_piece.astype(np.int64), pf_face.astype(np.int64)
    return ReachIndex(
        buffer_m=buffer_m,
        n_nodes=network.n_nodes,
        n_edges=m,
        edge_pieces=_Links.from_pairs(pe_edge, pe_piece, m),
        piece_edges=_Links.from_pairs(pe_piece, pe_edge, n_pieces),
        piece_faces=_Links.from_pairs(pf_piece, pf_face, n_pieces),
        face_pieces=_Links.from_pairs(pf_face, pf_piece, n_faces),
        loose_face=loose_face,
        rims=rims,
    )


# Indexes are derived, immutable data keyed by network identity (never settings): a
# Streamlit server may share them between sessions safely.
_INDEXES: weakref.WeakKeyDictionary[WalkNetwork, dict[float, ReachIndex | None]] = (
    weakref.WeakKeyDictionary()
)
_INDEX_LOCK = threading.Lock()


def _cached_index(network: WalkNetwork, buffer_m: float) -> tuple[bool, ReachIndex | None]:
    """Whether an index was built (or tried) for the pair, and the index (``None`` if the
    build failed)."""
    with _INDEX_LOCK:
        per_network = _INDEXES.get(network)
        if per_network is None or buffer_m not in per_network:
            return False, None
        return True, per_network[buffer_m]


def reach_index(network: WalkNetwork, *, buffer_m: float = DEFAULT_BUFFER_M) -> ReachIndex | None:
    """The :class:`ReachIndex` of ``network`` for ``buffer_m``, built once and cached.

    Call it ahead of time (for example in a cached loader) to keep the first large
    reach polygon fast. Returns ``None`` when GEOS cannot node the network; reach
    polygons then buffer every reached segment instead.
    """
    buffer_m = _check_positive("buffer_m", buffer_m, allow_zero=False)
    found, index = _cached_index(network, buffer_m)
    if found:
        return index
    try:
        index = build_reach_index(network, buffer_m=buffer_m)
    except GEOSException:
        index = None
    with _INDEX_LOCK:
        _INDEXES.setdefault(network, {})[buffer_m] = index
    return index


def reach_polygon(
    network: WalkNetwork,
    dist_m: FloatArray,
    *,
    within_m: float,
    buffer_m: float = DEFAULT_BUFFER_M,
    index: ReachIndex | None = None,
) -> Polygonal:
    """The area within ``within_m`` walking distance, in the network's metric CRS.

    Parameters
    ----------
    network
        The walking network.
    dist_m
        Walking distance (m) from the origin(s) to every node, ``inf`` if unreachable
        (for example :meth:`DistanceEngine.multi_source`).
    within_m
        How far the walk may go.
    buffer_m
        Half-width of the street-side band around the reached streets.
    index
        A :class:`ReachIndex` for the same network and ``buffer_m``. By default the
        cached one is used; it is built on first use unless the reach is small.

    Returns
    -------
    Polygon or MultiPolygon
        The dissolved band; an empty Polygon when nothing is reached.
    """
    within_m = _check_positive("within_m", within_m, allow_zero=True)
    buffer_m = _check_positive("buffer_m", buffer_m, allow_zero=False)
    dist = _check_dist(network, dist_m)
    reach = _reach(network, dist, within_m)
    if reach.n_pieces == 0:
        return Polygon()
    if index is not None and (index.buffer_m != buffer_m or not index.matches(network)):
        raise NetworkError("the reach index was built for another network or band width")
    if index is None:
        found, index = _cached_index(network, buffer_m)
        if not found and reach.n_pieces > DIRECT_MAX_SEGMENTS:
            index = reach_index(network, buffer_m=buffer_m)

    u, v = network.edge_index
    xy = network.xy
    keep = reach.full
    rims: Any = None
    if index is not None:
        keep, full_faces = index.split(reach.full)
        if len(full_faces):
            rims = shapely.coverage_union_all(index.rims[full_faces])
    band = _band(
        _segments(xy[u[keep]], xy[v[keep]]),
        _segments(reach.starts, reach.ends),
        xy[reach.discs],
        buffer_m,
    )
    if rims is not None and not rims.is_empty:
        band = shapely.union(rims, band) if not band.is_empty else rims
    return _polygonal(band)


def served_area(
    network: WalkNetwork,
    dist_m_of_category: FloatArray,
    *,
    within_m: float,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> Polygonal:
    """The area a category serves: the reach of all its facilities (metric CRS).

    ``dist_m_of_category`` is the category's multi-source distance per node, such as
    ``AccessResult.of(category_id)``.
    """
    return reach_polygon(network, dist_m_of_category, within_m=within_m, buffer_m=buffer_m)


# --- GeoDataFrames -----------------------------------------------------------------------------
def _to_wgs84(network: WalkNetwork, geoms: Sequence[Any] | GeomArray) -> GeomArray:
    transform: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]] = network.unproject
    return np.asarray(
        shapely.transform(np.asarray(geoms, dtype=object), transform, interleaved=False),
        dtype=object,
    )


def _frame(
    network: WalkNetwork, data: Mapping[str, Any], geoms: Sequence[Any], *, to_metric: bool
) -> gpd.GeoDataFrame:
    geometry = np.asarray(geoms, dtype=object) if to_metric else _to_wgs84(network, geoms)
    return gpd.GeoDataFrame(
        dict(data), geometry=gpd.GeoSeries(geometry), crs=network.crs if to_metric else _WGS84
    )


def _walk_minutes(distance_m: float, speed_kmh: float | None) -> float | None:
    if speed_kmh is None:
        return None
    if not math.isfinite(speed_kmh) or speed_kmh <= 0:
        raise ValueError(f"walking speed must be a positive number of km/h, not {speed_kmh!r}")
    return distance_m / (speed_kmh * 1000.0 / 60.0)


def _tiers(within_m: float | Sequence[float]) -> list[float]:
    values = [within_m] if isinstance(within_m, int | float) else list(within_m)
    if not values:
        raise NetworkError("give at least one walking distance")
    tiers = {_check_positive("within_m", w, allow_zero=True) for w in values}
    return sorted(tiers, reverse=True)


def _rings(
    network: WalkNetwork,
    dist: FloatArray,
    tiers: list[float],
    *,
    buffer_m: float,
    speed_kmh: float | None,
    snap_m: float,
    to_metric: bool,
    extra: Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    geoms = [reach_polygon(network, dist, within_m=w, buffer_m=buffer_m) for w in tiers]
    data: dict[str, Any] = dict(extra or {})
    for key, value in data.items():
        data[key] = [value] * len(tiers)
    data["within_m"] = tiers
    data["walk_minutes"] = pd.array([_walk_minutes(w, speed_kmh) for w in tiers], dtype=object)
    data["snap_m"] = [snap_m] * len(tiers)
    data["area_m2"] = [float(g.area) for g in geoms]
    return _frame(network, data, geoms, to_metric=to_metric)


def isochrone(
    network: WalkNetwork,
    engine: DistanceEngine,
    *,
    lon: float,
    lat: float,
    within_m: float | Sequence[float] = DEFAULT_TIERS_M,
    buffer_m: float = DEFAULT_BUFFER_M,
    speed_kmh: float | None = DEFAULT_WALK_SPEED_KMH,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Walking isochrones around a WGS-84 point, one row per distance, largest first.

    The point snaps to its nearest network node and the straight-line snap distance
    counts as walked. Columns: ``within_m``, ``walk_minutes`` (``None`` when
    ``speed_kmh`` is None), ``snap_m``, ``area_m2`` and the polygon. A point farther
    than a tier from every street gets an empty polygon for that tier.
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise CoordinateError(f"({lon}, {lat}) is not a WGS-84 longitude/latitude")
    tiers = _tiers(within_m)
    pos, snap = network.snap_lonlat(np.array([lon]), np.array([lat]))
    dist = engine.multi_source(pos, snap, limit_m=max(tiers[0], 1e-9))
    return _rings(
        network,
        dist,
        tiers,
        buffer_m=buffer_m,
        speed_kmh=speed_kmh,
        snap_m=float(snap[0]),
        to_metric=to_metric,
    )


def facility_isochrones(
    network: WalkNetwork,
    engine: DistanceEngine,
    facility: Mapping[str, Any],
    *,
    within_m: float | Sequence[float] = DEFAULT_TIERS_M,
    buffer_m: float = DEFAULT_BUFFER_M,
    speed_kmh: float | None = DEFAULT_WALK_SPEED_KMH,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Isochrones of one facility row, with its ``facility_id``, ``category`` and ``name``.

    A row of :func:`geo.access.snap_facilities` (with ``node_pos`` and ``snap_m``) is
    used as snapped; otherwise the row's ``lon``/``lat`` is snapped.
    """
    tiers = _tiers(within_m)
    if "node_pos" in facility and "snap_m" in facility:
        pos = np.array([int(facility["node_pos"])], dtype=np.int64)
        snap = np.array([float(facility["snap_m"])], dtype=np.float64)
    else:
        pos, snap = network.snap_lonlat(
            np.array([float(facility["lon"])]), np.array([float(facility["lat"])])
        )
    dist = engine.multi_source(pos, snap, limit_m=max(tiers[0], 1e-9))
    extra = {
        "facility_id": str(facility.get("facility_id", "")),
        "category": str(facility.get("category", "")),
        "name": _text(facility.get("name")),
    }
    return _rings(
        network,
        dist,
        tiers,
        buffer_m=buffer_m,
        speed_kmh=speed_kmh,
        snap_m=float(snap[0]),
        to_metric=to_metric,
        extra=extra,
    )


def served_areas(
    network: WalkNetwork,
    access: AccessResult,
    taxonomy: Taxonomy,
    *,
    categories: Sequence[str] | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Per category, the area within its tier distance of one of its facilities.

    Columns: ``category``, ``within_m`` (the category's tier distance), ``area_m2`` and
    the polygon (empty when the category has no facility within reach).
    """
    ids = list(categories) if categories is not None else list(access.categories)
    within = [min(taxonomy.get(c).distance_m, access.limit_m) for c in ids]
    geoms = [
        served_area(network, access.of(c), within_m=w, buffer_m=buffer_m)
        for c, w in zip(ids, within, strict=True)
    ]
    data = {"category": ids, "within_m": within, "area_m2": [float(g.area) for g in geoms]}
    return _frame(network, data, geoms, to_metric=to_metric)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# --- catchments -----------------------------------------------------------------------------
def _project_area(network: WalkNetwork, area: Polygon | MultiPolygon) -> Any:
    """A WGS-84 polygon in the network's CRS (edges densified so they may bend)."""
    project: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]] = network.project
    dense = shapely.segmentize(area, max_segment_length=0.001)  # ~100 m
    return shapely.make_valid(shapely.transform(dense, project, interleaved=False))


def _voronoi_cells(points_xy: FloatArray, extent: Polygon) -> GeomArray:
    """One Voronoi cell per (distinct) point, in input order, covering ``extent``."""
    if len(points_xy) == 1:
        return np.asarray([extent], dtype=object)
    cells = shapely.voronoi_polygons(shapely.multipoints(points_xy), extend_to=extent, ordered=True)
    return np.asarray(shapely.get_parts(cells), dtype=object)


CATCHMENT_COLUMNS = ["facility_id", "category", "name", "nodes", "area_m2"]


def catchments(
    network: WalkNetwork,
    engine: DistanceEngine,
    snapped: pd.DataFrame,
    *,
    limit_m: float,
    boundary: Polygon | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
    to_metric: bool = False,
) -> gpd.GeoDataFrame:
    """Non-overlapping catchments of one category's facilities, one row per facility.

    Every node within ``limit_m`` goes to its network-nearest facility
    (:meth:`DistanceEngine.nearest_source`). A catchment polygon is the union of the
    Voronoi cells of its nodes, clipped to the category's reach at ``limit_m`` (see
    :func:`reach_polygon`) and to ``boundary`` (WGS-84, e.g. ``District.boundary``).
    Between two nodes of different facilities the split follows the straight-line
    bisector, not the point of equal walking distance on the street.

    Parameters
    ----------
    snapped
        Facilities of one category, as :func:`geo.access.snap_facilities` returns them
        (rows with ``lon``/``lat`` but no ``node_pos`` are snapped here).

    Returns
    -------
    geopandas.GeoDataFrame
        ``facility_id``, ``category``, ``name``, ``nodes`` (how many nodes it serves),
        ``area_m2`` and the polygon, in the order of ``snapped``. A facility that is
        nowhere the nearest (for example one sharing a node with a closer one) keeps a
        row with 0 nodes and an empty polygon.
    """
    limit_m = _check_positive("limit_m", limit_m, allow_zero=False)
    buffer_m = _check_positive("buffer_m", buffer_m, allow_zero=False)
    if len(snapped) and "node_pos" not in snapped.columns:
        snapped = snap_facilities(network, gpd.GeoDataFrame(snapped))
    cats = sorted({str(c) for c in snapped["category"]}) if "category" in snapped else []
    if len(cats) > 1:
        raise ValueError(f"catchments are per category; got several: {', '.join(cats)}")
    k = len(snapped)
    ids = [str(f) for f in snapped["facility_id"]] if "facility_id" in snapped else [""] * k
    names = [_text(n) for n in snapped["name"]] if "name" in snapped else [""] * k
    data: dict[str, Any] = {
        "facility_id": ids,
        "category": [cats[0] if cats else ""] * k,
        "name": names,
    }
    if k == 0:
        data["nodes"] = np.zeros(0, dtype=np.int64)
        data["area_m2"] = np.zeros(0, dtype=np.float64)
        return _frame(network, data, [], to_metric=to_metric)

    pos = snapped["node_pos"].to_numpy(dtype=np.int64)
    offsets = snapped["snap_m"].to_numpy(dtype=np.float64)
    dist, label = engine.nearest_source(pos, offsets, limit_m=limit_m)
    reached = (label >= 0) & (dist <= limit_m)
    reach = reach_polygon(network, dist, within_m=limit_m, buffer_m=buffer_m)
    counted = reached.copy()
    if boundary is not None:
        lon, lat = network.nodes["lon"].to_numpy(), network.nodes["lat"].to_numpy()
        counted &= shapely.intersects_xy(boundary, lon, lat)
    counts = np.bincount(label[counted], minlength=k).astype(np.int64)

    geoms = np.asarray([Polygon()] * k, dtype=object)
    if not reach.is_empty:
        minx, miny, maxx, maxy = reach.bounds
        extent = shapely.box(minx - 1.0, miny - 1.0, maxx + 1.0, maxy + 1.0)
        if boundary is not None:
            reach = _polygonal(shapely.intersection(reach, _project_area(network, boundary)))
        nodes = np.flatnonzero(reached)
        # Nodes at the same spot (to the millimetre) share one cell: the node nearest
        # to its facility keeps it.
        nodes = nodes[np.argsort(dist[nodes], kind="stable")]
        spots = np.round(network.xy[nodes], 3)
        _, first = np.unique(spots, axis=0, return_index=True)
        keep = np.sort(first)
        nodes = nodes[keep]
        cells = _voronoi_cells(spots[keep], extent)
        owner = label[nodes]
        order = np.argsort(owner, kind="stable")
        owners, starts = np.unique(owner[order], return_index=True)
        groups = np.split(order, starts[1:])
        # One dissolve per facility (not per edge): the cells of a Voronoi diagram form
        # a coverage, so the cheap coverage union applies.
        dissolved = [shapely.coverage_union_all(cells[g]) for g in groups]
        # Clipping the reach to each catchment's box first keeps every overlay small.
        near = [shapely.clip_by_rect(reach, *cell.bounds) for cell in dissolved]
        clipped = shapely.intersection(
            np.asarray(dissolved, dtype=object), np.asarray(near, dtype=object)
        )
        geoms[owners] = [_polygonal(g) for g in clipped]
    data["nodes"] = counts
    data["area_m2"] = np.array([float(g.area) for g in geoms], dtype=np.float64)
    return _frame(network, data, list(geoms), to_metric=to_metric)
