"""Timers for the benchmarks: wall-clock and CPU milliseconds with the GC paused.

Timings are taken with the garbage collector off, as ``timeit`` does; figures are
medians. :func:`native_stdout_silenced` keeps what C/C++ code prints off stdout, and
:func:`stage` records how long each stage of a run took.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def timed_ms(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall-clock milliseconds of ``fn()`` and its result."""
    wall_ms, _, out = timed_wall_cpu_ms(fn)
    return wall_ms, out


def timed_wall_cpu_ms(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall-clock and process CPU milliseconds of ``fn()``, and its result.

    CPU time is what a single-threaded computation costs even when other processes
    share the cores; wall-clock time on a busy machine includes waiting for a core.
    """
    with gc_paused():
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        cpu = time.process_time() - start_cpu
        elapsed = time.perf_counter() - start
    return elapsed * 1e3, cpu * 1e3, out


def _flush_native_stdout() -> None:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def native_stdout_silenced() -> Iterator[None]:
    """Send what C/C++ code prints (pandana's progress lines) to the null device.

    ``--json`` promises one JSON object on stdout, and pandana writes to file
    descriptor 1 directly, past ``sys.stdout``.
    """
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _flush_native_stdout()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=float)))


@contextlib.contextmanager
def stage(out: dict[str, Any], name: str) -> Iterator[None]:
    """Record the wall-clock seconds of one stage of the run in ``out["stages_s"]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        out.setdefault("stages_s", {})[name] = time.perf_counter() - start
