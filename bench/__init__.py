"""Benchmarks of lifecircle's distance engine (``lifecircle bench``, ``python -m bench``).

Kept out of :mod:`geo`: it needs optional packages (pandana) and generates test data.

The engine benchmark: :mod:`bench.cli` (options, ``main``) runs :mod:`bench.measure`
(the bundled district and a generated city) from :mod:`bench.config`'s settings, on
:mod:`bench.networks` (generated grids and facility sets), with :mod:`bench.engine`
(engine vs networkx and pandana), :mod:`bench.workshop` (incremental edits, isochrones),
:mod:`bench.agreement` (do the answers agree) and :mod:`bench.timing`;
:mod:`bench.report` prints the tables. The browser benchmark (``--browser``):
:mod:`bench.browser` runs the steps of :mod:`bench.browser_steps` (JavaScript in
:mod:`bench.browser_js`; the same edit in-process in :mod:`bench.browser_baseline`)
against the server and Chromium of :mod:`bench.harness`, which the browser tests share.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the engine benchmark; see :func:`bench.cli.main`."""
    from bench.cli import main as cli_main

    return cli_main(argv)
