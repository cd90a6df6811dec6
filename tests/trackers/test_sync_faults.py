"""The sync's defined outcomes and faults, each run against Jira Cloud, Jira Data Center and Azure
DevOps (``side``): what a tracker's clean-up does to the board (deletes, moves out of scope, renamed
sprints, a removed points field, new issues, unknown teams, a locked plan), then what its faults do
(429, 5xx, outages, timeouts, refused tokens), and that the token never shows."""

from __future__ import annotations

import traceback
from base64 import b64encode
from datetime import UTC, datetime, timedelta

import pytest

from board import Op
from board.model import Iteration, Story, StoryStatus
from server.store.op_path import OpPath
from server.store.sealed import Secret
from server.store.trackers import TrackerStore
from server.watch.trackers.errors import TrackerError
from server.watch.trackers.sync import OVERLAP, RECONCILE_EVERY, SyncReport
from tests.trackers.conftest import RTE, Side, Synced, connect_jira, quick_reader
from tests.trackers.jira_emulator import JiraEmulator

Planned = tuple[Synced, dict[str, str]]


def poll(board: Synced) -> SyncReport:
    report = board.sync.poll(board.board_id)
    assert not report.failed, report.failed
    return report


def log_texts(board: Synced) -> list[str]:
    return [line.text for line in board.store.log_lines(board.board_id)]


# --- outcomes --------------------------------------------------------------------------------------


def test_a_deleted_issue_leaves_its_item_unlinked_once_reconciled(planned: Planned, side: Side) -> None:
    board, keys = planned
    story_id = board.item(keys["one"]).id
    side.delete(keys["one"])
    poll(board)
    assert board.item(keys["one"]) is not None  # a delete is no change: only a reconcile sees it
    board.store.poll_now(board.board_id, datetime.now(UTC), reconcile=True)
    report = poll(board)
    assert [text.split(" ")[0] for text in report.unlinked] == [keys["one"]]
    kept = board.state().of(Story)[story_id]
    assert (kept.external_key, kept.title, kept.points) == ("", "Pay by card", 5)
    assert any(
        f"{keys['one']} (Pay by card) is no longer in the tracker's scope" in t for t in log_texts(board)
    )
    status = board.status()
    assert not status.reconcile and keys["one"] not in status.memory["ids"].values()


def test_a_reconcile_while_the_plan_is_locked_unlinks_once_it_is_unlocked(
    planned: Planned, side: Side
) -> None:
    board, keys = planned
    board.lock()
    side.delete(keys["one"])
    board.store.poll_now(board.board_id, datetime.now(UTC), reconcile=True)
    assert poll(board).waiting and board.item(keys["one"]) is not None
    board.lock(False)
    report = poll(board)
    assert len(report.unlinked) == 1 and board.item(keys["one"]) is None
    assert sum("no longer in the tracker's scope" in text for text in log_texts(board)) == 1


def test_a_persons_edit_racing_a_reconcile_does_not_lose_the_unlink(
    planned: Planned, side: Side, monkeypatch: pytest.MonkeyPatch
) -> None:
    board, keys = planned
    side.delete(keys["one"])
    board.store.poll_now(board.board_id, datetime.now(UTC), reconcile=True)
    board.race_next_read(keys["one"], monkeypatch)
    report = poll(board)
    assert len(report.unlinked) == 1 and board.item(keys["one"]) is None


def test_an_issue_moved_out_of_scope_is_unlinked_by_the_reconcile_every_ten_minutes(
    planned: Planned, side: Side
) -> None:
    board, keys = planned
    story_id = board.item(keys["two"]).id
    side.move_out_of_scope(keys["two"])
    later = datetime.now(UTC) + RECONCILE_EVERY + timedelta(minutes=1)
    board.read_with(quick_reader(), clock=lambda: later)
    report = poll(board)
    assert len(report.unlinked) == 1
    assert board.state().of(Story)[story_id].external_key == ""
    assert any("no longer in the tracker's scope" in t for t in log_texts(board))
    side.retitle(keys["one"], "Pay by card (3-D Secure)")  # the others still follow
    board.read_with(quick_reader())
    board.store.update_state(board.board_id, cursor=datetime.now(UTC) - timedelta(minutes=1))
    poll(board)
    assert board.item(keys["one"]).title == "Pay by card (3-D Secure)"


