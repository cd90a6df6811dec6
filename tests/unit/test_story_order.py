"""The order between a team's stories: which are planned before the stories they come after."""

from __future__ import annotations

from plan_builder import Session

from board.model import Story
from board.story_order import comes_after, out_of_order


def _story(plan: Session, story_id: str) -> Story:
    story = plan.get("story", story_id)
    assert isinstance(story, Story)
    return story


def test_in_order_when_planned_in_the_same_or_a_later_iteration(plan: Session) -> None:
    plan.story("first", "alpha", "i1", 3)
    plan.story("same", "alpha", "i1", 2)
    plan.story("later", "alpha", "i2", 5)
    for later in ("same", "later"):
        plan.do("story.update", later, after=["first"])
        assert [s.id for s in comes_after(plan.state, _story(plan, later))] == ["first"]
        assert out_of_order(plan.state, _story(plan, later)) == []


def test_out_of_order_when_planned_before_what_it_comes_after(plan: Session) -> None:
    plan.story("first", "alpha", "i3", 3)
    plan.story("early", "alpha", "i1", 5)
    plan.do("story.update", "early", after=["first"])
    assert [s.id for s in out_of_order(plan.state, _story(plan, "early"))] == ["first"]


def test_out_of_order_when_what_it_comes_after_is_not_planned(plan: Session) -> None:
    plan.story("first", "alpha", None, 3)
    plan.story("planned", "alpha", "i2", 5)
    plan.do("story.update", "planned", after=["first"])
    assert [s.id for s in out_of_order(plan.state, _story(plan, "planned"))] == ["first"]


def test_an_unplanned_story_is_never_out_of_order(plan: Session) -> None:
    plan.story("first", "alpha", "i2", 3)
    plan.story("backlog", "alpha", None, 5)
    plan.do("story.update", "backlog", after=["first"])
    assert out_of_order(plan.state, _story(plan, "backlog")) == []
