"""Dependency state and the cascade of a conflict, derived from the plan on every change."""

from __future__ import annotations

from dataclasses import dataclass, field

from board.model import (
    BoardState,
    Dependency,
    DependencyState,
    DependencyStatus,
    Feature,
    Iteration,
    Objective,
    Story,
)


def needed_by(state: BoardState, dep: Dependency) -> Iteration | None:
    """The iteration the requester needs it by: explicit, else where the requesting feature is planned."""
    if dep.needed_by_iteration_id:
        return state.get(Iteration, dep.needed_by_iteration_id)
    feature = state.get(Feature, dep.requesting_feature_id)
    return state.get(Iteration, feature.iteration_id) if feature else None


def delivering_iteration(state: BoardState, dep: Dependency) -> Iteration | None:
    """Where the provider has planned the work: its story, else its feature, else its promise.

    Work that is named but not in an iteration yet falls through to the next, so a provider may
    name the story and the iteration it will be planned in at once.
    """
    story = state.get(Story, dep.provider_story_id)
    feature = state.get(Feature, dep.provider_feature_id)
    for iteration_id in (
        story.iteration_id if story else None,
        feature.iteration_id if feature else None,
        dep.promised_iteration_id,
    ):
        iteration = state.get(Iteration, iteration_id)
        if iteration is not None:
            return iteration
    return None


# A declined request counts among the conflicts (the counters, the filter, the cascade): nothing
# will come, so the requester must find another way, as with work planned too late.
CONFLICTING = frozenset({DependencyState.CONFLICT, DependencyState.DECLINED})


# What each state means, said the same on the picture's legend, the report and the pages.
STATE_MEANING: dict[DependencyState, str] = {
    DependencyState.REQUESTED: "requested: not answered yet",
    DependencyState.PROPOSED: "proposed: another iteration offered, waiting for the requester",
    DependencyState.DECLINED: "declined: the provider will not deliver it",
    DependencyState.COMMITTED: "committed: planned in time",
    DependencyState.CONFLICT: "CONFLICT: planned too late or not at all",
    DependencyState.LATE: "late: not delivered by the iteration it was needed in",
    DependencyState.DONE: "done",
}


def is_conflict(dep_state: DependencyState) -> bool:
    """Whether a dependency in this state is counted (and drawn at risk) among the conflicts."""
    return dep_state in CONFLICTING


def dependency_state(state: BoardState, dep: Dependency) -> DependencyState:
    """The one state machine of a dependency, the same on every page, the picture, the report and the exports.

    Whoever drags or asks creates a request; only the providing team's answer (or the RTE's) moves it:

    - *requested*: nobody answered yet, whatever work the requester pointed at;
    - *proposed*: the provider answered with another iteration, waiting for the requester to agree;
    - *declined*: the provider will not deliver it (``dep.answer`` says why); counted among the
      conflicts (:func:`is_conflict`);
    - *committed*: accepted, and the work is planned no later than needed;
    - *conflict*: accepted, but the work is planned later than needed or not at all;
    - *done*: delivered.

    Across trains (``board.cross_train``) a dependency whose two trains' iterations disagree is a
    conflict whatever was answered, until their dates agree.

    (*late* is the execution's state, see ``board.execution.dependency_health``.)
    """
    if dep.status == DependencyStatus.DONE:
        return DependencyState.DONE
    if dep.cadence_mismatch:
        # Across trains whose iterations disagree, "by iteration 3" means different dates on each side.
        return DependencyState.CONFLICT
    if dep.status == DependencyStatus.REQUESTED:
        return DependencyState.REQUESTED
    if dep.status == DependencyStatus.PROPOSED:
        return DependencyState.PROPOSED
    if dep.status == DependencyStatus.DECLINED:
        return DependencyState.DECLINED
    delivery = delivering_iteration(state, dep)
    if delivery is None:
        return DependencyState.CONFLICT
    need = needed_by(state, dep)
    if need is not None and delivery.number > need.number:
        return DependencyState.CONFLICT
    return DependencyState.COMMITTED


