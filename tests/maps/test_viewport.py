"""What the scale path sends for a view: checked against a brute-force filter of the layers.

The oracle walks every street edge, home, building, land-use area, facility and doorstep
circle of the analysis (from the analysis' own tables, not the index) and keeps the ones
that intersect the view grown by its margin, one geometry at a time; the budget is
recounted from their coordinates. The drawn documents are parsed back and compared with
the features they should hold.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import box, shape

from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.inputs.china_coords import wgs84_to_gcj02
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from lifecircle.maps.view_layers import (
    ViewData,
    compute_view_data,
    facilities_document,
    groups_of,
    homes_document,
    streets_document,
    view_documents,
)
from lifecircle.maps.viewport import (
    LAYERS,
    MapView,
    ViewportSettings,
    map_view,
    select_in_view,
)

SETTINGS = ViewportSettings()


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def view_data(analysis: Analysis) -> ViewData:
    return compute_view_data(analysis)


def full_layers(a: Analysis, data: ViewData) -> dict[str, list[Any]]:
    """Every feature of every detail layer, straight from the analysis' tables."""
    d = a.district
    homes = set(a.homes["home_id"].astype(str))
    return {
        "streets": list(d.network.edge_lines),
        "homes": list(a.homes.geometry),
        "buildings": [
            g
            for g, osm_id in zip(d.buildings.geometry, d.buildings["osm_id"], strict=True)
            if str(osm_id) not in homes
        ],
        "areas": list(d.areas.geometry),
        "facilities": [
            shapely.Point(lon, lat)
            for lon, lat in zip(a.facilities.lon, a.facilities.lat, strict=True)
        ],
        "doorstep": list(data.doorstep.geometry),
    }


def brute_force(features: list[Any], view: MapView, margin: float) -> list[int]:
    dx = (view.east - view.west) * margin
    dy = (view.north - view.south) * margin
    area = box(view.west - dx, view.south - dy, view.east + dx, view.north + dy)
    return [i for i, geom in enumerate(features) if geom.intersects(area)]


def view_around(
    lon: float, lat: float, *, zoom: int, width_px: int = 1000, height_px: int = 620
) -> MapView:
    """The view Leaflet shows at ``zoom`` in a map of that size (Web Mercator scale)."""
    metres_per_px = 156543.03392 * math.cos(math.radians(lat)) / 2**zoom
    half_w = width_px * metres_per_px / 2 / (111_320 * math.cos(math.radians(lat)))
    half_h = height_px * metres_per_px / 2 / 110_574
    return MapView(lon - half_w, lat - half_h, lon + half_w, lat + half_h, zoom)


def views(a: Analysis) -> list[MapView]:
    west, south, east, north = a.district.meta.bbox
    rng = np.random.default_rng(7)
    out = [view_around((west + east) / 2, (south + north) / 2, zoom=16)]
    for zoom in (15, 16, 17, 18):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        out.append(view_around(float(lon), float(lat), zoom=zoom))
    out.append(view_around(east + 0.01, north + 0.01, zoom=17))  # beyond the district
    return out


# ------------------------------------------------------------------------------ the view


def test_map_view_reads_what_st_folium_returns() -> None:
    returned = {
        "bounds": {
            "_southWest": {"lat": 31.22, "lng": 121.49},
            "_northEast": {"lat": 31.24, "lng": 121.51},
        },
        "zoom": 16,
        "last_clicked": None,
    }
    view = map_view(returned)
    assert view == MapView(121.49, 31.22, 121.51, 31.24, 16)
    assert view is not None and view.box().bounds == (121.49, 31.22, 121.51, 31.24)


