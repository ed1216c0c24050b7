"""A served GeoJSON layer evaluated again reuses the layer the browser built.

The map component evaluates the added groups' script on every rerun that changes them (a
click adds its isochrone); the view's layers come by URL. The script of one served layer
is run twice in Node (Playwright's own, no browser) against a stand-in for Leaflet that
counts what is built and fetched: the second run must build and fetch nothing, and add
the same layer. An embedded layer is built each time, as before.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import folium
import playwright

from lifecircle.maps.served_layers import LAYER_REGISTRY, LAYER_REGISTRY_MAX, ServedGeoJson
from lifecircle.maps.view_layers import groups_of

NODE = Path(playwright.__file__).parent / "driver" / ("node.exe" if os.name == "nt" else "node")

# A stand-in for the browser: Leaflet's geoJson and fetch, counted.
HARNESS = """
const made = []; let fetched = 0;
globalThis.window = globalThis;
globalThis.L = {geoJson: (data, options) => {
    const layer = {id: made.length, parents: [], data: [],
        addTo(parent) { this.parents.push(parent); return this; },
        addData(d) { this.data.push(d); }};
    made.push(layer); return layer; }};
globalThis.fetch = (url) => { fetched += 1;
    return Promise.resolve({json: () => Promise.resolve({url})}); };
const parent_a = {name: "a"}, parent_b = {name: "b"};
"""


def layer_script(layer: ServedGeoJson, parent: str) -> str:
    """The layer's script, added to a group named ``parent``."""
    group = folium.FeatureGroup(name="g")
    layer.add_to(group)
    group.add_to(folium.Map(tiles=None))
    layer.render()
    text = str(layer.get_root().script.render())
    return text.replace(group.get_name(), parent)


def run_node(body: str) -> dict[str, object]:
    out = subprocess.run(
        [str(NODE), "-e", HARNESS + body],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_served_layer_is_built_and_fetched_once_and_reused() -> None:
    url = "/app/static/layers/" + "a" * 32 + ".json"
    first = layer_script(ServedGeoJson(url=url), "parent_a")
    again = layer_script(ServedGeoJson(url=url), "parent_b")  # the next rerun's script
    result = run_node(
        first
        + again
        + f"""
        setTimeout(() => console.log(JSON.stringify({{
            made: made.length, fetched,
            parents: made[0].parents.map((p) => p.name),
            data: made[0].data.length,
            cached: Object.keys(window[{json.dumps(LAYER_REGISTRY)}].layers),
        }})), 10);
        """
    )
    assert result == {
        "made": 1,
        "fetched": 1,
        "parents": ["a", "b"],
        "data": 1,
        "cached": [url],
    }


def test_the_browser_keeps_a_bounded_number_of_layers() -> None:
    scripts = "".join(
        layer_script(ServedGeoJson(url=f"/app/static/layers/{i:032x}.json"), "parent_a")
        for i in range(LAYER_REGISTRY_MAX + 3)
    )
    result = run_node(
        scripts
        + f"""
        const table = window[{json.dumps(LAYER_REGISTRY)}];
        console.log(JSON.stringify({{
            made: made.length, kept: Object.keys(table.layers).length, first: table.order[0]}}));
        """
    )
    assert result["made"] == LAYER_REGISTRY_MAX + 3
    assert result["kept"] == LAYER_REGISTRY_MAX
    assert result["first"] == f"/app/static/layers/{3:032x}.json"  # the oldest went first


def test_an_embedded_layer_is_built_each_time() -> None:
    doc = '{"type":"FeatureCollection","features":[]}'
    script = layer_script(ServedGeoJson(data=doc), "parent_a")
    assert LAYER_REGISTRY not in script
    result = run_node(
        script + script + "console.log(JSON.stringify({made: made.length, fetched}));"
    )
    assert result == {"made": 2, "fetched": 0}


def test_served_groups_name_their_files() -> None:
    urls = [("Streets", "/app/static/layers/" + "b" * 32 + ".json")]
    (group,) = groups_of(urls, served=True)
    folium.Map(tiles=None).add_child(group)
    html = str(group.get_root().render())
    assert group.layer_name == "Streets"
    assert f'fetch("{urls[0][1]}")' in html
