"""The sync against the Azure DevOps emulator over HTTP: the first sync with Azure DevOps' own defaults
(Area Path, Iteration Path, Story Points / Effort, its work item types, Dependency links), then polls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from board.model import Dependency, Iteration, Story, StoryStatus, Team
from server.store.op_path import OpPath
from server.store.trackers import TrackerStore
from server.transfer.jira_preview import COUNTED, DEPENDENCY
from tests.trackers.azure_emulator import SUCCESSOR, AzureEmulator
from tests.trackers.conftest import RTE, Synced, connect_azure

SPRINT_1 = "Rocket\\PI 1\\Sprint 1"
SPRINT_2 = "Rocket\\PI 1\\Sprint 2"
START = date.today() - timedelta(days=3)  # Sprint 1 runs now


def sprints(azure: AzureEmulator) -> None:
    azure.add_iteration(SPRINT_1, START, START + timedelta(days=13))
    azure.add_iteration(SPRINT_2, START + timedelta(days=14), START + timedelta(days=27))


def planned(azure: AzureEmulator) -> dict[str, int]:
    """A feature of Atlas's with two stories (one with a task), an epic, and a story of Zephyr's that
    one of Atlas's waits for (a Successor link on it)."""
    sprints(azure)
    epic = azure.add("Payments", type="Epic", area="Rocket\\Atlas")
    feature = azure.add("Checkout", type="Feature", area="Rocket\\Atlas", iteration=SPRINT_1)
    one = azure.add("Pay by card", area="Rocket\\Atlas", iteration=SPRINT_1, points=5, parent=feature)
    two = azure.add("Pay by invoice", area="Rocket\\Atlas", iteration=SPRINT_1, points=3, parent=feature)
    task = azure.add("Card form", type="Task", area="Rocket\\Atlas", iteration=SPRINT_1, parent=one)
    ledger = azure.add("Ledger API", area="Rocket\\Zephyr", iteration=SPRINT_1, points=2)
    azure.link(ledger, SUCCESSOR, one)  # the ledger finishes first: card payments wait for it
    return {"epic": epic, "feature": feature, "one": one, "two": two, "task": task, "ledger": ledger}


@pytest.fixture
def synced(op_path: OpPath, store: TrackerStore, azure: AzureEmulator) -> tuple[Synced, dict[str, int]]:
    ids = planned(azure)
    board = connect_azure(op_path, store, azure)
    board.sync.first_apply(board.board_id, RTE)
    return board, ids


def test_the_first_sync_previews_azure_devops_work_items_as_the_import_does(
    op_path: OpPath, store: TrackerStore, azure: AzureEmulator
) -> None:
    ids = planned(azure)
    board = connect_azure(op_path, store, azure)
    preview, first = board.sync.first_preview(board.board_id, RTE)
    assert len(first.issues) == 6 and first.has_points
    kinds = {row.key: row.kind for row in preview.rows}
    assert kinds[str(ids["epic"])] == kinds[str(ids["feature"])] == "feature"
    assert kinds[str(ids["one"])] == kinds[str(ids["ledger"])] == "story"
    task = next(row for row in preview.rows if row.key == str(ids["task"]))
    assert task.fate == COUNTED and str(ids["one"]) in task.reason
    assert sorted(preview.new_teams) == ["Atlas", "Zephyr"]
    assert [name for _, name in preview.new_iterations] == ["Sprint 1"]
    assert [(link.provider, link.requester, link.fate) for link in preview.links] == [
        (str(ids["ledger"]), str(ids["one"]), DEPENDENCY)
    ]
    assert board.state().of(Story) == {}  # a preview changes nothing


