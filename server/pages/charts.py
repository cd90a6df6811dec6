"""Pictures of the PI's execution, drawn as SVG on the server.

They work on the big screen, in the report and with no internet. Every mark carries its figure in
``data-*`` attributes and a ``<title>``, so a screen reader (and a test) reads what the eye sees.
User text is escaped like everywhere else.

Each chart is drawn at the size it is shown (its ``width`` is both the viewBox and the drawn width;
the page only ever shrinks it, on a screen narrower than the chart), so its text is as large as
:data:`FONT` says. An axis label that would not fit its slot is shortened with "…" and keeps its
full text as a tooltip: labels never run into each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from board.execution import BurnUpPoint, Progress

WIDTH = 640
# A team's burn-up sits in a card of the sync view's team grid (22rem at least, less its padding).
TEAM_WIDTH = 300
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 30, 28
PLOT_HEIGHT = 160
FONT = 13  # every label at the drawn size: 12 px at least
TITLE_FONT = 15
# The width of an average glyph of the page's sans-serif face, in em: enough to tell whether a label
# fits its slot without a font at hand on the server.
GLYPH_EM = 0.62
LEGEND_ROW = FONT + 8

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


def text_width(text: str, size: int = FONT) -> float:
    return len(text) * size * GLYPH_EM


def _fit(text: str, room: float, size: int = FONT) -> str:
    """``text`` as it fits ``room`` px at ``size``: whole, or cut with "…"."""
    if text_width(text, size) <= room:
        return text
    keep = max(1, int(room / (size * GLYPH_EM)) - 1)
    return text[:keep] + "…"


def _label(x: float, y: float, text: str, room: float, anchor: str = "middle", short: str = "") -> str:
    """An axis label at the chart's font size: ``text`` where it fits, else its ``short`` form (cut with
    "…" if even that does not fit); a label not shown whole keeps its full text as a tooltip."""
    shown = text if text_width(text) <= room else _fit(short or text, room)
    tip = f"<title>{escape(text)}</title>" if shown != text else ""
    return (
        f'<text x="{round(x, 1)}" y="{round(y, 1)}" font-size="{FONT}" text-anchor="{anchor}">'
        f"{tip}{escape(shown)}</text>"
    )


@dataclass(frozen=True)
class Key:
    """One legend entry: a line (a series, with its dash pattern) or a box (a bar's colour)."""

    label: str
    colour: str
    dash: str = ""
    box: bool = False


def _legend(keys: Sequence[Key], top: float, width: int) -> tuple[str, float]:
    """The legend in as many rows as ``width`` needs: its markup and the height it takes."""
    parts: list[str] = []
    x, y = float(PAD_LEFT), top + FONT
    for key in keys:
        needed = 30 + text_width(key.label)
        if x > PAD_LEFT and x + needed > width - PAD_RIGHT:
            x, y = float(PAD_LEFT), y + LEGEND_ROW
        mid = round(y - FONT / 2 + 2, 1)
        if key.box:
            parts.append(f'<rect x="{x}" y="{mid - 6}" width="12" height="12" fill="{key.colour}"/>')
        else:
            dash = f' stroke-dasharray="{key.dash}"' if key.dash else ""
            parts.append(
                f'<line x1="{x}" y1="{mid}" x2="{x + 24}" y2="{mid}" stroke="{key.colour}" '
                f'stroke-width="3"{dash}/>'
            )
        parts.append(f'<text x="{x + 30}" y="{y}" font-size="{FONT}">{escape(key.label)}</text>')
        x += needed + 16
    return "".join(parts), y - top + 8


def _svg(title: str, body: str, width: int, height: float, kind: str) -> Markup:
    t = escape(title)
    h = round(height)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(kind)}" role="img" '
        f'viewBox="0 0 {width} {h}" width="{width}" height="{h}" aria-label="{t}">'
        f"<title>{t}</title>"
        f'<text x="8" y="20" font-size="{TITLE_FONT}" font-weight="700">{_fit(title, width - 16, TITLE_FONT)}'
        f"</text>{body}</svg>"
    )


def _axes(left: float, right: float, top: float, bottom: float, most: int, unit: str) -> str:
    """The x axis's line and the value axis: its line, 0 and the largest value, and what it counts."""
    return (
        f'<line data-axis="x" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
        f'<line data-axis="y" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#333"/>'
        f'<text x="{left - 6}" y="{top + 5}" font-size="{FONT}" text-anchor="end">{most}</text>'
        f'<text x="{left - 6}" y="{bottom + 4}" font-size="{FONT}" text-anchor="end">0</text>'
        f'<text x="{left + 6}" y="{top - 6}" font-size="{FONT}">{escape(unit)}</text>'
    )


