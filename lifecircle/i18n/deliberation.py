"""The strings of deliberation (议事): the facilitator's topic page, the resident voting
page, the minutes and the printed ballot sheets, in zh and en."""

from __future__ import annotations

from collections.abc import Mapping

DELIBERATION: Mapping[str, Mapping[str, str]] = {
    "page_topics": {"zh": "议事", "en": "Deliberation"},
    "page_vote": {"zh": "投票", "en": "Vote"},
    "dl_key": {"zh": "主持人密钥", "en": "Facilitator key"},
    "dl_key_help": {
        "zh": "启动仪表板时打印的 LIFECIRCLE_FACILITATOR_KEY。",
        "en": "LIFECIRCLE_FACILITATOR_KEY, printed when the dashboard starts.",
    },
    "dl_sign_in": {"zh": "登录主持", "en": "Sign in"},
    "dl_key_ok": {"zh": "已验证为主持人", "en": "Signed in as facilitator"},
    "dl_key_needed": {
        "zh": "主持人操作需要主持人密钥；居民请扫描二维码投票。",
        "en": "Facilitator actions need the facilitator key; "
        "residents vote by scanning the QR code.",
    },
    "dl_new_topic": {"zh": "新建议题", "en": "New topic"},
    "dl_from_priority": {"zh": "来自问需优先清单的一行", "en": "From a row of the priority list"},
    "dl_from_map": {"zh": "来自地图上的一个点", "en": "From a point on the map"},
    "dl_priority_row": {"zh": "优先清单中的行", "en": "Priority row"},
    "dl_create_topic": {"zh": "创建议题", "en": "Create topic"},
    "dl_topic_title": {"zh": "议题标题", "en": "Topic title"},
    "dl_topic_description": {"zh": "说明", "en": "Description"},
    "dl_topic": {"zh": "议题", "en": "Topic"},
    "dl_no_topics": {"zh": "还没有议题。", "en": "No topics yet."},
    "dl_room_code": {"zh": "房间码", "en": "Room code"},
    "dl_need": {"zh": "回应的需求", "en": "Need it answers"},
    "dl_affected": {"zh": "受影响居民", "en": "Residents affected"},
    "dl_evidence": {"zh": "依据", "en": "Evidence"},
    "dl_alternatives": {"zh": "备选方案", "en": "Alternatives"},
    "dl_add_alternative": {"zh": "添加备选方案", "en": "Add alternative"},
    "dl_scenario": {"zh": "情景文件", "en": "Scenario file"},
    "dl_do_nothing": {"zh": "维持现状", "en": "Do nothing"},
    "dl_label": {"zh": "方案名称", "en": "Name"},
    "dl_newly_served": {"zh": "新增覆盖居民", "en": "Residents newly served"},
    "dl_doorstep_touched": {"zh": "涉及的家门口服务圈", "en": "Doorstep circles touched"},
    "dl_completeness": {"zh": "生活圈完整度（前→后）", "en": "Completeness (before → after)"},
    "dl_difference_map": {"zh": "差异图", "en": "Difference map"},
    "dl_difference_map_pick": {
        "zh": "选择一个方案查看差异图",
        "en": "Pick an alternative to see its difference map",
    },
    "dl_rounds": {"zh": "投票轮次", "en": "Rounds of voting"},
    "dl_open_round": {"zh": "开启新一轮投票", "en": "Open a round"},
    "dl_close_round": {"zh": "结束本轮投票", "en": "Close the round"},
    "dl_question": {"zh": "问题", "en": "Question"},
    "dl_options": {"zh": "本轮选项", "en": "Options of this round"},
    "dl_method": {"zh": "投票方式", "en": "Method"},
    "dl_method_single": {"zh": "单选", "en": "Single choice"},
    "dl_method_ranking": {"zh": "排序", "en": "Ranking"},
    "dl_mode": {"zh": "选票方式", "en": "Ballots"},
    "dl_mode_token": {
        "zh": "一次性选票码（打印）：每张选票一票",
        "en": "Printed one-time tokens: one vote per token",
    },
    "dl_mode_device": {
        "zh": "非正式：每台设备一票",
        "en": "Informal: one vote per device",
    },
    "dl_round": {"zh": "第{n}轮", "en": "Round {n}"},
    "dl_round_open": {"zh": "投票中", "en": "open"},
    "dl_round_closed": {"zh": "已结束", "en": "closed"},
    "dl_ballots": {"zh": "有效选票", "en": "Ballots"},
    "dl_votes": {"zh": "票数", "en": "Votes"},
    "dl_share": {"zh": "占比", "en": "Share"},
    "dl_points": {"zh": "波达计分", "en": "Borda points"},
    "dl_live": {"zh": "实时更新中", "en": "Updating live"},
    "dl_scan": {
        "zh": "用手机扫码投票，或打开 {url} 输入房间码 {room}",
        "en": "Scan to vote, or open {url} and type room code {room}",
    },
    "dl_tokens": {"zh": "打印选票码", "en": "Print ballot tokens"},
    "dl_tokens_n": {"zh": "选票数量", "en": "Number of tokens"},
    "dl_tokens_make": {"zh": "生成选票单（PDF）", "en": "Make the token sheet (PDF)"},
    "dl_tokens_issued": {"zh": "已发放 {n} 张，已使用 {used} 张", "en": "{n} issued, {used} used"},
    "dl_decide": {"zh": "结束议题并形成决定", "en": "Close the topic with a decision"},
    "dl_decision": {"zh": "决定", "en": "Decision"},
    "dl_decision_text": {"zh": "决定说明", "en": "What was decided"},
    "dl_follow_up": {"zh": "后续管理（谁负责）", "en": "Follow-up (who manages it)"},
    "dl_close_topic": {"zh": "结束议题并生成会议纪要", "en": "Close topic and write the minutes"},
    "dl_minutes": {"zh": "会议纪要", "en": "Minutes"},
    "dl_minutes_md": {"zh": "下载纪要（Markdown）", "en": "Download minutes (Markdown)"},
    "dl_minutes_pdf": {"zh": "下载纪要（PDF）", "en": "Download minutes (PDF)"},
    "dl_outcome": {"zh": "决定的方案", "en": "The decided alternative"},
    "dl_closed": {"zh": "议题已结束", "en": "This topic is closed"},
    "dl_winner": {"zh": "领先", "en": "leading"},
    "dl_tie": {"zh": "平票", "en": "tie"},
    "map_decided": {
        "zh": "议事决定（{date}）：“{topic}” → {choice}。地图上的“议事决定”图层显示该方案。",
        "en": "Decided in deliberation ({date}): “{topic}” → {choice}. "
        "The map's “Decided in deliberation” layer shows it.",
    },
    "layer_decided": {"zh": "议事决定", "en": "Decided in deliberation"},
    "vote_title": {"zh": "居民投票", "en": "Resident vote"},
    "vote_room": {"zh": "房间码", "en": "Room code"},
    "vote_enter": {"zh": "进入", "en": "Enter"},
    "vote_token": {"zh": "选票码（印在选票上）", "en": "Ballot code (printed on your ballot)"},
    "vote_use_token": {"zh": "使用选票码", "en": "Use this code"},
    "vote_no_round": {
        "zh": "现在没有正在进行的投票；投票开始时本页会自动更新。",
        "en": "No round is open right now; this page updates by itself when one opens.",
    },
    "vote_mode_token": {
        "zh": "本轮使用一次性选票码：每张选票一票。",
        "en": "This round uses one-time ballot codes: one vote per code.",
    },
    "vote_mode_device": {
        "zh": "本轮为非正式投票：每台设备一票。",
        "en": "Informal round: one vote per device.",
    },
    "vote_choose": {"zh": "请选择一项", "en": "Choose one"},
    "vote_rank": {"zh": "按喜好排序（第一项为首选）", "en": "Rank them (first is your favourite)"},
    "vote_rank_placeholder": {"zh": "依次点选各项", "en": "Pick them in order"},
    "vote_submit": {"zh": "投票", "en": "Vote"},
    "vote_recorded": {"zh": "已记录您的投票：{choice}", "en": "Your vote is recorded: {choice}"},
    "vote_replaced": {
        "zh": "已更新您的投票：{choice}（以最后一次为准）",
        "en": "Your vote is updated: {choice} (the last one counts)",
    },
    "vote_change_hint": {
        "zh": "投票结束前可以修改，以最后一次为准。",
        "en": "You may change your vote until the round closes; the last one counts.",
    },
    "vote_refused": {"zh": "未计票：{reason}", "en": "Not counted: {reason}"},
    "vote_page_title": {"zh": "投票", "en": "Vote"},
    "vote_lang": {"zh": "语言", "en": "Language"},
    # Why a request was refused (geo.deliberation.model.REFUSALS): the resident page and the
    # facilitator's page show these, in the page's language.
    "refusal_busy": {
        "zh": "系统正忙，请几秒后再试一次。",
        "en": "The system is busy; try again in a few seconds.",
    },
    "refusal_no_device": {
        "zh": "这台手机还没有设备标识，请刷新页面。",
        "en": "This phone has no device identity yet; reload the page.",
    },
    "refusal_room_unknown": {
        "zh": "没有房间码为 {code} 的议事，请核对房间码。",
        "en": "There is no room {code}: check the room code.",
    },
    "refusal_topic_closed": {
        "zh": "这个议题已经结束，投票已截止。",
        "en": "This topic is closed: voting has ended.",
    },
    "refusal_token_missing": {
        "zh": "请输入选票上印的选票码。",
        "en": "Type the code printed on your ballot.",
    },
    "refusal_token_unknown": {
        "zh": "本房间没有这个选票码，请核对。",
        "en": "This ballot code is not known in this room: check it.",
    },
    "refusal_token_expired": {
        "zh": "这个选票码已过期，请向主持人领取新的选票。",
        "en": "This ballot code has expired; ask the facilitator for a new one.",
    },
    "refusal_token_used": {
        "zh": "这个选票码已在另一台手机上使用。",
        "en": "This ballot code was already used on another phone.",
    },
    "refusal_ballot_invalid": {
        "zh": "这张选票无效，请重新扫描您的选票码。",
        "en": "This ballot is not valid: scan your code again.",
    },
    "refusal_other_room": {
        "zh": "这张选票属于另一个议事房间。",
        "en": "This ballot belongs to another room.",
    },
    "refusal_needs_token": {
        "zh": "本轮需要使用为您打印的选票码。",
        "en": "This round needs the ballot code printed for you.",
    },
    "refusal_round_unknown": {
        "zh": "没有这一轮投票。",
        "en": "There is no such round of voting.",
    },
    "refusal_round_closed": {
        "zh": "第{number}轮投票已结束，您的投票未计入。",
        "en": "Round {number} is closed: your vote was not counted.",
    },
    "refusal_choose_first": {"zh": "请先选择一项。", "en": "Choose an option first."},
    "refusal_not_on_ballot": {
        "zh": "该选项不在第{number}轮的选票上，您的投票未计入。",
        "en": "That option is not on the ballot of round {number}: your vote was not counted.",
    },
    "refusal_rank_once": {
        "zh": "每个选项只能排一次。",
        "en": "Each option may be ranked only once.",
    },
    "refusal_one_choice": {"zh": "本轮只能选一项。", "en": "This round takes one choice."},
    "refusal_facilitator_key": {
        "zh": "此操作需要主持人密钥（LIFECIRCLE_FACILITATOR_KEY，启动仪表板时打印）；"
        "没有做任何更改。",
        "en": "This needs the facilitator key (LIFECIRCLE_FACILITATOR_KEY, printed when the "
        "dashboard starts); nothing was changed.",
    },
    "refusal_other": {
        "zh": "请求未能完成，请重试或询问主持人。",
        "en": "The request could not be carried out; try again or ask the facilitator.",
    },
    "md_minutes_title": {"zh": "会议纪要：{title}", "en": "Minutes: {title}"},
    "md_topic": {"zh": "议题", "en": "Topic"},
    "md_place": {"zh": "地点", "en": "Place"},
    "md_district": {"zh": "片区", "en": "District"},
    "md_opened": {"zh": "提出时间", "en": "Opened"},
    "md_closed": {"zh": "结束时间", "en": "Closed"},
    "md_evidence": {"zh": "议题从何而来（依据）", "en": "Where the topic came from (evidence)"},
    "md_alternatives": {"zh": "备选方案及其影响", "en": "Alternatives and what they change"},
    "md_rounds": {"zh": "投票结果", "en": "Votes"},
    "md_decision": {"zh": "决定", "en": "Decision"},
    "md_follow_up": {"zh": "后续管理", "en": "Follow-up"},
    "md_question": {"zh": "问题", "en": "Question"},
    "md_option": {"zh": "选项", "en": "Option"},
    "md_winner": {"zh": "结果", "en": "Result"},
    "md_source_priority": {
        "zh": "问需×缺口优先清单（按{by}）",
        "en": "the needs × gaps priority list (by {by})",
    },
    "md_source_hexagon": {"zh": "服务缺口六边形", "en": "a gap hexagon"},
    "md_by_hexagon": {"zh": "六边形", "en": "hexagon"},
    "md_by_compound": {"zh": "小区", "en": "compound"},
    "md_source_map": {"zh": "地图上的一个点", "en": "a point on the map"},
    "md_category": {"zh": "类别", "en": "Category"},
    "md_rank": {"zh": "排名", "en": "Rank"},
    "md_unit": {"zh": "单元", "en": "Unit"},
    "md_requests": {"zh": "诉求数", "en": "Requests"},
    "md_not_served": {"zh": "未覆盖居民", "en": "Residents not served"},
    "md_score": {"zh": "优先分", "en": "Score"},
    "md_newly": {"zh": "新增覆盖（{m}分钟）", "en": "Newly served ({m} min)"},
    "md_minutes_unit": {"zh": "{m}分钟", "en": "{m} min"},
    "md_rule": {
        "zh": "计票规则：每位投票人以最后一次投票为准；"
        "单选按票数，排序按波达计分（第r名得 n−r 分）。",
        "en": "Counting: each voter's last vote counts; single choice by votes, "
        "ranking by Borda points (r-th place gets n − r).",
    },
    "md_data_note": {
        "zh": "地图数据 © OpenStreetMap 贡献者，ODbL 1.0。"
        "新增覆盖居民为估算（建筑面积×层数÷37平方米/人）。",
        "en": "Map data © OpenStreetMap contributors, ODbL 1.0. Residents are estimated "
        "(floor area ÷ 37 m² per person).",
    },
    "sheet_title": {"zh": "议事投票选票：{title}", "en": "Ballot tokens: {title}"},
    "sheet_help": {
        "zh": "扫码或打开 {url}，输入房间码 {room} 和选票码。每张选票码只能在一台手机上使用。",
        "en": "Scan, or open {url} and type room code {room} and the ballot code. "
        "Each code works on one phone only.",
    },
    "sheet_valid": {"zh": "有效期至 {when}", "en": "Valid until {when}"},
}
