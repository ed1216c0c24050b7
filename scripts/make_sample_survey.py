"""Write the SYNTHETIC sample needs survey for the bundled Lujiazui district.

Writes ``data/sample_survey_lujiazui.csv`` and its companion
``data/sample_survey_lujiazui.README.md``. Nothing in the survey was said by a real
person: the respondents, scores and comments are invented with a fixed random seed, so
running the script again gives the same bytes.

The file looks like a real export from Excel or a WeChat form: GBK-encoded, Chinese
headers, coordinates in GCJ-02 (as Amap gives them), some rows with only the compound
(小区) name, a few cells naming two needs, and a handful of deliberately bad rows, each
marked in the ``note`` column, so that ``lifecircle survey check`` has something to
report. Needs lean towards the categories Lujiazui's OSM data shows as gaps (elderly
care, food markets, pharmacies, public toilets).

Usage::

    python scripts/make_sample_survey.py            # writes into data/
    python scripts/make_sample_survey.py --out-dir /tmp/x
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from geo.access.homes import select_homes  # noqa: E402
from geo.district.loader import load_district  # noqa: E402
from geo.district.model import District  # noqa: E402
from geo.inputs.coords import CoordSystem, from_wgs84  # noqa: E402
from geo.settings import Settings  # noqa: E402
from geo.standards.taxonomy import load_taxonomy  # noqa: E402
from geo.surveys.compounds import build_compounds  # noqa: E402
from geo.surveys.read import read_survey  # noqa: E402

SEED = 20240615
N_GOOD = 191
ENCODING = "gbk"
CSV_NAME = "sample_survey_lujiazui.csv"
README_NAME = "sample_survey_lujiazui.README.md"
HEADERS = ["编号", "小区", "经度", "纬度", "需求类别", "优先级", "意见", "年龄段", "note"]
NOTE = "合成示例数据 synthetic sample"
BAD_MARK = "故意错误 deliberate error"

# How often each need is stated, and the words residents use for it (all taxonomy
# synonyms). Weighted towards what Lujiazui's OSM data shows as missing.
NEEDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "elderly_care": (40, ("养老", "老年食堂", "助餐点", "养老服务", "日间照料", "长者食堂")),
    "food_market": (30, ("菜市场", "买菜", "生鲜超市", "菜场")),
    "pharmacy": (22, ("药店", "买药", "药房")),
    "toilet": (18, ("公厕", "公共厕所", "厕所")),
    "park": (14, ("口袋公园", "绿地", "公园")),
    "community_service": (10, ("居委会", "党群服务站", "便民服务")),
    "childcare": (9, ("托育", "托儿所", "幼儿园")),
    "clinic": (9, ("社区卫生服务中心", "看病", "诊所")),
    "convenience": (8, ("便利店", "便民店")),
    "sports": (8, ("健身", "运动场", "健身点")),
    "transit": (7, ("公交站", "地铁站")),
    "culture": (6, ("图书馆", "文化活动中心", "阅览室")),
}
GAP_NEEDS = frozenset({"elderly_care", "food_market", "pharmacy", "toilet", "community_service"})

COMMENTS: dict[str, tuple[str, ...]] = {
    "elderly_care": (
        "希望在小区门口有老年助餐点",
        "老人吃饭不方便，希望有长者食堂",
        "需要日间照料中心，子女上班没人照顾老人",
        "楼里老人多，希望有老年活动室",
        "腿脚不好，助餐点最好在五分钟路程内",
        "希望有老年食堂\n价格实惠一点",
    ),
    "food_market": (
        "买菜要走很远",
        "附近没有菜市场，只能去超市买贵的菜",
        "希望有生鲜超市，早上能买到新鲜蔬菜",
        "菜场太远，老人拎菜很吃力",
        '"15分钟生活圈" sounds good, but 买菜 is still 20 min away',
    ),
    "pharmacy": (
        "晚上买药不方便，希望有24小时药店",
        "附近药店太少",
        "配药要跑很远，希望小区附近有药房",
    ),
    "toilet": (
        "滨江步道上找不到厕所",
        "带孩子出门找公厕很难",
        "希望增设公共厕所，最好有无障碍设施",
    ),
    "park": ("希望有口袋公园，晚饭后能散步", "小区周边缺少绿地", "孩子没有地方玩"),
    "community_service": ("居委会办事要排很久", "希望有党群服务站，方便办事"),
    "childcare": ("希望附近有托育机构，双职工接送困难", "幼儿园名额紧张"),
    "clinic": ("社区卫生服务中心太远，配药排队久", "希望有家庭医生签约点"),
    "convenience": ("附近便利店太少，晚上买东西不方便",),
    "sports": ("希望有健身步道", "球场不够用，晚上很挤"),
    "transit": ("公交站离小区有点远", "地铁站出口太少，过马路不安全"),
    "culture": ("希望有社区图书室，孩子放学能看书", "想参加书法、合唱等活动，缺少场地"),
}
AGE_BANDS = ("60岁及以上", "45-59岁", "30-44岁", "18-29岁")
AGE_WEIGHTS: dict[str, tuple[float, ...]] = {
    "elderly_care": (0.6, 0.25, 0.1, 0.05),
    "childcare": (0.05, 0.15, 0.6, 0.2),
}
DEFAULT_AGE_WEIGHTS = (0.3, 0.3, 0.25, 0.15)
SCORES = (1, 2, 3, 4, 5)
SCORE_WEIGHTS_GAP = (0.0, 0.05, 0.15, 0.35, 0.45)
SCORE_WEIGHTS_OTHER = (0.1, 0.2, 0.35, 0.25, 0.1)
SHARE_NAME_ONLY = 0.1
SHARE_EMPTY_COMMENT = 0.2
SHARE_TWO_NEEDS = 0.03
# Outside the study area: People's Square (人民广场), across the river in Puxi (WGS-84).
PUXI_WGS84 = (121.4737, 31.2304)


@dataclass(frozen=True)
class Home:
    """A residential building to place a respondent in."""

    compound: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Row:
    """One survey row before numbering."""

    compound: str
    lon: str
    lat: str
    need: str
    score: str
    comment: str
    age: str
    error: str = ""  # what is deliberately wrong, for the note column
    same_id_as: Row | None = None  # a duplicate export of that row: the same 编号


def residential_homes(district: District) -> list[Home]:
    """Every home of the district (clipped to the study area), with its compound.

    The compound is the named residential area the home lies in, else the home's own
    name, else empty.
    """
    compounds = build_compounds(district)
    areas = compounds[compounds["kind"] == "area"]
    homes = select_homes(district.buildings, district.areas)
    study_area = shapely.box(*district.meta.bbox)
    out: list[Home] = []
    for name, footprint in zip(homes["name"], homes.geometry, strict=True):
        geometry = footprint.intersection(study_area)
        if geometry.is_empty or geometry.area <= 0:
            continue
        point = geometry.representative_point()
        inside = [
            (float(area.area), str(area_name))
            for area_name, area in zip(areas["name"], areas.geometry, strict=True)
            if area.contains(point)
        ]
        compound = min(inside)[1] if inside else str(name or "")
        out.append(Home(compound=compound, geometry=geometry))
    return out


def point_in(geometry: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A uniformly random point inside ``geometry`` (WGS-84)."""
    west, south, east, north = geometry.bounds
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if geometry.contains(shapely.Point(lon, lat)):
            return lon, lat


