"""The map page's honest completeness line and the report page, with AppTest.

The line names every essential item with no data (checked against the facility counts)
and links to the Data page; the report page shows the same indicator table and ledger
that :func:`geo.checkup.indicators.compute_checkup` computes, and offers the downloads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.access.analysis import analyse
from geo.checkup.indicators import compute_checkup
from geo.checkup.units import units_from_district
from geo.district.model import District
from geo.errors import LifecircleError
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t
from lifecircle.reports.document import indicator_table, ledger_table

REPORT_PAGE = "views/report.py"


def _use_district(at: AppTest, name: str) -> AppTest:
    if name == "lujiazui":
        return at
    at.switch_page("views/data.py").run()
    select = next(s for s in at.selectbox if s.label == t("district", "zh"))
    select.set_value(name).run()
    next(b for b in at.button if b.label == t("use_this", "zh")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("views/map.py").run()
    return at


@pytest.mark.parametrize("name", ["lujiazui", "wangjing"])
def test_map_page_names_the_items_with_no_data(
    app_test: Callable[..., AppTest],
    name: str,
    lujiazui: District,
    wangjing: District,
    taxonomy: Taxonomy,
) -> None:
    at = _use_district(app_test(lang="zh"), name)
    district = lujiazui if name == "lujiazui" else wangjing
    counts = district.facility_counts()
    no_data = [c for c in taxonomy.essential_ids() if counts.get(c, 0) == 0]
    captions = [c.value for c in at.main.caption]
    (line,) = [c for c in captions if t("ck_completeness_levels", "zh") in c]
    for item in no_data:
        assert taxonomy.get(item).name("zh") in line, item
    assert f"{len(no_data)}项必配项目在OSM中无数据" in line
    for level in (5, 10, 15):
        assert t("ck_level_metric", "zh", level=level) in line
    links = list(at.main.get("page_link"))
    assert any(t("ck_import_link", "zh") in str(p.proto) for p in links)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_page_shows_the_indicators_and_the_ledger(
    app_test: Callable[..., AppTest], lang: str, lujiazui: District, taxonomy: Taxonomy
) -> None:
    at = app_test(lang=lang)
    at.switch_page(REPORT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    analysis = analyse(lujiazui, taxonomy)
    expected = compute_checkup(analysis, units_from_district(lujiazui))
    tables = list(at.dataframe)
    assert len(tables) == 3
    # The items table marks what could not be checked against the standard's text.
    items = tables[2].value.set_index(t("ck_col_item", lang))
    station = items.loc[taxonomy.get("health_station").name(lang)]
    assert station[t("ck_col_distance", lang)] == f"300 m ({t('ck_unverified', lang)})"
    park = items.loc[taxonomy.get("park_large").name(lang)]
    assert park[t("ck_col_distance", lang)] == "500 m"
    header, rows = indicator_table(expected, lang)
    shown = tables[0].value
    assert list(shown.columns) == header
    assert shown.astype(str).values.tolist() == rows
    header, rows = ledger_table(expected, lang)
    assert tables[1].value.astype(str).values.tolist() == rows
    labels = [b.proto.label for b in at.get("download_button")]
    assert t("ck_report_download_pdf", lang) in labels
    assert t("ck_report_download_xlsx", lang) in labels


def test_report_page_refuses_a_boundary_file_far_away(tmp_path: Path, lujiazui: District) -> None:
    """A boundary file read through the page's loader: out of the study area is a message."""
    from dashboard import loaders
    from geo.checkup.units import units_in_district

    path = tmp_path / "beijing.geojson"
    gpd.GeoDataFrame(
        {"name": ["望京"]}, geometry=[shapely.box(116.46, 39.99, 116.47, 40.0)], crs=4326
    ).to_file(path, driver="GeoJSON")
    units = loaders.boundary_units.__wrapped__(str(path), "wgs84")  # type: ignore[attr-defined]
    assert len(units) == 1
    with pytest.raises(LifecircleError, match="no unit overlaps"):
        units_in_district(units, lujiazui)
