"""The solution board (issue 29): ``/s/{solution}/board`` and its big screen ``/s/{solution}/screen``.

Read-only: every train's teams × the solution's iterations, with capabilities, milestones and the
dependency strings (board/solution_board.py). Anyone of the solution may look (``solution.read``); no
session of it is a 401, and nothing of a train is shown. Both pages are live through the solution's
socket (server/doors/solution_socket.py, ``?view=board`` or ``?view=screen``).
"""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board.solution import SOLUTION_ROLE_NAMES
from board.solution_plan import SolutionPlan
from server.doors.deps import Services, ServicesDep
from server.doors.error_handlers import Answer, answer_refusals_as
from server.doors.solutions import reader
from server.pages.solution_board import BoardPage, board_context, board_page
from server.pages.templating import templates

router = APIRouter(tags=["pages"])


def read_board(services: Services, solution_id: str) -> BoardPage:
    """The solution board with each train's board as it is now."""
    solution = services.solutions.solution(solution_id)
    states = [services.op_path.state(t.board_id) for t in solution.trains]
    capabilities = services.solutions.capabilities(solution_id)
    page = board_page(solution.id, solution.name, solution.pi_name, states, capabilities)
    return dataclasses.replace(page, version=solution.version)


def read_plan(services: Services, solution_id: str, view: str) -> SolutionPlan | None:
    """The big screen's Post-PI Planning (its side column); the board page shows it not."""
    return services.solution_plan.plan(solution_id) if view == "screen" else None


async def _page(solution_id: str, request: Request, services: Services, view: str, template: str) -> Response:
    answer_refusals_as(request, Answer.PAGE)
    actor = await run_in_threadpool(reader, services, request, solution_id)
    page = await run_in_threadpool(read_board, services, solution_id)
    plan = await run_in_threadpool(read_plan, services, solution_id, view)
    context = {
        **board_context(page, view, plan),
        "actor": actor,
        "role_name": SOLUTION_ROLE_NAMES[actor.role],
    }
    return templates.TemplateResponse(request, template, context)


@router.get("/s/{solution_id}/board", response_class=HTMLResponse)
async def solution_board_page(solution_id: str, request: Request, services: ServicesDep) -> Response:
    return await _page(solution_id, request, services, "board", "solution_board.html")


@router.get("/s/{solution_id}/screen", response_class=HTMLResponse)
async def solution_screen_page(solution_id: str, request: Request, services: ServicesDep) -> Response:
    return await _page(solution_id, request, services, "screen", "solution_screen.html")
