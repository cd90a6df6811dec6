# ruff: noqa: E501
"""The HTML template of the PI report (kept apart: its lines are as long as HTML wants)."""

REPORT_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>PI report — {{ title }}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; border-bottom: 2px solid #4a6fa5; margin-top: 8mm; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; page-break-inside: auto; }
th, td { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #f0f3f8; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
/* A table's header and its first rows stay together, and a heading with what follows it. */
thead, thead tr { break-inside: avoid; break-after: avoid; }
h2, h3 { break-after: avoid; }
td.num, th.num { text-align: right; }
.meta { color: #555; }
.cards { display: flex; gap: 4mm; margin: 4mm 0; }
.card { border: 1px solid #bbb; border-radius: 2mm; padding: 2mm 4mm; min-width: 38mm; }
.card b { display: block; font-size: 15pt; }
.bad, .conflict, .declined, .overloaded { color: #c00000; font-weight: bold; }
.ok { color: #1d7a1d; }
.vague { color: #b36b00; font-size: 8pt; }
/* The program board: a landscape page of its own per group of team rows, the picture at the page's
   width (its titles were drawn big enough to print at 7 pt or more), never split. */
.board { break-before: page; page-break-before: always; break-inside: avoid; }
.board h2 { margin-top: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.board svg { display: block; width: 100%; height: auto; max-height: 165mm; }
/* A team's table (or a ROAM group's) stays on one page with its heading; a heading never ends a page. */
.keep { break-inside: avoid; page-break-inside: avoid; }
/* Tables repeated per team or per ROAM group keep the same columns from one to the next. */
table.fixed { table-layout: fixed; }
table.fixed td { overflow-wrap: anywhere; }
h2 + *, h3 + * { break-before: avoid; page-break-before: avoid; }
.bar { display: inline-block; height: 3mm; background: #4a6fa5; vertical-align: middle; }
</style>
</head>
<body>
<h1>PI report — {{ title }}</h1>
<p class="meta">{% if meta.start or meta.end %}{{ meta.start or "" }} – {{ meta.end or "" }} · {% endif %}generated {{ generated_at }}{% if meta.locked %} · plan locked{% endif %}{% if meta.baseline_seq is not none %} · baseline taken{% endif %}</p>

<div class="cards">
  <div class="card">ART predictability<b class="{{ art.css }}">{{ art.percent or "—" }}</b>actual {{ art.actual_bv }} / planned {{ art.planned_bv }} BV<br>{{ art.coverage }}</div>
  <div class="card">Conflicts<b class="{{ 'bad' if conflicts else 'ok' }}">{{ conflicts }}</b>of {{ dependencies|length }} dependencies</div>
  <div class="card">Un-ROAMed risks<b class="{{ 'bad' if unroamed else 'ok' }}">{{ unroamed }}</b>of {{ risk_total }} risks</div>
  <div class="card">ART confidence<b class="{{ art_vote.css }}">{{ art_vote.average }}</b>{{ art_vote.note }}</div>
  <div class="card">Overloaded cells<b class="{{ 'bad' if overloaded else 'ok' }}">{{ overloaded }}</b>team × iteration</div>
</div>

<h2>PI objectives and business value</h2>
{% for team in objective_teams %}
<section class="keep">
<h3>{{ team.name }} — predictability {{ team.percent or "—" }}</h3>
<table class="fixed">
<colgroup><col style="width: 38%"><col style="width: 11%"><col style="width: 9%"><col style="width: 9%"><col style="width: 25%"><col style="width: 8%"></colgroup>
<thead><tr><th>Objective</th><th>Type</th><th class="num">Planned BV</th><th class="num">Actual BV</th><th>Features</th><th>At risk</th></tr></thead>
<tbody>
{% for o in team.objectives %}
<tr><td>{{ o.statement }}{% if o.vague %} <span class="vague">(vague: no measure)</span>{% endif %}</td><td>{{ "committed" if o.committed else "uncommitted" }}</td><td class="num">{{ o.planned_bv if o.planned_bv is not none else "—" }}</td><td class="num">{{ o.actual_bv if o.actual_bv is not none else "—" }}</td><td>{{ o.features }}</td><td>{% if o.at_risk %}<span class="bad">at risk</span>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% else %}
<p>No objectives.</p>
{% endfor %}

<section class="keep">
<h2>Predictability</h2>
<table>
<thead><tr><th>Team</th><th class="num">Planned BV (committed)</th><th class="num">Actual BV</th><th class="num">Predictability</th><th>Band 80–100 %</th></tr></thead>
<tbody>
{% for p in predictability %}
<tr><td>{{ p.name }}{% if loop.last %} ({{ p.coverage }}){% endif %}</td><td class="num">{{ p.planned_bv }}</td><td class="num">{{ p.actual_bv }}</td><td class="num {{ p.css }}">{{ p.percent or "—" }}</td><td>{{ p.band }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>

<h2>Risks by ROAM state</h2>
{% for group in risk_groups %}
<section class="keep">
<h3>{{ group.label }} ({{ group.risks|length }})</h3>
{% if group.risks %}
<table class="fixed">
<colgroup><col style="width: 24%"><col style="width: 12%"><col style="width: 20%"><col style="width: 44%"></colgroup>
<thead><tr><th>Risk</th><th>Owner</th><th>Team</th><th>Description</th></tr></thead>
<tbody>
{% for r in group.risks %}
<tr><td>{{ r.title }}</td><td>{{ r.owner or "—" }}</td><td>{{ r.team }}</td><td>{{ r.description }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
</section>
{% endfor %}

<h2>Dependencies and conflicts</h2>
{% if dependencies %}
<table>
<thead><tr><th>State</th><th>Need</th><th>Requesting team</th><th>Provider</th><th>Needed by</th><th>Planned delivery</th><th>Comment</th></tr></thead>
<tbody>
{% for d in dependencies %}
<tr><td class="{{ d.state }}">{{ d.state_label }}</td><td>{{ d.need }}{% if d.feature %}<br><small>for {{ d.feature }}</small>{% endif %}</td><td>{{ d.requesting }}</td><td>{{ d.provider }}</td><td>{{ d.needed_by or "—" }}</td><td>{{ d.delivery or "—" }}</td><td>{{ d.comment }}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>No dependencies.</p>
{% endif %}

<section class="keep">
<h2>Confidence vote</h2>
{% if votes %}
<table>
<thead><tr><th>Voters</th><th class="num">Round</th><th class="num">Votes</th><th class="num">Average</th><th>Distribution (1 … 5)</th></tr></thead>
<tbody>
{% for v in votes %}
<tr><td>{{ v.scope }}</td><td class="num">{{ v.number }}</td><td class="num">{{ v.count }}</td><td class="num {{ v.css }}">{{ v.average }}</td><td>{% for value, n in v.distribution %}{{ value }}: {{ n }} <span class="bar" style="width: {{ n * 4 }}mm"></span> {% endfor %}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>No vote round has been revealed.</p>
{% endif %}
</section>

<section class="keep">
<h2>Load per team and iteration</h2>
<table>
<thead><tr><th>Team</th>{% for it in iterations %}<th class="num">{{ it }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in load_rows %}
<tr><td>{{ row.team }}</td>{% for cell in row.cells %}<td class="num {{ cell.css }}">{{ cell.load }} / {{ cell.capacity }}{% if cell.percent %} ({{ cell.percent }}){% endif %}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
<p class="meta">Load = story points planned; capacity = 8 points per full-time person per two weeks minus days off. Red: over capacity.</p>
</section>

{% if execution %}
<section class="keep">
<h2 id="execution">How the PI is going ({{ execution.today.isoformat() }})</h2>
<p>{{ execution.progress.done }} of {{ execution.progress.planned }} story points done{% if execution.progress.percent is not none %} ({{ execution.progress.percent }} %){% endif %}; {{ execution.alerts | length }} alert{{ '' if execution.alerts | length == 1 else 's' }}.</p>
<div class="charts">{{ execution.burn_up }}{{ execution.health }}{{ execution.forecast_history }}{{ execution.forecast_chart }}</div>
{% if execution.predictability %}<p id="forecast-predictability">Forecast: {{ (execution.predictability.low * 100) | round | int }}–{{ (execution.predictability.high * 100) | round | int }} % of the committed objectives' business value lands within the PI ({{ execution.predictability.why }}).</p>{% endif %}
</section>
<table>
<thead><tr><th>Team</th><th>Iteration</th><th class="num">Done</th><th class="num">Planned at baseline</th><th class="num">Capacity</th></tr></thead>
{% for t in execution.teams %}<tbody class="keep">{% for v in t.velocities %}
<tr><td>{{ t.team.name }}</td><td>{{ execution.labels[v.iteration_id] }}</td><td class="num{% if v.iteration_id in t.drops %} bad{% endif %}">{{ v.done }}{% if v.iteration_id in t.drops %} ▼{% endif %}</td><td class="num">{{ v.planned_at_baseline }}</td><td class="num">{{ v.capacity | round(1) }}</td></tr>
{% endfor %}</tbody>{% endfor %}
</table>
{% if execution.alerts %}<ul class="alerts">{% for a in execution.alerts %}<li><strong>{{ a.kind.value | replace('_', ' ') }}</strong>: {{ a.text }}</li>{% endfor %}</ul>{% endif %}
{% for chart in feature_charts %}<div class="keep">{{ chart }}</div>{% endfor %}
{% endif %}

{% if baseline is not none %}
<h2>Changes since the baseline</h2>
{% if not baseline.empty %}
<p>{{ baseline.tally() }}</p>
<table>
<thead><tr><th>Change</th><th>What</th><th>Baseline</th><th>Now</th></tr></thead>
<tbody>
{% for c in baseline.differences %}
<tr><td>{{ c.kind.value }}</td><td>{{ c.what }}</td><td>{{ c.before or "—" }}</td><td>{{ c.after or "—" }}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>Nothing has changed since the baseline.</p>
{% endif %}
{% endif %}

{% for page in board_pages %}
<div class="board">
<h2>Program board{% if board_pages | length > 1 %} ({{ loop.index }} of {{ board_pages | length }}: {{ page.teams | first }}{% if page.teams | length > 1 %} – {{ page.teams | last }}{% endif %}){% endif %}</h2>
{{ page.svg }}
</div>
{% endfor %}
</body>
</html>
"""