@pytest.mark.parametrize(
    "returned",
    [
        None,
        {},
        {"zoom": 16},
        {"bounds": {"_southWest": {"lat": 31.2, "lng": 121.4}}, "zoom": 16},
        {
            "bounds": {
                "_southWest": {"lat": None, "lng": None},
                "_northEast": {"lat": None, "lng": None},
            },
            "zoom": 15,
        },
        {
            "bounds": {
                "_southWest": {"lat": 31.3, "lng": 121.4},
                "_northEast": {"lat": 31.2, "lng": 121.5},
            },
            "zoom": 15,
        },
        {
            "bounds": {
                "_southWest": {"lat": "x", "lng": 121.4},
                "_northEast": {"lat": 31.3, "lng": 121.5},
            },
            "zoom": 15,
        },
        {
            "bounds": {
                "_southWest": {"lat": 31.2, "lng": 121.4},
                "_northEast": {"lat": 31.3, "lng": 121.5},
            },
            "zoom": float("nan"),
        },
        {"bounds": [[31.2, 121.4], [31.3, 121.5]], "zoom": 15},
    ],
)
def test_no_view_from_missing_or_malformed_bounds(returned: Any) -> None:
    assert map_view(returned) is None


def test_a_gcj02_view_is_turned_back_into_wgs84() -> None:
    # The corners of a WGS-84 box as they appear on a GCJ-02 basemap (Gaode) ...
    lon, lat = wgs84_to_gcj02(np.array([121.49, 121.51]), np.array([31.22, 31.24]))
    returned = {
        "bounds": {
            "_southWest": {"lat": float(lat[0]), "lng": float(lon[0])},
            "_northEast": {"lat": float(lat[1]), "lng": float(lon[1])},
        },
        "zoom": 16,
    }
    view = map_view(returned, gcj02=True)
    # ... come back to the box (the conversion is iterative: well under a metre).
    assert view is not None
    assert (view.west, view.south, view.east, view.north) == pytest.approx(
        (121.49, 31.22, 121.51, 31.24), abs=2e-6
    )
    shifted = map_view(returned)
    assert shifted is not None and abs(shifted.west - 121.49) > 1e-3  # hundreds of metres


def test_the_threshold_comes_from_the_environment() -> None:
    assert ViewportSettings.from_env({}).large_above_nodes == 50_000
    assert ViewportSettings.from_env({"LIFECIRCLE_LARGE_MAP_NODES": "0"}).is_large(1)
    assert not ViewportSettings.from_env({"LIFECIRCLE_LARGE_MAP_NODES": "10"}).is_large(10)
    assert ViewportSettings.from_env({"LIFECIRCLE_LARGE_MAP_NODES": "ten"}) == ViewportSettings()
    assert ViewportSettings().is_large(50_001) and not ViewportSettings().is_large(50_000)


# -------------------------------------------------------------------------- the selection


def test_the_selection_is_what_intersects_the_view(analysis: Analysis, view_data: ViewData) -> None:
    layers = full_layers(analysis, view_data)
    generous = ViewportSettings(max_view_vertices=10**9, max_view_markers=10**9)
    seen_any = False
    for view in views(analysis):
        selection = select_in_view(view_data.index, view, generous)
        assert selection.status == "detail"
        for name in LAYERS:
            expected = brute_force(layers[name], view, generous.view_margin)
            assert selection.indices[name].tolist() == expected, (name, view)
            seen_any |= bool(expected)
        vertices = sum(
            int(shapely.get_num_coordinates(layers[name][i]))
            for name in LAYERS
            if name != "facilities"
            for i in selection.indices[name]
        )
        assert selection.vertices == vertices
        assert selection.markers == len(selection.indices["facilities"])
    assert seen_any


def test_nothing_in_detail_when_zoomed_out_or_over_budget(
    analysis: Analysis, view_data: ViewData
) -> None:
    west, south, east, north = analysis.district.meta.bbox
    centre = ((west + east) / 2, (south + north) / 2)
    zoomed_out = view_around(*centre, zoom=SETTINGS.detail_min_zoom - 1)
    out = select_in_view(view_data.index, zoomed_out, SETTINGS)
    assert out.status == "overview" and not out.detail
    assert all(len(out.indices[name]) == 0 for name in LAYERS)
    assert select_in_view(view_data.index, None, SETTINGS).status == "overview"

    view = view_around(*centre, zoom=16)
    full = select_in_view(view_data.index, view, ViewportSettings(max_view_vertices=10**9))
    assert full.vertices > 1000
    tight = ViewportSettings(max_view_vertices=full.vertices - 1)
    over = select_in_view(view_data.index, view, tight)
    assert over.status == "too_many" and over.vertices == full.vertices
    assert all(len(over.indices[name]) == 0 for name in LAYERS)
    assert (
        view_documents(
            analysis,
            view_data,
            over,
            category="health_centre",
            colour_by="time",
            speed_kmh=4.0,
            lang="en",
            shift=lambda g: g,
        )
        == []
    )
    few_markers = ViewportSettings(max_view_markers=full.markers - 1)
    assert select_in_view(view_data.index, view, few_markers).status == "too_many"
    exact = ViewportSettings(max_view_vertices=full.vertices, max_view_markers=full.markers)
    assert select_in_view(view_data.index, view, exact).status == "detail"


