"""The undo op: an earlier event's items put back as they were; the rules are :mod:`board.undo`'s."""

from __future__ import annotations

from typing import Any

from board import undo
from board.core import Op
from board.errors import IllegalTransition
from board.history import item_label
from board.model import Item, item_from_dict
from board.ops.core import Context, Tx, handles, hold_to_tracker, may_send, narrow_for_actor
from board.ops.schema import FIELDS, check_refs, named_by
from board.roles import Actor


@handles("event.undo")
def _undo(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Put every item an earlier event touched back as it was before it; the rules are board.undo's."""
    event = undo.event_to_undo(op.target, ctx.history)
    undo.check_may_undo(event, actor, ctx.now)
    original, depth = undo.undone_op(event, ctx.history)
    inverse = undo.inverse_op_type(original, depth)
    may_send(tx.state, actor, inverse)
    undo.check_unchanged_since(tx.state, event)
    prefix = original.op.type.split(".")[0]
    main_kind = "meta" if prefix == "board" else prefix
    restored: list[Item] = []
    for change in event.changes:
        now = tx.state.items[change.kind].get(change.id)
        if change.before is None:
            if change.kind == main_kind:
                narrow_for_actor(inverse, actor, change.kind, now, {})
            if now is not None:
                hold_to_tracker(tx, actor, ctx, now, (), deleting=True)
            tx.delete(change.kind, change.id)
            continue
        item = item_from_dict(change.kind, change.before)
        if change.kind == main_kind:
            narrow_for_actor(inverse, actor, change.kind, now, _owner_fields(item))
        if now is not None:  # an undo is an edit too: what the tracker owns stays the tracker's
            hold_to_tracker(tx, actor, ctx, now, _differing(now, item))
        tx.put(item)
        restored.append(item)
    for item in restored:  # after all are back: an item may name another restored with it
        if item.kind in FIELDS:
            check_refs(tx, item.kind, {name: getattr(item, name) for name in FIELDS[item.kind]})
    for change in event.changes:  # and an item the undo removes is named by nothing left behind
        if change.before is None and change.kind in FIELDS:
            naming = named_by(tx, change.kind, change.id)
            if naming:
                label = item_label(change.kind, change.after)
                names = ", ".join(sorted({item_label(n.kind, n.to_dict()) for n in naming})[:3])
                raise IllegalTransition(
                    f"{label} has been named since by {len(naming)} other item(s) ({names}); "
                    "undo those changes first, or change them by hand"
                )


def _differing(now: Item, before: Item) -> list[str]:
    """The fields an undo would change of an item as it is ``now``."""
    current, restored = now.to_dict(), before.to_dict()
    return [name for name, value in restored.items() if name != "version" and current.get(name) != value]


def _owner_fields(item: Item) -> dict[str, Any]:
    """The fields of an item that say whose it is (checked for a team member or the Architect)."""
    names = ("team_id", "requesting_team_id", "feature_kind")
    return {name: getattr(item, name) for name in names if hasattr(item, name)}
