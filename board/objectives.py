"""PI objectives: predictability and the clarity hint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from board import fields as f
from board.model import BoardState, Objective

PREDICTABILITY_BAND = (0.8, 1.0)

# Business value as Business Owners give it, a train's objectives' and a solution's alike: planned
# 1–10 when the plan is agreed, actual 0–10 at the end of the PI (None: not given yet).
PLANNED_BV = f.Int(1, 10, nullable=True)
ACTUAL_BV = f.Int(0, 10, nullable=True)


@dataclass(frozen=True)
class Predictability:
    """Actual BV ÷ planned BV over the rated teams only: a team whose Business Owners have not rated any
    actual value yet is left out (counting it as 0 would pull the ART's figure down for a team that is
    merely not rated). ``rated_teams`` of ``teams`` says how much of the ART the figure covers."""

    planned_bv: int
    actual_bv: int
    rated_teams: int = 1
    teams: int = 1

    @property
    def rated(self) -> bool:
        return self.rated_teams > 0

    @property
    def ratio(self) -> float | None:
        """Actual BV of all objectives ÷ planned BV of committed ones; None with nothing committed or
        nothing rated."""
        return self.actual_bv / self.planned_bv if self.planned_bv and self.rated else None

    @property
    def in_band(self) -> bool | None:
        r = self.ratio
        return None if r is None else PREDICTABILITY_BAND[0] <= r <= PREDICTABILITY_BAND[1]

    @property
    def coverage(self) -> str:
        """How many of how many teams the figure counts, as every page, export and the report say it."""
        return f"{self.rated_teams} of {self.teams} {'team' if self.teams == 1 else 'teams'} rated"


def _sums(objectives: list[Objective]) -> tuple[int, int]:
    planned = sum(o.planned_bv or 0 for o in objectives if o.committed)
    actual = sum(o.actual_bv or 0 for o in objectives)
    return planned, actual


def predictability(objectives: list[Objective]) -> Predictability:
    """One team's figure (its objectives); unrated until some actual BV is given."""
    planned, actual = _sums(objectives)
    return Predictability(planned_bv=planned, actual_bv=actual, rated_teams=int(is_measured(objectives)))


def is_measured(objectives: list[Objective]) -> bool:
    """Predictability exists only once Business Owners rate actual value (after the PI); before that,
    right after planning, there is nothing to measure, and 0 % would be a false alarm."""
    return any(o.actual_bv is not None for o in objectives)


def team_predictability(state: BoardState, team_id: str) -> Predictability:
    return predictability([o for o in state.objectives if o.team_id == team_id])


def art_predictability(state: BoardState) -> Predictability:
    """The ART's figure: the sums over the rated teams only (every objective has a team)."""
    teams = [[o for o in state.objectives if o.team_id == t.id] for t in state.teams]
    rated = [objs for objs in teams if is_measured(objs)]
    planned, actual = _sums([o for objs in rated for o in objs])
    return Predictability(planned_bv=planned, actual_bv=actual, rated_teams=len(rated), teams=len(teams))


_NUMBER = re.compile(r"\d")
_PASS_FAIL = re.compile(
    r"\b(by|before|within|under|over|below|above|at least|at most|less than|more than|"
    r"fewer than|zero|halve[ds]?|double[ds]?|triple[ds]?|released?|shipped?|launched?|certified|"
    r"approved|signed off|passes|passing|live|go-live|in production)\b",
    re.IGNORECASE,
)


def is_vague(statement: str) -> bool:
    """A statement with no number and no pass/fail condition cannot be judged at the end of the PI."""
    text = statement.strip()
    if not text:
        return True
    return not (_NUMBER.search(text) or _PASS_FAIL.search(text))