def test_the_first_apply_maps_area_iteration_points_and_dependencies(
    synced: tuple[Synced, dict[str, int]],
) -> None:
    board, ids = synced
    state = board.state()
    one, ledger, feature = (
        board.item(str(ids["one"])),
        board.item(str(ids["ledger"])),
        board.item(str(ids["feature"])),
    )
    teams = {t.id: t.name for t in state.of(Team).values()}
    iteration = state.of(Iteration)[one.iteration_id]
    assert (teams[one.team_id], teams[ledger.team_id]) == ("Atlas", "Zephyr")
    assert iteration.name == "Sprint 1" and iteration.start == START.isoformat()
    assert (one.points, one.title, one.feature_id) == (5, "Pay by card", feature.id)
    assert board.item(str(ids["task"])) is None  # a task is counted into its story, not a story
    assert [(d.external_key) for d in state.of(Dependency).values()] == [f"{ids['ledger']}>{ids['one']}"]
    status = board.store.status(board.board_id)
    assert status is not None and status.state == "syncing"


def test_scrum_product_backlog_items_and_effort(op_path: OpPath, store: TrackerStore) -> None:
    scrum = AzureEmulator(process="Scrum")
    with scrum.running():
        sprints(scrum)
        pbi = scrum.add("Refunds", area="Rocket\\Atlas", iteration=SPRINT_1, points=8)
        board = connect_azure(op_path, store, scrum)
        board.sync.first_apply(board.board_id, RTE)
        assert board.item(str(pbi)).points == 8
        scrum.update(pbi, points=13, state="Committed")
        report = board.sync.poll(board.board_id)
    assert not report.failed, report.failed
    story = board.item(str(pbi))
    assert (story.points, story.status) == (13, StoryStatus.IN_PROGRESS)


def test_a_state_change_in_azure_devops_becomes_an_op_by_azure_devops(
    synced: tuple[Synced, dict[str, int]], azure: AzureEmulator
) -> None:
    board, ids = synced
    before = board.state().seq
    azure.set_state(ids["one"], "Closed")
    azure.update(ids["two"], title="Pay by invoice (EU)", points=8)
    report = board.sync.poll(board.board_id)
    assert not report.failed, report.failed
    one, two = board.item(str(ids["one"])), board.item(str(ids["two"]))
    assert one.status == StoryStatus.DONE
    assert (two.title, two.points) == ("Pay by invoice (EU)", 8)
    events = board.op_path.events_since(board.board_id, before)
    assert events and {e.actor.label for e in events} == {"Azure DevOps"}
    assert all(e.actor.tracker for e in events)


def test_an_iteration_move_lands_only_once_execution_started(
    synced: tuple[Synced, dict[str, int]], azure: AzureEmulator
) -> None:
    board, ids = synced
    planned_in = board.item(str(ids["one"])).iteration_id
    azure.move_iteration(ids["one"], SPRINT_2)
    board.sync.poll(board.board_id)
    assert board.item(str(ids["one"])).iteration_id == planned_in  # planning: placement is the board's
    board.start_execution()
    azure.move_iteration(ids["two"], SPRINT_2)
    report = board.sync.poll(board.board_id)
    assert not report.failed, report.failed
    moved = board.state().get(Iteration, board.item(str(ids["two"])).iteration_id)
    assert moved is not None and moved.name == "Sprint 2"


def test_a_removed_work_item_leaves_the_scope_rather_than_being_done(
    synced: tuple[Synced, dict[str, int]], azure: AzureEmulator
) -> None:
    board, ids = synced
    azure.set_state(ids["two"], "Removed")
    assert not board.sync.poll(board.board_id).failed
    assert board.item(str(ids["two"])).status == StoryStatus.TODO  # out of scope: not read as Done
    board.store.poll_now(board.board_id, datetime.now(UTC), reconcile=True)
    report = board.sync.poll(board.board_id)
    assert report.unlinked == [f"{ids['two']} (Pay by invoice)"]
    kept = [s for s in board.state().of(Story).values() if s.title == "Pay by invoice"]
    assert [(s.external_key, s.status) for s in kept] == [("", StoryStatus.TODO)]