# ---------------------------------------------------------------------------- the drawing


def features(doc: str) -> list[dict[str, Any]]:
    parsed = json.loads(doc)
    assert parsed["type"] == "FeatureCollection"
    return list(parsed["features"])


def test_the_drawn_view_holds_the_selected_features(
    analysis: Analysis, view_data: ViewData
) -> None:
    west, south, east, north = analysis.district.meta.bbox
    view = view_around((west + east) / 2, (south + north) / 2, zoom=17)
    selection = select_in_view(view_data.index, view, SETTINGS)
    assert selection.detail and selection.count("streets") > 100

    # Streets: the merged lines cover exactly the selected edges, coloured by class.
    streets = features(
        streets_document(
            analysis, view_data, selection, category="health_centre", colour_by="time",
            speed_kmh=4.0, lang="en", shift=lambda g: g,
        )
    )  # fmt: skip
    drawn = shapely.union_all([shape(f["geometry"]) for f in streets])
    edges = analysis.district.network.edge_lines[selection.indices["streets"]]
    expected = shapely.union_all(edges)
    assert drawn.length == pytest.approx(expected.length, rel=1e-4)
    assert shapely.hausdorff_distance(drawn, expected) < 1e-5
    assert {f["properties"]["tip"] for f in streets} <= {"≤5", "≤10", "≤15", t("beyond", "en")}

    # Homes: served and not served as the analysis says, within the chosen distance.
    within_m = 500.0
    homes = features(
        homes_document(
            analysis, view_data, selection, category="health_centre", within_m=within_m,
            lang="en", shift=lambda g: g,
        )
    )  # fmt: skip
    picked = selection.indices["homes"]
    served = analysis.home_dist_m[analysis.categories.index("health_centre")][picked] <= within_m
    by_tip = {f["properties"]["tip"]: shape(f["geometry"]) for f in homes}
    footprints = analysis.homes.geometry.to_numpy()[picked]
    if served.any():
        assert by_tip[t("served", "en")].area == pytest.approx(
            shapely.union_all(footprints[served]).area, rel=1e-3
        )
    if (~served).any():
        assert by_tip[t("not_served", "en")].area == pytest.approx(
            shapely.union_all(footprints[~served]).area, rel=1e-3
        )

    # Facilities: one feature each; the category's as icons; names escaped.
    facs = features(
        facilities_document(
            analysis, selection, category="health_centre", lang="en", shift=lambda g: g
        )
    )
    rows = analysis.facilities.iloc[selection.indices["facilities"]]
    assert len(facs) == len(rows)
    for f, row in zip(facs, rows.itertuples(index=False), strict=True):
        assert f["geometry"]["coordinates"] == pytest.approx([row.lon, row.lat], abs=1e-6)
        assert ("icon" in f["properties"]) == (row.category == "health_centre")
        assert "<" not in f["properties"]["tip"]


def test_view_layers_are_the_layers_of_the_small_map(
    analysis: Analysis, view_data: ViewData
) -> None:
    west, south, east, north = analysis.district.meta.bbox
    view = view_around((west + east) / 2, (south + north) / 2, zoom=16)
    selection = select_in_view(view_data.index, view, SETTINGS)
    for lang in ("zh", "en"):
        groups = groups_of(view_documents(
            analysis, view_data, selection, category="health_centre", colour_by="count",
            speed_kmh=4.0, lang=lang, shift=lambda g: g,
        ))  # fmt: skip
        names = [g.layer_name for g in groups]
        assert names == [
            t(key, lang)
            for key in (
                "layer_base",
                "layer_homes",
                "layer_streets",
                "layer_doorstep",
                "layer_facilities",
            )
        ]
