"""The board's history: ``/b/{board}/history`` (time travel, compare), ``/b/{board}/replay`` (the big
screen plays the event back), and ``/b/{board}/activity/{kind}`` (one item's story, opened from its card).

Everything here reads; undo is an op (``event.undo``) sent to the form door like every edit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState
from board.errors import Invalid, PiboardError
from board.history import HISTORY_KINDS, LANDMARK_OPS, AgendaTimes, timeline_landmarks
from board.model import Team
from server.clock import CLOCK
from server.doors.deps import Services, ServicesDep
from server.doors.limits import RateLimiter
from server.doors.pages import _load, _refused, page_context
from server.errors import RateLimited
from server.pages.history import (
    PAST_TEAM_PREFIX,
    PAST_VIEWS,
    Timeline,
    compare,
    item_activity,
    moment,
    past_view_name,
    planned_starts,
)
from server.pages.objectives import objectives_page
from server.pages.program import build_program
from server.pages.team import build_team
from server.pages.templating import refusal_fragment, templates

router = APIRouter(prefix="/b/{board_id}", tags=["history"])

Seq = Annotated[int, Query(ge=0, le=2**31 - 1)]
Show = Annotated[str, Query(max_length=60)]
REPLAY_SPEEDS = (1, 5, 25, 100, 500)  # events per second on the big screen


async def _read(board_id: str, request: Request, services: Services) -> tuple[BoardState, Actor]:
    """The board and the viewer, within the viewer's rate of history reads (each may replay events)."""
    state, actor = await _load(board_id, request, services)
    limiter: RateLimiter | None = getattr(request.app.state, "history_reads", None)
    if limiter is None:
        settings = services.settings
        limiter = RateLimiter(settings.history_reads_per_second, settings.history_reads_burst)
        request.app.state.history_reads = limiter
    try:
        limiter.check(actor.id)
    except RateLimited:
        raise RateLimited(
            f"too many history reads: at most {limiter.rate:g} per second; slow down and retry"
        ) from None
    return state, actor


def _timeline(services: Services, state: BoardState) -> Timeline:
    op_path = services.op_path
    times = AgendaTimes(
        planned_starts(state),
        CLOCK.now().timestamp(),
        lambda when: op_path.first_event_from(state.board_id, when),
    )
    marks = timeline_landmarks(state, op_path.events_of_types(state.board_id, LANDMARK_OPS), times)
    return Timeline(state.seq, marks, state.meta.baseline_seq)


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    board_id: str, request: Request, services: ServicesDep, at: Seq | None = None, show: Show = "program"
) -> Response:
    """Time travel: scrub the timeline to see the board as it was; compare two moments."""
    return await _history(board_id, request, services, at, show, "history.html")


@router.get("/replay", response_class=HTMLResponse)
async def replay_page(
    board_id: str, request: Request, services: ServicesDep, at: Seq | None = None, show: Show = "program"
) -> Response:
    """The event played back on the big screen, at a chosen speed (for the retrospective)."""
    return await _history(board_id, request, services, at if at is not None else 1, show, "replay.html")


async def _history(
    board_id: str, request: Request, services: Services, at: int | None, show: str, template: str
) -> Response:
    try:
        state, actor = await _read(board_id, request, services)
        show = past_view_name(show)
        timeline = await run_in_threadpool(_timeline, services, state)
        past = await run_in_threadpool(
            _past, services, state, min(at if at is not None else state.seq, state.seq), show
        )
    except PiboardError as exc:
        return _refused(request, exc)
    context = page_context(request, services, state, actor, "history")
    context.update(
        timeline=timeline,
        past_views=PAST_VIEWS,
        show=show,
        speeds=REPLAY_SPEEDS,
        **past,
    )
    context["can_move"] = False
    # The timeline is about to be scrubbed: meet the whole history once, after the page is sent.
    keep = BackgroundTask(services.op_path.keep_snapshots, board_id)
    return templates.TemplateResponse(request, template, context, background=keep)


