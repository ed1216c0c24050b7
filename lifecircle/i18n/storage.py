"""Strings of the per-district user files: sample surveys and scenario files that belong
to another district."""

from __future__ import annotations

from collections.abc import Mapping

STORAGE: Mapping[str, Mapping[str, str]] = {
    "survey_no_sample": {
        "zh": "本片区没有示例问卷：请上传一份问卷文件（CSV、XLSX 或 GeoJSON）。",
        "en": "There is no sample survey for this district: upload a survey file "
        "(CSV, XLSX or GeoJSON).",
    },
    "dl_no_sample_survey": {
        "zh": "本片区没有示例问卷，不能从优先级表发起议题；请在地图上选点。",
        "en": "There is no sample survey for this district, so no priority table to start "
        "a topic from: pick a place on the map instead.",
    },
    "scn_other_district": {
        "zh": "有 {n} 个方案文件属于其他片区或无法读取，这里没有列出。",
        "en": "{n} scenario file(s) belong to another district or cannot be read, and are "
        "not listed here.",
    },
}
