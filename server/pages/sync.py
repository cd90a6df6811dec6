"""The ART sync view: how the PI is going, per team, against the baseline — for the weekly sync."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from markupsafe import Markup

from board import BoardState
from board.dependencies import needed_by
from board.execution import (
    BROKEN,
    Alert,
    AlertKind,
    Progress,
    Velocity,
    alerts_for,
    burn_up,
    current_iteration,
    dependency_healths,
    execution_cascade,
    feature_progress,
    new_alerts,
    team_progress,
    velocity_drop,
    velocity_table,
)
from board.forecast import (
    Forecast,
    Moment,
    Outlook,
    PredictabilityRange,
    alerts_with_forecast,
    forecast_over_time,
)
from board.labels import iteration_name
from board.model import Dependency, DependencyState, Iteration, Objective, Risk, Roam, Team
from server.pages.charts import (
    TEAM_WIDTH,
    FeatureRow,
    ForecastLine,
    HealthColumn,
    burn_up_chart,
    dependency_health_strip,
    forecast_chart,
    plan_vs_baseline_chart,
)


@dataclass(frozen=True)
class DependencyTrouble:
    dependency: Dependency
    state: DependencyState
    other: str


@dataclass(frozen=True)
class TeamSync:
    team: Team
    progress: Progress
    velocities: list[Velocity]
    drops: set[str]
    late_for_us: list[DependencyTrouble]
    late_from_us: list[DependencyTrouble]
    new_risks: list[Risk]
    objectives_at_risk: list[Objective]
    alerts: list[Alert]
    burn_up: Markup


@dataclass(frozen=True)
class SyncPage:
    board_id: str
    today: datetime.date
    current: Iteration | None
    executing: bool
    has_baseline: bool
    threshold: float
    progress: Progress
    alerts: list[Alert]
    new_keys: set[tuple[str, str, str]]
    teams: list[TeamSync]
    burn_up: Markup
    health: Markup
    features: Markup
    labels: dict[str, str]
    # The forecast (board.forecast): its chart over the iterations ahead, the items least likely to
    # be done in time, the ART's predictability range and the board's alert threshold.
    forecast_chart: Markup
    forecast_history: Markup
    forecast_rows: list[Outlook]
    predictability: PredictabilityRange | None
    forecast_threshold: float

    def for_team(self, team_id: str) -> list[Alert]:
        """What concerns one team: its own alerts and the ART-wide ones."""
        return alerts_for(self.alerts, team_id)


# The page shows the first few alerts and the rest behind "Show all": the ones that hold other teams up
# come first (a sort keeps each kind's own order).
ALERT_ORDER = (
    AlertKind.LATE,
    AlertKind.CONFLICT,
    AlertKind.AT_RISK,
    AlertKind.LIKELY_LATE,
    AlertKind.BLOCKED,
    AlertKind.VELOCITY_DROP,
    AlertKind.OVER_CAPACITY,
    AlertKind.SLIPPED,
    AlertKind.UNROAMED_RISK,
)


def axis_name(iteration: Iteration) -> str:
    """An iteration as a chart's axis names it where its name does not fit: "I3", "IP"."""
    return "IP" if iteration.is_ip else f"I{iteration.number}"


def health_columns(state: BoardState, health: dict[str, DependencyState]) -> list[HealthColumn]:
    """Dependencies by the iteration they are needed by, counted per state (today's ``health``)."""
    columns: list[HealthColumn] = []
    for it in state.iterations:
        counts: dict[str, int] = {}
        for dep in state.dependencies:
            need = needed_by(state, dep)
            if need is not None and need.id == it.id:
                counts[health[dep.id].value] = counts.get(health[dep.id].value, 0) + 1
        columns.append(HealthColumn(it.id, iteration_name(it), counts, axis_name(it)))
    return columns


def feature_rows(state: BoardState, baseline: BoardState) -> list[FeatureRow]:
    index = {it.id: n for n, it in enumerate(state.iterations)}
    rows: list[FeatureRow] = []
    for feature in state.features:
        was = baseline.of(type(feature)).get(feature.id)
        base_at = index.get(was.iteration_id or "") if was is not None else None
        now_at = index.get(feature.iteration_id or "")
        if base_at is None and now_at is None:
            continue
        rows.append(
            FeatureRow(feature.id, feature.title, base_at, now_at, feature_progress(state, feature.id))
        )
    return rows


# The forecast chart draws the dependencies least likely to be done in time (more lines would not read).
FORECAST_LINES = 6
FORECAST_ROWS = 10


