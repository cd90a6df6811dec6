"""The solution board (issue 29): every train's teams × the solution's iterations, on one board. No I/O.

Rows are grouped by train (in joining order), then the parties the trains ask work of that are no team
of theirs (suppliers and others, named by a dependency's ``external_party``). Columns are the solution's
iterations, **matched by number** (the trains share the solution's cadence; where one disagrees, the
solution page says how): a feature planned in a train's iteration 3 stands in column 3. Each card says
the capability it was split from, and the strings are the trains' dependencies. A cross-train
dependency (train A's request with ``provider_train``, mirrored on B with ``requester_train``) is one
string from A's card to the card B plans for it (its mirror's provider feature, else B's team); the
mirror is not drawn again.

The marks (conflict, at risk) and each string's state are the trains' own, from their plan summary
(:func:`board.summary.plan_summary`), so the solution board says what each train's program board says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from board.cross_train import parse_ref, requested_by
from board.dependencies import is_conflict
from board.dependencies import needed_by as needed_by_iteration
from board.execution import BROKEN
from board.labels import iteration_name
from board.model import (
    BoardState,
    Dependency,
    DependencyState,
    FeatureState,
    Iteration,
    Milestone,
    Story,
    Team,
    milestone_iteration,
)
from board.solution import (
    Capability,
    TrainCadence,
    cadence_disagreements,
    cadence_of,
    reference_train,
)
from board.summary import PlanSummary

# The row group of the parties asked for work that are no team of a train (a supplier, another company).
PARTIES = "parties"


@dataclass(frozen=True)
class Column:
    """One iteration of the solution's cadence: the trains' iterations of this number."""

    number: int
    name: str
    is_ip: bool
    start: str | None
    end: str | None


@dataclass(frozen=True)
class BoardCard:
    dom_id: str
    title: str
    capability: str  # the title of the capability it was split from, or ""
    conflicted: bool
    at_risk: bool
    done: bool
    # A party's card stands for a dependency asked of it, not a feature.
    asked: bool = False


@dataclass(frozen=True)
class Lane:
    """One team of a train (or one party), its cards in each column."""

    dom_id: str  # its label's id: where a string to the team with nothing planned ends
    name: str
    color: str
    cells: tuple[tuple[BoardCard, ...], ...]  # one per column

    @property
    def card_count(self) -> int:
        return sum(len(cell) for cell in self.cells)


@dataclass(frozen=True)
class TrainGroup:
    board_id: str  # PARTIES for the parties' group
    name: str
    lanes: tuple[Lane, ...]
    milestones: tuple[tuple[str, ...], ...]  # per column: the titles of the train's milestones there
    unplanned: int  # features in no team's iteration of the cadence (the train's backlog)
    conflicts: int
    # How the train's dates disagree with the solution's cadence (board.solution), each a sentence.
    disagreements: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoardString:
    dom_id: str
    from_id: str
    to_id: str
    state: DependencyState
    conflict: bool  # counted among the conflicts (is_conflict), as the program board counts it
    at_risk: bool
    requester: str  # "Train · Team"
    provider: str
    need: str
    needed_by: str  # the column's name, or ""
    cross_train: bool


@dataclass(frozen=True)
class SolutionBoard:
    columns: tuple[Column, ...]
    trains: tuple[TrainGroup, ...]
    strings: tuple[BoardString, ...]

    @property
    def lane_count(self) -> int:
        return sum(len(t.lanes) for t in self.trains)

    @property
    def conflicts(self) -> int:
        return sum(1 for s in self.strings if s.conflict)


def columns_of(states: Sequence[BoardState], reference: TrainCadence | None) -> tuple[Column, ...]:
    """The solution's iterations: every number a train has, named and dated as the cadence's train
    (``reference``: the first with dates for all) names them, else as the first train that has it."""
    ordered = sorted(states, key=lambda s: s.board_id != (reference.board_id if reference else None))
    found: dict[int, Column] = {}
    for state in ordered:
        for it in state.iterations:
            if it.number not in found:
                found[it.number] = Column(it.number, iteration_name(it), it.is_ip, it.start, it.end)
    return tuple(found[n] for n in sorted(found))


def solution_board(
    trains: Sequence[tuple[BoardState, PlanSummary]], capabilities: Sequence[Capability] = ()
) -> SolutionBoard:
    """The solution board of ``trains`` (each board with its plan summary), in joining order."""
    cadences = [cadence_of(state) for state, _ in trains]
    disagreements = {d.board_id: d.reasons for d in cadence_disagreements(cadences)}
    columns = columns_of([state for state, _ in trains], reference_train(cadences))
    column_of = {c.number: k for k, c in enumerate(columns)}
    capability_of = {(board, feature): c.title for c in capabilities for board, feature in c.features.items()}
    names = {state.board_id: state.meta.name for state, _ in trains}
    # A cross-train request's mirror on the providing train, by the request it mirrors: (board, dependency).
    mirrors = {
        asked: (state, dep)
        for state, _ in trains
        for dep in state.dependencies
        if (asked := requested_by(dep))
    }
    planned: dict[tuple[str, str], str] = {}  # (board, feature) -> its card's id, for features in a cell
    groups: list[TrainGroup] = []
    for state, summary in trains:
        cards = _cards(state, summary, capability_of)
        number = {it.id: it.number for it in state.iterations}
        cells: dict[tuple[str, int], list[BoardCard]] = {}
        unplanned = 0
        for feature in state.features:
            column = column_of.get(number.get(feature.iteration_id or "", -1))
            if feature.team_id is None or column is None or state.get(Team, feature.team_id) is None:
                unplanned += 1
                continue
            card = cards[feature.id]
            cells.setdefault((feature.team_id, column), []).append(card)
            planned[(state.board_id, feature.id)] = card.dom_id
        lanes = tuple(
            Lane(
                _team_dom_id(state.board_id, team.id),
                team.name,
                team.color,
                tuple(tuple(cells.get((team.id, k), ())) for k in range(len(columns))),
            )
            for team in state.teams
        )
        milestones: list[list[str]] = [[] for _ in columns]
        for m in sorted(state.of(Milestone).values(), key=lambda m: (m.date or "", m.title)):
            where = state.get(Iteration, milestone_iteration(m, state.iterations))
            k = column_of.get(where.number) if where else None
            if k is not None:
                milestones[k].append(m.title)
        conflicts = sum(1 for d in state.dependencies if is_conflict(summary.dependency_states[d.id]))
        groups.append(
            TrainGroup(
                state.board_id,
                state.meta.name,
                lanes,
                tuple(tuple(m) for m in milestones),
                unplanned,
                conflicts,
                disagreements.get(state.board_id, ()),
            )
        )

    strings: list[BoardString] = []
    # Each party by its name without case: (its name as first written, its lane's id, cards per column).
    parties: dict[str, tuple[str, str, list[list[BoardCard]]]] = {}
    for state, summary in trains:
        board_id = state.board_id
        teams = {t.id: t.name for t in state.teams}
        stories = state.of(Story)
        for dep in sorted(state.dependencies, key=lambda d: (d.requesting_team_id or "", d.need)):
            if requested_by(dep):
                continue  # a mirror: drawn from the request it mirrors, on the asking train
            dep_state = summary.dependency_states[dep.id]
            from_id = planned.get((board_id, dep.requesting_feature_id or "")) or _team_dom_id(
                board_id, dep.requesting_team_id or ""
            )
            requester = f"{names[board_id]} · {teams.get(dep.requesting_team_id or '', '?')}"
            needed = needed_by_iteration(state, dep)
            needed_by = (
                columns[column_of[needed.number]].name if needed and needed.number in column_of else ""
            )
            asked = parse_ref(dep.provider_train) if dep.provider_train else None
            cross = False
            if asked is not None and asked[0] in names:
                cross = True
                other, team_id = asked
                mirror = mirrors.get((board_id, dep.id))
                to_id = _team_dom_id(other, team_id)
                if mirror is not None:
                    to_id = planned.get((other, _provided_feature(*mirror) or ""), to_id)
                other_state = next(s for s, _ in trains if s.board_id == other)
                provider = f"{names[other]} · {_team_name(other_state, team_id)}"
            elif dep.provider_team_id:
                provided = _provided_feature(state, dep, stories)
                to_id = planned.get((board_id, provided or ""), _team_dom_id(board_id, dep.provider_team_id))
                provider = f"{names[board_id]} · {teams.get(dep.provider_team_id, '?')}"
            elif dep.external_party.strip():
                # A party's card: the request, in the iteration promised, else the one it is needed by.
                provider = dep.external_party.strip()
                key = provider.casefold()
                party = parties.setdefault(key, (provider, f"sb-party-{len(parties)}", [[] for _ in columns]))
                promised = state.get(Iteration, dep.promised_iteration_id)
                where = promised or needed
                k = column_of.get(where.number) if where else None
                to_id = f"sb-{board_id}-ask-{dep.id}"
                if k is not None:
                    conflicted = dep_state in BROKEN
                    at_risk = dep.id in summary.at_risk.dependencies
                    card = BoardCard(
                        to_id, dep.need, "", conflicted, at_risk, dep_state == DependencyState.DONE, True
                    )
                    party[2][k].append(card)
                else:
                    to_id = party[1]
            else:
                continue
            strings.append(
                BoardString(
                    f"sb-{board_id}-dep-{dep.id}",
                    from_id,
                    to_id,
                    dep_state,
                    is_conflict(dep_state),
                    dep.id in summary.at_risk.dependencies and dep_state not in BROKEN,
                    requester,
                    provider,
                    dep.need,
                    needed_by,
                    cross,
                )
            )
    if parties:
        lanes = tuple(
            Lane(lane_id, name, "#7a6a53", tuple(tuple(cell) for cell in cells))
            for _, (name, lane_id, cells) in sorted(parties.items())
        )
        groups.append(
            TrainGroup(PARTIES, "Suppliers and other parties", lanes, tuple(() for _ in columns), 0, 0)
        )
    return SolutionBoard(columns, tuple(groups), tuple(strings))


def _cards(
    state: BoardState, summary: PlanSummary, capability_of: dict[tuple[str, str], str]
) -> dict[str, BoardCard]:
    """Each feature's card, marked as its train's program board marks it (server/pages/program.py):
    in conflict when a dependency it asks for or provides is broken, at risk by the plan's cascade."""
    stories = state.of(Story)
    broken: set[str] = set()
    for dep in state.dependencies:
        if summary.dependency_states[dep.id] in BROKEN:
            broken.update(f for f in (dep.requesting_feature_id, _provided_feature(state, dep, stories)) if f)
    return {
        f.id: BoardCard(
            f"sb-{state.board_id}-{f.id}",
            f.title,
            capability_of.get((state.board_id, f.id), ""),
            f.id in broken,
            f.id in summary.at_risk.features,
            f.state == FeatureState.DONE,
        )
        for f in state.features
    }


def _provided_feature(
    state: BoardState, dep: Dependency, stories: dict[str, Story] | None = None
) -> str | None:
    """The feature that delivers a dependency: the one it names, else its story's."""
    if dep.provider_feature_id:
        return dep.provider_feature_id
    story = (stories if stories is not None else state.of(Story)).get(dep.provider_story_id or "")
    return story.feature_id if story else None


def _team_name(state: BoardState, team_id: str) -> str:
    team = state.get(Team, team_id)
    return team.name if team else "?"


def _team_dom_id(board_id: str, team_id: str) -> str:
    return f"sb-{board_id}-team-{team_id}"
