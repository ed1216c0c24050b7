"""The strings of the site suggestion (补建选址) on the gaps page, in zh and en."""

from __future__ import annotations

from collections.abc import Mapping

SITING: Mapping[str, Mapping[str, str]] = {
    "sg_title": {"zh": "补建选址建议", "en": "Suggest sites"},
    "sg_help": {
        "zh": "在候选点中选出新增服务设施的位置：选k处使新增服务居民最多，"
        "或选最少的点位使服务覆盖率达到目标。已有设施覆盖的居民不重复计算。",
        "en": "Choose where new services should go among candidate sites: k sites that newly "
        "serve the most residents, or the fewest sites that bring coverage to a target. "
        "Residents already served by existing facilities do not count again.",
    },
    "sg_category": {"zh": "设施类别", "en": "Service"},
    "sg_mode": {"zh": "问题", "en": "Question"},
    "sg_mode_k": {"zh": "选k处（最大覆盖）", "en": "k sites (maximal covering)"},
    "sg_mode_target": {"zh": "达到目标覆盖率的最少点位", "en": "Fewest sites for a target"},
    "sg_k": {"zh": "点位数 k", "en": "Number of sites k"},
    "sg_target": {"zh": "目标：居民覆盖率（%）", "en": "Target: residents served (%)"},
    "sg_sources": {"zh": "候选点来源", "en": "Candidate sites from"},
    "sg_source_plots": {"zh": "闲置/待建地块", "en": "Vacant plots"},
    "sg_source_buildings": {"zh": "公共建筑底层", "en": "Ground floors of public buildings"},
    "sg_source_entrances": {"zh": "小区出入口", "en": "Compound entrances"},
    "sg_file": {
        "zh": "候选点文件（CSV/XLSX/GeoJSON，可含造价）",
        "en": "Candidate file (CSV/XLSX/GeoJSON, cost optional)",
    },
    "sg_weighted": {
        "zh": "按居民问需加权（问卷）",
        "en": "Weight by residents' stated needs (survey)",
    },
    "sg_survey_file": {"zh": "问卷文件（默认：示例问卷）", "en": "Survey file (default: sample)"},
    "sg_run": {"zh": "给出选址建议", "en": "Suggest sites"},
    "sg_clicks": {
        "zh": "在地图上点击可添加候选点（已添加{n}个）",
        "en": "Click the map to add candidate sites ({n} added)",
    },
    "sg_clear_clicks": {"zh": "清除点击的候选点", "en": "Clear clicked sites"},
    "sg_no_result": {
        "zh": "选择问题和候选点来源，然后点击“给出选址建议”。",
        "en": "Choose a question and candidate sources, then press “Suggest sites”.",
    },
    "sg_metric_new": {"zh": "新增服务居民", "en": "Residents newly served"},
    "sg_metric_sites": {"zh": "建议点位", "en": "Sites"},
    "sg_metric_share": {"zh": "覆盖率", "en": "Residents served"},
    "sg_metric_gap": {"zh": "最优性差距", "en": "Optimality gap"},
    "sg_gap_help": {
        "zh": "与可证明上界（或点位数下界）的相对差距；0 表示已证明最优。求解方法：{method}。",
        "en": "Relative distance to a proven bound (or lower bound on sites); 0 means proven "
        "optimal. Method: {method}.",
    },
    "sg_method_exact": {"zh": "精确求解（HiGHS）", "en": "exact (HiGHS)"},
    "sg_method_greedy": {"zh": "贪心算法及其上界", "en": "greedy with its bound"},
    "sg_curve": {
        "zh": "覆盖曲线：点位数与新增服务居民",
        "en": "Coverage curve: sites and residents",
    },
    "sg_curve_value": {"zh": "新增服务居民", "en": "Residents newly served"},
    "sg_curve_bound": {"zh": "可证明上界", "en": "Proven bound"},
    "sg_sites_table": {"zh": "建议点位", "en": "Suggested sites"},
    "sg_col_rank": {"zh": "序号", "en": "Rank"},
    "sg_col_name": {"zh": "名称", "en": "Name"},
    "sg_col_source": {"zh": "来源", "en": "Source"},
    "sg_col_added": {"zh": "新增服务居民", "en": "Residents added"},
    "sg_col_reach": {"zh": "单独可服务居民", "en": "Residents alone"},
    "sg_col_cost": {"zh": "造价", "en": "Cost"},
    "sg_layer_candidates": {"zh": "候选点", "en": "Candidate sites"},
    "sg_layer_sites": {"zh": "建议点位", "en": "Suggested sites"},
    "sg_layer_homes": {"zh": "新增服务住宅", "en": "Homes newly served"},
    "sg_layer_clicks": {"zh": "点击的候选点", "en": "Clicked sites"},
    "sg_site_tip": {
        "zh": "第{rank}处：{name}（新增{added}人）",
        "en": "#{rank}: {name} (+{added})",
    },
    "sg_candidate_tip": {"zh": "{name}：单独可服务{reach}人", "en": "{name}: {reach} alone"},
    "sg_to_scenario": {"zh": "生成情景（可比较、可表决）", "en": "Turn into a scenario"},
    "sg_scenario_made": {
        "zh": "已生成情景“{title}”（{id}），可在“情景”页查看、比较和讨论。",
        "en": "Scenario “{title}” ({id}) created: open it on the Scenarios page to compare "
        "and discuss.",
    },
    "sg_open_scenarios": {"zh": "打开情景页", "en": "Open the Scenarios page"},
    "sg_left_out": {
        "zh": "{n}个数据候选点距步行网络过远，未纳入。",
        "en": "{n} candidate sites from the data are too far from the walking network and "
        "were left out.",
    },
    "sg_note_already": {
        "zh": "已达到目标，无需新增点位。",
        "en": "Target already met: no site needed.",
    },
    "sg_download_sites": {"zh": "下载点位（GeoJSON）", "en": "Download sites (GeoJSON)"},
    "sg_download_scenario": {"zh": "下载情景（GeoJSON）", "en": "Download scenario (GeoJSON)"},
}
