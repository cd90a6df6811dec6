"""What may leave the server: the secret parts of a board are redacted here, in one place.

A ballot's value is secret until its round is revealed, and in an anonymous round (the default)
for good: only the distribution is ever shown (``board.vote.shows_who_voted_what``). Every door
that sends items or events to a client (REST, websocket JSON stream, exports) goes through these
functions.
"""

from __future__ import annotations

from typing import Any

from board.core import Change, Op
from board.model import BoardState
from board.vote import shows_who_voted_what


def public_item(state: BoardState, kind: str, data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None or kind != "ballot" or shows_who_voted_what(state, data.get("round_id", "")):
        return data
    return {**data, "value": None, "reason": ""}


def public_change(state: BoardState, change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "id": change.id,
        "before": public_item(state, change.kind, change.before),
        "after": public_item(state, change.kind, change.after),
    }


def public_op(op: Op) -> dict[str, Any]:
    args = dict(op.args)
    if op.type == "vote.cast":
        args = {k: None for k in args}
    return {
        "type": op.type,
        "target": op.target,
        "base_version": op.base_version,
        "args": args,
        "client_op_id": op.client_op_id,
    }


def public_state(state: BoardState) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        kind: {item_id: public_item(state, kind, item.to_dict()) or {} for item_id, item in by_id.items()}
        for kind, by_id in state.items.items()
    }
