"""Benchmarks of lifecircle's distance engine (``lifecircle bench``, ``python -m bench``).

Kept out of :mod:`geo`: it needs optional packages (pandana) and generates test data.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the engine benchmark; see :func:`bench.engine.main`."""
    from bench.engine import main as engine_main

    return engine_main(argv)
