"""The strings of a dashboard that stays quick on a whole district: summaries, the view,
progress of long work, in zh and en."""

from __future__ import annotations

from collections.abc import Mapping

DASHSCALE: Mapping[str, Mapping[str, str]] = {
    # --- the map of a large district -----------------------------------------------------
    "layer_summary": {"zh": "居民覆盖（按片区汇总）", "en": "Residents served, by area"},
    "layer_category_sites": {"zh": "{category}（全区）", "en": "{category} (whole district)"},
    "summary_legend": {"zh": "覆盖率（按片区）", "en": "Share served, by area"},
    "summary_homes": {
        "zh": "住宅 {homes} 栋，居民 {residents} 人",
        "en": "{homes} homes, {residents} residents",
    },
    "summary_served": {
        "zh": "覆盖 {served} 人（{share}%），未覆盖 {not_served} 人",
        "en": "served {served} ({share}%), not served {not_served}",
    },
    "summary_sites": {"zh": "{category}：{count} 处", "en": "{category}: {count}"},
    "view_overview": {
        "zh": "全区视图：按片区汇总。放大地图即可查看视野内的街道、住宅和设施。",
        "en": "Whole district: summaries by area. Zoom in to see the streets, homes and "
        "facilities in view.",
    },
    "view_too_many": {
        "zh": "当前视野内要素过多（{vertices} 个坐标点、{markers} 个设施），请再放大一些。",
        "en": "This view holds too much to draw ({vertices} coordinates, {markers} "
        "facilities): zoom in a little further.",
    },
    "view_detail": {
        "zh": "显示视野内：街道 {streets} 段、住宅 {homes} 栋、设施 {facilities} 处。",
        "en": "Showing what is in view: {streets} street segments, {homes} homes, "
        "{facilities} facilities.",
    },
    # --- progress of long work -------------------------------------------------------------
    "stage_district": {"zh": "加载片区", "en": "Loading the district"},
    "stage_analysis": {"zh": "计算步行可达性", "en": "Analysing walking access"},
    "stage_layers": {"zh": "准备地图图层", "en": "Preparing the map layers"},
    "stage_ready": {"zh": "已完成，用时 {seconds} 秒", "en": "Ready in {seconds} s"},
    "step_reading_cache": {"zh": "读取缓存", "en": "reading the cache"},
    "step_reading_file": {"zh": "读取 {name}", "en": "reading {name}"},
    "step_building_network": {
        "zh": "构建步行网络和要素",
        "en": "building the walking network and features",
    },
    "step_writing_cache": {"zh": "写入缓存", "en": "writing the cache"},
    "step_district_loaded": {"zh": "片区已加载", "en": "district loaded"},
    "step_joining": {"zh": "设施接入街道", "en": "joining facilities to the streets"},
    "step_distances": {"zh": "步行距离", "en": "walking distances"},
    "step_homes": {"zh": "住宅与覆盖居民", "en": "homes and residents served"},
    "step_analysis_done": {"zh": "分析完成", "en": "analysis done"},
    "step_summaries": {"zh": "按片区汇总", "en": "summaries by area"},
    "step_service_areas": {"zh": "服务范围", "en": "service areas"},
    "step_land_use": {"zh": "用地轮廓", "en": "land use"},
    "step_doorstep": {"zh": "家门口服务圈", "en": "doorstep circles"},
    "step_view_index": {"zh": "视野空间索引", "en": "spatial index of the view"},
}
