"""The blocks of a network, precomputed once so that large reach polygons are cheap.

See :mod:`geo.access.service_areas` for how the index is used: a block whose whole
boundary is reached contributes its precomputed rim; only the frontier is buffered.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.errors import GEOSException

from geo.access.reach import (
    DEFAULT_BUFFER_M,
    ON_LINE_M,
    QUAD_SEGS,
    BoolArray,
    GeomArray,
    IntArray,
    check_positive,
    segment_lines,
)
from geo.district.network import WalkNetwork


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
    buffer_m = check_positive("buffer_m", buffer_m, allow_zero=False)
    u, v = network.edge_index
    m = network.n_edges
    segments = segment_lines(network.xy[u], network.xy[v])
    if m:
        pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(segments)))
    else:
        pieces = np.empty(0, dtype=object)
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    pe_piece, pe_edge = shapely.STRtree(segments).query(
        mid, predicate="dwithin", distance=ON_LINE_M
    )
    faces = np.asarray(shapely.get_parts(shapely.polygonize(pieces)), dtype=object)
    pf_piece, pf_face = shapely.STRtree(shapely.boundary(faces)).query(
        mid, predicate="dwithin", distance=ON_LINE_M
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


def cached_reach_index(network: WalkNetwork, buffer_m: float) -> tuple[bool, ReachIndex | None]:
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
    buffer_m = check_positive("buffer_m", buffer_m, allow_zero=False)
    found, index = cached_reach_index(network, buffer_m)
    if found:
        return index
    try:
        index = build_reach_index(network, buffer_m=buffer_m)
    except GEOSException:
        index = None
    with _INDEX_LOCK:
        _INDEXES.setdefault(network, {})[buffer_m] = index
    return index
