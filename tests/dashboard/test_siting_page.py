"""The gaps page's site suggestion (AppTest): the question, the answer, the scenario."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.suggest import clicked_lonlat
from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.inputs.china_coords import wgs84_to_gcj02
from geo.scenarios.model import loads_scenario
from geo.siting.candidates import district_candidates, join_candidates
from geo.siting.results import suggest_sites
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def folium_scripts(at: AppTest) -> list[str]:
    return [
        json.loads(e.proto.json_args)["script"]
        for e in at.main.get("component_instance")
        if e.proto.component_name == "streamlit_folium.st_folium"
    ]


def by_label(widgets: Any, label: str) -> Any:
    (found,) = [w for w in widgets if w.label == label]
    return found


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


# English here; the browser test asks in Chinese.
@pytest.mark.parametrize("lang", ["en"])
def test_suggest_sites_on_the_gaps_page(
    app_test: Callable[..., AppTest],
    scenario_dir: Path,
    baseline: Analysis,
    lujiazui: District,
    taxonomy: Taxonomy,
    lang: str,
) -> None:
    at = app_test(lang=lang)
    at.switch_page("views/gaps.py").run()
    assert len(folium_scripts(at)) == 1  # no suggestion map before a question is asked
    assert t("sg_no_result", lang) in [i.value for i in at.info]

    by_label(at.main.selectbox, t("sg_category", lang)).set_value("elderly_daycare")
    by_label(at.number_input, t("sg_k", lang)).set_value(3)
    by_label(at.button, t("sg_run", lang)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    expected = suggest_sites(
        baseline, "elderly_daycare", join_candidates(lujiazui, district_candidates(lujiazui)), k=3
    )
    metrics = {m.label: m.value for m in at.metric}
    assert number(metrics[t("sg_metric_new", lang)]) == round(expected.solution.residents_new)
    assert metrics[t("sg_metric_sites", lang)] == "3"
    assert metrics[t("sg_metric_gap", lang)] == "0.00%"
    sites = at.dataframe[-1].value
    assert len(sites) == 3
    assert sites[t("sg_col_added", lang)].sum() == pytest.approx(
        expected.solution.residents_new, abs=2
    )
    scripts = folium_scripts(at)
    assert len(scripts) == 2
    assert scripts[1].count("lc-site") == 3  # the numbered sites on the second map

    folder = scenario_dir / "lujiazui"  # the district's own folder (geo.userdata)
    before = set(folder.glob("*.geojson"))
    by_label(at.button, t("sg_to_scenario", lang)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # (The district's examples are copied in when its folder is first opened.)
    (path,) = {
        p for p in set(folder.glob("*.geojson")) - before if not p.name.startswith("example-")
    }
    scenario = loads_scenario(path.read_text("utf-8"), taxonomy=taxonomy)
    assert [(i.kind, i.category) for i in scenario.interventions] == [
        ("facility", "elderly_daycare")
    ] * 3
    assert any(path.stem in s.value for s in at.success)


def test_clicked_points_come_back_in_wgs84() -> None:
    assert clicked_lonlat({"last_clicked": {"lat": 31.23, "lng": 121.5}}, gcj02=False) == (
        121.5,
        31.23,
    )
    gx, gy = wgs84_to_gcj02(121.5, 31.23)
    back = clicked_lonlat({"last_clicked": {"lat": float(gy), "lng": float(gx)}}, gcj02=True)
    assert back is not None
    assert back == pytest.approx((121.5, 31.23), abs=1e-6)
    for bad in (None, {}, {"last_clicked": None}, {"last_clicked": {"lat": "x", "lng": 1}}):
        assert clicked_lonlat(bad, gcj02=False) is None
    assert clicked_lonlat({"last_clicked": {"lat": 95.0, "lng": 121.5}}, gcj02=False) is None
