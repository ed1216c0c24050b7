"""The standards fields of the taxonomy: levels, essential items, distances, sizes, clauses.

One real tagging example per item (the OSM element it comes from in the bundled extracts,
or a real facility of that name in Shanghai or Beijing where the extracts have none), the
城市体检 park size classes at their exact boundaries, and user files with bad fields.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from geo.errors import TaxonomyError
from geo.standards.fields import ITEM_FIELDS_CHECKED
from geo.standards.taxonomy import Taxonomy, load_taxonomy, parse_taxonomy, retier_by_speed

ITEM_EXAMPLES: dict[str, tuple[dict[str, str], str]] = {
    # item: (tags, where the example comes from)
    "health_centre": (
        {"amenity": "clinic", "name": "陆家嘴社区卫生服务中心"},
        "Shanghai, 浦东新区陆家嘴社区卫生服务中心 (a clinic named as the centre)",
    ),
    "nursing_home": (
        {"amenity": "social_facility", "name": "浦东新区陆家嘴敬老院"},
        "Shanghai, a 敬老院 mapped as a social facility",
    ),
    "culture_centre": (
        {"amenity": "library", "name": "上海市浦东新区陆家嘴图书馆(浦城路)"},
        "Lujiazui way 964254608",
    ),
    "street_office": (
        {"office": "government", "name": "陆家嘴街道办事处"},
        "Shanghai, 浦东新区陆家嘴街道办事处",
    ),
    "middle_school": (
        {"amenity": "school", "name": "华东师范大学附属东昌中学"},
        "Lujiazui way 957008800",
    ),
    "primary_school": ({"amenity": "school", "name": "崂山小学"}, "Lujiazui way 967279347"),
    "food_market": ({"shop": "supermarket", "name": "华联商厦"}, "Wangjing node 3011898463"),
    "sports": (
        {"building": "yes", "leisure": "sports_hall", "name": "一兆韦德健身"},
        "Lujiazui way 1198910508",
    ),
    "park_large": (
        {"leisure": "park", "name": "柳园公园", "area_m2": "14684.2"},
        "Lujiazui way 47280147 (14,684 m²)",
    ),
    "community_service": (
        {"office": "government", "name": "梅园新村街道居民委员会"},
        "Shanghai, a 居委会 mapped as an office",
    ),
    "health_station": (
        {"amenity": "clinic", "name": "东园社区卫生服务站"},
        "Shanghai, 东园社区卫生服务站",
    ),
    "elderly_daycare": (
        {"amenity": "community_centre", "name": "陆家嘴社区长者照护之家"},
        "Shanghai, 长者照护之家 (community day care)",
    ),
    "canteen": (
        {"amenity": "restaurant", "name": "陆家嘴社区长者食堂"},
        "Shanghai, a 长者食堂 mapped as a restaurant",
    ),
    "kindergarten": ({"building": "kindergarten", "name": "卧龙幼儿园"}, "Wangjing way 712409376"),
    "nursery": ({"amenity": "childcare", "name": "宝宝托育中心"}, "amenity=childcare (托育)"),
    "culture_station": (
        {"amenity": "community_centre", "name": "东园一村文化活动站"},
        "Shanghai, a neighbourhood 文化活动站",
    ),
    "small_sports": ({"leisure": "pitch", "area_m2": "2940.0"}, "Lujiazui way 135838059"),
    "fitness_ground": ({"leisure": "playground", "area_m2": "298.8"}, "Lujiazui way 743200394"),
    "park_small": (
        {"landuse": "recreation_ground", "area_m2": "2712.2"},
        "Lujiazui way 520214799 (2,712 m²)",
    ),
    "pocket_green": (
        {"landuse": "recreation_ground", "area_m2": "1895.6"},
        "Lujiazui way 47279972 (1,896 m²)",
    ),
    "transit": ({"highway": "bus_stop"}, "any bus stop"),
    "toilet": ({"amenity": "toilets", "name": "卫生间"}, "Lujiazui way 694630319"),
    "pharmacy": ({"shop": "chemist", "name": "屈臣氏"}, "Wangjing node 4462589594"),
    "convenience": ({"shop": "convenience", "name": "7-Eleven"}, "Wangjing node 5920896681"),
}


def test_every_item_has_a_tagging_example(taxonomy: Taxonomy) -> None:
    assert set(ITEM_EXAMPLES) == set(taxonomy.ids)


@pytest.mark.parametrize("item", list(ITEM_EXAMPLES))
def test_real_tagging_example(taxonomy: Taxonomy, item: str) -> None:
    tags, _where = ITEM_EXAMPLES[item]
    assert taxonomy.classify(tags) == [item]


def test_every_item_carries_level_essential_distance_and_clause(taxonomy: Taxonomy) -> None:
    for c in taxonomy.categories:
        assert c.level in (5, 10, 15), c.id
        assert isinstance(c.essential, bool), c.id
        assert c.distance_m > 0, c.id
        assert "GB 50180" in c.clause or "城市体检" in c.clause, c.id
        assert set(c.unverified) <= set(ITEM_FIELDS_CHECKED), c.id
    # What the issue names, at the level the standards give it.
    levels = {c.id: c.level for c in taxonomy.categories}
    assert levels["health_station"] == 5 and levels["health_centre"] == 15
    assert levels["elderly_daycare"] == 5 and levels["nursing_home"] == 15
    assert levels["culture_station"] == 5 and levels["culture_centre"] == 15
    assert levels["street_office"] == 15
    for item in ("canteen", "small_sports", "fitness_ground", "nursery"):
        assert levels[item] == 5, item


def test_levels_name_their_clause_and_the_unverified_300_m(taxonomy: Taxonomy) -> None:
    assert taxonomy.levels == [5, 10, 15]
    five = taxonomy.level_tier(5)
    assert five.unverified and five.name("zh") == "5分钟生活圈"
    assert not taxonomy.level_tier(15).unverified
    assert "800–1000" in taxonomy.level_tier(15).clause
    # An item at the 5-minute level that takes its level's distance inherits the flag.
    assert taxonomy.get("health_station").is_unverified("distance_m")
    assert not taxonomy.get("park_large").is_unverified("distance_m")


def test_essential_items_per_level(taxonomy: Taxonomy) -> None:
    assert set(taxonomy.essential_ids(15)) == {
        "health_centre",
        "nursing_home",
        "culture_centre",
        "street_office",
        "middle_school",
    }
    assert "park_small" not in taxonomy.essential_ids()
    assert "pharmacy" not in taxonomy.essential_ids(5)


@pytest.mark.parametrize(
    ("area_m2", "expected"),
    [
        ("1999.9", "pocket_green"),
        ("2000.0", "park_small"),
        ("4999.9", "park_small"),
        ("5000.0", "park_large"),
        ("84324.9", "park_large"),  # 陆家嘴绿地, Lujiazui way 40779542
        (None, "pocket_green"),  # a park mapped as a point: size unknown
    ],
)
def test_park_size_classes_after_the_city_checkup_rule(
    taxonomy: Taxonomy, area_m2: str | None, expected: str
) -> None:
    tags = {"leisure": "park"} | ({"area_m2": area_m2} if area_m2 is not None else {})
    assert taxonomy.classify(tags) == [expected]
    assert taxonomy.get("park_large").distance_m == 500
    assert taxonomy.get("park_small").distance_m == 300


def test_area_is_never_asked_of_an_osm_source(taxonomy: Taxonomy) -> None:
    assert "area_m2" not in taxonomy.osm_keys()
    assert "area_m2" not in taxonomy.osm_query_tags()
    wanted = taxonomy.osm_query_tags()["leisure"]
    assert wanted is True or "park" in wanted


def test_retier_by_speed_scales_an_items_own_distance(taxonomy: Taxonomy) -> None:
    slow = retier_by_speed(taxonomy, speed_kmh=3.0)
    five = slow.level_tier(5).distance_m
    assert five == 250.0
    # transit serves 500 m at a 300 m level: the same ratio at the slower walk.
    assert slow.get("transit").distance_m == pytest.approx(500 * 250 / 300, abs=0.1)
    assert slow.get("health_station").distance_m == five
    assert slow.get("park_large").essential


OLD_STYLE = """\
tiers:
  5: {walk_minutes: 5, distance_m: 250}
