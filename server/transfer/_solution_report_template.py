# ruff: noqa: E501
"""The HTML template of the solution's report (kept apart, as the PI report's: its lines are as long as HTML wants).
Each train's section holds that train's own PI report's body (server/transfer/solution_files.py)."""

SOLUTION_REPORT_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Solution report — {{ s.name }}</title>
<style>{{ style }}
section.train { break-before: page; page-break-before: always; }
</style>
</head>
<body>
<h1>Solution report — {{ s.name }}{% if s.pi_name %} · {{ s.pi_name }}{% endif %}</h1>
<p class="meta">{{ s.view.trains|length }} trains · {% if s.view.agreed %}one cadence{% else %}the trains' dates disagree{% endif %} · generated {{ generated_at }}</p>
<h2>Trains</h2>
<table>
<thead><tr><th>Train</th><th>PI</th><th>Dates</th><th>Joined by</th><th>Cadence</th></tr></thead>
<tbody>
{% for t in s.view.trains %}
<tr><td><a href="#train-{{ loop.index }}">{{ t.name }}</a></td><td>{{ t.pi_name }}</td><td>{{ t.cadence.pi_start or "" }} – {{ t.cadence.pi_end or "" }}</td><td>{{ t.joined_by }}</td><td>{% if t.agrees %}keeps it{% else %}<span class="bad">{{ t.reasons|join(" ") }}</span>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table>
<h2>Capabilities</h2>
{% if s.view.capabilities %}
<table>
<thead><tr><th>Capability</th>{% for t in s.view.trains %}<th>{{ t.name }}</th>{% endfor %}</tr></thead>
<tbody>
{% for c in s.view.capabilities %}
<tr><td>{{ c.title }}</td>{% for _b, _t, _f, progress in c.trains %}<td class="progress">{{ progress }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>No capability yet.</p>
{% endif %}
{% for body in trains %}
<section class="train" id="train-{{ loop.index }}" data-board="{{ s.trains[loop.index0].board_id }}">
{{ body }}
</section>
{% endfor %}
</body>
</html>
"""
