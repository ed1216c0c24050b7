"""Writing an analysis to disk: CSV tables, summary.json and a GeoPackage for QGIS.

Coordinates in the CSVs are WGS-84. ``nodes.csv`` leaves a distance empty where nothing
is within ``limit_m``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access.analysis import Analysis
from geo.access.cells import DEFAULT_LAYERS, LayerSettings
from geo.access.completeness import items_with_data
from geo.access.gaps import gap_hexagons
from geo.access.layers import catchment_layer, doorstep_layer, service_area_layer
from geo.errors import InputFileError, OutputPathError
from geo.export_safety import csv_text
from geo.forked import ForkedCall
from geo.gc_pause import paused_gc
from geo.geopackage import GeoPackageWriter
from geo.geopackage_child import ChildGeoPackageWriter
from geo.output_paths import checked_output_file
from geo.progress import Progress, report, scaled
from geo.standards.fields import ITEM_FIELDS_CHECKED

GEOPACKAGE_NAME = "lifecircle.gpkg"


def nodes_table(analysis: Analysis) -> pd.DataFrame:
    nodes = analysis.district.network.nodes
    frame = analysis.access.to_frame()
    out = pd.DataFrame(
        {
            "node_id": nodes.index.to_numpy(),
            "lon": nodes["lon"].to_numpy(),
            "lat": nodes["lat"].to_numpy(),
        }
    )
    for col in frame.columns:
        out[col] = frame[col].to_numpy()
    return out


def edges_table(analysis: Analysis) -> pd.DataFrame:
    edges = analysis.district.network.edges
    return pd.DataFrame(
        {
            "u": edges["u"].to_numpy(),
            "v": edges["v"].to_numpy(),
            "length_m": edges["length_m"].to_numpy(),
        }
    )


FACILITY_TABLE_COLUMNS = [
    "facility_id",
    "category",
    "name",
    "lon",
    "lat",
    "node_id",
    "snap_m",
    "source",
    "access_rule",
    "ways_in",
]


def facilities_table(analysis: Analysis) -> pd.DataFrame:
    """One row per facility: ``node_id`` and ``snap_m`` are its cheapest way in (the
    metres from that node to the facility); every way in is in :func:`access_table`."""
    return pd.DataFrame(analysis.facilities[FACILITY_TABLE_COLUMNS])


def access_table(analysis: Analysis) -> pd.DataFrame:
    """``kind,id,node_id,cost_m``: every way into every facility and home.

    A node's ``<category>_m`` in ``nodes.csv`` is the minimum, over that category's
    facility rows, of the network distance to ``node_id`` plus ``cost_m``; a home's
    distance is the minimum over its rows.
    """
    rows = analysis.facility_access
    facilities = pd.DataFrame(
        {
            "kind": "facility",
            "id": rows["facility_id"].astype(str).to_numpy(),
            "node_id": rows["node_id"].to_numpy(dtype=np.int64),
            "cost_m": rows["cost_m"].to_numpy(dtype=np.float64),
        }
    )
    homes = analysis.homes
    node_ids = analysis.district.network.node_ids
    parts = [facilities]
    if len(homes):
        home_ids = homes["home_id"].astype(str).to_numpy()
        if "u_pos" in homes.columns:
            u = homes["u_pos"].to_numpy(dtype=np.int64)
            v = homes["v_pos"].to_numpy(dtype=np.int64)
            both = u != v
            parts.append(
                pd.DataFrame(
                    {
                        "kind": "home",
                        "id": np.concatenate([home_ids, home_ids[both]]),
                        "node_id": np.concatenate([node_ids[u], node_ids[v[both]]]),
                        "cost_m": np.concatenate(
                            [
                                homes["u_cost_m"].to_numpy(dtype=float),
                                homes["v_cost_m"].to_numpy(dtype=float)[both],
                            ]
                        ),
                    }
                )
            )
        else:
            parts.append(
                pd.DataFrame(
                    {
                        "kind": "home",
                        "id": home_ids,
                        "node_id": homes["node_id"].to_numpy(dtype=np.int64),
                        "cost_m": homes["snap_m"].to_numpy(dtype=float),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def access_summary(analysis: Analysis) -> dict[str, Any]:
    """What was joined where: homes by network piece, facilities by the rule that
    reached them, with the snap distances a planner can check."""
    homes = analysis.homes
    facilities = analysis.facilities
    joined = homes["joined"].value_counts() if "joined" in homes.columns else pd.Series()
    snap = homes["snap_m"].to_numpy(dtype=float) if len(homes) else np.zeros(0)
    out: dict[str, Any] = {
        "homes": {
            "main_network": int(joined.get("main", 0)),
            "moved_off_fragment": int(joined.get("moved_off_fragment", 0)),
            "fragment_nothing_larger_within_reach": int(joined.get("fragment", 0)),
            "snap_m_median": round(float(np.median(snap)), 2) if len(snap) else None,
            "snap_m_max": round(float(snap.max()), 2) if len(snap) else None,
        },
        "facilities": {str(k): int(v) for k, v in facilities["access_rule"].value_counts().items()}
        if "access_rule" in facilities.columns
        else {},
        "facility_ways_in": len(analysis.facility_access),
    }
    if "joined" in facilities.columns:
        points = facilities["joined"].value_counts()
        out["facility_points"] = {str(k): int(v) for k, v in points.items()}
    return out


def summary_dict(
    analysis: Analysis,
    *,
    extra_timings: Mapping[str, float] | None = None,
    layer_settings: LayerSettings = DEFAULT_LAYERS,
) -> dict[str, Any]:
    d = analysis.district
    cov = analysis.coverage
    # Per item, essential or optional: an item with no facility is "no data", not 0 % served.
    has_data = dict(zip(analysis.categories, items_with_data(analysis.access.dist_m), strict=True))
    categories = []
    for cid in analysis.categories:
        c = analysis.taxonomy.get(cid)
        row = {str(k): v for k, v in cov.by_category.loc[cid].to_dict().items()}
        categories.append(
            {
                "id": cid,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "tier_minutes": c.walk_minutes,
                "tier_m": c.distance_m,
                "essential": c.essential,
                "no_data": not has_data[cid],
                "unverified": [f for f in ITEM_FIELDS_CHECKED if c.is_unverified(f)],
                "clause": c.clause,
                "facilities": int((analysis.facilities["category"] == cid).sum()),
                "residents_served": round(float(row["served"]), 2),
                "residents_not_served": round(float(row["not_served"]), 2),
                "share": round(float(row["share"]), 6),
                "homes_served": int(row["homes_served"]),
                "share_by_tier": {
                    str(k): round(float(v), 6) for k, v in cov.by_tier.loc[cid].to_dict().items()
                },
            }
        )
    timings = {k: round(float(v), 4) for k, v in analysis.timings_s.items()}
    if extra_timings:
        timings.update({k: round(float(v), 4) for k, v in extra_timings.items()})
    return {
        "district": d.meta.name,
        "title_zh": d.meta.title_zh,
        "title_en": d.meta.title_en,
        "source": d.meta.source,
        "data_date": d.meta.data_date,
        "attribution": d.meta.attribution,
        "crs": d.network.crs,
        "bbox": list(d.meta.bbox),
        "limit_m": analysis.limit_m,
        "walk_speed_kmh": analysis.speed_kmh,
        "nodes": d.network.n_nodes,
        "edges": d.network.n_edges,
        "facilities": len(analysis.facilities),
        "homes": len(analysis.homes),
        "residents": round(cov.residents_total, 2),
        "categories": categories,
        "completeness": round(cov.completeness, 6),
        "completeness_residents": round(cov.completeness_residents, 2),
        # The honest headline: over essential items with data, and which have none.
        "completeness_over": "essential items with data",
        "essential_items": list(cov.essential),
        "no_data_items": list(cov.no_data),
        "no_data_count": len(cov.no_data),
        "levels": [lv.to_json() for lv in cov.detail.levels] if cov.detail else [],
        "access": access_summary(analysis),
        "layers": layer_settings.describe(d.network),
        "repairs": dict(d.meta.repairs),
        **({"population": dict(analysis.population)} if analysis.population else {}),
        "timings_s": timings,
    }


def write_text_atomic(path: Path, text: str) -> None:
    # Never replace a folder or a device (as root, a rename over /dev/full would).
    checked_output_file(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputPathError(f"cannot write {path}: {exc.strerror or exc}") from exc
    # mkstemp makes owner-only files; give the result the usual umask-based mode.
    umask = os.umask(0)
    os.umask(umask)
    Path(tmp).chmod(0o666 & ~umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except OSError as exc:  # the disk is full, the file system read-only
        raise OutputPathError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """CSV with coordinates to 1e-7 degrees (~1 cm) and metres to the millimetre.

    Text that a spreadsheet would run as a formula gets a leading ``'``
    (:func:`geo.export_safety.neutralise_cells`).
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].round(7 if col in ("lon", "lat") else 3)
    write_text_atomic(path, csv_text(out))


