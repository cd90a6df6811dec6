"""The form door: ``POST /b/{board_id}/ops`` takes an op as form fields, for pages and htmx.

A success answers 204 (the change itself reaches every screen over the live socket); a
refusal answers 4xx with a small HTML fragment that says why, to show next to what was refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board.errors import PiboardError
from server.deps import CurrentActor, ServicesDep
from server.opdoor import op_from_fields
from server.templating import refusal_fragment

router = APIRouter(prefix="/b/{board_id}", tags=["pages"])


@router.post("/ops", response_class=HTMLResponse)
async def post_form_op(
    board_id: str, request: Request, actor: CurrentActor, services: ServicesDep
) -> Response:
    form = await request.form()
    try:
        services.limiter.check(actor.id)
        op = op_from_fields(form.multi_items()).to_op()
        committed = await run_in_threadpool(services.oppath.submit, board_id, op, actor)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    return Response(status_code=204, headers={"X-Piboard-Seq": str(committed.seq)})
