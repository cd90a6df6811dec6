"""The RTE's people panel on ``/b/{board}/admin``: who joined (with names that look like one person
twice), merging and removing participants, and stored rows that could not be read as stored.

The panel is its own fragment (``GET /b/{board}/admin/people``), loaded by the admin page and
answered again after each action, so it lives beside the page's other sections without touching them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from board.errors import PiboardError
from server.deps import Services, ServicesDep
from server.routes.links import require_rte
from server.routes.pages import _load
from server.templating import refusal_fragment, templates

router = APIRouter(prefix="/b/{board_id}/admin/people", tags=["pages"])


def people_context(services: Services, board_id: str, error: str = "") -> dict[str, Any]:
    return {
        "board_id": board_id,
        "row_problems": services.oppath.row_problems.of(board_id),
        "error": error,
    }


@router.get("", response_class=HTMLResponse)
async def people_panel(board_id: str, request: Request, services: ServicesDep) -> Response:
    try:
        _, actor = await _load(board_id, request, services)
        require_rte(actor)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    return templates.TemplateResponse(request, "event/people.html", people_context(services, board_id))
