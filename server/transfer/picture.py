"""The program board as a picture: SVG (self-contained, every user text XML-escaped) and PNG.

Milestones on the top row, one row per team and one column per iteration (the IP
iteration hatched), feature cards in their cells, each cell's load against capacity,
and the red strings between the requesting and the providing cards. A conflict is drawn
so it cannot be missed: a thick red dashed string with a "!" marker, and its requesting
card outlined in red.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from board.capacity import load_table
from board.dependencies import (
    STATE_MEANING,
    cascade,
    delivering_iteration,
    dependency_state,
    is_conflict,
    needed_by,
)
from board.labels import iteration_name
from board.model import (
    BoardState,
    Dependency,
    DependencyState,
    Feature,
    FeatureKind,
    Milestone,
    Story,
    iteration_span,
    milestone_iteration,
)
from server.errors import Unavailable
from server.transfer.svg_text import fit, svg_attr, svg_text, text_width, wrap

FONT = "DejaVu Sans, Verdana, sans-serif"
MARGIN = 20
LABEL_W = 190
COL_W = 230
HEAD_H = 54
MILESTONE_H = 56
CARD_H = 46
CARD_GAP = 8
TITLE_PX = 13  # a card title's size; the report asks bigger ones when its page scales the picture down
LEGEND_H = 184
CELL_PAD = 8
LOAD_H = 18

STRING_STYLE: dict[DependencyState, tuple[str, float, str]] = {
    # state -> (colour, width, dash)
    DependencyState.COMMITTED: ("#b22222", 2.0, ""),
    DependencyState.REQUESTED: ("#e07b00", 2.0, "2 4"),
    DependencyState.PROPOSED: ("#8a5a00", 2.0, "2 4"),
    DependencyState.DECLINED: ("#e00000", 2.5, "2 4"),
    DependencyState.DONE: ("#8a8a8a", 1.5, ""),
    DependencyState.CONFLICT: ("#e00000", 3.5, "10 5"),
    DependencyState.LATE: ("#e00000", 3.5, "3 3"),
}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


EXTERNAL_ROW = "__external__"


def card_height(title_px: float) -> float:
    """A card holds two title lines."""
    return max(CARD_H, round(2.4 * title_px + 16))


def picture_width(state: BoardState) -> float:
    return MARGIN + LABEL_W + max(1, len(state.iterations)) * COL_W + MARGIN


def _cells(state: BoardState) -> dict[tuple[str, str], list[Feature]]:
    col = {it.id for it in state.iterations}
    cells: dict[tuple[str, str], list[Feature]] = {}
    for f in state.features:
        if f.team_id and f.iteration_id in col:
            cells.setdefault((f.team_id, f.iteration_id), []).append(f)
    return cells


def _has_external(state: BoardState) -> bool:
    return any(d.external_party and not d.provider_team_id for d in state.dependencies)


def _row_heights(state: BoardState, row_ids: list[str], title_px: float) -> dict[str, float]:
    cells = _cells(state)
    heights = {}
    for rid in row_ids:
        most = max((len(cells.get((rid, it.id), [])) for it in state.iterations), default=0)
        heights[rid] = max(1, most) * (card_height(title_px) + CARD_GAP) + 2 * CELL_PAD + LOAD_H
    return heights


def _milestone_height(state: BoardState) -> float:
    col = {it.id: n for n, it in enumerate(state.iterations)}
    lanes, hidden = _milestone_lanes(state, col, MARGIN + LABEL_W)
    return max(MILESTONE_H, 14 + 22 * len(lanes) + (14 if hidden else 0))


def board_pages(
    state: BoardState, *, width_pt: float, height_pt: float, min_title_pt: float = 7.0
) -> list[tuple[list[str], str]]:
    """The program board for pages of ``width_pt`` × ``height_pt`` (the picture fills the width): card
    titles drawn big enough to print at ``min_title_pt`` or more, and the team rows split over as many
    pages as that needs, the external parties and the legend on the last. Each page is its teams' ids
    and its SVG; a string between teams on different pages is left out (the report's table has it)."""
    scale = width_pt / picture_width(state)
    title_px = max(TITLE_PX, min_title_pt / scale)
    budget = height_pt / scale
    frame = MARGIN + 40 + HEAD_H + _milestone_height(state) + 16
    ids = [t.id for t in state.teams]
    heights = _row_heights(state, [*ids, EXTERNAL_ROW], title_px)
    tail = (heights[EXTERNAL_ROW] if _has_external(state) else 0) + LEGEND_H
    pages: list[list[str]] = [[]]
    used = frame
    for tid in ids:
        if pages[-1] and used + heights[tid] > budget:
            pages.append([])
            used = frame
        pages[-1].append(tid)
        used += heights[tid]
    if len(pages[-1]) > 1 and used + tail > budget:
        # The external parties and the legend go on the next page with the last team (never alone).
        pages.append([pages[-1].pop()])
    return [
        (
            page,
            program_board_svg(
                state, team_ids=page, last=n == len(pages) - 1, title_px=title_px, page=(n + 1, len(pages))
            ),
        )
        for n, page in enumerate(pages)
    ]


def program_board_svg(
    state: BoardState,
    *,
    title: str | None = None,
    team_ids: list[str] | None = None,
    last: bool = True,
    title_px: float = TITLE_PX,
    page: tuple[int, int] | None = None,
) -> str:
    """The program board as a standalone SVG document (UTF-8 text); given ``team_ids``, only those
    teams' rows (and the external parties and the legend only if ``last``)."""
    meta = state.meta
    iterations = state.iterations
    teams = [t for t in state.teams if team_ids is None or t.id in team_ids]
    col = {it.id: n for n, it in enumerate(iterations)}
    deps = state.dependencies
    dep_state = {d.id: dependency_state(state, d) for d in deps}
    at_risk = cascade(state)
    has_external = last and _has_external(state)

    cells = _cells(state)
    row_ids = [t.id for t in teams] + ([EXTERNAL_ROW] if has_external else [])
    row_h = _row_heights(state, row_ids, title_px)
    card_h = card_height(title_px)
    grid_x = MARGIN + LABEL_W
    top = MARGIN + 40
    milestone_y = top + HEAD_H
    lanes, hidden = _milestone_lanes(state, col, grid_x)
    milestone_h = _milestone_height(state)
    rows_y = milestone_y + milestone_h
    row_y: dict[str, float] = {}
    y: float = rows_y
    for rid in row_ids:
        row_y[rid] = y
        y += row_h[rid]
    grid_bottom = y
    width = picture_width(state)
    legend_y = grid_bottom + 24
    height = legend_y + (LEGEND_H - 24 if last else -8)

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={svg_attr(FONT)} font-size="12">',
        "<defs>"
        '<pattern id="ip-hatch" width="10" height="10" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="10" height="10" fill="#f2f2f2"/>'
        '<line x1="0" y1="0" x2="0" y2="10" stroke="#d6d6d6" stroke-width="4"/></pattern>'
        "</defs>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    heading = title or " — ".join(x for x in (meta.name, meta.pi_name) if x) or "Program board"
    if page is not None and page[1] > 1:
        heading += f" ({page[0]} of {page[1]})"
    out.append(
        f'<text x="{MARGIN}" y="{MARGIN + 18}" font-size="20" font-weight="bold" class="title">'
        f"{svg_text(heading)}</text>"
    )

    # Column heads and the IP column.
    for it in iterations:
        x = grid_x + col[it.id] * COL_W
        fill = "url(#ip-hatch)" if it.is_ip else "#ffffff"
        out.append(
            f'<rect class="column{" ip" if it.is_ip else ""}" x="{x}" y="{top}" width="{COL_W}" '
            f'height="{grid_bottom - top:.0f}" fill="{fill}" stroke="#bbbbbb"/>'
        )
        out.append(
            f'<rect x="{x}" y="{top}" width="{COL_W}" height="{HEAD_H}" '
            f'fill="{"#e8e8e8" if it.is_ip else "#f4f6fa"}" stroke="#bbbbbb"/>'
        )
        # Both head lines are measured against the column (the hatching and the legend say "no feature
        # work" for the IP iteration, so its line names it, not the rule).
        out.append(
            f'<text class="iteration" x="{x + 8}" y="{top + 22}" font-weight="bold" font-size="14">'
            f"{svg_text(fit(iteration_name(it), COL_W - 16, 14, bold=True))}</text>"
        )
        dates = " – ".join(d for d in (it.start, it.end) if d)
        sub = "Innovation & Planning" if it.is_ip else dates
        if sub:
            out.append(
                f'<text class="iteration-dates" x="{x + 8}" y="{top + 42}" fill="#555555">'
                f"{svg_text(fit(sub, COL_W - 16))}</text>"
            )

    # Milestones row.
    out.append(
        f'<rect x="{MARGIN}" y="{milestone_y}" width="{width - 2 * MARGIN:.0f}" height="{milestone_h}" '
        'fill="#fff8e6" stroke="#bbbbbb"/>'
    )
    out.append(f'<text x="{MARGIN + 8}" y="{milestone_y + 32}" font-weight="bold">Milestones / events</text>')
    out.extend(_milestones(lanes, hidden, milestone_y, width - MARGIN))

    # Team rows, cells with load vs capacity, and cards.
    loads = load_table(state)
    boxes: dict[str, Box] = {}
    for team in teams:
        ry = row_y[team.id]
        out.append(
            f'<rect class="team-row" x="{MARGIN}" y="{ry}" width="{LABEL_W}" height="{row_h[team.id]:.0f}" '
            f'fill={svg_attr(team.color)} fill-opacity="0.15" stroke="#bbbbbb"/>'
        )
        out.append(
            f'<rect x="{MARGIN}" y="{ry}" width="6" height="{row_h[team.id]:.0f}" '
            f"fill={svg_attr(team.color)}/>"
        )
        for n, line in enumerate(wrap(team.name, [LABEL_W - 22] * 2, 14, bold=True)):
            out.append(
                f'<text class="team" x="{MARGIN + 14}" y="{ry + 22 + n * 16}" font-weight="bold" '
                f'font-size="14">{svg_text(line)}</text>'
            )
        for it in iterations:
            x = grid_x + col[it.id] * COL_W
            out.append(
                f'<line x1="{x}" y1="{ry + row_h[team.id]:.0f}" x2="{x + COL_W}" '
                f'y2="{ry + row_h[team.id]:.0f}" stroke="#bbbbbb"/>'
            )
            load = loads.get((team.id, it.id))
            if load is not None and (load.load or load.capacity):
                over = load.overloaded
                label = f"load {load.load} / {load.capacity:g}" + ("  OVERLOADED" if over else "")
                out.append(
                    f'<text class="load{" overloaded" if over else ""}" x="{x + COL_W - 8}" '
                    f'y="{ry + row_h[team.id] - 6:.0f}" text-anchor="end" font-size="11" '
                    f'fill="{"#e00000" if over else "#666666"}"'
                    f"{' font-weight=' + chr(34) + 'bold' + chr(34) if over else ''}>{svg_text(label)}</text>"
                )
            for n, f in enumerate(cells.get((team.id, it.id), [])):
                box = Box(x + CELL_PAD, ry + CELL_PAD + n * (card_h + CARD_GAP), COL_W - 2 * CELL_PAD, card_h)
                boxes[f.id] = box
                out.append(_card(f, box, team.color, f.id in at_risk.features, title_px))
    if has_external:
        ry = row_y[EXTERNAL_ROW]
        out.append(
            f'<rect x="{MARGIN}" y="{ry}" width="{width - 2 * MARGIN:.0f}" '
            f'height="{row_h[EXTERNAL_ROW]:.0f}" '
            'fill="#f7f7f7" stroke="#bbbbbb"/>'
        )
        out.append(
            f'<text x="{MARGIN + 14}" y="{ry + 22}" font-weight="bold" font-size="14">External parties</text>'
        )

    # The red strings.
    story_cells = {s.id: s for s in state.of(Story).values()}
    for d in sorted(deps, key=lambda d: is_conflict(dep_state[d.id])):
        provider_row = d.provider_team_id or (EXTERNAL_ROW if d.external_party else None)
        if d.requesting_team_id not in row_y or (provider_row is not None and provider_row not in row_y):
            continue  # an end on another page of the report
        out.append(_string(state, d, dep_state[d.id], boxes, story_cells, col, grid_x, row_y, row_h, rows_y))

    if last:
        out.append(_legend(MARGIN, legend_y))
    out.append("</svg>")
    return "\n".join(out) + "\n"


MILESTONE_LANES = 4  # at most; the row grows with the lanes it needs


def _milestone_x(m: Milestone, state: BoardState, col: dict[str, int], grid_x: float) -> float | None:
    """Where a milestone stands: at its date within its iteration's column when the iteration has
    dates, else at the column's start; a milestone in no iteration is not on the board."""
    where = milestone_iteration(m, state.iterations)
    if where not in col:
        return None
    x = grid_x + col[where or ""] * COL_W + 8
    span = iteration_span(next(i for i in state.iterations if i.id == where))
    try:
        day = dt.date.fromisoformat(m.date or "")
    except ValueError:
        return x
    if span is None or not span[0] <= day <= span[1]:
        return x
    return x + (COL_W - 24) * (day - span[0]).days / ((span[1] - span[0]).days + 1)


Lane = list[tuple[float, Milestone]]


def _milestone_label(m: Milestone) -> str:
    return f"{m.title}{' · ' + m.date if m.date else ''}"


def _milestone_lanes(state: BoardState, col: dict[str, int], grid_x: float) -> tuple[list[Lane], int]:
    """Each milestone at its place, in the first lane where it does not run into the one before (up to
    MILESTONE_LANES); how many found no room is counted, never dropped in silence."""
    placed = []
    for m in state.of(Milestone).values():
        x = _milestone_x(m, state, col, grid_x)
        if x is not None:
            placed.append((x, m.date or "", m.title, m))
    placed.sort(key=lambda p: (p[0], p[1], p[2]))
    lanes: list[Lane] = []
    ends: list[float] = []
    hidden = 0
    for x, _, _, m in placed:
        lane = next((n for n, end in enumerate(ends) if end <= x), None)
        if lane is None and len(lanes) < MILESTONE_LANES:
            lanes.append([])
            ends.append(float("-inf"))
            lane = len(lanes) - 1
        if lane is None:
            hidden += 1
            continue
        ends[lane] = x + 22 + min(text_width(_milestone_label(m)), COL_W - 30) + 10
        lanes[lane].append((x, m))
    return lanes, hidden


def _milestones(lanes: list[Lane], hidden: int, milestone_y: float, right: float) -> list[str]:
    """The milestones row: a diamond and a label per milestone; a label ends before the next milestone
    of its lane and the picture's edge."""
    out: list[str] = []
    for n, lane in enumerate(lanes):
        my = milestone_y + 8 + n * 22
        for k, (x, m) in enumerate(lane):
            next_x = lane[k + 1][0] if k + 1 < len(lane) else right
            label = fit(_milestone_label(m), min(next_x, right) - (x + 22) - 6)
            out.append(
                f'<g class="milestone" data-milestone={svg_attr(m.id)}>'
                f"<title>{svg_text(m.title)}</title><polygon "
                f'points="{x:.1f},{my + 8} {x + 8:.1f},{my} {x + 16:.1f},{my + 8} {x + 8:.1f},{my + 16}" '
                f'fill="#f0a500"/><text x="{x + 22:.1f}" y="{my + 13}">{svg_text(label)}</text></g>'
            )
    if hidden:
        y = milestone_y + 14 + 22 * len(lanes) + 8
        out.append(
            f'<text class="milestones-hidden" x="{MARGIN + 8}" y="{y}" font-size="11" '
            f'fill="#555555">+{hidden} milestones not drawn</text>'
        )
    return out


def _card(f: Feature, box: Box, color: str, risky: bool, title_px: float = TITLE_PX) -> str:
    enabler = f.feature_kind == FeatureKind.ENABLER
    stroke = "#e00000" if risky else color
    badge = ("E " if enabler else "") + (f.external_key or "")
    badge_text = fit(badge, box.w / 2, 9) if badge.strip() else ""
    # The title is measured against the card: the first line leaves room for the badge, the second
    # for the at-risk mark; what does not fit ends with "…".
    inner = box.w - 11 - 6
    widths = [inner - (text_width(badge_text, 9) + 6 if badge_text else 0), inner - (18 if risky else 0)]
    lines = wrap(f.title, widths, title_px)
    parts = [
        f'<g class="card{" enabler" if enabler else ""}{" at-risk" if risky else ""}" '
        f"data-feature={svg_attr(f.id)}>",
        f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="4" '
        f'fill="{"#eef3ff" if enabler else "#fffdf2"}" stroke="{stroke}" '
        f'stroke-width="{3 if risky else 1.5}"/>',
        f'<rect x="{box.x}" y="{box.y}" width="5" height="{box.h}" fill={svg_attr(color)}/>',
    ]
    for n, line in enumerate(lines):
        y = box.y + 5 + title_px * (1 + 1.2 * n)
        parts.append(
            f'<text class="title" x="{box.x + 11}" y="{y:.1f}" font-size="{title_px:.1f}">'
            f"{svg_text(line)}</text>"
        )
    if badge_text:
        parts.append(
            f'<text class="badge" x="{box.x + box.w - 6}" y="{box.y + 12}" text-anchor="end" font-size="9" '
            f'fill="#555555">{svg_text(badge_text)}</text>'
        )
    if risky:
        parts.append(
            f'<text x="{box.x + box.w - 6}" y="{box.y + box.h - 6}" text-anchor="end" font-size="13" '
            f'font-weight="bold" fill="#e00000">⚠</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _string(
    state: BoardState,
    d: Dependency,
    dstate: DependencyState,
    boxes: dict[str, Box],
    stories: dict[str, Story],
    col: dict[str, int],
    grid_x: float,
    row_y: dict[str, float],
    row_h: dict[str, float],
    rows_top: float,
) -> str:
    def cell(row: str | None, iteration_id: str | None) -> tuple[float, float] | None:
        if row is None or row not in row_y or iteration_id not in col:
            return None
        return grid_x + col[iteration_id or ""] * COL_W + COL_W / 2, row_y[row] + row_h[row] - LOAD_H - 4

    # Provider end: its story's card (or cell), its feature card, or the external promise.
    provider: tuple[float, float] | None = None
    provider_is_cell = False
    story = stories.get(d.provider_story_id or "")
    if story is not None:
        fbox = boxes.get(story.feature_id or "")
        feature = state.get(Feature, story.feature_id)
        if (
            fbox
            and feature
            and (feature.team_id, feature.iteration_id) == (story.team_id, story.iteration_id)
        ):
            provider = (fbox.cx, fbox.cy)
        else:
            provider = cell(story.team_id, story.iteration_id)
    elif d.provider_feature_id in boxes:
        b = boxes[d.provider_feature_id or ""]
        provider = (b.cx, b.cy)
    else:
        delivery = delivering_iteration(state, d)
        row = d.provider_team_id or (EXTERNAL_ROW if d.external_party else None)
        provider = cell(row, delivery.id if delivery else None)
        provider_is_cell = True
    # Requesting end: its feature card, else the requesting team's cell where it is needed.
    if d.requesting_feature_id in boxes:
        b = boxes[d.requesting_feature_id or ""]
        requester: tuple[float, float] | None = (b.cx, b.cy)
    else:
        need = needed_by(state, d)
        requester = cell(d.requesting_team_id, need.id if need else None)
        if requester is None and d.requesting_team_id in row_y:
            requester = (MARGIN + LABEL_W - 12, row_y[d.requesting_team_id or ""] + 20)
    color, width, dash = STRING_STYLE[dstate]
    cls = f"dependency {dstate.value}"
    label = " ".join(d.need.split())
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if requester is None:
        return ""
    if provider is None:
        # Nothing planned to deliver it: a marker on the requester says so.
        rx, ry = requester
        return (
            f"<g class={svg_attr(cls)} data-dependency={svg_attr(d.id)}>"
            f"<title>{svg_text(label)}: nothing planned</title>"
            f"{_marker(rx + 14, ry - 14, color, dstate)}</g>"
        )
    (px, py), (rx, ry) = provider, requester
    bend = max(40.0, abs(rx - px) / 3)
    # A cubic curve stays within its control points: kept below the top of the team rows, a string
    # never arcs across the iteration heads and their dates, nor the milestones.
    floor = rows_top + 14
    c1, c2 = max(py - bend, floor), max(ry - bend, floor)
    path = f"M {px:.1f} {py:.1f} C {px:.1f} {c1:.1f}, {rx:.1f} {c2:.1f}, {rx:.1f} {ry:.1f}"
    mx, my = (px + rx) / 2, (py + 3 * c1 + 3 * c2 + ry) / 8  # the curve's own midpoint
    parts = [
        f"<g class={svg_attr(cls)} data-dependency={svg_attr(d.id)}><title>{svg_text(label)}</title>",
        f'<path d="{path}" fill="none" stroke="{color}" stroke-width="{width}"{dash_attr} '
        'stroke-linecap="round"/>',
        f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{color}"/>',
        f'<circle cx="{rx:.1f}" cy="{ry:.1f}" r="4" fill="{color}"/>',
    ]
    if d.external_party and not d.provider_team_id and provider_is_cell:
        # The external party's end names who delivers, measured against the column.
        parts.append(
            f'<text class="endpoint" x="{px:.1f}" y="{py - 9:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#333333">{svg_text(fit(d.external_party, COL_W - 16, 11))}</text>'
        )
    if is_conflict(dstate):
        parts.append(_marker(mx, my, color, dstate))
    parts.append("</g>")
    return "".join(parts)


def _marker(x: float, y: float, color: str, dstate: DependencyState) -> str:
    """A conflict (or a decline) carries "!"; a request nobody has planned yet carries "?"."""
    conflict = is_conflict(dstate)
    return (
        f'<g class="{"conflict-marker" if conflict else "open-marker"}">'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="{color}" stroke="#ffffff" stroke-width="2"/>'
        f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="14" '
        f'font-weight="bold" fill="#ffffff">{"!" if conflict else "?"}</text></g>'
    )


def _legend(x: float, y: float) -> str:
    shown = (
        DependencyState.COMMITTED,
        DependencyState.REQUESTED,
        DependencyState.PROPOSED,
        DependencyState.DECLINED,
        DependencyState.CONFLICT,
        DependencyState.DONE,
    )
    items = [(dstate, STATE_MEANING[dstate]) for dstate in shown]
    parts = [f'<g class="legend"><text x="{x}" y="{y}" font-weight="bold">Legend</text>']
    for n, (dstate, label) in enumerate(items):
        color, width, dash = STRING_STYLE[dstate]
        ly = y + 20 + n * 20
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="{ly - 4}" x2="{x + 60}" y2="{ly - 4}" stroke="{color}" '
            f'stroke-width="{width}"{dash_attr}/>'
        )
        if is_conflict(dstate):
            parts.append(_marker(x + 30, ly - 4, color, dstate))
        parts.append(f'<text x="{x + 72}" y="{ly}">{svg_text(label)}</text>')
    lx = x + 380
    parts.append(
        f'<rect x="{lx}" y="{y + 6}" width="40" height="16" rx="3" fill="#fffdf2" stroke="#e00000" '
        'stroke-width="3"/>'
        f'<text x="{lx + 50}" y="{y + 19}">⚠ feature at risk from a conflict</text>'
        f'<rect x="{lx}" y="{y + 30}" width="40" height="16" rx="3" fill="#eef3ff" stroke="#4a6fa5"/>'
        f'<text x="{lx + 50}" y="{y + 43}">enabler</text>'
        f'<rect x="{lx}" y="{y + 54}" width="40" height="16" fill="url(#ip-hatch)" stroke="#bbbbbb"/>'
        f'<text x="{lx + 50}" y="{y + 67}">IP iteration</text>'
        f'<text x="{lx}" y="{y + 91}" fill="#e00000" font-weight="bold">load n / c OVERLOADED</text>'
        f'<text x="{lx + 180}" y="{y + 91}">story points over capacity</text>'
    )
    parts.append("</g>")
    return "".join(parts)


def program_board_png(state: BoardState, *, scale: float = 1.0, title: str | None = None) -> bytes:
    """The program board as PNG, rendered from the SVG by cairosvg (fonts: DejaVu)."""
    return svg_to_png(program_board_svg(state, title=title), scale=scale)


def svg_to_png(svg: str, *, scale: float = 1.0) -> bytes:
    """A picture of ours (an SVG document) as PNG, by cairosvg (fonts: DejaVu), fetching nothing."""
    try:
        import cairosvg
    except OSError:  # cairosvg is installed, but the cairo C library it loads is not
        raise Unavailable(
            "the PNG picture needs the cairo library on the server (Debian: apt install libcairo2); "
            "the SVG picture works without it"
        ) from None

    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, unsafe=False)
    assert isinstance(png, bytes)
    return png
