"""The event log is the board: for random op sequences on random boards (a real SQLite file), replaying
the log forward from empty gives the stored board, and replaying it backward from now gives every
earlier ``state_at(seq)``, whichever snapshot ``state_at`` starts from; every snapshot the op path
stores is the board at its moment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from board import Actor, BoardState, Op, Refused, Role
from board.events import Direction, replay, replay_events
from board.public import public_state
from server.store import board_store as store
from server.store.board_store import BoardStore
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from server.store.snapshots import SNAPSHOT, decode

RTE = Actor("rte", "Rita", Role.RTE)
KINDS = ("team", "iteration", "feature", "story", "dependency", "objective", "risk", "milestone")

# An intent: an op type and a few numbers the op is built from on the board as it is (targets, values).
intents = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "team.create",
                "iteration.create",
                "feature.create",
                "story.create",
                "dependency.create",
                "objective.create",
                "risk.create",
                "milestone.create",
                "feature.move",
                "story.move",
                "update",
                "delete",
                "risk.roam",
                "objective.set_bv",
                "event.undo",
                "plan.lock",
                "plan.unlock",
            ]
        ),
        st.integers(0, 30),
        st.integers(0, 30),
        st.integers(0, 30),
        st.integers(0, 5).map(lambda n: n == 0),  # now and then, an edit of a version seen earlier
    ),
    min_size=1,
    max_size=40,
)


def pick(state: BoardState, kind: str, n: int, none_too: bool = False) -> str | None:
    ids = sorted(state.items[kind])
    if none_too:
        ids = [None, *ids]  # type: ignore[list-item]
    return ids[n % len(ids)] if ids else None


def build(state: BoardState, intent: tuple[str, int, int, int, bool]) -> Op:
    """An op for the intent on this board; it may well be refused, like a person's."""
    kind_or_type, a, b, c, stale = intent
    team, other = pick(state, "team", a), pick(state, "team", b)
    iteration = pick(state, "iteration", b, none_too=True)
    if kind_or_type in ("update", "delete"):
        kind = KINDS[a % len(KINDS)]
        target = pick(state, kind, b)
        item = state.items[kind].get(target or "")
        base = (item.version - int(stale)) if item is not None else None
        args: dict[str, Any] = {}
        if kind_or_type == "update":
            text = {"team": "name", "iteration": "name", "objective": "statement", "dependency": "need"}
            args = {text.get(kind, "title"): f"Renamed {c}"}
        return Op(f"{kind}.{kind_or_type}", target, base, args)
    if kind_or_type == "event.undo":
        return Op("event.undo", str(max(state.seq - a % 6, 1)))
    args = {
        "team.create": {"name": f"Team {a}"},
        "iteration.create": {"number": 1 + a % 6},
        "feature.create": {"title": f"F{a}", "team_id": team, "iteration_id": iteration},
        "story.create": {
            "title": f"S{a}",
            "team_id": team,
            "iteration_id": iteration,
            "feature_id": pick(state, "feature", c, none_too=True),
            "points": c % 13,
        },
        "dependency.create": {"need": f"D{a}", "requesting_team_id": team, "provider_team_id": other},
        "objective.create": {"statement": f"O{a}", "team_id": team},
        "risk.create": {"title": f"R{a}", "team_id": team},
        "milestone.create": {"title": f"M{a}", "iteration_id": iteration},
        "feature.move": {"iteration_id": iteration, "team_id": other},
        "story.move": {"iteration_id": iteration},
        "risk.roam": {"roam": ["resolved", "owned", "accepted", "mitigated"][c % 4], "owner": "Ana"},
        "objective.set_bv": {"value": 1 + c % 10},
    }.get(kind_or_type, {})
    kind = kind_or_type.split(".")[0]
    if kind_or_type.endswith(("move", "roam", "set_bv")):
        target = pick(state, kind, a)
        item = state.items[kind].get(target or "")
        return Op(kind_or_type, target, (item.version - int(stale)) if item is not None else None, args)
    return Op(kind_or_type, None, None, args)


@pytest.fixture(scope="module")
def op_path(tmp_path_factory: pytest.TempPathFactory) -> OpPath:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('replay')) / 'piboard.db'}"
    upgrade(url)
    return OpPath(make_engine(url))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=intents, snapshot_every=st.integers(2, 9))
def test_the_log_replayed_forward_and_backward_gives_every_state(
    op_path: OpPath,
    monkeypatch: pytest.MonkeyPatch,
    plan: list[tuple[str, int, int, int, bool]],
    snapshot_every: int,
) -> None:
    monkeypatch.setattr(store, "SNAPSHOT_EVERY", snapshot_every)
    board_id = op_path.create_board("Random ART", RTE)
    seen = {op_path.state(board_id).seq: public_state(op_path.state(board_id))}
    for intent in plan:
        try:
            committed = op_path.submit(board_id, build(op_path.state(board_id), intent), RTE)
        except Refused:
            continue
        seen[committed.seq] = public_state(op_path.state(board_id))
    events = op_path.events_since(board_id, 0, limit=10_000)
    now = op_path.state(board_id)
    assert [e.seq for e in events] == list(range(1, now.seq + 1))

    # Forward from empty: the stored rows, read afresh by another process.
    from_rows = OpPath(op_path.engine).state(board_id)
    assert public_state(replay_events(BoardState(board_id), events, Direction.FORWARD)) == public_state(
        from_rows
    )

    # Backward from now: every earlier state, one event at a time and through state_at.
    state = now
    for event in reversed(events):
        state = replay(state, event.changes, Direction.BACKWARD, seq=event.seq - 1)
        if event.seq - 1 in seen:
            assert public_state(state) == seen[event.seq - 1]
    for seq, expected in seen.items():
        assert public_state(op_path.state_at(board_id, seq)) == expected, seq
    # Every snapshot the op path stored on the way is the board at its moment.
    op_path.flush_snapshots(timeout=60)
    with op_path.engine.connect() as conn:
        rows = conn.execute(
            select(SNAPSHOT.c.seq, SNAPSHOT.c.data)
            .where(SNAPSHOT.c.board_id == board_id)
            .order_by(SNAPSHOT.c.seq)
        ).all()
    assert [seq for seq, _ in rows] == [s for s in range(1, now.seq + 1) if s % snapshot_every == 0]
    for seq, data in rows:
        assert public_state(decode(board_id, seq, data)) == seen[seq], seq
    # A store that met the whole history first (as opening the history page makes it) agrees.
    opened = BoardStore(op_path.engine)
    opened.keep_snapshots(board_id)
    for seq, expected in seen.items():
        assert public_state(opened.state_at(board_id, seq)) == expected, seq
