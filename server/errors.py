"""The domain's exception tree, mapped at the HTTP boundary: one status per refusal kind."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from board.errors import PiboardError

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
}


class RateLimited(PiboardError):
    code = "rate_limited"


class TooLarge(PiboardError):
    code = "too_large"


def refusal_body(exc: PiboardError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.code, "reason": exc.reason}
    if exc.detail:
        body["detail"] = exc.detail
    return body


async def piboard_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PiboardError)
    return JSONResponse(refusal_body(exc), status_code=STATUS.get(exc.code, 400))
