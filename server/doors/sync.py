"""``/b/{board}/sync``: the ART sync view, for the weekly sync during the PI (and on the big screen).

It has no live renderer of its own: a change makes its browsers fetch it again (the hub sends a
reset to views it has no renderer for), which keeps the baseline comparisons in one place.
"""

from __future__ import annotations

import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from board import BoardState, Role
from board.execution import Alert
from board.forecast import alerts_with_forecast
from server.doors.deps import BoardPage, Services
from server.doors.layout import page_context
from server.doors.tracker_forms import sync_line_of
from server.doors.webhooks import webhook_public
from server.pages.setup import baseline_facts
from server.pages.sync import build_sync
from server.pages.templating import templates

router = APIRouter(prefix="/b/{board_id}/sync", tags=["pages"])


def seen_cookie(board_id: str) -> str:
    return f"piboard-sync-seen-{board_id}"


def _last_visit(request: Request, board_id: str) -> tuple[int, datetime.date] | None:
    """What this browser saw at its last visit: ``seq:date``, or None (a first visit or a bad cookie)."""
    raw = request.cookies.get(seen_cookie(board_id), "")
    seq, _, day = raw.partition(":")
    try:
        return int(seq), datetime.date.fromisoformat(day)
    except ValueError:
        return None


def _alerts_at_last_visit(
    services: Services, state: BoardState, baseline: BoardState | None, seen: tuple[int, datetime.date] | None
) -> list[Alert] | None:
    if seen is None or not 0 < seen[0] <= state.seq:
        return None
    then = services.op_path.state_at(state.board_id, seen[0])
    return alerts_with_forecast(then, seen[1], baseline or then, state.meta.velocity_threshold)


@router.get("", response_class=HTMLResponse)
async def sync_page(page: BoardPage) -> Response:
    services, state, board_id = page.services, page.state, page.board_id
    today = services.clock.today()
    baseline_seq = state.meta.baseline_seq
    baseline = (
        await run_in_threadpool(services.op_path.state_at, board_id, baseline_seq)
        if baseline_seq is not None
        else None
    )
    earlier = await run_in_threadpool(
        _alerts_at_last_visit, services, state, baseline, _last_visit(page.request, board_id)
    )
    sync = await run_in_threadpool(build_sync, state, baseline, today, earlier)
    context = page_context(page, "sync")
    if page.actor.role == Role.RTE:
        context["webhook"] = await run_in_threadpool(webhook_public, services, board_id)
    context["baseline"] = baseline_facts(state)
    context["sync_line"] = await run_in_threadpool(sync_line_of, services, board_id)
    context["meta_version"] = state.meta.version  # the settings form changes the board's meta
    response = templates.TemplateResponse(page.request, "sync.html", {**context, "sync": sync})
    response.set_cookie(
        seen_cookie(board_id),
        f"{state.seq}:{today.isoformat()}",
        max_age=120 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path=f"/b/{board_id}",
    )
    return response
