"""The strings of the workshop flow on the scenarios page, in zh and en."""

from __future__ import annotations

from collections.abc import Mapping

WORKSHOP: Mapping[str, Mapping[str, str]] = {
    "ws_changed_none": {
        "zh": "这个情景还没有改变任何服务的覆盖。",
        "en": "This scenario does not change who is served yet.",
    },
    "ws_delta_from": {
        "zh": "{delta} 个百分点（原 {before}）",
        "en": "{delta} pt (was {before})",
    },
    "ws_newly_help": {
        "zh": "至少一类服务新覆盖到的居民（每人只计一次）。",
        "en": "Residents newly within reach of at least one service (each counted once).",
    },
    "ws_category_point": {"zh": "它提供的服务类别", "en": "Category it provides"},
    "ws_categories_area": {
        "zh": "它提供的服务类别（可多选）",
        "en": "Categories it provides",
    },
    "ws_working": {
        "zh": "{title}（本页未保存的修改）",
        "en": "{title} (unsaved edits on this page)",
    },
    "ws_legend_title": {"zh": "情景图例", "en": "Scenario"},
    "ws_legend_facility": {"zh": "新增服务点", "en": "New service point"},
    "ws_legend_space": {"zh": "新增公共空间", "en": "New public space"},
    "ws_legend_link": {"zh": "新增步行通道", "en": "New walking link"},
    "ws_legend_closure": {"zh": "关闭/移除", "en": "Closed or removed"},
    "ws_legend_newly": {"zh": "新覆盖的住宅", "en": "Newly served homes"},
    "ws_export": {"zh": "导出情景文件（GeoJSON）", "en": "Export scenario file (GeoJSON)"},
    "ws_import": {"zh": "导入情景文件（GeoJSON）", "en": "Import a scenario file (GeoJSON)"},
    "ws_import_button": {"zh": "导入", "en": "Import"},
    "ws_imported": {"zh": "已导入：{title}", "en": "Imported: {title}"},
    "ws_import_failed": {
        "zh": "无法导入这个文件：它不是有效的情景文件。",
        "en": "This file cannot be imported: it is not a valid scenario file.",
    },
    "ws_not_applicable": {
        "zh": "情景中有 {n} 项不适用于本街区（例如通道两端都连不上街道），已暂时略去：{names}",
        "en": "{n} item(s) of this scenario do not apply to this district (for example a "
        "link that joins no street) and are left out: {names}",
    },
    "ws_not_applicable_all": {
        "zh": "这个情景不适用于本街区，下面显示的是现状。",
        "en": "This scenario does not apply to this district: the baseline is shown.",
    },
    "ws_other_district": {
        "zh": "这个情景是为另一个街区（{district}）制作的。",
        "en": "This scenario was made for another district ({district}).",
    },
    "ws_conflict_feature": {"zh": "要素", "en": "Feature"},
    "ws_conflict_field": {"zh": "字段", "en": "Field"},
    "ws_conflict_gone": {"zh": "（已删除）", "en": "(deleted)"},
}
