"""How the PI is likely to go: probabilistic forecasts from each team's own throughput.

The execution rules (``board.execution``) say what already went wrong; this says what is likely to.
For every team, its *throughput* — the points (or, for a team whose stories carry no points, the
stories) it finished in each of this PI's closed iterations, an empty one counting 0, the IP
iteration left out — is resampled in a Monte Carlo run: each trial draws, for every iteration still
ahead, one of the observed iterations, scaled by the team's capacity there against its capacity then
(days off, shorter iterations), and the part of today's iteration still ahead. A team with no closed
iteration yet is forecast from what it finished per iteration of the earlier PI, where the RTE typed
it (``Team.earlier_throughput``: "history from PI 2025.3: 31, 28, 35 points"), else from the plan's
capacity, and says so ("no history: from capacity").

A team works its open stories in order: slipped ones first, then by the iteration they are planned in
(in progress before to-do, then by feature rank), the backlog last. A feature is done when every
team's last story of it is done; teams are independent, so a feature's probability is the product of
its teams'. Same board state, same numbers: each team's draws are seeded by a hash of what they are
drawn from, and memoised (the forecast is derived on every change).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from board.capacity import team_capacity
from board.dependencies import needed_by
from board.execution import (
    DEFAULT_VELOCITY_THRESHOLD,
    Alert,
    AlertKind,
    alerts,
    feature_done,
    iteration_closed,
    progress_by_feature,
    provider_done,
)
from board.labels import iteration_name
from board.model import (
    BoardState,
    Feature,
    Item,
    Iteration,
    Member,
    Story,
    StoryStatus,
    Team,
    holds_feature_work,
)

TRIALS = 2000
DEFAULT_FORECAST_THRESHOLD = 0.5
CONFIDENCES = (0.5, 0.85)
# The ART predictability range: the 15th to the 85th percentile of the trials (a 70 % band).
RANGE = (0.15, 0.5, 0.85)
_EPSILON = 1e-9

FROM_HISTORY = "history"
FROM_EARLIER_PI = "earlier PI"
FROM_CAPACITY = "capacity"
NO_FORECAST = "none"


def _day(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def percent(p: float) -> str:
    """A probability as people read it: "35 %"."""
    return f"{round(100 * p)} %"


@dataclass(frozen=True)
class TeamHistory:
    """What one team's forecast is drawn from, and why."""

    team_id: str
    name: str
    unit: str  # "points" or "stories"
    source: str  # FROM_HISTORY, FROM_EARLIER_PI, FROM_CAPACITY or NO_FORECAST
    # Per closed iteration used: its id, what the team finished there and its capacity then.
    observed: tuple[tuple[str, float, float], ...]
    # Per iteration ahead: its id and the share of it still ahead (today's iteration: its days left).
    ahead: tuple[tuple[str, float], ...]
    why: str
    # Sorted cumulative throughput by the end of each iteration ahead, one value per trial; and the
    # same, unsorted (trial order), by the end of the last one.
    cumulative: tuple[tuple[float, ...], ...] = field(repr=False, default=())
    last_by_trial: tuple[float, ...] = field(repr=False, default=())
    # ``why`` in short, without the team's name: what the room reads beside it on the big screen.
    basis: str = ""

    def p_reaches(self, work: float, ahead_index: int) -> float:
        """The chance the team has finished ``work`` (of its queue) by the end of that iteration ahead."""
        if work <= _EPSILON:
            return 1.0
        if self.source == NO_FORECAST or ahead_index < 0 or not self.cumulative:
            return 0.0
        draws = self.cumulative[ahead_index]
        return (len(draws) - bisect.bisect_left(draws, work - _EPSILON)) / len(draws)


@dataclass(frozen=True)
class Outlook:
    """One forecast: the chance an item is done by an iteration, and when it is likely done."""

    item_kind: str  # "feature", "dependency" or "objective"
    item_id: str
    title: str
    by_iteration_id: str | None
    probability: float | None  # None: not forecast (``why`` says why)
    # The iterations by which it is done with 50 % and 85 % confidence (None: not within the PI).
    p50_iteration_id: str | None
    p85_iteration_id: str | None
    team_ids: tuple[str, ...]
    why: str
    # The chance it is done by the end of each iteration ahead (``Forecast.ahead``): its forecast over time.
    curve: tuple[float, ...] = ()


