"""PI objectives: predictability and the clarity hint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from board.model import BoardState, Objective

PREDICTABILITY_BAND = (0.8, 1.0)


@dataclass(frozen=True)
class Predictability:
    planned_bv: int
    actual_bv: int

    @property
    def ratio(self) -> float | None:
        """Actual BV of all objectives ÷ planned BV of committed ones; None with nothing committed."""
        return self.actual_bv / self.planned_bv if self.planned_bv else None

    @property
    def in_band(self) -> bool | None:
        r = self.ratio
        return None if r is None else PREDICTABILITY_BAND[0] <= r <= PREDICTABILITY_BAND[1]


def predictability(objectives: list[Objective]) -> Predictability:
    planned = sum(o.planned_bv or 0 for o in objectives if o.committed)
    actual = sum(o.actual_bv or 0 for o in objectives)
    return Predictability(planned_bv=planned, actual_bv=actual)


def is_measured(objectives: list[Objective]) -> bool:
    """Predictability exists only once Business Owners rate actual value (after the PI); before that,
    right after planning, there is nothing to measure, and 0 % would be a false alarm."""
    return any(o.actual_bv is not None for o in objectives)


def team_predictability(state: BoardState, team_id: str) -> Predictability:
    return predictability([o for o in state.objectives if o.team_id == team_id])


def art_predictability(state: BoardState) -> Predictability:
    return predictability(state.objectives)


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
