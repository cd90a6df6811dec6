"""Live regions reused from earlier renderings (server.pages.region_memo) are exactly what rendering them
again gives: for every view and audience, over a run of varied edits on the demo ART."""

from __future__ import annotations

import itertools
import random
import re
from contextlib import nullcontext
from typing import Any

import pytest

from board import Actor, BoardState, Role
from board.core import Committed, Op
from board.demo import demo_ops
from board.errors import PiboardError
from board.model import Roam, StoryStatus
from board.ops import Context, apply_op
from server.pages import common, region_memo
from server.pages.renderer import Audience, render_update

NOW = re.compile(r'data-now="[0-9.]+"')
RTE = Actor(id="rte", name="RTE", role=Role.RTE)


def demo_board() -> BoardState:
    state = BoardState("memo-demo")
    ids = itertools.count()
    for seq, op in enumerate(demo_ops(), start=1):
        apply_op(state, op, RTE, Context(1.7e9, lambda: f"id{next(ids)}", seq))
        state.seq = seq
    return state


EDIT_KINDS = 13


def some_edit(state: BoardState, rng: random.Random, kind: int) -> Op:
    """The ``kind``-th of the edits a planning room makes (``EDIT_KINDS`` of them), on a random item."""
    iterations = [i.id for i in state.iterations]
    teams = [t.id for t in state.teams]
    story = rng.choice(state.stories)
    feature = rng.choice(state.features)
    risk = rng.choice(state.risks)
    objective = rng.choice(state.objectives)
    choices: list[tuple[str, Any, dict[str, Any]]] = [
        ("story.move", story, {"iteration_id": rng.choice(iterations)}),
        ("story.update", story, {"status": rng.choice(list(StoryStatus)).value}),
        ("story.update", story, {"points": rng.choice([1, 2, 3, 5, 8, 13])}),
        ("feature.move", feature, {"team_id": rng.choice(teams), "iteration_id": rng.choice(iterations)}),
        ("feature.move", feature, {"iteration_id": None}),
        ("feature.update", feature, {"title": f"<b>Renamed</b> {rng.random()}"}),
        ("risk.roam", risk, {"roam": rng.choice(list(Roam)).value}),
        ("objective.update", objective, {"statement": f"Deliver {rng.random()} & more"}),
        ("screen.show", None, {"scene": rng.choice(["board", "risks", "objectives", f"team:{teams[0]}"])}),
        ("roam.focus", None, {"risk_id": risk.id}),
        ("help.ask", None, {"team_id": rng.choice(teams), "needs": "architect", "note": "<i>stuck</i>"}),
        ("timer.start", None, {}),
        ("vote.open", None, {"team_id": rng.choice([None, *teams])}),
    ]
    assert len(choices) == EDIT_KINDS
    op_type, item, args = choices[kind]
    if item is None:
        return Op(op_type, args=args)
    return Op(op_type, target=item.id, base_version=item.version, args=args)


AUDIENCES: list[Audience] = [
    (Role.RTE, None),
    (Role.OBSERVER, None),
    (Role.BUSINESS_OWNER, None),
    (Role.TEAM, "chk"),
    (Role.TEAM, "pay"),
]


def everything(state: BoardState, events: list[Committed]) -> dict[tuple[str, Audience], str]:
    views = ["program", "screen", "risks", "objectives", "vote", "agenda", "admin"]
    views += [f"team:{t.id}" for t in state.teams]
    return {
        (view, audience): NOW.sub("", render_update(view, state, events, audience) or "")
        for view in views
        for audience in AUDIENCES
    }


def test_reused_regions_are_those_rendering_again_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(13)
    state = demo_board()
    monkeypatch.setattr(common, "RENDERINGS", common.Renderings(size=512))
    monkeypatch.setattr(region_memo, "MEMO", region_memo.RegionMemo(views=512, per_region=8))
    applied = 0
    new_ids = (f"new{n}" for n in itertools.count())
    # Every kind of edit once, in a random order (a kind the rules refuse on its item is drawn again).
    kinds = rng.sample(range(EDIT_KINDS), EDIT_KINDS)
    for _ in range(20 * EDIT_KINDS):
        if applied == EDIT_KINDS:
            break
        op = some_edit(state, rng, kinds[applied])
        after = state.snapshot()
        try:
            changes = apply_op(after, op, RTE, Context(1.7e9, new_ids.__next__, state.seq + 1))
        except PiboardError:
            continue  # refused (a move the rules forbid): the room sees nothing
        after.seq = state.seq + 1
        events = [Committed(state.board_id, after.seq, f"c{applied}", op, changes, RTE, 1.7e9)]
        reusing = everything(after, events)
        with monkeypatch.context() as m:
            # Plain rendering: every region of the board before the batch and after it, then the diff.
            m.setattr(common, "live_view", lambda board_id, view: nullcontext())
            m.setattr(common, "RENDERINGS", common.Renderings(size=0))
            rendered = everything(after, events)
        assert reusing == rendered, op
        state, applied = after, applied + 1
    assert applied == EDIT_KINDS, f"the rules refused every {kinds[applied]}-th edit drawn"
    assert region_memo.MEMO.reused > 10 * region_memo.MEMO.rendered  # and most of them were reused


def test_a_rendering_is_reused_only_for_an_audience_whose_controls_are_the_same() -> None:
    state = demo_board()
    story = next(s for s in state.stories if s.team_id == "chk")
    after = state.snapshot()
    op = Op("story.update", target=story.id, base_version=story.version, args={"points": 21})
    changes = apply_op(after, op, RTE, Context(1.7e9, lambda: "x", state.seq + 1))
    after.seq = state.seq + 1
    events = [Committed(state.board_id, after.seq, "c", op, changes, RTE, 1.7e9)]
    own = render_update("team:chk", after, events, (Role.TEAM, "chk")) or ""
    other = render_update("team:chk", after, events, (Role.TEAM, "pay")) or ""
    assert 'data-may-edit="true"' in own
    assert 'data-may-edit="true"' not in other and 'data-may-edit="false"' in other
