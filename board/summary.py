"""Everything derived from the plan, in one pass: what the pages, the big screen and the API show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from board.capacity import Load, load_table
from board.dependencies import Cascade, cascade, dependency_states, is_conflict
from board.execution import dependency_healths, execution_cascade, slipped_stories
from board.forecast import Chances, forecast
from board.model import BoardState, DependencyState, Roam
from board.objectives import Predictability, art_predictability, is_vague, team_predictability


@dataclass(frozen=True)
class PlanSummary:
    dependency_states: dict[str, DependencyState]
    loads: dict[tuple[str, str], Load]
    at_risk: Cascade
    predictability: Predictability
    team_predictability: dict[str, Predictability]
    vague_objectives: set[str]
    roam_counts: dict[Roam, int]
    # During the PI's execution: the stories not done when their iteration closed.
    slipped: set[str] = field(default_factory=set)
    # During the PI's execution: the forecast's chance (board.forecast) of each open dependency and
    # planned feature being done by its iteration, where it is below certainty, and the alert threshold.
    chances: Chances = field(default_factory=Chances)
    forecast_threshold: float = 0.5

    @property
    def late_count(self) -> int:
        return sum(1 for s in self.dependency_states.values() if s == DependencyState.LATE)

    @property
    def conflict_count(self) -> int:
        """Conflicts as :func:`board.dependencies.is_conflict` counts them (declined ones too)."""
        return sum(1 for s in self.dependency_states.values() if is_conflict(s))

    @property
    def overloaded(self) -> list[Load]:
        return [load for load in self.loads.values() if load.overloaded]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dependency_states": {k: v.value for k, v in self.dependency_states.items()},
            "loads": [
                {
                    "team_id": load.team_id,
                    "iteration_id": load.iteration_id,
                    "capacity": load.capacity,
                    "load": load.load,
                    "ratio": load.ratio,
                    "level": load.level,
                }
                for load in self.loads.values()
            ],
            "at_risk": {
                "features": sorted(self.at_risk.features),
                "dependencies": sorted(self.at_risk.dependencies),
                "objectives": sorted(self.at_risk.objectives),
            },
            "predictability": _predictability_dict(self.predictability),
            "team_predictability": {k: _predictability_dict(v) for k, v in self.team_predictability.items()},
            "vague_objectives": sorted(self.vague_objectives),
            "roam_counts": {k.value: v for k, v in self.roam_counts.items()},
            "conflict_count": self.conflict_count,
            "late_count": self.late_count,
            "slipped_stories": sorted(self.slipped),
            "overloaded_count": len(self.overloaded),
            "forecast_chances": {k: round(v, 4) for k, v in sorted(self.chances.by_id.items())},
        }


def _predictability_dict(p: Predictability) -> dict[str, Any]:
    return {
        "planned_bv": p.planned_bv,
        "actual_bv": p.actual_bv,
        "ratio": p.ratio,
        "in_band": p.in_band,
        "rated_teams": p.rated_teams,
        "teams": p.teams,
    }


def roam_counts(state: BoardState) -> dict[Roam, int]:
    counts = {r: 0 for r in Roam}
    for risk in state.risks:
        counts[risk.roam] += 1
    return counts


def plan_summary(state: BoardState, today: datetime.date | None = None) -> PlanSummary:
    """Once the PI's execution has started, ``today`` decides what is late and slipped."""
    chances: dict[str, float] = {}
    if today is not None and state.meta.execution_started:
        states = dependency_healths(state, today)
        at_risk = execution_cascade(state, today, states)
        slipped = {s.id for s in slipped_stories(state, today)}
        found = forecast(state, today)
        chances = {
            o.item_id: o.probability
            for o in [*found.dependencies.values(), *found.features.values()]
            if o.probability is not None and o.probability < 1.0
        }
    else:
        states, at_risk, slipped = dependency_states(state), cascade(state), set()
    return PlanSummary(
        dependency_states=states,
        loads=load_table(state),
        at_risk=at_risk,
        predictability=art_predictability(state),
        team_predictability={t.id: team_predictability(state, t.id) for t in state.teams},
        vague_objectives={o.id for o in state.objectives if is_vague(o.statement)},
        roam_counts=roam_counts(state),
        slipped=slipped,
        chances=Chances(chances),
        forecast_threshold=state.meta.forecast_threshold,
    )