def test_a_renamed_sprint_stays_the_iteration_it_was(planned: Planned, side: Side) -> None:
    board, keys = planned
    board.start_execution()  # the tracker owns the sprint now: a new name must not move the story
    iterations = {it.id: it.name for it in board.state().of(Iteration).values()}
    planned_in = board.item(keys["one"]).iteration_id
    side.rename_sprint_1("Launch week")  # no number left to map it by
    side.set_done(keys["one"])
    poll(board)
    story = board.item(keys["one"])
    assert (story.iteration_id, story.status) == (planned_in, StoryStatus.DONE)
    assert {it.id: it.name for it in board.state().of(Iteration).values()} == iterations


def test_a_removed_points_field_leaves_the_boards_points(planned: Planned, side: Side) -> None:
    board, keys = planned
    side.remove_points_field()
    side.retitle(keys["one"], "Pay by card or wallet")
    poll(board)
    story = board.item(keys["one"])
    assert (story.title, story.points) == ("Pay by card or wallet", 5)
    assert any(t.startswith(side.product) and "the board keeps its points" in t for t in log_texts(board))


def test_a_new_issue_in_scope_becomes_a_story(planned: Planned, side: Side) -> None:
    board, keys = planned
    before = board.state().seq
    key = side.add_story("Refunds", "Atlas", 2)
    report = poll(board)
    story = board.item(key)
    assert story is not None and (story.title, story.points) == ("Refunds", 2)
    assert story.team_id == board.item(keys["one"]).team_id and not report.skipped
    assert {event.actor.label for event in board.op_path.events_since(board.board_id, before)} == {
        side.product
    }


def test_a_story_of_a_team_the_board_lacks_is_skipped_with_the_reason(planned: Planned, side: Side) -> None:
    board, _ = planned
    key = side.add_story("Star map", "Nova", 1)
    report = poll(board)
    assert board.item(key) is None
    assert report.skipped == [f"{key}: no team named 'Nova' on this board (the RTE adds the team on Admin)"]
    # Later on, past the overlap (and Jira's minute) that reads recent changes again: no change reads it.
    board.store.update_state(board.board_id, cursor=datetime.now(UTC) + OVERLAP + timedelta(minutes=1))
    assert poll(board).skipped and board.item(key) is None  # read again at each poll, skipped again
    board.op_path.submit(
        board.board_id, Op("team.create", None, None, {"id": "nova", "name": "Nova"}, "t-n"), RTE
    )
    report = poll(board)  # once the RTE adds the team, the story comes with no change in the tracker
    assert not report.skipped and board.item(key).team_id == "nova"


def test_a_locked_plan_holds_the_sync_until_it_is_unlocked(planned: Planned, side: Side) -> None:
    board, keys = planned
    board.lock()
    cursor = board.status().cursor
    side.set_done(keys["one"])
    report = poll(board)
    assert report.waiting and board.item(keys["one"]).status == StoryStatus.TODO
    assert board.status().cursor == cursor
    board.lock(False)
    report = poll(board)
    assert not report.waiting and board.item(keys["one"]).status == StoryStatus.DONE


# --- faults ----------------------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says_then_the_poll_succeeds(
    planned: Planned, side: Side, waits: list[float]
) -> None:
    board, keys = planned
    side.set_done(keys["one"])
    side.rate_limit(2, 7)
    poll(board)
    assert waits == [7.0, 7.0]
    assert board.item(keys["one"]).status == StoryStatus.DONE


def test_5xx_backs_off_and_retries(planned: Planned, side: Side, waits: list[float]) -> None:
    board, keys = planned
    side.set_done(keys["one"])
    side.outage(2)
    poll(board)
    assert waits == [0.5, 1.0]
    assert board.item(keys["one"]).status == StoryStatus.DONE and board.status().reachable