def burn_up_chart(
    points: Sequence[BurnUpPoint],
    title: str,
    width: int = WIDTH,
    axis_labels: Mapping[str, str] | None = None,
) -> Markup:
    """Cumulative points per iteration end: planned at the baseline, planned now, done so far.
    ``axis_labels``: the iterations' short names by id, for an x axis too narrow for their labels."""
    if not points:
        return _svg(
            title, f'<text x="8" y="50" font-size="{FONT}">No iterations yet.</text>', width, 64, "burn-up"
        )
    top = max([1] + [max(p.baseline, p.planned, p.done or 0) for p in points])
    plot_top = PAD_TOP + 24  # room for the value axis's unit under the title
    plot_bottom = plot_top + PLOT_HEIGHT
    plot_w = width - PAD_LEFT - PAD_RIGHT
    # One slot per iteration, its point in the middle: every label has the slot's width to itself.
    step = plot_w / len(points)

    def x(i: int) -> float:
        return round(PAD_LEFT + (i + 0.5) * step, 1)

    def y(v: int) -> float:
        return round(plot_bottom - v / top * PLOT_HEIGHT, 1)

    parts = [_axes(PAD_LEFT, width - PAD_RIGHT, plot_top, plot_bottom, top, "points")]
    for i, p in enumerate(points):
        short = (axis_labels or {}).get(p.iteration_id, "")
        parts.append(_label(x(i), plot_bottom + FONT + 5, p.label, step - 8, short=short))
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
    keys = [Key(label, colour, dash) for colour, dash, label in SERIES.values()]
    legend, legend_h = _legend(keys, plot_bottom + PAD_BOTTOM, width)
    parts.append(legend)
    return _svg(title, "".join(parts), width, plot_bottom + PAD_BOTTOM + legend_h, "burn-up")


@dataclass(frozen=True)
class HealthColumn:
    """How many dependencies needed by one iteration are in each state."""

    iteration_id: str
    label: str
    counts: dict[str, int]
    short: str = ""  # the iteration's short name, for an axis too narrow for its label


def dependency_health_strip(columns: Sequence[HealthColumn], title: str, width: int = WIDTH) -> Markup:
    """One stacked bar per needed-by iteration: done, committed, requested, late, conflict; each part
    says its count where it is tall enough, and each bar its total above it."""
    plot_top = PAD_TOP + 24
    plot_bottom = plot_top + PLOT_HEIGHT - 40
    plot_h = plot_bottom - plot_top - FONT - 4  # room for the total above the tallest bar
    top = max([1] + [sum(c.counts.values()) for c in columns])
    bar_w = (width - PAD_LEFT - PAD_RIGHT) / max(1, len(columns))
    parts = [_axes(PAD_LEFT, width - PAD_RIGHT, plot_top, plot_bottom, top, "dependencies")]
    for i, col in enumerate(columns):
        x0 = round(PAD_LEFT + i * bar_w + 4, 1)
        middle = round(x0 + (bar_w - 8) / 2, 1)
        y_cursor = float(plot_bottom)
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
            if h >= FONT + 2 and text_width(str(n)) <= bar_w - 12:
                parts.append(
                    f'<text x="{middle}" y="{round(y_cursor + h / 2 + FONT / 2 - 2, 1)}" font-size="{FONT}" '
                    f'text-anchor="middle" fill="{"#000" if state == "requested" else "#fff"}" '
                    f'aria-hidden="true">{n}</text>'
                )
        total = sum(col.counts.values())
        parts.append(
            f'<text data-total="{total}" x="{middle}" y="{round(y_cursor - 4, 1)}" font-size="{FONT}" '
            f'text-anchor="middle" font-weight="700">{total}</text>'
        )
        parts.append(_label(middle, plot_bottom + FONT + 5, col.label, bar_w - 6, short=col.short))
    keys = [Key(state, colour, box=True) for state, colour in STATE_COLOURS.items()]
    legend, legend_h = _legend(keys, plot_bottom + PAD_BOTTOM, width)
    parts.append(legend)
    return _svg(title, "".join(parts), width, plot_bottom + PAD_BOTTOM + legend_h, "dependency-health")


@dataclass(frozen=True)
class FeatureRow:
    """One feature: the iteration it was planned in at the baseline, where it is planned now, done so far."""

    feature_id: str
    title: str
    baseline_index: int | None
    planned_index: int | None
    progress: Progress


