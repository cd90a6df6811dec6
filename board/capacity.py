"""Capacity and load: the most common planning error is load over capacity."""

from __future__ import annotations

from dataclasses import dataclass

from board.model import BoardState, Iteration, Member, Story, holds_feature_work

POINTS_PER_FTE_PER_TWO_WEEKS = 8


def member_capacity(member: Member, iteration: Iteration) -> float:
    """8 normalized points per full-time person per two-week iteration, minus 1 per day off."""
    if not holds_feature_work(iteration):
        return 0.0
    base = POINTS_PER_FTE_PER_TWO_WEEKS * member.fte * iteration.weeks / 2
    return max(0.0, base - member.days_off.get(iteration.id, 0))


def team_capacity(state: BoardState, team_id: str, iteration_id: str) -> float:
    """The team's capacity in one iteration; the IP iteration carries no feature load."""
    iteration = state.get(Iteration, iteration_id)
    if iteration is None:
        return 0.0
    members = [m for m in state.of(Member).values() if m.team_id == team_id]
    return round(sum(member_capacity(m, iteration) for m in members), 1)


def team_load(state: BoardState, team_id: str, iteration_id: str) -> int:
    """Sum of the team's story points planned in the iteration."""
    return sum(
        s.points for s in state.of(Story).values() if s.team_id == team_id and s.iteration_id == iteration_id
    )


class LoadLevel:
    OK = "ok"
    ABOVE_TARGET = "above_target"
    OVERLOADED = "overloaded"


@dataclass(frozen=True)
class Load:
    team_id: str
    iteration_id: str
    capacity: float
    load: int
    target: float

    @property
    def ratio(self) -> float | None:
        """Load ÷ capacity; None where there is no capacity to divide by."""
        return self.load / self.capacity if self.capacity > 0 else None

    @property
    def overloaded(self) -> bool:
        return self.load > self.capacity

    @property
    def level(self) -> str:
        if self.overloaded:
            return LoadLevel.OVERLOADED
        if self.ratio is not None and self.ratio > self.target:
            return LoadLevel.ABOVE_TARGET
        return LoadLevel.OK


def load_ratio(state: BoardState, team_id: str, iteration_id: str) -> Load:
    return Load(
        team_id=team_id,
        iteration_id=iteration_id,
        capacity=team_capacity(state, team_id, iteration_id),
        load=team_load(state, team_id, iteration_id),
        target=state.meta.planning_target,
    )


def load_table(state: BoardState) -> dict[tuple[str, str], Load]:
    """Load of every team in every iteration, computed in one pass over stories and members."""
    loads: dict[tuple[str, str], int] = {}
    for s in state.of(Story).values():
        if s.team_id and s.iteration_id:
            key = (s.team_id, s.iteration_id)
            loads[key] = loads.get(key, 0) + s.points
    caps: dict[tuple[str, str], float] = {}
    iterations = state.iterations
    for m in state.of(Member).values():
        if m.team_id is None:
            continue
        for it in iterations:
            key = (m.team_id, it.id)
            caps[key] = caps.get(key, 0.0) + member_capacity(m, it)
    target = state.meta.planning_target
    return {
        (t.id, it.id): Load(
            t.id, it.id, round(caps.get((t.id, it.id), 0.0), 1), loads.get((t.id, it.id), 0), target
        )
        for t in state.teams
        for it in iterations
    }


def overloaded_iterations(state: BoardState) -> list[Load]:
    return [load for load in load_table(state).values() if load.overloaded]