categories:
  - id: bakery
    name_zh: 面包店
    name_en: Bakery
    tier: 5
    osm:
      - {shop: bakery}
"""


def test_a_file_without_the_standards_fields_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(OLD_STYLE, "utf-8")
    tax = load_taxonomy(path)
    bakery = tax.get("bakery")
    assert bakery.essential and bakery.distance_m == 250 and bakery.level == 5
    assert bakery.clause == "" and bakery.unverified == ()


def _doc(**item_fields: object) -> dict[str, object]:
    doc = yaml.safe_load(OLD_STYLE)
    doc["categories"][0].update(item_fields)
    return dict(doc)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"essential": "yes"}, ("bakery", "essential", "true or false")),
        ({"distance_m": -5}, ("bakery", "distance_m", "positive")),
        ({"distance_m": "far"}, ("bakery", "distance_m", "number")),
        ({"min_area_m2": True}, ("bakery", "min_area_m2")),
        ({"unverified": ["colour"]}, ("bakery", "unverified", "colour", "distance_m")),
        ({"unverified": "level"}, ("bakery", "unverified", "list")),
        ({"clause": 12}, ("bakery", "clause", "text")),
        ({"level": 7}, ("bakery", "tier 7", "levels 5")),
        ({"osm": [{"shop": "bakery", "area_m2": "big"}]}, ("bakery", "area_m2", "compare")),
        ({"osm": [{"shop": "bakery", "area_m2": ">= lots"}]}, ("bakery", "comparison")),
        ({"osm": [{"area_m2": ">=100"}]}, ("bakery", "only area_m2", "OSM tag")),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, dict) else None,
)
def test_bad_standards_fields_are_clear_errors(
    fields: dict[str, object], words: tuple[str, ...]
) -> None:
    with pytest.raises(TaxonomyError) as excinfo:
        parse_taxonomy(_doc(**fields), source="city.yaml")
    for word in words:
        assert word in str(excinfo.value), f"{word!r} not in {excinfo.value}"


def test_levels_key_and_level_field_are_read() -> None:
    doc = yaml.safe_load(OLD_STYLE.replace("tiers:", "levels:").replace("tier: 5", "level: 5"))
    doc["levels"][5]["unverified"] = True
    tax = parse_taxonomy(doc, source="new.yaml")
    assert tax.get("bakery").level == 5 and tax.level_tier(5).unverified


def test_the_rule_index_finds_what_every_rule_finds(taxonomy: Taxonomy) -> None:
    """Oracle: ``classify`` (rules filed by tag) equals testing every rule of every item,
    on the tagging examples, the park size classes and tags no rule knows."""
    cases = [tags for tags, _ in ITEM_EXAMPLES.values()]
    for area in (None, "150", "1999.9", "2000", "4999", "5000", "14684.2"):
        for tags in ({"leisure": "park"}, {"landuse": "recreation_ground"}, {"leisure": "pitch"}):
            cases.append(tags | ({"area_m2": area} if area is not None else {}))
    cases += [{"building": "yes"}, {"name": "东园三村"}, {"amenity": "clinic;pharmacy"}, {}]
    for tags in cases:
        every_rule = [c.id for c in taxonomy.categories if any(r.matches(tags) for r in c.rules)]
        assert taxonomy.classify(tags) == every_rule, tags
