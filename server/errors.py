"""The domain's exception tree, mapped at the HTTP boundary: one status per refusal kind."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from board.errors import PiboardError
from board.fields import repaired

STATUS: dict[str, int] = {
    "invalid": 422,
    "not_found": 404,
    "stale": 409,
    "illegal": 409,
    "forbidden": 403,
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


async def piboard_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PiboardError)
    return JSONResponse(refusal_body(exc), status_code=STATUS.get(exc.code, 400))


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """A lost database connection is a 503 to retry, not a 500."""
    body = {"error": Unavailable.code, "reason": DATABASE_UNAVAILABLE}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, with the refused input's broken text (a lone surrogate) shown as U+FFFD: an
    answer that echoes it could not be encoded and would turn a clear refusal into a 500."""
    assert isinstance(exc, RequestValidationError)
    body, _ = repaired(jsonable_encoder({"detail": exc.errors()}))
    return JSONResponse(body, status_code=422)
