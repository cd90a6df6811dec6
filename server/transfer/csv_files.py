"""One CSV per part of the plan, alone or zipped: UTF-8 with BOM, a header row, formulas neutralised.

Every text cell goes through :func:`server.transfer.common.neutralise`, so a cell a
spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab, CR) opens as plain text.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from board.baseline import BaselineDiff, baseline_diff
from board.capacity import load_table
from board.dependencies import cascade, delivering_iteration, dependency_state, is_conflict, needed_by
from board.labels import feature_title, iteration_label, iteration_name, natural_key, story_title, team_name
from board.model import BoardState, DependencyState, Milestone, Story
from board.objectives import art_predictability, team_predictability
from server.transfer.common import neutralise, percent, revealed_rounds, vote_scope

BOM = "\ufeff"

Rows = tuple[list[str], list[list[Any]]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A CSV file as bytes: BOM, header, CRLF line ends, every cell neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")


def _baseline_columns(diff: BaselineDiff | None, item_id: str) -> list[str]:
    if diff is None:
        return []
    change = diff.by_id().get(item_id)
    if change is None:
        return ["unchanged", ""]
    return [change.change, str(change.before) if change.before else ""]


def _baseline_header(diff: BaselineDiff | None) -> list[str]:
    return [] if diff is None else ["Since baseline", "Baseline placement"]


def features_rows(state: BoardState, diff: BaselineDiff | None = None) -> Rows:
    at_risk = cascade(state).features
    points: dict[str, int] = {}
    counts: dict[str, int] = {}
    for s in state.stories:
        if s.feature_id:
            points[s.feature_id] = points.get(s.feature_id, 0) + s.points
            counts[s.feature_id] = counts.get(s.feature_id, 0) + 1
    header = [
        "ID",
        "Rank",
        "Key",
        "Title",
        "Kind",
        "State",
        "Team",
        "Iteration",
        "Stories",
        "Story points",
        "At risk",
        "Description",
        "Acceptance",
        *_baseline_header(diff),
    ]
    rows = [
        [
            f.id,
            f.rank,
            f.external_key,
            f.title,
            f.feature_kind.value,
            f.state.value,
            team_name(state, f.team_id),
            iteration_label(state, f.iteration_id),
            counts.get(f.id, 0),
            points.get(f.id, 0),
            f.id in at_risk,
            f.description,
            f.acceptance,
            *_baseline_columns(diff, f.id),
        ]
        for f in state.features
    ]
    return header, rows


def _story_order(state: BoardState) -> list[Story]:
    numbers = {i.id: i.number for i in state.iterations}
    return sorted(
        state.stories,
        key=lambda s: (
            natural_key(team_name(state, s.team_id)),
            numbers.get(s.iteration_id or "", 999),
            natural_key(s.title),
        ),
    )


def stories_rows(state: BoardState, diff: BaselineDiff | None = None) -> Rows:
    header = [
        "ID",
        "Key",
        "Title",
        "Feature",
        "Team",
        "Iteration",
        "Points",
        "Status",
        "Blocked because",
        *_baseline_header(diff),
    ]
    rows = [
        [
            s.id,
            s.external_key,
            s.title,
            feature_title(state, s.feature_id),
            team_name(state, s.team_id),
            iteration_label(state, s.iteration_id),
            s.points,
            s.status.value,
            s.blocked_reason,
            *_baseline_columns(diff, s.id),
        ]
        for s in _story_order(state)
    ]
    return header, rows


def dependencies_rows(state: BoardState) -> Rows:
    at_risk = cascade(state).dependencies
    header = [
        "ID",
        "Need",
        "Requesting team",
        "Requesting feature",
        "Provider",
        "Provider feature",
        "Provider story",
        "Needed by",
        "Planned delivery",
        "Status",
        "State",
        "At risk",
        "Comment",
    ]
    rows = []
    for d in state.dependencies:
        need = needed_by(state, d)
        delivery = delivering_iteration(state, d)
        provider = team_name(state, d.provider_team_id) or (
            f"External: {d.external_party}" if d.external_party else ""
        )
        rows.append(
            [
                d.id,
                d.need,
                team_name(state, d.requesting_team_id),
                feature_title(state, d.requesting_feature_id),
                provider,
                feature_title(state, d.provider_feature_id),
                story_title(state, d.provider_story_id),
                iteration_name(need) if need else "",
                iteration_name(delivery) if delivery else "",
                d.status.value,
                dependency_state(state, d).value,
                d.id in at_risk,
                d.comment,
            ]
        )
    rows.sort(
        key=lambda r: (
            not is_conflict(DependencyState(r[10])),
            natural_key(str(r[2])),
            natural_key(str(r[1])),
        )
    )
    return header, rows


def objectives_rows(state: BoardState) -> Rows:
    at_risk = cascade(state).objectives
    header = ["ID", "Team", "Statement", "Committed", "Planned BV", "Actual BV", "Features", "At risk"]
    objectives = sorted(
        state.objectives, key=lambda o: (natural_key(team_name(state, o.team_id)), not o.committed)
    )
    rows = [
        [
            o.id,
            team_name(state, o.team_id),
            o.statement,
            "committed" if o.committed else "uncommitted",
            o.planned_bv,
            o.actual_bv,
            "; ".join(feature_title(state, f) for f in o.feature_ids),
            o.id in at_risk,
        ]
        for o in objectives
    ]
    return header, rows


def predictability_rows(state: BoardState) -> Rows:
    """A team not rated yet has no figure (its actual BV is empty) and the ART's row counts the rated
    teams only, saying how many of how many."""
    header = ["Team", "Planned BV (committed)", "Actual BV", "Predictability", "In 80–100% band", "Rated"]
    rows: list[list[Any]] = []
    for team in state.teams:
        p = team_predictability(state, team.id)
        actual = p.actual_bv if p.rated else None
        rows.append([team.name, p.planned_bv, actual, percent(p.ratio), p.in_band, p.rated])
    art = art_predictability(state)
    art_actual = art.actual_bv if art.rated else None
    rows.append(["ART", art.planned_bv, art_actual, percent(art.ratio), art.in_band, art.coverage])
    return header, rows


def risks_rows(state: BoardState) -> Rows:
    order = {"unroamed": 0, "owned": 1, "accepted": 2, "mitigated": 3, "resolved": 4}
    header = ["ID", "Title", "ROAM", "Owner", "Team", "Raised by", "Description"]
    risks = sorted(state.risks, key=lambda r: (order[r.roam.value], natural_key(r.title)))
    rows = [
        [
            r.id,
            r.title,
            r.roam.value,
            r.owner,
            team_name(state, r.team_id) or "ART",
            r.raised_by,
            r.description,
        ]
        for r in risks
    ]
    return header, rows


def votes_rows(state: BoardState) -> Rows:
    """Results of revealed rounds only: ballots of open or closed rounds are secret."""
    header = ["Round ID", "Scope", "Round", "Votes", "Average", "1", "2", "3", "4", "5", "Needs rework"]
    rows = [
        [
            vote.id,
            vote_scope(state, vote),
            vote.number,
            tally.count,
            tally.average,
            *[tally.distribution[v] for v in range(1, 6)],
            tally.needs_rework if vote.team_id is None else "",
        ]
        for vote, tally in revealed_rounds(state)
    ]
    return header, rows


def load_rows(state: BoardState) -> Rows:
    header = ["Team", "Iteration", "Capacity", "Load", "Load %", "Level"]
    loads = load_table(state)
    rows = [
        [
            team.name,
            iteration_name(it),
            loads[(team.id, it.id)].capacity,
            loads[(team.id, it.id)].load,
            percent(loads[(team.id, it.id)].ratio),
            loads[(team.id, it.id)].level,
        ]
        for team in state.teams
        for it in state.iterations
    ]
    return header, rows


def milestones_rows(state: BoardState) -> Rows:
    header = ["ID", "Title", "Kind", "Date", "Iteration"]
    milestones = sorted(state.of(Milestone).values(), key=lambda m: (m.date or "", m.title))
    rows = [
        [m.id, m.title, m.milestone_kind.value, m.date, iteration_label(state, m.iteration_id)]
        for m in milestones
    ]
    return header, rows


def baseline_rows(diff: BaselineDiff) -> Rows:
    header = [
        "Kind",
        "ID",
        "Title",
        "Change",
        "Baseline placement",
        "Current placement",
        "Points before",
        "Points now",
    ]
    rows = [
        [
            c.kind,
            c.id,
            c.title,
            c.change,
            str(c.before) if c.before else "",
            str(c.after) if c.after else "",
            c.points_before,
            c.points_after,
        ]
        for c in diff.changes
    ]
    return header, rows


PARTS: dict[str, Callable[[BoardState], Rows]] = {
    "features": features_rows,
    "stories": stories_rows,
    "dependencies": dependencies_rows,
    "objectives": objectives_rows,
    "predictability": predictability_rows,
    "risks": risks_rows,
    "votes": votes_rows,
    "load": load_rows,
    "milestones": milestones_rows,
}


def export_csv(state: BoardState, part: str, *, baseline: BoardState | None = None) -> bytes:
    """One part as a CSV file (``part`` is a key of :data:`PARTS`, or ``"baseline"``)."""
    diff = baseline_diff(baseline, state) if baseline is not None else None
    if part == "baseline":
        if diff is None:
            raise ValueError("the baseline CSV needs a baseline state")
        return to_csv(*baseline_rows(diff))
    if part == "features":
        return to_csv(*features_rows(state, diff))
    if part == "stories":
        return to_csv(*stories_rows(state, diff))
    if part not in PARTS:
        raise ValueError(f"no CSV part '{part}'; parts: {', '.join(PARTS)}")
    return to_csv(*PARTS[part](state))


def export_csv_zip(
    state: BoardState,
    *,
    baseline: BoardState | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> bytes:
    """Every part as ``<part>.csv`` in one zip (plus ``baseline.csv`` when a baseline is given).

    ``progress(done, total, part)`` is told after each part (a command line shows a bar)."""
    parts = list(PARTS) + (["baseline"] if baseline is not None else [])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for done, part in enumerate(parts, start=1):
            info = zipfile.ZipInfo(f"{part}.csv", date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, export_csv(state, part, baseline=baseline))
            if progress is not None:
                progress(done, len(parts), part)
    return buf.getvalue()
