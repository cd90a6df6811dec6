"""Refusals mapped at the HTTP boundary: the exception handlers the application installs.

A refusal is answered in the shape of what was asked for: JSON for a program (the REST doors), the
refused page for a browser's page, the small refusal fragment for a form post or an htmx request.
A route says which by the dependency it takes (:mod:`server.doors.deps`: ``BoardPage``,
``BoardFragment``, ``FormActor``), which calls :func:`answer_refusals_as`; a route that says
nothing is answered in JSON.
"""

from __future__ import annotations

from enum import Enum

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from board.errors import PiboardError
from board.fields import repaired
from server.errors import DATABASE_UNAVAILABLE, STATUS, Unavailable, refusal_body, refusal_headers
from server.pages.templating import refusal_fragment, templates
from server.store.auth import Unauthenticated
from server.transfer.common import FileRefused
from server.transfer.files import problems_body


class Answer(Enum):
    """The shape of a route's answer to a refusal."""

    JSON = "json"
    PAGE = "page"  # page_refused.html: why, and the way in when the person has not joined
    FRAGMENT = "fragment"  # parts/refusal.html, shown next to what was refused


def answer_refusals_as(request: Request, answer: Answer) -> None:
    """From now on, a refusal of this request is answered as ``answer``."""
    request.state.refusal_answer = answer


async def piboard_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PiboardError)
    answer = getattr(request.state, "refusal_answer", Answer.JSON)
    if answer is Answer.PAGE:
        response = refused_page(request, exc)
    elif answer is Answer.FRAGMENT:
        response = refusal_fragment(request, exc)
    else:
        response = JSONResponse(refusal_body(exc), status_code=STATUS.get(exc.code, 400))
    response.headers.update(refusal_headers(exc))
    return response


def refused_page(request: Request, exc: PiboardError) -> Response:
    return templates.TemplateResponse(
        request,
        "page_refused.html",
        {"reason": exc.reason, "needs_join": isinstance(exc, Unauthenticated)},
        status_code=STATUS.get(exc.code, 400),
    )


async def file_refused_handler(request: Request, exc: Exception) -> Response:
    """A file not imported: its problems, each with its line. As a fragment, in the Jira import's
    preview (the one page form that sends a file), where the preview would have been."""
    assert isinstance(exc, FileRefused)
    if getattr(request.state, "refusal_answer", Answer.JSON) is Answer.FRAGMENT:
        return templates.TemplateResponse(
            request, "parts/jira_preview.html", {"problems": exc.problems}, status_code=422
        )
    return JSONResponse(problems_body(exc), status_code=422)


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """A lost database connection is a 503 to retry, not a 500."""
    body = {"error": Unavailable.code, "reason": DATABASE_UNAVAILABLE}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 as every refusal reads (``error``, ``reason``), with where and what for each field.
    The refused input is not echoed: it may be what JSON cannot write back (NaN, a lone surrogate, a
    5,000-digit number), which would turn a clear refusal into a 500."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": error.get("type"),
        }
        for error in exc.errors()
    ]
    body, _ = repaired(
        {
            "error": "invalid",
            "reason": "; ".join(f"{'.'.join(e['loc'][1:]) or 'body'}: {e['msg']}" for e in errors)[:1000],
            "detail": errors,
        }
    )
    return JSONResponse(body, status_code=422)
