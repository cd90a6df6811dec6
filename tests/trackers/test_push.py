"""Writing the plan to Jira / Azure DevOps, each test against Jira Cloud, Jira Data Center and Azure
DevOps (``side``): the preview lists every write, the push makes them in the tracker, logs each and
links the new issues' items on the board; a second push writes nothing; a change made in the tracker
and not synced yet is never written over; a refused write is said, a push stopped midway is finished
by the next. Sprint 2 holds no issue until the push: it is found on the tracker's board (Jira) or
iteration tree (Azure DevOps)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from board import Actor, Op
from board.errors import Forbidden, IllegalTransition
from board.model import Feature, Story, Team
from board.roles import Role
from server.store.op_path import OpPath, new_id
from server.store.trackers import TrackerStatus, TrackerStore
from server.watch.trackers.issues import TrackedIssue
from server.watch.trackers.push import NEW, PushPlan, TrackerPush, WriterFactory
from server.watch.trackers.writers import NewIssue, TrackerWriter, open_writer
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.conftest import RTE, AzureSide, Side, Synced, quick_reader

Planned = tuple[Synced, dict[str, str]]
# The issue types a new feature and a new story get: those of the linked items of their kind.
TYPES = {"Jira": ("Epic", "Story"), "Azure DevOps": ("Feature", "User Story")}


def rte(board: Synced, op_type: str, target: str | None = None, **args: Any) -> None:
    """``op_type`` by the RTE, on the item's version as it is now."""
    kind = op_type.split(".")[0]
    version = board.state().items[kind][target].version if target else None
    board.op_path.submit(board.board_id, Op(op_type, target, version, args, new_id()), RTE)


def by_title(board: Synced, title: str) -> Feature | Story:
    state = board.state()
    return next(i for i in [*state.of(Feature).values(), *state.of(Story).values()] if i.title == title)


def held(board: Synced, side: Side) -> dict[str, TrackedIssue]:
    """What the tracker holds now, read over HTTP as the sync reads it, by key."""
    reader = quick_reader()(board.status(), side.token)
    try:
        return {issue.key: issue for issue in reader.all_issues()}
    finally:
        reader.close()


def sprint(issue: TrackedIssue) -> str | None:
    return issue.sprint.name if issue.sprint else None


def rows(plan: PushPlan) -> set[tuple[str, str, str, str]]:
    return {(w.issue, w.what, w.before, w.after) for w in plan.writes}


@pytest.fixture
def replanned(planned: Planned) -> Planned:
    """The plan as the room changed it: "two" moved to Sprint 2, the ledger needed by Checkout, a story
    and a feature with a story of its own born on the board (one in Sprint 3, which no tracker has)."""
    board, keys = planned
    teams = {t.name: t.id for t in board.state().of(Team).values()}
    rte(board, "iteration.create", id="it-2", number=2, name="Sprint 2")
    rte(board, "iteration.create", id="it-3", number=3, name="Sprint 3")
    feature, one, two, ledger = (board.item(keys[k]).id for k in ("feature", "one", "two", "ledger"))
    rte(board, "story.update", two, iteration_id="it-2")
    rte(
        board,
        "dependency.create",
        id="dep-1",
        need="the ledger's API",
        requesting_team_id=teams["Atlas"],
        requesting_feature_id=feature,
        provider_team_id=teams["Zephyr"],
        provider_story_id=ledger,
    )
    atlas, zephyr = teams["Atlas"], teams["Zephyr"]
    rte(board, "story.create", id="s-1", title="Refunds", team_id=atlas, iteration_id="it-2", points=3,
        feature_id=feature, after=[one])  # fmt: skip
    rte(board, "feature.create", id="f-1", title="Payouts", team_id=zephyr, iteration_id="it-3")
    rte(board, "story.create", id="s-2", title="Payout report", team_id=zephyr, points=2, feature_id="f-1")
    return board, keys