# A city's layers are millions of new geometries, which the cycle collector would walk
# again and again (geo.gc_pause).
@paused_gc()
def geo_layers(
    analysis: Analysis,
    *,
    settings: LayerSettings = DEFAULT_LAYERS,
    timings_s: dict[str, float] | None = None,
    progress: Progress | None = None,
    nodes: pd.DataFrame | None = None,
    on_layers: Callable[[Mapping[str, gpd.GeoDataFrame]], None] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the GeoPackage, WGS-84; each stage's seconds go to ``timings_s``.

    ``nodes`` is :func:`nodes_table` when the caller has it already (a city's is a
    million rows). ``on_layers`` is called with the layers as soon as they are built, in
    the order of the returned mapping: the four tables at once, then each other layer
    (a writer starts on them while the next is built).
    """
    d = analysis.district
    net = d.network
    clock = _Stopwatch(timings_s)
    nodes = nodes_table(analysis) if nodes is None else nodes
    layers: dict[str, gpd.GeoDataFrame] = {
        # No copy of a city's node table: pandas copies on write, so the layer and the
        # caller's table stay independent.
        "nodes": gpd.GeoDataFrame(
            nodes,
            geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]),
            crs="EPSG:4326",
            copy=False,
        ),
        "edges": gpd.GeoDataFrame(edges_table(analysis), geometry=net.edge_lines, crs="EPSG:4326"),
        "facilities": gpd.GeoDataFrame(
            facilities_table(analysis),
            geometry=analysis.facilities.geometry.to_numpy(),
            crs="EPSG:4326",
        ),
    }
    homes = analysis.homes.copy()
    node_ids = net.node_ids
    for end in ("u", "v"):
        if f"{end}_pos" in homes.columns:
            homes[f"{end}_node_id"] = node_ids[homes[f"{end}_pos"].to_numpy(dtype=np.int64)]
    homes = homes.drop(columns=["node_pos", "u_pos", "v_pos"], errors="ignore")
    for i, cid in enumerate(analysis.categories):
        homes[f"{cid}_served"] = analysis.served[i]
    homes["categories_served"] = analysis.served.sum(axis=0) if len(homes) else []
    layers["homes"] = homes
    built = _Built(layers, on_layers)
    if on_layers is not None:
        on_layers(dict(layers))
    clock.lap("layer_tables")
    report(progress, "service areas", 0.1)
    built.add("service_areas", service_area_layer(analysis, settings=settings))
    clock.lap("service_areas")
    report(progress, "catchments", 0.35)
    catchments = catchment_layer(analysis, settings=settings)
    if len(catchments):
        built.add("catchments", catchments)
    clock.lap("catchments")
    report(progress, "doorstep circles", 0.7)
    built.add("doorstep_circles", doorstep_layer(analysis))
    clock.lap("doorstep_circles")
    report(progress, "gap hexagons", 0.85)
    built.add(
        "gap_hexagons",
        gap_hexagons(analysis.homes, analysis.served, categories=analysis.categories),
    )
    clock.lap("gap_hexagons")
    return layers


class _Built:
    """The layers built so far, each handed on to ``on_layers`` when it is added."""

    def __init__(
        self,
        layers: dict[str, gpd.GeoDataFrame],
        on_layers: Callable[[Mapping[str, gpd.GeoDataFrame]], None] | None,
    ) -> None:
        self.layers = layers
        self.on_layers = on_layers

    def add(self, name: str, layer: gpd.GeoDataFrame) -> None:
        self.layers[name] = layer
        if self.on_layers is not None:
            self.on_layers({name: layer})


class _Stopwatch:
    """Seconds per stage, into a timings mapping (when one is given)."""

    def __init__(self, timings_s: dict[str, float] | None) -> None:
        self.timings_s = timings_s
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings_s is not None:
            self.timings_s[stage] = now - self.last
        self.last = now


def write_geopackage(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """All layers into one GeoPackage, written to a temporary file first."""
    with GeoPackageWriter(path) as writer:
        for name, layer in layers.items():
            writer.add(name, layer)


def _write_tables(analysis: Analysis, paths: Mapping[str, Path], nodes: pd.DataFrame) -> None:
    write_csv(paths["nodes"], nodes)
    write_csv(paths["edges"], edges_table(analysis))
    write_csv(paths["facilities"], facilities_table(analysis))
    write_csv(paths["access"], access_table(analysis))


def write_analysis(
    analysis: Analysis,
    out_dir: Path,
    *,
    geopackage: bool = True,
    layer_settings: LayerSettings = DEFAULT_LAYERS,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write nodes.csv, edges.csv, facilities.csv, access.csv, summary.json and the
    GeoPackage."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc
    paths = {
        "nodes": out_dir / "nodes.csv",
        "edges": out_dir / "edges.csv",
        "facilities": out_dir / "facilities.csv",
        "access": out_dir / "access.csv",
        "summary": out_dir / "summary.json",
    }
    report(progress, "writing the tables", 0.02)
    nodes = nodes_table(analysis)
    extra: dict[str, float] = {}
    # Three at once, each in its own process (text formatting and GDAL's writes hold
    # Python's lock): the CSVs and the GeoPackage in forked children, and here the
    # layers the GeoPackage's child writes.
    written = ForkedCall(_write_tables, analysis, paths, nodes)
    try:
        if geopackage:
            t0 = time.perf_counter()
            paths["geopackage"] = out_dir / GEOPACKAGE_NAME
            with ChildGeoPackageWriter(paths["geopackage"]) as writer:
                geo_layers(
                    analysis,
                    settings=layer_settings,
                    timings_s=extra,
                    progress=scaled(progress, 0.1, 0.75),
                    nodes=nodes,
                    on_layers=writer.add_layers,
                )
                report(progress, "writing the GeoPackage", 0.75)
            extra["write_geopackage"] = writer.busy_s
            extra["layers"] = time.perf_counter() - t0
    except BaseException:
        with contextlib.suppress(Exception):
            written.result()  # the files' own error would hide this one
        raise
    written.result()
    summary = summary_dict(analysis, extra_timings=extra, layer_settings=layer_settings)
    write_text_atomic(paths["summary"], json.dumps(summary, ensure_ascii=False, indent=2))
    return paths
