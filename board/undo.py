"""Undo: the rules for reversing one committed event with a new op (``event.undo``).

An undo puts every item the event touched back as it was before the event. It is refused, with a
reason, when any of them has changed since (never a silent overwrite), when the person may not undo
that event (their own recent ops; the RTE any), or when their role may not do the inverse op. An undo
is an event like any other, so undoing it is a redo. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from board.core import Committed
from board.errors import Forbidden, IllegalTransition, Invalid, NotFound, Stale
from board.history import item_label
from board.model import BoardState, Role
from board.roles import Actor
from board.wording import op_label

# A person undoes their own ops of this last while; older ones (and everyone's) are the RTE's to undo.
OWN_UNDO_SECONDS = 60 * 60
# Events that are not a change of the plan by a person, or that must not be taken back.
NOT_UNDOABLE = frozenset(
    {
        "board.create",
        "baseline.take",
        "roam.focus",
        "vote.open",
        "vote.cast",
        "vote.explain",
        "vote.close",
        "vote.reveal",
        "vote.merge_voter",  # goes with merging or removing a participant, which is not a board edit
        "timer.start",
        "timer.pause",
        "timer.resume",
        "timer.extend",
        "timer.advance",
        "timer.stop",
        # the room: what the screens show and who is helping whom, not the plan
        "screen.show",
        "room.gather",
        "help.ask",
        "help.take",
        "help.close",
        # the other train's side of a cross-train dependency: it follows that train, not a person here
        "crosstrain.mirror",
        "crosstrain.answer",
    }
)
# An undo (or redo) may follow a chain of undos this long back to the op it reverses.
MAX_UNDO_CHAIN = 100

History = Callable[[int], Committed | None]


def event_to_undo(target: str | None, history: History) -> Committed:
    """The event an ``event.undo`` op names by its seq."""
    if target is None or not target.isdigit() or len(target) > 10:
        raise Invalid("an undo names the seq of the event to undo as its target")
    event = history(int(target))
    if event is None:
        raise NotFound(f"this board has no event {target}")
    return event


def undone_op(event: Committed, history: History) -> tuple[Committed, int]:
    """The event of the op at the root of a chain of undos, and how many undos lie between: undoing
    ``event`` reverses that op when the count is even, and does it again (a redo) when it is odd."""
    for depth in range(MAX_UNDO_CHAIN):
        if event.op.type != "event.undo":
            return event, depth
        event = event_to_undo(event.op.target, history)
    raise IllegalTransition("this chain of undos is too long to follow")


def check_may_undo(event: Committed, actor: Actor, now: float) -> None:
    """A person undoes their own recent ops; the RTE any."""
    if actor.role == Role.RTE:
        return
    if event.actor.id != actor.id:
        raise Forbidden(f"only {event.actor.name} or the RTE can undo this")
    if now - event.at > OWN_UNDO_SECONDS:
        raise Forbidden("this was more than an hour ago; ask the RTE to undo it")


def inverse_op_type(original: Committed, depth: int) -> str:
    """The op a person would send by hand to do what the undo does (their role must allow it)."""
    kind, verb = original.op.type.split(".", 1)
    if original.op.type in NOT_UNDOABLE:
        raise IllegalTransition(f"this edit ({op_label(original.op.type)}) cannot be undone")
    if depth % 2 == 0 and verb in ("create", "delete"):
        return f"{kind}.{'delete' if verb == 'create' else 'create'}"
    return original.op.type


def check_unchanged_since(state: BoardState, event: Committed) -> None:
    """Every item the event touched must be as the event left it."""
    for change in event.changes:
        current = state.items[change.kind].get(change.id)
        label = item_label(change.kind, change.after or change.before)
        if change.after is None and current is not None:
            raise Stale(f"{label} exists again since; undo it by hand")
        if change.after is not None and current is None:
            raise Stale(f"{label} was deleted since; it cannot be undone")
        if change.after is not None and current is not None and current.version != change.after["version"]:
            raise Stale(
                f"{label} was changed since (it is at version {current.version}, this left it at "
                f"{change.after['version']}); undo the later change first or change it by hand",
                current=current.to_dict(),
            )
