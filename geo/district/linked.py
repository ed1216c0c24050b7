"""A walking network with a few links added, over the arrays of the network it grew from.

A workshop's new passage adds a handful of nodes and edges to a district of a million.
:class:`LinkedNetwork` is that network without copying the district: the counts, node
ids, coordinates and edge positions are the base network's arrays with the few new ones
after them, and the ``nodes`` and ``edges`` tables (100 MB at a million nodes) are built
only when something reads them (an export, a map), then kept. Those tables are exactly
what appending the rows gives: the base rows first, the new ones after, the streets'
categorical columns kept categorical, and the pieces (``component``) labelled again.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import pyproj
from pandas.api.types import union_categoricals

from geo.district.network import FloatArray, IntArray, WalkNetwork, label_components


class LinkedNetwork(WalkNetwork):
    """``base`` with ``added_nodes`` and ``added_edges`` appended (tables built lazily).

    Parameters
    ----------
    base
        The network the links were added to; never changed, its arrays are shared.
    added_nodes
        The new nodes, indexed by (negative) node id, with ``lon, lat, x, y``.
    added_edges
        The new edges: ``u, v`` (node ids, ``u < v``), ``length_m``, ``highway``, ``name``.
    added_u, added_v
        The new edges' end points as node positions in this network.
    piece
        The piece (``component``) every new node joins when the links keep the labels of
        ``base`` (they join one piece, and it does not overtake a larger one); ``None``
        to label the pieces again when the tables are built.
    """

    def __init__(
        self,
        base: WalkNetwork,
        added_nodes: pd.DataFrame,
        added_edges: pd.DataFrame,
        *,
        added_u: IntArray,
        added_v: IntArray,
        piece: int | None,
    ) -> None:
        # A frozen dataclass's fields are set the way its own __init__ sets them; the
        # ``nodes`` and ``edges`` fields are cached properties here (built on first read).
        object.__setattr__(self, "crs", base.crs)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "added_nodes", added_nodes)
        object.__setattr__(self, "added_edges", added_edges)
        object.__setattr__(self, "added_u", np.asarray(added_u, dtype=np.int64))
        object.__setattr__(self, "added_v", np.asarray(added_v, dtype=np.int64))
        object.__setattr__(self, "piece", piece)

    base: WalkNetwork
    added_nodes: pd.DataFrame
    added_edges: pd.DataFrame
    added_u: IntArray
    added_v: IntArray
    piece: int | None

    @property
    def n_nodes(self) -> int:
        return self.base.n_nodes + len(self.added_nodes)

    @property
    def n_edges(self) -> int:
        return self.base.n_edges + len(self.added_edges)

    @property
    def added_xy(self) -> FloatArray:
        """The new nodes' coordinates (metres), in position order after the base's."""
        xy: FloatArray = self.added_nodes[["x", "y"]].to_numpy(dtype=np.float64)
        return xy

    @cached_property
    def node_ids(self) -> IntArray:
        if len(self.added_nodes) == 0:
            return self.base.node_ids
        extra = self.added_nodes.index.to_numpy(dtype=np.int64)
        return np.concatenate([self.base.node_ids, extra])

    @cached_property
    def xy(self) -> FloatArray:
        if len(self.added_nodes) == 0:
            return self.base.xy
        return np.concatenate([self.base.xy, self.added_xy])

    @cached_property
    def edge_index(self) -> tuple[IntArray, IntArray]:
        u, v = self.base.edge_index
        return np.concatenate([u, self.added_u]), np.concatenate([v, self.added_v])

    @cached_property
    def _to_metric(self) -> pyproj.Transformer:
        return self.base._to_metric

    @cached_property
    def _to_wgs84(self) -> pyproj.Transformer:
        return self.base._to_wgs84

    @cached_property
    def nodes(self) -> pd.DataFrame:
        base = self.base.nodes
        added = self.added_nodes.copy()
        added["component"] = 0 if self.piece is None else self.piece
        nodes = pd.concat([base, added[base.columns]]) if len(added) else base.copy()
        if self.piece is None:
            u, v = self.edge_index
            nodes["component"] = label_components(len(nodes), u, v)
        return nodes

    @cached_property
    def edges(self) -> pd.DataFrame:
        return append_rows(self.base.edges, self.added_edges)


def append_rows(frame: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``extra``'s rows below (a new 0..n index), column by column: a
    categorical column (the streets' ``highway`` and ``name``) stays categorical with the
    new values added as categories, so a whole district's table is not turned into
    Python strings for two new rows."""
    if list(extra.columns) != list(frame.columns):
        return pd.concat([frame, extra], ignore_index=True)
    columns: dict[str, object] = {}
    for c in frame.columns:
        head = frame[c]
        if isinstance(head.dtype, pd.CategoricalDtype):
            tail = pd.Categorical(extra[c].to_numpy(dtype=object))
            columns[c] = union_categoricals([head.array, tail], ignore_order=True)
        elif isinstance(head.dtype, np.dtype) and head.dtype != object:
            columns[c] = np.concatenate([head.to_numpy(), extra[c].to_numpy(dtype=head.dtype)])
        else:
            columns[c] = np.concatenate(
                [head.to_numpy(dtype=object), extra[c].to_numpy(dtype=object)]
            )
    return pd.DataFrame(columns, columns=frame.columns, copy=False)
