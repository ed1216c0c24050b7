"""An on-disk cache of parsed districts: GeoParquet/Parquet tables plus a JSON manifest.

An entry is a folder named by a key of its source content and settings. It is written to
a temporary folder and renamed into place, so a crash never leaves half an entry. The
manifest holds the SHA-256 of every table; an entry that fails the check, or cannot be
read, is treated as missing and rebuilt, never trusted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from geo.errors import CacheError
from geo.gc_pause import paused_gc

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


def make_key(*parts: str) -> str:
    """A short stable hex key of the given parts."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:24]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_entry(folder: Path, frames: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]) -> None:
    """Write tables and metadata atomically as cache entry ``folder``."""
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
    except OSError as exc:
        raise CacheError(f"cannot write the cache folder {parent}: {exc.strerror}") from exc
    try:
        files: dict[str, dict[str, str]] = {}
        for name, frame in frames.items():
            target = tmp / f"{name}.parquet"
            crs = ""
            # LZ4 reads back in about 60 % of the time of the default Snappy, at the same
            # size (a 1M-node district's tables: 0.30 s against 0.50 s).
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(target, compression="lz4")
                kind = "geo"
                crs = frame.crs.to_string() if frame.crs is not None else ""
            else:
                frame.to_parquet(target, compression="lz4")
                kind = "table"
            files[name] = {"kind": kind, "sha256": _sha256(target), "crs": crs}
        manifest = {"meta": dict(meta), "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        for path in tmp.iterdir():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("cache entry %s not written: %s", folder, exc)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@paused_gc()  # 190,000 geometries at 1M nodes, no cycles among them
def read_entry(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]] | None:
    """Read a cache entry, or None when it is missing or fails its checks."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        specs = dict(manifest["files"])
        meta = manifest["meta"]
        if not isinstance(meta, dict):
            raise ValueError("manifest meta is not a mapping")
        # Two tables at a time: reading, hashing and Parquet decoding run outside Python's
        # lock, so they overlap the WKB parsing of another table (which holds it).
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cache-read") as pool:
            read = {n: pool.submit(_read_table, folder, n, spec) for n, spec in specs.items()}
            frames = {name: future.result() for name, future in read.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cache entry %s is corrupt (%s): rebuilding it", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return frames, meta


def _read_table(folder: Path, name: str, spec: Mapping[str, str]) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    # One read of the file: checked, then parsed from the same bytes.
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise ValueError(f"{path.name} does not match its checksum")
    # ParquetFile reads one file without pq.read_table's dataset layer, whose import
    # alone costs a cached load ~0.5 s CPU (pyarrow.dataset).
    table = pq.ParquetFile(pa.BufferReader(data)).read()
    if spec["kind"] == "geo":
        return _read_geo(table, spec.get("crs", ""))
    return table.to_pandas()


@functools.lru_cache(maxsize=16)
def _crs(text: str) -> pyproj.CRS | None:
    return pyproj.CRS.from_user_input(text) if text else None


def _read_geo(table: pa.Table, crs: str) -> gpd.GeoDataFrame:
    # Rebuilding the CRS from GeoParquet's PROJJSON costs ~40 ms a table; the manifest
    # keeps the CRS code, which is parsed once per process.
    df = table.to_pandas()
    geometry = shapely.from_wkb(df.pop("geometry").to_numpy())
    return gpd.GeoDataFrame(df, geometry=geometry, crs=_crs(crs))
