"""Setting up a board before the event: what still belongs to a team or iteration (so removing it
can say so first), and the setup checklist of what is still missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from board.labels import iteration_name
from board.model import (
    BoardState,
    Dependency,
    Feature,
    Item,
    Iteration,
    Member,
    Milestone,
    Objective,
    Risk,
    Story,
    Team,
)

# How a rule reads every item of a kind: from a board, or from an op's transaction.
AllOf = Callable[[type[Any]], list[Any]]


@dataclass(frozen=True)
class Holdings:
    """What still points at a team or an iteration: the work planned there, and what names it."""

    planned: list[Item]  # features, stories, members
    naming: list[Item]  # objectives, risks, dependencies, milestones

    @property
    def empty(self) -> bool:
        return not self.planned and not self.naming

    def counts(self) -> dict[str, int]:
        """How many of each kind, e.g. {"member": 5, "story": 12}, in a fixed order."""
        out: dict[str, int] = {}
        for item in self.planned + self.naming:
            out[item.kind] = out.get(item.kind, 0) + 1
        return out


_REFS: dict[type[Item], tuple[str, tuple[str, ...]]] = {
    Team: ("team_id", ("team_id", "requesting_team_id", "provider_team_id")),
    Iteration: ("iteration_id", ("iteration_id", "needed_by_iteration_id", "promised_iteration_id")),
}


def holdings(all_of: AllOf, item: Team | Iteration) -> Holdings:
    """What still belongs to ``item`` (a team or an iteration); it can be removed when this is empty."""
    planned_field, ref_fields = _REFS[type(item)]
    planned = [
        x
        for cls in (Member, Feature, Story)
        for x in all_of(cls)
        if getattr(x, planned_field, None) == item.id
    ]
    naming = [
        x
        for cls in (Objective, Risk, Dependency, Milestone)
        for x in all_of(cls)
        if any(getattr(x, name, None) == item.id for name in ref_fields)
    ]
    return Holdings(planned, naming)


def of_board(state: BoardState) -> AllOf:
    return lambda cls: list(state.of(cls).values())


@dataclass(frozen=True)
class Gap:
    """One thing missing before the event, and where to fix it."""

    key: str
    text: str
    where: str  # "pi", "teams", "iterations" (admin page parts), "features", or "team:<id>" (its page)


def setup_gaps(state: BoardState) -> list[Gap]:
    """What a Release Train Engineer still has to set up on the board itself (join links are the
    server's and are checked beside them)."""
    meta = state.meta
    gaps: list[Gap] = []
    if not meta.pi_name:
        gaps.append(Gap("pi-name", "The Program Increment has no name.", "pi"))
    if not (meta.start and meta.end):
        gaps.append(Gap("pi-dates", "The Program Increment has no start and end date.", "pi"))
    if not state.teams:
        gaps.append(Gap("teams", "No teams yet.", "teams"))
    iterations = state.iterations
    if not iterations:
        gaps.append(Gap("iterations", "No iterations yet.", "iterations"))
    undated = [i for i in iterations if not (i.start and i.end)]
    if undated:
        names = ", ".join(iteration_name(i) for i in undated)
        gaps.append(Gap("iteration-dates", f"Iterations without dates: {names}.", "iterations"))
    for iteration in iterations:
        warning = outside_the_pi(state, iteration)
        if warning:
            gaps.append(Gap(f"iteration-outside-{iteration.id}", warning, "iterations"))
    if iterations and not any(i.is_ip for i in iterations):
        gaps.append(Gap("ip", "No Innovation and Planning (IP) iteration.", "iterations"))
    members = {m.team_id for m in state.of(Member).values()}
    for team in state.teams:
        if team.id not in members:
            text = f"Team {team.name} has no people, so no capacity."
            gaps.append(Gap(f"people-{team.id}", text, f"team:{team.id}"))
    if not state.of(Feature):
        gaps.append(Gap("features", "No features yet for the teams to plan.", "features"))
    return gaps


def outside_the_pi(state: BoardState, iteration: Iteration) -> str | None:
    """Why an iteration's dates do not fit in the PI's (it starts before the PI or ends after it),
    or None. A warning, not a refusal: the iteration ops take such dates, and the setup checklist
    (and the iteration's editor) say so."""
    pi_start, pi_end = state.meta.start, state.meta.end
    # Dates are stored as YYYY-MM-DD, so they compare as text.
    if pi_start and iteration.start and iteration.start < pi_start:
        return f"{iteration_name(iteration)} starts on {iteration.start}, before the PI starts ({pi_start})."
    if pi_end and iteration.end and iteration.end > pi_end:
        return f"{iteration_name(iteration)} ends on {iteration.end}, after the PI ends ({pi_end})."
    return None
