"""Area boundaries (街道, 社区/居委): from a planner's file or from OSM, checked once.

A file is GeoJSON, a GeoPackage or a Shapefile, in WGS-84, GCJ-02 or BD-09 (a file that
declares a projected CRS is transformed first); it is read by
:func:`geo.inputs.boundary_file.read_boundary_frame` and
:func:`geo.checkup.units.units_from_frame` as the report's units are (polygons only,
self-intersections mended; swapped or out-of-range coordinates, flat polygons and
geometries GEOS cannot read refused in one line). The name column is the one given, else the first
of :data:`NAME_COLUMNS` the file has. OSM gives closed ``boundary=administrative``
polygons (closed ways or relations) at admin_level 8 (街道), 9 or 10 (社区/居委); one
level is used, the finest present unless another is asked for.

Then, for either source (:func:`areas_in_district`): at most ``Limits.max_rows``
features; areas that do not meet the study area are left out (and counted), none meeting
it is an error that says how far away they are; two areas overlapping by more than
:data:`OVERLAP_TOLERANCE` of the smaller one are an error naming both (a home must
belong to one area only, or the areas would not add up to the district).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checkup.units import units_from_frame
from geo.district.model import District
from geo.errors import InputFileError
from geo.inputs.boundary_file import BOUNDARY_FILE_SUFFIXES, read_boundary_frame
from geo.inputs.coords import CoordSystem
from geo.inputs.plausibility import describe_distance, distance_outside_m
from geo.limits import Limits

__all__ = [
    "AREA_COLUMNS",
    "AREA_FILE_SUFFIXES",
    "NAME_COLUMNS",
    "OSM_LEVELS",
    "OVERLAP_TOLERANCE",
    "Areas",
    "areas_from_osm",
    "areas_in_district",
    "guess_name_column",
    "read_area_file",
]

AREA_COLUMNS = ["area_id", "name", "level"]
AREA_FILE_SUFFIXES = BOUNDARY_FILE_SUFFIXES
NAME_COLUMNS = (
    *("name", "名称", "name_zh", "社区", "社区名称", "居委", "居委会", "居委名称", "居委会名称"),
    *("街道", "街道名称", "街镇", "jw_name", "jwmc", "jwhmc", "sq_name", "sqmc", "jd_name"),
    *("jdmc", "xzqmc", "单元", "单元名称", "unit"),
)
"""Columns that name an area in planners' files, most specific first (case-insensitive)."""
OSM_LEVELS = {"8": "街道", "9": "社区", "10": "社区/居委"}
OVERLAP_TOLERANCE = 0.01
"""Overlap allowed between two areas, as a share of the smaller one: digitised borders
leave slivers; more than this means the file mixes levels or repeats an area."""


@dataclass(frozen=True, eq=False)
class Areas:
    """Area polygons (WGS-84) with ``area_id``, ``name``, ``level``, and where they came from.

    ``source`` is ``file`` or ``osm`` (``example`` for the shipped illustrative file);
    ``label`` names the file or the OSM level; ``notes`` say what was left out or mended.
    """

    frame: gpd.GeoDataFrame
    source: str
    label: str
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.frame)

    def describe(self) -> str:
        """One line: how many areas, from where."""
        kind = {"file": "from", "osm": "from OSM,", "example": "from the illustrative example"}
        return f"{len(self)} areas {kind.get(self.source, 'from')} {self.label}"


def guess_name_column(columns: list[str], wanted: str | None, file_name: str) -> str | None:
    """The column that names the areas: ``wanted`` (must exist), else the first known one."""
    if wanted is not None:
        if wanted not in columns:
            raise InputFileError(
                f"{file_name} has no column '{wanted}' (columns: {', '.join(columns) or 'none'})"
            )
        return wanted
    lower = {c.strip().lower(): c for c in reversed(columns)}
    return next((lower[n] for n in NAME_COLUMNS if n in lower), None)


