"""Where a person takes part, from their own menu: ``POST /b/{board}/me/place`` (``room`` or ``remote``).

Said first when joining (server/doors/join.py), kept with the participant, and shown by presence: the
RTE's people panel lists who is remote and in which breakout. Not the plan: no op, no event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board.errors import PiboardError
from server.doors.deps import ServicesDep
from server.doors.join import Place
from server.doors.pages import _load
from server.pages.templating import refusal_fragment, templates

router = APIRouter(prefix="/b/{board_id}/me", tags=["pages"])


@router.post("/place", response_class=HTMLResponse)
async def set_place(
    board_id: str, request: Request, services: ServicesDep, place: Annotated[Place, Form()]
) -> Response:
    """I'm in the room / I'm remote: stored, and every open page of this person, on every server
    process, says so in presence (server/live/access.py hears of it as of a change of access)."""
    try:
        _, actor = await _load(board_id, request, services)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    remote = place == "remote"
    await run_in_threadpool(services.auth.set_remote, board_id, actor.id, remote)
    context = {"actor": actor, "board_id": board_id, "me_remote": remote, "open": True}
    return templates.TemplateResponse(request, "parts/me_menu.html", context)
