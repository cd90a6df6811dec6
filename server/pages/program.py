"""The program board: milestones on top, one row per team, one column per iteration, red strings.

The view-model is built from the state and :func:`board.summary.plan_summary` only, so the page
and the live renderer show the same thing. Its regions (milestones row, each team row, the
backlog, the strings layer, the counters) are what the live renderer replaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from board import BoardState
from board.capacity import Load
from board.core import Committed
from board.dependencies import (
    delivering_iteration,
    dependency_state,
    dependency_teams,
    is_conflict,
    needed_by,
)
from board.execution import BROKEN
from board.model import (
    Dependency,
    DependencyState,
    Feature,
    Iteration,
    Milestone,
    Roam,
    Story,
    Team,
    milestone_iteration,
)
from board.summary import PlanSummary
from server.pages.common import Region, changed_regions, render_part, summary_of
from server.pages.renderer import renders


@dataclass(frozen=True)
class Card:
    feature: Feature
    at_risk: bool
    conflicted: bool
    dependency_count: int
    # Broken only by lateness (the PI's execution), not by the plan: the mark says "late".
    late: bool = False
    # Its dependencies, either side: said in words on the phone's list (the grid draws them as strings).
    strings: tuple[String, ...] = ()

    @property
    def dom_id(self) -> str:
        return f"card-{self.feature.id}"


@dataclass(frozen=True)
class Cell:
    team: Team
    iteration: Iteration
    cards: list[Card]
    load: Load | None

    @property
    def dom_id(self) -> str:
        # The team id's length first: ids may hold "-" (an imported "it-3"), and team "a-b" in
        # iteration "c" must not be team "a" in iteration "b-c".
        return f"cell-{len(self.team.id)}-{self.team.id}-{self.iteration.id}"

    @property
    def load_percent(self) -> int | None:
        ratio = self.load.ratio if self.load else None
        return None if ratio is None else round(ratio * 100)


@dataclass(frozen=True)
class Row:
    team: Team
    cells: list[Cell]
    conflict_count: int
    at_risk_count: int
    overloaded_count: int


@dataclass(frozen=True)
class String:
    """A dependency drawn between two elements of the board (cards, or a team's label when unplanned)."""

    dependency: Dependency
    state: DependencyState
    at_risk: bool
    from_id: str
    to_id: str | None
    requester: str
    provider: str
    needed_by: Iteration | None
    delivered_in: Iteration | None

    # Where the answers stand (board.dependencies.dependency_state), beside what it shows now.
    answer: DependencyState = DependencyState.REQUESTED
    # The teams it joins (board.dependencies.dependency_teams): following one of them shows it.
    teams: frozenset[str] = frozenset()

    @property
    def conflicted(self) -> bool:
        return self.state in BROKEN

    @property
    def counted_conflict(self) -> bool:
        """Counted among the conflicts (and kept by the "only conflicts" filter): is_conflict."""
        return is_conflict(self.state)


@dataclass(frozen=True)
class Counters:
    conflicts: int
    at_risk_features: int
    overloaded: int
    above_target: int
    unroamed_risks: int
    features_planned: int
    features_total: int
    # During the PI's execution: dependencies past their need and stories not done in time.
    executing: bool = False
    late: int = 0
    slipped: int = 0


@dataclass(frozen=True)
class ProgramBoard:
    board_id: str
    name: str
    pi_name: str
    iterations: list[Iteration]
    milestones: dict[str, list[Milestone]]
    unplaced_milestones: list[Milestone]
    rows: list[Row]
    backlog: list[Card]
    strings: list[String]
    counters: Counters
    features: list[Feature]
    summary: PlanSummary = field(repr=False)

    @property
    def layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(i.id for i in self.iterations), tuple(r.team.id for r in self.rows)


def _planned(feature: Feature | None) -> bool:
    return feature is not None and bool(feature.team_id) and bool(feature.iteration_id)


def build_program(state: BoardState, summary: PlanSummary | None = None) -> ProgramBoard:
    summary = summary or summary_of(state)
    iterations = state.iterations
    teams = state.teams
    team_names = {t.id: t.name for t in teams}
    stories = state.of(Story)

    conflicted_features: set[str] = set()
    planned_conflicts: set[str] = set()
    deps_per_feature: dict[str, int] = {}
    strings: list[String] = []
    strings_of: dict[str, list[String]] = {}
    for dep in sorted(state.dependencies, key=lambda d: (d.requesting_team_id or "", d.need)):
        dep_state = summary.dependency_states[dep.id]
        provider_story = stories.get(dep.provider_story_id or "")
        provider_feature_id = dep.provider_feature_id or (
            provider_story.feature_id if provider_story else None
        )
        involved = [f for f in (dep.requesting_feature_id, provider_feature_id) if f]
        for fid in involved:
            deps_per_feature[fid] = deps_per_feature.get(fid, 0) + 1
            if dep_state in BROKEN:
                conflicted_features.add(fid)
            if dep_state == DependencyState.CONFLICT:
                planned_conflicts.add(fid)
        requesting = state.get(Feature, dep.requesting_feature_id)
        providing = state.get(Feature, provider_feature_id)
        from_id = f"card-{requesting.id}" if requesting and _planned(requesting) else None
        if from_id is None:
            from_id = f"team-{dep.requesting_team_id}"
        to_id: str | None = None
        if providing is not None and _planned(providing):
            to_id = f"card-{providing.id}"
        elif dep.provider_team_id:
            to_id = f"team-{dep.provider_team_id}"
        strings.append(
            String(
                dependency=dep,
                state=dep_state,
                at_risk=dep.id in summary.at_risk.dependencies and dep_state not in BROKEN,
                from_id=from_id,
                to_id=to_id,
                # Another train's request (its mirror here) names its requester in words.
                requester=team_names.get(dep.requesting_team_id or "", "") or dep.external_party or "?",
                provider=team_names.get(dep.provider_team_id or "", "") or dep.external_party or "?",
                needed_by=needed_by(state, dep),
                delivered_in=delivering_iteration(state, dep),
                answer=dependency_state(state, dep),
                teams=dependency_teams(state, dep),
            )
        )
        for fid in involved:
            strings_of.setdefault(fid, []).append(strings[-1])

    def card(feature: Feature) -> Card:
        return Card(
            feature=feature,
            at_risk=feature.id in summary.at_risk.features,
            conflicted=feature.id in conflicted_features,
            dependency_count=deps_per_feature.get(feature.id, 0),
            late=feature.id in conflicted_features and feature.id not in planned_conflicts,
            strings=tuple(strings_of.get(feature.id, ())),
        )

    by_cell: dict[tuple[str, str], list[Card]] = {}
    backlog: list[Card] = []
    known_teams = {t.id for t in teams}
    known_iterations = {i.id for i in iterations}
    for feature in state.features:
        if feature.team_id in known_teams and feature.iteration_id in known_iterations:
            assert feature.team_id and feature.iteration_id
            by_cell.setdefault((feature.team_id, feature.iteration_id), []).append(card(feature))
        else:
            backlog.append(card(feature))

    rows = []
    for team in teams:
        cells = [
            Cell(team, it, by_cell.get((team.id, it.id), []), summary.loads.get((team.id, it.id)))
            for it in iterations
        ]
        cards = [c for cell in cells for c in cell.cards]
        rows.append(
            Row(
                team=team,
                cells=cells,
                conflict_count=sum(1 for c in cards if c.conflicted),
                at_risk_count=sum(1 for c in cards if c.at_risk),
                overloaded_count=sum(1 for c in cells if c.load and c.load.overloaded),
            )
        )

    milestones: dict[str, list[Milestone]] = {}
    unplaced: list[Milestone] = []
    for m in sorted(state.of(Milestone).values(), key=lambda m: (m.date or "", m.title)):
        where = milestone_iteration(m, iterations)
        if where in known_iterations:
            assert where is not None
            milestones.setdefault(where, []).append(m)
        else:
            unplaced.append(m)

    loads = summary.loads.values()
    counters = Counters(
        conflicts=summary.conflict_count,
        at_risk_features=len(summary.at_risk.features),
        overloaded=sum(1 for load in loads if load.overloaded),
        above_target=sum(1 for load in loads if load.level == "above_target"),
        unroamed_risks=summary.roam_counts.get(Roam.UNROAMED, 0),
        executing=state.meta.execution_started,
        late=summary.late_count,
        slipped=len(summary.slipped),
        features_planned=sum(1 for f in state.features if _planned(f)),
        features_total=len(state.features),
    )
    meta = state.meta
    return ProgramBoard(
        board_id=state.board_id,
        name=meta.name,
        pi_name=meta.pi_name,
        iterations=iterations,
        milestones=milestones,
        unplaced_milestones=unplaced,
        rows=rows,
        backlog=backlog,
        strings=strings,
        counters=counters,
        features=sorted(state.features, key=lambda f: (team_names.get(f.team_id or "", "~"), f.title)),
        summary=summary,
    )


# --- regions, shared by the page and the live renderer -------------------------------------------


def program_regions(board: ProgramBoard, *, compact: bool = False) -> list[Region]:
    ctx = {"board": board, "oob": True, "compact": compact}
    regions = [Region("milestones", render_part("parts/milestones.html", **ctx))]
    regions += [row_region(board, row, compact) for row in board.rows]
    regions.append(strings_region(board, compact))
    regions.append(Region("dep-notes", render_part("parts/dep_notes.html", **ctx)))
    regions.append(Region("deps-summary", render_part("parts/deps_summary.html", **ctx)))
    regions.append(Region("counters", render_part("parts/counters.html", **ctx)))
    if not compact:
        regions.append(Region("backlog", render_part("parts/backlog.html", **ctx)))
    return regions


# Ends each item of a team row rendered live (parts/team_row.html): a comment no user text can make
# (text is escaped), so the row renders in one piece, unchanged rows cost one memo look-up, not one per cell.
_PART_END = Markup("<!--/part-->")


def row_region(board: ProgramBoard, row: Row, compact: bool) -> Region:
    """A team's row: a feature moved changes its two cells (and the label's counts), not the whole row."""
    ctx = {"board": board, "row": row, "oob": True, "compact": compact, "part_end": _PART_END}
    head, *items, tail = render_part("parts/team_row.html", **ctx).split(_PART_END)
    ids = [f"team-{row.team.id}", *(cell.dom_id for cell in row.cells)]
    return Region.of_list(f"row-{row.team.id}", head + tail, dict(zip(ids, items, strict=True)))


def strings_region(board: ProgramBoard, compact: bool) -> Region:
    """The dependencies' list: a feature moved changes a few of its items, not the whole list."""
    empty = render_part("parts/strings.html", board={"strings": ()}, oob=True, compact=compact)
    items = {
        f"dep-{s.dependency.id}": render_part("parts/string.html", s=s, compact=compact)
        for s in board.strings
    }
    return Region.of_list("strings", empty, items)


def program_grid(board: ProgramBoard, *, compact: bool = False) -> Region:
    """The whole board (grid, strings, counters) in one piece: sent when teams or iterations change."""
    ctx = {"board": board, "oob": True, "compact": compact}
    html = render_part("parts/program_grid.html", **ctx) + render_part("parts/counters.html", **ctx)
    if not compact:
        html += render_part("parts/backlog.html", **ctx)
    return Region("program-grid", html)


def program_update(state: BoardState, events: list[Committed], *, compact: bool) -> str:
    return changed_regions(
        state,
        events,
        "screen" if compact else "program",
        build_program,
        lambda b: program_regions(b, compact=compact),
        lambda b: b.layout,
        lambda b: program_grid(b, compact=compact),
    )


@renders("program")
def render_program(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return program_update(state, events, compact=False)
