"""A folium map rendered once and shown many times, with layers that change per run.

``st_folium`` renders the whole folium map to Leaflet JavaScript on every script run: on
Lujiazui about a second of Python for each click or edit. A page's map is mostly the same
from run to run (streets, homes, facilities, the draw tool); only a few layers change (the
isochrone of a click, a scenario's features). :func:`render_frame` turns the unchanging
map into the strings the streamlit-folium component receives, once (the callers cache it,
see ``dashboard.loaders``); :func:`show_frame` sends those strings with the changing
layers rendered on their own, so a rerun costs what changed. The component is the same as
``st_folium``'s, with the same arguments, so the browser keeps the map (and its view)
whenever the unchanging part is the same.

With a ``static_dir`` the unchanging script goes into a file of the app's static folder
(named by its content's hash, :func:`lifecircle.maps.served_layers.publish_text`) and the
component receives a one-line loader: a rerun (every click) and every new session then
send a few kilobytes instead of the map (about 1 MB on Lujiazui), and the server no longer
serialises and hashes that megabyte for each of them. The browser loads the file through
the component's ``js_links``, before the loader runs, exactly where the map's own script
would have run.

This uses streamlit-folium's own helpers (``_get_map_string`` and friends) so that the
strings are exactly those ``st_folium`` would send; ``tests/dashboard`` checks them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import folium
import streamlit as st
import streamlit_folium as sf

from lifecircle.maps.served_layers import LAYER_DIRNAME, SERVED_LAYERS_URL, publish_text

FRAME_REGISTRY = "__lifecircle_frames"
"""The browser-side table the published scripts register themselves in."""


@dataclass(frozen=True)
class MapFrame:
    """The unchanging part of a map, as the streamlit-folium component receives it."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    layer_control: str | None
    group_names: tuple[str, ...]
    """The names of the changing layers the layer control lists (in ``show_frame`` order)."""
    defaults: Mapping[str, Any]
    static_dir: Path | None = None
    """Where the published script lives (None: ``script`` is the whole map)."""
    published: str | None = None
    """The file body that registers the whole map script (see :func:`publish_script`)."""


def _links(fmap: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every stylesheet and script the map's elements link (as ``st_folium`` collects them)."""

    def walk(element: Any) -> Any:
        if isinstance(element, folium.elements.JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for element in walk(fmap):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def render_frame(
    fmap: folium.Map,
    *,
    group_names: Sequence[str] = (),
    layer_control: bool = True,
    static_dir: Path | None = None,
) -> MapFrame:
    """Render ``fmap`` once; ``group_names`` name the changing layers, in order.

    With ``layer_control``, the frame carries a layer control that lists the map's own
    layers and the changing ones (rendered here as empty placeholders with the ids
    :func:`show_frame` gives the real ones). The map is consumed: do not reuse it.
    With ``static_dir``, the script is published as a file there (:func:`publish_script`).
    """
    fmap.get_root().render()
    fmap.render()  # type: ignore[no-untyped-call]
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    map_id = sf.get_full_id(fmap)
    css, js = _links(fmap)
    for idx, name in enumerate(group_names):
        sf._get_feature_group_string(folium.FeatureGroup(name=name), map=fmap, idx=idx)
    control = (
        sf._get_layer_control_string(folium.LayerControl(collapsed=False), fmap)
        if layer_control
        else None
    )
    try:
        bounds = fmap.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    (south, west), (north, east) = bounds
    defaults = {
        "last_clicked": None,
        "last_active_drawing": None,
        "all_drawings": None,
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        "zoom": fmap.options.get("zoom"),
        "center": None,
    }
    frame = MapFrame(
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        css_links=css,
        js_links=js,
        layer_control=control,
        group_names=tuple(group_names),
        defaults=defaults,
    )
    return frame if static_dir is None else publish_script(frame, static_dir)


def publish_script(frame: MapFrame, static_dir: Path) -> MapFrame:
    """``frame`` with its script in a file of ``static_dir`` and a loader in its place.

    The file registers the script as a string under its hash; the loader runs it with an
    indirect ``eval`` so that its top-level ``var``s are globals, as when it is inline (the
    layer control and the changing layers refer to them by name).
    """
    name = hashlib.sha256(frame.script.encode("utf-8")).hexdigest()[:32]
    table = f"window.{FRAME_REGISTRY}"
    body = (
        f"{table} = {table} || {{}};\n{table}[{json.dumps(name)}] = {json.dumps(frame.script)};\n"
    )
    loader = f"(0, eval)({table}[{json.dumps(name)}]);\n"
    url = publish_text(static_dir, body, suffix=".js")
    return replace(
        frame,
        script=loader,
        js_links=(*frame.js_links, url),
        static_dir=static_dir,
        published=body,
    )


def shown_script(args: Mapping[str, Any], static_dir: Path) -> str:
    """The whole map script a component given ``args`` runs: its ``script``, or for a
    loader (:func:`publish_script`) the script read back from the published file, checked
    against the hash the loader names."""
    script = str(args.get("script") or "")
    table = f"window.{FRAME_REGISTRY}"
    loader = re.fullmatch(r'\(0, eval\)\(window\.\w+\["([0-9a-f]{32})"\]\);\n', script)
    if loader is None:
        return script
    name = loader.group(1)
    prefix = f"{table}[{json.dumps(name)}] = "
    for url in args.get("js_links") or ():
        if not str(url).startswith(SERVED_LAYERS_URL) or not str(url).endswith(".js"):
            continue
        body = (Path(static_dir) / LAYER_DIRNAME / str(url).rsplit("/", 1)[1]).read_text("utf-8")
        start = body.find(prefix)
        if start < 0:
            continue
        found = str(json.loads(body[start + len(prefix) :].rstrip().rstrip(";")))
        if hashlib.sha256(found.encode("utf-8")).hexdigest()[:32] == name:
            return found
    raise ValueError(f"the published map script {name} is not in {static_dir}")


def groups_script(groups: Sequence[folium.FeatureGroup]) -> str | None:
    """The JavaScript that adds ``groups`` to the shown map (ids ``feature_group_<i>``)."""
    if not groups:
        return None
    # A throwaway map to render into: the groups' code names it ``map_div`` either way.
    scratch = folium.Map(tiles=None)
    return "".join(
        sf._get_feature_group_string(group, map=scratch, idx=idx)
        for idx, group in enumerate(groups)
    )


def show_frame(
    frame: MapFrame,
    *,
    key: str,
    groups: Sequence[folium.FeatureGroup] = (),
    returned_objects: Sequence[str] = ("last_clicked",),
    height: int = 600,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> dict[str, Any]:
    """Show ``frame`` with ``groups`` added; what the map returned (as ``st_folium``).

    The value is also kept in ``st.session_state[key]``, as ``st_folium`` does.
    ``center``/``zoom`` move the shown map without reloading it.
    """
    if frame.static_dir is not None and frame.published is not None:
        # Written again if the static folder was pruned or emptied since (a stat otherwise).
        publish_text(frame.static_dir, frame.published, suffix=".js")
    component_key = sf.generate_js_hash(frame.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(component_key, {})

    wanted = set(returned_objects)
    value = sf._component_func(
        script=frame.script,
        header=frame.header,
        html=frame.html,
        id=frame.map_id,
        key=component_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default={k: v for k, v in frame.defaults.items() if k in wanted},
        zoom=zoom,
        center=center,
        feature_group=groups_script(groups),
        return_on_hover=False,
        layer_control=frame.layer_control,
        pixelated=False,
        css_links=list(frame.css_links),
        js_links=list(frame.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )
    return dict(value or {})
