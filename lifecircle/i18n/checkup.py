"""Strings of the city check-up: honest completeness, units, indicators, ledger, reports."""

from __future__ import annotations

CHECKUP: dict[str, dict[str, str]] = {
    # --- honest completeness (map page) ------------------------------------------------
    "ck_completeness_levels": {
        "zh": "生活圈完整度（按层级，仅计有数据的必配项目）",
        "en": "Life-circle completeness (per level, essential items with data)",
    },
    "ck_level_metric": {"zh": "{level}分钟层级", "en": "{level}-minute level"},
    "ck_no_data_line": {
        "zh": "完整度按有数据的必配项目计算；{count}项必配项目在OSM中无数据：{items}。"
        "请导入街道的设施清单。",
        "en": "Completeness counts the essential items with data; {count} essential items have "
        "no data in OSM here: {items}. Import the street office's list.",
    },
    "ck_no_data_none": {
        "zh": "所有必配项目都有数据。",
        "en": "Every essential item has data.",
    },
    "ck_import_link": {"zh": "导入设施清单", "en": "Import a facility list"},
    "ck_no_data": {"zh": "无数据", "en": "no data"},
    "ck_unverified": {"zh": "未核实", "en": "unverified"},
    # --- units and indicators ----------------------------------------------------------
    "ck_unit_compound": {"zh": "小区", "en": "Compound"},
    "ck_unit_community": {"zh": "社区/居委", "en": "Community"},
    "ck_unit_subdistrict": {"zh": "街道", "en": "Subdistrict"},
    "ck_unit_file": {"zh": "边界文件", "en": "Boundary file"},
    "ck_col_unit": {"zh": "单元", "en": "Unit"},
    "ck_col_unit_kind": {"zh": "类型", "en": "Kind"},
    "ck_col_residents": {"zh": "居民（人）", "en": "Residents"},
    "ck_col_land_ha": {"zh": "居住用地（公顷）", "en": "Residential land (ha)"},
    "ck_col_item": {"zh": "缺项", "en": "Missing item"},
    "ck_col_level": {"zh": "层级", "en": "Level"},
    "ck_col_distance": {"zh": "服务距离", "en": "Distance"},
    "ck_col_status": {"zh": "状态", "en": "Status"},
    "ck_col_affected": {"zh": "受影响居民", "en": "Residents affected"},
    "ck_col_share_affected": {"zh": "占单元居民", "en": "Share of the unit"},
    "ck_col_rank": {"zh": "序号", "en": "#"},
    "ck_status_gap": {"zh": "缺口", "en": "gap"},
    "ck_status_no_data": {"zh": "无数据", "en": "no data"},
    # --- report ------------------------------------------------------------------------
    "ck_report_title": {
        "zh": "{district} 社区生活圈体检报告",
        "en": "{district}: life-circle check-up",
    },
    "ck_report_subtitle": {
        "zh": "城市体检 · 15分钟社区生活圈 · 步行可达性评估",
        "en": "City check-up · 15-minute community life circle · walking access",
    },
    "ck_report_data_date": {"zh": "数据日期：{date}", "en": "Data date: {date}"},
    "ck_report_made": {"zh": "生成日期：{date}", "en": "Made: {date}"},
    "ck_report_units": {"zh": "评估单元：{count}个", "en": "Units: {count}"},
    "ck_report_method": {"zh": "方法与数据来源", "en": "Method and data sources"},
    "ck_report_completeness": {"zh": "生活圈完整度", "en": "Life-circle completeness"},
    "ck_report_maps": {"zh": "重点项目分布图", "en": "Maps of the key items"},
    "ck_report_indicators": {"zh": "单元指标表", "en": "Indicators per unit"},
    "ck_report_ledger": {"zh": "问题台账", "en": "Issue ledger"},
    "ck_report_items": {"zh": "设施项目与标准依据", "en": "Items and their standards"},
    "ck_report_attribution": {"zh": "地图数据", "en": "Map data"},
    "ck_report_legend": {
        "zh": "绿色：步行可达的住宅（公园图为居住用地）；红色：不可达；星号：设施；"
        "灰线：评估单元边界。",
        "en": "Green: homes (for parks: residential land) within reach; red: not; stars: "
        "facilities; grey: units.",
    },
    "ck_report_map_no_data": {
        "zh": "OSM在本区域没有此类设施（无数据），请导入街道的设施清单后重新评估。",
        "en": "OSM has no such facility here (no data): import the street office's list.",
    },
    "ck_report_ledger_empty": {"zh": "没有缺口。", "en": "No gaps."},
    "ck_report_ledger_note": {
        "zh": "每行是一个单元缺少的一个必配项目；先列有数据的缺口，再列无数据项目，各按受影响居民"
        "从多到少排列。",
        "en": "One row per unit and missing essential item; confirmed gaps first, then items "
        "with no data, each by residents affected.",
    },
    "ck_report_unverified_note": {
        "zh": "标注“未核实”的数值未能与标准原文核对。",
        "en": "Numbers marked unverified could not be checked against the standard's text.",
    },
    "ck_col_essential": {"zh": "必配", "en": "Essential"},
    "ck_col_clause": {"zh": "依据", "en": "Source"},
    "ck_yes": {"zh": "是", "en": "yes"},
    "ck_no": {"zh": "否", "en": "no"},
    # --- dashboard report page ---------------------------------------------------------
    "ck_page_report": {"zh": "体检报告", "en": "Check-up report"},
    "ck_report_units_source": {"zh": "评估单元", "en": "Units"},
    "ck_report_units_osm": {
        "zh": "OSM中的小区、社区和街道",
        "en": "Compounds, communities and subdistricts from OSM",
    },
    "ck_report_units_upload": {"zh": "上传边界文件", "en": "Upload a boundary file"},
    "ck_report_units_file": {
        "zh": "边界文件（GeoJSON、GeoPackage或压缩的Shapefile）",
        "en": "Boundary file (GeoJSON, GeoPackage or zipped Shapefile)",
    },
    "ck_report_units_crs": {"zh": "边界文件坐标系", "en": "Coordinate system of the file"},
    "ck_report_no_units": {
        "zh": "没有可用的评估单元：OSM中没有带名称的小区或行政边界，请上传边界文件。",
        "en": "No units: OSM has no named compounds or administrative areas here; upload a "
        "boundary file.",
    },
    "ck_report_download_pdf": {"zh": "下载PDF报告", "en": "Download the PDF report"},
    "ck_report_download_html": {"zh": "下载HTML报告", "en": "Download the HTML report"},
    "ck_report_download_xlsx": {"zh": "下载问题台账（XLSX）", "en": "Download the ledger (XLSX)"},
    "ck_report_make": {"zh": "生成报告", "en": "Make the report"},
}

__all__ = ["CHECKUP"]
