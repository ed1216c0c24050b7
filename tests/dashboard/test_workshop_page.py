"""The workshop flow of the scenarios page under ``AppTest`` (issue 15, item 3).

Expectations are computed here: shares served are recounted from the homes' population
and their walking distances (``Analysis.home_dist_m``) against each category's distance,
for the baseline and for the scenario applied with ``geo``; labels come from
``lifecircle.i18n.STRINGS``; saved files are read back from the scenario folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.scenarios.apply import apply_scenario
from geo.scenarios.model import Scenario, ScenarioMeta, loads_scenario, parse_intervention
from geo.scenarios.store import ScenarioStore
from geo.standards.taxonomy import Taxonomy
from lifecircle.i18n import t

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "scenarios" / "example-passage-and-garden.geojson"
PAGE = "views/scenarios.py"
CLINIC = "health_centre"
# A point inside Lujiazui's study area, and one 2 km outside it (no street within 30 m).
INLAND = (121.5050, 31.2320)
FAR = (121.5400, 31.2600)


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def share(a: Analysis, category: str) -> float:
    pop = a.homes["population"].to_numpy(dtype=float)
    dist = a.home_dist_m[a.categories.index(category)]
    return float(pop[dist <= a.taxonomy.get(category).distance_m].sum() / pop.sum())


def open_page(app_test: Callable[..., AppTest], lang: str = "en") -> AppTest:
    at = app_test(lang=lang)
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pick(at: AppTest, scenario_id: str) -> AppTest:
    at.selectbox(key="scn_pick").set_value(scenario_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def feature(kind: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"kind": kind, **props}, "geometry": geometry}


def store_in(folder: Path, taxonomy: Taxonomy) -> ScenarioStore:
    """Lujiazui's store: its own folder under the scenario root (``geo.userdata``)."""
    return ScenarioStore(folder / "lujiazui", taxonomy=taxonomy)


def test_headline_shows_every_category_the_example_changes(
    app_test: Callable[..., AppTest], scenario_dir: Path, baseline: Analysis
) -> None:
    (scenario_dir / "lujiazui").mkdir(exist_ok=True)
    shutil.copyfile(EXAMPLE, scenario_dir / "lujiazui" / EXAMPLE.name)
    example = loads_scenario(EXAMPLE.read_text("utf-8"), taxonomy=baseline.taxonomy)
    after = apply_scenario(baseline, example)
    changed = {c for c in baseline.categories if share(after, c) != share(baseline, c)}
    # README: a pocket green, a playground and a pitch.
    assert changed == {"pocket_green", "fitness_ground", "small_sports"}

    at = pick(open_page(app_test), EXAMPLE.stem)  # the sidebar stays on clinics
    shown = metrics(at)

    def label(category: str) -> str:
        return f"{t('metric_served', 'en')} · {baseline.taxonomy.get(category).name('en')}"

    for category in changed:
        assert shown[label(category)] == f"{share(after, category) * 100:.1f}%"
    assert label(CLINIC) not in shown  # unchanged, so not a headline
    pocket = next(m for m in at.metric if m.label == label("pocket_green"))
    assert f"{share(baseline, 'pocket_green') * 100:.1f}%" in str(pocket.delta)  # the before


