"""Every item a board's items name is on the board, so its export always imports again (issue 24, 5):
days off name iterations of the board, removing an iteration takes the days off in it along, and an
undo does not remove an item something else names since."""

from __future__ import annotations

import pytest
from plan_builder import Session

from board.errors import IllegalTransition, Invalid


def test_days_off_in_an_iteration_the_board_lacks_are_refused(plan: Session) -> None:
    with pytest.raises(Invalid) as refused:
        plan.member("ann", "alpha", days_off={"i1": 1, "i7": 2})
    assert refused.value.reason == "the days off name iteration 'i7', which this board does not have"
    with pytest.raises(Invalid):
        plan.do("member.update", "alpha-dev1", days_off={"gone": 1})
    assert plan.get("member", "alpha-dev1").days_off == {}
    plan.do("member.update", "alpha-dev1", days_off={"i1": 1, "ip": 2})
    assert plan.get("member", "alpha-dev1").days_off == {"i1": 1, "ip": 2}


def test_removing_an_iteration_takes_the_days_off_in_it_along_and_undo_brings_them_back(
    plan: Session,
) -> None:
    plan.iteration("i9", 9)
    plan.do("member.update", "alpha-dev1", days_off={"i1": 1, "i9": 3})
    plan.do("member.update", "bravo-dev2", days_off={"i9": 2})
    plan.do("iteration.delete", "i9")
    assert plan.get("member", "alpha-dev1").days_off == {"i1": 1}
    assert plan.get("member", "bravo-dev2").days_off == {}
    plan.do("event.undo", str(plan.state.seq), base=None)
    assert plan.get("member", "alpha-dev1").days_off == {"i1": 1, "i9": 3}
    assert plan.get("member", "bravo-dev2").days_off == {"i9": 2}


@pytest.mark.parametrize("use", ["days off", "a feature", "a milestone"])
def test_an_undone_create_is_refused_while_something_names_the_item_since(plan: Session, use: str) -> None:
    plan.iteration("i9", 9)
    created = plan.state.seq
    if use == "days off":
        plan.do("member.update", "alpha-dev1", days_off={"i9": 2})
    elif use == "a feature":
        plan.feature("f9", "alpha", "i9")
    else:
        plan.do("milestone.create", id="m9", title="Go live", iteration_id="i9")
    before = plan.snapshot()
    with pytest.raises(IllegalTransition) as refused:
        plan.do("event.undo", str(created), base=None)
    assert refused.value.reason.startswith('iteration "I9" has been named since by 1 other item(s)')
    assert plan.snapshot() == before
