"""Writing a GeoPackage on a thread while the next layers are still being built.

The fallback of :mod:`geo.geopackage_child` where a fork is not safe (the dashboard's
threads, macOS, Windows): a :class:`GeoPackageWriter` writes each layer, in the order
given, on one background thread while the caller builds the next. GDAL's writes through
pyogrio hold Python's lock, so the two mostly take turns; the files are the same. The file
is written under a temporary name and takes its own name only when every layer is in: a
failed export never leaves half a GeoPackage.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import geopandas as gpd
import numpy as np


def write_layer(path: Path, name: str, layer: gpd.GeoDataFrame) -> None:
    """Append one layer to a GeoPackage (text as text, booleans as 0/1); an empty one is
    left out."""
    if layer.empty:
        return
    clean = layer.copy()
    for col in clean.columns:
        if col != "geometry" and clean[col].dtype == object:
            clean[col] = clean[col].astype(str)
        elif clean[col].dtype == bool:
            clean[col] = clean[col].astype(np.int8)
    # Arrow hands pyogrio whole columns (no row-by-row feature building).
    clean.to_file(path, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True)


class GeoPackageWriter:
    """Layers added with :meth:`add` are written in order by one background thread.

    Use as a context manager: leaving the block waits for every layer, then renames the
    file into place; an error in the block or in a write removes the temporary file.

    Attributes
    ----------
    busy_s
        Seconds the writing thread spent writing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # GDAL wants .gpkg
        self.busy_s = 0.0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> GeoPackageWriter:
        if self.tmp.exists():
            self.tmp.unlink()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geopackage")
        return self

    def add(self, name: str, layer: gpd.GeoDataFrame) -> None:
        """Queue ``layer`` (not to be changed afterwards) as the next layer."""
        if self._pool is None:
            raise RuntimeError("GeoPackageWriter.add outside its with-block")
        self._pending.append(self._pool.submit(self._write, name, layer))

    def _write(self, name: str, layer: gpd.GeoDataFrame) -> None:
        t0 = time.perf_counter()
        write_layer(self.tmp, name, layer)
        with self._lock:
            self.busy_s += time.perf_counter() - t0

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pool, self._pool = self._pool, None
        try:
            if exc_type is not None:
                for future in self._pending:
                    future.cancel()
            if pool is not None:
                pool.shutdown(wait=True)
            if exc_type is None:
                for future in self._pending:
                    future.result()  # a failed write raises here
                self.tmp.replace(self.path)
        finally:
            self._pending = []
            if self.tmp.exists():
                self.tmp.unlink()
