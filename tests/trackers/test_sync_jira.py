"""The sync against the Jira emulator over HTTP: the first sync as an import, then polls as ops."""

from __future__ import annotations

import pytest

from board import Op
from board.errors import Refused
from board.model import Iteration, StoryStatus, Team
from board.tracker import TrackerOwned
from server.store.op_path import OpPath
from server.store.trackers import TrackerStore
from tests.trackers.conftest import RTE, Synced, connect_jira
from tests.trackers.jira_emulator import JiraEmulator


def planned(jira: JiraEmulator) -> dict[str, str]:
    epic = jira.add_issue("ATL", "Checkout", issue_type="Epic", team="Atlas")
    one = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas", sprint=jira.sprint1, parent=epic)  # type: ignore[attr-defined]
    two = jira.add_issue("ATL", "Pay by invoice", points=3, team="Atlas", sprint=jira.sprint1, parent=epic)  # type: ignore[attr-defined]
    return {"epic": epic, "one": one, "two": two}


@pytest.fixture
def synced(op_path: OpPath, store: TrackerStore, jira: JiraEmulator) -> tuple[Synced, dict[str, str]]:
    keys = planned(jira)
    board = connect_jira(op_path, store, jira)
    preview, first = board.sync.first_preview(board.board_id, RTE)
    assert preview.counts()["create"] == 3 and len(first.issues) == 3
    board.sync.first_apply(board.board_id, RTE)
    return board, keys


def test_first_sync_is_the_imports_preview_then_apply(synced: tuple[Synced, dict[str, str]]) -> None:
    board, keys = synced
    story = board.item(keys["one"])
    assert story is not None and story.points == 5 and story.title == "Pay by card"
    assert {t.name for t in board.state().of(Team).values()} == {"Atlas"}
    status = board.store.status(board.board_id)
    assert status is not None and status.state == "syncing" and status.cursor is not None


def test_a_status_change_in_jira_becomes_an_op_by_jira(
    synced: tuple[Synced, dict[str, str]], jira: JiraEmulator
) -> None:
    board, keys = synced
    before = board.state().seq
    jira.set_status(keys["one"], "Done", "done")
    jira.update(keys["two"], summary="Pay by invoice (EU)", points=8)
    report = board.sync.poll(board.board_id)
    assert not report.failed, report.failed
    one, two = board.item(keys["one"]), board.item(keys["two"])
    assert one.status == StoryStatus.DONE
    assert (two.title, two.points) == ("Pay by invoice (EU)", 8)
    events = board.op_path.events_since(board.board_id, before)
    assert events and {e.actor.label for e in events} == {"Jira"}
    assert all(e.actor.tracker for e in events)


def test_a_poll_that_reads_nothing_new_changes_nothing(synced: tuple[Synced, dict[str, str]]) -> None:
    board, _ = synced
    seq = board.state().seq
    report = board.sync.poll(board.board_id)
    assert report.applied == 0 and board.state().seq == seq


def test_the_sprint_is_the_boards_while_planning_and_jiras_once_the_pi_runs(
    synced: tuple[Synced, dict[str, str]], jira: JiraEmulator
) -> None:
    board, keys = synced
    first_iteration = board.item(keys["one"]).iteration_id
    jira.move_to_sprint(keys["one"], jira.sprint2)  # type: ignore[attr-defined]
    board.sync.poll(board.board_id)
    assert board.item(keys["one"]).iteration_id == first_iteration  # planning: placement is the board's
    board.start_execution()
    jira.move_to_sprint(keys["two"], jira.sprint2)  # type: ignore[attr-defined]
    board.sync.poll(board.board_id)
    moved = board.item(keys["two"])
    assert moved.iteration_id != first_iteration and moved.iteration_id is not None


def test_a_person_may_not_change_what_jira_owns(synced: tuple[Synced, dict[str, str]]) -> None:
    board, keys = synced
    story = board.item(keys["one"])
    with pytest.raises(TrackerOwned) as refused:
        board.op_path.submit(
            board.board_id, Op("story.update", story.id, story.version, {"points": 13}, "p1"), RTE
        )
    assert "Jira" in str(refused.value)
    # ... but what the board owns stays the board's: placement while planning
    board.op_path.submit(
        board.board_id,
        Op("iteration.create", None, None, {"id": "it-9", "number": 9, "name": "Nine"}, "p0"),
        RTE,
    )
    other = board.state().get(Iteration, "it-9")
    board.op_path.submit(
        board.board_id, Op("story.update", story.id, story.version, {"iteration_id": other.id}, "p2"), RTE
    )
    assert board.item(keys["one"]).iteration_id == other.id


def test_jira_may_not_change_what_the_board_owns(synced: tuple[Synced, dict[str, str]]) -> None:
    from server.watch.trackers.sync import sync_actor

    board, keys = synced
    story = board.item(keys["one"])
    with pytest.raises(Refused):
        board.op_path.submit(
            board.board_id,
            Op("story.update", story.id, story.version, {"team_id": None}, "j1"),
            sync_actor("Jira"),
        )
