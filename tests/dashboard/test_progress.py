"""Progress of long work in the dashboard, and its scale path, under ``AppTest``.

The bar is fed by the ``geo.progress`` callbacks of the cached loaders: a run that loads
and analyses draws it with the stage names (compared with ``lifecircle.i18n.STRINGS``);
a run served from the caches draws none. The scale path is forced by its environment
variable on the bundled district, so its map must then fetch the district-zoom layers as
files instead of embedding every street.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.loaders import STATIC_DIR
from dashboard.map_frame import shown_script
from lifecircle.i18n import STRINGS
from lifecircle.maps.served_layers import SERVED_LAYERS_URL
from lifecircle.maps.viewport import LARGE_NODES_ENV

DASHBOARD_STATIC = Path(__file__).resolve().parents[2] / "dashboard" / "static"


def progress_bars(at: AppTest) -> list[Any]:
    """The protos of the progress bars on the page (AppTest has no typed accessor)."""
    return [e.proto for e in at.get("progress")]


def fill(template: str) -> str:
    """The text of a string before its first placeholder."""
    return template.split("{", 1)[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_loading_shows_its_stages_and_a_cache_hit_shows_none(
    app_test: Callable[..., AppTest], lang: str
) -> None:
    st.cache_resource.clear()  # the district and its analysis are worked out in this run
    at = app_test(lang=lang)

    (bar,) = progress_bars(at)
    assert bar.value == 100  # left full once done
    text = bar.text
    assert text.startswith(fill(STRINGS["stage_ready"][lang]))
    assert STRINGS["stage_district"][lang] in text
    assert STRINGS["stage_analysis"][lang] in text

    at.run()  # same widgets: every loader is a cache hit, no work, no bar
    assert not at.exception
    assert progress_bars(at) == []


def map_script_bytes(at: AppTest) -> tuple[int, str]:
    """The size of what the map component sends, and its script."""
    (args,) = [
        json.loads(e.proto.json_args)
        for e in at.main.get("component_instance")
        if e.proto.component_name == "streamlit_folium.st_folium"
    ]
    args["script"] = shown_script(args, STATIC_DIR)  # the map, however it travels
    return len(json.dumps(args)), str(args["script"])


def test_the_forced_scale_path_fetches_layers_and_reports_preparing_them(
    app_test: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    small_bytes, small_script = map_script_bytes(app_test(lang="en"))
    assert SERVED_LAYERS_URL not in small_script

    monkeypatch.setenv(LARGE_NODES_ENV, "0")
    st.cache_resource.clear()
    at = app_test(lang="en")

    texts = [bar.text for bar in progress_bars(at)]
    assert any(STRINGS["stage_layers"]["en"] in text for text in texts), texts
    assert STRINGS["view_overview"]["en"] in [c.value for c in at.caption]
    large_bytes, script = map_script_bytes(at)
    urls = re.findall(re.escape(SERVED_LAYERS_URL) + r"[0-9a-f]+\.json", script)
    assert urls  # the district-zoom layers are fetched, not embedded
    for url in urls:
        served = DASHBOARD_STATIC / "layers" / url.rsplit("/", 1)[1]
        assert json.loads(served.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    # Without streets, homes and doorstep circles in the script, far less is sent.
    assert large_bytes < small_bytes / 2, (large_bytes, small_bytes)
