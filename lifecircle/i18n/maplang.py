"""Strings of readable offline maps: legends, compound names, localized exports, reasons.

Also :func:`translate_reason`, which gives a Chinese reading of the (English) reasons the
input readers give for a rejected row; a reason it does not know is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

MAPLANG: Mapping[str, Mapping[str, str]] = {
    "ml_legend_gap_few": {"zh": "未覆盖居民较少", "en": "fewer residents unserved"},
    "ml_legend_gap_many": {"zh": "未覆盖居民较多", "en": "more residents unserved"},
    "ml_legend_doorstep_some": {
        "zh": "出入口50米内有服务",
        "en": "services within 50 m of the entrance",
    },
    "ml_legend_doorstep_none": {"zh": "出入口50米内无服务", "en": "no service within 50 m"},
    "ml_legend_needs": {"zh": "居民需求", "en": "Stated needs"},
    "ml_legend_needs_hex": {
        "zh": "六边形：需求条数（越深越多）",
        "en": "hexagons: requests (darker = more)",
    },
    "ml_legend_needs_point": {
        "zh": "圆点：一条意见（按类别着色）",
        "en": "dots: one comment (coloured by category)",
    },
    "ml_legend_better_hex": {
        "zh": "六边形：未覆盖居民减少",
        "en": "hexagons: fewer residents unserved",
    },
    "ml_col_compound": {"zh": "小区", "en": "Compound"},
    "ml_col_h3": {"zh": "H3 编号", "en": "H3 id"},
    "ml_no_compound": {"zh": "（无小区名）", "en": "(no compound name)"},
    "ml_col_mean_need": {"zh": "平均需求", "en": "Mean need"},
    "ml_col_demand": {"zh": "需求合计", "en": "Total need"},
    "ml_col_mean_score": {"zh": "平均评分", "en": "Mean score"},
    "ml_col_lon": {"zh": "经度", "en": "Longitude"},
    "ml_col_lat": {"zh": "纬度", "en": "Latitude"},
    "ml_sheet_priorities": {"zh": "优先事项", "en": "Priorities"},
    "ml_prov_bundled": {
        "zh": "随软件附带的 OSM 样例片区，文件 {file}（SHA-256 {sha}…）。",
        "en": "An OSM sample district shipped with lifecircle, file {file} (SHA-256 {sha}…).",
    },
    "ml_prov_file": {
        "zh": "用户提供的本地 OSM 文件 {file}（SHA-256 {sha}…）。",
        "en": "A local OSM file given by the user, {file} (SHA-256 {sha}…).",
    },
    "ml_prov_overpass": {
        "zh": "从 Overpass API 下载的 OSM 数据（{file}，SHA-256 {sha}…）。",
        "en": "OSM data downloaded from the Overpass API ({file}, SHA-256 {sha}…).",
    },
    "ml_prov_details": {"zh": "技术细节（原文，英文）", "en": "Technical details"},
    "ml_export_note": {
        "zh": "导出的地图使用本地 OSM 底图，离线可打开。",
        "en": "The exported map uses the local OSM base and opens offline.",
    },
}

_N = r"(-?[0-9.eE+-]+)"
# (pattern of the English reason, its Chinese reading). Groups are carried over.
_REASONS_ZH: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), zh)
    for pattern, zh in (
        (r"missing category", "缺少类别"),
        (r"unknown category", "未知类别"),
        (
            r"unknown category(?: \((.*)\))?: use a category id or name of the taxonomy, "
            r"e\.g\. .*",
            lambda m: (
                "未知类别"
                + (f"（{m.group(1)}）" if m.group(1) else "")
                + "：请使用分类表中的类别编号或名称，例如 elderly_daycare、养老、买菜、药店"
            ),
        ),
        (r"missing score", "缺少评分"),
        (
            rf"score is not a number: use {_N} to {_N}",
            lambda m: f"评分不是数字：请填写 {m.group(1)} 到 {m.group(2)}",
        ),
        (
            rf"score out of range: use {_N} to {_N}",
            lambda m: f"评分超出范围：请填写 {m.group(1)} 到 {m.group(2)}",
        ),
        (r"missing location", "缺少位置"),
        (
            r"missing location: give coordinates or the compound \(小区\) name",
            "缺少位置：请填写坐标或小区名称",
        ),
        (
            r"no compound \(小区\) of this name in the study area; give coordinates",
            "研究范围内没有这个名称的小区；请填写坐标",
        ),
        (
            r"location name matches several compounds \((.*)\); write the full name",
            lambda m: f"位置名称对应多个小区（{m.group(1)}）；请写全称",
        ),
        (r"missing coordinate", "缺少坐标"),
        (r"coordinate is not a number", "坐标不是数字"),
        (r"not a number", "不是数字"),
        (r"latitude and longitude look swapped", "经纬度似乎填反了"),
        (
            r"swapped\? longitude and latitude look reversed; please check and fix the file",
            "经纬度似乎填反了，请检查并修改文件",
        ),
        (r"longitude out of range \(-180 to 180\)", "经度超出范围（-180 到 180）"),
        (r"latitude out of range \(-90 to 90\)", "纬度超出范围（-90 到 90）"),
        (
            r"out of range: longitude must be between -180 and 180",
            "超出范围：经度须在 -180 到 180 之间",
        ),
        (r"out of range: latitude must be between -90 and 90", "超出范围：纬度须在 -90 到 90 之间"),
        (r"0, 0 is a placeholder, not a location", "0, 0 是占位值，不是位置"),
        (
            r"outside the study area of (.*) \(W,S,E,N (.*) in WGS-84 after conversion; "
            r"is the coordinate system right\?\)",
            lambda m: (
                f"位于{m.group(1)}研究范围之外（换算为 WGS-84 后的西、南、东、北边界 "
                f"{m.group(2)}；坐标系选对了吗？）"
            ),
        ),
        (
            r"duplicate response: the same respondent id as row (\d+)",
            lambda m: f"重复答卷：与第 {m.group(1)} 行的受访者编号相同",
        ),
        (
            r"duplicate response: the same location, category and comment as row (\d+)",
            lambda m: f"重复答卷：与第 {m.group(1)} 行的位置、类别和意见相同",
        ),
    )
)


def translate_reason(reason: str, lang: str) -> str:
    """A rejected row's reason in ``lang`` (input readers write English).

    A reason with no known reading is returned unchanged, so nothing is ever hidden.
    """
    if lang != "zh":
        return reason
    for pattern, zh in _REASONS_ZH:
        match = pattern.match(reason)
        if match is not None:
            return zh if isinstance(zh, str) else zh(match)
    return reason
