"""The admin page's setup parts: the PI, teams (with what still belongs to each), iterations and the
setup checklist. One view-model for the page and its live renderer (``server.pages.admin``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from board import BoardState
from board.model import Iteration, Team
from board.setup import Holdings, holdings, of_board, setup_gaps

# How the holdings of a team or iteration read, kind by kind.
KIND_WORDS = {
    "member": ("person", "people"),
    "feature": ("feature", "features"),
    "story": ("story", "stories"),
    "objective": ("objective", "objectives"),
    "risk": ("risk", "risks"),
    "dependency": ("dependency", "dependencies"),
    "milestone": ("milestone", "milestones"),
}


@dataclass(frozen=True)
class Removable:
    """A team or an iteration, and what removing it would meet."""

    item: Team | Iteration
    held: Holdings
    # For an iteration: ("earlier" | "later", the order of every iteration after that move).
    moves: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def holdings_text(self) -> str:
        """e.g. "5 people, 3 features and 12 stories" (empty when nothing belongs to it)."""
        parts = [f"{n} {KIND_WORDS[k][0 if n == 1 else 1]}" for k, n in self.held.counts().items()]
        if len(parts) < 2:
            return "".join(parts)
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def admin_setup(state: BoardState) -> dict[str, Any]:
    all_of = of_board(state)
    iterations = state.iterations
    return {
        "meta": state.meta,
        "team_setups": [Removable(t, holdings(all_of, t)) for t in state.teams],
        "iteration_setups": [
            Removable(i, holdings(all_of, i), _moves(iterations, n)) for n, i in enumerate(iterations)
        ],
        "iterations": iterations,
        "gaps": setup_gaps(state),
        "baseline": baseline_facts(state),
    }


@dataclass(frozen=True)
class BaselineFacts:
    """What taking the baseline freezes, said before it is taken (the plan as it is now), and once
    taken, when and by whom. The admin page and the ART sync page show it beside the control."""

    taken: bool
    taken_at: str
    taken_by: str
    executing: bool
    features: int
    features_planned: int
    stories: int
    stories_planned: int
    points: int
    dependencies: int
    objectives: int
    objectives_with_bv: int


def baseline_facts(state: BoardState) -> BaselineFacts:
    meta = state.meta
    stories = state.stories
    planned = [s for s in stories if s.iteration_id]
    objectives = state.objectives
    return BaselineFacts(
        taken=meta.baseline_seq is not None,
        taken_at=_local_time(meta.baseline_at, meta.time_zone) if meta.baseline_at else "",
        taken_by=meta.baseline_by,
        executing=meta.execution_started,
        features=len(state.features),
        features_planned=sum(1 for f in state.features if f.iteration_id),
        stories=len(stories),
        stories_planned=len(planned),
        points=sum(s.points for s in planned),
        dependencies=len(state.dependencies),
        objectives=len(objectives),
        objectives_with_bv=sum(1 for o in objectives if o.planned_bv is not None),
    )


def _local_time(at: float, time_zone: str) -> str:
    """A moment in the board's time zone (UTC when the zone is unknown), e.g. "Thu 12 Mar 14:05 UTC"."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.fromtimestamp(at, zone).strftime("%a %d %b %H:%M ") + zone.key


def _moves(iterations: list[Iteration], n: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Moving the n-th iteration one place earlier or later, as the whole new order."""
    ids = [i.id for i in iterations]
    moves = []
    for direction, other in (("earlier", n - 1), ("later", n + 1)):
        if 0 <= other < len(ids):
            order = ids[:]
            order[n], order[other] = order[other], order[n]
            moves.append((direction, tuple(order)))
    return tuple(moves)
