"""The PI after the event: where we are in time, what slipped, what is late, how teams deliver.

Everything here is derived from the plan, the baseline (the plan as it was promised), the stories'
statuses and *today* — which the caller takes from one injectable clock. Nothing is stored: like
conflicts, slipped stories, late dependencies and velocity drops follow the plan by themselves.

An iteration runs from its ``start`` to its ``end`` date, both inclusive; it is *closed* from the day
after its end. Iterations without dates never close.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from board.capacity import load_table, team_capacity
from board.dependencies import CONFLICTING, Cascade, cascade_from, dependency_state, is_conflict, needed_by
from board.labels import iteration_name
from board.model import (
    BoardState,
    Dependency,
    DependencyState,
    DependencyStatus,
    Feature,
    FeatureState,
    Iteration,
    Objective,
    Risk,
    Roam,
    Story,
    StoryStatus,
    Team,
    holds_feature_work,
)

DEFAULT_VELOCITY_THRESHOLD = 0.7


def _day(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def iteration_closed(iteration: Iteration, today: datetime.date) -> bool:
    """An iteration is closed from the day after its end date."""
    end = _day(iteration.end)
    return end is not None and today > end


def current_iteration(state: BoardState, today: datetime.date) -> Iteration | None:
    """The iteration whose dates hold today, if any (none before the PI, between dates, or after it)."""
    for iteration in state.iterations:
        start, end = _day(iteration.start), _day(iteration.end)
        if start is not None and end is not None and start <= today <= end:
            return iteration
    return None


def closed_iterations(state: BoardState, today: datetime.date) -> list[Iteration]:
    return [i for i in state.iterations if iteration_closed(i, today)]


def story_slipped(state: BoardState, story: Story, today: datetime.date) -> bool:
    """Not done when its iteration closed; it stays slipped until it is re-planned into an open one."""
    if story.status == StoryStatus.DONE:
        return False
    iteration = state.get(Iteration, story.iteration_id)
    return iteration is not None and iteration_closed(iteration, today)


def slipped_stories(state: BoardState, today: datetime.date) -> list[Story]:
    return [s for s in state.stories if story_slipped(state, s, today)]


@dataclass(frozen=True)
class Progress:
    done: int
    planned: int

    @property
    def ratio(self) -> float | None:
        """Points done ÷ points planned; None for a feature with no pointed stories."""
        return self.done / self.planned if self.planned else None

    @property
    def percent(self) -> int | None:
        r = self.ratio
        return None if r is None else round(100 * r)


def _progress(stories: Iterable[Story]) -> Progress:
    done = planned = 0
    for s in stories:
        planned += s.points
        if s.status == StoryStatus.DONE:
            done += s.points
    return Progress(done=done, planned=planned)


def feature_progress(state: BoardState, feature_id: str) -> Progress:
    """A feature's progress: the points of its done stories over the points of all its stories."""
    return _progress(s for s in state.stories if s.feature_id == feature_id)


def team_progress(state: BoardState, team_id: str) -> Progress:
    return _progress(s for s in state.stories if s.team_id == team_id)


def progress_by_feature(state: BoardState) -> dict[str, Progress]:
    """Every feature's progress in one pass over the stories."""
    by_feature: dict[str, list[Story]] = {}
    for s in state.stories:
        if s.feature_id:
            by_feature.setdefault(s.feature_id, []).append(s)
    return {fid: _progress(stories) for fid, stories in by_feature.items()}


def provider_done(state: BoardState, dep: Dependency, progress: dict[str, Progress] | None = None) -> bool:
    """Has the provider delivered? Said so on the dependency, or its providing story/feature is done.
    (``progress``: :func:`progress_by_feature`, when checking many dependencies.)"""
    if dep.status == DependencyStatus.DONE:
        return True
    story = state.get(Story, dep.provider_story_id)
    if story is not None:
        return story.status == StoryStatus.DONE
    feature = state.get(Feature, dep.provider_feature_id)
    return feature is not None and feature_done(state, feature, progress)


def feature_done(state: BoardState, feature: Feature, progress: dict[str, Progress] | None = None) -> bool:
    """Said so on the feature, or every point of its stories is done."""
    if feature.state == FeatureState.DONE:
        return True
    made = progress.get(feature.id) if progress is not None else feature_progress(state, feature.id)
    return made is not None and made.planned > 0 and made.done == made.planned


def dependency_late(
    state: BoardState, dep: Dependency, today: datetime.date, progress: dict[str, Progress] | None = None
) -> bool:
    """The needed-by iteration has closed and the provider has not delivered (teams or external)."""
    if provider_done(state, dep, progress):
        return False
    need = needed_by(state, dep)
    return need is not None and iteration_closed(need, today)


