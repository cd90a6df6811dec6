"""The event: what an accepted op became, in the one shape every reader uses.

The committed event's (:class:`board.core.Committed`) row codec (:func:`to_row` / :func:`from_row`, the
``event`` table's columns as plain values), its public shape with the secret parts redacted
(:func:`public_event`), and the one way to replay changes onto a board, forward or backward
(:func:`replay`). Catch-up, ``state_at``, the live renderers, history, undo and the audit export
read events through here; nothing else decodes an event row. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from board.core import Change, Committed, Op
from board.model import BoardState, Item, Role, item_from_dict
from board.public import public_change, public_op
from board.roles import Actor


class Direction(enum.Enum):
    FORWARD = "forward"  # apply each change's ``after``: from before the events to after them
    BACKWARD = "backward"  # restore each change's ``before``: from after the events to before them


# --- the row codec --------------------------------------------------------------------------------


def to_row(event: Committed) -> dict[str, Any]:
    """The ``event`` table's columns for one event."""
    op = event.op
    return {
        "board_id": event.board_id,
        "seq": event.seq,
        "op_type": op.type,
        "actor_id": event.actor.id,
        "client_op_id": event.client_op_id,
        "op": {
            "type": op.type,
            "target": op.target,
            "base_version": op.base_version,
            "args": op.args,
            "client_op_id": op.client_op_id,
        },
        "changes": [
            {"kind": c.kind, "id": c.id, "before": c.before, "after": c.after} for c in event.changes
        ],
        "actor": {
            "id": event.actor.id,
            "name": event.actor.name,
            "role": event.actor.role.value,
            "team_id": event.actor.team_id,
            **({"tracker": True} if event.actor.tracker else {}),
            **({"solution": True} if event.actor.solution else {}),
        },
        "at": datetime.fromtimestamp(event.at, UTC),
    }


def from_row(row: Mapping[str, Any]) -> Committed:
    """An event read back from its row, as the op path reported it at commit."""
    at = row["at"]
    actor = row["actor"]
    return Committed(
        board_id=row["board_id"],
        seq=row["seq"],
        client_op_id=row["client_op_id"],
        op=Op(**row["op"]),
        changes=changes_from_row(row["changes"]),
        actor=Actor(
            actor.get("id", ""),
            actor.get("name", ""),
            Role(actor["role"]),
            actor.get("team_id"),
            tracker=bool(actor.get("tracker")),
            solution=bool(actor.get("solution")),
        ),
        at=_timestamp(at),
    )


def changes_from_row(changes: Iterable[Mapping[str, Any]]) -> list[Change]:
    """The ``changes`` column alone (replaying needs nothing else of a row)."""
    return [Change(c["kind"], c["id"], c["before"], c["after"]) for c in changes]


def _timestamp(at: datetime | float | str) -> float:
    if isinstance(at, datetime):
        # SQLite gives back a naive datetime of what was stored as UTC.
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
    if isinstance(at, str):
        return _timestamp(datetime.fromisoformat(at))
    return float(at)


# --- the public shape -----------------------------------------------------------------------------


def public_event(state: BoardState, event: Committed) -> dict[str, Any]:
    """What a client may see of an event: secret ballot values redacted by ``board.public``."""
    return {
        "seq": event.seq,
        "op": public_op(event.op),
        "changes": [public_change(state, c) for c in event.changes],
        "actor": {"name": event.actor.name, "role": event.actor.role.value, "team_id": event.actor.team_id},
        "at": datetime.fromtimestamp(event.at, UTC).isoformat(),
    }


# --- replay ---------------------------------------------------------------------------------------


def replay(state: BoardState, changes: Sequence[Change], direction: Direction, *, seq: int) -> BoardState:
    """The board ``state`` with ``changes`` (in the order they happened) replayed in ``direction``,
    as of event ``seq``. ``state`` is left as it was: the result shares its untouched per-kind dicts
    (copy-on-write, like ``BoardState.snapshot``). Each item is rebuilt once, from its net change."""
    net: dict[tuple[str, str], dict[str, Any] | None] = {}
    ordered = changes if direction is Direction.FORWARD else list(reversed(changes))
    for change in ordered:
        net[(change.kind, change.id)] = change.after if direction is Direction.FORWARD else change.before
    result = BoardState(state.board_id, seq, dict(state.items))
    touched: dict[str, dict[str, Item]] = {}
    for (kind, item_id), data in net.items():
        by_id = touched.get(kind)
        if by_id is None:
            by_id = touched[kind] = dict(state.items[kind])
        if data is None:
            by_id.pop(item_id, None)
        else:
            by_id[item_id] = item_from_dict(kind, data)
    result.items.update(touched)
    return result


def replay_events(state: BoardState, events: Sequence[Committed], direction: Direction) -> BoardState:
    """``replay`` of whole events: forward to the last one's seq, backward to just before the first."""
    if not events:
        return state
    changes = [c for e in events for c in e.changes]
    seq = events[-1].seq if direction is Direction.FORWARD else events[0].seq - 1
    return replay(state, changes, direction, seq=seq)