@dataclass(frozen=True)
class PredictabilityRange:
    """The share of committed objectives' business value forecast to land: low, median, high."""

    low: float
    median: float
    high: float
    objectives: int
    why: str


@dataclass(frozen=True)
class Forecast:
    trials: int
    method: str
    teams: dict[str, TeamHistory]
    features: dict[str, Outlook]
    dependencies: dict[str, Outlook]
    objectives: dict[str, Outlook]
    predictability: PredictabilityRange | None
    labels: dict[str, str]
    ahead: tuple[str, ...] = ()  # the iterations ahead that hold feature work, by id

    def outlooks(self) -> list[Outlook]:
        return [*self.features.values(), *self.dependencies.values(), *self.objectives.values()]

    def to_dict(self) -> dict[str, Any]:
        """Tables (lists of rows), as the API and the exports give them."""

        def row(o: Outlook) -> dict[str, Any]:
            return {
                "item_kind": o.item_kind,
                "item_id": o.item_id,
                "title": o.title,
                "by_iteration_id": o.by_iteration_id,
                "by_iteration": self.labels.get(o.by_iteration_id or ""),
                "probability": None if o.probability is None else round(o.probability, 4),
                "p50_iteration_id": o.p50_iteration_id,
                "p85_iteration_id": o.p85_iteration_id,
                "team_ids": list(o.team_ids),
                "why": o.why,
                "curve": [
                    {"iteration_id": i, "probability": round(p, 4)}
                    # (none for an item done or not forecast)
                    for i, p in zip(self.ahead, o.curve, strict=False)
                ],
            }

        p = self.predictability
        return {
            "trials": self.trials,
            "method": self.method,
            "teams": [
                {
                    "team_id": t.team_id,
                    "name": t.name,
                    "unit": t.unit,
                    "source": t.source,
                    "observed": [
                        {"iteration_id": i, "done": done, "capacity": cap} for i, done, cap in t.observed
                    ],
                    "ahead": [{"iteration_id": i, "share": share} for i, share in t.ahead],
                    "why": t.why,
                }
                for t in self.teams.values()
            ],
            "features": [row(o) for o in self.features.values()],
            "dependencies": [row(o) for o in self.dependencies.values()],
            "objectives": [row(o) for o in self.objectives.values()],
            "predictability": None
            if p is None
            else {
                "low": round(p.low, 4),
                "median": round(p.median, 4),
                "high": round(p.high, 4),
                "objectives": p.objectives,
                "why": p.why,
            },
        }


@dataclass(frozen=True)
class Chances:
    """Item id -> the forecast's chance, read as an attribute (``chances.dep1``; None for an item
    without one): a page's live regions then note each chance they read, not the whole table, and
    are rendered again only when one of theirs changed (server/pages/region_memo.py)."""

    by_id: dict[str, float] = field(default_factory=dict)

    def __getattr__(self, item_id: str) -> float | None:
        # Called only for names that are no attribute: item ids (never dunders, nor the field itself).
        if item_id.startswith("__") or item_id == "by_id":
            raise AttributeError(item_id)
        return self.by_id.get(item_id)


@lru_cache(maxsize=1024)
def _simulate(
    who: str, samples: tuple[tuple[float, ...], ...], trials: int
) -> tuple[tuple[tuple[float, ...], ...], tuple[float, ...]]:
    """Cumulative throughput by the end of each iteration ahead (``samples[j]``: what one draw there
    may be), sorted per iteration, and the last one in trial order. Seeded by what it draws from and
    ``who`` draws (board and team: two teams with the same history still draw independently)."""
    seed = int.from_bytes(hashlib.sha256(repr((who, samples, trials)).encode()).digest()[:8], "big")
    rng = random.Random(seed)
    cum = [0.0] * trials
    by_iteration: list[tuple[float, ...]] = []
    for values in samples:
        if len(set(values)) == 1:
            step = values[0]
            cum = [c + step for c in cum]
        else:
            cum = [c + d for c, d in zip(cum, rng.choices(values, k=trials), strict=True)]
        by_iteration.append(tuple(sorted(cum)))
    return tuple(by_iteration), tuple(cum)


