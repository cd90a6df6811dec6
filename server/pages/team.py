"""A team's breakout view: iterations with stories, capacity vs load, objectives, risks, dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from board import BoardState
from board.capacity import Load, member_capacity
from board.core import Committed
from board.dependencies import (
    delivering_iteration,
    dependency_state,
    is_conflict,
    needed_by,
    requests_to_answer,
)
from board.errors import NotFound
from board.execution import iteration_closed
from board.model import (
    Dependency,
    DependencyState,
    Feature,
    Iteration,
    Member,
    Objective,
    Risk,
    Roam,
    Story,
    Team,
)
from board.story_order import comes_after, out_of_order
from board.summary import PlanSummary
from server.clock import CLOCK
from server.pages.common import Region, changed_regions, render_part, summary_of
from server.pages.renderer import renders


@dataclass(frozen=True)
class LoadBar:
    """Capacity vs load of one iteration, and how to say it without colour alone."""

    load: Load

    @property
    def percent(self) -> int | None:
        return None if self.load.ratio is None else round(self.load.ratio * 100)

    @property
    def fill_percent(self) -> int:
        """Width of the bar, capped at the track's end; the overflow is shown by a marker."""
        if self.load.capacity <= 0:
            return 100 if self.load.load > 0 else 0
        return min(100, round(self.load.load / self.load.capacity * 100))

    @property
    def target_percent(self) -> int:
        return round(self.load.target * 100)

    @property
    def level(self) -> str:
        return self.load.level

    @property
    def label(self) -> str:
        if self.load.capacity <= 0 and self.load.load == 0:
            return "no capacity planned"
        if self.load.overloaded:
            return "over capacity"
        if self.level == "above_target":
            return f"above the {self.target_percent} % target"
        return "within target"


@dataclass(frozen=True)
class Column:
    iteration: Iteration
    stories: list[Story]
    features: list[Feature]
    bar: LoadBar
    # During the PI's execution: the iteration has ended (board.execution.iteration_closed).
    closed: bool = False


@dataclass(frozen=True)
class DependencyLine:
    dependency: Dependency
    # What it shows (during execution also late or done by the work's progress) and where the
    # answers stand (board.dependencies.dependency_state: requested until the provider answers).
    state: DependencyState
    answer: DependencyState
    other_team: str
    requesting_feature: Feature | None
    needed_by: Iteration | None
    delivered_in: Iteration | None
    promised: Iteration | None
    provider_work: Story | Feature | None


@dataclass(frozen=True)
class ObjectiveLine:
    objective: Objective
    vague: bool
    at_risk: bool


@dataclass(frozen=True)
class StoryOrder:
    """The stories one story comes after (Jira "blocks" inside the team), and those of them
    not planned in its iteration or earlier."""

    after: list[Story]
    late: list[Story]


@dataclass(frozen=True)
class Person:
    """A member of the team and what they bring to each iteration (``board.capacity``'s rule)."""

    member: Member
    capacity: list[tuple[Iteration, float]]


@dataclass(frozen=True)
class TeamBoard:
    board_id: str
    name: str
    team: Team
    teams: list[Team]
    iterations: list[Iteration]
    columns: list[Column]
    unplanned_stories: list[Story]
    stories: list[Story]
    features: list[Feature]
    feature_titles: dict[str, str]
    story_order: dict[str, StoryOrder]
    objectives: list[ObjectiveLine]
    risks: list[Risk]
    requested_of_us: list[DependencyLine]
    we_need: list[DependencyLine]
    summary: PlanSummary
    people: list[Person]
    # Other teams' requests this team has not answered (board.dependencies.requests_to_answer).
    requests_to_answer: int = 0

    @property
    def conflict_count(self) -> int:
        """This team's dependencies counted as conflicts (board.dependencies.is_conflict)."""
        return sum(1 for line in self.requested_of_us + self.we_need if is_conflict(line.state))

    @property
    def layout(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.iterations)

    @property
    def overloaded_count(self) -> int:
        return sum(1 for c in self.columns if c.bar.load.overloaded)


