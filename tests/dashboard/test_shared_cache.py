"""The map page's expensive work is done once per server and shared by every session."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import folium
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import frames
from dashboard.map_frame import MapFrame
from dashboard.sidebar import CONTEXT_KEY
from tests.dashboard.test_app import folium_args


def test_two_sessions_share_one_analysis_and_one_rendered_map(
    app_test: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    frames.map_frame.clear()
    renders: list[MapFrame] = []
    render = frames.render_frame

    def counted(fmap: folium.Map, **kwargs: Any) -> MapFrame:
        renders.append(render(fmap, **kwargs))
        return renders[-1]

    monkeypatch.setattr(frames, "render_frame", counted)
    first, second = app_test(lang="en"), app_test(lang="en")
    assert len(renders) == 1  # the second session found the first one's map
    (a,), (b,) = folium_args(first), folium_args(second)
    # Both run the script the one render published (folium_args reads it through its loader).
    assert a["script"] == b["script"]
    assert renders[0].published is not None
    assert json.dumps(a["script"]) in renders[0].published
    assert a["key"] == b["key"]
    # The analysis behind both: the very same object, not an equal copy.
    ctx_a, ctx_b = first.session_state[CONTEXT_KEY], second.session_state[CONTEXT_KEY]
    assert ctx_a.analysis is ctx_b.analysis
    # A click is the session's own: the other session's map is untouched.
    first.session_state["main_map"] = {"last_clicked": {"lat": 31.2366, "lng": 121.5055}}
    first.run()
    assert len(renders) == 1
    assert "L.geoJson(" in (folium_args(first)[0]["feature_group"] or "")
    assert "L.geoJson(" not in (folium_args(second)[0]["feature_group"] or "")


def test_concurrent_first_requests_wait_for_one_build() -> None:
    frames.rendered_map.clear()
    started = threading.Event()
    release = threading.Event()
    builds: list[int] = []

    def build() -> folium.Map:
        builds.append(1)
        started.set()
        release.wait(timeout=30)
        return folium.Map(location=(31.2, 121.5), tiles=None)

    results: list[MapFrame] = []

    def request() -> None:
        results.append(frames.rendered_map("concurrent-test", ("Isochrone",), True, build))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    assert started.wait(timeout=30)
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(builds) == 1
    assert len(results) == 6
    assert all(r is results[0] for r in results)
    frames.rendered_map.clear()