def _size(story: Story, unit: str) -> float:
    return float(story.points) if unit == "points" else 1.0


def _names(state: BoardState, ids: Sequence[str]) -> str:
    return ", ".join(iteration_name(it) for i in ids if (it := state.get(Iteration, i)) is not None)


def _ahead(state: BoardState, today: datetime.date) -> list[tuple[Iteration, float]]:
    """The iterations still ahead that hold feature work, and the share of each still ahead."""
    found: list[tuple[Iteration, float]] = []
    for it in state.iterations:
        if not holds_feature_work(it) or iteration_closed(it, today):
            continue
        start, end = _day(it.start), _day(it.end)
        share = 1.0
        if start is not None and end is not None and start <= today <= end:
            share = ((end - today).days + 1) / ((end - start).days + 1)
        found.append((it, share))
    return found


def _unit(mine: Sequence[Story]) -> str:
    """A team's throughput is counted in points, or in stories when none of its stories carries any."""
    return "points" if any(s.points for s in mine) or not mine else "stories"


def _closed(state: BoardState, today: datetime.date) -> list[Iteration]:
    """The PI's closed iterations that count for throughput (the IP iteration holds no feature work)."""
    return [it for it in state.iterations if holds_feature_work(it) and iteration_closed(it, today)]


def _finished(mine: Sequence[Story], iteration_id: str, unit: str) -> float:
    """What a team finished in one iteration: its done stories there (an empty iteration counts 0)."""
    return sum(
        _size(s, unit) for s in mine if s.iteration_id == iteration_id and s.status == StoryStatus.DONE
    )


def throughput_history(state: BoardState, today: datetime.date) -> dict[str, list[int]]:
    """Each team's throughput per closed iteration of ``state`` (by team name): what an earlier PI's
    board gives this PI's forecast (``Team.earlier_throughput``) before this PI's first iteration closes."""
    closed = _closed(state, today)
    found: dict[str, list[int]] = {}
    for team in state.teams:
        mine = [s for s in state.stories if s.team_id == team.id]
        unit = _unit(mine)
        found[team.name] = [round(_finished(mine, it.id, unit)) for it in closed]
    return found


def team_history(
    state: BoardState,
    team_id: str,
    today: datetime.date,
    trials: int = TRIALS,
    ahead: list[tuple[Iteration, float]] | None = None,
) -> TeamHistory:
    """One team's throughput in this PI's closed iterations and its draws for the iterations ahead."""
    team = state.get(Team, team_id)
    team_name = team.name if team is not None else team_id
    mine = [s for s in state.stories if s.team_id == team_id]
    unit = _unit(mine)
    ahead = ahead if ahead is not None else _ahead(state, today)
    has_members = any(m.team_id == team_id for m in state.of(Member).values())
    caps_ahead = [team_capacity(state, team_id, it.id) for it, _ in ahead]
    observed = tuple(
        (it.id, _finished(mine, it.id, unit), team_capacity(state, team_id, it.id))
        for it in _closed(state, today)
    )
    ahead_ids = tuple((it.id, share) for it, share in ahead)
    if observed:
        samples = tuple(
            tuple(
                done * (cap_j / cap_i if has_members and cap_i > 0 else 1.0) * share
                for _, done, cap_i in observed
            )
            for (_, share), cap_j in zip(ahead, caps_ahead, strict=True)
        )
        source = FROM_HISTORY
        figures = ", ".join(f"{done:g}" for _, done, _ in observed)
        basis = f"finished {figures} {unit} in {_names(state, [i for i, _, _ in observed])}"
        why = (
            f"{team_name} {basis} "
            "(this PI's closed iterations" + (", scaled by its capacity ahead" if has_members else "") + ")"
        )
    elif team is not None and team.earlier_throughput:
        # No closed iteration yet: what the team finished per iteration of the earlier PI, as typed.
        # Its capacity then is unknown, so the draws are not scaled by capacity; today's share still is.
        observed = ()
        samples = tuple(tuple(done * share for done in team.earlier_throughput) for _, share in ahead)
        source = FROM_EARLIER_PI
        figures = ", ".join(f"{done:g}" for done in team.earlier_throughput)
        pi = state.meta.earlier_pi_name or "the earlier PI"
        basis = f"history from {pi}: {figures} {unit}"
        why = f"{team_name}: {basis} (no closed iteration in this PI yet)"
    elif unit == "points" and any(caps_ahead):
        samples = tuple((cap * share,) for (_, share), cap in zip(ahead, caps_ahead, strict=True))
        source = FROM_CAPACITY
        figures = ", ".join(f"{cap:g}" for cap in caps_ahead)
        where = _names(state, [i for i, _ in ahead_ids])
        basis = f"no history: from capacity ({figures} points in {where})"
        why = f"{team_name}: {basis}"
    else:
        basis = "no history and no capacity"
        return TeamHistory(
            team_id, team_name, unit, NO_FORECAST, (), ahead_ids, f"{team_name}: {basis}", basis=basis
        )
    cumulative, last = _simulate(f"{state.board_id}/{team_id}", samples, trials)
    return TeamHistory(team_id, team_name, unit, source, observed, ahead_ids, why, cumulative, last, basis)