def forecast_view(state: BoardState, moments: list[Moment]) -> tuple[Markup, Markup, list[Outlook]]:
    """Two charts of the open dependencies least likely in time (their chance by each iteration ahead,
    and in time as the forecast said it over the PI), and today's items below certainty."""
    found: Forecast = moments[-1].forecast
    index = {iteration_id: n for n, iteration_id in enumerate(found.ahead)}
    open_deps = [o for o in found.dependencies.values() if o.probability is not None and o.why != "done"]
    open_deps.sort(key=lambda o: (o.probability, o.title))
    lines = [
        ForecastLine(o.item_id, o.title, o.curve, index.get(o.by_iteration_id or ""))
        for o in open_deps[:FORECAST_LINES]
    ]
    labels = [
        (it.id, iteration_name(it), axis_name(it))
        for i in found.ahead
        if (it := state.get(Iteration, i)) is not None
    ]
    chart = forecast_chart(
        lines, labels, state.meta.forecast_threshold, "Forecast: chance each dependency is done, by iteration"
    )
    history_lines = []
    for line in lines:
        said = [m.forecast.dependencies.get(line.item_id) for m in moments]
        chances = [o.probability for o in said if o is not None and o.probability is not None]
        if len(chances) == len(moments):
            history_lines.append(ForecastLine(line.item_id, line.label, chances, None))
    history = forecast_chart(
        history_lines,
        [(m.day.isoformat(), m.label, m.label.removesuffix(" start")) for m in moments],
        state.meta.forecast_threshold,
        "Forecast over time: chance each dependency is in time",
        kind="forecast-history",
        unit="% chance in time",
    )
    doubtful = [o for o in found.outlooks() if o.probability is not None and o.probability < 1.0]
    doubtful.sort(key=lambda o: (o.probability, o.item_kind, o.title))
    return chart, history, doubtful[:FORECAST_ROWS]


def build_sync(
    state: BoardState,
    baseline: BoardState | None,
    today: datetime.date,
    at_last_visit: list[Alert] | None = None,
) -> SyncPage:
    """``baseline``: the plan at the baseline (None before one is taken: the plan is its own baseline);
    ``at_last_visit``: the alerts that held when this person last looked (None: a first visit)."""
    base = baseline if baseline is not None else state
    threshold = state.meta.velocity_threshold
    found = sorted(
        alerts_with_forecast(state, today, base, threshold), key=lambda a: ALERT_ORDER.index(a.kind)
    )
    new_keys = {a.key for a in new_alerts(found, at_last_visit)} if at_last_visit is not None else set()
    health = dependency_healths(state, today)
    cascade = execution_cascade(state, today, health)
    velocities = velocity_table(state, base, today)
    names = {t.id: t.name for t in state.teams}
    moments = forecast_over_time(state, today)
    found_forecast = moments[-1].forecast
    chart, history, rows = forecast_view(state, moments)

    def trouble(dep: Dependency, other_team: str | None) -> DependencyTrouble:
        return DependencyTrouble(dep, health[dep.id], names.get(other_team or "", "") or dep.external_party)

    # Where a chart's axis has no room for an iteration's name it says "I3" (labels stay readable).
    short_names = {it.id: axis_name(it) for it in state.iterations}
    teams = []
    for team in state.teams:
        mine = [v for v in velocities if v.team_id == team.id]
        teams.append(
            TeamSync(
                team=team,
                progress=team_progress(state, team.id),
                velocities=mine,
                drops={v.iteration_id for v in mine if velocity_drop(v, threshold)},
                late_for_us=[
                    trouble(d, d.provider_team_id)
                    for d in state.dependencies
                    if d.requesting_team_id == team.id and health[d.id] in BROKEN
                ],
                late_from_us=[
                    trouble(d, d.requesting_team_id)
                    for d in state.dependencies
                    if d.provider_team_id == team.id and health[d.id] in BROKEN
                ],
                new_risks=[
                    r
                    for r in state.risks
                    if r.team_id == team.id and (r.roam == Roam.UNROAMED or r.id not in base.of(Risk))
                ],
                objectives_at_risk=[
                    o for o in state.objectives if o.team_id == team.id and o.id in cascade.objectives
                ],
                alerts=[a for a in found if team.id in a.team_ids],
                burn_up=burn_up_chart(
                    burn_up(state, base, today, team.id), f"{team.name}: burn-up", TEAM_WIDTH, short_names
                ),
            )
        )
    return SyncPage(
        board_id=state.board_id,
        today=today,
        current=current_iteration(state, today),
        executing=state.meta.execution_started,
        has_baseline=baseline is not None,
        threshold=threshold,
        progress=Progress(sum(t.progress.done for t in teams), sum(t.progress.planned for t in teams)),
        alerts=found,
        new_keys=new_keys,
        teams=teams,
        burn_up=burn_up_chart(burn_up(state, base, today), "ART burn-up", axis_labels=short_names),
        health=dependency_health_strip(
            health_columns(state, health), "Dependency health by needed-by iteration"
        ),
        features=plan_vs_baseline_chart(
            feature_rows(state, base),
            [(iteration_name(it), axis_name(it)) for it in state.iterations],
            "Features: baseline ○, now ●, done",
        ),
        labels={it.id: iteration_name(it) for it in state.iterations},
        forecast_chart=chart,
        forecast_history=history,
        forecast_rows=rows,
        predictability=found_forecast.predictability,
        forecast_threshold=state.meta.forecast_threshold,
    )
