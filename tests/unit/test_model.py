"""board/model.py: an item's stored dict, and the copy-on-write contract between a board being
written and the snapshots others read."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any

import pytest

from board.model import (
    ITEM_TYPES,
    BoardState,
    Iteration,
    Member,
    Milestone,
    Story,
    StoryStatus,
    iteration_span,
    milestone_iteration,
)


def _asdict_plain(value: Any) -> Any:
    """What ``to_dict`` gave when it was ``dataclasses.asdict`` with enums by value (the stored format)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _asdict_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_asdict_plain(v) for v in value]
    return value


@pytest.mark.parametrize("kind", sorted(ITEM_TYPES))
def test_an_items_dict_is_every_field_with_enums_by_value(kind: str) -> None:
    item = ITEM_TYPES[kind](id="x")
    assert item.to_dict() == _asdict_plain(dataclasses.asdict(item))


def test_an_items_dict_shares_no_container_with_the_item() -> None:
    member = Member("m", name="Ann", days_off={"i1": 2})
    stored = member.to_dict()
    stored["days_off"]["i1"] = 5
    assert member.days_off == {"i1": 2}
    story = Story("s", status=StoryStatus.DONE, after=["a"])
    assert story.to_dict()["status"] == "done"
    assert story.to_dict()["after"] is not story.after


def test_a_snapshot_never_sees_the_writes_made_after_it() -> None:
    board = BoardState("b")
    board.writable("story")["s1"] = Story("s1", title="first")
    earlier = board.snapshot()
    board.writable("story")["s2"] = Story("s2", title="second")
    board.writable("story").pop("s1")
    assert set(earlier.items["story"]) == {"s1"}
    assert set(board.items["story"]) == {"s2"}


def test_a_board_copies_a_kind_once_until_its_next_snapshot() -> None:
    """A batch of a thousand ops on a 20,000-story board copies the stories once, not per op."""
    board = BoardState("b")
    first = board.writable("story")
    assert board.writable("story") is first
    board.snapshot()
    assert board.writable("story") is not first


def test_a_milestone_is_placed_by_its_date_in_the_iteration_it_falls_in() -> None:
    """One rule for the program board, the picture and the report; an iteration given only its start
    ends after its weeks (such milestones were placed nowhere, and the picture left them out)."""
    its = [
        Iteration(id="i1", number=1, start="2026-07-06", weeks=2),
        Iteration(id="i2", number=2, start="2026-07-20", end="2026-08-02"),
        Iteration(id="i3", number=3),
    ]
    assert iteration_span(its[0]) == (datetime.date(2026, 7, 6), datetime.date(2026, 7, 19))
    assert iteration_span(its[2]) is None
    on = {
        d: milestone_iteration(Milestone(id="m", date=d), its)
        for d in ("2026-07-19", "2026-07-20", "2026-08-03")
    }
    assert on == {"2026-07-19": "i1", "2026-07-20": "i2", "2026-08-03": None}
    assert milestone_iteration(Milestone(id="m", date="2026-07-07", iteration_id="i3"), its) == "i3"
