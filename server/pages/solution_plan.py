"""Post-PI Planning's view-model on the solution page (its part ``#plan``) and at its REST doors: the
solution's objectives with the trains' objectives they draw from, its risks, and its vote.

The vote shows how many voted while a round is open and its distribution once the STE closed it:
never who voted what. A person sees their own fist of five (``plan_context``), nobody else's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from board.model import BoardState, Objective, Roam, Team
from board.objectives import Predictability
from board.solution import SolutionActor, may_in_solution
from board.solution_plan import (
    SolutionObjective,
    SolutionPlan,
    SolutionRisk,
    VoteRound,
    objective_ref,
    solution_predictability,
    train_objective,
)
from board.vote import Tally
from board.wording import choice_label
from server.pages.risks import ROAM_COLUMNS
from server.pages.vote import tally_bars

# The solution's Post-PI Planning actions the page offers a control for (board.solution's table).
PLAN_ACTIONS = (
    "objective.create",
    "objective.update",
    "objective.delete",
    "objective.set_bv",
    "risk.create",
    "risk.update",
    "risk.delete",
    "risk.roam",
    "vote.open",
    "vote.cast",
    "vote.close",
)
GONE = "no longer on its train"


@dataclass(frozen=True)
class TrainObjectiveView:
    """A train's team objective a solution objective may draw from."""

    ref: str  # "<board>/<objective id>"
    train: str
    team: str
    statement: str
    committed: bool
    planned_bv: int | None

    @property
    def label(self) -> str:
        return f"{self.train} · {self.team}: {self.statement}"


@dataclass(frozen=True)
class ObjectiveView:
    objective: SolutionObjective
    draws: tuple[tuple[str, str], ...]  # (ref, the train objective in words, or GONE)


@dataclass(frozen=True)
class PlanView:
    plan: SolutionPlan
    objectives: tuple[ObjectiveView, ...]
    train_objectives: tuple[TrainObjectiveView, ...]
    predictability: Predictability

    @property
    def risks(self) -> tuple[SolutionRisk, ...]:
        return self.plan.risks

    @property
    def rounds(self) -> tuple[VoteRound, ...]:
        return self.plan.rounds


def _train_objective_view(state: BoardState, objective: Objective) -> TrainObjectiveView:
    team = state.get(Team, objective.team_id or "")
    return TrainObjectiveView(
        objective_ref(state.board_id, objective.id),
        state.meta.name,
        team.name if team is not None else "",
        objective.statement,
        objective.committed,
        objective.planned_bv,
    )


def plan_view(plan: SolutionPlan, trains: Sequence[BoardState]) -> PlanView:
    """The plan with each train objective it names read from ``trains`` (the boards as they are now)."""
    by_id: Mapping[str, BoardState] = {s.board_id: s for s in trains}

    def said(ref: str) -> str:
        found = train_objective(by_id, ref)
        return GONE if found is None else _train_objective_view(*found).label

    return PlanView(
        plan,
        tuple(ObjectiveView(o, tuple((ref, said(ref)) for ref in o.draws_from)) for o in plan.objectives),
        tuple(_train_objective_view(s, o) for s in trains for o in s.objectives),
        solution_predictability(plan.objectives),
    )


def plan_context(actor: SolutionActor, view: PlanView | None) -> dict[str, Any]:
    """What the page's ``#plan`` part is rendered with, for ``actor``: the controls their role may use
    (the one role rule) and their own ballots."""
    rounds = view.rounds if view is not None else ()
    return {
        "plan": view,
        "may_plan": {action: may_in_solution(actor, action) for action in PLAN_ACTIONS},
        "your_votes": {r.id: r.ballots[actor.id] for r in rounds if actor.id in r.ballots},
        "roam_choices": [(r.value, choice_label(r)) for r in Roam],
    }


# --- on the solution's big screen ------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenPlan:
    """What the Post-PI Planning room reads on the solution's big screen (its side column): the same for
    everyone who looks, so it holds no one's own vote and, before the reveal, only how many voted."""

    objectives: tuple[SolutionObjective, ...]
    predictability: Predictability
    roam_counts: tuple[tuple[Roam, str, int], ...]  # each ROAM state that has risks, in ROAM's order
    # Grouped by ROAM in that order (un-ROAMed first): each with its group's label, and whether it opens it.
    risks: tuple[tuple[SolutionRisk, str, bool], ...]
    round: VoteRound | None  # the open round, else the last one
    tally: Tally | None  # the round's distribution once it is closed (revealed)

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        return tally_bars(self.tally)


def screen_plan(plan: SolutionPlan) -> ScreenPlan:
    """The plan as the big screen shows it: risks grouped by ROAM in the risk board's column order
    (server.pages.risks.ROAM_COLUMNS), the vote's open round (how many voted) or else its last round
    (its distribution once revealed)."""
    groups = [(roam, label, [r for r in plan.risks if r.roam == roam]) for roam, label in ROAM_COLUMNS]
    featured = plan.open_round or plan.last_round
    return ScreenPlan(
        plan.objectives,
        solution_predictability(plan.objectives),
        tuple((roam, label, len(risks)) for roam, label, risks in groups if risks),
        tuple((r, label, k == 0) for _, label, risks in groups for k, r in enumerate(risks)),
        featured,
        featured.result if featured is not None else None,
    )


# --- as JSON ----------------------------------------------------------------------------------------


def objective_dict(o: SolutionObjective) -> dict[str, Any]:
    return {
        "id": o.id,
        "title": o.title,
        "draws_from": list(o.draws_from),
        "committed": o.committed,
        "planned_bv": o.planned_bv,
        "actual_bv": o.actual_bv,
        "created_by": o.created_by,
    }


def objectives_dict(view: PlanView) -> dict[str, Any]:
    p = view.predictability
    return {
        "objectives": [
            {**objective_dict(o.objective), "draws": [{"ref": r, "objective": w} for r, w in o.draws]}
            for o in view.objectives
        ],
        "planned_bv": p.planned_bv,
        "actual_bv": p.actual_bv,
        "predictability": p.ratio,
        "train_objectives": [
            {"ref": t.ref, "train": t.train, "team": t.team, "statement": t.statement}
            for t in view.train_objectives
        ],
    }


def risk_dict(r: SolutionRisk) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "description": r.description,
        "roam": r.roam.value,
        "owner": r.owner,
        "raised_by": r.raised_by,
    }


def round_dict(r: VoteRound, actor: SolutionActor) -> dict[str, Any]:
    """A round as anyone of the solution sees it: how many voted, their own vote, and once closed the
    distribution and average; never who voted what."""
    result = r.result
    return {
        "id": r.id,
        "number": r.number,
        "status": r.status.value,
        "voted": r.voted,
        "your_vote": r.ballots.get(actor.id),
        "distribution": {str(k): v for k, v in result.distribution.items()} if result else None,
        "average": result.average if result else None,
    }
