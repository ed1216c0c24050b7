"""The access rule restated by brute force, as an oracle for the tests.

Written from the README's rule with plain numpy (no shapely, no spatial index): a point
joins the nearest point of the nearest straight edge; fragments (fewer than 50 nodes and
under 1 % of the network) are passed over when an edge of a larger piece lies within
100 m; the point reaches both ends of its edge at the snap distance plus the share of the
edge's length between the foot of the perpendicular and that end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FRAGMENT_MAX_NODES = 50
FRAGMENT_MAX_SHARE = 0.01
FRAGMENT_SEARCH_M = 100.0


@dataclass(frozen=True)
class Joined:
    edge: IntArray
    snap_m: FloatArray
    u_cost_m: FloatArray
    v_cost_m: FloatArray
    on_fragment: npt.NDArray[np.bool_]


def fragment_edges(component: IntArray, u: IntArray) -> npt.NDArray[np.bool_]:
    """Per edge: whether it lies on a fragment."""
    sizes = np.bincount(component)
    small = (sizes < FRAGMENT_MAX_NODES) & (sizes < FRAGMENT_MAX_SHARE * len(component))
    out: npt.NDArray[np.bool_] = small[component[u]]
    return out


def join(
    node_xy: FloatArray,
    u: IntArray,
    v: IntArray,
    length_m: FloatArray,
    component: IntArray,
    points: FloatArray,
) -> Joined:
    """Join ``points`` (metres) to the edges ``(u, v)`` (node positions) of a network."""
    a = node_xy[u]
    ab = node_xy[v] - a
    norm2 = (ab**2).sum(axis=1)
    fragment = fragment_edges(component, u)
    n = len(points)
    edge = np.zeros(n, dtype=np.int64)
    snap = np.zeros(n)
    share = np.zeros(n)
    for i, p in enumerate(points):
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(norm2 > 0, ((p - a) * ab).sum(axis=1) / norm2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        foot = a + t[:, None] * ab
        d = np.hypot(*(p - foot).T)
        main = ~fragment & (d <= FRAGMENT_SEARCH_M)
        k = int(np.flatnonzero(main)[np.argmin(d[main])]) if main.any() else int(np.argmin(d))
        edge[i], snap[i], share[i] = k, d[k], t[k]
    return Joined(
        edge=edge,
        snap_m=snap,
        u_cost_m=snap + share * length_m[edge],
        v_cost_m=snap + (1.0 - share) * length_m[edge],
        on_fragment=fragment[edge],
    )


AREA_REACH_M = 30.0
ENTRANCE_ON_OUTLINE_M = 2.0


def area_ways(
    node_xy: FloatArray,
    area_m: object,
    entrances_xy: FloatArray,
    join_entrances: object,
) -> list[tuple[int, float]]:
    """The ways into an area (metric shapely geometry), by the README's rule, brute force:
    its entrances on the outline joined like points when it has any; else every node
    within 30 m at its distance to the area (0 inside); else the nearest node.

    ``join_entrances(points) -> Joined`` joins entrance points to the network's edges;
    the result is ``[(node position, cost)]`` with edges' ends given by the caller.
    """
    import shapely  # the oracle measures distances with shapely, one geometry at a time

    outline = area_m.boundary  # type: ignore[attr-defined]
    gates = [p for p in entrances_xy if outline.distance(shapely.Point(p)) <= ENTRANCE_ON_OUTLINE_M]
    if gates:
        return join_entrances(np.array(gates))  # type: ignore[operator,no-any-return]
    d = np.array([area_m.distance(shapely.Point(p)) for p in node_xy])  # type: ignore[attr-defined]
    near = np.flatnonzero(d <= AREA_REACH_M)
    if len(near) == 0:
        near = np.array([int(np.argmin(d))])
    return [(int(i), float(d[i])) for i in near]
