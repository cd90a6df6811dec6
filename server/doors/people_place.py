"""Where a person takes part, from their own menu: ``POST /b/{board}/me/place`` (``room`` or ``remote``).

Said first when joining (server/doors/join.py), kept with the participant, and shown by presence: the
RTE's people panel lists who is remote and in which breakout. Not the plan: no op, no event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server.doors.deps import BoardFragment
from server.doors.join import Place
from server.pages.templating import templates

router = APIRouter(prefix="/b/{board_id}/me", tags=["pages"])


@router.post("/place", response_class=HTMLResponse)
async def set_place(page: BoardFragment, place: Annotated[Place, Form()]) -> Response:
    """I'm in the room / I'm remote: stored, and every open page of this person, on every server
    process, says so in presence (server/live/access.py hears of it as of a change of access)."""
    remote = place == "remote"
    await run_in_threadpool(page.services.auth.set_remote, page.board_id, page.actor.id, remote)
    context = {"actor": page.actor, "board_id": page.board_id, "me_remote": remote, "open": True}
    return templates.TemplateResponse(page.request, "parts/me_menu.html", context)
