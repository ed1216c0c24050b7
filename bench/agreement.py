"""Whether two answers agree: distance arrays compared node by node.

The tolerances say how close the engine's distances must be to networkx's, to pandana's
(looser) and, for an incremental update, to a full recompute's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bench.networks import FloatArray

NX_TOLERANCE_M = 0.01
PANDANA_TOLERANCE_M = 0.5
INCREMENTAL_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class Agreement:
    """How two distance arrays compare (``inf`` = unreachable)."""

    max_abs_diff_m: float
    reach_mismatches: int
    nodes_compared: int

    def ok(self, tolerance_m: float) -> bool:
        return self.reach_mismatches == 0 and self.max_abs_diff_m <= tolerance_m


def compare_distances(ours: FloatArray, ref: FloatArray, *, limit_m: float) -> Agreement:
    """Largest difference where both reach; nodes reached by one side only.

    A node one side reaches at (to within a micrometre) exactly the limit and the other
    does not is not a mismatch: the two sums may round to either side of the bound.
    """
    fin_o, fin_r = np.isfinite(ours), np.isfinite(ref)
    both = fin_o & fin_r
    diff = float(np.max(np.abs(ours[both] - ref[both]))) if both.any() else 0.0
    only = fin_o != fin_r
    edge = np.where(fin_o, ours, ref) >= limit_m - 1e-6
    return Agreement(
        max_abs_diff_m=diff,
        reach_mismatches=int(np.count_nonzero(only & ~edge)),
        nodes_compared=int(np.count_nonzero(both)),
    )


def merge_agreements(*agreements: Agreement) -> Agreement:
    return Agreement(
        max_abs_diff_m=max((a.max_abs_diff_m for a in agreements), default=0.0),
        reach_mismatches=sum(a.reach_mismatches for a in agreements),
        nodes_compared=sum(a.nodes_compared for a in agreements),
    )
