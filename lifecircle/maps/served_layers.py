"""GeoJSON layers the browser fetches from the app's static folder instead of the map script.

A map whose layers are embedded in its script sends them again with every rerun of the
page (every click, every pan). On the scale path the district-wide layers are written
once as files named by their content's hash, which Streamlit serves from
``dashboard/static/`` (``server.enableStaticServing``); the map script only names them
(:class:`ServedGeoJson`), the browser fetches each file once and keeps it in its cache.
For a standalone export the same element embeds its data instead. A layer fetched from a
URL is kept in a small browser-side table by that URL (:data:`LAYER_REGISTRY`): when the
map component evaluates the same layer again (the dashboard's rerun after a click sends
the view's layers again, by URL), the browser reuses the layer it built instead of
parsing and building it anew.

Every feature carries its own ``style`` (Leaflet path options) and ``tip`` (tooltip HTML,
which must already be escaped with :func:`lifecircle.maps.text.safe_text`); a point with
an ``icon`` (Leaflet.awesome-markers options, which every folium map loads) is drawn as
that marker, other points as circle markers. No ``st`` here, and nothing is written at
import time.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

LAYER_DIRNAME = "layers"
SERVED_LAYERS_URL = "/app/static/layers/"
COORD_DECIMALS = 6  # 0.1 m: finer than anything drawn
MAX_LAYER_FILES = 400
"""Files kept in the layer folder; the oldest go first (a new district's layers take
a handful)."""

_write_lock = threading.Lock()

LAYER_REGISTRY = "__lifecircle_geojson"
"""The browser-side table of fetched layers by URL (see :class:`ServedGeoJson`)."""
LAYER_REGISTRY_MAX = 32
"""Fetched layers the browser keeps for reuse; the oldest are forgotten first."""

SERVED_GEOJSON_TEMPLATE = """
{% macro script(this, kwargs) %}
{%- set options %}{
    smoothFactor: 1.5,
    style: function (feature) { return feature.properties.style; },
    pointToLayer: function (feature, latlng) {
        var icon = feature.properties.icon;
        if (icon && L.AwesomeMarkers) {
            return L.marker(latlng, {icon: L.AwesomeMarkers.icon(icon)});
        }
        return L.circleMarker(latlng, feature.properties.style);
    },
    onEachFeature: function (feature, layer) {
        if (feature.properties.tip) { layer.bindTooltip(feature.properties.tip); }
    }
}{% endset %}
{%- if this.url %}
var {{ this.get_name() }} = (function (url, limit) {
    var name = {{ this.registry|tojson }};
    var table = window[name] = window[name] || {order: [], layers: {}};
    var layer = table.layers[url];
    if (!layer) {
        layer = L.geoJson(null, {{ options }});
        table.layers[url] = layer;
        table.order.push(url);
        while (table.order.length > limit) { delete table.layers[table.order.shift()]; }
        fetch({{ this.url|tojson }})
            .then(function (response) { return response.json(); })
            .then(function (data) { layer.addData(data); });
    }
    return layer;
})({{ this.url|tojson }}, {{ this.registry_max }}).addTo({{ this._parent.get_name() }});
{%- else %}
var {{ this.get_name() }} = L.geoJson(null, {{ options }}).addTo({{ this._parent.get_name() }});
{{ this.get_name() }}.addData({{ this.data_js }});
{%- endif %}
{% endmacro %}
"""


class ServedGeoJson(MacroElement):  # type: ignore[misc]
    """A GeoJSON layer fetched from ``url`` when the map is drawn, or embedded ``data``
    (JSON text, such as :func:`feature_collection` returns).

    Add it to a FeatureGroup: the layer joins its parent. Polygons and lines take each
    feature's ``style``; points become circle markers with that style, or the marker of
    their ``icon``; a feature's ``tip`` (escaped HTML) is its tooltip.
    """

    # A class attribute, as in folium: a deep-copied jinja Template loses its macros.
    _template = Template(SERVED_GEOJSON_TEMPLATE)

    def __init__(self, *, url: str | None = None, data: str | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if (url is None) == (data is None):
            raise ValueError("give either url or data")
        self._name = "ServedGeoJson"
        self.url = url
        self.registry = LAYER_REGISTRY
        self.registry_max = LAYER_REGISTRY_MAX
        self.data_js = _safe_js(data) if data is not None else None

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        # MacroElement.render wraps the script in an Element, which compiles it as a
        # jinja template: seconds for a layer of a few hundred kilobytes. Raw text
        # needs no compiling.
        script = self._template.module.__dict__["script"]
        root: Any = self.get_root()
        root.script.add_child(_RawScript(script(self, kwargs)), name=self.get_name())


class _RawScript(Element):  # type: ignore[misc]
    """Script text added to a figure as it is (never compiled as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _safe_js(text: str) -> str:
    """JSON text made safe inside a ``<script>`` element (as jinja's ``tojson`` does)."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def feature_collection(
    geoms: Sequence[Any] | np.ndarray,
    styles: Sequence[Mapping[str, Any]],
    tips: Sequence[str],
    *,
    shift: Callable[[Any], Any] = lambda g: g,
    icons: Sequence[Mapping[str, Any] | None] | None = None,
) -> str:
    """A FeatureCollection (JSON text) of ``geoms`` (WGS-84, moved by ``shift`` for the
    basemap), each with its style, tooltip and (for points, optionally) icon;
    coordinates rounded to 1e-6 degrees. Empty geometries are left out.

    Built as text: GEOS writes the geometries' JSON, which is never parsed again here.
    """
    marks = icons if icons is not None else [None] * len(tips)
    features = []
    for geom, style, tip, icon in zip(geoms, styles, tips, marks, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        moved = shapely.transform(shift(geom), lambda c: np.round(c, COORD_DECIMALS))
        props: dict[str, Any] = {"style": dict(style), "tip": tip}
        if icon is not None:
            props["icon"] = dict(icon)
        features.append(
            '{"type":"Feature","geometry":'
            + shapely.to_geojson(moved)
            + ',"properties":'
            + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def publish_geojson(static_dir: Path, doc: str) -> str:
    """Write ``doc`` into ``static_dir/layers`` (once per content) and return its URL."""
    return publish_text(static_dir, doc, suffix=".json")


def publish_text(static_dir: Path, text: str, *, suffix: str) -> str:
    """Write ``text`` into ``static_dir/layers`` (once per content) and return its URL.

    The file is named by the SHA-256 of its bytes, written to a temporary file and renamed,
    so a browser never reads half a file and two sessions may publish at once. A file that
    was pruned is written again by the next call.
    """
    body = text.encode("utf-8")
    name = hashlib.sha256(body).hexdigest()[:32] + suffix
    folder = Path(static_dir) / LAYER_DIRNAME
    path = folder / name
    if not path.exists():
        with _write_lock:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# generated by lifecircle/maps/served_layers.py\n*\n")
            tmp = path.with_name(f"{name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
            _prune(folder, keep=path, suffix=suffix)
    return SERVED_LAYERS_URL + name


def _prune(folder: Path, *, keep: Path, suffix: str) -> None:
    files = sorted(folder.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime)
    for old in files[: max(len(files) - MAX_LAYER_FILES, 0)]:
        if old != keep:
            old.unlink(missing_ok=True)


def simplify_to_budget(
    geoms: Sequence[Any] | np.ndarray,
    *,
    max_coords: int,
    tolerances_deg: Sequence[float] = (
        0.0,
        0.00005,
        0.0001,
        0.0002,
        0.0004,
        0.0008,
        0.0016,
        0.0032,
        0.0064,
    ),
) -> np.ndarray:
    """``geoms`` simplified by the smallest tolerance that brings their coordinates within
    ``max_coords`` (the largest tolerance when none does). Each geometry is simplified on
    its own (linear time, unlike simplifying their union), without preserving topology,
    so that rings smaller than the tolerance vanish: this is for drawing, not measuring."""
    array = np.asarray(geoms, dtype=object)
    out = array
    for tolerance in tolerances_deg:
        out = (
            array if tolerance == 0 else shapely.simplify(array, tolerance, preserve_topology=False)
        )
        if int(shapely.get_num_coordinates(out).sum()) <= max_coords:
            break
    return np.asarray(out, dtype=object)