def _queue(state: BoardState, team_id: str, unit: str, done: set[str]) -> dict[str, float]:
    """Each open story of the team: the work the team has to finish up to and including it."""
    order = {it.id: it.number for it in state.iterations}
    ranks = {f.id: f.rank for f in state.of(Feature).values()}
    open_stories = [s for s in state.stories if s.team_id == team_id and s.id not in done]
    open_stories.sort(
        key=lambda s: (
            order.get(s.iteration_id or "", 1 << 30),
            s.status != StoryStatus.IN_PROGRESS,
            ranks.get(s.feature_id or "", 1 << 30),
            s.id,
        )
    )
    total, found = 0.0, {}
    for s in open_stories:
        total += _size(s, unit)
        found[s.id] = total
    return found


def forecast(state: BoardState, today: datetime.date, trials: int = TRIALS) -> Forecast:
    """Every planned feature, dependency and committed objective, forecast from the teams' throughput."""
    ahead = _ahead(state, today)
    labels = {it.id: iteration_name(it) for it in state.iterations}
    teams = {t.id: team_history(state, t.id, today, trials, ahead) for t in state.teams}
    done_ids = {s.id for s in state.stories if s.status == StoryStatus.DONE}
    queues = {t: _queue(state, t, h.unit, done_ids) for t, h in teams.items()}
    # The work each team has to finish before each feature is done (its last open story there).
    feature_work: dict[str, dict[str, float]] = {}
    for s in state.stories:
        if s.feature_id and s.team_id in queues and s.id in queues[s.team_id]:
            per_team = feature_work.setdefault(s.feature_id, {})
            per_team[s.team_id] = max(per_team.get(s.team_id, 0.0), queues[s.team_id][s.id])
    progress = progress_by_feature(state)

    def index_by(iteration: Iteration | None) -> int | None:
        """The last iteration ahead by the end of ``iteration`` (-1: none left; None: no iteration)."""
        if iteration is None:
            return None
        within = [n for n, (it, _) in enumerate(ahead) if it.number <= iteration.number]
        return within[-1] if within else -1

    def chance(work: dict[str, float], index: int) -> float:
        p = 1.0
        for team_id, amount in work.items():
            p *= teams[team_id].p_reaches(amount, index)
        return p

    def when(curve: tuple[float, ...], q: float) -> str | None:
        return next((ahead[n][0].id for n, p in enumerate(curve) if p >= q - _EPSILON), None)

    def explain(work: dict[str, float], target: Iteration | None, p: float | None) -> str:
        parts = [
            f"{teams[t].name} has {amount:g} {teams[t].unit} of work before it is done ({teams[t].why})"
            for t, amount in sorted(work.items())
        ]
        head = f"{percent(p)} by {iteration_name(target)}: " if p is not None and target is not None else ""
        return head + "; ".join(parts) + f"; Monte Carlo, {trials} trials"

    def outlook(
        kind: str,
        item_id: str,
        title: str,
        target: Iteration | None,
        work: dict[str, float] | None,
        done: bool,
    ) -> Outlook:
        target_id = target.id if target else None
        if done:
            return Outlook(kind, item_id, title, target_id, 1.0, None, None, (), "done")
        if work is None:
            return Outlook(kind, item_id, title, target_id, None, None, None, (), "no stories to forecast")
        team_ids = tuple(sorted(work))
        silent = [teams[t].name for t in team_ids if teams[t].source == NO_FORECAST]
        if silent:
            why = f"not forecast: {', '.join(silent)} has no history and no capacity"
            return Outlook(kind, item_id, title, target_id, None, None, None, team_ids, why)
        index = index_by(target)
        p = chance(work, index) if index is not None else None
        curve = tuple(chance(work, n) for n in range(len(ahead)))
        p50, p85 = (when(curve, q) for q in CONFIDENCES)
        why = explain(work, target, p)
        return Outlook(kind, item_id, title, target_id, p, p50, p85, team_ids, why, curve)

    features: dict[str, Outlook] = {}
    work: dict[str, float] | None
    for f in state.features:
        has_stories = f.id in progress
        if f.iteration_id is None and not has_stories:
            continue
        work = feature_work.get(f.id, {} if has_stories else None)
        planned = state.get(Iteration, f.iteration_id)
        features[f.id] = outlook("feature", f.id, f.title, planned, work, feature_done(state, f, progress))

    dependencies: dict[str, Outlook] = {}
    for dep in sorted(state.dependencies, key=lambda d: d.id):
        target = needed_by(state, dep)
        story = state.get(Story, dep.provider_story_id)
        work = None
        if story is not None and story.team_id in queues:
            amount = queues[story.team_id].get(story.id)
            work = {story.team_id: amount} if amount is not None else {}
        elif dep.provider_feature_id is not None and dep.provider_feature_id in progress:
            work = feature_work.get(dep.provider_feature_id, {})
        done = provider_done(state, dep, progress)
        if work is None and not done:
            why = "external party: no history" if dep.external_party else "no providing story or feature"
            dependencies[dep.id] = Outlook(
                "dependency", dep.id, dep.need, target.id if target else None, None, None, None, (), why
            )
            continue
        dependencies[dep.id] = outlook("dependency", dep.id, dep.need, target, work, done)

    last = ahead[-1][0] if ahead else None
    pi_end = next((it for it in reversed(state.iterations) if holds_feature_work(it)), None)
    objectives: dict[str, Outlook] = {}
    weights: list[tuple[float, dict[str, float]]] = []
    for o in sorted(state.objectives, key=lambda o: o.id):
        if not o.committed:
            continue
        known = [fid for fid in o.feature_ids if fid in state.of(Feature)]
        if not known:
            objectives[o.id] = Outlook(
                "objective", o.id, o.statement, None, None, None, None, (), "no features linked"
            )
            continue
        work = {}
        for fid in known:
            for team_id, amount in feature_work.get(fid, {}).items():
                work[team_id] = max(work.get(team_id, 0.0), amount)
        linked = [state.of(Feature)[fid] for fid in known]
        done = all(feature_done(state, linked_feature, progress) for linked_feature in linked)
        objectives[o.id] = outlook("objective", o.id, o.statement, pi_end, work, done)
        if objectives[o.id].probability is not None:
            weights.append((float(o.planned_bv or 0), work))

    predictability = None
    if weights and last is not None:
        if not any(w for w, _ in weights):
            weights = [(1.0, work) for _, work in weights]
        total = sum(w for w, _ in weights)
        share = [0.0] * trials
        for w, work in weights:
            hits = [True] * trials
            for team_id, amount in work.items():
                if amount > _EPSILON:
                    got = teams[team_id].last_by_trial
                    hits = [h and c >= amount - _EPSILON for h, c in zip(hits, got, strict=True)]
            share = [s + (w if h else 0.0) for s, h in zip(share, hits, strict=True)]
        ordered = sorted(s / total for s in share)
        low, median, high = (ordered[min(trials - 1, int(q * trials))] for q in RANGE)
        predictability = PredictabilityRange(
            low,
            median,
            high,
            len(weights),
            f"share of {len(weights)} committed objectives' planned business value whose features land "
            f"by {iteration_name(last)}: {percent(low)}–{percent(high)} "
            f"(15th–85th percentile of {trials} trials)",
        )

    method = (
        f"Monte Carlo, {trials} trials: each team's throughput per iteration ahead is drawn from what it "
        "finished in this PI's closed iterations (scaled by capacity), or, before it has any, in the "
        "earlier PI's iterations (as typed on the Admin page), or its capacity"
    )
    ahead_ids = tuple(it.id for it, _ in ahead)
    return Forecast(
        trials, method, teams, features, dependencies, objectives, predictability, labels, ahead_ids
    )


