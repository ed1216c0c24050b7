"""A GeoPackage written by a forked child process while the parent builds the next layers.

GDAL's write through pyogrio holds Python's lock for the whole of a layer (measured: a
Python loop on another thread made 4 % of its progress during a write), so a writing
thread and the thread building the next layer only take turns. A child process forked
when the first layers are ready inherits them as they are (copy-on-write, nothing
pickled) and writes on the other core; the later, small layers reach it through a pipe.

Same contract as :class:`geo.geopackage.GeoPackageWriter`, which it falls back to where a
fork is not safe (:func:`geo.forked.can_fork`): layers are written in the order given,
under a temporary name that becomes the file's only when every layer is in.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

import geopandas as gpd

from geo.forked import ChildEndedError, can_fork
from geo.geopackage import GeoPackageWriter, write_layer

Layers = list[tuple[str, gpd.GeoDataFrame]]


class ChildGeoPackageWriter:
    """Layers given to :meth:`add_layers` are written in order by a child process.

    Use as a context manager: leaving the block waits for every layer, then renames the
    file into place; an error in the block or in a write removes the temporary file.

    Attributes
    ----------
    busy_s
        Seconds the writer spent writing.
    forked
        Whether a child process wrote the file (else a thread of this process did).
    """

    def __init__(self, path: Path, *, fork: bool | None = None) -> None:
        self.path = path
        self._fork = fork  # None: decided by can_fork() when the first layers come
        self.tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # GDAL wants .gpkg
        self.busy_s = 0.0
        self.forked = False
        self._threaded: GeoPackageWriter | None = None
        self._process: BaseProcess | None = None
        self._to_child: Connection | None = None
        self._from_child: Connection | None = None
        self._sender: ThreadPoolExecutor | None = None
        self._sent: list[Future[None]] = []

    def __enter__(self) -> ChildGeoPackageWriter:
        if self.tmp.exists():
            self.tmp.unlink()
        return self

    def add_layers(self, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
        """Queue ``layers`` (not to be changed afterwards) after those given before."""
        batch = list(layers.items())
        if self._process is None and self._threaded is None:
            self._start(batch)
        elif self._threaded is not None:
            for name, layer in batch:
                self._threaded.add(name, layer)
        elif self._sender is not None and self._to_child is not None:
            # Sent from a thread: a batch larger than the pipe's buffer would otherwise
            # hold this process until the child has finished the layer it is writing.
            self._sent.append(self._sender.submit(self._to_child.send, batch))

    def _start(self, batch: Layers) -> None:
        if not (can_fork() if self._fork is None else self._fork):
            self._threaded = GeoPackageWriter(self.path)
            self._threaded.__enter__()
            for name, layer in batch:
                self._threaded.add(name, layer)
            return
        context = multiprocessing.get_context("fork")
        from_parent, self._to_child = context.Pipe(duplex=False)
        self._from_child, to_parent = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_write_in_child, args=(self.tmp, batch, from_parent, to_parent), daemon=True
        )
        self._process.start()
        from_parent.close()
        to_parent.close()
        self.forked = True
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geopackage-send")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._threaded is not None:
                self._threaded.__exit__(exc_type, exc, tb)
                self.busy_s = self._threaded.busy_s
                return
            outcome = self._finish_child(failed=exc_type is not None)
            if exc_type is None:
                if outcome is not None:
                    raise outcome
                if self.tmp.exists():  # not when every layer was empty (none is written)
                    self.tmp.replace(self.path)
        finally:
            if self.tmp.exists():
                self.tmp.unlink()

    def _finish_child(self, *, failed: bool) -> BaseException | None:
        """Wait for the child; what went wrong in it, if anything."""
        if self._process is None or self._to_child is None or self._from_child is None:
            return None
        outcome: BaseException | None = None
        try:
            if self._sender is not None:
                for future in self._sent:
                    future.result()
                self._sender.shutdown(wait=True)
            if failed:
                self._process.kill()  # the block failed: nothing it writes is kept
            else:
                self._to_child.send(None)  # no more layers
        except OSError:
            pass  # the child is gone: its own report (or its absence) says why
        finally:
            self._to_child.close()
        try:
            kind, value = self._from_child.recv()
            if kind == "done":
                self.busy_s = float(value)
            else:
                outcome = value
        except EOFError:
            outcome = None if failed else ChildEndedError("")
        finally:
            self._from_child.close()
            self._process.join()
        if isinstance(outcome, ChildEndedError):
            outcome = ChildEndedError(
                "the process writing the GeoPackage stopped before it finished"
                f" (exit code {self._process.exitcode}; out of memory?)"
            )
        return outcome


def _write_in_child(tmp: Path, first: Layers, layers_in: Connection, report: Connection) -> None:
    gc.disable()  # as in geo.forked: a child of one job, no collections, no copied pages
    busy_s = 0.0
    try:
        batch: Layers | None = first
        while batch is not None:
            for name, layer in batch:
                t0 = time.perf_counter()
                write_layer(tmp, name, layer)
                busy_s += time.perf_counter() - t0
            batch = layers_in.recv()
    except BaseException as exc:
        try:
            report.send(("error", exc))
        except Exception:
            report.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    else:
        report.send(("done", busy_s))
    finally:
        report.close()
