"""The join page: ``/join/{token}`` asks for a name, then sets the board's session cookie."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from board import Role
from board.errors import PiboardError
from server.doors.deps import ServicesDep, limit_client
from server.errors import STATUS, RateLimited, refusal_headers
from server.pages.templating import templates
from server.store.auth import session_cookie_name

router = APIRouter(prefix="/join", tags=["pages"])

# Where a person takes part: in the room, or remote (presence shows it).
Place = Literal["room", "remote"]


def landing_url(board_id: str, role: Role, team_id: str | None) -> str:
    if role == Role.TEAM and team_id:
        return f"/b/{board_id}/team/{team_id}"
    if role == Role.OBSERVER:
        return f"/b/{board_id}/screen"
    return f"/b/{board_id}/program"


@router.get("/{token}", response_class=HTMLResponse, name="join_page")
def join_page(token: str, request: Request, services: ServicesDep) -> Response:
    try:
        link = services.auth.link_for_token(token)
    except PiboardError as exc:
        # The join page itself says why the link does not work (revoked, mistyped): always a 403.
        return templates.TemplateResponse(request, "join.html", {"error": exc.reason}, status_code=403)
    session = request.cookies.get(session_cookie_name(link.board_id))
    returning = services.auth.returning(link, session)
    if returning is not None and session is not None:  # this browser joined with this link before
        url = landing_url(link.board_id, returning.role, returning.team_id)
        return signed_in_redirect(request, url, link.board_id, session)
    state = services.op_path.state(link.board_id)
    team = state.items["team"].get(link.team_id or "")
    return templates.TemplateResponse(
        request, "join.html", {"link": link, "board": state.meta, "team": team, "token": token}
    )


@router.post("/{token}", response_class=HTMLResponse)
def join_submit(
    token: str,
    name: Annotated[str, Form()],
    request: Request,
    services: ServicesDep,
    place: Annotated[Place, Form()] = "room",
) -> Response:
    try:
        limit_client(services.joins, request, services)
        link = services.auth.link_for_token(token)
        cookie = request.cookies.get(session_cookie_name(link.board_id))
        actor, session = services.auth.join(token, name, cookie, remote=place == "remote")
    except PiboardError as exc:
        # The join form again, with why, to try once more: a 400 (a 429 for a limit reached).
        status = STATUS[exc.code] if isinstance(exc, RateLimited) else 400
        return templates.TemplateResponse(
            request,
            "join.html",
            {"error": exc.reason, "token": token},
            status_code=status,
            headers=refusal_headers(exc),
        )
    return signed_in_redirect(
        request, landing_url(link.board_id, actor.role, actor.team_id), link.board_id, session
    )


def signed_in_redirect(request: Request, url: str, board_id: str, session: str) -> Response:
    """Go to ``url`` with the board's session cookie set: the browser is now that participant."""
    return redirect_with_session(request, url, session_cookie_name(board_id), session)


def redirect_with_session(request: Request, url: str, cookie: str, session: str) -> Response:
    """Go to ``url`` with the session cookie ``cookie`` set (a board's, or a solution's)."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        cookie,
        session,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=60 * 60 * 24 * 30,
    )
    return response
