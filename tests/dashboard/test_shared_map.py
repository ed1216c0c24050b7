"""A map rendered once and shown by many sessions gives the component what ``st_folium`` does.

The oracle is ``streamlit_folium.st_folium`` itself: both paths run with the component
function replaced by a recorder, on two maps built the same way, and must pass the same
arguments (the browser then cannot tell them apart).
"""

from __future__ import annotations

from typing import Any

import folium
import pytest
import streamlit_folium as sf

from dashboard.map_frame import render_frame, show_frame

KEY = "main_map"
RETURNED = ["last_clicked", "bounds", "zoom"]


def _map() -> folium.Map:
    m = folium.Map(location=(31.235, 121.505), zoom_start=15, tiles=None)
    folium.TileLayer("OpenStreetMap", name="base", attr="© OpenStreetMap contributors").add_to(m)
    streets = folium.FeatureGroup(name="Streets <b>&</b>")
    folium.PolyLine([(31.23, 121.50), (31.24, 121.51)], tooltip="Lujiazui Rd").add_to(streets)
    streets.add_to(m)
    folium.GeoJson(
        {"type": "Point", "coordinates": [121.505, 31.235]}, name="clinics", tooltip="clinic"
    ).add_to(m)
    return m


def _groups() -> list[folium.FeatureGroup]:
    view = folium.FeatureGroup(name="In view")
    folium.CircleMarker((31.236, 121.506), radius=3).add_to(view)
    iso = folium.FeatureGroup(name="Isochrone")
    folium.Polygon([(31.23, 121.50), (31.24, 121.50), (31.24, 121.51)]).add_to(iso)
    return [view, iso]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(sf, "_component_func", record)
    return calls


def _comparable(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k != "on_change"}


def test_shared_render_passes_what_st_folium_passes(recorded: list[dict[str, Any]]) -> None:
    sf.st_folium(
        _map(),
        key=KEY,
        height=620,
        use_container_width=True,
        returned_objects=RETURNED,
        feature_group_to_add=_groups(),
        layer_control=folium.LayerControl(collapsed=False),
    )
    names = [g.layer_name for g in _groups()]
    rendered = render_frame(_map(), group_names=names)
    show_frame(rendered, key=KEY, height=620, returned_objects=RETURNED, groups=_groups())
    ours, theirs = _comparable(recorded[1]), _comparable(recorded[0])
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
    # Not vacuous: the layer control lists the session's groups, the map its own layers.
    assert "In view" in ours["layer_control"] and "Isochrone" in ours["layer_control"]
    assert "Lujiazui Rd" in ours["script"]


def test_a_map_without_groups_or_layer_control(recorded: list[dict[str, Any]]) -> None:
    """As the gaps page shows its map: nothing added, no control, nothing returned."""
    sf.st_folium(_map(), key="gap_map", height=460, use_container_width=True, returned_objects=[])
    rendered = render_frame(_map(), layer_control=False)
    show_frame(rendered, key="gap_map", height=460, returned_objects=[])
    ours, theirs = _comparable(recorded[1]), _comparable(recorded[0])
    assert ours == theirs
    assert ours["layer_control"] is None and ours["feature_group"] is None


def test_one_rendering_serves_many_sessions(recorded: list[dict[str, Any]]) -> None:
    """Showing a rendered map never changes it, so sessions can share one."""
    rendered = render_frame(_map(), group_names=["In view", "Isochrone"])
    for _ in range(3):
        show_frame(rendered, key=KEY, height=620, returned_objects=RETURNED, groups=_groups())
    first = _comparable(recorded[0])
    assert all(_comparable(call) == first for call in recorded[1:])
    assert first["script"] is rendered.script