def test_an_outage_beyond_the_retries_is_unreachable_and_the_board_keeps_working(
    planned: Planned, side: Side, waits: list[float]
) -> None:
    board, keys = planned
    before = board.status()
    side.outage(None)
    side.set_done(keys["one"])
    report = board.sync.poll(board.board_id)
    assert report.failed.startswith(f"{side.product} unreachable: ")
    assert waits == [0.5, 1.0, 2.0]  # four tries, backed off, then the poll gives up
    down = board.status()
    assert (down.state, down.reachable, down.message) == ("syncing", False, report.failed)
    assert (down.cursor, down.last_synced_at) == (before.cursor, before.last_synced_at)
    assert board.store.log_lines(board.board_id, 1)[0].text == report.failed
    story = board.item(keys["two"])  # a person's edit to what the board owns lands meanwhile
    board.op_path.submit(
        board.board_id, Op("story.update", story.id, story.version, {"iteration_id": None}, "t-1"), RTE
    )
    assert board.item(keys["two"]).iteration_id is None
    side.recover()
    poll(board)
    up = board.status()
    assert (up.reachable, up.message) == (True, "") and up.last_synced_at > before.last_synced_at  # type: ignore[operator]
    assert board.item(keys["one"]).status == StoryStatus.DONE


def test_a_tracker_that_does_not_answer_in_time_is_unreachable(planned: Planned, side: Side) -> None:
    board, keys = planned
    board.read_with(quick_reader(timeout=0.2, attempts=2))
    side.hang(1.0, 2)
    report = board.sync.poll(board.board_id)
    assert report.failed.startswith(f"{side.product} unreachable: no answer")
    assert not board.status().reachable
    side.set_done(keys["one"])
    poll(board)  # the next poll finds it answering again
    assert board.status().reachable and board.item(keys["one"]).status == StoryStatus.DONE


def test_a_refused_token_pauses_the_sync_until_a_new_token_is_given(planned: Planned, side: Side) -> None:
    board, keys = planned
    side.revoke()
    report = board.sync.poll(board.board_id)
    assert report.failed.startswith(f"paused: {side.product} refused the token (")
    assert report.failed.endswith("give a new token on Admin")
    paused = board.status()
    assert (paused.state, paused.message, paused.poll_due_at) == ("paused", report.failed, None)
    assert board.store.due(datetime.now(UTC) + timedelta(days=1)) == []  # no poll is due any more
    again = board.sync.poll(board.board_id)
    assert (again.failed, again.requests) == ("the sync is paused", 0)
    side.rotate_token("a-new-token")
    side.set_done(keys["one"])
    board.store.connect(board.board_id, paused.settings, Secret("a-new-token"))
    assert (board.status().state, board.status().message) == ("syncing", "")
    poll(board)
    assert board.item(keys["one"]).status == StoryStatus.DONE


def test_jira_403_pauses_with_the_missing_permission(
    op_path: OpPath, store: TrackerStore, jira: JiraEmulator
) -> None:
    board = connect_jira(op_path, store, jira, reader=quick_reader())
    board.sync.first_apply(board.board_id, RTE)
    jira.revoke(403)
    report = board.sync.poll(board.board_id)
    assert report.failed.startswith(
        "paused: Jira refused the token (the token's user lacks a permission (403)"
    )
    assert board.status().state == "paused"


def test_the_token_never_shows(planned: Planned, side: Side) -> None:
    board, _ = planned
    settings = board.status().settings
    token = side.token
    secrets = [token, b64encode(f"{settings.user}:{token}".encode()).decode()]
    texts: list[str] = []
    for fault in (lambda: side.outage(None), side.revoke):
        fault()
        texts.append(board.sync.poll(board.board_id).failed)
        reader = quick_reader(attempts=1)(board.status(), token)
        with pytest.raises(TrackerError) as raised:
            reader.all_issues()
        reader.close()
        texts += ["".join(traceback.format_exception(raised.value)), repr(raised.value), repr(reader)]
        side.recover()
    texts += [*log_texts(board), repr(board.status()), board.status().message]
    assert len(texts) > 8 and not [text for text in texts for secret in secrets if secret in text]
