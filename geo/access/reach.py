"""The reached street linework of a walk and the band around it, in metric coordinates.

A point on a segment ``(a, b)`` at ``t`` metres from ``a`` is reached when
``min(d_a + t, d_b + length - t) <= within_m``. :mod:`geo.access.service_areas` turns
the reach into polygons, with :mod:`geo.access.reach_index` for large reaches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from shapely import MultiPolygon, Polygon

from geo.district.network import WalkNetwork
from geo.errors import NetworkError

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

INDEX_MIN_SHARE = 0.25
"""Nor is the index built for a reach of less than this share of the network's edges:
its cost grows with the whole network (about 10 s at 100,000 nodes), while buffering a
1000 m isochrone directly takes a fraction of a second on any network size."""

ON_LINE_M = 1e-6  # a noded piece lies on its source segment to within this distance
WGS84 = "EPSG:4326"


# --- the reached linework ------------------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """What of the network lies within ``within_m``, in metric coordinates."""

    full: BoolArray  # per edge: reached end to end
    starts: FloatArray  # (k, 2): partial pieces, from the reached end ...
    ends: FloatArray  # (k, 2): ... to where the walk runs out
    discs: IntArray  # reached nodes that no whole edge rounds off: lone nodes, piece roots

    @property
    def n_pieces(self) -> int:
        return int(self.full.sum()) + len(self.starts) + len(self.discs)


def check_dist(network: WalkNetwork, dist_m: npt.ArrayLike) -> FloatArray:
    dist = np.asarray(dist_m, dtype=np.float64)
    if dist.shape != (network.n_nodes,):
        raise NetworkError(
            f"expected one distance per network node ({network.n_nodes}), got shape {dist.shape}"
        )
    return dist


def check_positive(name: str, value: float, *, allow_zero: bool) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        kind = "a non-negative" if allow_zero else "a positive"
        raise NetworkError(f"{name} must be {kind} number of metres, not {value!r}")
    return number


def walk_reach(network: WalkNetwork, dist: FloatArray, within_m: float) -> Reach:
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
    # Partial pieces end square (see street_band), so the nodes they start from get a disc
    # unless a whole edge already rounds them off; so do reached nodes without any piece.
    discs = np.flatnonzero(reached & ~rounded).astype(np.int64)
    return Reach(full=full, starts=starts, ends=ends, discs=discs)


def street_band(whole: GeomArray, partial: GeomArray, discs_xy: FloatArray, buffer_m: float) -> Any:
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


def segment_lines(starts: FloatArray, ends: FloatArray) -> GeomArray:
    if len(starts) == 0:
        return np.empty(0, dtype=object)
    return np.asarray(shapely.linestrings(np.stack([starts, ends], axis=1)), dtype=object)


def as_polygonal(geom: Any) -> Polygonal:
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
