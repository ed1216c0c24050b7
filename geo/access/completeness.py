"""Life-circle completeness, per level, over the level's essential items (the honest way).

A home is complete at a level when it is served by every essential item of that level
that has data. An essential item with no facility in the data (OSM maps none here) is
*no data*: it is named, never counted as 0 % and never allowed to pull the level to 0 %.
The overall figure is over every essential item with data, at all levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.standards.taxonomy import Taxonomy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LevelCompleteness:
    """One level: its essential items, which of them have data, and the share complete."""

    level: int
    essential: tuple[str, ...]
    with_data: tuple[str, ...]
    no_data: tuple[str, ...]
    share: float | None
    """Residents served by every essential item with data ÷ residents; None without items."""
    residents: float

    def to_json(self) -> dict[str, Any]:
        return {
            "level_minutes": self.level,
            "essential": list(self.essential),
            "with_data": list(self.with_data),
            "no_data": list(self.no_data),
            "completeness": None if self.share is None else round(self.share, 6),
            "completeness_residents": round(self.residents, 2),
        }


@dataclass(frozen=True)
class Completeness:
    """Per level and overall (every essential item with data, at all levels)."""

    levels: tuple[LevelCompleteness, ...]
    essential: tuple[str, ...]
    no_data: tuple[str, ...]
    share: float | None
    residents: float


def items_with_data(dist_m: FloatArray) -> npt.NDArray[np.bool_]:
    """Per category (row of node or home distances), whether any facility is in the data.

    A category with a facility has a finite distance at least at the nodes its facility
    joins; one with none is ``inf`` everywhere.
    """
    if dist_m.shape[1] == 0:
        return np.zeros(dist_m.shape[0], dtype=bool)
    return np.asarray(np.isfinite(dist_m).any(axis=1))


def _complete_share(
    served: BoolArray, pop: FloatArray, rows: Sequence[int]
) -> tuple[float | None, float]:
    if not rows:
        return None, 0.0
    complete = served[list(rows)].all(axis=0)
    residents = float(pop[complete].sum())
    total = float(pop.sum())
    return (residents / total if total > 0 else 0.0), residents


def compute_completeness(
    served: BoolArray,
    population: FloatArray,
    *,
    taxonomy: Taxonomy,
    categories: tuple[str, ...],
    has_data: Sequence[bool],
) -> Completeness:
    """Completeness per level and overall, over essential items with data."""
    pop = np.asarray(population, dtype=float)
    index = {cid: i for i, cid in enumerate(categories)}
    data = {cid: bool(has_data[i]) for cid, i in index.items()}
    levels = []
    for level in taxonomy.levels:
        essential = tuple(c for c in taxonomy.essential_ids(level) if c in index)
        with_data = tuple(c for c in essential if data[c])
        share, residents = _complete_share(served, pop, [index[c] for c in with_data])
        levels.append(
            LevelCompleteness(
                level=level,
                essential=essential,
                with_data=with_data,
                no_data=tuple(c for c in essential if not data[c]),
                share=share,
                residents=residents,
            )
        )
    essential = tuple(c for c in taxonomy.essential_ids() if c in index)
    rows = [index[c] for c in essential if data[c]]
    share, residents = _complete_share(served, pop, rows)
    return Completeness(
        levels=tuple(levels),
        essential=essential,
        no_data=tuple(c for c in essential if not data[c]),
        share=share,
        residents=residents,
    )


__all__ = [
    "Completeness",
    "LevelCompleteness",
    "compute_completeness",
    "items_with_data",
]
