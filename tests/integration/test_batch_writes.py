"""A batch is applied in memory and written in bulk: the stored rows are exactly what the ops made.

Each item row is written once, as it is at the end of the batch (created, changed and deleted items
within one batch included); a resend of an op within the batch is acked as a duplicate; a refused op
leaves nothing behind; and the board read back from the database equals the writer's board.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from board import Actor, Op, Role
from board.public import public_state
from server.store.db import make_engine, upgrade
from server.store.op_path import BatchRefused, OpPath

RTE = Actor("rte", "Rita", Role.RTE)


@pytest.fixture
def op_path(db_url: str) -> Iterator[OpPath]:
    upgrade(db_url)
    engine = make_engine(db_url)
    op_path = OpPath(engine)
    yield op_path
    op_path.close()  # as the app's shutdown: the snapshots handed to the background are stored first
    engine.dispose()


def read_back(db_url: str, board_id: str) -> dict[str, object]:
    """The board as another process loads it: from the database only."""
    engine = make_engine(db_url)
    try:
        return public_state(OpPath(engine).state(board_id))
    finally:
        engine.dispose()


def test_a_batch_stores_each_item_as_it_ends_and_reads_back_equal(op_path: OpPath, db_url: str) -> None:
    board_id = op_path.create_board("Batch ART", RTE)
    op_path.submit(board_id, Op("risk.create", args={"id": "kept", "title": "Kept"}), RTE)
    start = op_path.state(board_id).seq
    ops = [
        Op("risk.create", args={"id": "r1", "title": "First"}, client_op_id="b-1"),
        Op("risk.update", target="r1", base_version=1, args={"title": "First, renamed"}, client_op_id="b-2"),
        Op("risk.create", args={"id": "gone", "title": "Short-lived"}, client_op_id="b-3"),
        Op("risk.delete", target="gone", base_version=1, client_op_id="b-4"),
        Op("risk.update", target="kept", base_version=1, args={"title": "Kept, changed"}, client_op_id="b-5"),
        Op("risk.delete", target="kept", base_version=2, client_op_id="b-6"),
        Op("risk.create", args={"id": "r1-twin", "title": "Resent"}, client_op_id="b-1"),  # a resend of b-1
    ]
    committed = op_path.submit_batch(board_id, ops, RTE)
    assert [c.seq for c in committed] == [start + n for n in range(1, 7)] + [start + 1]
    assert committed[-1].duplicate and not any(c.duplicate for c in committed[:-1])
    state = op_path.state(board_id)
    assert state.seq == start + 6
    assert sorted(state.items["risk"]) == ["r1"] and state.items["risk"]["r1"].title == "First, renamed"
    assert read_back(db_url, board_id) == public_state(state)
    rows = op_path.events_since(board_id, start)
    assert [e.client_op_id for e in rows] == [f"b-{n}" for n in range(1, 7)]


def test_a_refused_op_in_a_batch_writes_nothing(op_path: OpPath, db_url: str) -> None:
    board_id = op_path.create_board("Batch ART", RTE)
    before = read_back(db_url, board_id)
    seq = op_path.state(board_id).seq
    ops = [
        Op("risk.create", args={"id": "r1", "title": "Fine"}),
        Op("risk.update", target="r1", base_version=7, args={"title": "Stale"}),
    ]
    with pytest.raises(BatchRefused) as refused:
        op_path.submit_batch(board_id, ops, RTE)
    assert refused.value.index == 1
    assert op_path.state(board_id).seq == seq and read_back(db_url, board_id) == before
    assert op_path.events_since(board_id, seq) == []


def test_a_batch_sent_again_is_acked_op_by_op_without_applying_anything_twice(op_path: OpPath) -> None:
    """A thousand-op import resent after a lost answer: every op already applied is found (in a few
    queries), acked with its event's seq; only the op that is new applies."""
    board_id = op_path.create_board("Resent ART", RTE)
    ops = [Op("risk.create", args={"title": f"Risk {n}"}, client_op_id=f"imp-{n}") for n in range(1200)]
    first = op_path.submit_batch(board_id, ops, RTE)
    other = Actor("po", "Pat", Role.RTE)
    again = op_path.submit_batch(
        board_id, [*ops, Op("risk.create", args={"title": "New"}, client_op_id="imp-new")], RTE
    )
    assert [c.seq for c in again[:-1]] == [c.seq for c in first]
    assert all(c.duplicate for c in again[:-1]) and not again[-1].duplicate
    assert len(op_path.state(board_id).risks) == 1201
    # Scoped to the sender: another participant's same ids are theirs, not resends.
    assert not any(c.duplicate for c in op_path.submit_batch(board_id, ops[:3], other))
