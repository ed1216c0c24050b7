"""Tests for the facility taxonomy: the bundled file, classification, user files, errors."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from geo.errors import LifecircleError, TaxonomyError
from geo.standards.taxonomy import (
    DEFAULT_ICON,
    DEFAULT_TAXONOMY_PATH,
    Taxonomy,
    category_table,
    load_taxonomy,
)

REQUIRED = {
    # id: (service distance in metres, a word of the Chinese name, a word of the English name)
    # The items of GB 50180-2018 App. B, TD/T 1062-2021 and 完整居住社区 (see taxonomy.yaml).
    "health_centre": (1000, "卫生服务中心", "health centre"),
    "nursing_home": (1000, "养老院", "Nursing"),
    "culture_centre": (1000, "文化活动中心", "Cultural"),
    "street_office": (1000, "街道办事处", "Street office"),
    "middle_school": (1000, "初中", "Middle"),
    "primary_school": (500, "小学", "Primary"),
    "food_market": (500, "菜市场", "market"),
    "sports": (500, "运动场地", "Sports"),
    "park_large": (500, "公园", "Park"),
    "community_service": (300, "居委会", "Community"),
    "health_station": (300, "卫生服务站", "health station"),
    "elderly_daycare": (300, "日间照料", "Elderly"),
    "canteen": (300, "助餐", "canteen"),
    "kindergarten": (300, "幼儿园", "Kindergarten"),
    "nursery": (300, "托育", "nursery"),
    "culture_station": (300, "文化活动站", "Cultural"),
    "small_sports": (300, "小型多功能运动场地", "sports"),
    "fitness_ground": (300, "室外综合健身场地", "fitness"),
    "park_small": (300, "公园", "Park"),
    "pocket_green": (300, "小微绿地", "Pocket"),
    "transit": (500, "公交", "transport"),
    "toilet": (300, "厕所", "toilet"),
    "pharmacy": (300, "药店", "Pharmacy"),
    "convenience": (300, "便利店", "Convenience"),
}


# --- the bundled taxonomy --------------------------------------------------------------------
def test_bundled_taxonomy_has_the_required_categories(taxonomy: Taxonomy) -> None:
    assert set(REQUIRED) <= set(taxonomy.ids)
    assert len(taxonomy.ids) == len(set(taxonomy.ids))
    for category_id, (distance_m, zh_word, en_word) in REQUIRED.items():
        category = taxonomy.get(category_id)
        assert category.distance_m == distance_m, category_id
        assert zh_word in category.name_zh
        assert en_word in category.name_en


def test_every_category_is_complete(taxonomy: Taxonomy) -> None:
    for category in taxonomy.categories:
        assert re.search(r"[\u4e00-\u9fff]", category.name("zh")), category.id
        assert category.name("en").isascii() and category.name("en").strip(), category.id
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", category.colour), category.id
        assert category.tier in taxonomy.tiers.values()
        assert category.rules, f"{category.id} has no OSM rules"
    colours = [c.colour.lower() for c in taxonomy.categories]
    assert len(set(colours)) == len(colours)  # a map legend needs distinct colours


def test_bundled_tiers(taxonomy: Taxonomy) -> None:
    tiers = {minutes: (t.walk_minutes, t.distance_m) for minutes, t in taxonomy.tiers.items()}
    assert tiers == {5: (5, 300.0), 10: (10, 500.0), 15: (15, 1000.0)}
    assert taxonomy.limit_m == 1000


def test_category_table_rows(taxonomy: Taxonomy) -> None:
    rows = {r["id"]: r for r in category_table(taxonomy)}
    assert list(rows) == taxonomy.ids
    assert {r["tier_minutes"] for r in rows.values()} == {5, 10, 15}
    assert rows["primary_school"]["name_zh"] == "小学"
    assert rows["primary_school"]["tier_m"] == 500
    assert rows["toilet"]["colour"] == taxonomy.get("toilet").colour


def test_bundled_digest_is_the_file_sha256(taxonomy: Taxonomy) -> None:
    assert taxonomy.digest == hashlib.sha256(DEFAULT_TAXONOMY_PATH.read_bytes()).hexdigest()


# --- classification --------------------------------------------------------------------------
CLASSIFY_CASES = [
    ({"amenity": "school", "name": "崂山小学"}, ["primary_school"]),
    ({"amenity": "school", "name": "金陵中学"}, ["middle_school"]),
    ({"amenity": "school", "name": "上海市建平实验中学"}, ["middle_school"]),
    ({"amenity": "school", "name": "浦东新区九年一贯制学校"}, ["primary_school", "middle_school"]),
    ({"amenity": "school"}, ["primary_school"]),  # unnamed: the commonest kind
    ({"amenity": "school", "name": "上海市洋泾菊园实验学校"}, ["primary_school"]),
    ({"amenity": "school", "name": "东园幼儿园"}, ["kindergarten"]),
    ({"amenity": "school", "name": "阳光托儿所"}, ["nursery"]),
    ({"amenity": "school", "name": "复旦大学"}, []),
    ({"amenity": "school", "name": "上海市第二职业学校"}, []),
    (
        {"amenity": "school", "name": "Yew Chung International School", "school": "primary"},
        ["primary_school"],
    ),
    ({"amenity": "school", "isced:level": "1;2"}, ["primary_school", "middle_school"]),
    ({"amenity": "kindergarten", "name": "东昌幼儿园"}, ["kindergarten"]),
    ({"amenity": "nursing_home"}, ["nursing_home"]),
    (
        {"amenity": "community_centre", "name": "陆家嘴社区长者照护之家"},
        ["elderly_daycare"],
    ),
    ({"amenity": "social_facility", "social_facility:for": "senior"}, ["elderly_daycare"]),
    ({"amenity": "clinic"}, ["health_station"]),
    ({"amenity": "hospital", "name": "东方医院"}, ["health_centre"]),
    ({"amenity": "clinic;pharmacy"}, ["health_station", "pharmacy"]),
    ({"shop": "chemist"}, ["pharmacy"]),
    ({"shop": "supermarket"}, ["food_market"]),
    ({"amenity": "marketplace", "name": "菜市场"}, ["food_market"]),
    ({"shop": "convenience", "name": "7-Eleven"}, ["convenience"]),
    ({"leisure": "park"}, ["pocket_green"]),  # a point: size unknown
    ({"leisure": "pitch"}, ["small_sports"]),
    ({"amenity": "library"}, ["culture_centre"]),
    ({"office": "government", "name": "梅园新村街道居民委员会"}, ["community_service"]),
    ({"office": "government", "name": "浦东新区税务局"}, []),
    ({"highway": "bus_stop"}, ["transit"]),
    ({"railway": "subway_entrance"}, ["transit"]),
    ({"amenity": "ferry_terminal"}, ["transit"]),
    ({"amenity": "toilets"}, ["toilet"]),
    ({"amenity": "parking"}, []),
    ({"highway": "footway"}, []),
    ({}, []),
]


# What Chinese mappers actually tag: each rule with a real tagging example (the OSM element
# it comes from, or a real school of that name where the bundled extracts have none).
CHINESE_TAGGING_CASES = [
    # building=kindergarten with a name: 卧龙幼儿园 (Wangjing way 712409376)
    ({"building": "kindergarten", "name": "卧龙幼儿园"}, ["kindergarten"]),
    # ... and without a name it is only a building (Lujiazui way 948057320)
    ({"building": "kindergarten"}, []),
    # building=school named as a primary school: 白家庄小学教学楼 (Wangjing way 564589319)
    ({"building": "school", "name": "白家庄小学教学楼"}, ["primary_school"]),
    # building=school whose name gives no level: 望京实验学校 (Wangjing way 627196401)
    ({"building": "school", "name": "望京实验学校"}, ["primary_school"]),
    # 华东师范大学附属东昌中学 (Lujiazui way 957008800): 附属中学 is a middle school
    ({"amenity": "school", "name": "华东师范大学附属东昌中学"}, ["middle_school"]),
    # 北京师范大学附属小学 (Beijing, Xicheng): 附属小学 is a primary school
    ({"amenity": "school", "name": "北京师范大学附属小学"}, ["primary_school"]),
    # 清华大学附属实验学校 (Beijing): a university-affiliated school of basic education
    ({"amenity": "school", "name": "清华大学附属实验学校"}, ["primary_school"]),
    # 北京市什刹海体育运动学校 (Beijing): a sports school is no primary school
    ({"amenity": "school", "name": "北京市什刹海体育运动学校"}, []),
    ({"building": "school", "name": "上海市体育运动学校"}, []),
    # a university building is no school of the life circle
    ({"building": "school", "name": "复旦大学"}, []),
    # building=hospital with a name (上海东方医院's building) is a health centre ...
    ({"building": "hospital", "name": "上海东方医院"}, ["health_centre"]),
    # ... an unnamed hospital building (Lujiazui way 1427539583) is only a building
    ({"building": "hospital"}, []),
    # leisure=sports_hall: 一兆韦德健身 (Lujiazui way 1198910508)
    ({"building": "yes", "leisure": "sports_hall", "name": "一兆韦德健身"}, ["sports"]),
    # leisure=fitness_centre: 全民健身设施 (Wangjing node 6443074841)
    ({"leisure": "fitness_centre", "name": "全民健身设施"}, ["sports"]),
]


@pytest.mark.parametrize(("tags", "expected"), CHINESE_TAGGING_CASES)
def test_what_chinese_mappers_tag(
    taxonomy: Taxonomy, tags: dict[str, str], expected: list[str]
) -> None:
    assert taxonomy.classify(tags) == expected


CLASSIFY_IDS = [",".join(f"{k}={v}" for k, v in t.items()) or "no-tags" for t, _ in CLASSIFY_CASES]


@pytest.mark.parametrize(("tags", "expected"), CLASSIFY_CASES, ids=CLASSIFY_IDS)
def test_classify(taxonomy: Taxonomy, tags: dict[str, str], expected: list[str]) -> None:
    assert sorted(taxonomy.classify(tags)) == sorted(expected)


def test_kindergarten_named_school_is_not_primary(taxonomy: Taxonomy) -> None:
    cats = taxonomy.classify({"amenity": "school", "name": "浦东新区东园幼儿园"})
    assert "kindergarten" in cats
    assert "primary_school" not in cats


@pytest.mark.parametrize(
    "tags",
    [
        {"amenity": "school", "isced:level": "2"},
        {"amenity": "school", "school": "secondary"},
        {"amenity": "school", "name": "上海市实验学校", "isced:level": "2"},
        {"amenity": "school", "name": "Shanghai Experimental School", "school": "middle"},
    ],
    ids=["isced-2-unnamed", "school=secondary-unnamed", "isced-2-neutral-name", "school=middle"],
)
def test_school_with_explicit_secondary_level_is_not_primary(
    taxonomy: Taxonomy, tags: dict[str, str]
) -> None:
    """The fallback "unknown level counts as primary" applies only when the level is unknown.

    data/taxonomy.yaml says: "A school whose level cannot be told from its tags or name
    counts as primary". Here the tags tell the level (lower secondary), so the school is a
    middle school only.
    """
    assert taxonomy.classify(tags) == ["middle_school"]


def test_classify_ignores_missing_values(taxonomy: Taxonomy) -> None:
    # Tags from a DataFrame row carry NaN/None for absent keys.
    tags = {"amenity": "school", "name": float("nan"), "shop": None}
    assert taxonomy.classify(tags) == ["primary_school"]


ACCEPTED = [(tags, cats) for tags, cats in CLASSIFY_CASES if cats]


@pytest.mark.parametrize(
    "tags", [tags for tags, _ in ACCEPTED], ids=[",".join(cats) for _, cats in ACCEPTED]
)
def test_query_tags_fetch_everything_classify_accepts(
    taxonomy: Taxonomy, tags: dict[str, str]
) -> None:
    """An element some category accepts is among those asked of an OSM source."""
    query = taxonomy.osm_query_tags()
    fetched = any(
        key in tags
        and (wanted is True or any(part in wanted for part in str(tags[key]).split(";")))
        for key, wanted in query.items()
    )
    assert fetched


# --- resolve ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("primary_school", "primary_school"),
        ("小学", "primary_school"),
        ("Primary school", "primary_school"),
        ("  PRIMARY SCHOOL ", "primary_school"),
        ("中学", "middle_school"),
        ("托育/托儿所", "nursery"),
        ("幼儿园", "kindergarten"),
        ("公共厕所", "toilet"),
        ("Public toilet", "toilet"),
        ("toilet", "toilet"),
        ("Cultural activity centre", "culture_centre"),
        ("社区服务站（居委会）", "community_service"),
        ("hospital of the moon", None),
        ("", None),
        ("   ", None),
    ],
)
def test_resolve(taxonomy: Taxonomy, text: str, expected: str | None) -> None:
    assert taxonomy.resolve(text) == expected


def test_get_unknown_category(taxonomy: Taxonomy) -> None:
    assert taxonomy.get("park_large").name_en.startswith("Park")
    assert "park_large" in taxonomy and "bakery" not in taxonomy
    with pytest.raises(TaxonomyError, match="unknown category 'bakery'"):
        taxonomy.get("bakery")


# --- user taxonomy files ------------------------------------------------------------------------
USER_TAXONOMY = """\
tiers:
  5: {walk_minutes: 5, distance_m: 250}
  15: {walk_minutes: 15, distance_m: 800}
