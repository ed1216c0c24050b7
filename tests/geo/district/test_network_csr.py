"""The CSR matrix of a network against a plain-Python oracle: each pair of nodes holds the
shortest of the edges that join it, once in each direction, whether or not the edge list
has repeated pairs or loops (a scenario link along a street adds one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.district.network import WalkNetwork


def network(u: list[int], v: list[int], length_m: list[float], n_nodes: int) -> WalkNetwork:
    nodes = pd.DataFrame(
        {"lon": 0.0, "lat": 0.0, "x": 0.0, "y": 0.0, "component": 0},
        index=pd.Index(np.arange(n_nodes, dtype=np.int64) + 100, name="node_id"),
    )
    edges = pd.DataFrame(
        {"u": np.array(u) + 100, "v": np.array(v) + 100, "length_m": np.array(length_m, float)}
    )
    return WalkNetwork(crs="EPSG:32651", nodes=nodes, edges=edges)


def oracle(u: list[int], v: list[int], length_m: list[float]) -> dict[tuple[int, int], float]:
    best: dict[tuple[int, int], float] = {}
    for a, b, w in zip(u, v, length_m, strict=True):
        for key in {(a, b), (b, a)}:
            best[key] = min(best.get(key, np.inf), w)
    return best


@pytest.mark.parametrize("repeats", [False, True])
def test_csr_holds_the_shortest_edge_of_each_pair(repeats: bool) -> None:
    rng = np.random.default_rng(7 if repeats else 8)
    n = 40
    a = rng.integers(0, n, 300)
    b = rng.integers(0, n, 300)
    if not repeats:  # one edge per unordered pair, no loops: the simple case
        both = zip(a.tolist(), b.tolist(), strict=True)
        pairs = {(min(x, y), max(x, y)) for x, y in both if x != y}
        a = np.array([p[0] for p in sorted(pairs)])
        b = np.array([p[1] for p in sorted(pairs)])
    w = rng.choice([0.0, 1.5, 7.25, 12.0], len(a)).tolist()
    csr = network(a.tolist(), b.tolist(), w, n).csr
    expected = oracle(a.tolist(), b.tolist(), w)
    coo = csr.tocoo()
    got = {(int(i), int(j)): float(x) for i, j, x in zip(coo.row, coo.col, coo.data, strict=True)}
    assert got == expected  # zero-length edges stay as explicit entries
    assert csr.has_sorted_indices