@dataclass(frozen=True)
class Moment:
    """The forecast as it stood on a day of the PI (see :func:`forecast_over_time`)."""

    day: datetime.date
    label: str  # "I2" for an iteration's first day, "today"
    forecast: Forecast


def as_it_stood(state: BoardState, day: datetime.date) -> BoardState:
    """The board's statuses as far as they can be told on ``day``: a story is done then only if it is
    done now and planned in an iteration closed by then. (Re-planning is not undone: the plan is
    today's.) A new state; ``state`` is left as it is."""
    closed = {it.id for it in state.iterations if iteration_closed(it, day)}
    stories: dict[str, Item] = {
        s.id: s
        if s.status != StoryStatus.DONE or s.iteration_id in closed
        else dataclasses.replace(s, status=StoryStatus.TODO)
        for s in state.stories
    }
    items = {**state.items, Story.kind: stories}
    return BoardState(state.board_id, state.seq, items)


def forecast_over_time(state: BoardState, today: datetime.date, trials: int = TRIALS) -> list[Moment]:
    """The forecast on the first day of every iteration begun by ``today`` (the board as it stood
    then: :func:`as_it_stood`), and today's: how it moved over the PI."""
    moments: list[Moment] = []
    for it in state.iterations:
        start = _day(it.start)
        if holds_feature_work(it) and start is not None and start < today:
            moments.append(
                Moment(
                    start, f"{iteration_name(it)} start", forecast(as_it_stood(state, start), start, trials)
                )
            )
    moments.append(Moment(today, "today", forecast(state, today, trials)))
    return moments


