"""Nodes near areas from cells of coordinates, checked against an exhaustive search."""

from __future__ import annotations

import numpy as np
import shapely

from geo.access.area_nodes import NodeCells, nearest_nodes, nodes_within


def _scene(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, (3000, 2))
    centres = rng.uniform(-300, 2300, (60, 2))
    sizes = rng.uniform(1, 120, (60, 2))
    areas = shapely.box(*(centres - sizes).T, *(centres + sizes).T)
    # A thin rotated area, one far outside every node, one holding no node near it.
    extra = [
        shapely.Polygon([(500, 500), (900, 540), (905, 560), (505, 520)]),
        shapely.box(9000, 9000, 9100, 9050),
        shapely.Point(-2000, 1000).buffer(40),
    ]
    return xy, np.concatenate([areas, np.array(extra, dtype=object)])


def _pairs(a: np.ndarray, b: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(a.tolist(), b.tolist(), strict=True))


def test_nodes_within_matches_every_pair_measured() -> None:
    xy, areas = _scene(1)
    area_i, node_i, dist_m = nodes_within(NodeCells(xy), areas, 30.0)
    dist = shapely.distance(shapely.points(xy)[None, :], areas[:, None])
    want = np.nonzero(dist <= 30.0)
    assert _pairs(area_i, node_i) == _pairs(*want)
    assert len(area_i) > 0
    assert np.all(np.diff(area_i) >= 0)  # sorted by area
    np.testing.assert_array_equal(dist_m, dist[area_i, node_i])


def test_nodes_within_matches_a_tree_query() -> None:
    xy, areas = _scene(2)
    tree = shapely.STRtree(shapely.points(xy))
    want = tree.query(areas, predicate="dwithin", distance=30.0)
    area_i, node_i, _ = nodes_within(NodeCells(xy, cell_m=17.0), areas, 30.0)
    assert _pairs(area_i, node_i) == _pairs(*want)


def test_nearest_nodes_is_the_exhaustive_minimum_with_lowest_position_on_ties() -> None:
    xy, areas = _scene(3)
    # Two nodes at exactly the same distance from a square: the lower position wins.
    xy = np.concatenate([xy, [[5000.0, 5050.0], [5000.0, 4950.0]]])
    areas = np.concatenate([areas, np.array([shapely.box(4990, 4990, 5010, 5010)])])
    area_i, node_i, dist_m = nearest_nodes(NodeCells(xy), areas, start_m=60.0)
    dist = shapely.distance(areas[:, None], shapely.points(xy)[None, :])
    assert area_i.tolist() == list(range(len(areas)))
    np.testing.assert_array_equal(dist_m, dist.min(axis=1))
    np.testing.assert_array_equal(node_i, dist.argmin(axis=1))  # argmin: first = lowest
    assert node_i[-1] == len(xy) - 2


def test_empty_inputs() -> None:
    xy, areas = _scene(4)
    empty = np.zeros(0, dtype=object)
    assert [len(a) for a in nodes_within(NodeCells(xy), empty, 30.0)] == [0, 0, 0]
    assert [len(a) for a in nearest_nodes(NodeCells(xy), empty, start_m=60.0)] == [0, 0, 0]
    no_nodes = NodeCells(np.zeros((0, 2)))
    assert [len(a) for a in nodes_within(no_nodes, areas, 30.0)] == [0, 0, 0]
    assert [len(a) for a in nearest_nodes(no_nodes, areas, start_m=60.0)] == [0, 0, 0]
