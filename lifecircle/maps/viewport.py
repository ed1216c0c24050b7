"""What a large district's map sends: the features in the current view, when zoomed in.

A whole 区 has hundreds of thousands of street segments; drawing them all at district
zoom sends megabytes for lines a pixel apart. Above :attr:`ViewportSettings.large_above_nodes`
network nodes the dashboard therefore draws summaries at district zoom and, once the map
is zoomed in to :attr:`ViewportSettings.detail_min_zoom` or closer, only the streets,
homes, buildings, facilities and doorstep circles that intersect the view (with a margin,
so that a short pan does not show an empty edge). A view that would still hold more
than the budget (coordinates, markers) sends no detail and asks to zoom in instead.

Everything here is pure: :func:`map_view` reads what ``st_folium`` returns (``bounds`` and
``zoom``), :func:`select_in_view` says which features of a :class:`ViewIndex` are sent.
Nothing imports streamlit or folium.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from shapely import Polygon

from geo.access.analysis import Analysis
from geo.inputs.china_coords import gcj02_to_wgs84

IntArray = npt.NDArray[np.int64]
GeomArray = npt.NDArray[np.object_]

LAYERS: tuple[str, ...] = ("streets", "homes", "buildings", "areas", "facilities", "doorstep")
"""The detail layers, in the order they are drawn."""
MARKER_LAYERS = frozenset({"facilities"})
"""Layers drawn as one marker per feature (their count is budgeted, not their coordinates)."""

LARGE_NODES_ENV = "LIFECIRCLE_LARGE_MAP_NODES"
"""Environment variable that moves the size threshold (``0`` forces the scale path)."""


@dataclass(frozen=True)
class ViewportSettings:
    """When the map switches to summaries plus what is in view, and how much it may send.

    Attributes
    ----------
    large_above_nodes
        Districts with more network nodes than this take the scale path (0 forces it).
    detail_min_zoom
        Streets, homes, buildings, facilities and doorstep circles are drawn from this
        zoom level in; farther out the map shows summaries only.
    max_view_vertices
        The most coordinates the lines and polygons of one view may hold (about 26 bytes
        each once drawn: 60,000 is some 1.5 MB).
    max_view_markers
        The most facility markers one view may hold.
    view_margin
        How much of the view's width and height is added on each side.
    summary_max_cells
        The most hexagons of the district-wide summary.
    overview_max_vertices
        The most coordinates of the district-zoom layers (service areas and land use are
        simplified until they fit).
    """

    large_above_nodes: int = 50_000
    detail_min_zoom: int = 15
    max_view_vertices: int = 60_000
    max_view_markers: int = 400
    view_margin: float = 0.1
    summary_max_cells: int = 1_500
    overview_max_vertices: int = 40_000

    def is_large(self, n_nodes: int) -> bool:
        return n_nodes > self.large_above_nodes

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ViewportSettings:
        """The defaults, with ``$LIFECIRCLE_LARGE_MAP_NODES`` as the threshold when set."""
        env = os.environ if environ is None else environ
        raw = (env.get(LARGE_NODES_ENV) or "").strip()
        if not raw:
            return cls()
        try:
            threshold = int(raw)
        except ValueError:
            return cls()
        return cls(large_above_nodes=max(threshold, 0))


DEFAULT_VIEWPORT = ViewportSettings()


# --- the view ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapView:
    """The part of the map on screen (WGS-84 degrees) and its zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    def padded(self, margin: float) -> MapView:
        """The view grown by ``margin`` of its width and height on each side."""
        dx = (self.east - self.west) * margin
        dy = (self.north - self.south) * margin
        return MapView(self.west - dx, self.south - dy, self.east + dx, self.north + dy, self.zoom)

    def box(self) -> Polygon:
        return shapely.box(self.west, self.south, self.east, self.north)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def map_view(returned: Mapping[str, Any] | None, *, gcj02: bool = False) -> MapView | None:
    """The view ``st_folium`` reported (its ``bounds`` and ``zoom``), or None.

    ``bounds`` is Leaflet's ``{"_southWest": {"lat", "lng"}, "_northEast": {...}}``; over
    a GCJ-02 basemap (``gcj02=True``) its corners are converted back to WGS-84, the
    coordinates of the analysis. Anything missing or malformed gives None (no view yet).
    """
    if not isinstance(returned, Mapping):
        return None
    bounds, zoom = returned.get("bounds"), _number(returned.get("zoom"))
    if not isinstance(bounds, Mapping) or zoom is None:
        return None
    sw, ne = bounds.get("_southWest"), bounds.get("_northEast")
    if not isinstance(sw, Mapping) or not isinstance(ne, Mapping):
        return None
    south, west = _number(sw.get("lat")), _number(sw.get("lng"))
    north, east = _number(ne.get("lat")), _number(ne.get("lng"))
    if south is None or west is None or north is None or east is None:
        return None
    if not (west < east and south < north):
        return None
    if gcj02:
        lon, lat = gcj02_to_wgs84(np.array([west, east]), np.array([south, north]))
        west, east = float(lon[0]), float(lon[1])
        south, north = float(lat[0]), float(lat[1])
    return MapView(west=west, south=south, east=east, north=north, zoom=int(zoom))


