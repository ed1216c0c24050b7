"""A call run in a forked child process beside the caller's own work.

Formatting a million rows as text holds Python's lock, so on a thread it only takes turns
with the layers being built in the same process. A forked child inherits the analysis as
it is (copy-on-write: nothing is pickled) and writes its files itself, on the other core.

A fork copies only the calling thread: a lock another thread held at that moment would
stay locked in the child forever. So the child is forked only when this process runs no
other Python thread, on platforms that have ``fork``; otherwise the call runs on a thread,
as before, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from geo.errors import OutputPathError


class ChildEndedError(OutputPathError):
    """The child process ended without saying how its call went (killed, out of memory)."""


def can_fork() -> bool:
    """Forking is safe here: the platform has it and no other Python thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1


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
