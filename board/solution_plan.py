"""Post-PI Planning at the solution level: the solution's PI objectives (drawn from its trains'
objectives, with business value from solution Business Owners), its risks and their ROAM, and its
confidence vote. No I/O here: the store (server/store/solution_plan.py) asks these rules before it
writes, and who may do what is :func:`board.solution.solution_refusal`'s.

The same rules as a train's are used, not copied: business value's ranges (board/objectives.py), ROAM
and its owner (board/risks.py), a risk's fields (board/ops/schema.py), the fist of five and its tally
(board/vote.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from board import fields as f
from board.errors import IllegalTransition, Invalid
from board.model import BoardState, Objective, Roam, VoteStatus
from board.objectives import Predictability, predictability
from board.ops.schema import FIELDS
from board.vote import Tally, tally_vote


def _text_rule(kind: str, name: str) -> f.Text:
    """A train's item's text field's rule (board/ops/schema.py), for the solution's item like it."""
    rule = FIELDS[kind][name]
    assert isinstance(rule, f.Text)
    return rule


# A solution objective says what the solution will deliver, as a team's objective does (its statement).
OBJECTIVE_TITLE = _text_rule("objective", "statement")
COMMITTED = f.Bool()
RISK_TITLE = _text_rule("risk", "title")
RISK_DESCRIPTION = _text_rule("risk", "description")
# A ballot: a fist of five, as in a train's vote (board/ops/vote.py).
FIST = f.Int(1, 5)
# How many train objectives one solution objective may draw from (each "<board>/<objective id>").
MAX_DRAWS = 50
_REF = 150


@dataclass(frozen=True)
class SolutionObjective:
    id: str
    title: str
    draws_from: tuple[str, ...]  # the trains' objectives it draws from, each "<board>/<objective id>"
    committed: bool
    planned_bv: int | None
    actual_bv: int | None
    created_by: str


@dataclass(frozen=True)
class SolutionRisk:
    id: str
    title: str
    description: str
    roam: Roam
    owner: str
    raised_by: str


@dataclass(frozen=True)
class VoteRound:
    """A round of the solution's confidence vote. Who voted what is never shown, only how many voted
    and (once the STE closed the round) the distribution: ``ballots`` (member id → value) stays here."""

    id: str
    number: int
    status: VoteStatus
    ballots: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status == VoteStatus.OPEN

    @property
    def voted(self) -> int:
        return len(self.ballots)

    @property
    def result(self) -> Tally | None:
        """The distribution and average, only once the round is closed (revealed)."""
        return None if self.is_open else tally_vote(list(self.ballots.values()))


@dataclass(frozen=True)
class SolutionPlan:
    objectives: tuple[SolutionObjective, ...] = ()
    risks: tuple[SolutionRisk, ...] = ()
    rounds: tuple[VoteRound, ...] = ()  # oldest first

    @property
    def open_round(self) -> VoteRound | None:
        return next((r for r in self.rounds if r.is_open), None)

    @property
    def last_round(self) -> VoteRound | None:
        return self.rounds[-1] if self.rounds else None


# --- objectives -------------------------------------------------------------------------------------


def objective_ref(board_id: str, objective_id: str) -> str:
    """How a solution objective names a train's objective it draws from."""
    return f"{board_id}/{objective_id}"


def train_objective(trains: Mapping[str, BoardState], ref: str) -> tuple[BoardState, Objective] | None:
    """The train and its objective ``ref`` names, or None (not a train of the solution, or gone)."""
    board_id, _, objective_id = ref.partition("/")
    state = trains.get(board_id)
    found = state.get(Objective, objective_id) if state is not None else None
    return None if state is None or found is None else (state, found)


def draws_from(value: Any, trains: Mapping[str, BoardState]) -> tuple[str, ...]:
    """The trains' objectives a solution objective draws from, as given (a list of
    "<board>/<objective id>", or none), or ``Invalid`` naming the first that is not an objective of a
    train of the solution (``trains``: its trains' boards by id)."""
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= _REF for v in value):
        raise Invalid('the trains\' objectives it draws from must be a list like ["<board>/<objective id>"]')
    if len(value) > MAX_DRAWS:
        raise Invalid(f"a solution objective draws from at most {MAX_DRAWS} of the trains' objectives")
    for ref in value:
        f.require_text("draws_from", ref)
        board_id, slash, _ = ref.partition("/")
        if not slash:
            raise Invalid(f'{ref!r} is not "<board>/<objective id>"')
        if board_id not in trains:
            raise Invalid(f"{ref!r}: that board is not a train of this solution")
        if train_objective(trains, ref) is None:
            raise Invalid(f"{ref!r}: {trains[board_id].meta.name} has no such objective")
    return tuple(dict.fromkeys(value))


def objective_fields(body: Mapping[str, Any], trains: Mapping[str, BoardState]) -> dict[str, Any]:
    """Those of a solution objective's fields (title, committed, draws_from) that ``body`` names, each
    checked by its rule: for a new objective (which names them all) and a change (any of them) alike."""
    return _fields(
        body,
        {
            "title": lambda v: OBJECTIVE_TITLE.clean("title", v),
            "committed": lambda v: COMMITTED.clean("committed", v),
            "draws_from": lambda v: draws_from(v, trains),
        },
    )


def _fields(body: Mapping[str, Any], rules: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    values = {name: rule(body[name]) for name, rule in rules.items() if name in body}
    if not values:
        *first, last = rules
        raise Invalid(f"give {', '.join(first)} or {last}: nothing to change")
    return values


def solution_predictability(objectives: Sequence[SolutionObjective]) -> Predictability:
    """The solution's planned and actual BV, and their ratio once rated: a train's rule
    (board/objectives.py), over the solution's objectives."""
    return predictability(
        [
            Objective(o.id, committed=o.committed, planned_bv=o.planned_bv, actual_bv=o.actual_bv)
            for o in objectives
        ]
    )


# --- risks ----------------------------------------------------------------------------------------


def risk_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """Those of a solution risk's fields (title, description) that ``body`` names, each checked by a
    train's risk's rule: for a new risk and a change alike. Its ROAM and owner change by ROAMing it."""
    return _fields(
        body,
        {
            "title": lambda v: RISK_TITLE.clean("title", v),
            "description": lambda v: RISK_DESCRIPTION.clean("description", v),
        },
    )


# --- the vote ---------------------------------------------------------------------------------------


def open_refusal(plan: SolutionPlan) -> IllegalTransition | None:
    """Why a new round may not open now: one round at a time."""
    if plan.open_round is not None:
        return IllegalTransition("a round of the solution's vote is open already; close it first")
    return None


def round_refusal(found: VoteRound | None, doing: str) -> IllegalTransition | None:
    """Why a round may not be voted in or closed (``doing``): only an open round is."""
    if found is not None and not found.is_open:
        return IllegalTransition(f"this round of the vote is closed: it may not be {doing}")
    return None
