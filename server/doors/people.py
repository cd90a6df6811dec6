"""The RTE's people panel on ``/b/{board}/admin``: who is online now, in the room or remote and in
which breakout; who joined (with names that look like one person twice), merging and removing
participants, and stored rows that could not be read as stored.

The panel is its own fragment (``GET /b/{board}/admin/people``), loaded by the admin page and
answered again after each action, so it lives beside the page's other sections without touching them.
Merging or removing a participant changes who a session is (server/store/auth.py) and, through the op
path, whose ballots count (``vote.merge_voter``): one person, one vote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState, Op
from board.errors import Invalid, PiboardError
from board.model import Team
from server.doors.deps import BoardFragment, BoardPanel, HubDep, Page, Services, asked_by_htmx
from server.doors.links import require_rte
from server.doors.meeting import ROLE_LABELS, admin_page
from server.doors.panels import fragment_or_page
from server.errors import STATUS
from server.live.hub import Hub
from server.pages.templating import templates
from server.pages.whereabouts import including, online_context
from server.store.auth import likely_duplicates

router = APIRouter(prefix="/b/{board_id}/admin/people", tags=["pages"])


def people_context(
    services: Services, board_id: str, actor: Actor, here: list[dict[str, Any]], error: str = ""
) -> dict[str, Any]:
    people = services.auth.participants(board_id)
    state = services.op_path.state(board_id)
    teams = state.of(Team)
    duplicates = likely_duplicates(people)
    return {
        **online_panel_context(state, here),
        "me": actor.id,
        "people": people,
        "duplicate_ids": {p.id for group in duplicates for p in group},
        "duplicates": duplicates,
        "role_label": lambda p: (
            ROLE_LABELS[p.role] + (f" · {teams[p.team_id].name}" if p.team_id in teams else "")
        ),
        "row_problems": services.op_path.row_problems.of(board_id),
        "error": error,
    }


def online_panel_context(state: BoardState, here: list[dict[str, Any]]) -> dict[str, Any]:
    return {**online_context(state, here), "role_labels": ROLE_LABELS}


def _here_with_viewer(page: Page, hub: Hub) -> list[dict[str, Any]]:
    """Who is online, the RTE asking included: on the admin page's first load their socket is not
    connected yet, but they are there (the panel never says "Nobody is online" to them)."""
    actor = page.actor
    viewer = {
        "id": actor.id,
        "name": actor.name,
        "role": actor.role.value,
        "team_id": actor.team_id,
        "view": "admin",
        "device": "",
        "remote": page.services.auth.is_remote(page.board_id, actor.id),
    }
    return including(hub.people_here(page.board_id), viewer)


async def _panel(page: Page, hub: Hub, action: Callable[[Actor], None] | None = None) -> Response:
    require_rte(page.actor)
    error, status = "", 200
    if action is not None:
        try:
            await run_in_threadpool(action, page.actor)
        except PiboardError as exc:
            # The panel stays, saying why the action was refused.
            error, status = exc.reason, STATUS.get(exc.code, 400)
    here = await run_in_threadpool(_here_with_viewer, page, hub)
    context = await run_in_threadpool(people_context, page.services, page.board_id, page.actor, here, error)
    return templates.TemplateResponse(page.request, "meeting/people.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
async def people_panel(page: BoardPanel, hub: HubDep) -> Response:
    # Opened directly (a bookmark, a new tab): the whole Admin page, with the panel in its place.
    return await fragment_or_page(page, await _panel(page, hub), "People", host=admin_page)


@router.get("/online", response_class=HTMLResponse)
async def people_online(page: BoardPanel, hub: HubDep) -> Response:
    """Who is online, by breakout: the panel's part that follows every presence frame (live.js)."""
    if not asked_by_htmx(page.request):
        return await people_panel(page, hub)
    require_rte(page.actor)
    context = online_panel_context(page.state, await run_in_threadpool(_here_with_viewer, page, hub))
    return templates.TemplateResponse(page.request, "meeting/people_online.html", context)


@router.post("/{participant_id}/merge", response_class=HTMLResponse)
async def merge_participant(
    participant_id: str, page: BoardFragment, hub: HubDep, into: Annotated[str, Form(max_length=40)]
) -> Response:
    """``participant_id`` is the same person as ``into``: one participant, one ballot per round."""
    services, board_id = page.services, page.board_id

    def merge(actor: Actor) -> None:
        people = {p.id: p for p in services.auth.participants(board_id)}
        if participant_id not in people or into not in people or participant_id == into:
            raise Invalid("choose two different people who are on this board")
        args = {"from_voter": participant_id, "into_voter": into, "into_name": people[into].name}
        services.op_path.submit(board_id, Op("vote.merge_voter", args=args), actor)
        services.auth.merge(board_id, participant_id, into)

    return await _panel(page, hub, merge)


@router.post("/{participant_id}/remove", response_class=HTMLResponse)
async def remove_participant(participant_id: str, page: BoardFragment, hub: HubDep) -> Response:
    """End a participant's sessions; their ballots stop counting."""
    services, board_id = page.services, page.board_id

    def remove(actor: Actor) -> None:
        if participant_id == actor.id:
            raise Invalid("you cannot remove yourself")
        if participant_id not in {p.id for p in services.auth.participants(board_id)}:
            raise Invalid("no such participant on this board")
        services.op_path.submit(board_id, Op("vote.merge_voter", args={"from_voter": participant_id}), actor)
        services.auth.remove(board_id, participant_id)

    return await _panel(page, hub, remove)
