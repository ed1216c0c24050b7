"""Strings of the per-area summaries (街道, 社区/居委): the data page's upload, the gaps
page's table and the map's choropleth."""

from __future__ import annotations

from collections.abc import Mapping

AREAS: Mapping[str, Mapping[str, str]] = {
    "ar_title": {"zh": "街道/社区边界", "en": "Areas (subdistricts, communities)"},
    "ar_upload": {
        "zh": "上传边界文件（GeoJSON、GeoPackage 或压缩的 Shapefile）",
        "en": "Upload a boundary file (GeoJSON, GeoPackage or zipped Shapefile)",
    },
    "ar_crs": {"zh": "边界坐标系", "en": "Coordinate system of the boundaries"},
    "ar_name_column": {
        "zh": "名称列（留空则自动识别：name、名称、社区、街道、jw_name…）",
        "en": "Name column (blank: recognised from name, 名称, 社区, 街道, jw_name…)",
    },
    "ar_use": {"zh": "使用这些边界", "en": "Use these areas"},
    "ar_remove": {"zh": "删除已上传的边界", "en": "Remove the uploaded areas"},
    "ar_saved": {
        "zh": "已保存 {n} 个片区，用于本片区的所有页面。",
        "en": "{n} areas saved; every page of this district uses them.",
    },
    "ar_source_file": {
        "zh": "使用上传的边界文件：{n} 个片区。",
        "en": "Using the uploaded boundary file: {n} areas.",
    },
    "ar_source_osm": {
        "zh": "使用 OSM 中的行政边界（{label}）：{n} 个片区。",
        "en": "Using OSM's administrative boundaries ({label}): {n} areas.",
    },
    "ar_source_example": {
        "zh": "使用示例边界：{n} 个片区沿主要道路划分，仅作示意，不是官方街道或居委边界。"
        "上传本街道的边界文件以替换。",
        "en": "Using the example areas: {n} areas drawn along main roads, for illustration "
        "only, not official street-office or residents' committee boundaries. Upload your "
        "own boundary file to replace them.",
    },
    "ar_none": {
        "zh": "没有片区边界：本数据没有闭合的行政边界（admin_level 8–10），"
        "请在“数据”页上传边界文件。",
        "en": "No areas: the data has no closed administrative boundaries (admin_level "
        "8–10); upload a boundary file on the Data page.",
    },
    "ar_table": {"zh": "各片区情况（服务覆盖最低的在前）", "en": "Per area (lowest served first)"},
    "ar_table_help": {
        "zh": "住宅按其代表点归属片区；覆盖率与全区规则相同（各项目自身服务距离，按居民加权）。"
        "各行（含“不在任何片区”）相加等于全区。",
        "en": "Homes belong to the area containing their point; shares follow the district's "
        "rule (each item's own distance, weighted by residents). The rows, 'outside every "
        "area' included, add up to the district.",
    },
    "ar_col_area": {"zh": "片区", "en": "Area"},
    "ar_col_homes": {"zh": "住宅数", "en": "Homes"},
    "ar_col_residents": {"zh": "估算居民", "en": "Residents (est.)"},
    "ar_col_served": {"zh": "{item} 覆盖率 %", "en": "{item} served %"},
    "ar_col_complete": {"zh": "生活圈完整 %", "en": "Life circle complete %"},
    "ar_col_gap_hexes": {"zh": "缺口六边形", "en": "Gap hexagons"},
    "ar_col_facilities": {"zh": "设施数", "en": "Facilities"},
    "ar_col_default_floors": {"zh": "默认层数住宅 %", "en": "Homes on default floors %"},
    "ar_col_flags": {"zh": "数据缺失", "en": "Data missing"},
    "ar_empty_cells": {
        "zh": "{dash} 表示无法计算：片区内没有居民（见“数据缺失”），或数据中没有该项设施；"
        "下载的 CSV/XLSX 中这些单元格留空。",
        "en": "{dash} means the share cannot be computed: no residents in the area (see "
        "'Data missing') or no facility of that item in the data; the CSV/XLSX downloads "
        "leave these cells empty.",
    },
    "ar_outside": {"zh": "（不在任何片区）", "en": "(outside every area)"},
    "ar_flag_partly_outside": {"zh": "部分在研究范围外", "en": "partly outside the study area"},
    "ar_flag_no_homes": {"zh": "无住宅", "en": "no homes"},
    "ar_flag_default_floors": {"zh": "多数住宅用默认层数", "en": "most homes on default floors"},
    "ar_no_data": {"zh": "无数据", "en": "no data"},
    "ar_measure": {"zh": "片区地图显示", "en": "Areas on the map show"},
    "ar_measure_complete": {"zh": "生活圈完整比例", "en": "share complete"},
    "ar_measure_category": {"zh": "所选项目覆盖率", "en": "share served by the chosen item"},
    "ar_legend": {"zh": "片区（颜色越深，比例越高）", "en": "Areas (darker = higher share)"},
}
