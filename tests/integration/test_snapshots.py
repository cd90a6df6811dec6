"""Stored snapshots: the past opens in a new process (after a restart) from the board kept every
``SNAPSHOT_EVERY`` events in the database, replaying a few events instead of the whole history; a
snapshot that cannot be read is passed over and reported, and the answer is still right. On a real
SQLite file and on a real PostgreSQL database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update

from board import Actor, BoardState, Op, Role
from board.model import Meta, Story, StoryStatus, Team
from board.public import public_state
from server.store import board_store as store
from server.store.board_store import BoardStore, nearest_start
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from server.store.snapshots import FORMAT, IN_MEMORY, SNAPSHOT, RecentSnapshots, decode, encode

RTE = Actor("rte", "Rita", Role.RTE)
EVERY = 20


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres").create_database("snapshots"))
    else:
        url = f"sqlite:///{tmp_path / 'piboard.db'}"
    upgrade(url)
    return url


class Processes:
    """Stores on the test's database, each with its own engine as a process has. When the test ends
    they are closed as the app closes its store at shutdown (their snapshots written), then their
    engines."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engines: list[Engine] = []
        self.stores: list[BoardStore] = []

    def engine(self) -> Engine:
        self.engines.append(make_engine(self.url))
        return self.engines[-1]

    def writer(self) -> OpPath:
        writer = OpPath(self.engine())
        self.stores.append(writer)
        return writer

    def reader(self) -> BoardStore:
        """A store in a process that never read the board: a new engine and nothing in memory."""
        self.stores.append(BoardStore(self.engine()))
        return self.stores[-1]

    def close(self) -> None:
        for each in self.stores:
            each.close()
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
def processes(url: str) -> Iterator[Processes]:
    opened = Processes(url)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def every_twenty_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SNAPSHOT_EVERY", EVERY)


def a_busy_board(op_path: OpPath, events: int) -> tuple[str, dict[int, Any]]:
    """A board with ``events`` events (a team, then risks renamed over and over), and what a client
    saw of it after each one."""
    board_id = op_path.create_board("ART", RTE)
    op_path.submit(board_id, Op("team.create", args={"id": "t1", "name": "Team One"}), RTE)
    seen = {}
    while (seq := op_path.state(board_id).seq) < events:
        risks = sorted(op_path.state(board_id).risks, key=lambda r: r.id)
        if seq % 3 == 2:
            op_path.submit(board_id, Op("risk.create", args={"title": f"Risk {seq}", "team_id": "t1"}), RTE)
        else:
            risk = risks[seq % len(risks)]
            op_path.submit(board_id, Op("risk.update", risk.id, risk.version, {"title": f"At {seq}"}), RTE)
        seen[op_path.state(board_id).seq] = public_state(op_path.state(board_id))
    op_path.flush_snapshots(timeout=60)
    return board_id, seen


def stored_seqs(engine: Engine, board_id: str) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(SNAPSHOT.c.seq).where(SNAPSHOT.c.board_id == board_id).order_by(SNAPSHOT.c.seq)
            ).scalars()
        )


def test_a_restarted_process_opens_the_past_from_the_stored_snapshot(processes: Processes) -> None:
    board_id, seen = a_busy_board(processes.writer(), 90)
    reader = processes.reader()
    assert stored_seqs(reader.engine, board_id) == [20, 40, 60, 80]

    assert public_state(reader.state_at(board_id, 43)) == seen[43]
    assert reader.events_replayed == 3  # forward from the snapshot at 40, not 43 from the start

    before = reader.events_replayed
    assert public_state(reader.state_at(board_id, 57)) == seen[57]
    assert reader.events_replayed - before == 3  # backward from the snapshot at 60


def test_every_stored_snapshot_is_the_board_its_events_give(processes: Processes) -> None:
    board_id, seen = a_busy_board(processes.writer(), 70)
    reader = processes.reader()
    for seq in stored_seqs(reader.engine, board_id):
        assert public_state(reader.state_at(board_id, seq)) == seen[seq]
    assert reader.events_replayed == 0


def test_a_snapshot_that_does_not_decode_is_reported_and_the_past_is_replayed(processes: Processes) -> None:
    op_path = processes.writer()
    board_id, seen = a_busy_board(op_path, 90)
    other_board = op_path.create_board("Another ART", RTE)
    with op_path.engine.begin() as conn:
        at = (SNAPSHOT.c.board_id == board_id) & (SNAPSHOT.c.seq == 40)
        conn.execute(update(SNAPSHOT).where(at).values(data=b"not a snapshot"))
        # Another board's snapshot stored under this board's moment 60.
        alien = encode(op_path.state(other_board))
        conn.execute(
            update(SNAPSHOT)
            .where((SNAPSHOT.c.board_id == board_id) & (SNAPSHOT.c.seq == 60))
            .values(data=alien)
        )
    reader = processes.reader()
    for seq in (41, 43, 57):
        assert public_state(reader.state_at(board_id, seq)) == seen[seq], seq
    problems = {p.row: p.problem for p in reader.row_problems.of(board_id)}
    assert set(problems) == {"snapshot 40", "snapshot 60"}
    assert "replayed from the events" in problems["snapshot 40"]


