"""What one run of the engine benchmark measures, how many times, and what it aims for.

:func:`config_from_args` turns the options of ``python -m bench`` into a
:class:`BenchConfig`; :data:`TARGETS` are the figures the engine should reach.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

LIMIT_M = 1000.0
"""The search bound: the largest life-circle tier of the bundled taxonomy."""

FULL_NODES = 100_000
QUICK_NODES = 20_000
PANDANA_NODES = 10_000
"""pandana's contraction hierarchy takes about 15 s on a 10,000-node grid on 2 loaded
cores, a minute on 20,000 and 4 to 6 minutes on 100,000."""
QUICK_PANDANA_NODES = 1_000
DEFAULT_SEED = 2018  # GB 50180-2018, the life-circle standard


@dataclass(frozen=True)
class BenchConfig:
    """What one run measures and how many times."""

    nodes: int
    seed: int
    quick: bool
    repeats: int
    incremental_additions: int
    isochrone_points: int
    analysis_additions: int
    warm_loads: int
    pandana_nodes: int


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    quick = bool(args.quick)
    nodes = args.nodes if args.nodes is not None else (QUICK_NODES if quick else FULL_NODES)
    pandana_nodes = args.pandana_nodes
    if pandana_nodes is None:
        pandana_nodes = min(nodes, QUICK_PANDANA_NODES if quick else PANDANA_NODES)
    return BenchConfig(
        nodes=int(nodes),
        seed=int(args.seed),
        quick=quick,
        repeats=3 if quick else 5,
        incremental_additions=20 if quick else 50,
        isochrone_points=4 if quick else 20,
        analysis_additions=5 if quick else 20,
        warm_loads=3 if quick else 5,
        pandana_nodes=int(pandana_nodes),
    )


@dataclass(frozen=True)
class Target:
    """A figure the engine should reach, checked against the top-level result."""

    key: str
    op: str  # ">=", ">" or "<"
    bound: float
    scope: str

    def passes(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.op == ">=":
            return value >= self.bound
        if self.op == ">":
            return value > self.bound
        return value < self.bound

    @property
    def text(self) -> str:
        op = {">=": "≥", ">": ">", "<": "<"}[self.op]
        return f"{op} {self.bound:g}"


TARGETS = (
    Target("vs_networkx", ">=", 20.0, "generated"),
    Target("vs_pandana", ">", 1.0, "generated"),
    Target("incremental_ms", "<", 10.0, "generated"),
    Target("isochrone_ms", "<", 50.0, "generated"),
    Target("cached_load_s", "<", 0.5, "bundled"),
)


def whole_number_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least ``minimum`` (``what``: its unit)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"give at least {minimum} {what}")
        return value

    return parse
