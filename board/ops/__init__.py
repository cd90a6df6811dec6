"""The ops: every change to a board is one of these, applied by :func:`apply_op`.

- :mod:`board.ops.core` — the op, its context, the overlay it writes on, the handler registry,
  ``apply_op`` / ``preview_op`` and the role check narrowed to the teams an op touches.
- :mod:`board.ops.schema` — which fields each kind of item accepts, and their references.
- :mod:`board.ops.plan` — the plan's items: create, update, move, delete, reorder.
- :mod:`board.ops.dependencies` — a dependency's answers: accept, propose, decline, done, comment.
- :mod:`board.ops.cross_train` — asking another train's team; the solution's mirrors and answers.
- :mod:`board.ops.objectives_and_risks` — business value, ROAM and the ROAM session's focus.
- :mod:`board.ops.lifecycle` — the board created, locked, its baseline taken, its execution started.
- :mod:`board.ops.vote` — the confidence vote.
- :mod:`board.ops.timer` — the agenda's timer.
- :mod:`board.ops.undo` — undoing an earlier event.
- :mod:`board.ops.room` — the big screen's scene, "bring everyone here", the help queue.

Importing this package registers every handler.
"""

# Each handler module registers its ops with the registry when imported.
from board.ops import (  # noqa: F401
    cross_train,
    dependencies,
    lifecycle,
    objectives_and_risks,
    plan,
    room,
    timer,
    undo,
    vote,
)
from board.ops.core import (
    HANDLERS,
    Context,
    Handler,
    Tx,
    apply_op,
    may_send,
    preview_op,
)
from board.ops.schema import FIELDS, IMPORT_MAPPING_KEYS

OP_TYPES = frozenset(HANDLERS)

__all__ = [
    "FIELDS",
    "HANDLERS",
    "IMPORT_MAPPING_KEYS",
    "OP_TYPES",
    "Context",
    "Handler",
    "Tx",
    "apply_op",
    "may_send",
    "preview_op",
]
