"""The sync against the Jira emulator over HTTP: the first sync as an import, then polls as ops; and
the ownership rule both ways, run against Jira and Azure DevOps (``planned``, ``side``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from board import Actor, Op
from board.errors import Forbidden
from board.model import Story, StoryStatus, Team
from board.tracker import TrackerOwned
from server.store.op_path import OpPath, new_id
from server.store.trackers import TrackerStore
from server.watch.trackers.sync import sync_actor
from tests.trackers.conftest import RTE, Side, Synced, connect_jira
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


@pytest.mark.parametrize("meanwhile", ["nothing", "the plan is locked", "a person edits it"])
def test_an_issue_moved_to_another_project_in_scope_keeps_its_item(
    op_path: OpPath, store: TrackerStore, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    jira.add_project("BEE")
    keys = planned(jira)
    board = connect_jira(op_path, store, jira, scope={"jql": "project in (ATL, BEE)"})
    board.sync.first_apply(board.board_id, RTE)
    story_id = board.item(keys["one"]).id
    new_key = jira.move_to_project(keys["one"], "BEE")
    jira.set_status(new_key, "Done", "done")
    if meanwhile == "the plan is locked":
        board.lock()
        assert board.sync.poll(board.board_id).waiting
        board.lock(False)
    elif meanwhile == "a person edits it":
        board.race_next_read(keys["one"], monkeypatch)
    report = board.sync.poll(board.board_id)
    assert report.relinked == [f"{keys['one']} is now {new_key}"] and not report.failed
    moved = board.item(new_key)
    assert (moved.id, moved.status) == (story_id, StoryStatus.DONE) and board.item(keys["one"]) is None
    assert len(board.state().of(Story)) == 2  # the same story, not a second one
    board.store.poll_now(board.board_id, datetime.now(UTC), reconcile=True)
    report = board.sync.poll(board.board_id)  # a reconcile finds it by its id: still in scope
    assert not report.unlinked and board.item(new_key).id == story_id


# --- the ownership rule, both ways, for both trackers ---------------------------------------------

Planned = tuple[Synced, dict[str, str]]
PERSON_EDITS = [({"points": 13}, "points"), ({"status": "done"}, "status"), ({"title": "Cards"}, "title")]


def edit(board: Synced, key: str, args: dict[str, Any], actor: Actor = RTE) -> None:
    story = board.item(key)
    board.op_path.submit(board.board_id, Op("story.update", story.id, story.version, args, new_id()), actor)


@pytest.mark.parametrize(("args", "owned"), PERSON_EDITS)
def test_a_person_may_not_change_what_the_tracker_owns(
    planned: Planned, side: Side, args: dict[str, Any], owned: str
) -> None:
    board, keys = planned
    before = board.item(keys["one"])
    with pytest.raises(TrackerOwned) as refused:
        edit(board, keys["one"], args)
    detail = refused.value.detail
    assert (detail["write_back"], detail["fields"]) == (False, [owned])
    assert refused.value.reason.endswith(f"is {side.product}'s: change it in {side.product}")
    assert board.item(keys["one"]) == before


def test_with_write_back_on_the_refusal_offers_a_write_back(
    op_path: OpPath, store: TrackerStore, side: Side
) -> None:
    keys = side.plan()
    board = side.connect(op_path, store, write_back=True)
    board.sync.first_apply(board.board_id, RTE)
    with pytest.raises(TrackerOwned) as refused:
        edit(board, keys["one"], {"points": 13})
    detail = refused.value.detail
    assert (detail["write_back"], detail["fields"]) == (True, ["points"])
    assert f"write it back to {side.product}" in refused.value.reason


def test_placement_is_the_boards_while_planning_and_the_trackers_once_the_pi_runs(planned: Planned) -> None:
    board, keys = planned
    edit(board, keys["one"], {"iteration_id": None})  # planning: a person re-plans a linked story
    assert board.item(keys["one"]).iteration_id is None
    board.start_execution()
    with pytest.raises(TrackerOwned) as refused:
        edit(board, keys["two"], {"iteration_id": None})
    assert refused.value.detail["fields"] == ["iteration_id"]


def test_the_tracker_may_not_change_what_the_board_owns(planned: Planned, side: Side) -> None:
    board, keys = planned
    tracker = sync_actor(side.product)
    for args in ({"team_id": board.item(keys["ledger"]).team_id}, {"iteration_id": None}):
        with pytest.raises(Forbidden, match=f"{side.product} may not change its"):
            edit(board, keys["one"], args, tracker)
    story = board.item(keys["one"])
    with pytest.raises(Forbidden, match=f"{side.product} may not delete it"):
        board.op_path.submit(board.board_id, Op("story.delete", story.id, story.version, {}, "d1"), tracker)
    edit(board, keys["one"], {"points": 8}, tracker)  # what it owns, it changes
    board.start_execution()
    edit(board, keys["one"], {"iteration_id": None}, tracker)  # and the sprint, once the PI runs
    assert (board.item(keys["one"]).points, board.item(keys["one"]).iteration_id) == (8, None)


def test_a_story_born_on_the_board_is_never_held(planned: Planned, side: Side) -> None:
    board, keys = planned
    board.start_execution()
    linked = board.item(keys["one"])
    args = {"id": "born-1", "title": "Spike", "team_id": linked.team_id, "iteration_id": linked.iteration_id}
    board.op_path.submit(board.board_id, Op("story.create", None, None, args, "b0"), RTE)
    changes: list[dict[str, Any]] = [{"points": 5}, {"status": "done"}, {"title": "Spike (done)"}]
    for n, change in enumerate([*changes, {"iteration_id": None}]):
        born = board.state().of(Story)["born-1"]
        board.op_path.submit(
            board.board_id, Op("story.update", born.id, born.version, change, f"b{n + 1}"), RTE
        )
    born = board.state().of(Story)["born-1"]
    assert (born.points, born.status, born.title, born.iteration_id) == (
        5,
        StoryStatus.DONE,
        "Spike (done)",
        None,
    )
    side.set_done(keys["one"])
    assert not board.sync.poll(board.board_id).failed
    assert board.state().get(Story, "born-1") == born  # the sync leaves it alone
    board.op_path.submit(board.board_id, Op("story.delete", born.id, born.version, {}, "b9"), RTE)
    assert board.state().get(Story, "born-1") is None
