"""board.events: the one event type, its row codec, its public shape and replay."""

from __future__ import annotations

from datetime import UTC, datetime

from plan_builder import RTE, T0, Session, member_of

from board.core import Committed, Op
from board.events import Direction, from_row, public_event, replay, replay_events, to_row
from board.model import BoardState
from board.public import public_state


def committed(session: Session, op_type: str, target: str | None = None, **args: object) -> Committed:
    op = Op(
        op_type, target, session.version_of(op_type, target), dict(args), client_op_id=f"c{session.state.seq}"
    )
    changes = session.apply(op)
    return Committed(
        session.state.board_id, session.state.seq, op.client_op_id, op, changes, RTE, session.now
    )


def test_a_row_decodes_to_the_event_it_was_encoded_from(plan: Session) -> None:
    event = committed(plan, "feature.create", id="f1", title="Checkout", team_id="alpha", iteration_id="i1")
    row = to_row(event)
    assert row["op_type"] == "feature.create"
    assert row["at"] == datetime.fromtimestamp(T0, UTC)
    assert from_row(row) == event


def test_a_naive_timestamp_from_sqlite_is_read_as_utc(plan: Session) -> None:
    row = to_row(committed(plan, "team.create", id="delta", name="Delta"))
    row["at"] = row["at"].replace(tzinfo=None)
    assert from_row(row).at == T0


def test_the_public_event_hides_a_secret_ballot(plan: Session) -> None:
    plan.do("vote.open")
    (round_id,) = plan.state.items["vote"]
    voter = member_of("alpha")
    op = Op("vote.cast", round_id, args={"value": 2, "reason": "too much"}, client_op_id="v1")
    changes = plan.apply(op, voter)
    event = Committed("b1", plan.state.seq, "v1", op, changes, voter, T0)
    shown = public_event(plan.state, event)
    assert shown["op"]["args"] == {"value": None, "reason": None}
    assert shown["changes"][0]["after"]["value"] is None
    assert shown["actor"] == {"name": "Tess", "role": "team", "team_id": "alpha"}
    assert "id" not in shown["actor"]


def test_replay_forward_then_backward_returns_to_each_state(plan: Session) -> None:
    before = BoardState(plan.state.board_id, plan.state.seq, dict(plan.state.items))
    events = [
        committed(plan, "feature.create", id="f1", title="Checkout", team_id="alpha", iteration_id="i1"),
        committed(plan, "story.create", id="s1", title="Pay", feature_id="f1", iteration_id="i1", points=3),
        committed(plan, "feature.move", "f1", iteration_id="i3"),
        committed(plan, "feature.delete", "f1"),
    ]
    after = plan.state
    back = replay_events(after, events, Direction.BACKWARD)
    assert back.seq == before.seq
    assert public_state(back) == public_state(before)
    forward = replay_events(before, events, Direction.FORWARD)
    assert forward.seq == after.seq
    assert public_state(forward) == public_state(after)


def test_replay_leaves_the_state_it_was_given_as_it_was(plan: Session) -> None:
    event = committed(plan, "feature.create", id="f1", title="Checkout", team_id="alpha")
    features = plan.state.items["feature"]
    back = replay(plan.state, event.changes, Direction.BACKWARD, seq=event.seq - 1)
    assert "f1" not in back.items["feature"]
    assert plan.state.items["feature"] is features and "f1" in features
    assert back.items["team"] is plan.state.items["team"]  # untouched kinds are shared, not copied
