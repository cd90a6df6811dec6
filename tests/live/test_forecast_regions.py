"""During the PI's execution the program board and team pages show the forecast's chances (issue 26):
live regions reused from earlier renderings are still exactly what rendering them again gives, and a
status change re-renders the regions whose chances it moved, not every team's."""

from __future__ import annotations

import datetime
from contextlib import nullcontext

import pytest

from board.core import Committed, Op
from board.model import BoardState, Role, StoryStatus
from board.ops import Context, apply_op
from server.clock import Clock
from server.pages import common, region_memo
from server.pages.renderer import Audience, render_update
from tests.live.test_region_reuse import NOW, RTE, demo_board

AUDIENCE: Audience = (Role.RTE, None)
VIEWS = ("program", "team:chk", "team:pay")


def apply(state: BoardState, op: Op) -> tuple[BoardState, list[Committed]]:
    after = state.snapshot()
    changes = apply_op(after, op, RTE, Context(1.7e9, lambda: "x", state.seq + 1))
    after.seq = state.seq + 1
    return after, [Committed(state.board_id, after.seq, f"c{after.seq}", op, changes, RTE, 1.7e9)]


def rendered(state: BoardState, events: list[Committed]) -> dict[str, str]:
    return {view: NOW.sub("", render_update(view, state, events, AUDIENCE) or "") for view in VIEWS}


def test_the_forecasts_regions_follow_each_change(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    state = demo_board()
    for op_type in ("plan.lock", "baseline.take", "execution.start"):
        state, _ = apply(state, Op(op_type, target="meta", base_version=state.meta.version))
    clock.travel_to(datetime.date(2027, 2, 10))  # two iterations of the demo's PI have closed
    for story in [s for s in state.stories if s.team_id != "chk"][::2]:
        state, _ = apply(state, Op("story.update", story.id, story.version, {"status": "done"}))
    monkeypatch.setattr(common, "RENDERINGS", common.Renderings(size=64))
    monkeypatch.setattr(region_memo, "MEMO", region_memo.RegionMemo(views=64, per_region=8))
    chk = [s for s in state.stories if s.team_id == "chk" and s.status != StoryStatus.DONE]
    shown_chances = 0
    rendered(state, [])  # every region noted once
    for story in chk[:3]:
        state, events = apply(state, Op("story.update", story.id, story.version, {"status": "done"}))
        before = region_memo.MEMO.rendered
        reusing = rendered(state, events)
        renders = region_memo.MEMO.rendered - before
        with monkeypatch.context() as m:
            m.setattr(common, "live_view", lambda board_id, view: nullcontext())
            m.setattr(common, "RENDERINGS", common.Renderings(size=0))
            assert reusing == rendered(state, events), story.id
        shown_chances += reusing["program"].count('class="forecast-chance')
        # the regions whose chances moved (Checkout's), not every team's row of the board
        assert renders <= 12, renders
    assert shown_chances > 0  # the chances are on the board
