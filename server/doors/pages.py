"""The pages people look at: ``/`` (home), ``/b/{board}/program``, ``/b/{board}/team/{team}``,
``/b/{board}/screen``.

Pages are rendered on the server from the board's state; every edit they offer goes to the
form door (``POST /b/{board}/ops``) and every change reaches them through the live socket, as
the fragments the renderers in ``server.pages`` produce.
"""

from __future__ import annotations

import io
from functools import partial
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board.errors import Forbidden, NotFound, PiboardError
from server.doors.boards import join_url, unreachable_note
from server.doors.cross_train import offer_other_trains
from server.doors.deps import (
    BoardPage,
    BoardPanel,
    HubDep,
    Services,
    ServicesDep,
    limit_client,
    load_page,
)
from server.doors.join import signed_in_redirect
from server.doors.layout import page_context
from server.doors.panels import fragment_or_page
from server.doors.tracker_forms import sync_line_of
from server.errors import STATUS, refusal_headers
from server.pages.program import build_program
from server.pages.renderer import screen_viewer
from server.pages.screen import screen_context
from server.pages.team import build_team
from server.pages.templating import Viewer, templates
from server.pages.whereabouts import online_context
from server.store.auth import may_show_on_screen
from server.store.provision import create_board_with_rte, require_admin_token

home_router = APIRouter(tags=["pages"])
router = APIRouter(prefix="/b/{board_id}", tags=["pages"])
screen_router = APIRouter(prefix="/b/{board_id}/screen", tags=["pages"])


@home_router.get("/", response_class=HTMLResponse)
async def home(request: Request, services: ServicesDep) -> Response:
    boards = await run_in_threadpool(services.op_path.boards)
    return templates.TemplateResponse(request, "home.html", home_context(services, boards))


def home_context(services: Services, boards: list[dict[str, Any]], error: str = "") -> dict[str, Any]:
    # Where the operator set an admin token, board names are not shown to whoever reaches the server.
    guarded = bool(services.settings.admin_token)
    return {"boards": [] if guarded else boards, "needs_admin_token": guarded, "error": error}


@home_router.post("/boards", response_class=HTMLResponse)
async def create_board_page(
    request: Request,
    services: ServicesDep,
    name: Annotated[str, Form(max_length=120)],
    pi_name: Annotated[str, Form(max_length=120)] = "",
    rte_name: Annotated[str, Form(max_length=80)] = "RTE",
    admin_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A Release Train Engineer makes a board from the home page and lands on its admin page as RTE,
    where the join links for everyone else are made."""
    try:
        require_admin_token(services, admin_token, "creating a board")
        limit_client(services.new_boards, request, services)
        board_id, _rte_token, session = await run_in_threadpool(
            partial(create_board_with_rte, rte_name=rte_name or "RTE"),
            services,
            name.strip(),
            pi_name.strip(),
        )
    except PiboardError as exc:
        # The home page again, with why above its form.
        boards = await run_in_threadpool(services.op_path.boards)
        context = home_context(services, boards, exc.reason)
        return templates.TemplateResponse(
            request, "home.html", context, status_code=STATUS.get(exc.code, 400), headers=refusal_headers(exc)
        )
    return signed_in_redirect(request, f"/b/{board_id}/admin", board_id, session)


@router.get("/program", response_class=HTMLResponse)
async def program_page(page: BoardPage) -> Response:
    board = await run_in_threadpool(build_program, page.state)
    await run_in_threadpool(offer_other_trains, page.services, page.board_id)
    context = page_context(page, "program")
    context["sync_line"] = await run_in_threadpool(sync_line_of, page.services, page.board_id)
    return templates.TemplateResponse(page.request, "program.html", {**context, "board": board})


@router.get("/team/{team_id}", response_class=HTMLResponse)
async def team_page(team_id: str, page: BoardPage) -> Response:
    board = await run_in_threadpool(build_team, page.state, team_id)
    await run_in_threadpool(offer_other_trains, page.services, page.board_id)
    context = page_context(page, f"team:{team_id}")
    context.update(board=board, sync_line=await run_in_threadpool(sync_line_of, page.services, page.board_id))
    return templates.TemplateResponse(page.request, "team.html", context)


@screen_router.get("", response_class=HTMLResponse)
async def screen_page(page: BoardPage) -> Response:
    screen = await run_in_threadpool(screen_context, page.state)
    context = page_context(page, "screen")
    context["sync_line"] = await run_in_threadpool(sync_line_of, page.services, page.board_id)
    # The big screen never edits, whoever opened it.
    context.update(screen, role="observer", viewer=Viewer(screen_viewer(), page.state.meta.locked))
    # Said on the join scene (screen.html), which the live updates never render again.
    context["unreachable"] = unreachable_note(page.request)
    return templates.TemplateResponse(page.request, "screen.html", context)


@screen_router.get("/qr.svg")
async def screen_qr(board_id: str, request: Request, services: ServicesDep) -> Response:
    """The join scene's QR code: the join link the RTE chose for it (Admin → Join links), as the room's
    phones reach this server. Scanning it joins as that link's role; never as the RTE."""
    try:
        page = await load_page(board_id, request, services)
        token = await run_in_threadpool(
            screen_join_token, services, board_id, page.state.meta.screen_join_link
        )
    except PiboardError as exc:
        # An <img>'s source: the reason in plain text, for whoever opens it on its own.
        return Response(exc.reason, status_code=STATUS.get(exc.code, 400), media_type="text/plain")
    svg = io.BytesIO()
    segno.make(join_url(request, token), error="m").save(svg, kind="svg", scale=10, border=2)
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@screen_router.get("/remote", response_class=HTMLResponse)
async def screen_remote(page: BoardPanel, hub: HubDep) -> Response:
    """The help scene's list of who takes part remotely, by breakout (it follows presence frames)."""
    context = online_context(page.state, hub.people_here(page.board_id))
    fragment = templates.TemplateResponse(page.request, "parts/screen_remote.html", context)
    return await fragment_or_page(page, fragment, "Remote now")


def screen_join_token(services: Services, board_id: str, link_id: str | None) -> str:
    """The token of the join link the big screen shows: a live link of this board, and not the RTE's
    (a QR code on a projector is for anyone in the room to scan)."""
    link = next((lk for lk in services.auth.links(board_id) if lk.id == link_id), None)
    if link is None or link.token is None:
        raise NotFound("no live join link is chosen for the big screen: pick one on Admin → Join links")
    if not may_show_on_screen(link):
        raise Forbidden("the RTE's own join link is never shown on the big screen")
    return link.token