def likely_late(
    found: Forecast, state: BoardState, today: datetime.date, threshold: float | None = None
) -> list[Alert]:
    """A forecast alert for every item whose chance of being done by an iteration still open is below
    the board's threshold: "likely late: 35 % by I3", naming the teams and the history behind it."""
    threshold = state.meta.forecast_threshold if threshold is None else threshold
    alerts: list[Alert] = []
    for o in found.outlooks():
        target = state.get(Iteration, o.by_iteration_id)
        if o.probability is None or target is None or o.probability >= threshold:
            continue
        if iteration_closed(target, today):
            continue  # what is already late the execution rules say
        histories = "; ".join(found.teams[t].why for t in o.team_ids)
        text = f"“{o.title}” likely late: {percent(o.probability)} by {iteration_name(target)} ({histories})"
        alerts.append(Alert(AlertKind.LIKELY_LATE, o.item_kind, o.item_id, o.team_ids, text))
    return alerts


def alerts_with_forecast(
    state: BoardState,
    today: datetime.date,
    baseline: BoardState | None = None,
    threshold: float = DEFAULT_VELOCITY_THRESHOLD,
) -> list[Alert]:
    """The execution rules' alerts and, once the PI runs, the forecast's: what every page, export
    and webhook tells (``threshold``: the velocity threshold, as :func:`board.execution.alerts`)."""
    found = alerts(state, today, baseline, threshold)
    if state.meta.execution_started:
        found += likely_late(forecast(state, today), state, today)
    return found
