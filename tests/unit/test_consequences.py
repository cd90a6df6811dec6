"""What an op takes with it is told before it is applied, from the changes it would make."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builder import RTE, Session, member_of

from board.consequences import Consequences, consequences
from board.core import Op
from board.errors import Forbidden, Invalid
from board.ops import preview_op
from board.roles import Actor


@pytest.fixture
def planned(plan: Session) -> Session:
    """Alpha's checkout in I2 with two stories; Bravo's API delivers it; an objective names it.
    Alpha has two full-time people: 16 points a development iteration."""
    plan.feature("checkout", "alpha", "i2")
    plan.story("s1", "alpha", "i2", 8, feature="checkout")
    plan.story("s2", "alpha", "i3", 5, feature="checkout")
    plan.story("other", "alpha", "i1", 12)
    plan.feature("api", "bravo", "i1")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="checkout", provider_feature_id="api")
    plan.objective("o1", "alpha", "Checkout v2 for 3 shops", features=["checkout"])
    return plan


def preview(plan: Session, op_type: str, target: str, by: Actor = RTE, **args: Any) -> Consequences:
    op = Op(op_type, target, plan.version_of(op_type, target), args)
    changes = preview_op(plan.state, op, by, plan.ctx())
    return consequences(plan.state, (op_type.split(".")[0], target), changes)


def test_a_preview_changes_nothing(planned: Session) -> None:
    before = planned.snapshot()
    preview(planned, "feature.move", "checkout", iteration_id="i1")
    preview(planned, "feature.delete", "checkout")
    assert planned.snapshot() == before


def test_moving_a_feature_tells_the_stories_it_carries_and_the_loads_it_changes(planned: Session) -> None:
    result = preview(planned, "feature.move", "checkout", iteration_id="i1")
    assert sorted(s.id for s in result.stories_moved) == ["s1", "s2"]
    loads = {(c.before.iteration_id): (c.before.load, c.after.load, c.after.overloaded) for c in result.loads}
    # s1 (8) moves I2 → I1, s2 (5) moves I3 → I2: I1 goes over Alpha's 16 points.
    assert loads == {"i1": (12, 20, True), "i2": (8, 5, False), "i3": (5, 0, False)}
    assert result.anything_else


def test_moving_only_the_feature_leaves_its_stories_and_loads(planned: Session) -> None:
    result = preview(planned, "feature.move", "checkout", iteration_id="i1", carry_stories=False)
    assert (result.stories_moved, result.loads, result.anything_else) == ([], [], False)
    planned.do("feature.move", "checkout", iteration_id="i1", carry_stories="false")
    assert planned.get("feature", "checkout").iteration_id == "i1"
    assert planned.get("story", "s1").iteration_id == "i2"


def test_deleting_a_feature_tells_what_loses_it(planned: Session) -> None:
    result = preview(planned, "feature.delete", "checkout")
    assert sorted(s.id for s in result.stories_unlinked) == ["s1", "s2"]
    assert [d.id for d in result.dependencies] == ["d1"]
    assert [o.id for o in result.objectives] == ["o1"]
    assert result.loads == []  # the stories stay planned


def test_deleting_a_story_frees_its_load(planned: Session) -> None:
    result = preview(planned, "story.delete", "s1")
    assert [(c.before.load, c.after.load) for c in result.loads] == [(8, 0)]
    assert not result.anything_else


def test_a_preview_is_refused_like_the_op(planned: Session) -> None:
    with pytest.raises(Forbidden):
        preview(planned, "feature.delete", "checkout", by=member_of("alpha"))
    with pytest.raises(Invalid):
        preview(planned, "story.move", "s1", iteration_id="i1", carry_stories=False)