def test_a_snapshot_of_an_older_format_is_ignored_reported_and_rewritten(processes: Processes) -> None:
    board_id, seen = a_busy_board(processes.writer(), 50)
    engine = processes.engine()
    with engine.begin() as conn:
        conn.execute(update(SNAPSHOT).where(SNAPSHOT.c.board_id == board_id).values(format=FORMAT - 1))
    reader = processes.reader()
    assert public_state(reader.state_at(board_id, 22)) == seen[22]
    assert reader.events_replayed == 22  # forward from the start: no snapshot was usable
    assert "older format" in {p.row: p.problem for p in reader.row_problems.of(board_id)}["snapshot 20"]

    reader.keep_snapshots(board_id)  # what opening the history page does
    reader.flush_snapshots(timeout=60)
    with engine.connect() as conn:
        formats = conn.execute(select(SNAPSHOT.c.format).where(SNAPSHOT.c.board_id == board_id)).scalars()
        assert set(formats) == {FORMAT}
    fresh = processes.reader()
    assert public_state(fresh.state_at(board_id, 22)) == seen[22]
    assert fresh.events_replayed == 2


def test_a_board_from_before_snapshots_fills_them_in_as_its_past_is_read(processes: Processes) -> None:
    board_id, seen = a_busy_board(processes.writer(), 70)
    engine = processes.engine()
    with engine.begin() as conn:
        conn.execute(SNAPSHOT.delete())
    reader = processes.reader()
    assert public_state(reader.state_at(board_id, 30)) == seen[30]  # 30 events forward, meeting 20
    reader.flush_snapshots(timeout=60)
    assert stored_seqs(engine, board_id) == [20]

    reader.keep_snapshots(board_id)
    reader.flush_snapshots(timeout=60)
    assert stored_seqs(engine, board_id) == [20, 40, 60]
    fresh = processes.reader()
    assert public_state(fresh.state_at(board_id, 62)) == seen[62]
    assert fresh.events_replayed == 2


def test_edits_are_accepted_when_a_snapshot_cannot_be_stored(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    op_path = processes.writer()
    with op_path.engine.begin() as conn:
        conn.execute(text("DROP TABLE board_snapshot"))
    with caplog.at_level(logging.WARNING, logger="piboard.snapshots"):
        board_id, seen = a_busy_board(op_path, 45)
    assert "snapshot at event 20 not stored" in caplog.text
    assert [e.seq for e in op_path.events_since(board_id, 0)] == list(range(1, 46))
    assert public_state(OpPath(op_path.engine).state(board_id)) == seen[45]


def test_a_process_keeps_only_the_snapshots_it_used_last_in_memory() -> None:
    recent = RecentSnapshots()
    for seq in range(1, IN_MEMORY + 3):
        recent.put(BoardState("b", seq))
    assert recent.get("b", 3) is not None  # used again: kept over older ones
    recent.put(BoardState("b", 100))
    assert recent.seqs("b") == {3, *range(5, IN_MEMORY + 3), 100}
    assert recent.get("b", 1) is None and recent.get("other", 3) is None


def test_a_replay_starts_from_the_nearest_known_moment_the_earlier_of_two() -> None:
    assert nearest_start(43, {0, 40, 60, 90}) == 40
    assert nearest_start(57, {0, 40, 60, 90}) == 60
    assert nearest_start(50, {0, 40, 60, 90}) == 40  # forward: never needs the newest board read
    assert nearest_start(88, {0, 40, 60, 90}) == 90


def test_a_batch_keeps_only_the_last_moment_it_reaches_and_the_past_is_still_right(
    processes: Processes,
) -> None:
    """A big import reaches many snapshot moments; each is a whole board to encode beside people's
    edits, so only its last one is stored, and the past between them is replayed from it."""
    op_path = processes.writer()
    board_id = op_path.create_board("ART", RTE)
    op_path.submit(board_id, Op("team.create", args={"id": "t1", "name": "Team One"}), RTE)
    ops = [Op("risk.create", args={"title": f"Risk {n}", "team_id": "t1"}) for n in range(70)]
    op_path.submit_batch(board_id, ops, RTE)  # events 3 to 72: moments 20, 40 and 60
    op_path.flush_snapshots(timeout=60)
    reader = processes.reader()
    assert stored_seqs(reader.engine, board_id) == [60]
    titles = {r.title for r in reader.state_at(board_id, 41).risks}
    assert titles == {f"Risk {n}" for n in range(39)}


def test_a_snapshot_of_many_items_decodes_to_the_same_board() -> None:
    """``encode`` writes a few hundred items at a time: items across its pieces, kinds with none."""
    state = BoardState("b", 7)
    state.items["meta"]["meta"] = Meta("meta", name="ART")
    state.items["team"]["t"] = Team("t", name='Quote " and é')
    for n in range(1203):
        state.items["story"][f"s{n}"] = Story(f"s{n}", title=f"S{n}", after=["s0"], status=StoryStatus.DONE)
    assert decode("b", 7, encode(state)).items == state.items