def test_the_preview_lists_every_write_and_what_is_not_written(replanned: Planned, side: Side) -> None:
    board, keys = replanned
    feature_type, story_type = TYPES[side.product]
    plan = TrackerPush(board.op_path, board.store).preview(board.board_id)
    assert rows(plan) == {
        (NEW, "create", "", f"{feature_type} 'Payouts' (Zephyr)"),
        (NEW, "create", "", f"{story_type} 'Payout report' (Zephyr, 2 points, under new 'Payouts')"),
        (NEW, "create", "", f"{story_type} 'Refunds' (Atlas, Sprint 2, 3 points, under {keys['feature']})"),
        (keys["two"], "sprint", "Sprint 1", "Sprint 2"),
        (keys["ledger"], "blocks", "", keys["feature"]),
        (keys["one"], "blocks", "", "new 'Refunds'"),
    }
    assert plan.notes == [f"no sprint in {side.product} for iteration 3"]
    assert plan.to_dict()["writes"][0].keys() == {"issue", "what", "from", "to", "item_id", "title"}
    assert sprint(held(board, side)[keys["two"]]) == "Sprint 1"  # a preview writes nothing


def test_the_push_writes_the_plan_then_a_second_push_writes_nothing(replanned: Planned, side: Side) -> None:
    board, keys = replanned
    push = TrackerPush(board.op_path, board.store)
    board.lock()
    report = push.push(board.board_id, RTE)
    assert not report.failed and not report.stopped
    assert len(report.written) == 6

    now = held(board, side)
    refunds, payouts, report_story = (by_title(board, t) for t in ("Refunds", "Payouts", "Payout report"))
    made = now[refunds.external_key]
    assert (made.summary, made.team, made.points, sprint(made)) == ("Refunds", "Atlas", 3, "Sprint 2")
    assert made.parent_key == keys["feature"]
    assert (now[payouts.external_key].team, sprint(now[payouts.external_key])) == ("Zephyr", None)
    assert now[report_story.external_key].parent_key == payouts.external_key
    assert sprint(now[keys["two"]]) == "Sprint 2"
    assert keys["feature"] in now[keys["ledger"]].blocks
    assert refunds.external_key in now[keys["one"]].blocks

    writes = [line.text for line in board.store.log_lines(board.board_id) if line.kind == "write"]
    assert sorted(writes) == sorted(w.text(side.product) for w in report.written)
    assert f"{refunds.external_key} created: " in " ".join(writes)
    ids = board.status().memory["ids"]
    assert {
        ids[i.tracker_id] for i in now.values() if i.summary in ("Refunds", "Payouts", "Payout report")
    } == {
        refunds.external_key,
        payouts.external_key,
        report_story.external_key,
    }

    assert TrackerPush(board.op_path, board.store).preview(board.board_id).writes == []
    again = push.push(board.board_id, RTE)
    assert again.written == [] and not again.failed
    assert held(board, side) == now  # nothing written: no issue changed, not even its updated time


def test_the_next_poll_takes_the_new_issues_for_their_items(replanned: Planned, side: Side) -> None:
    board, _ = replanned
    board.lock()
    TrackerPush(board.op_path, board.store).push(board.board_id, RTE)
    board.lock(False)
    items = {(i.title, i.external_key) for i in [*board.state().stories, *board.state().features]}
    report = board.sync.poll(board.board_id)
    assert not report.failed and not report.skipped
    assert {(i.title, i.external_key) for i in [*board.state().stories, *board.state().features]} == items


def test_a_new_issues_item_is_linked_by_the_tracker_once_the_pi_runs(planned: Planned, side: Side) -> None:
    board, _ = planned
    board.start_execution()
    atlas = next(t.id for t in board.state().of(Team).values() if t.name == "Atlas")
    rte(board, "story.create", id="s-late", title="Late ask", team_id=atlas)
    seq = board.state().seq
    report = TrackerPush(board.op_path, board.store).push(board.board_id, RTE)
    assert [w.what for w in report.written] == ["create"]
    (event,) = board.op_path.events_since(board.board_id, seq)
    assert event.actor.tracker and event.actor.label == side.product
    assert by_title(board, "Late ask").external_key == report.written[0].issue


def test_a_change_in_the_tracker_not_synced_yet_is_not_written_over(planned: Planned, side: Side) -> None:
    board, keys = planned
    side.set_points(keys["two"], 8)  # the team re-estimates: the tracker owns points
    board.start_execution()
    side.move_to_sprint_2(keys["one"])  # the PI runs: the tracker owns the sprint too
    plan = TrackerPush(board.op_path, board.store).preview(board.board_id)
    assert plan.writes == []
    assert sorted(plan.notes) == [
        f"{keys['one']}: moved to Sprint 2 in {side.product} since the last sync; the sync brings it",
        f"{keys['two']}: points changed in {side.product} since the last sync; the sync brings them",
    ]