def dependency_health(
    state: BoardState, dep: Dependency, today: datetime.date, progress: dict[str, Progress] | None = None
) -> DependencyState:
    """A dependency's state during execution. Done once delivered; late when the need has passed
    undelivered, whatever the plan said (a conflict whose need has closed is late now: the counters,
    the alerts and the charts all read this one state); in conflict while the provider's work is
    (re-)planned past a need still open; otherwise the plan's state. A declined one stays declined:
    nobody is delivering it, late or not."""
    if provider_done(state, dep, progress):
        return DependencyState.DONE
    planned = dependency_state(state, dep)
    if planned != DependencyState.DECLINED and dependency_late(state, dep, today, progress):
        return DependencyState.LATE
    return planned


def dependency_healths(state: BoardState, today: datetime.date) -> dict[str, DependencyState]:
    progress = progress_by_feature(state)
    return {d.id: dependency_health(state, d, today, progress) for d in state.dependencies}


BROKEN = CONFLICTING | {DependencyState.LATE}


def execution_cascade(
    state: BoardState, today: datetime.date, health: dict[str, DependencyState] | None = None
) -> Cascade:
    """What late and conflicted dependencies put at risk: the requesting features, what those
    features deliver to others, and the objectives linked to any feature at risk.
    (``health``: :func:`dependency_healths`, when the caller has it already.)"""
    health = health if health is not None else dependency_healths(state, today)
    return cascade_from(state, [d for d in state.dependencies if health[d.id] in BROKEN])


@dataclass(frozen=True)
class Velocity:
    """One team's delivery in one iteration, against the baseline plan and its capacity."""

    team_id: str
    iteration_id: str
    done: int
    planned_at_baseline: int
    capacity: float

    @property
    def ratio(self) -> float | None:
        return self.done / self.planned_at_baseline if self.planned_at_baseline else None


def team_velocity(state: BoardState, baseline: BoardState, team_id: str, iteration_id: str) -> Velocity:
    """Points done in the iteration now (wherever the story was planned at the baseline) against the
    points the team planned there at the baseline and its capacity."""
    done = sum(
        s.points
        for s in state.stories
        if s.team_id == team_id and s.iteration_id == iteration_id and s.status == StoryStatus.DONE
    )
    planned = sum(
        s.points for s in baseline.stories if s.team_id == team_id and s.iteration_id == iteration_id
    )
    return Velocity(team_id, iteration_id, done, planned, team_capacity(state, team_id, iteration_id))


def velocity_drop(velocity: Velocity, threshold: float = DEFAULT_VELOCITY_THRESHOLD) -> bool:
    """A team finished less than ``threshold`` of what it planned at the baseline."""
    ratio = velocity.ratio
    return ratio is not None and ratio < threshold


def velocity_table(state: BoardState, baseline: BoardState, today: datetime.date) -> list[Velocity]:
    """Velocity of every team in every closed iteration, in iteration order."""
    return [
        team_velocity(state, baseline, team.id, iteration.id)
        for iteration in closed_iterations(state, today)
        if holds_feature_work(iteration)
        for team in state.teams
    ]


@dataclass(frozen=True)
class BurnUpPoint:
    iteration_id: str
    label: str
    baseline: int
    planned: int
    done: int | None  # None for iterations still ahead: nothing can be done there yet


def burn_up(
    state: BoardState, baseline: BoardState, today: datetime.date, team_id: str | None = None
) -> list[BurnUpPoint]:
    """Cumulative points by the end of each iteration: planned at the baseline, planned now, done.

    Done counts a done story in the iteration it is planned in now, so re-planned work counts where
    it was delivered. The ART's burn-up is every team's.
    """

    def mine(stories: list[Story]) -> list[Story]:
        return [s for s in stories if team_id is None or s.team_id == team_id]

    now_stories, base_stories = mine(state.stories), mine(baseline.stories)
    points: list[BurnUpPoint] = []
    cum_base = cum_plan = cum_done = 0
    started = True
    for iteration in state.iterations:
        cum_base += sum(s.points for s in base_stories if s.iteration_id == iteration.id)
        cum_plan += sum(s.points for s in now_stories if s.iteration_id == iteration.id)
        cum_done += sum(
            s.points for s in now_stories if s.iteration_id == iteration.id and s.status == StoryStatus.DONE
        )
        start = _day(iteration.start)
        started = started and (start is None or start <= today)
        label = iteration_name(iteration)
        points.append(BurnUpPoint(iteration.id, label, cum_base, cum_plan, cum_done if started else None))
    return points


class AlertKind(str, enum.Enum):
    SLIPPED = "slipped"
    LATE = "late"
    CONFLICT = "conflict"
    AT_RISK = "at_risk"
    OVER_CAPACITY = "over_capacity"
    VELOCITY_DROP = "velocity_drop"
    BLOCKED = "blocked"
    UNROAMED_RISK = "unroamed_risk"
    LIKELY_LATE = "likely_late"


@dataclass(frozen=True)
class Alert:
    """Something that went wrong, for whom it concerns (``team_ids``; empty: the whole ART)."""

    kind: AlertKind
    item_kind: str
    item_id: str
    team_ids: tuple[str, ...]
    text: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind.value, self.item_kind, self.item_id)