# --- the index ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ViewIndex:
    """The geometries of every detail layer (WGS-84), with a spatial index each.

    Built once per analysis (and category, for the doorstep circles) by
    :func:`build_view_index`; :func:`select_in_view` queries it for every view.
    """

    geoms: Mapping[str, GeomArray]
    trees: Mapping[str, shapely.STRtree]
    vertices: Mapping[str, IntArray]

    def __len__(self) -> int:
        return sum(len(g) for g in self.geoms.values())


def build_view_index(layers: Mapping[str, Any]) -> ViewIndex:
    """Index the geometries of each layer (missing layers are empty)."""
    geoms: dict[str, GeomArray] = {}
    trees: dict[str, shapely.STRtree] = {}
    vertices: dict[str, IntArray] = {}
    for name in LAYERS:
        array = np.asarray(layers.get(name, ()), dtype=object)
        geoms[name] = array
        trees[name] = shapely.STRtree(array)
        counts = shapely.get_num_coordinates(array) if len(array) else np.zeros(0)
        vertices[name] = np.asarray(counts, dtype=np.int64)
    return ViewIndex(geoms=geoms, trees=trees, vertices=vertices)


def view_index_of(analysis: Analysis, *, doorstep: Any = None) -> ViewIndex:
    """The detail layers of an analysis: street edges, homes, the other buildings, land-use
    areas, facilities and (when given, a GeoDataFrame) doorstep circles."""
    d = analysis.district
    buildings = d.buildings.geometry.to_numpy()
    if "home_id" in analysis.homes.columns and "osm_id" in d.buildings.columns:
        # Homes are drawn by the homes layer (served or not): not twice.
        homes = set(analysis.homes["home_id"].astype(str))
        buildings = buildings[~d.buildings["osm_id"].astype(str).isin(homes).to_numpy()]
    return build_view_index(
        {
            "streets": d.network.edge_lines,
            "homes": analysis.homes.geometry.to_numpy(),
            "buildings": buildings,
            "areas": d.areas.geometry.to_numpy() if len(d.areas) else (),
            "facilities": shapely.points(
                analysis.facilities["lon"].to_numpy(dtype=float),
                analysis.facilities["lat"].to_numpy(dtype=float),
            ),
            "doorstep": doorstep.geometry.to_numpy() if doorstep is not None else (),
        }
    )


# --- the selection ------------------------------------------------------------------------------
ViewStatus = Literal["overview", "detail", "too_many"]


@dataclass(frozen=True)
class ViewSelection:
    """Which features of each layer a view sends.

    ``status`` is ``overview`` (no view yet, or zoomed out: summaries only), ``detail``
    (``indices`` hold the features in view, sorted) or ``too_many`` (the view is zoomed in
    but holds more than the budget: nothing is sent, the map asks to zoom in further).
    ``vertices`` and ``markers`` are what the view holds, sent or not.
    """

    status: ViewStatus
    view: MapView | None
    indices: Mapping[str, IntArray]
    vertices: int = 0
    markers: int = 0

    @property
    def detail(self) -> bool:
        return self.status == "detail"

    def count(self, layer: str) -> int:
        return len(self.indices.get(layer, ()))


def _empty() -> dict[str, IntArray]:
    return {name: np.zeros(0, dtype=np.int64) for name in LAYERS}


def select_in_view(
    index: ViewIndex, view: MapView | None, settings: ViewportSettings = DEFAULT_VIEWPORT
) -> ViewSelection:
    """The features of ``index`` that intersect ``view`` (grown by the margin).

    Nothing when there is no view or it is zoomed out beyond
    :attr:`ViewportSettings.detail_min_zoom`; nothing either, with status ``too_many``,
    when the features in view hold more than ``max_view_vertices`` coordinates or
    ``max_view_markers`` markers.
    """
    if view is None or view.zoom < settings.detail_min_zoom:
        return ViewSelection(status="overview", view=view, indices=_empty())
    area = view.padded(settings.view_margin).box()
    found: dict[str, IntArray] = {}
    vertices = markers = 0
    for name in LAYERS:
        hits = index.trees[name].query(area, predicate="intersects")
        hits = np.sort(np.asarray(hits, dtype=np.int64))
        found[name] = hits
        if name in MARKER_LAYERS:
            markers += len(hits)
        else:
            vertices += int(index.vertices[name][hits].sum())
    if vertices > settings.max_view_vertices or markers > settings.max_view_markers:
        return ViewSelection(
            status="too_many", view=view, indices=_empty(), vertices=vertices, markers=markers
        )
    return ViewSelection(
        status="detail", view=view, indices=found, vertices=vertices, markers=markers
    )
