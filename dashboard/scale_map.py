"""The cache wrappers of a large district's map (the scale path of the map page).

On the scale path every pan, zoom and click reruns the map's fragment. What it shows is
the same for every session on the same district and settings, so it is built once per
server and shared (the same rules as :mod:`dashboard.loaders`: plain-string keys,
``_``-prefixed unhashed objects):

- the district-zoom map (basemap, summaries, service areas, sites, legend) is rendered
  once and its script published as a file (:func:`dashboard.frames.rendered_map`), so a
  rerun no longer renders it, and sends a loader of a few hundred bytes instead;
- the layers of a view (streets, homes, buildings, doorstep circles, facilities) are
  built once per view and written as files (:func:`view_layer_urls`), so a click that
  keeps the view sends their URLs only and the browser reuses the layers it built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace

import folium
import numpy as np
import streamlit as st

from dashboard import frames, loaders
from dashboard.map_frame import MapFrame
from geo.access.analysis import Analysis
from lifecircle.maps.basemaps import shift_for
from lifecircle.maps.served_layers import publish_geojson
from lifecircle.maps.view_layers import ViewData, view_documents
from lifecircle.maps.viewport import ViewSelection


def selection_key(selection: ViewSelection) -> str:
    """What a view selection picked, as a short key (its status and every index)."""
    digest = hashlib.sha256(selection.status.encode("utf-8"))
    for layer in sorted(selection.indices):
        digest.update(layer.encode("utf-8"))
        digest.update(np.ascontiguousarray(selection.indices[layer], dtype=np.int64).tobytes())
    return digest.hexdigest()[:24]


@st.cache_resource(show_spinner=False, max_entries=64)
def _view_layer_urls(
    key: str,
    category: str,
    colour_by: str,
    speed_kmh: float,
    lang: str,
    basemap: str,
    within_m: float,
    picked: str,
    _analysis: Analysis,
    _data: ViewData,
    _selection: ViewSelection,
) -> tuple[tuple[str, str], ...]:
    docs = view_documents(
        _analysis,
        _data,
        _selection,
        category=category,
        colour_by=colour_by,
        speed_kmh=speed_kmh,
        lang=lang,
        shift=shift_for(basemap),
        within_m=within_m,
    )
    return tuple((name, publish_geojson(loaders.STATIC_DIR, doc)) for name, doc in docs)


def view_layer_urls(
    key: str,
    analysis: Analysis,
    data: ViewData,
    selection: ViewSelection,
    *,
    category: str,
    colour_by: str,
    speed_kmh: float,
    lang: str,
    basemap: str,
    within_m: float,
) -> tuple[tuple[str, str], ...]:
    """(layer name, URL of its GeoJSON file) of each layer of the view, bottom to top;
    built and written once per analysis, settings and selection."""
    if not selection.detail:
        return ()
    args = (key, category, colour_by, speed_kmh, lang, basemap, within_m)
    urls = _view_layer_urls(*args, selection_key(selection), analysis, data, selection)
    if not all(_served(url) for _, url in urls):  # the static folder was pruned since
        _view_layer_urls.clear()
        urls = _view_layer_urls(*args, selection_key(selection), analysis, data, selection)
    return urls


def _served(url: str) -> bool:
    return (loaders.STATIC_DIR / "layers" / url.rsplit("/", 1)[1]).exists()


def overview_frame(
    key: str,
    urls: Mapping[str, str],
    group_names: tuple[str, ...],
    build: Callable[[], folium.Map],
) -> MapFrame:
    """The district-zoom map rendered once per server for ``key`` (everything it is built
    from but its layers' files) and ``urls`` (the files), with a layer control that also
    lists ``group_names`` (the groups :func:`dashboard.map_frame.show_frame` adds, in order).

    Every set of names shares one rendering: the same script, so the browser keeps its
    map (and view) when the view's layers come and go; the names are added to the one
    layer control (Leaflet's ``addOverlay``) after the groups are on the map.
    """
    full_key = "overview|" + key + "|" + "|".join(f"{k}={v}" for k, v in sorted(urls.items()))
    frame = frames.rendered_map(full_key, (), True, build)
    return replace(
        frame,
        layer_control=(frame.layer_control or "") + overlay_script(group_names),
        group_names=group_names,
    )


def overlay_script(group_names: tuple[str, ...]) -> str:
    """JavaScript that lists the added groups (``feature_group_<i>``, as streamlit-folium
    names them) in the map's layer control, names escaped for a script element."""
    lines = []
    for idx, name in enumerate(group_names):
        label = json.dumps(name).replace("<", "\\u003c").replace(">", "\\u003e")
        lines.append(
            f"window.layer_control.addOverlay(feature_group_feature_group_{idx}, {label});\n"
        )
    return "".join(lines)
