"""The areas' choropleth in the map's own legend, and in both exported maps.

Oracles: each legend swatch's label names a bin whose middle :func:`area_colour` paints in
that swatch's colour; a hostile measure or area name appears only escaped.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest

from geo.access.analysis import Analysis, analyse
from geo.areas.boundaries import read_area_file
from geo.areas.sources import example_area_file
from geo.district.model import District
from geo.standards.taxonomy import Taxonomy
from lifecircle import maps
from lifecircle.i18n import t
from lifecircle.maps.area_layers import NO_DATA_COLOUR, area_colour, area_layer, area_legend_html
from lifecircle.maps.export import district_map_html, overview_map_html
from lifecircle.maps.overview import compute_overview, overview_documents

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
SWATCH = re.compile(r"background:(#[0-9a-f]{6});[^>]*></span>([^<]*)</div>")


@pytest.fixture(scope="module")
def analysis(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


@pytest.fixture(scope="module")
def hostile_areas() -> gpd.GeoDataFrame:
    example = example_area_file("lujiazui")
    assert example is not None
    frame = read_area_file(example).frame.assign(residents=100.0)
    frame.loc[0, "name"] = HOSTILE
    return frame


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_legend_section_names_each_bin_in_its_colour(lang: str) -> None:
    html = area_legend_html(HOSTILE, lang=lang)
    assert HOSTILE not in html and ESCAPED in html
    assert t("ar_legend", lang) in html
    swatches = SWATCH.findall(html)
    assert swatches[-1] == (NO_DATA_COLOUR, t("ar_no_data", lang))
    bins = swatches[:-1]
    assert len(bins) == 5
    for colour, label in bins:
        low, high = (int(x) for x in re.findall(r"\d+", label))
        assert area_colour((low + high) / 200) == colour, label
    assert [re.findall(r"\d+", label)[0] for _, label in bins] == ["0", "20", "40", "60", "80"]


def test_both_exports_carry_the_areas_and_their_legend(
    analysis: Analysis, lujiazui: District, hostile_areas: gpd.GeoDataFrame
) -> None:
    def group() -> object:
        shares = [0.1 * i for i in range(len(hostile_areas))]
        return area_layer(hostile_areas, shares, measure="x", lang="en", shift=lambda g: g)

    legend = area_legend_html(t("ar_measure_complete", "en"), lang="en")
    layers = maps.compute_map_layers(analysis, "health_centre")
    small = district_map_html(
        analysis,
        layers,
        category="health_centre",
        lang="en",
        speed_kmh=4.5,
        extra_groups=[group()],  # type: ignore[list-item]
        extra_legends=[legend],
    )
    overview = compute_overview(analysis, category="health_centre")
    docs = overview_documents(analysis, overview, lang="en", basemap=maps.EXPORT_BASEMAP)
    large = overview_map_html(
        analysis,
        overview,
        documents=docs,
        lang="en",
        extra_groups=[group()],  # type: ignore[list-item]
        extra_legends=[legend],
    )
    for html in (small, large):
        assert legend in html  # in the one legend box
        assert html.count('class="lifecircle-legend"') == 1
        assert f'"{t("ar_title", "en")}" :' in html  # listed in the layer control
        assert HOSTILE not in html and ESCAPED in html
    without = overview_map_html(analysis, overview, documents=docs, lang="en")
    assert t("ar_title", "en") not in without and t("ar_legend", "en") not in without