@router.get("/history/past", response_class=HTMLResponse)
async def past_fragment(
    board_id: str, request: Request, services: ServicesDep, at: Seq, show: Show = "program"
) -> Response:
    """The board as it was right after event ``at``, read-only: the fragment the timeline swaps in.
    Also the hook for any page that plays the event back (the big screen's scenes)."""
    try:
        state, actor = await _read(board_id, request, services)
        show = past_view_name(show)
        past = await run_in_threadpool(_past, services, state, min(at, state.seq), show)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    context = page_context(request, services, past["past_state"], actor, "history")
    context.update(show=show, **past, can_move=False)
    return templates.TemplateResponse(request, "history/past.html", context)


def _past(services: Services, now: BoardState, at: int, show: str) -> dict[str, Any]:
    past = services.op_path.state_at(now.board_id, at) if at > 0 else now
    model: dict[str, Any] = {"past_state": past, "at": past.seq, "newest": now.seq}
    model["moment"] = moment(services.op_path.event(now.board_id, past.seq), past.seq)
    if show == "program":
        model["board"] = build_program(past)
    elif show == "objectives":
        model["page"] = objectives_page(past)
    else:
        team_id = show.removeprefix(PAST_TEAM_PREFIX)
        if past.get(Team, team_id) is None:
            raise Invalid("that team did not exist at that moment")
        model["board"] = build_team(past, team_id)
    return model


@router.get("/history/compare", response_class=HTMLResponse)
async def compare_fragment(
    board_id: str,
    request: Request,
    services: ServicesDep,
    earlier: Annotated[str, Query(alias="from", max_length=12)] = "baseline",
    later: Annotated[str, Query(alias="to", max_length=12)] = "now",
) -> Response:
    """What moved, was added or dropped between two moments ("baseline" and "now" name those)."""
    try:
        state, _actor = await _read(board_id, request, services)
        first, second = (_moment_seq(state, name) for name in (earlier, later))
        first, second = min(first, second), max(first, second)
        comparison = await run_in_threadpool(_compare, services, state, first, second)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    return templates.TemplateResponse(request, "history/compare.html", {"comparison": comparison})


def _moment_seq(state: BoardState, name: str) -> int:
    if name == "now":
        return state.seq
    if name == "baseline":
        if state.meta.baseline_seq is None:
            raise Invalid("no baseline has been taken yet: compare two events instead")
        return state.meta.baseline_seq
    if not name.isdigit() or not 1 <= int(name) <= state.seq:
        raise Invalid(f"a moment is an event number from 1 to {state.seq}, 'baseline' or 'now'")
    return int(name)


def _compare(services: Services, now: BoardState, first: int, second: int) -> Any:
    op_path = services.op_path
    moments = [moment(op_path.event(now.board_id, seq), seq) for seq in (first, second)]
    return compare(op_path.state_at(now.board_id, first), op_path.state_at(now.board_id, second), *moments)


@router.get("/activity/{kind}", response_class=HTMLResponse)
async def activity_fragment(
    board_id: str,
    kind: str,
    request: Request,
    services: ServicesDep,
    target: Annotated[str, Query(min_length=1, max_length=100)],
) -> Response:
    """An item's story, newest first, with Undo where this person may undo (opened from its card)."""
    try:
        if kind not in HISTORY_KINDS:
            raise Invalid(f"history is kept for {', '.join(HISTORY_KINDS)}")
        state, actor = await _read(board_id, request, services)
        events = await run_in_threadpool(services.op_path.events_touching, board_id, target)
    except PiboardError as exc:
        return refusal_fragment(request, exc)
    activity = item_activity(state, events, kind, target, actor, services.op_path.clock())
    return templates.TemplateResponse(
        request, "history/activity.html", {"activity": activity, "board_id": board_id}
    )
