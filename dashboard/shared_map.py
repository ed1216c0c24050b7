"""A map rendered once per server and shown by every session (``st_folium``'s own steps).

``st_folium(fmap, ...)`` turns a folium map into Leaflet script, header and HTML on every
script run: about 2 s of CPU for the bundled district, paid again by every session on
every rerun (a click included), which is what made ten users at once ten times slower
than one. Here the same steps are split in two:

* :func:`render_map` does the expensive, session-independent part once (the dashboard
  caches its result per server with ``st.cache_resource``): the map's script, header and
  HTML, the component key, the bounds, and the layer control, computed with placeholders
  for the groups each session adds (their names and order are part of the cache key);
* :func:`show_map` sends a :class:`RenderedMap` to the ``st_folium`` component with the
  session's own feature groups (an isochrone, the layers in view), which are small.

The arguments given to the component are the ones ``st_folium`` gives it (checked by
``tests/dashboard/test_shared_map.py`` against ``st_folium`` itself), so the browser sees
the same map and the session state holds the same values under the same key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium as sf


@dataclass(frozen=True)
class RenderedMap:
    """What the ``st_folium`` component needs of a map, as immutable text (shareable)."""

    script: str
    header: str
    html: str
    map_id: str
    component_key: str
    bounds: tuple[tuple[float | None, float | None], tuple[float | None, float | None]]
    zoom: Any
    layer_control: str | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _links(element: Any) -> tuple[list[str], list[str]]:
    """The stylesheets and scripts ``element`` and its children load (as ``st_folium``)."""
    css: list[str] = []
    js: list[str] = []

    def walk(node: Any) -> None:
        css.extend(href for _, href in getattr(node, "default_css", []))
        js.extend(src for _, src in getattr(node, "default_js", []))
        for child in getattr(node, "_children", {}).values():
            walk(child)

    walk(element)
    return css, js


def render_map(
    fmap: folium.Map,
    *,
    key: str,
    group_names: Sequence[str] = (),
    layer_control: bool = True,
    collapsed: bool = False,
) -> RenderedMap:
    """Render ``fmap`` as ``st_folium(fmap, key=key, layer_control=LayerControl(...))`` would
    (``layer_control=False``: as ``st_folium(fmap, key=key)``, with no control added).

    ``group_names`` are the names of the feature groups the sessions will add, in order
    (``show_map(..., groups=...)``): placeholders of those names are added after the map
    is rendered, as ``st_folium`` adds the real ones, so that the layer control lists them.
    ``fmap`` is consumed (folium renames its elements while rendering).
    """
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    map_id = sf.get_full_id(fmap)
    (south, west), (north, east) = fmap.get_bounds()
    zoom = fmap.options.get("zoom")
    for idx, name in enumerate(group_names):
        sf._get_feature_group_string(folium.FeatureGroup(name=name), map=fmap, idx=idx)
    control = (
        sf._get_layer_control_string(folium.LayerControl(collapsed=collapsed), fmap)
        if layer_control
        else None
    )
    css, js = _links(fmap)
    return RenderedMap(
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        component_key=sf.generate_js_hash(script, key, False),
        bounds=((south, west), (north, east)),
        zoom=zoom,
        layer_control=control,
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
    )


def group_script(groups: Sequence[folium.FeatureGroup]) -> str:
    """The script that adds a session's ``groups`` to the shown map.

    Each group is rendered against a throwaway map: its name becomes ``map_div`` in the
    script, as the shared map's does.
    """
    scratch = folium.Map(tiles=None)
    return "".join(
        sf._get_feature_group_string(g, map=scratch, idx=i) for i, g in enumerate(groups)
    )


def _defaults(rendered: RenderedMap, returned_objects: Iterable[str]) -> dict[str, Any]:
    (south, west), (north, east) = rendered.bounds
    values: dict[str, Any] = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        "zoom": rendered.zoom,
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    wanted = set(returned_objects)
    return {k: v for k, v in values.items() if k in wanted}


def show_map(
    rendered: RenderedMap,
    *,
    key: str,
    height: int,
    returned_objects: Sequence[str],
    groups: Sequence[folium.FeatureGroup] = (),
) -> Any:
    """Show ``rendered`` with the session's ``groups``; what the map returned, as
    ``st_folium(..., key=key, use_container_width=True)`` returns it.

    ``groups`` must carry the names given to :func:`render_map`, in the same order.
    """
    css, js = list(rendered.css_links), list(rendered.js_links)
    for group in groups:
        more_css, more_js = _links(group)
        css.extend(more_css)
        js.extend(more_js)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(rendered.component_key, {})

    return sf._component_func(
        script=rendered.script,
        header=rendered.header,
        html=rendered.html,
        id=rendered.map_id,
        key=rendered.component_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default=_defaults(rendered, returned_objects),
        zoom=None,
        center=None,
        feature_group=group_script(groups) if groups else None,
        return_on_hover=False,
        layer_control=rendered.layer_control,
        pixelated=False,
        css_links=list(dict.fromkeys(css)),
        js_links=list(dict.fromkeys(js)),
        on_change=on_change,
        wrap_longitude=False,
    )