def _name(state: BoardState, iteration_id: str | None) -> str:
    it = state.get(Iteration, iteration_id)
    return iteration_name(it) if it else "the backlog"


def _team_name(state: BoardState, team_id: str | None) -> str:
    team = state.get(Team, team_id)
    return team.name if team else (team_id or "no team")


def alerts(
    state: BoardState,
    today: datetime.date,
    baseline: BoardState | None = None,
    threshold: float = DEFAULT_VELOCITY_THRESHOLD,
) -> list[Alert]:
    """Every alert that holds today: slipped and blocked stories, late and conflicted dependencies,
    features and objectives at risk, over-capacity iterations and (with a baseline) velocity drops.
    (:func:`board.forecast.alerts_with_forecast` adds what the forecast sees coming.)"""
    found: list[Alert] = []
    for story in state.stories:
        team = tuple(t for t in [story.team_id] if t)
        if story_slipped(state, story, today):
            found.append(
                Alert(
                    AlertKind.SLIPPED,
                    "story",
                    story.id,
                    team,
                    f"“{story.title}” was not done when {_name(state, story.iteration_id)} closed",
                )
            )
        if story.status == StoryStatus.BLOCKED:
            found.append(
                Alert(
                    AlertKind.BLOCKED,
                    "story",
                    story.id,
                    team,
                    f"“{story.title}” is blocked: {story.blocked_reason}",
                )
            )
    healths = dependency_healths(state, today)
    for dep in state.dependencies:
        health = healths[dep.id]
        teams = tuple(t for t in (dep.requesting_team_id, dep.provider_team_id) if t)
        provider = _team_name(state, dep.provider_team_id) if dep.provider_team_id else dep.external_party
        if health == DependencyState.LATE:
            need = needed_by(state, dep)
            text = (
                f"“{dep.need}” from {provider} is late: needed by {_name(state, need.id if need else None)}"
            )
            found.append(Alert(AlertKind.LATE, "dependency", dep.id, teams, text))
        elif is_conflict(health):
            why = f"was declined: {dep.answer}" if health == DependencyState.DECLINED else "comes too late"
            found.append(
                Alert(AlertKind.CONFLICT, "dependency", dep.id, teams, f"“{dep.need}” from {provider} {why}")
            )
    at_risk = execution_cascade(state, today, healths)
    for feature_id in sorted(at_risk.features):
        feature = state.get(Feature, feature_id)
        if feature is not None:
            team = tuple(t for t in [feature.team_id] if t)
            text = f"feature “{feature.title}” is at risk: a dependency it needs is late or in conflict"
            found.append(Alert(AlertKind.AT_RISK, "feature", feature.id, team, text))
    for objective_id in sorted(at_risk.objectives):
        objective = state.get(Objective, objective_id)
        if objective is not None:
            team = tuple(t for t in [objective.team_id] if t)
            text = f"objective “{objective.statement}” is at risk"
            found.append(Alert(AlertKind.AT_RISK, "objective", objective.id, team, text))
    for load in load_table(state).values():
        iteration = state.get(Iteration, load.iteration_id)
        if load.overloaded and iteration is not None and not iteration_closed(iteration, today):
            text = (
                f"{_team_name(state, load.team_id)} is over capacity in {_name(state, load.iteration_id)}: "
                f"{load.load} of {load.capacity:g} points"
            )
            found.append(
                Alert(
                    AlertKind.OVER_CAPACITY,
                    "load",
                    f"{load.team_id}:{load.iteration_id}",
                    (load.team_id,),
                    text,
                )
            )
    if baseline is not None:
        for v in velocity_table(state, baseline, today):
            if velocity_drop(v, threshold):
                who = _team_name(state, v.team_id)
                text = (
                    f"{who} finished {v.done} of {v.planned_at_baseline} planned points "
                    f"in {_name(state, v.iteration_id)}"
                )
                found.append(
                    Alert(
                        AlertKind.VELOCITY_DROP,
                        "velocity",
                        f"{v.team_id}:{v.iteration_id}",
                        (v.team_id,),
                        text,
                    )
                )
    for risk in state.risks:
        if risk.roam == Roam.UNROAMED and (baseline is None or risk.id not in baseline.of(Risk)):
            team = tuple(t for t in [risk.team_id] if t)
            found.append(
                Alert(AlertKind.UNROAMED_RISK, "risk", risk.id, team, f"new risk not ROAMed: “{risk.title}”")
            )
    return found


def new_alerts(now: list[Alert], before: list[Alert]) -> list[Alert]:
    """The alerts that hold now and did not hold before (by kind and item)."""
    seen = {a.key for a in before}
    return [a for a in now if a.key not in seen]


def alerts_for(found: list[Alert], team_id: str | None) -> list[Alert]:
    """What concerns one team (ART-wide alerts concern everyone); ``None``: all of them."""
    if team_id is None:
        return found
    return [a for a in found if not a.team_ids or team_id in a.team_ids]
