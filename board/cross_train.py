"""Cross-train dependencies (issue 29, docs/solution.md): what each train's side should say. No I/O.

A team of train A asks a team of train B. Each train stays one board, so the request lives on A's
board (its ``provider_train`` names B's board and team) and B sees it as a **mirror** on its own board
(id ``x-<dependency>``, its ``requester_train`` naming A's board and dependency), with B's team as the
provider. The solution writes the mirror from A's request (:func:`mirror_of`) and writes B's answer
back onto A's request (:func:`answer_of`); both sides' ``dependency_state`` then says the same thing.
Iterations are matched by number (the trains share the solution's cadence); where the two trains'
iterations disagree, both sides say how (:func:`cadence_mismatch`) and count it as a conflict.
"""

from __future__ import annotations

from typing import Any

from board.dependencies import delivering_iteration, needed_by
from board.execution import provider_done
from board.model import BoardState, Dependency, DependencyStatus, Iteration, Team
from board.solution import cadence_disagreements, cadence_of

MIRROR_PREFIX = "x-"
# As FIELDS["dependency"]["external_party"] holds it.
PARTY_WORDS_MAX = 80

# What the solution writes on each side; the rest of each side is its own train's.
MIRROR_FIELDS = (
    "requester_train",
    "provider_team_id",
    "need",
    "needed_by_iteration_id",
    "external_party",
    "cadence_mismatch",
)
ANSWER_FIELDS = ("status", "answer", "promised_iteration_id", "external_party", "cadence_mismatch")


def mirror_id(dependency_id: str) -> str:
    """The mirror's id on the providing train: made from the request's, so writing it again finds it."""
    return f"{MIRROR_PREFIX}{dependency_id}"


def train_ref(board_id: str, item_id: str) -> str:
    """``<board>/<team>`` (``provider_train``) or ``<board>/<dependency>`` (``requester_train``)."""
    return f"{board_id}/{item_id}"


def parse_ref(ref: str) -> tuple[str, str] | None:
    """A train reference's board and item, or None when it is not one."""
    board_id, slash, item_id = ref.partition("/")
    if not slash or not board_id or not item_id or "/" in item_id:
        return None
    return board_id, item_id


def party_words(train_name: str, team_name: str) -> str:
    """How each page names the other train's team: "Train B · Checkout" (an external party's words)."""
    words = f"{train_name} · {team_name}"
    return words if len(words) <= PARTY_WORDS_MAX else words[: PARTY_WORDS_MAX - 1] + "…"


def same_iteration(source: BoardState, iteration: Iteration | None, target: BoardState) -> str | None:
    """``target``'s iteration with the number of ``source``'s ``iteration`` (None: none, or no such)."""
    if iteration is None:
        return None
    return next((i.id for i in target.iterations if i.number == iteration.number), None)


def cadence_mismatch(a: BoardState, b: BoardState) -> str:
    """How the two trains' iterations disagree, in words ("" when they agree).

    Matched by number, the iterations must be the same numbers (and IP iterations the same ones);
    when both trains have dates, the dates must agree too (``board.solution``'s comparison)."""
    numbers_a = [(i.number, i.is_ip) for i in a.iterations]
    numbers_b = [(i.number, i.is_ip) for i in b.iterations]
    if numbers_a != numbers_b:
        return (
            f"{a.meta.name} plans in iterations {_numbers(a)}, {b.meta.name} in {_numbers(b)}: "
            "they cannot be matched by number"
        )
    trains = [cadence_of(a), cadence_of(b)]
    if not all(t.dated for t in trains):
        return ""
    return "; ".join(r for d in cadence_disagreements(trains) for r in d.reasons)


def _numbers(state: BoardState) -> str:
    said = ", ".join(f"{i.number}{' (IP)' if i.is_ip else ''}" for i in state.iterations)
    return said or "none"


def asks(dep: Dependency, provider_board: str) -> str | None:
    """The team of ``provider_board`` that ``dep`` asks (None: it asks no team of that board)."""
    ref = parse_ref(dep.provider_train) if dep.provider_train else None
    return ref[1] if ref is not None and ref[0] == provider_board else None


def mirror_of(a: BoardState, dep: Dependency, b: BoardState) -> dict[str, Any] | None:
    """What B's mirror of A's request ``dep`` should say (None: ``dep`` asks no team of B).

    B's team is the provider; the requester is named in words (A's train and team), its need and
    needed-by iteration are A's (the iteration with the same number on B)."""
    team_id = asks(dep, b.board_id)
    if team_id is None:
        return None
    requester = a.get(Team, dep.requesting_team_id)
    return {
        "requester_train": train_ref(a.board_id, dep.id),
        "provider_team_id": team_id,
        "need": dep.need,
        "needed_by_iteration_id": same_iteration(a, needed_by(a, dep), b),
        "external_party": party_words(a.meta.name, requester.name if requester else "?"),
        "cadence_mismatch": cadence_mismatch(a, b),
    }


def requested_by(mirror: Dependency) -> tuple[str, str] | None:
    """The asking train's board and dependency a mirror stands for (None: not a mirror)."""
    return parse_ref(mirror.requester_train) if mirror.requester_train else None


def answer_of(b: BoardState, mirror: Dependency, a: BoardState) -> dict[str, Any]:
    """What A's request should say of B's answer on its ``mirror``: B's status and words, and as the
    promise A's iteration with the number of the one B delivers in (none before B says it will).

    Done once B delivered: said so on the mirror, or the story or feature B planned for it is done (as
    B's own execution reads it, ``provider_done``; a status its tracker sync brought counts too). A
    has no card of B's to read that from."""
    delivering = None
    status = mirror.status
    if status not in (DependencyStatus.REQUESTED, DependencyStatus.DECLINED):
        delivering = delivering_iteration(b, mirror)
        if provider_done(b, mirror):
            status = DependencyStatus.DONE
    provider = b.get(Team, mirror.provider_team_id)
    return {
        "status": status,
        "answer": mirror.answer,
        "promised_iteration_id": same_iteration(b, delivering, a),
        "external_party": party_words(b.meta.name, provider.name if provider else "?"),
        "cadence_mismatch": cadence_mismatch(a, b),
    }


def differs(item: Dependency | None, shape: dict[str, Any]) -> bool:
    """Whether ``item`` does not say what ``shape`` says (a missing item always differs)."""
    return item is None or any(getattr(item, name) != value for name, value in shape.items())
