"""A call run in a forked child process beside the caller's own work.

Formatting a million rows as text holds Python's lock, so on a thread it only takes turns
with the layers being built in the same process. A forked child inherits the analysis as
it is (copy-on-write: nothing is pickled) and writes its files itself, on the other core.

A fork copies only the calling thread: a lock another thread held at that moment would
stay locked in the child forever. So the child is forked only when this process runs no
other Python thread, on Linux; otherwise the call runs on a thread, as before, with the
same results.
"""

from __future__ import annotations

import gc
import mmap
import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.errors import OutputPathError


class ChildEndedError(OutputPathError):
    """The child process ended without saying how its call went (killed, out of memory)."""


def can_fork() -> bool:
    """Forking is safe here: Linux (macOS's system libraries are not safe to use in a
    forked child) and no other Python thread runs."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class ForkedCall:
    """``fn(*args)`` started now, in a forked child when :func:`can_fork`, else on a
    thread; :meth:`result` waits for it and raises what it raised.

    ``fn`` returns nothing: its work is what it writes (files). An exception that cannot
    be pickled comes back as a ``RuntimeError`` with its text. ``fork`` forces the choice
    (tests; ``None`` decides by :func:`can_fork`).
    """

    def __init__(self, fn: Callable[..., None], *args: Any, fork: bool | None = None) -> None:
        self.forked = can_fork() if fork is None else fork
        self._future: Future[None] | None = None
        if not self.forked:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forked-call")
            self._future = self._pool.submit(fn, *args)
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(fn, args, send), daemon=True)
        self._process.start()
        send.close()  # the child holds the sending end: EOF here when it is gone

    def result(self) -> None:
        if self._future is not None:
            try:
                self._future.result()
            finally:
                self._pool.shutdown(wait=True)
            return
        ended = False
        outcome: BaseException | None = None
        try:
            outcome = self._receive.recv()
        except EOFError:
            ended = True
        finally:
            self._receive.close()
            self._process.join()
        if ended:
            raise ChildEndedError(
                "the process writing the tables stopped before it finished"
                f" (exit code {self._process.exitcode}; out of memory?)"
            )
        if outcome is not None:
            raise outcome


def _run(fn: Callable[..., None], args: tuple[Any, ...], send: Connection) -> None:
    # The child lives for one call: no cycle collections, whose passes would also write
    # to (and so copy) every page of the parent's objects it walks.
    gc.disable()
    try:
        fn(*args)
    except BaseException as exc:
        try:
            send.send(exc)
        except Exception:
            send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    else:
        send.send(None)
    finally:
        send.close()


def shared_array(shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """A float array in memory that forked children write into and this process reads
    (an anonymous shared mapping: nothing is copied back)."""
    size = int(np.prod(shape)) * 8
    buffer = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_SHARED)
    return np.frombuffer(buffer, dtype=np.float64, count=int(np.prod(shape))).reshape(shape)


def rows_in_two_processes(
    search: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
    rows: npt.ArrayLike,
    out: npt.NDArray[np.float64],
) -> None:
    """``out[rows] = search(rows)``, with every other row searched in a forked child.

    The child writes its rows into a shared mapping of their size only, copied into
    ``out`` at the end: ``out`` itself stays this process's own memory.
    """
    rows = np.asarray(rows, dtype=np.int64)
    theirs, ours = rows[1::2], rows[0::2]
    shared = shared_array((len(theirs), out.shape[1]))
    child = ForkedCall(_search_into, search, theirs, shared, fork=True)
    try:
        out[ours] = search(ours)
    finally:
        child.result()
    out[theirs] = shared


def _search_into(
    search: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
    rows: npt.NDArray[np.int64],
    target: npt.NDArray[np.float64],
) -> None:
    target[:] = search(rows)
