"""The server's refusals beside the domain's, and the HTTP status of each refusal kind.

No web framework here: the op path and the command line use these too; the handlers that turn them
into answers are in :mod:`server.doors.error_handlers`.
"""

from __future__ import annotations

import math
from typing import Any

from board.errors import PiboardError

STATUS: dict[str, int] = {
    "invalid": 422,
    "not_found": 404,
    "stale": 409,
    "illegal": 409,
    "forbidden": 403,
    "tracker_owned": 409,
    "unauthenticated": 401,
    "rate_limited": 429,
    "too_large": 413,
    "batch_refused": 422,
    "unavailable": 503,
}


class RateLimited(PiboardError):
    """A limit reached: ``retry_after`` is when to try again, in whole seconds (at least 1)."""

    code = "rate_limited"

    def __init__(self, reason: str, retry_after: float = 1.0) -> None:
        super().__init__(reason, retry_after=max(1, math.ceil(retry_after)))


class TooLarge(PiboardError):
    code = "too_large"


class Unavailable(PiboardError):
    code = "unavailable"


# The database restarted or is unreachable. An op in flight may or may not have committed; resending
# it with the same client_op_id is safe (a repeat changes nothing).
DATABASE_UNAVAILABLE = (
    "the database is not reachable right now; resend in a moment (a repeat is not applied twice)"
)


def refusal_headers(exc: PiboardError) -> dict[str, str]:
    """The headers of a refusal's HTTP answer: ``Retry-After`` for a limit reached."""
    wait = exc.detail.get("retry_after")
    return {"Retry-After": str(wait)} if isinstance(wait, int) else {}


def refusal_body(exc: PiboardError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.code, "reason": exc.reason}
    if exc.detail:
        body["detail"] = exc.detail
    return body
