"""Turning what the map's Draw tool returns into scenario interventions (pure functions).

``st_folium`` hands back drawings as GeoJSON in the coordinates of the map on screen. Over
a GCJ-02 basemap (Gaode) those are GCJ-02 and are converted back to WGS-84 here: the
analysis and the scenario files are WGS-84 only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.inputs.china_coords import gcj02_to_wgs84
from geo.scenarios.model import Intervention, ScenarioError, new_feature_id, parse_intervention
from geo.standards.taxonomy import Taxonomy

KINDS_BY_GEOMETRY: Mapping[str, tuple[str, ...]] = {
    "Point": ("facility", "closure"),
    "Polygon": ("space",),
    "LineString": ("link", "closure"),
}


def drawn_geometry(drawing: Mapping[str, Any] | None, *, gcj02: bool) -> BaseGeometry | None:
    """The WGS-84 geometry of the last drawing, or None when there is none."""
    if not drawing or not isinstance(drawing, Mapping):
        return None
    raw = drawing.get("geometry") if drawing.get("type") == "Feature" else drawing
    if not isinstance(raw, Mapping) or raw.get("type") not in KINDS_BY_GEOMETRY:
        return None
    try:
        geom = shape(raw)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None
    if geom.is_empty:
        return None
    if gcj02:

        def back(coords: np.ndarray) -> np.ndarray:
            lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        geom = shapely.transform(geom, back)
    return geom


def kinds_for(geom: BaseGeometry) -> tuple[str, ...]:
    return KINDS_BY_GEOMETRY.get(geom.geom_type, ())


def make_intervention(
    geom: BaseGeometry,
    *,
    kind: str,
    name: str,
    taxonomy: Taxonomy,
    category: str | None = None,
    provides: tuple[str, ...] = (),
    target: str | None = None,
) -> Intervention:
    """Validate a drawn feature (same rules as a scenario file)."""
    if kind not in kinds_for(geom):
        raise ScenarioError(f"a {geom.geom_type} cannot be a {kind}")
    props: dict[str, Any] = {"kind": kind, "name": name}
    if category:
        props["category"] = category
    if provides:
        props["provides"] = list(provides)
    if target:
        props["target"] = target
    feature = {
        "type": "Feature",
        "id": new_feature_id(),
        "properties": props,
        "geometry": mapping(geom),
    }
    return parse_intervention(
        feature, taxonomy=taxonomy, where=f"the drawn {geom.geom_type.lower()}"
    )
