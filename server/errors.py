"""The server's refusals beside the domain's, and the HTTP status of each refusal kind.

No web framework here: the op path and the command line use these too; the handlers that turn them
into answers are in :mod:`server.doors.error_handlers`.
"""

from __future__ import annotations

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
    code = "rate_limited"


class TooLarge(PiboardError):
    code = "too_large"


class Unavailable(PiboardError):
    code = "unavailable"


# The database restarted or is unreachable. An op in flight may or may not have committed; resending
# it with the same client_op_id is safe (a repeat changes nothing).
DATABASE_UNAVAILABLE = (
    "the database is not reachable right now; resend in a moment (a repeat is not applied twice)"
)


def refusal_body(exc: PiboardError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.code, "reason": exc.reason}
    if exc.detail:
        body["detail"] = exc.detail
    return body
