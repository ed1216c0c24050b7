"""The benchmarks' errors."""

from __future__ import annotations

import importlib
from pathlib import Path


class BrowserBenchError(RuntimeError):
    """The browser benchmark could not run (no Chromium, the app did not answer, ...)."""


def require_browser_tools(chromium: Path, playwright_api: str) -> None:
    """Raise :class:`BrowserBenchError` unless ``chromium`` and Playwright's
    ``playwright_api`` (``"sync_api"`` or ``"async_api"``) are installed."""
    if not chromium.exists():
        raise BrowserBenchError(f"{chromium} is not installed (apt-get install chromium)")
    try:
        importlib.import_module(f"playwright.{playwright_api}")
    except ImportError as exc:
        raise BrowserBenchError("playwright is not installed (pip install playwright)") from exc
