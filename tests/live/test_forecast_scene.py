"""The big screen's forecast scene (issue 26) follows every change like any other derived state: the
screen's stage is sent again when a status change moves what the forecast says."""

from __future__ import annotations

import datetime
import re

from board.core import Op
from board.forecast import forecast
from board.model import Dependency, Role, Story
from server.clock import Clock
from server.pages.renderer import Audience, render_update
from tests.live.test_forecast_regions import apply
from tests.live.test_region_reuse import demo_board

AUDIENCE: Audience = (Role.OBSERVER, None)
ROW = re.compile(r'<li class="forecast-row( low)?" data-item="(\w+):([^"]+)" data-chance="(\d+)"')


def rows(html: str) -> list[tuple[str, str, int]]:
    return [(kind, item, int(chance)) for _, kind, item, chance in ROW.findall(html)]


def test_the_forecast_scene_is_live(clock: Clock) -> None:
    state = demo_board()
    for op_type in ("plan.lock", "baseline.take", "execution.start"):
        state, _ = apply(state, Op(op_type, target="meta", base_version=state.meta.version))
    clock.travel_to(datetime.date(2027, 2, 10))  # two iterations of the demo's PI have closed
    state, events = apply(
        state, Op("screen.show", target="meta", base_version=state.meta.version, args={"scene": "forecast"})
    )
    shown = render_update("screen", state, events, AUDIENCE) or ""
    assert 'data-scene="forecast"' in shown
    before = rows(shown)
    # Least likely in time first, each with the history its teams' forecast is drawn from.
    assert before and [c for _, _, c in before] == sorted(c for _, _, c in before)
    found = forecast(state, clock.today())
    assert {(k, i) for k, i, _ in before} == {
        (o.item_kind, o.item_id)
        for o in [*found.dependencies.values(), *found.features.values()]
        if o.probability is not None and o.why != "done"
    }
    assert "no history: from capacity" in shown or "finished " in shown
    # The least likely dependency whose provider is one story: that story done, the stage is sent again
    # and the dependency is no longer open.
    dep_id, chance = next(
        (i, c)
        for k, i, c in before
        if k == "dependency" and (d := state.get(Dependency, i)) is not None and d.provider_story_id
    )
    assert chance < 100
    dep = state.get(Dependency, dep_id)
    story = state.get(Story, dep.provider_story_id if dep else None)
    assert story is not None
    state, events = apply(state, Op("story.update", story.id, story.version, {"status": "done"}))
    after = render_update("screen", state, events, AUDIENCE) or ""
    assert 'id="screen-stage"' in after
    assert ("dependency", dep_id) not in {(k, i) for k, i, _ in rows(after)}
    assert len(rows(after)) < len(before)