def agrees_to_proposal(state: BoardState, dep: Dependency) -> bool:
    """Whether the requester's new needed-by takes the provider's proposal: the promised iteration
    is then no later than needed. (The requester answers a proposal by needing it by then.)"""
    promised = state.get(Iteration, dep.promised_iteration_id)
    need = needed_by(state, dep)
    return (
        dep.status == DependencyStatus.PROPOSED
        and promised is not None
        and need is not None
        and promised.number <= need.number
    )


def requests_to_answer(state: BoardState, team_id: str) -> list[Dependency]:
    """What other teams asked of ``team_id`` that it has not answered yet (the team's counter
    "requests to answer")."""
    return [
        d
        for d in state.dependencies
        if d.provider_team_id == team_id and dependency_state(state, d) == DependencyState.REQUESTED
    ]


def proposals_to_answer(state: BoardState, team_id: str) -> list[Dependency]:
    """The providing teams' proposals of another iteration waiting for ``team_id``, the requester."""
    return [
        d
        for d in state.dependencies
        if d.requesting_team_id == team_id and dependency_state(state, d) == DependencyState.PROPOSED
    ]


def dependency_teams(state: BoardState, dep: Dependency) -> frozenset[str]:
    """The teams a dependency joins, which following a team on the program board shows it for: the
    requester and the provider it names, and the teams whose rows its ends are planned in (a feature
    moved to another team takes its string's end with it)."""
    story = state.get(Story, dep.provider_story_id)
    ends = (
        state.get(Feature, dep.requesting_feature_id),
        state.get(Feature, dep.provider_feature_id or (story.feature_id if story else None)),
    )
    named = (dep.requesting_team_id, dep.provider_team_id)
    return frozenset(t for t in (*named, *(f.team_id for f in ends if f)) if t)


def dependency_states(state: BoardState) -> dict[str, DependencyState]:
    return {d.id: dependency_state(state, d) for d in state.dependencies}


def conflicts(state: BoardState) -> list[Dependency]:
    """The dependencies counted as conflicts: planned too late or not at all, or declined."""
    return [d for d in state.dependencies if is_conflict(dependency_state(state, d))]


@dataclass
class Cascade:
    """What conflicted dependencies put at risk, transitively."""

    features: set[str] = field(default_factory=set)
    dependencies: set[str] = field(default_factory=set)
    objectives: set[str] = field(default_factory=set)


def cascade(state: BoardState) -> Cascade:
    """What the plan's conflicts put at risk (see :func:`cascade_from`)."""
    return cascade_from(state, conflicts(state))


def cascade_from(state: BoardState, broken: list[Dependency]) -> Cascade:
    """Follow each broken dependency downstream.

    A broken (conflicted, or late during execution) dependency puts its requesting feature at
    risk. A feature at risk puts at risk every dependency it (or one of its stories) is meant
    to deliver, which in turn puts that dependency's requesting feature at risk, and so on.
    Objectives linked to a feature at risk are at risk.
    """
    result = Cascade()
    delivered_by: dict[str, list[Dependency]] = {}
    story_feature = {s.id: s.feature_id for s in state.stories}
    for dep in state.dependencies:
        if dep.status == DependencyStatus.DONE:
            continue  # delivered already: nothing upstream can put it at risk
        provider_features = {dep.provider_feature_id, story_feature.get(dep.provider_story_id or "")}
        for fid in provider_features:
            if fid:
                delivered_by.setdefault(fid, []).append(dep)

    frontier = list(broken)
    while frontier:
        dep = frontier.pop()
        if dep.id in result.dependencies:
            continue
        result.dependencies.add(dep.id)
        fid = dep.requesting_feature_id
        if fid and fid not in result.features:
            result.features.add(fid)
            frontier.extend(d for d in delivered_by.get(fid, []) if d.id not in result.dependencies)

    for obj in state.of(Objective).values():
        if any(f in result.features for f in obj.feature_ids):
            result.objectives.add(obj.id)
    return result