categories:
  - id: bakery
    name_zh: 面包店
    name_en: Bakery
    tier: 5
    colour: "#aa7733"
    osm:
      - {shop: bakery}
  - id: senior_canteen
    name_zh: 老年食堂
    name_en: Senior canteen
    tier: 15
    colour: "#123abc"
    synonyms: [长者食堂, 助餐点]
    osm:
      - {amenity: [restaurant, canteen], name: "~老年|长者|助餐"}
"""


def test_user_taxonomy_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(USER_TAXONOMY, "utf-8")
    tax = load_taxonomy(path)
    assert tax.ids == ["bakery", "senior_canteen"]
    assert tax.limit_m == 800
    assert tax.get("bakery").distance_m == 250
    assert tax.get("bakery").icon == DEFAULT_ICON == "circle-info"  # the default
    assert tax.classify({"shop": "bakery"}) == ["bakery"]
    assert tax.classify({"amenity": "canteen", "name": "陆家嘴长者食堂"}) == ["senior_canteen"]
    assert tax.classify({"amenity": "restaurant", "name": "小杨生煎"}) == []
    assert tax.resolve("助餐点") == "senior_canteen"
    assert tax.source == "city.yaml"
    assert tax.osm_query_tags() == {"shop": ["bakery"], "amenity": ["canteen", "restaurant"]}


def test_user_taxonomy_with_utf8_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + USER_TAXONOMY.encode("utf-8"))
    assert load_taxonomy(path).ids == ["bakery", "senior_canteen"]


def _user_doc() -> dict[str, object]:
    doc = yaml.safe_load(USER_TAXONOMY)
    assert isinstance(doc, dict)
    return doc


def _bad_docs() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Malformed files: their text and the words their error message must contain."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}

    def dump(doc: object) -> str:
        return yaml.safe_dump(doc, allow_unicode=True)

    out["bad-yaml"] = ("tiers: {5: [\ncategories: - id", ("bad.yaml", "not a readable YAML"))
    doc = _user_doc()
    doc["categories"][0]["tier"] = 20  # type: ignore[index]
    out["unknown-tier"] = (dump(doc), ("bakery", "tier 20", "5, 15"))
    doc = _user_doc()
    doc["categories"][1]["id"] = "bakery"  # type: ignore[index]
    out["duplicate-id"] = (dump(doc), ("bakery", "twice"))
    doc = _user_doc()
    doc["categories"][0]["colour"] = "brown"  # type: ignore[index]
    out["bad-colour"] = (dump(doc), ("bakery", "colour 'brown'", "#1a2b3c"))
    doc = _user_doc()
    doc["categories"][1]["osm"] = [{"name": "~(老年|长者"}]  # type: ignore[index]
    out["bad-regex"] = (dump(doc), ("senior_canteen", "bad pattern", "name"))
    out["not-a-mapping"] = ("- bakery\n- senior_canteen\n", ("bad.yaml", "must be a mapping"))
    out["empty-file"] = ("", ("bad.yaml", "must be a mapping"))
    doc = _user_doc()
    doc["categories"][0]["id"] = "Bakery Shop"  # type: ignore[index]
    out["bad-id"] = (dump(doc), ("'Bakery Shop'", "lower-case"))
    doc = _user_doc()
    del doc["categories"][0]["name_zh"]  # type: ignore[index]
    out["missing-name"] = (dump(doc), ("bakery", "name_zh"))
    doc = _user_doc()
    doc["tiers"] = {5: {"walk_minutes": 5}}
    out["tier-without-distance"] = (dump(doc), ("tier 5", "distance_m"))
    doc = _user_doc()
    doc["tiers"][5]["distance_m"] = -250  # type: ignore[index]
    out["negative-distance"] = (dump(doc), ("tier 5", "positive"))
    doc = _user_doc()
    doc["categories"] = []
    out["no-categories"] = (dump(doc), ("'categories'", "non-empty"))
    doc = _user_doc()
    doc["categories"][0]["osm"] = {"shop": "bakery"}  # type: ignore[index]
    out["rules-not-a-list"] = (dump(doc), ("bakery", "'osm' must be a list"))
    doc = _user_doc()
    doc["categories"][0]["osm"] = [{"shop": {"nested": 1}}]  # type: ignore[index]
    out["bad-rule-value"] = (dump(doc), ("bakery", "'shop'", "text"))
    return out


BAD_DOCS = _bad_docs()


@pytest.mark.parametrize("case", list(BAD_DOCS))
def test_malformed_taxonomy_raises_clear_error(case: str, tmp_path: Path) -> None:
    text, words = BAD_DOCS[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TaxonomyError) as excinfo:
        load_taxonomy(path)
    message = str(excinfo.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert isinstance(excinfo.value, LifecircleError)


def test_missing_taxonomy_file(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="taxonomy file not found") as excinfo:
        load_taxonomy(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(excinfo.value)


def test_taxonomy_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="is a folder, not a file"):
        load_taxonomy(tmp_path)


def test_unquoted_colour_is_reported(tmp_path: Path) -> None:
    # In YAML "colour: #aa7733" is a comment, so the colour is empty: the error must say so
    # rather than pass or crash.
    path = tmp_path / "unquoted.yaml"
    path.write_text(USER_TAXONOMY.replace('colour: "#aa7733"', "colour: #aa7733"), "utf-8")
    with pytest.raises(TaxonomyError, match="colour"):
        load_taxonomy(path)