def build_team(state: BoardState, team_id: str, summary: PlanSummary | None = None) -> TeamBoard:
    team = state.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team '{team_id}' on this board")
    summary = summary or summary_of(state)
    iterations = state.iterations
    stories = sorted(
        (s for s in state.stories if s.team_id == team_id), key=lambda s: (s.feature_id or "~", s.title)
    )
    features = [f for f in state.features if f.team_id == team_id]
    all_features = state.of(Feature)
    executing, today = state.meta.execution_started, CLOCK.today()
    columns = [
        Column(
            iteration=it,
            stories=[s for s in stories if s.iteration_id == it.id],
            features=[f for f in features if f.iteration_id == it.id],
            bar=LoadBar(summary.loads[(team_id, it.id)]),
            closed=executing and iteration_closed(it, today),
        )
        for it in iterations
    ]
    known_iterations = {i.id for i in iterations}
    team_names = {t.id: t.name for t in state.teams}

    def line(dep: Dependency, other_team_id: str | None) -> DependencyLine:
        return DependencyLine(
            dependency=dep,
            state=summary.dependency_states[dep.id],
            answer=dependency_state(state, dep),
            other_team=team_names.get(other_team_id or "", "") or dep.external_party,
            requesting_feature=all_features.get(dep.requesting_feature_id or ""),
            needed_by=needed_by(state, dep),
            delivered_in=delivering_iteration(state, dep),
            promised=state.get(Iteration, dep.promised_iteration_id),
            provider_work=state.get(Story, dep.provider_story_id)
            or state.get(Feature, dep.provider_feature_id),
        )

    deps = sorted(state.dependencies, key=lambda d: d.need.lower())
    return TeamBoard(
        board_id=state.board_id,
        name=state.meta.name,
        team=team,
        teams=state.teams,
        iterations=iterations,
        columns=columns,
        unplanned_stories=[s for s in stories if s.iteration_id not in known_iterations],
        stories=stories,
        features=features,
        feature_titles={f.id: f.title for f in state.features},
        story_order={
            s.id: StoryOrder(comes_after(state, s), out_of_order(state, s)) for s in stories if s.after
        },
        objectives=[
            ObjectiveLine(o, o.id in summary.vague_objectives, o.id in summary.at_risk.objectives)
            for o in sorted(state.objectives, key=lambda o: (not o.committed, o.statement.lower()))
            if o.team_id == team_id
        ],
        risks=sorted(
            (r for r in state.risks if r.team_id == team_id),
            key=lambda r: (r.roam != Roam.UNROAMED, r.title.lower()),
        ),
        requested_of_us=[line(d, d.requesting_team_id) for d in deps if d.provider_team_id == team_id],
        we_need=[line(d, d.provider_team_id) for d in deps if d.requesting_team_id == team_id],
        summary=summary,
        people=[
            Person(m, [(it, member_capacity(m, it)) for it in iterations])
            for m in sorted(state.of(Member).values(), key=lambda m: m.name.lower())
            if m.team_id == team_id
        ],
        requests_to_answer=len(requests_to_answer(state, team_id)),
    )


# The team page's regions besides its iteration columns: element id -> template.
TEAM_PARTS = {
    "team-counters": "parts/team_counters.html",
    "unplanned": "parts/team_unplanned.html",
    "team-features": "parts/team_features.html",
    "objectives": "parts/team_objectives.html",
    "risks": "parts/team_risks.html",
    "deps-in": "parts/team_deps_in.html",
    "deps-out": "parts/team_deps_out.html",
    "people": "parts/team_people.html",
}


def team_regions(board: TeamBoard) -> list[Region]:
    ctx = {"board": board, "oob": True}
    regions = [
        Region(f"col-{col.iteration.id}", render_part("parts/team_column.html", col=col, **ctx))
        for col in board.columns
    ]
    regions += [Region(dom_id, render_part(template, **ctx)) for dom_id, template in TEAM_PARTS.items()]
    return regions


def team_whole(board: TeamBoard) -> Region:
    ctx = {"board": board, "oob": True}
    return Region("team-board", render_part("parts/team_board.html", **ctx))


@renders("team")
def render_team(state: BoardState, events: list[Committed], team_id: str | None) -> str:
    if team_id is None or state.get(Team, team_id) is None:
        return ""
    if any(c.kind == Team.kind and c.id == team_id and c.before is None for e in events for c in e.changes):
        return team_whole(build_team(state, team_id)).html  # the team is new: there was no page before
    return changed_regions(
        state,
        events,
        f"team:{team_id}",
        lambda s: build_team(s, team_id),
        team_regions,
        lambda b: b.layout,
        team_whole,
    )
