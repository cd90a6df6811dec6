"""The form door: ``POST /b/{board_id}/ops`` takes an op as form fields, for pages and htmx.

A success answers 204 (the change itself reaches every screen over the live socket); a
refusal answers 4xx with a small HTML fragment that says why, to show next to what was refused.
``POST /b/{board_id}/ops/preview`` takes the same fields and applies nothing: it answers what the op
would take with it (stories moved, loads changed, links lost), for a person to confirm first.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState, Op
from board.consequences import Consequences, consequences
from board.history import item_label
from board.labels import iteration_name
from board.ops import Context, preview_op
from server.doors.deps import FormActor, Services, ServicesDep
from server.doors.op_input import op_from_fields
from server.pages.templating import templates

router = APIRouter(prefix="/b/{board_id}/ops", tags=["pages"])


async def _op_of(request: Request, actor: Actor, services: Services) -> Op:
    """The op a page's form sends, within the sender's rate."""
    form = await request.form()
    services.limiter.check(actor.id)
    return op_from_fields(form.multi_items()).to_op()


@router.post("", response_class=HTMLResponse)
async def post_form_op(board_id: str, request: Request, actor: FormActor, services: ServicesDep) -> Response:
    op = await _op_of(request, actor, services)
    committed = await run_in_threadpool(services.op_path.submit, board_id, op, actor)
    return Response(status_code=204, headers={"X-Piboard-Seq": str(committed.seq)})


@router.post("/preview", response_class=HTMLResponse)
async def preview_form_op(
    board_id: str, request: Request, actor: FormActor, services: ServicesDep
) -> Response:
    op = await _op_of(request, actor, services)
    state = await run_in_threadpool(services.op_path.state, board_id)
    result = _preview(state, op, actor)
    context = {
        "op": op,
        "what": _label(state, op),
        "result": result,
        "teams": {t.id: t.name for t in state.teams},
        "iterations": {i.id: iteration_name(i) for i in state.iterations},
    }
    return templates.TemplateResponse(request, "parts/consequences.html", context)


def _label(state: BoardState, op: Op) -> str:
    kind = op.type.split(".")[0]
    item = state.items[kind].get(op.target or "") if kind in state.items else None
    return item_label(kind, item.to_dict() if item else None)


def _preview(state: BoardState, op: Op, actor: Actor) -> Consequences:
    context = Context(now=time.time(), new_id=lambda: "preview", seq=state.seq + 1)
    changes = preview_op(state, op, actor, context)
    return consequences(state, (op.type.split(".")[0], op.target), changes)
