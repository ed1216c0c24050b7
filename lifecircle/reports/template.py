"""The Jinja2 template of the check-up report (A4; page numbers and fonts for the PDF)."""

from __future__ import annotations

REPORT_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-center {
    content: "{{ '第 ' if lang == 'zh' else 'Page ' }}" counter(page)
      "{{ ' 页 / 共 ' if lang == 'zh' else ' of ' }}" counter(pages)
      "{{ ' 页' if lang == 'zh' else '' }}";
    font-family: "{{ font }}"; font-size: 8pt; color: #555;
  }
  @bottom-right { content: "{{ attribution }}"; font-family: "{{ font }}"; font-size: 6pt;
    color: #777; }
}
@page :first { @bottom-center { content: none; } }
body { font-family: "{{ font }}", sans-serif; font-size: 9.5pt; color: #1b2631;
  line-height: 1.5; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 22pt; margin: 60mm 0 6mm 0; }
h2 { font-size: 14pt; border-bottom: 1px solid #aab7b8; padding-bottom: 1mm;
  break-before: page; }
h3 { font-size: 11pt; margin: 4mm 0 1mm 0; }
.cover p { font-size: 11pt; margin: 1mm 0; }
.subtitle { font-size: 13pt; color: #34495e; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; table-layout: fixed; }
th, td { border: 0.5pt solid #aab7b8; padding: 1mm 1.5mm; text-align: left;
  vertical-align: top; }
th { background: #eaeded; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
.map { break-inside: avoid; margin: 3mm 0 6mm 0; }
table.ledger { break-after: page; }
table.ledger:last-of-type { break-after: auto; }
.map img { width: 100%; }
.caption { font-size: 8pt; color: #555; }
.unverified { color: #a04000; font-size: 7.5pt; }
.nodata { color: #a04000; }
</style>
</head>
<body>
<section class="cover">
  <h1>{{ title }}</h1>
  <p class="subtitle">{{ t("ck_report_subtitle") }}</p>
  <p>{{ t("ck_report_data_date", date=meta.data_date or "—") }}</p>
  <p>{{ t("ck_report_made", date=made) }}</p>
  <p>{{ t("ck_report_units", count=units) }}</p>
  <p>{{ t("ck_report_attribution") }}: {{ attribution }}</p>
</section>

<h2>{{ t("ck_report_method") }}</h2>
{% if lang == "zh" %}
<p>本报告用OpenStreetMap（OSM）数据（{{ source_name }}，数据日期{{ meta.data_date or "不详" }}）计算每栋住宅沿步行网络到各类设施的距离，
步行速度{{ "%.1f"|format(walk_speed) }} km/h。设施项目、所属层级（5、10、15分钟生活圈）、是否必配及服务距离依据
GB 50180-2018《城市居住区规划设计标准》附录B、TD/T 1062-2021《社区生活圈规划技术指南》和《完整居住社区建设标准（试行）》；
公园绿地按城市体检规则分级：5,000 m²及以上服务500 m，2,000–5,000 m²服务300 m，更小者为小微绿地。</p>
<p>住宅、设施和居住用地按同一规则接入步行网络：点接入最近街道的两端，面状设施从入口或30 m内的路网节点进入。
居民数由建筑面积估算（每人约37 m²）。生活圈完整度按层级计算，只计有数据的必配项目；OSM中完全没有的必配项目标为“无数据”，
不计为0%。公园绿地服务半径覆盖率以居住用地面积为分母，居住用地切成20 m网格，按步行距离判断是否在服务半径内。</p>
<p>{{ t("ck_report_unverified_note") }}</p>
{% else %}
<p>Walking distances from every home to every item on the OpenStreetMap network ({{ source_name }},
data date {{ meta.data_date or "unknown" }}), at {{ "%.1f"|format(walk_speed) }} km/h. Items, levels
(5-, 10-, 15-minute circles), essential flags and distances follow GB 50180-2018 Appendix B,
TD/T 1062-2021 and the 2020 complete-community standard; parks follow the city check-up rule
(≥ 5,000 m²: 500 m; 2,000–5,000 m²: 300 m; smaller ones are pocket green).</p>
<p>Homes, facilities and residential land join the network by one rule. Completeness is per
level over essential items with data; an essential item with no facility at all is "no data",
never 0 %. Park coverage divides residential land (20 m cells, walked) within park distances by
all residential land.</p>
<p>{{ t("ck_report_unverified_note") }}</p>
{% endif %}

<h2>{{ t("ck_report_completeness") }}</h2>
<table>
<thead><tr><th>{{ t("ck_col_level") }}</th><th>%</th><th>{{ t("ck_col_essential") }}</th>
<th>{{ t("ck_no_data") }}</th></tr></thead>
<tbody>
{% for lv in completeness %}
<tr><td>{{ lv.name }}</td><td class="num">{{ lv.share }}</td><td>{{ lv.with_data|join("、") }}</td>
<td class="nodata">{{ lv.no_data|join("、") }}</td></tr>
{% endfor %}
</tbody>
</table>
<p>{{ t("metric_completeness") }}: {{ overall }}.
{% if no_data %}{{ t("ck_no_data_line", count=no_data|length, items="、".join(no_data)) }}
{% else %}{{ t("ck_no_data_none") }}{% endif %}</p>

<h2>{{ t("ck_report_maps") }}</h2>
<p class="caption">{{ t("ck_report_legend") }}</p>
{% for m in maps %}
<div class="map">
<h3>{{ m.title }}（{{ m.item_names }}）</h3>
{% if m.src %}<img src="{{ m.src }}" alt="{{ m.title }}">
<p class="caption">{{ t("ck_report_attribution") }}: {{ attribution }}</p>
{% else %}<p class="nodata">{{ t("ck_report_map_no_data") }}</p>{% endif %}
</div>
{% endfor %}

<h2>{{ t("ck_report_indicators") }}</h2>
<table class="indicators">
<thead><tr>{% for h in ind_header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in ind_rows %}
<tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td>{% for v in row[2:] %}<td class="num">{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
<ul class="caption">
<li>{{ life_circle.name(lang) }}: {{ life_circle.source }}</li>
{% for ind in indicators %}<li>{{ ind.name(lang) }}: {{ ind.source }}</li>{% endfor %}
</ul>

<h2>{{ t("ck_report_ledger") }}</h2>
<p class="caption">{{ t("ck_report_ledger_note") }}</p>
{% if led_rows %}
{# Tables of one page each: WeasyPrint lays out many short tables far faster than one long. #}
{% for chunk in led_rows|batch(38) %}
<table class="ledger">
<colgroup><col style="width:7%"><col style="width:25%"><col style="width:22%"><col style="width:8%">
<col style="width:9%"><col style="width:8%"><col style="width:11%"><col style="width:10%"></colgroup>
<thead><tr>{% for h in led_header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in chunk %}
<tr><td class="num">{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td><td>{{ row[3] }}</td>
<td class="num">{{ row[4] }}</td><td>{{ row[5] }}</td><td class="num">{{ row[6] }}</td>
<td class="num">{{ row[7] }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endfor %}
{% else %}<p>{{ t("ck_report_ledger_empty") }}</p>{% endif %}

<h2>{{ t("ck_report_items") }}</h2>
<table>
<thead><tr><th>{{ t("ck_col_item") }}</th><th>{{ t("ck_col_level") }}</th>
<th>{{ t("ck_col_distance") }}</th><th>{{ t("ck_col_essential") }}</th>
<th>{{ t("ck_col_clause") }}</th></tr></thead>
<tbody>
{% for it in items %}
<tr><td>{{ it.name }}</td>
<td>{{ it.level }}{% if "level" in it.unverified %} <span class="unverified">{{ t("ck_unverified") }}</span>{% endif %}</td>
<td class="num">{{ it.distance }}{% if "distance_m" in it.unverified %} <span class="unverified">{{ t("ck_unverified") }}</span>{% endif %}</td>
<td>{{ it.essential }}{% if "essential" in it.unverified %} <span class="unverified">{{ t("ck_unverified") }}</span>{% endif %}</td>
<td>{{ it.clause }}</td></tr>
{% endfor %}
</tbody>
</table>
<p class="caption">{{ t("ck_report_attribution") }}: {{ attribution }} (https://www.openstreetmap.org/copyright)</p>
</body>
</html>
"""

__all__ = ["REPORT_TEMPLATE"]
