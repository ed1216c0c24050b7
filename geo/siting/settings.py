"""How sites are suggested: thresholds and solver limits, passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import LifecircleError


class SitingError(LifecircleError, ValueError):
    """A siting question cannot be answered as asked (no candidates, k ≤ 0, a target
    that no choice of candidates reaches, a candidate far from every street...)."""


@dataclass(frozen=True)
class SitingSettings:
    """Thresholds of the site suggestion (documented in the README, "Where to add services").

    ``max_join_m``: a candidate whose cheapest way into the network is longer than this is
    not on the mapped streets (a user's candidate is refused, a data candidate left out).
    ``exact_max_candidates`` and ``exact_max_pairs``: the largest instance (candidates, and
    candidate–home pairs within reach) solved exactly; larger ones get the greedy solution
    and its proven bound. ``time_limit_s``: per exact solve; a solve stopped by the limit
    reports the solver's own bound. ``bound_time_limit_s``: for the greedy answer, the time
    HiGHS may spend on the LP relaxation, a tighter bound than the greedy's own (skipped
    when it does not finish in time). ``batch``: candidates per engine call when the
    coverage matrix is built (memory: ``batch`` × nodes distances at a time).
    """

    max_join_m: float = 150.0
    exact_max_candidates: int = 2_000
    exact_max_pairs: int = 2_000_000
    time_limit_s: float = 20.0
    bound_time_limit_s: float = 2.0
    batch: int = 128

    def __post_init__(self) -> None:
        if not self.max_join_m > 0:
            raise ValueError("max_join_m must be positive")
        if self.batch < 1:
            raise ValueError("batch must be at least 1")
        if not self.time_limit_s > 0:
            raise ValueError("time_limit_s must be positive")


DEFAULT_SITING = SitingSettings()
