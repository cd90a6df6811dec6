"""The one exception tree of the domain.

Every refusal carries a machine-readable ``code`` and a sentence a person can read.
Doors map these to their own wire format (HTTP status, websocket refusal frame).
"""

from __future__ import annotations

from typing import Any


class PiboardError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class Refused(PiboardError):
    """An op that was not applied. Nothing changed."""

    code = "refused"


class Invalid(Refused):
    """A value out of range, missing, or of the wrong kind."""

    code = "invalid"


class NotFound(Refused):
    """The op names something the board does not hold."""

    code = "not_found"


class Stale(Refused):
    """The op was based on an older version than the one stored."""

    code = "stale"


class Forbidden(Refused):
    """The actor's role may not do this."""

    code = "forbidden"


class IllegalTransition(Refused):
    """The target is not in a state that allows this op (closed vote, locked plan...)."""

    code = "illegal"
