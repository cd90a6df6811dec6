"""The ownership rule between a board and its tracker (board.tracker), both ways, through apply_op."""

from __future__ import annotations

import pytest
from plan_builder import RTE, Session, member_of

from board.errors import Forbidden, IllegalTransition
from board.model import Role
from board.roles import Actor
from board.tracker import OWNERSHIP, SyncTerms, TrackerOwned, owner

JIRA = Actor("tracker:jira", "Jira", Role.RTE, tracker=True)
TESS = member_of("alpha")


@pytest.fixture
def synced(plan: Session) -> Session:
    plan.story("s1", "alpha", "i1", 3)
    plan.do("story.update", "s1", external_key="ABC-1")
    plan.story("s2", "alpha", "i1", 2)  # born on the board: the board's alone
    plan.sync = SyncTerms("Jira")
    return plan


def test_a_person_may_not_change_what_the_tracker_owns(synced: Session) -> None:
    with pytest.raises(TrackerOwned, match="summary of ABC-1 is Jira's: change it in Jira") as refused:
        synced.do("story.update", "s1", by=TESS, title="Renamed on the board")
    assert refused.value.detail["write_back"] is False
    for change in ({"points": 5}, {"status": "done"}):
        with pytest.raises(TrackerOwned):
            synced.do("story.update", "s1", by=TESS, **change)
    with pytest.raises(TrackerOwned, match="delete it or move it out of scope there"):
        synced.do("story.delete", "s1", by=RTE)
    assert synced.get("story", "s1").title == "Story s1"


def test_write_back_is_offered_when_it_is_on(synced: Session) -> None:
    synced.sync = SyncTerms("Jira", write_back=True)
    with pytest.raises(TrackerOwned, match="write it back to Jira") as refused:
        synced.do("story.update", "s1", by=TESS, points=8)
    assert refused.value.detail == {"write_back": True, "fields": ["points"], "product": "Jira"}


def test_the_board_owns_placement_while_planning_and_the_tracker_once_the_pi_runs(synced: Session) -> None:
    synced.do("story.move", "s1", by=TESS, iteration_id="i2")
    assert synced.get("story", "s1").iteration_id == "i2"
    with pytest.raises(Forbidden, match="Jira may not change its sprint"):
        synced.do("story.move", "s1", by=JIRA, iteration_id="i3")
    synced.do("baseline.take")
    synced.do("execution.start")
    with pytest.raises(TrackerOwned, match="sprint of ABC-1 is Jira's"):
        synced.do("story.move", "s1", by=TESS, iteration_id="i3")
    synced.do("story.move", "s1", by=JIRA, iteration_id="i3")
    assert synced.get("story", "s1").iteration_id == "i3"


def test_the_tracker_changes_only_its_own_fields(synced: Session) -> None:
    synced.do("story.update", "s1", by=JIRA, title="From Jira", points=5, status="in_progress")
    assert synced.get("story", "s1").points == 5
    with pytest.raises(Forbidden, match="Jira may not change its team"):
        synced.do("story.update", "s1", by=JIRA, team_id="bravo")
    with pytest.raises(Forbidden, match="Jira may not delete it"):
        synced.do("story.delete", "s1", by=JIRA)


def test_unlinked_items_and_unsynced_boards_are_never_held(synced: Session) -> None:
    synced.do("story.update", "s2", by=TESS, title="Ours", points=5)
    synced.sync = None
    synced.do("story.update", "s1", by=TESS, title="No tracker now")
    assert synced.get("story", "s1").title == "No tracker now"


def test_an_edit_that_leaves_an_owned_field_as_it_is_passes(synced: Session) -> None:
    synced.do("story.update", "s1", by=TESS, title="Story s1", points=3)
    assert synced.get("story", "s1").version > 1


def test_the_tracker_waits_for_the_final_review(synced: Session) -> None:
    synced.do("plan.lock")
    with pytest.raises(IllegalTransition, match="locked"):
        synced.do("story.update", "s1", by=JIRA, status="done")


def test_the_stated_rule_agrees_with_the_rule_that_is_checked() -> None:
    said = {what: (planning, executing) for what, planning, executing in OWNERSHIP}
    assert said["summary, points, status"] == ("tracker", "tracker")
    assert owner("story", "points", executing=False) == "tracker"
    assert said["placement (iteration, sprint)"] == ("board", "tracker")
    assert owner("story", "iteration_id", executing=False) == "board"
    assert owner("story", "iteration_id", executing=True) == "tracker"
    assert owner("story", "team_id", executing=True) == "board" == said["team"][1]


def test_an_undo_of_the_trackers_change_is_held_like_an_edit(synced: Session) -> None:
    """Undoing "Jira marked ABC-1 done" would show To Do while Jira says Done: refused, with the reason."""
    synced.do("story.update", "s1", by=JIRA, status="done")
    jiras = synced.state.seq
    with pytest.raises(TrackerOwned, match="status of ABC-1 is Jira's"):
        synced.do("event.undo", str(jiras), by=RTE)
    assert synced.get("story", "s1").status.value == "done"
    synced.do("story.update", "s2", by=TESS, points=5)  # the board's own item: its undo is the board's
    synced.do("event.undo", str(synced.state.seq), by=TESS)
    assert synced.get("story", "s2").points == 2