def test_the_form_defaults_to_the_sidebar_category_and_keeps_the_map(
    app_test: Callable[..., AppTest], scenario_dir: Path, taxonomy: Taxonomy
) -> None:
    created = store_in(scenario_dir, taxonomy).create("form test", district="lujiazui")
    at = pick(open_page(app_test), created.id)
    at.selectbox(key="category").set_value("pharmacy").run()
    (before,) = folium_args(at)

    # What the map reports after the user drew a point.
    lon, lat = INLAND
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    at.session_state[f"scn_map::{created.id}"] = {"last_active_drawing": point}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    category = at.selectbox(key="scn_form_category")
    assert category.label == t("ws_category_point", "en")
    assert category.value == "pharmacy"
    assert not [m for m in at.multiselect if m.key == "scn_form_provides"]

    at.selectbox(key="scn_form_kind").set_value("facility")
    next(b for b in at.button if b.label == t("scn_add", "en")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    working, _ = at.session_state[f"scn_work::{created.id}"]
    (item,) = working.interventions
    assert item.category == "pharmacy"
    (after,) = folium_args(at)
    # The same map, so the browser keeps it and its view; only the layers on top change.
    assert after["key"] == before["key"] and after["script"] == before["script"]
    assert after["returned_objects"] == ["last_active_drawing"]  # a pan reruns nothing
    assert "Service node" in after["feature_group"]  # the new point, as a layer on top
    assert not [s for s in at.selectbox if s.key == "scn_form_kind"]  # added: no form again

    # The working copy is offered in the comparison, labelled as unsaved.
    b = at.selectbox(key="cmp_b")
    assert b.value == "__working__"
    assert t("ws_working", "en", title="form test") in b.options


def test_a_polygon_asks_for_the_categories_it_provides(
    app_test: Callable[..., AppTest], scenario_dir: Path, taxonomy: Taxonomy
) -> None:
    created = store_in(scenario_dir, taxonomy).create("area test", district="lujiazui")
    at = pick(open_page(app_test, "zh"), created.id)
    lon, lat = INLAND
    ring = [[lon, lat], [lon + 0.0005, lat], [lon + 0.0005, lat + 0.0005], [lon, lat]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    at.session_state[f"scn_map::{created.id}"] = {"last_active_drawing": polygon}
    at.run()
    (provides,) = [m for m in at.multiselect if m.key == "scn_form_provides"]
    assert provides.label == t("ws_categories_area", "zh")
    assert provides.value == [CLINIC]
    assert not [s for s in at.selectbox if s.key == "scn_form_category"]


def test_items_that_do_not_apply_are_left_out_with_a_sentence(
    app_test: Callable[..., AppTest], scenario_dir: Path, taxonomy: Taxonomy, baseline: Analysis
) -> None:
    lon, lat = FAR
    doc = {
        "type": "FeatureCollection",
        "id": "river-link-test",
        "metadata": {"title": "river link", "district": "lujiazui"},
        "features": [
            feature(
                "link",
                {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat]]},
                name="Bridge to nowhere",
            ),
            feature(
                "facility",
                {"type": "Point", "coordinates": list(INLAND)},
                name="New clinic",
                category=CLINIC,
            ),
        ],
    }
    (scenario_dir / "lujiazui").mkdir(exist_ok=True)
    (scenario_dir / "lujiazui" / "river-link-test.geojson").write_text(json.dumps(doc), "utf-8")
    at = pick(open_page(app_test), "river-link-test")
    warnings = [w.value for w in at.warning]
    assert t("ws_not_applicable", "en", n=1, names="Bridge to nowhere") in warnings
    # The clinic still counts, as geo counts it alone.
    clinic_only = Scenario(
        id="x",
        meta=ScenarioMeta(),
        interventions=(parse_intervention(doc["features"][1], taxonomy=taxonomy),),
    )
    expected = share(apply_scenario(baseline, clinic_only), CLINIC)
    label = f"{t('metric_served', 'en')} · {taxonomy.get(CLINIC).name('en')}"
    assert metrics(at)[label] == f"{expected * 100:.1f}%"


def test_the_conflict_screen_shows_both_versions_and_saves_the_choice(
    app_test: Callable[..., AppTest], scenario_dir: Path, taxonomy: Taxonomy
) -> None:
    store = store_in(scenario_dir, taxonomy)
    created = store.create("conflict test", district="lujiazui")

    def with_clinic(name: str) -> Scenario:
        point = feature("facility", {"type": "Point", "coordinates": list(INLAND)})
        point["id"] = "clinic-1"
        point["properties"].update(name=name, category=CLINIC)
        item = parse_intervention(point, taxonomy=taxonomy)
        return created.with_intervention(item)

    at = pick(open_page(app_test), created.id)
    # My unsaved edit, while someone else saves the same feature differently.
    at.session_state[f"scn_work::{created.id}"] = (with_clinic("Mine by the park"), 0)
    store.save(with_clinic("Theirs by the school"), base_revision=0)
    at.run()
    next(b for b in at.button if b.label == t("scn_save", "en")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("scn_conflict", "en") in [w.value for w in at.warning]
    text = " ".join(m.value for m in at.markdown)
    assert "Mine by the park" in text and "Theirs by the school" in text

    at.radio(key="pick::clinic-1").set_value("mine")
    next(b for b in at.button if b.label == t("scn_resolve", "en")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = json.loads(store.path_of(created.id).read_text("utf-8"))
    assert saved["metadata"]["revision"] == 2
    assert [f["properties"]["name"] for f in saved["features"]] == ["Mine by the park"]
    assert t("scn_conflict", "en") not in [w.value for w in at.warning]


def folium_args(at: AppTest) -> list[dict[str, Any]]:
    found = []
    for element in at.main.get("component_instance"):
        if element.proto.component_name == "streamlit_folium.st_folium":
            found.append(json.loads(element.proto.json_args))
    return found
