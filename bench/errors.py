"""The benchmarks' errors."""

from __future__ import annotations


class BrowserBenchError(RuntimeError):
    """The browser benchmark could not run (no Chromium, the app did not answer, ...)."""