def gcj02_text(lon: float, lat: float) -> tuple[str, str]:
    """WGS-84 to GCJ-02 with Amap's 6 decimals, as text."""
    gcj_lon, gcj_lat = from_wgs84(lon, lat, target=CoordSystem.GCJ02)
    return f"{gcj_lon:.6f}", f"{gcj_lat:.6f}"


def name_variant(compound: str, rng: random.Random) -> str:
    """How a resident might type a compound's name."""
    choice = rng.randrange(4)
    if choice == 1 and not compound.endswith("小区"):
        return f"{compound}小区"
    if choice == 2:
        return f"浦东新区{compound}"
    if choice == 3 and len(compound) >= 4:
        return f"{compound[:2]} {compound[2:]}"
    return compound


def good_rows(homes: list[Home], rng: random.Random) -> list[Row]:
    """Plausible responses, none of them a duplicate of another."""
    categories = list(NEEDS)
    weights = [NEEDS[c][0] for c in categories]
    named = [home for home in homes if home.compound]
    rows: list[Row] = []
    seen: set[tuple[str, frozenset[str], str]] = set()
    while len(rows) < N_GOOD:
        category = rng.choices(categories, weights)[0]
        need = rng.choice(NEEDS[category][1])
        needs = {category}
        if rng.random() < SHARE_TWO_NEEDS:
            other = rng.choice([c for c in ("food_market", "pharmacy") if c != category])
            need = f"{need}、{rng.choice(NEEDS[other][1])}"
            needs.add(other)
        score_weights = SCORE_WEIGHTS_GAP if category in GAP_NEEDS else SCORE_WEIGHTS_OTHER
        score = str(rng.choices(SCORES, score_weights)[0])
        comment = "" if rng.random() < SHARE_EMPTY_COMMENT else rng.choice(COMMENTS[category])
        age = rng.choices(AGE_BANDS, AGE_WEIGHTS.get(category, DEFAULT_AGE_WEIGHTS))[0]
        if rng.random() < SHARE_NAME_ONLY:
            home = rng.choice(named)
            compound, lon, lat = name_variant(home.compound, rng), "", ""
            key = (home.compound, frozenset(needs), comment)
            if comment and key in seen:
                comment = ""  # same compound, need and comment would read as a double submission
            seen.add(key)
        else:
            home = rng.choice(homes)
            lon, lat = gcj02_text(*point_in(home.geometry, rng))
            compound = home.compound if rng.random() < 0.7 else ""
        rows.append(Row(compound, lon, lat, need, score, comment, age))
    return rows


