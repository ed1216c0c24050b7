"""Walking distances per category and node, held row by row (:class:`AccessResult`).

:class:`geo.access.engine.DistanceEngine` computes them; this module only holds them, so
that an edit can replace a category's row and share every other with the result it came
from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class AccessResult:
    """Per category, the walking distance (m) from every node to its nearest facility.

    ``dist_m[i, j]`` is category ``categories[i]`` at node position ``j``; ``inf`` means
    nothing within ``limit_m``.

    The table is held row by row: :meth:`with_rows` (a workshop edit) shares every row
    it does not replace with the result it came from, so an edit on a city costs one
    row, not the whole table. Read rows with :meth:`row` or :meth:`of`; ``dist_m`` stacks
    them into one table (once, then kept) for what needs the table. Treat both as
    read-only: rows are shared. A row given shorter than ``node_ids`` (a baseline row in a
    scenario whose link added nodes) is beyond reach at the missing nodes; it is padded
    with ``inf`` when first read.
    """

    def __init__(
        self,
        *,
        categories: Sequence[str],
        limit_m: float,
        node_ids: IntArray,
        dist_m: FloatArray | None = None,
        rows: Sequence[FloatArray] | None = None,
        has_data: Mapping[int, bool] | None = None,
    ) -> None:
        self.categories = tuple(categories)
        self.limit_m = float(limit_m)
        self.node_ids = node_ids
        if rows is None:
            table = np.asarray(dist_m if dist_m is not None else np.zeros((0, 0)), float)
            self._table: FloatArray | None = table
            self._rows: list[FloatArray] = list(table)
        else:
            self._table = None
            self._rows = list(rows)
        if len(self._rows) != len(self.categories):
            raise ValueError("one row of distances per category")
        self._has_data: dict[int, bool] = dict(has_data or {})

    @property
    def dist_m(self) -> FloatArray:
        """(categories × nodes), stacked from the rows the first time it is asked for."""
        table = self._table
        if table is None:
            n = len(self.node_ids)
            rows = [self.row(i) for i in range(len(self._rows))]
            table = np.stack(rows) if rows else np.zeros((0, n))
            self._table = table
        return table

    def row(self, index: int) -> FloatArray:
        """Category ``categories[index]`` at every node."""
        row = self._rows[index]
        missing = len(self.node_ids) - len(row)
        if missing > 0:
            row = np.concatenate([row, np.full(missing, np.inf)])
            self._rows[index] = row
        return row

    def of(self, category_id: str) -> FloatArray:
        try:
            return self.row(self.categories.index(category_id))
        except ValueError as exc:
            raise KeyError(f"no distances for category '{category_id}'") from exc

    def rows_with_data(self) -> npt.NDArray[np.bool_]:
        """Per category, whether any node has a finite distance (a facility is in the
        data): :func:`geo.access.completeness.items_with_data` row by row, each row's
        answer kept and handed on to the rows an edit shares."""
        for i, row in enumerate(self._rows):
            if i not in self._has_data:
                self._has_data[i] = bool(len(row)) and bool(np.isfinite(row).any())
        return np.array([self._has_data[i] for i in range(len(self._rows))], dtype=bool)

    def walk_minutes(self, *, speed_kmh: float) -> FloatArray:
        """Walking time in minutes at ``speed_kmh`` (inf stays inf)."""
        if speed_kmh <= 0:
            raise ValueError("walking speed must be positive")
        return self.dist_m / (speed_kmh * 1000.0 / 60.0)

    def to_frame(self) -> pd.DataFrame:
        """One row per node, one ``<category>_m`` column per category (NaN = beyond limit)."""
        data = np.where(np.isfinite(self.dist_m), self.dist_m, np.nan)
        frame = pd.DataFrame(data.T, columns=[f"{c}_m" for c in self.categories])
        frame.index = pd.Index(self.node_ids, name="node_id")
        return frame

    def with_rows(
        self, rows: Mapping[int, FloatArray], *, has_data: Mapping[int, bool] | None = None
    ) -> AccessResult:
        """These rows replaced (by index), every other row shared with this result."""
        new = list(self._rows)
        for i, r in rows.items():
            new[i] = r
        known = {i: v for i, v in self._has_data.items() if i not in rows}
        known.update(has_data or {})
        return AccessResult(
            categories=self.categories,
            limit_m=self.limit_m,
            node_ids=self.node_ids,
            rows=new,
            has_data=known,
        )

    def with_category(self, category_id: str, dist_m: FloatArray) -> AccessResult:
        return self.with_rows({self.categories.index(category_id): dist_m})
