"""Writing per-area summaries: ``areas.csv`` (safe for spreadsheets) and a GeoPackage layer."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from geo.areas.summary import AreaSummary
from geo.errors import OutputPathError
from geo.export import write_csv

__all__ = ["AREAS_CSV", "AREAS_LAYER", "add_area_layer", "area_csv_frame", "write_areas"]

AREAS_CSV = "areas.csv"
AREAS_LAYER = "areas"


def area_csv_frame(summary: AreaSummary) -> pd.DataFrame:
    """The table as written: shares rounded to 1e-6, residents to 0.01."""
    out = summary.table.copy()
    for col in out.columns:
        if col.startswith("share") or col.endswith("_share"):
            out[col] = out[col].astype(float).round(6)
        elif col == "residents" or col.endswith("_residents") or col.startswith("served_"):
            out[col] = out[col].astype(float).round(2)
    return out


def add_area_layer(geopackage: Path, summary: AreaSummary) -> None:
    """Add (or replace) the ``areas`` layer of an existing GeoPackage, through a copy."""
    layer = summary.layer()
    for col in layer.columns:
        if col != "geometry" and layer[col].dtype == object:
            layer[col] = layer[col].astype(str).replace({"None": "", "nan": ""})
        elif layer[col].dtype == bool:
            layer[col] = layer[col].astype(np.int8)
    tmp = geopackage.with_name(f".{geopackage.stem}.areas{geopackage.suffix}")
    try:
        shutil.copyfile(geopackage, tmp)
        layer.to_file(tmp, layer=AREAS_LAYER, driver="GPKG", engine="pyogrio")
        tmp.replace(geopackage)
    except OSError as exc:
        raise OutputPathError(f"cannot write {geopackage}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def write_areas(
    summary: AreaSummary, out_dir: Path, *, geopackage: Path | None = None
) -> dict[str, Path]:
    """``areas.csv`` in ``out_dir`` and, with ``geopackage``, its ``areas`` layer."""
    path = out_dir / AREAS_CSV
    write_csv(path, area_csv_frame(summary))
    paths = {"areas": path}
    if geopackage is not None and geopackage.exists():
        add_area_layer(geopackage, summary)
    return paths