def insert_bad_rows(rows: list[Row], homes: list[Home], rng: random.Random) -> list[Row]:
    """Put the deliberately bad rows between the good ones (positions are fixed)."""
    out = list(rows)
    with_comment = [i for i, row in enumerate(out[:60]) if row.lon and row.comment]
    copied = out[with_comment[0]]
    doubled = out[with_comment[1]]
    home = rng.choice([h for h in homes if h.compound])
    lon, lat = gcj02_text(*point_in(home.geometry, rng))
    puxi_lon, puxi_lat = gcj02_text(*PUXI_WGS84)
    bad = [
        (6, Row(home.compound, lat, lon, "养老", "5", "希望有老年食堂",
                "60岁及以上", "经纬度颠倒 swapped coordinates")),
        (23, Row("人民广场附近", puxi_lon, puxi_lat, "菜市场", "4", "买菜不方便", "45-59岁",
                 "研究范围外 outside the study area")),
        (41, Row(home.compound, *gcj02_text(*point_in(home.geometry, rng)), "停车位", "5",
                 "小区停车位太少，晚上回来没地方停", "30-44岁", "未知类别 unknown category")),
        (67, replace(copied, error="重复提交（同一编号） duplicate: same 编号",
                     same_id_as=copied)),
        (88, replace(doubled, score="5", age="18-29岁",
                     error="重复提交（位置、需求、意见相同） duplicate: same place/need/comment")),
        (104, Row(home.compound, *gcj02_text(*point_in(home.geometry, rng)), "药店", "",
                  "附近没有药店", "60岁及以上", "缺少评分 missing score")),
        (131, Row(home.compound, *gcj02_text(*point_in(home.geometry, rng)), "公厕", "8",
                  "希望增设公厕", "45-59岁", "评分超出范围 score out of range")),
        (159, Row(home.compound, *gcj02_text(*point_in(home.geometry, rng)), "买菜", "很急",
                  "菜价贵，还远", "60岁及以上", "评分不是数字 score is not a number")),
        (180, Row("", "", "", "养老", "4", "希望有助餐点", "60岁及以上",
                  "缺少位置 missing location")),
    ]  # fmt: skip
    for position, row in bad:
        out.insert(position, row)
    return out