def read_area_file(
    path: Path | str,
    *,
    coord_system: CoordSystem = CoordSystem.WGS84,
    name_column: str | None = None,
    limits: Limits | None = None,
) -> Areas:
    """Areas from a boundary file (see the module docstring); not yet checked against a
    district (:func:`areas_in_district` does that)."""
    file = Path(path)
    lim = limits or Limits()
    # Opened, limited and refused in one line as the report's units are.
    raw = read_boundary_frame(file, limits=lim)
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    column = guess_name_column(columns, name_column, file.name)
    units = units_from_frame(
        raw, file_name=file.name, coord_system=coord_system, name_column=column
    )
    if len(units) > lim.max_rows:
        raise InputFileError(
            f"{file.name} has {len(units):,} areas, over the limit of {lim.max_rows:,} "
            "(see 'Limits' in the README)"
        )
    frame = gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "area_id": [f"a{i + 1}" for i in range(len(units))],
                "name": units["name"].astype(str).to_numpy(),
                "level": "file",
            }
        ),
        geometry=units.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    notes = () if column else (f"{file.name} has no name column: areas are numbered",)
    return Areas(frame=frame, source="file", label=file.name, notes=notes)


def areas_from_osm(district: District, *, level: str | None = None) -> Areas | None:
    """Closed administrative polygons of the extract at one admin_level (8-10), or None."""
    areas = district.areas
    if areas.empty:
        return None
    polygonal = areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    present = [
        lv
        for lv in ("10", "9", "8")
        if ((areas["kind"] == f"admin{lv}").to_numpy() & polygonal).any()
    ]
    if level is not None and level not in OSM_LEVELS:
        raise InputFileError(f"admin_level {level} is not an area level (8, 9 or 10)")
    chosen = level if level is not None else (present[0] if present else None)
    if chosen is None or chosen not in present:
        return None
    rows = areas[(areas["kind"] == f"admin{chosen}").to_numpy() & polygonal]
    names = rows["name"].fillna("").astype(str).str.strip()
    frame = gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "area_id": [str(i) for i in rows["osm_id"]],
                "name": [n or str(i) for n, i in zip(names, rows["osm_id"], strict=True)],
                "level": f"admin_level={chosen}",
            }
        ),
        geometry=rows.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    others = [lv for lv in present if lv != chosen]
    notes = (f"OSM also has admin_level {', '.join(others)}; not used",) if others else ()
    return Areas(
        frame=frame,
        source="osm",
        label=f"admin_level={chosen} ({OSM_LEVELS[chosen]})",
        notes=notes,
    )


def _overlaps(metric: np.ndarray, names: list[str], tolerance: float) -> None:
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    pairs = left < right
    for i, j in zip(left[pairs], right[pairs], strict=True):
        shared = float(shapely.area(shapely.intersection(metric[i], metric[j])))
        smaller = min(float(shapely.area(metric[i])), float(shapely.area(metric[j])))
        if smaller > 0 and shared > tolerance * smaller:
            raise InputFileError(
                f"areas '{names[i][:60]}' and '{names[j][:60]}' overlap by {shared:,.0f} m² "
                f"({shared / smaller:.0%} of the smaller one): a home must belong to one area "
                "only; does the file mix 街道 and 社区, or repeat an area?"
            )


def areas_in_district(
    areas: Areas,
    district: District,
    *,
    limits: Limits | None = None,
    overlap_tolerance: float = OVERLAP_TOLERANCE,
) -> Areas:
    """The areas that meet the study area, checked (see the module docstring)."""
    lim = limits or Limits()
    frame = areas.frame
    if len(frame) > lim.max_rows:
        raise InputFileError(f"{areas.label}: {len(frame):,} areas, over {lim.max_rows:,}")
    frame = frame[(shapely.area(frame.geometry.to_numpy()) > 0)]
    meets = frame.intersects(district.boundary).to_numpy()
    title = district.meta.title_en or district.meta.name
    if not meets.any():
        coords = shapely.get_coordinates(frame.geometry.to_numpy())
        far = distance_outside_m(coords[:, 0], coords[:, 1], district.meta.bbox).min()
        raise InputFileError(
            f"{areas.label}: no area meets the study area of {title} (the nearest lies "
            f"{describe_distance(float(far))} away); is the coordinate system right "
            "(WGS-84, GCJ-02 or BD-09)?"
        )
    notes = list(areas.notes)
    if not meets.all():
        notes.append(
            f"{int((~meets).sum())} of {len(frame)} areas lie outside the study area "
            "and were left out"
        )
    inside = frame[meets].reset_index(drop=True)
    metric = inside.geometry.to_crs(district.network.crs).to_numpy()
    _overlaps(metric, inside["name"].astype(str).tolist(), overlap_tolerance)
    return Areas(
        frame=gpd.GeoDataFrame(inside, crs="EPSG:4326"),
        source=areas.source,
        label=areas.label,
        notes=tuple(notes),
    )
