"""The shapes every reader of a change shares: the op a client asks for, each change it made to an
item, and the event it became once committed. The ops make them, the events store and replay them,
history, undo and the public view read them; so they live here, below all of those."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from board.roles import Actor


@dataclass(frozen=True)
class Op:
    """One change a client asks for. ``target`` names the item; ``base_version`` its version seen."""

    type: str
    target: str | None = None
    base_version: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    client_op_id: str = ""


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class Committed:
    """What an accepted op became: its place in the board's history."""

    board_id: str
    seq: int
    client_op_id: str
    op: Op
    changes: list[Change]
    actor: Actor
    at: float
    duplicate: bool = False
