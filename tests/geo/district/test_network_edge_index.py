"""Edge end positions: the binary search on sorted ids against pandas' own lookup."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.district.network import WalkNetwork


def _network(ids: list[int], u: list[int], v: list[int]) -> WalkNetwork:
    nodes = pd.DataFrame({"x": np.arange(len(ids), dtype=float)}, index=pd.Index(ids))
    edges = pd.DataFrame({"u": u, "v": v, "length_m": np.ones(len(u))})
    return WalkNetwork(crs="EPSG:32651", nodes=nodes, edges=edges)


@pytest.mark.parametrize(
    "ids",
    [[3, 8, 20, 41, 99], [41, 3, 99, 8, 20]],  # sorted (as cached) and not
    ids=["sorted", "unsorted"],
)
def test_edge_index_matches_pandas_lookup_and_marks_unknown_ids(ids: list[int]) -> None:
    u = [3, 8, 20, 41, 5, 99, 100]  # 5 lies between ids, 100 after the last: unknown
    v = [8, 20, 41, 99, 3, 1, 3]  # 1 before the first
    net = _network(ids, u, v)
    got_u, got_v = net.edge_index
    index = pd.Index(ids)
    np.testing.assert_array_equal(got_u, index.get_indexer(u))
    np.testing.assert_array_equal(got_v, index.get_indexer(v))
    assert got_u.dtype == np.int64
    assert (got_u[[4, 6]] == -1).all() and got_v[5] == -1
