"""The workshop flow's pure functions (``dashboard.workshop``, ``dashboard.map_frame``).

Oracles: the changed categories are recounted from the homes' distances; an imported
file must read back equal to what the store writes for the same scenario; what applies is
checked item by item with ``geo.scenarios.apply.apply_scenario`` on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.workshop import (
    applicable_part,
    changed_categories,
    drawing_signature,
    headline_categories,
    read_scenario_upload,
)
from geo.access.analysis import Analysis, analyse
from geo.district.model import District
from geo.errors import LifecircleError
from geo.scenarios.apply import apply_scenario
from geo.scenarios.model import Scenario, ScenarioError, ScenarioMeta, parse_scenario
from geo.scenarios.store import ScenarioStore
from geo.standards.taxonomy import Taxonomy

INLAND = (121.5050, 31.2320)
FAR = (121.5400, 31.2600)  # 2 km outside Lujiazui: no street within 30 m


def doc_of(*features: dict[str, object], title: str = "Imported") -> dict[str, object]:
    return {"type": "FeatureCollection", "metadata": {"title": title}, "features": list(features)}


def clinic(lon: float, lat: float, name: str = "clinic") -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"kind": "facility", "category": "health_centre", "name": name},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def link(lon: float, lat: float, name: str = "link") -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"kind": "link", "name": name},
        "geometry": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.001, lat]]},
    }


# ---------------------------------------------------------------------------- headline


def test_changed_categories_are_those_that_moved_biggest_first() -> None:
    table = pd.DataFrame(
        {
            "delta": [0.0, 120.0, -40.0, 0.0],
            "share_before": [0.5, 0.2, 0.4, 0.3],
            "share_after": [0.5, 0.26, 0.38, 0.3],
            "homes_newly_served": [0, 3, 0, 0],
        },
        index=["a", "b", "c", "d"],
    )
    assert changed_categories(table) == ["b", "c"]
    assert headline_categories(table, "a") == ["b", "c"]
    unchanged = table.assign(delta=0.0, share_after=table["share_before"], homes_newly_served=0)
    assert headline_categories(unchanged, "d") == ["d"]


# ------------------------------------------------------------------------------ import


def test_an_imported_file_reads_as_the_store_reads_it(taxonomy: Taxonomy, tmp_path: Path) -> None:
    doc = doc_of(clinic(*INLAND, name="社区卫生服务站"), title="导入的情景")
    store = ScenarioStore(tmp_path, taxonomy=taxonomy)
    (tmp_path / "from-store.geojson").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    expected = store.load("from-store")
    for data in (
        json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        json.dumps(doc, ensure_ascii=False).encode("utf-8-sig"),  # Excel's BOM
    ):
        got = read_scenario_upload(data, taxonomy=taxonomy, name="upload.geojson")
        assert got.meta.title == "导入的情景"
        assert [i.signature() for i in got.interventions] == [
            i.signature() for i in expected.interventions
        ]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (
            json.dumps(doc_of(clinic(*INLAND, name="卫生站")), ensure_ascii=False).encode("gbk"),
            "UTF-8",
        ),
        (b"{not json", "not valid JSON"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
        (
            json.dumps(
                doc_of(
                    {
                        "type": "Feature",
                        "properties": {"kind": "facility", "category": "no-such"},
                        "geometry": {"type": "Point", "coordinates": list(INLAND)},
                    }
                )
            ).encode(),
            "no-such",
        ),
    ],
)
def test_a_bad_file_is_refused_with_a_reason(data: bytes, says: str, taxonomy: Taxonomy) -> None:
    if says == "UTF-8":
        # GBK bytes of a Chinese name are not UTF-8 (the oracle: Python's own decoder).
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    with pytest.raises(ScenarioError, match=says):
        read_scenario_upload(data, taxonomy=taxonomy, name="upload.geojson")


# ------------------------------------------------------------------------ what applies


@pytest.fixture(scope="module")
def baseline(lujiazui: District, taxonomy: Taxonomy) -> Analysis:
    return analyse(lujiazui, taxonomy)


def test_only_the_items_that_apply_are_kept(baseline: Analysis, taxonomy: Taxonomy) -> None:
    scenario = parse_scenario(
        doc_of(link(*FAR, name="nowhere"), clinic(*INLAND, name="kept")), taxonomy=taxonomy
    )
    # Item by item, independently: the link alone is refused, the clinic alone applies.
    with pytest.raises(LifecircleError):
        apply_scenario(baseline, Scenario("x", ScenarioMeta(), scenario.interventions[:1]))
    apply_scenario(baseline, Scenario("x", ScenarioMeta(), scenario.interventions[1:]))

    part = applicable_part(scenario, lambda s: apply_scenario(baseline, s))
    assert [i.name for i in part.scenario.interventions] == ["kept"]
    assert [(item.name, "joins nothing" in why) for item, why in part.left_out] == [
        ("nowhere", True)
    ]
    whole = applicable_part(
        parse_scenario(doc_of(clinic(*INLAND)), taxonomy=taxonomy),
        lambda s: apply_scenario(baseline, s),
    )
    assert whole.left_out == () and len(whole.scenario.interventions) == 1


# ----------------------------------------------------------------------------- drawings


def test_a_drawing_is_known_by_its_geometry() -> None:
    point = {"type": "Point", "coordinates": [121.5, 31.2]}
    assert drawing_signature({"type": "Feature", "geometry": point}) == drawing_signature(point)
    assert drawing_signature(None) is None
    assert drawing_signature(point) != drawing_signature(
        {"type": "Point", "coordinates": [121.5, 31.3]}
    )
