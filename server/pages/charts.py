"""Pictures of the PI's execution, drawn as SVG on the server.

They work on the big screen, in the report and with no internet. Every mark carries its figure in
``data-*`` attributes and a ``<title>``, so a screen reader (and a test) reads what the eye sees.
User text is escaped like everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from board.execution import BurnUpPoint, Progress

WIDTH = 640
HEIGHT = 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 28, 42

# Colour-blind-safe (Okabe–Ito) and told apart by dash pattern and marker as well.
SERIES = {
    "baseline": ("#999999", "6 4", "planned at baseline"),
    "planned": ("#0072B2", "", "planned now"),
    "done": ("#009E73", "", "done"),
}
STATE_COLOURS = {
    "done": "#009E73",
    "committed": "#0072B2",
    "requested": "#999999",
    "late": "#D55E00",
    "conflict": "#CC3311",
}


def _svg(title: str, body: str, width: int = WIDTH, height: int = HEIGHT, kind: str = "") -> Markup:
    t = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(kind)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{t}">'
        f"<title>{t}</title>"
        f'<text x="{PAD_LEFT}" y="18" font-size="14" font-weight="700">{t}</text>{body}</svg>'
    )


def burn_up_chart(points: Sequence[BurnUpPoint], title: str) -> Markup:
    """Cumulative points per iteration end: planned at the baseline, planned now, done so far."""
    if not points:
        return _svg(title, '<text x="48" y="60">No iterations yet.</text>', kind="burn-up")
    top = max([1] + [max(p.baseline, p.planned, p.done or 0) for p in points])
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def x(i: int) -> float:
        return round(PAD_LEFT + i * step, 1)

    def y(v: int) -> float:
        return round(PAD_TOP + plot_h - v / top * plot_h, 1)

    parts = [
        f'<line x1="{PAD_LEFT}" y1="{y(0)}" x2="{WIDTH - PAD_RIGHT}" y2="{y(0)}" stroke="#333"/>',
        f'<text x="{PAD_LEFT - 6}" y="{y(top) + 4}" font-size="11" text-anchor="end">{top}</text>',
        f'<text x="{PAD_LEFT - 6}" y="{y(0) + 4}" font-size="11" text-anchor="end">0</text>',
    ]
    for i, p in enumerate(points):
        parts.append(
            f'<text x="{x(i)}" y="{HEIGHT - PAD_BOTTOM + 16}" font-size="11" text-anchor="middle">'
            f"{escape(p.label)}</text>"
        )
    for name, (colour, dash, label) in SERIES.items():
        values = [(i, getattr(p, name)) for i, p in enumerate(points) if getattr(p, name) is not None]
        if not values:
            continue
        coords = " ".join(f"{x(i)},{y(v)}" for i, v in values)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline data-series="{name}" points="{coords}" fill="none" stroke="{colour}" '
            f'stroke-width="3"{dash_attr}/>'
        )
        for i, v in values:
            parts.append(
                f'<circle data-series="{name}" data-iteration="{escape(points[i].iteration_id)}" '
                f'data-value="{v}" cx="{x(i)}" cy="{y(v)}" r="4" fill="{colour}">'
                f"<title>{escape(points[i].label)}: {v} points {label}</title></circle>"
            )
    for n, (colour, dash, label) in enumerate(SERIES.values()):
        lx = PAD_LEFT + n * 190
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" y1="{HEIGHT - 10}" x2="{lx + 24}" y2="{HEIGHT - 10}" stroke="{colour}" '
            f'stroke-width="3"{dash_attr}/><text x="{lx + 30}" y="{HEIGHT - 6}" font-size="11">{label}</text>'
        )
    return _svg(title, "".join(parts), kind="burn-up")


@dataclass(frozen=True)
class HealthColumn:
    """How many dependencies needed by one iteration are in each state."""

    iteration_id: str
    label: str
    counts: dict[str, int]


def dependency_health_strip(columns: Sequence[HealthColumn], title: str) -> Markup:
    """One stacked bar per needed-by iteration: done, committed, requested, late, conflict."""
    height = 190
    plot_h = height - PAD_TOP - PAD_BOTTOM
    top = max([1] + [sum(c.counts.values()) for c in columns])
    width = WIDTH
    bar_w = (width - PAD_LEFT - PAD_RIGHT) / max(1, len(columns))
    parts: list[str] = []
    for i, col in enumerate(columns):
        x0 = round(PAD_LEFT + i * bar_w + 4, 1)
        y_cursor = float(PAD_TOP + plot_h)
        for state, colour in STATE_COLOURS.items():
            n = col.counts.get(state, 0)
            if not n:
                continue
            h = round(n / top * plot_h, 1)
            y_cursor -= h
            parts.append(
                f'<rect data-iteration="{escape(col.iteration_id)}" data-state="{state}" data-count="{n}" '
                f'x="{x0}" y="{round(y_cursor, 1)}" width="{round(bar_w - 8, 1)}" height="{h}" '
                f'fill="{colour}">'
                f"<title>{escape(col.label)}: {n} {state}</title></rect>"
            )
        parts.append(
            f'<text x="{round(x0 + (bar_w - 8) / 2, 1)}" y="{height - PAD_BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(col.label)}</text>'
        )
    for n, (state, colour) in enumerate(STATE_COLOURS.items()):
        lx = PAD_LEFT + n * 110
        parts.append(
            f'<rect x="{lx}" y="{height - 18}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{height - 8}" font-size="11">{state}</text>'
        )
    return _svg(title, "".join(parts), width, height, kind="dependency-health")


@dataclass(frozen=True)
class FeatureRow:
    """One feature: the iteration it was planned in at the baseline, where it is planned now, done so far."""

    feature_id: str
    title: str
    baseline_index: int | None
    planned_index: int | None
    progress: Progress


def plan_vs_baseline_chart(rows: Sequence[FeatureRow], labels: Sequence[str], title: str) -> Markup:
    """Per feature: ○ where the baseline had it, ● where it is planned now, and a bar of its progress."""
    row_h = 24
    label_w = 220
    grid_w = WIDTH - label_w - PAD_RIGHT - 70
    height = PAD_TOP + 20 + row_h * max(1, len(rows)) + 10
    col_w = grid_w / max(1, len(labels))
    parts: list[str] = []
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{round(label_w + i * col_w + col_w / 2, 1)}" y="{PAD_TOP + 10}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )

    def cx(index: int) -> float:
        return round(label_w + index * col_w + col_w / 2, 1)

    for r, row in enumerate(rows):
        y = PAD_TOP + 20 + r * row_h + row_h / 2
        short = row.title if len(row.title) <= 32 else row.title[:31] + "…"
        parts.append(
            f'<g data-feature="{escape(row.feature_id)}"><title>{escape(row.title)}</title>'
            f'<text x="4" y="{y + 4}" font-size="12">{escape(short)}</text>'
        )
        if row.baseline_index is not None and row.planned_index is not None:
            parts.append(
                f'<line x1="{cx(row.baseline_index)}" y1="{y}" x2="{cx(row.planned_index)}" y2="{y}" '
                f'stroke="#999" stroke-width="2"/>'
            )
        if row.baseline_index is not None:
            parts.append(
                f'<circle data-mark="baseline" data-index="{row.baseline_index}" '
                f'cx="{cx(row.baseline_index)}" cy="{y}" r="6" fill="#fff" stroke="#555" stroke-width="2"/>'
            )
        if row.planned_index is not None:
            parts.append(
                f'<circle data-mark="planned" data-index="{row.planned_index}" cx="{cx(row.planned_index)}" '
                f'cy="{y}" r="5" fill="#0072B2"/>'
            )
        percent = row.progress.percent
        shown = "–" if percent is None else f"{percent}%"
        bar_x = WIDTH - PAD_RIGHT - 64
        filled = round(48 * (percent or 0) / 100, 1)
        parts.append(
            f'<rect x="{bar_x}" y="{y - 5}" width="48" height="10" fill="#eee"/>'
            f'<rect data-mark="progress" data-percent="{"" if percent is None else percent}" x="{bar_x}" '
            f'y="{y - 5}" width="{filled}" height="10" fill="#009E73"/>'
            f'<text x="{bar_x + 52}" y="{y + 4}" font-size="11">{shown}</text>'
            "</g>"
        )
    return _svg(title, "".join(parts), WIDTH, height, kind="plan-vs-baseline")