def test_the_push_waits_for_the_lock_and_is_the_rtes(replanned: Planned) -> None:
    board, _ = replanned
    push = TrackerPush(board.op_path, board.store)
    with pytest.raises(IllegalTransition, match="lock the plan first"):
        push.push(board.board_id, RTE)
    board.lock()
    for someone in (
        Actor("pm-1", "Paula", Role.PRODUCT_MANAGEMENT),
        Actor("t", "Jira", Role.RTE, tracker=True),
    ):
        with pytest.raises(Forbidden):
            push.push(board.board_id, someone)
    assert not [line for line in board.store.log_lines(board.board_id) if line.kind in ("write", "push")]


def test_the_push_waits_for_a_poll_under_way(replanned: Planned) -> None:
    board, _ = replanned
    board.lock()
    assert board.store.take_lease(board.board_id, "another-process", datetime.now(UTC), 60)
    with pytest.raises(IllegalTransition, match="the sync is reading"):
        TrackerPush(board.op_path, board.store).push(board.board_id, RTE)
    board.store.release_lease(board.board_id, "another-process")
    assert TrackerPush(board.op_path, board.store).push(board.board_id, RTE).written
    assert board.store.take_lease(board.board_id, "another-process", datetime.now(UTC), 60)  # let go


def test_a_write_the_tracker_refuses_is_said_and_the_others_are_made(
    op_path: OpPath, store: TrackerStore, azure: AzureEmulator
) -> None:
    side = AzureSide(azure)
    side.plan()
    board = side.connect(op_path, store)
    board.sync.first_apply(board.board_id, RTE)
    atlas = next(t.id for t in board.state().of(Team).values() if t.name == "Atlas")
    rte(board, "team.create", id="t-nova", name="Nova")  # no area of its own in Azure DevOps yet
    rte(board, "story.create", id="s-1", title="Star map", team_id="t-nova")
    rte(board, "story.create", id="s-2", title="Refunds", team_id=atlas)
    board.lock()
    report = TrackerPush(board.op_path, board.store).push(board.board_id, RTE)
    (failed,) = report.failed
    assert failed.startswith("create User Story 'Star map' (Nova): TF401347")
    assert [w.title for w in report.written] == ["Refunds"] and by_title(board, "Refunds").external_key
    assert by_title(board, "Star map").external_key == ""
    logged = [line.text for line in board.store.log_lines(board.board_id) if line.kind == "write"]
    assert any(text.startswith("refused: create User Story 'Star map'") for text in logged)


def goes_down_after_the_first_issue_made(side: Side) -> WriterFactory:
    """The real writer, without waits, whose tracker goes down once it made one issue."""

    def factory(status: TrackerStatus, token: str) -> TrackerWriter:
        s = status.settings
        writer = open_writer(s.product, s.url, s.user, token, s.scope, sleep=lambda _s: None, attempts=2)
        create = writer.create

        def create_then_go_down(new: NewIssue, parent_key: str | None) -> tuple[str, str]:
            made = create(new, parent_key)
            side.outage(None)
            return made

        writer.create = create_then_go_down  # type: ignore[method-assign]
        return writer

    return factory


def test_a_push_the_tracker_stops_midway_is_finished_by_the_next(replanned: Planned, side: Side) -> None:
    board, _ = replanned
    board.lock()
    report = TrackerPush(board.op_path, board.store, writer=goes_down_after_the_first_issue_made(side)).push(
        board.board_id, RTE
    )
    assert report.stopped.startswith(f"stopped: {side.product}: ")
    assert report.stopped.endswith("push again to write the rest")
    assert [w.title for w in report.written] == ["Payouts"]
    payouts = by_title(board, "Payouts").external_key
    assert payouts and payouts in board.status().memory["ids"].values()
    side.recover()
    rest = TrackerPush(board.op_path, board.store).push(board.board_id, RTE)
    assert len(rest.written) == 5 and not rest.failed and not rest.stopped
    titles = [issue.summary for issue in held(board, side).values()]
    assert titles.count("Payouts") == 1 and titles.count("Payout report") == 1


def test_there_is_nothing_to_push_before_the_first_sync(
    op_path: OpPath, store: TrackerStore, side: Side
) -> None:
    board = side.connect(op_path, store)
    with pytest.raises(IllegalTransition, match="apply the first sync first"):
        TrackerPush(board.op_path, board.store).preview(board.board_id)
