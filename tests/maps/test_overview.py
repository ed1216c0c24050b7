"""The district-zoom map of the scale path: its layers as served files, within budget.

The summary document is parsed back and its tooltips' numbers compared with the coverage
table; the served files are read from disk as a browser would get them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from lifecircle.maps.overview import (
    OVERVIEW_LAYERS,
    Overview,
    build_overview_map,
    compute_overview,
    overview_documents,
)
from lifecircle.maps.served_layers import (
    SERVED_LAYERS_URL,
    ServedGeoJson,
    feature_collection,
    publish_geojson,
    simplify_to_budget,
)
from lifecircle.maps.viewport import ViewportSettings


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def overview(analysis: Analysis) -> Overview:
    return compute_overview(analysis, category="health_centre")


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_summary_document_adds_up_to_the_coverage_table(
    analysis: Analysis, overview: Overview
) -> None:
    docs = overview_documents(analysis, overview, lang="en", basemap="osm")
    assert list(docs) == list(OVERVIEW_LAYERS)
    summary = json.loads(docs["summary"])["features"]
    assert len(summary) == len(overview.summary)
    served = residents = 0.0
    for feature in summary:
        tip = feature["properties"]["tip"]
        found = re.search(r"([\d,]+) homes, ([\d,]+) residents<br>served ([\d,]+)", tip)
        assert found, tip
        residents += number(found.group(2))
        served += number(found.group(3))
        assert shape(feature["geometry"]).geom_type == "Polygon"
    cov = analysis.coverage.by_category.loc["health_centre"]
    # Each tooltip rounds to whole residents: the sums agree within half a person each.
    assert residents == pytest.approx(analysis.coverage.residents_total, abs=0.5 * len(summary))
    assert served == pytest.approx(cov["served"], abs=0.5 * len(summary))
    sites = json.loads(docs["sites"])["features"]
    assert len(sites) == int((analysis.facilities["category"] == "health_centre").sum())


def test_the_overview_stays_within_its_budget(analysis: Analysis) -> None:
    tight = ViewportSettings(overview_max_vertices=8_000)
    small = compute_overview(analysis, category="park_large", settings=tight)
    coords = sum(int(shapely.get_num_coordinates(g)) for _, g in small.service_areas)
    assert coords <= tight.overview_max_vertices // 2
    land = int(shapely.get_num_coordinates(small.land_use.geometry.to_numpy()).sum())
    assert land <= tight.overview_max_vertices // 4
    # Simplified, the 15-minute area still covers about the same ground.
    full = compute_overview(analysis, category="park_large")
    a, b = small.service_areas[-1][1], full.service_areas[-1][1]
    assert shapely.area(shapely.symmetric_difference(a, b)) < 0.1 * shapely.area(b)


def test_simplify_to_budget_takes_the_smallest_tolerance_that_fits() -> None:
    circle = shapely.Point(121.5, 31.2).buffer(0.01, quad_segs=256)  # 1,025 coordinates
    (same,) = simplify_to_budget([circle], max_coords=2_000)
    assert same.equals(circle)
    (fewer,) = simplify_to_budget([circle], max_coords=200)
    assert shapely.get_num_coordinates(fewer) <= 200
    assert fewer.area == pytest.approx(circle.area, rel=0.01)


def test_a_layer_file_is_written_once_and_named_by_its_content(tmp_path: Path) -> None:
    doc = feature_collection(
        [shapely.Point(121.5, 31.2)], [{"color": "#000"}], ["<b>a &amp; b</b>"]
    )
    url = publish_geojson(tmp_path, doc)
    assert url.startswith(SERVED_LAYERS_URL) and url.endswith(".json")
    path = tmp_path / "layers" / url.removeprefix(SERVED_LAYERS_URL)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(doc)
    stamp = path.stat().st_mtime_ns
    assert publish_geojson(tmp_path, doc) == url
    assert path.stat().st_mtime_ns == stamp  # not rewritten
    other = feature_collection([shapely.Point(121.6, 31.2)], [{}], [""])
    assert publish_geojson(tmp_path, other) != url
    assert (tmp_path / "layers" / ".gitignore").read_text().strip().endswith("*")
    assert not list((tmp_path / "layers").glob("*.tmp"))


def test_embedded_text_cannot_close_the_script(tmp_path: Path) -> None:
    doc = feature_collection([shapely.Point(121.5, 31.2)], [{}], ["</script><script>alert(1)"])
    m = folium.Map()
    fg = folium.FeatureGroup(name="x").add_to(m)
    ServedGeoJson(data=doc).add_to(fg)
    html = m.get_root().render()
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html
    with pytest.raises(ValueError):
        ServedGeoJson()
    with pytest.raises(ValueError):
        ServedGeoJson(url="/a.json", data=doc)


def layer_script(m: folium.Map) -> str:
    return str(m.get_root().render())


def test_the_map_names_its_layers_and_fetches_them(analysis: Analysis, overview: Overview) -> None:
    urls = {layer: f"/app/static/layers/{layer}.json" for layer in OVERVIEW_LAYERS}
    for lang in ("zh", "en"):
        m = build_overview_map(analysis, overview, urls=urls, lang=lang, basemap="osm")
        folium.LayerControl().add_to(m)
        html = layer_script(m)
        for url in urls.values():
            assert f'fetch("{url}")' in html
        for key in ("layer_summary", "layer_service_areas"):
            assert json.dumps(t(key, lang))[1:-1] in html or t(key, lang) in html
        assert len(html) < 60_000  # the data is in the files, not in the page
        assert t("summary_legend", lang) in html
    docs = overview_documents(analysis, overview, lang="en", basemap="osm")
    embedded = layer_script(
        build_overview_map(analysis, overview, documents=docs, lang="en", basemap="osm")
    )
    assert "fetch(" not in embedded
    assert len(embedded) > sum(len(d) for d in docs.values()) * 0.9


def test_over_a_gcj02_basemap_the_layers_are_shifted(
    analysis: Analysis, overview: Overview
) -> None:
    wgs = json.loads(overview_documents(analysis, overview, lang="en", basemap="osm")["sites"])
    gcj = json.loads(overview_documents(analysis, overview, lang="en", basemap="gaode")["sites"])
    a: Any = np.array([f["geometry"]["coordinates"] for f in wgs["features"]])
    b: Any = np.array([f["geometry"]["coordinates"] for f in gcj["features"]])
    shift_deg = np.abs(b - a).max(axis=0)
    assert 0.001 < shift_deg[0] < 0.01 and 0.001 < shift_deg[1] < 0.01  # ~ 500 m in Shanghai
