"""Refusals mapped at the HTTP boundary: the exception handlers the application installs."""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from board.errors import PiboardError
from board.fields import repaired
from server.errors import DATABASE_UNAVAILABLE, STATUS, Unavailable, refusal_body


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
