"""The board's history: ``/b/{board}/history`` (time travel, compare), ``/b/{board}/replay`` (the big
screen plays the event back), and ``/b/{board}/activity/{kind}`` (one item's story, opened from its card).

Everything here reads; undo is an op (``event.undo``) sent to the form door like every edit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from board import BoardState
from board.errors import Invalid
from board.history import HISTORY_KINDS, LANDMARK_OPS, AgendaTimes, timeline_landmarks
from board.model import Team
from server.doors.deps import BoardPage, BoardPanel, Page, Services, answer_as_panel
from server.doors.layout import page_context
from server.doors.panels import fragment_or_page
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
from server.pages.templating import templates

router = APIRouter(prefix="/b/{board_id}", tags=["history"])

Seq = Annotated[int, Query(ge=0, le=2**31 - 1)]
Show = Annotated[str, Query(max_length=60)]
REPLAY_SPEEDS = (1, 5, 25, 100, 500)  # events per second on the big screen


def _check_reads(page: Page) -> None:
    """Within the viewer's rate of history reads (each may replay events)."""
    page.services.history_reads.check(page.actor.id)


def _timeline(services: Services, state: BoardState) -> Timeline:
    op_path = services.op_path
    times = AgendaTimes(
        planned_starts(state),
        services.clock.now().timestamp(),
        lambda when: op_path.first_event_from(state.board_id, when),
    )
    marks = timeline_landmarks(state, op_path.events_of_types(state.board_id, LANDMARK_OPS), times)
    return Timeline(state.seq, marks, state.meta.baseline_seq)


@router.get("/history", response_class=HTMLResponse)
async def history_page(page: BoardPage, at: Seq | None = None, show: Show = "program") -> Response:
    """Time travel: scrub the timeline to see the board as it was; compare two moments."""
    return await _history(page, at, show, "history.html")


@router.get("/replay", response_class=HTMLResponse)
async def replay_page(page: BoardPage, at: Seq | None = None, show: Show = "program") -> Response:
    """The event played back on the big screen, at a chosen speed (for the retrospective)."""
    return await _history(page, at if at is not None else 1, show, "replay.html")


async def _history(page: Page, at: int | None, show: str, template: str) -> Response:
    _check_reads(page)
    services, state = page.services, page.state
    show = past_view_name(show)
    timeline = await run_in_threadpool(_timeline, services, state)
    past = await run_in_threadpool(
        _past, services, state, min(at if at is not None else state.seq, state.seq), show
    )
    context = page_context(page, "history")
    context.update(
        timeline=timeline,
        past_views=PAST_VIEWS,
        show=show,
        speeds=REPLAY_SPEEDS,
        **past,
    )
    context["can_move"] = False
    # The timeline is about to be scrubbed: meet the whole history once, after the page is sent.
    keep = BackgroundTask(services.op_path.keep_snapshots, page.board_id)
    return templates.TemplateResponse(page.request, template, context, background=keep)


@router.get("/history/past", response_class=HTMLResponse)
async def past_fragment(page: BoardPanel, at: Seq, show: Show = "program") -> Response:
    """The board as it was right after event ``at``, read-only: the fragment the timeline swaps in.
    Also the hook for any page that plays the event back (the big screen's scenes)."""
    _check_reads(page)
    show = past_view_name(show)
    past = await run_in_threadpool(_past, page.services, page.state, min(at, page.state.seq), show)
    context = page_context(page, "history", past["past_state"])
    context.update(show=show, **past, can_move=False)
    fragment = templates.TemplateResponse(page.request, "history/past.html", context)
    return await fragment_or_page(page, fragment, f"The board after event {past['at']}")


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
    page: BoardPanel,
    earlier: Annotated[str, Query(alias="from", max_length=12)] = "baseline",
    later: Annotated[str, Query(alias="to", max_length=12)] = "now",
) -> Response:
    """What moved, was added or dropped between two moments ("baseline" and "now" name those)."""
    _check_reads(page)
    first, second = (_moment_seq(page.state, name) for name in (earlier, later))
    first, second = min(first, second), max(first, second)
    comparison = await run_in_threadpool(_compare, page.services, page.state, first, second)
    fragment = templates.TemplateResponse(page.request, "history/compare.html", {"comparison": comparison})
    return await fragment_or_page(page, fragment, "What changed")


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


def _history_kind(kind: str, request: Request) -> str:
    """The kind of item whose story is asked for, checked before who asks (which kinds have one is
    no secret); its refusal is a fragment like the story's."""
    answer_as_panel(request)
    if kind not in HISTORY_KINDS:
        raise Invalid(f"history is kept for {', '.join(HISTORY_KINDS)}")
    return kind


@router.get("/activity/{kind}", response_class=HTMLResponse)
async def activity_fragment(
    kind: Annotated[str, Depends(_history_kind)],
    page: BoardPanel,
    target: Annotated[str, Query(min_length=1, max_length=100)],
) -> Response:
    """An item's story, newest first, with Undo where this person may undo (opened from its card)."""
    _check_reads(page)
    op_path = page.services.op_path
    events = await run_in_threadpool(op_path.events_touching, page.board_id, target)
    activity = item_activity(page.state, events, kind, target, page.actor, op_path.clock())
    fragment = templates.TemplateResponse(
        page.request, "history/activity.html", {"activity": activity, "board_id": page.board_id}
    )
    return await fragment_or_page(page, fragment, "Its story")
