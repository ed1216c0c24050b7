"""Every user-facing string of the dashboard, in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: Mapping[str, Mapping[str, str]] = {
    "app_title": {"zh": "15分钟社区生活圈", "en": "15-minute community life circle"},
    "app_subtitle": {
        "zh": "步行可达性、服务缺口与情景营造",
        "en": "Walking access, service gaps and scenario planning",
    },
    "language": {"zh": "语言 Language", "en": "Language 语言"},
    "page_map": {"zh": "地图", "en": "Map"},
    "page_gaps": {"zh": "服务缺口", "en": "Service gaps"},
    "page_data": {"zh": "数据", "en": "Data"},
    "page_scenarios": {"zh": "情景", "en": "Scenarios"},
    "page_survey": {"zh": "居民问需", "en": "Resident needs"},
    "district": {"zh": "片区", "en": "District"},
    "category": {"zh": "设施类别", "en": "Facility category"},
    "tier": {"zh": "生活圈层级", "en": "Life-circle tier"},
    "tier_option": {"zh": "{minutes}分钟（{metres}米）", "en": "{minutes} min ({metres} m)"},
    "own_tier": {"zh": "按类别标准", "en": "Category standard"},
    "speed": {"zh": "步行速度（公里/小时）", "en": "Walking speed (km/h)"},
    "standard": {"zh": "距离标准", "en": "Distance standard"},
    "standard_gb": {
        "zh": "GB 50180-2018（300/500/1000米）",
        "en": "GB 50180-2018 (300/500/1000 m)",
    },
    "standard_speed": {"zh": "按步行速度换算", "en": "From walking speed"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_light": {"zh": "浅色底图", "en": "Light"},
    "basemap_tianditu": {"zh": "天地图", "en": "Tianditu"},
    "basemap_gaode": {"zh": "高德（GCJ-02）", "en": "Gaode / AMap (GCJ-02)"},
    "basemap_none": {"zh": "仅本地（OSM数据）", "en": "Local only (OSM extract)"},
    "tianditu_key_missing": {
        "zh": "天地图需要密钥：设置环境变量 TIANDITU_KEY。",
        "en": "Tianditu needs a key: set the TIANDITU_KEY environment variable.",
    },
    "street_colour": {"zh": "街道着色", "en": "Colour streets by"},
    "colour_time": {"zh": "到所选类别的步行时间", "en": "Walking time to the category"},
    "colour_count": {"zh": "达标类别数", "en": "Categories reached in their tier"},
    "layer_base": {"zh": "本地底图（OSM）", "en": "Local base (OSM)"},
    "layer_streets": {"zh": "街道", "en": "Streets"},
    "layer_facilities": {"zh": "设施", "en": "Facilities"},
    "layer_service_areas": {"zh": "服务范围 5/10/15分钟", "en": "Service areas 5/10/15 min"},
    "layer_doorstep": {"zh": "50米家门口服务圈", "en": "50 m doorstep circles"},
    "layer_homes": {"zh": "住宅（是否覆盖）", "en": "Homes (served or not)"},
    "layer_gaps": {"zh": "缺口六边形", "en": "Gap hexagons"},
    "layer_isochrone": {"zh": "点击处等时圈", "en": "Isochrone at click"},
    "legend": {"zh": "图例", "en": "Legend"},
    "minutes": {"zh": "分钟", "en": "min"},
    "beyond": {"zh": "超出范围", "en": "beyond reach"},
    "served": {"zh": "已覆盖", "en": "served"},
    "not_served": {"zh": "未覆盖", "en": "not served"},
    "click_hint": {
        "zh": "点击地图任意位置，查看该点15分钟等时圈及可达设施。",
        "en": "Click anywhere on the map to see its 15-minute isochrone and what it reaches.",
    },
    "reach_title": {"zh": "从点击处步行可达", "en": "Reachable on foot from the click"},
    "reach_none": {"zh": "15分钟内没有可达设施。", "en": "No facility within 15 minutes."},
    "col_category": {"zh": "类别", "en": "Category"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_distance": {"zh": "距离（米）", "en": "Distance (m)"},
    "col_minutes": {"zh": "步行（分钟）", "en": "Walk (min)"},
    "col_tier": {"zh": "层级", "en": "Tier"},
    "col_tier_m": {"zh": "标准距离（米）", "en": "Standard (m)"},
    "col_facilities": {"zh": "设施数", "en": "Facilities"},
    "col_served": {"zh": "覆盖人口", "en": "Residents served"},
    "col_not_served": {"zh": "未覆盖人口", "en": "Not served"},
    "col_share": {"zh": "覆盖率", "en": "Share served"},
    "col_rank": {"zh": "排名", "en": "Rank"},
    "col_cell": {"zh": "六边形", "en": "Hexagon"},
    "col_residents": {"zh": "居民", "en": "Residents"},
    "col_unmet": {"zh": "未满足（人·类）", "en": "Unmet (person-gaps)"},
    "col_missing": {"zh": "缺失类别数", "en": "Categories missing"},
    "col_worst": {"zh": "最缺类别", "en": "Worst category"},
    "col_source": {"zh": "来源", "en": "Source"},
    "metric_residents": {"zh": "居民（估算）", "en": "Residents (estimated)"},
    "metric_served": {"zh": "覆盖率", "en": "Share served"},
    "metric_not_served": {"zh": "未覆盖居民", "en": "Residents not served"},
    "metric_completeness": {"zh": "生活圈完整度", "en": "Life-circle completeness"},
    "metric_facilities": {"zh": "设施数量", "en": "Facilities"},
    "completeness_help": {
        "zh": "在各自层级距离内能到达全部类别设施的居民比例。",
        "en": "Share of residents who reach every category within its tier.",
    },
    "gaps_title": {"zh": "服务缺口", "en": "Service gaps"},
    "coverage_table": {"zh": "各类别覆盖情况", "en": "Coverage by category"},
    "coverage_chart": {"zh": "各层级覆盖率", "en": "Share served by tier"},
    "worst_cells": {"zh": "优先行动的六边形", "en": "Hexagons to act on first"},
    "worst_map": {"zh": "缺口地图", "en": "Gap map"},
    "gap_measure": {"zh": "缺口指标", "en": "Gap measure"},
    "gap_total": {"zh": "全部类别合计", "en": "All categories"},
    "data_title": {"zh": "数据", "en": "Data"},
    "data_source": {"zh": "数据来源", "en": "Data source"},
    "source_bundled": {"zh": "内置示例片区", "en": "Bundled sample"},
    "source_upload": {"zh": "上传OSM文件", "en": "Upload an OSM file"},
    "source_overpass": {"zh": "在线下载（Overpass）", "en": "Download (Overpass)"},
    "upload_osm": {"zh": "OSM文件（.osm/.osm.bz2/.osm.pbf）", "en": "OSM file (.osm/.osm.bz2/.osm.pbf)"},
    "place_name": {"zh": "地名", "en": "Place name"},
    "bbox": {"zh": "范围（西,南,东,北）", "en": "Bounding box (W,S,E,N)"},
    "download": {"zh": "下载", "en": "Download"},
    "use_this": {"zh": "使用此数据", "en": "Use this data"},
    "offline_msg": {
        "zh": "无法连接Overpass（可能没有网络）。请使用本地OSM文件或内置片区。",
        "en": "Overpass cannot be reached (no internet?). Use a local OSM file or a bundled district.",
    },
    "inventory": {"zh": "设施清单（CSV/XLSX/GeoJSON）", "en": "Facility inventory (CSV/XLSX/GeoJSON)"},
    "inventory_crs": {"zh": "坐标系", "en": "Coordinate system"},
    "crs_wgs84": {"zh": "WGS-84（GPS/OSM）", "en": "WGS-84 (GPS/OSM)"},
    "crs_gcj02": {"zh": "GCJ-02（高德/腾讯）", "en": "GCJ-02 (AMap/Tencent)"},
    "crs_bd09": {"zh": "BD-09（百度）", "en": "BD-09 (Baidu)"},
    "inventory_loaded": {"zh": "已加入 {n} 个设施。", "en": "Added {n} facilities."},
    "inventory_rejected": {"zh": "{n} 行被拒绝：", "en": "{n} rows rejected:"},
    "clear_inventory": {"zh": "移除上传的设施", "en": "Remove uploaded facilities"},
    "provenance": {"zh": "数据出处", "en": "Provenance"},
    "data_date": {"zh": "数据日期", "en": "Data date"},
    "attribution": {"zh": "版权", "en": "Attribution"},
    "network_summary": {
        "zh": "步行网络：{nodes} 个节点，{edges} 条边，{pieces} 个连通片段",
        "en": "Walking network: {nodes} nodes, {edges} edges, {pieces} connected pieces",
    },
    "loading": {"zh": "正在加载片区…", "en": "Loading the district…"},
    "computing": {"zh": "正在计算步行可达性…", "en": "Computing walking access…"},
    "error": {"zh": "出错了", "en": "Something is wrong"},
    "exports": {"zh": "导出", "en": "Export"},
    "export_html": {"zh": "地图（独立HTML）", "en": "Map (standalone HTML)"},
    "export_gpkg": {"zh": "图层（GeoPackage）", "en": "Layers (GeoPackage)"},
    "export_geojson": {"zh": "缺口六边形（GeoJSON）", "en": "Gap hexagons (GeoJSON)"},
    "export_csv": {"zh": "表格（CSV）", "en": "Table (CSV)"},
    "export_xlsx": {"zh": "表格（XLSX）", "en": "Table (XLSX)"},
    "prepare_export": {"zh": "生成导出文件", "en": "Prepare exports"},
    "all_categories": {"zh": "全部类别", "en": "All categories"},
    "osm_attribution": {
        "zh": "地图数据 © OpenStreetMap 贡献者，ODbL 1.0",
        "en": "Map data © OpenStreetMap contributors, ODbL 1.0",
    },
}


def t(key: str, lang: str, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (Chinese when the language is unknown)."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**kwargs) if kwargs else text


def pick_lang(query_value: str | None, locale: str | None) -> str:
    """``?lang=`` wins; else the browser's locale; else Chinese."""
    if query_value in LANGS:
        return str(query_value)
    if locale:
        return "zh" if locale.lower().startswith("zh") else "en"
    return DEFAULT_LANG
