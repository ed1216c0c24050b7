"""The strings of the population page (居住人口), in zh and en."""

from __future__ import annotations

from collections.abc import Mapping

POPULATION: Mapping[str, Mapping[str, str]] = {
    "page_population": {"zh": "居住人口", "en": "Residents"},
    "pop_title": {"zh": "居住人口：按小区查看与校正", "en": "Residents by compound"},
    "pop_rule": {
        "zh": "居民数按规则估算：建筑基底面积 × 层数 × 每人{per_person_m2:.0f} m²住房面积的倒数；"
        "层数取 building:levels，否则取高度 ÷ {metres_per_level:g} m，否则按建筑类型取默认值；"
        "层数超过{max_floors:g}层或高度超过{max_height_m:g} m 视为错误数据而忽略；"
        "每栋建筑最多{max_residents:,.0f}人。",
        "en": "Residents follow one rule: footprint × floors ÷ {per_person_m2:.0f} m² of housing "
        "per person; floors from building:levels, else height ÷ {metres_per_level:g} m, else a "
        "default per building type; more than {max_floors:g} floors or {max_height_m:g} m is "
        "taken for a mapping error and ignored; at most {max_residents:,.0f} residents per "
        "building.",
    },
    "pop_default_sentence": {
        "zh": "{share:.0f}% 的住宅（{homes_default} / {homes} 栋）使用默认的 {floors:g} 层。"
        "若与实际不符，请在下方按小区填写层数或居民数。",
        "en": "{share:.0f}% of homes ({homes_default} of {homes}) use the default of {floors:g} "
        "floors. Where that is wrong, give the floors or residents of a compound below.",
    },
    "pop_no_default": {
        "zh": "所有住宅的层数都来自数据或校正，没有使用默认层数。",
        "en": "Every home's floors come from the data or a correction; none use a default.",
    },
    "pop_no_homes": {"zh": "本区域没有住宅建筑。", "en": "This district has no homes."},
    "pop_outside": {"zh": "小区外", "en": "Outside compounds"},
    "pop_unnamed": {"zh": "未命名小区（{osm_id}）", "en": "Unnamed compound ({osm_id})"},
    "pop_col_compound": {"zh": "小区", "en": "Compound"},
    "pop_col_homes": {"zh": "住宅栋数", "en": "Homes"},
    "pop_col_with_levels": {"zh": "有层数", "en": "With levels"},
    "pop_col_with_height": {"zh": "有高度", "en": "With height"},
    "pop_col_from_file": {"zh": "来自文件", "en": "From file"},
    "pop_col_defaulted": {"zh": "默认层数", "en": "Default floors"},
    "pop_col_floors": {"zh": "采用层数（最低–平均–最高）", "en": "Floors used (min–mean–max)"},
    "pop_col_estimated": {"zh": "估算居民", "en": "Estimated residents"},
    "pop_col_residents": {"zh": "采用居民", "en": "Residents used"},
    "pop_col_override": {"zh": "校正", "en": "Correction"},
    "pop_col_elderly": {"zh": "老年人比例", "en": "Elderly share"},
    "pop_override_floors": {"zh": "层数", "en": "floors"},
    "pop_override_residents": {"zh": "居民数", "en": "residents"},
    "pop_edit_title": {"zh": "校正一个小区", "en": "Correct one compound"},
    "pop_edit_compound": {"zh": "小区", "en": "Compound"},
    "pop_edit_floors": {"zh": "层数（0 = 不校正）", "en": "Floors (0 = keep the estimate)"},
    "pop_edit_residents": {
        "zh": "居民数（0 = 不校正；优先于层数）",
        "en": "Residents (0 = keep the estimate; wins over floors)",
    },
    "pop_edit_elderly": {
        "zh": "老年人（60岁以上）比例 %（0 = 用全区比例）",
        "en": "Share aged 60+ in % (0 = the district's share)",
    },
    "pop_save": {"zh": "保存", "en": "Save"},
    "pop_remove": {"zh": "清除该小区的校正", "en": "Remove this compound's correction"},
    "pop_saved": {"zh": "已保存到 {path}", "en": "Saved to {path}"},
    "pop_elderly_title": {"zh": "老年人比例与步速", "en": "Elderly share and walking speed"},
    "pop_elderly_share": {
        "zh": "全区老年人（60岁以上）比例 %（0 = 未知）",
        "en": "District share aged 60+ in % (0 = not known)",
    },
    "pop_elderly_speed": {
        "zh": "老年人步速 m/min（0 = 与其他居民相同；常用 60）",
        "en": "Older residents' walking speed in m/min (0 = same as everyone; 60 is usual)",
    },
    "pop_elderly_help": {
        "zh": "养老设施（日间照料、养老院、社区食堂）按老年人口计算覆盖；"
        "较慢的步速按比例缩短其服务距离。",
        "en": "Elderly items (day care, nursing homes, canteens) are counted in elderly "
        "residents; a slower speed shortens their service distances in proportion.",
    },
    "pop_elderly_results": {"zh": "养老设施覆盖的老年人", "en": "Elderly residents served"},
    "pop_col_item": {"zh": "设施", "en": "Item"},
    "pop_col_distance": {"zh": "服务距离 m", "en": "Distance m"},
    "pop_col_elderly_total": {"zh": "老年人", "en": "Elderly residents"},
    "pop_col_elderly_served": {"zh": "已覆盖", "en": "Served"},
    "pop_col_share": {"zh": "覆盖率", "en": "Share"},
    "pop_no_data": {"zh": "无数据", "en": "no data"},
    "pop_file_title": {"zh": "从文件导入层数/高度", "en": "Floors or heights from a file"},
    "pop_file": {
        "zh": "建筑层数文件（CSV/XLSX/GeoJSON：OSM 编号或经纬度，层数或高度）",
        "en": "Building file (CSV/XLSX/GeoJSON: OSM id or lon/lat, levels or height)",
    },
    "pop_file_crs": {"zh": "坐标系", "en": "Coordinates"},
    "pop_file_apply": {"zh": "导入并保存", "en": "Import and save"},
    "pop_file_matched": {
        "zh": "{matched} / {rows} 行匹配到建筑。",
        "en": "{matched} of {rows} rows matched a building.",
    },
    "pop_file_rejected": {"zh": "未采用的行", "en": "Rows not used"},
    "pop_col_row": {"zh": "行号", "en": "Row"},
    "pop_col_column": {"zh": "列", "en": "Column"},
    "pop_col_value": {"zh": "内容", "en": "Value"},
    "pop_col_reason": {"zh": "原因", "en": "Reason"},
    "pop_checks": {
        "zh": "{n} 处不合理的建筑数据已忽略或封顶",
        "en": "{n} implausible building values ignored or capped",
    },
    "pop_overrides_error": {
        "zh": "保存的人口校正文件无法读取，未使用：{error}",
        "en": "The saved population corrections cannot be read and are not used: {error}",
    },
    "pop_unknown": {
        "zh": "以下校正的小区在本区域中不存在：{keys}",
        "en": "These corrected compounds are not in this district: {keys}",
    },
}
