"""Pausing Python's cycle collector while a large batch of objects is built.

Building a city's layers creates millions of shapely geometries, which the cycle collector
tracks: every few thousand allocations it runs, and its full passes walk every live
object again, a second or more at 1M nodes for nothing (the layers hold no reference
cycles; reference counting frees them). :func:`paused_gc` turns the collector off for the
duration of a block and back on after it. The collector is one per process, so nested or
concurrent pauses (the dashboard's sessions are threads) are counted, and the collector
is switched back on by the last pause to end, only if it was on before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_state = {"pauses": 0, "was_enabled": False}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cycle collector off (reference counting still frees)."""
    with _LOCK:
        if _state["pauses"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["pauses"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["pauses"] -= 1
            if _state["pauses"] == 0 and _state["was_enabled"]:
                gc.enable()
                # Everything the block built and kept is still in the youngest
                # generation: sweep it once here, or the next small allocation anywhere
                # (a workshop's click) pays for walking it (~0.1 s after a city's
                # analysis, measured).
                gc.collect(1)
