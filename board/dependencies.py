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


def has_provider_work(state: BoardState, dep: Dependency) -> bool:
    return (
        state.get(Story, dep.provider_story_id) is not None
        or state.get(Feature, dep.provider_feature_id) is not None
        or state.get(Iteration, dep.promised_iteration_id) is not None
    )


def dependency_state(state: BoardState, dep: Dependency) -> DependencyState:
    """requested → committed → done, or conflict when delivery is planned too late or not at all.

    A request nobody has answered yet is *requested*. Once the provider accepted or linked
    work, the state follows that work: planned no later than needed → committed; planned
    after the needed-by iteration, or accepted with nothing planned → conflict. A declined
    request is a conflict until the requester changes or drops it.
    """
    if dep.status == DependencyStatus.DONE:
        return DependencyState.DONE
    if dep.status == DependencyStatus.DECLINED:
        return DependencyState.CONFLICT  # nothing will come: the requester must find another way
    delivery = delivering_iteration(state, dep)
    if dep.status == DependencyStatus.REQUESTED and not has_provider_work(state, dep):
        return DependencyState.REQUESTED
    if delivery is None:
        return DependencyState.CONFLICT
    need = needed_by(state, dep)
    if need is not None and delivery.number > need.number:
        return DependencyState.CONFLICT
    return DependencyState.COMMITTED


def dependency_states(state: BoardState) -> dict[str, DependencyState]:
    return {d.id: dependency_state(state, d) for d in state.dependencies}


def conflicts(state: BoardState) -> list[Dependency]:
    return [d for d in state.dependencies if dependency_state(state, d) == DependencyState.CONFLICT]


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
