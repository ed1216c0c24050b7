"""The map page's scale path sends what changed: the district-zoom map once, the view's
layers as files (``dashboard.scale_map``), under ``AppTest``.

The scale path is forced on the bundled district (``LIFECIRCLE_LARGE_MAP_NODES=0``). The
map component must keep the same script from the district zoom to a zoomed-in view and
through a click (so the browser keeps its map), the view's layers must travel as files
holding exactly the documents :func:`lifecircle.maps.view_layers.view_documents` builds
(the ones that used to be embedded), and a click must not send them again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import loaders, state
from dashboard.scale_map import overlay_script
from dashboard.sidebar import CONTEXT_KEY
from lifecircle.i18n import t
from lifecircle.maps.basemaps import shift_for
from lifecircle.maps.served_layers import SERVED_LAYERS_URL
from lifecircle.maps.view_layers import view_documents
from lifecircle.maps.viewport import LARGE_NODES_ENV, map_view, select_in_view

CENTRE = {"lat": 31.235, "lng": 121.500}  # middle of Lujiazui's study area
DETAIL_VIEW = {
    "bounds": {
        "_southWest": {"lat": CENTRE["lat"] - 0.004, "lng": CENTRE["lng"] - 0.006},
        "_northEast": {"lat": CENTRE["lat"] + 0.004, "lng": CENTRE["lng"] + 0.006},
    },
    "zoom": 16,
    "last_clicked": None,
}
LAYER_URL = re.compile(re.escape(SERVED_LAYERS_URL) + r"[0-9a-f]{32}\.json")


def map_args(at: AppTest) -> dict[str, Any]:
    (args,) = [
        json.loads(e.proto.json_args)
        for e in at.main.get("component_instance")
        if e.proto.component_name == "streamlit_folium.st_folium"
    ]
    return dict(args)


def layer_urls(script: str) -> list[str]:
    """The layer files a script fetches, in order (each is named twice in its layer)."""
    return list(dict.fromkeys(LAYER_URL.findall(script)))


def served_text(url: str) -> str:
    return (loaders.STATIC_DIR / "layers" / url.rsplit("/", 1)[1]).read_text(encoding="utf-8")


def test_the_scale_path_keeps_its_map_and_serves_the_view_as_files(
    app_test: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LARGE_NODES_ENV, "0")
    st.cache_resource.clear()
    at = app_test(lang="en")
    district = map_args(at)
    assert "eval" in district["script"] and len(district["script"]) < 200  # a loader
    assert "addOverlay" in district["layer_control"]

    # Zoomed in: the same map script, the view's layers by URL, none embedded.
    at.session_state[state.MAP_KEY] = dict(DETAIL_VIEW)
    at.run()
    assert not at.exception
    zoomed = map_args(at)
    assert zoomed["script"] == district["script"]
    groups = zoomed["feature_group"]
    assert '"type":"Feature"' not in groups
    urls = layer_urls(groups)
    assert len(urls) == 5

    # The files hold exactly the documents of the view (what used to be embedded).
    ctx = at.session_state[CONTEXT_KEY]
    a = ctx.analysis
    selection = select_in_view(
        loaders.view_data(ctx.analysis_key, a).index,
        map_view(DETAIL_VIEW),
        loaders.viewport_settings(),
    )
    assert selection.detail and selection.count("streets") > 0
    docs = view_documents(
        a,
        loaders.view_data(ctx.analysis_key, a),
        selection,
        category=ctx.category,
        colour_by=ctx.colour_by,
        speed_kmh=ctx.speed_kmh,
        lang="en",
        shift=shift_for(ctx.basemap),
        within_m=ctx.tier_m,
    )
    assert [served_text(url) for url in urls] == [doc for _, doc in docs]
    for name, _ in docs:
        assert json.dumps(name) in zoomed["layer_control"]

    # A click in the view: the same map and the same layer files, plus the isochrone.
    at.session_state[state.MAP_KEY] = {**DETAIL_VIEW, "last_clicked": dict(CENTRE)}
    at.run()
    assert not at.exception
    clicked = map_args(at)
    assert clicked["script"] == district["script"]
    assert layer_urls(clicked["feature_group"]) == urls
    assert "#3f007d" in clicked["feature_group"]  # the isochrone's colour
    assert t("reach_title", "en") in [s.value for s in at.subheader]
    assert json.dumps(t("layer_isochrone", "en")) in clicked["layer_control"]


def test_overlay_names_are_listed_in_order_and_cannot_close_the_script() -> None:
    script = overlay_script(("街道", "</script><b>x</b>"))
    lines = script.splitlines()
    add = "window.layer_control.addOverlay("
    assert lines[0] == add + 'feature_group_feature_group_0, "\\u8857\\u9053");'
    assert lines[1].startswith("window.layer_control.addOverlay(feature_group_feature_group_1, ")
    assert "</" not in script and "<b>" not in script
    assert json.loads(lines[1].split(", ", 1)[1].rstrip(");")) == "</script><b>x</b>"