def plan_vs_baseline_chart(
    rows: Sequence[FeatureRow], labels: Sequence[tuple[str, str]], title: str
) -> Markup:
    """Per feature: ○ where the baseline had it, ● where it is planned now, and a bar of its progress.
    ``labels``: each iteration's name and short name, one column each."""
    row_h = 26
    label_w = 220
    bar_x = WIDTH - PAD_RIGHT - 96
    grid_w = bar_x - label_w - 12
    head = PAD_TOP + 16
    height = head + 14 + row_h * max(1, len(rows)) + 10
    col_w = grid_w / max(1, len(labels))
    parts: list[str] = []

    def cx(index: int) -> float:
        return round(label_w + index * col_w + col_w / 2, 1)

    for i, (label, short) in enumerate(labels):
        parts.append(_label(cx(i), head, label, col_w - 6, short=short))
    parts.append(_label(bar_x, head, "done", 90, "start"))
    parts.append(
        f'<line data-axis="x" x1="{label_w}" y1="{head + 6}" x2="{label_w + grid_w}" y2="{head + 6}" '
        'stroke="#333"/>'
    )
    for r, row in enumerate(rows):
        y = head + 14 + r * row_h + row_h / 2
        parts.append(
            f'<g data-feature="{escape(row.feature_id)}"><title>{escape(row.title)}</title>'
            f'<text x="4" y="{y + 4}" font-size="{FONT}">{escape(_fit(row.title, label_w - 12))}</text>'
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
        filled = round(48 * (percent or 0) / 100, 1)
        parts.append(
            f'<rect x="{bar_x}" y="{y - 5}" width="48" height="10" fill="#eee"/>'
            f'<rect data-mark="progress" data-percent="{"" if percent is None else percent}" x="{bar_x}" '
            f'y="{y - 5}" width="{filled}" height="10" fill="#009E73"/>'
            f'<text x="{bar_x + 54}" y="{y + 5}" font-size="{FONT}">{shown}</text>'
            "</g>"
        )
    return _svg(title, "".join(parts), WIDTH, height, "plan-vs-baseline")


@dataclass(frozen=True)
class ForecastLine:
    """One item's forecast over time: its chance of being done by the end of each iteration ahead."""

    item_id: str
    label: str
    chances: Sequence[float]
    needed_index: int | None  # where it is needed (or planned): the point that matters, drawn larger


NEEDED = ' data-needed="true"'
# Told apart by colour, dash and marker as well (Okabe–Ito).
LINE_STYLES = (
    ("#0072B2", ""),
    ("#D55E00", "6 4"),
    ("#009E73", "2 3"),
    ("#CC79A7", "8 3 2 3"),
    ("#E69F00", ""),
    ("#56B4E9", "6 4"),
)


def forecast_chart(
    lines: Sequence[ForecastLine],
    labels: Sequence[tuple[str, str, str]],
    threshold: float,
    title: str,
    width: int = WIDTH,
    kind: str = "forecast",
    unit: str = "% chance done by",
) -> Markup:
    """Per item, the chance (0–100 %) it is done by the end of each iteration ahead, the point where it
    is needed larger, and the board's alert threshold as a dashed line. ``labels``: each iteration
    ahead's id, name and short name. (With ``kind`` "forecast-history": the chance it is done in time
    as the forecast said it on each day of ``labels``.)"""
    if not lines or not labels:
        text = "Nothing to forecast: no open dependencies ahead."
        return _svg(title, f'<text x="8" y="50" font-size="{FONT}">{text}</text>', width, 64, kind)
    plot_top = PAD_TOP + 24
    plot_bottom = plot_top + PLOT_HEIGHT
    step = (width - PAD_LEFT - PAD_RIGHT) / len(labels)

    def x(i: int) -> float:
        return round(PAD_LEFT + (i + 0.5) * step, 1)

    def y(p: float) -> float:
        return round(plot_bottom - p * PLOT_HEIGHT, 1)

    parts = [_axes(PAD_LEFT, width - PAD_RIGHT, plot_top, plot_bottom, 100, unit)]
    for i, (_, name, short) in enumerate(labels):
        parts.append(_label(x(i), plot_bottom + FONT + 5, name, step - 8, short=short))
    parts.append(
        f'<line data-threshold="{round(100 * threshold)}" x1="{PAD_LEFT}" y1="{y(threshold)}" '
        f'x2="{width - PAD_RIGHT}" y2="{y(threshold)}" stroke="#D55E00" stroke-dasharray="2 4"/>'
    )
    keys: list[Key] = []
    for n, line in enumerate(lines):
        colour, dash = LINE_STYLES[n % len(LINE_STYLES)]
        coords = " ".join(f"{x(i)},{y(p)}" for i, p in enumerate(line.chances))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<g data-item="{escape(line.item_id)}"><polyline points="{coords}" fill="none" '
            f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
        )
        for i, p in enumerate(line.chances):
            needed = i == line.needed_index
            parts.append(
                f'<circle data-iteration="{escape(labels[i][0])}" data-value="{round(100 * p)}"'
                f'{NEEDED if needed else ""} cx="{x(i)}" cy="{y(p)}" r="{6 if needed else 3}" '
                f'fill="{colour}"><title>{escape(line.label)}: {round(100 * p)} % by {escape(labels[i][1])}'
                f"</title></circle>"
            )
        parts.append("</g>")
        keys.append(Key(_fit(line.label, 200), colour, dash))
    keys.append(Key(f"alert below {round(100 * threshold)} %", "#D55E00", "2 4"))
    legend, legend_h = _legend(keys, plot_bottom + PAD_BOTTOM, width)
    parts.append(legend)
    return _svg(title, "".join(parts), width, plot_bottom + PAD_BOTTOM + legend_h, kind)