def render_csv(rows: list[Row]) -> bytes:
    """The survey as GBK CSV with Excel's line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    ids: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        original = row.same_id_as
        respondent = ids[id(original)] if original is not None else f"LJZ-{number:04d}"
        ids[id(row)] = respondent
        note = f"{NOTE}；{BAD_MARK}: {row.error}" if row.error else NOTE
        writer.writerow(
            [respondent, row.compound, row.lon, row.lat, row.need, row.score, row.comment,
             row.age, note]
        )  # fmt: skip
    return buffer.getvalue().encode(ENCODING)


def render_readme(rows: list[Row]) -> str:
    bad = [(index + 2, row.error) for index, row in enumerate(rows) if row.error]
    bad_lines = "\n".join(f"| {line} | {error} |" for line, error in bad)
    return f"""# sample_survey_lujiazui.csv — SYNTHETIC sample survey (合成示例数据)

**Nothing in this file was said by a real person.** It is a made-up needs survey
(问需于民) for the bundled Shanghai Lujiazui district, written by
`scripts/make_sample_survey.py` with a fixed random seed ({SEED}), to try
`lifecircle survey check` and the survey ranking. Every row says so in its `note`
column. Do not use it to describe Lujiazui's residents.

## Format

Like a real export from Excel or a WeChat form:

- **GBK-encoded** CSV with Excel line endings (CRLF); Chinese headers:
  `{",".join(HEADERS)}`.
- 经度/纬度 are **GCJ-02** (Amap) with 6 decimals: points placed at random inside
  residential buildings of the OpenStreetMap data, converted from WGS-84 with
  `geo.coords.from_wgs84`. Check it with `--crs gcj02`.
- About 1 row in 10 has no coordinates, only the compound (小区) name, sometimes written
  loosely (for example "东园一村小区", "浦东新区菊园", "东园 一村").
- 需求类别 uses residents' words (养老, 老年食堂, 买菜, 药房, 公厕, …), a few cells name two
  needs ("买菜、药店"). 优先级 is a priority from 1 (low) to 5 (urgent).
- Needs lean towards categories the OSM data shows as missing in Lujiazui (elderly
  care, food markets, pharmacies, public toilets), with some requests for services
  that are already within reach (transit, sports) so that the ranking shows both.
- {len(rows)} data rows; {len(bad)} are deliberately bad (marked `{BAD_MARK}` in `note`).

## Deliberately bad rows

| Excel row | what is wrong |
| --- | --- |
{bad_lines}

`lifecircle survey check data/{CSV_NAME} --crs gcj02` rejects exactly these rows.

## Regenerate

    python scripts/make_sample_survey.py

OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0.
"""


def build_rows(district: District) -> list[Row]:
    rng = random.Random(SEED)
    homes = residential_homes(district)
    return insert_bad_rows(good_rows(homes, rng), homes, rng)


def check(path: Path, district: District, rows: list[Row]) -> None:
    """Read the file back: exactly the deliberately bad rows must be rejected."""
    taxonomy = load_taxonomy()
    result = read_survey(path, taxonomy=taxonomy, district=district, coord_system="gcj02")
    expected = {index + 2 for index, row in enumerate(rows) if row.error}
    found = {problem.row for problem in result.rejected}
    if found != expected or len(result.rejected) != len(expected):
        print(result.report(), file=sys.stderr)
        raise SystemExit(
            f"rejected rows {sorted(found)} differ from the bad rows {sorted(expected)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=REPO / "data")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as cache:
        district = load_district(
            "lujiazui", taxonomy=taxonomy, settings=Settings(cache_dir=Path(cache))
        )
    rows = build_rows(district)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = args.out_dir / CSV_NAME
    csv_path.write_bytes(render_csv(rows))
    (args.out_dir / README_NAME).write_text(render_readme(rows), encoding="utf-8")
    check(csv_path, district, rows)
    print(f"wrote {csv_path} ({len(rows)} rows) and {README_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
