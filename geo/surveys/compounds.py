"""Residential compounds (小区): the names a survey response may give instead of coordinates.

:func:`build_compounds` lists the named compounds of a district; :class:`CompoundIndex`
finds the compound a free-text location names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import box

from geo.access.homes import select_homes
from geo.district.model import District
from geo.surveys.cells import cell_text

__all__ = ["CompoundIndex", "build_compounds"]

_MIN_CONTAINED_NAME_CHARS = 2


def build_compounds(district: District) -> gpd.GeoDataFrame:
    """The named residential compounds of a district, for locating and grouping responses.

    A compound is a named ``landuse=residential`` area, or a named residential building
    (a building that :func:`geo.residents.select_homes` counts as a home). Polygons with
    the same name are merged, and every polygon is clipped to the study area.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``kind`` (``"area"`` or ``"building"``), ``parent`` (for a
        building, the named area its representative point lies in, else empty), ``lon``
        and ``lat`` (a point inside the clipped polygon) and the geometry, in WGS-84.
        Areas come first.
    """
    study_area = box(*district.meta.bbox)
    areas = district.areas
    zones = areas[(areas["kind"] == "residential")] if len(areas) else areas
    area_parts = _named_parts(zones, study_area)
    homes = select_homes(district.buildings, district.areas)
    building_parts = _named_parts(homes, study_area)
    area_keys = {_fold_name(name) for name, _ in area_parts}
    building_parts = [(n, g) for n, g in building_parts if _fold_name(n) not in area_keys]

    names = [name for name, _ in area_parts] + [name for name, _ in building_parts]
    geometries = [geom for _, geom in area_parts] + [geom for _, geom in building_parts]
    kinds = ["area"] * len(area_parts) + ["building"] * len(building_parts)
    points = [geom.representative_point() for geom in geometries]
    parents = [""] * len(area_parts)
    for _, geom in building_parts:
        inside = [
            (area_geom.area, name)
            for name, area_geom in area_parts
            if area_geom.contains(geom.representative_point())
        ]
        parents.append(min(inside)[1] if inside else "")
    return gpd.GeoDataFrame(
        {
            "name": pd.Series(names, dtype=object),
            "kind": pd.Series(kinds, dtype=object),
            "parent": pd.Series(parents, dtype=object),
            "lon": np.array([p.x for p in points], dtype=np.float64),
            "lat": np.array([p.y for p in points], dtype=np.float64),
        },
        geometry=gpd.GeoSeries(geometries, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def _named_parts(frame: gpd.GeoDataFrame, study_area: shapely.Polygon) -> list[tuple[str, Any]]:
    """``(name, merged polygon clipped to the study area)`` per distinct non-empty name."""
    if frame.empty or "name" not in frame.columns:
        return []
    names = [cell_text(value) for value in frame["name"]]
    grouped: dict[str, list[Any]] = {}
    for name, geom in zip(names, frame.geometry, strict=True):
        if name and geom is not None and not geom.is_empty:
            grouped.setdefault(name, []).append(geom)
    parts: list[tuple[str, Any]] = []
    for name, geoms in grouped.items():
        merged = shapely.make_valid(shapely.union_all(geoms)).intersection(study_area)
        if not merged.is_empty and merged.area > 0:
            parts.append((name, merged))
    return parts


def _fold_name(text: str) -> str:
    """Fold a place name for matching: width, case, and only letters and digits kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if char.isalnum())


class CompoundIndex:
    """Finds the compound a free-text location names."""

    def __init__(self, compounds: gpd.GeoDataFrame) -> None:
        self.names: list[str] = [str(name) for name in compounds["name"]]
        self.lon = compounds["lon"].to_numpy(dtype=np.float64)
        self.lat = compounds["lat"].to_numpy(dtype=np.float64)
        self.keys = [_fold_name(name) for name in self.names]
        position = {name: i for i, name in enumerate(self.names)}
        # A building inside a named compound stands for that compound when a name is
        # ambiguous between the two ("海景壹号": 中粮·海景壹号 or its 酒店公寓 building).
        self.roots = [
            position.get(str(parent), i) if parent else i
            for i, parent in enumerate(compounds["parent"])
        ]

    def match(self, text: str) -> tuple[int | None, str]:
        """The matching compound's position, else ``None`` and the reason.

        An exact match (after folding spaces and punctuation) wins; else the longest
        compound name the text contains (``"东园一村小区"`` → 东园一村); else the one
        compound whose name contains the text (``"招远"`` → 招远小区). Several
        candidates that are one compound and buildings inside it give the compound;
        otherwise several candidates are ambiguous and nothing is matched.
        """
        key = _fold_name(text)
        if not key:
            return None, "missing location"
        exact = [i for i, k in enumerate(self.keys) if k == key]
        if exact:
            return exact[0], ""
        contained = [
            i for i, k in enumerate(self.keys) if len(k) >= _MIN_CONTAINED_NAME_CHARS and k in key
        ]
        if contained:
            longest = max(len(self.keys[i]) for i in contained)
            best = [i for i in contained if len(self.keys[i]) == longest]
            return self._one_of(best)
        if len(key) >= _MIN_CONTAINED_NAME_CHARS:
            containing = [i for i, k in enumerate(self.keys) if key in k]
            if containing:
                return self._one_of(containing)
        return None, "no compound (小区) of this name in the study area; give coordinates"

    def _one_of(self, found: Sequence[int]) -> tuple[int | None, str]:
        if len(found) == 1:
            return found[0], ""
        roots = {self.roots[i] for i in found}
        if len(roots) == 1:
            return roots.pop(), ""
        return None, self._ambiguous(found)

    def _ambiguous(self, found: Sequence[int]) -> str:
        shown = "、".join(self.names[i] for i in found[:6])
        more = " …" if len(found) > 6 else ""
        return f"location name matches several compounds ({shown}{more}); write the full name"
