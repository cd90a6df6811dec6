"""piboard's domain: the plan of one Agile Release Train's PI and its rules. No I/O here."""

from board.core import Change, Op
from board.errors import (
    Forbidden,
    IllegalTransition,
    Invalid,
    NotFound,
    PiboardError,
    Refused,
    Stale,
)
from board.model import BoardState, Role
from board.ops import Context, apply_op
from board.roles import Actor

__all__ = [
    "Actor",
    "BoardState",
    "Change",
    "Context",
    "Forbidden",
    "IllegalTransition",
    "Invalid",
    "NotFound",
    "Op",
    "PiboardError",
    "Refused",
    "Role",
    "Stale",
    "apply_op",
]
