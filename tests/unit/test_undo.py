"""Undo as an op (``event.undo``): every op type undone and redone, and every refusal with its reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from plan_builder import ARCH, BO, PM, RTE, Session, member_of

from board.errors import Forbidden, IllegalTransition, Invalid, NotFound, Stale
from board.public import public_state
from board.roles import PERMISSIONS
from board.undo import NOT_UNDOABLE, OWN_UNDO_SECONDS

ALPHA = member_of("alpha", "Ana")
BRAVO = member_of("bravo", "Ben")


def plan_without_versions(session: Session) -> dict[str, Any]:
    """The board as people see it: an undo puts values back, while versions only ever go up."""
    return {
        kind: {item_id: {k: v for k, v in data.items() if k != "version"} for item_id, data in items.items()}
        for kind, items in public_state(session.state).items()
    }


def undo(session: Session, seq: int, by: Any = RTE) -> int:
    session.do("event.undo", str(seq), by=by, base=None)
    return session.state.seq


@pytest.fixture
def board(plan: Session) -> Session:
    """The unit plan plus a feature with two stories, a dependency, an objective and a risk."""
    plan.feature("f1", "alpha", "i1")
    plan.story("s1", "alpha", "i1", 3, feature="f1")
    plan.story("s2", "alpha", "i2", 5, feature="f1")
    plan.dep("d1", "alpha", "bravo")
    plan.objective("o1", "alpha", features=["f1"])
    plan.risk("r1", team="alpha")
    plan.do("milestone.create", id="m1", title="Release", iteration_id="i2")
    return plan


# One op of each undoable type, as (op type, target, args) on the board above.
CASES: dict[str, Callable[[Session], tuple[str | None, dict[str, Any]]]] = {
    "board.update": lambda s: (None, {"name": "Renamed ART"}),
    "plan.lock": lambda s: (None, {}),
    "plan.unlock": lambda s: (s.do("plan.lock") and None, {}),
    "execution.start": lambda s: (s.do("baseline.take") and None, {}),
    "iteration.create": lambda s: (None, {"id": "i9", "number": 9}),
    "iteration.update": lambda s: ("i4", {"name": "Hardening"}),
    "iteration.delete": lambda s: ("i4", {}),
    "iteration.reorder": lambda s: (None, {"order": [i.id for i in reversed(s.state.iterations)]}),
    "team.create": lambda s: (None, {"id": "delta", "name": "Delta"}),
    "team.update": lambda s: ("charlie", {"color": "#123456"}),
    "team.delete": lambda s: (s.do("team.create", id="echo", name="Echo") and "echo", {}),
    "member.create": lambda s: (None, {"id": "m9", "name": "Mo", "team_id": "bravo"}),
    "member.update": lambda s: ("alpha-dev1", {"fte": 0.5}),
    "member.delete": lambda s: ("alpha-dev1", {}),
    "feature.create": lambda s: (
        None,
        {"id": "f2", "title": "Refunds", "team_id": "bravo", "iteration_id": "i2"},
    ),
    "feature.update": lambda s: ("f1", {"title": "Checkout v2"}),
    "feature.move": lambda s: ("f1", {"iteration_id": "i3", "team_id": "bravo"}),
    "feature.delete": lambda s: ("f1", {}),
    "story.create": lambda s: (None, {"id": "s9", "title": "Pay", "team_id": "alpha", "points": 2}),
    "story.update": lambda s: ("s1", {"points": 8}),
    "story.move": lambda s: ("s1", {"iteration_id": "i4"}),
    "story.delete": lambda s: ("s1", {}),
    "milestone.create": lambda s: (None, {"id": "m2", "title": "Demo"}),
    "milestone.update": lambda s: ("m1", {"title": "Go live"}),
    "milestone.delete": lambda s: ("m1", {}),
    "dependency.create": lambda s: (
        None,
        {"id": "d2", "need": "API", "requesting_team_id": "bravo", "provider_team_id": "charlie"},
    ),
    "dependency.update": lambda s: ("d1", {"need": "A faster API"}),
    "dependency.accept": lambda s: ("d1", {"provider_story_id": None}),
    "dependency.done": lambda s: ("d1", {"done": True}),
    "dependency.propose": lambda s: ("d1", {"promised_iteration_id": "i3", "answer": "I1 is full"}),
    "dependency.decline": lambda s: ("d1", {"answer": "Not our component"}),
    "dependency.comment": lambda s: ("d1", {"comment": "On track"}),
    "dependency.delete": lambda s: ("d1", {}),
    "objective.create": lambda s: (None, {"id": "o2", "team_id": "bravo", "statement": "Launch"}),
    "objective.update": lambda s: ("o1", {"committed": False}),
    "objective.delete": lambda s: ("o1", {}),
    "objective.set_bv": lambda s: ("o1", {"value": 8}),
    "objective.set_actual_bv": lambda s: ("o1", {"value": 6}),
    "risk.create": lambda s: (None, {"id": "r2", "title": "Holidays"}),
    "risk.update": lambda s: ("r1", {"owner": "Ana"}),
    "risk.roam": lambda s: ("r1", {"roam": "owned", "owner": "Ana"}),
    "risk.delete": lambda s: ("r1", {}),
    "agenda.create": lambda s: (None, {"id": "a9", "title": "Lunch", "day": 1}),
    "agenda.update": lambda s: (next(iter(s.state.items["agenda"])), {"minutes": 45}),
    "agenda.delete": lambda s: (next(iter(s.state.items["agenda"])), {}),
}


def test_every_undoable_op_type_has_a_case() -> None:
    assert set(CASES) == set(PERMISSIONS) - NOT_UNDOABLE - {"event.undo"}


@pytest.mark.parametrize("op_type", sorted(CASES))
def test_an_op_undone_and_redone_leaves_the_board_as_before_and_after_it(
    board: Session, op_type: str
) -> None:
    target, args = CASES[op_type](board)
    before = plan_without_versions(board)
    board.do(op_type, target, **args)
    seq = board.state.seq
    after = plan_without_versions(board)
    assert after != before

    undone = undo(board, seq)
    assert plan_without_versions(board) == before
    redone = undo(board, undone)
    assert plan_without_versions(board) == after
    undo(board, redone)
    assert plan_without_versions(board) == before


def test_undoing_a_feature_move_puts_its_stories_back_too(board: Session) -> None:
    board.do("feature.move", "f1", iteration_id="i3")
    assert (board.get("story", "s1").iteration_id, board.get("story", "s2").iteration_id) == ("i3", "i4")
    undo(board, board.state.seq)
    assert board.get("feature", "f1").iteration_id == "i1"
    assert (board.get("story", "s1").iteration_id, board.get("story", "s2").iteration_id) == ("i1", "i2")


def test_an_undo_is_refused_when_the_item_changed_since(board: Session) -> None:
    board.do("feature.move", "f1", iteration_id="i3")
    moved = board.state.seq
    board.do("story.update", "s1", points=13)
    kept = plan_without_versions(board)
    with pytest.raises(Stale, match='story "Story s1" was changed since'):
        undo(board, moved)
    assert plan_without_versions(board) == kept


def test_an_undo_of_a_deleted_items_change_is_refused(board: Session) -> None:
    board.do("risk.update", "r1", owner="Ana")
    changed = board.state.seq
    board.do("risk.delete", "r1")
    with pytest.raises(Stale, match="was deleted since"):
        undo(board, changed)


def test_a_person_undoes_their_own_recent_op_but_not_anothers(board: Session) -> None:
    board.do("story.move", "s1", by=ALPHA, iteration_id="i3")
    seq = board.state.seq
    other = member_of("alpha", "Amir")
    with pytest.raises(Forbidden, match="only Ana or the RTE can undo this"):
        undo(board, seq, by=other)
    undo(board, seq, by=ALPHA)
    assert board.get("story", "s1").iteration_id == "i1"


def test_an_old_op_is_the_rtes_to_undo(board: Session) -> None:
    board.do("story.move", "s1", by=ALPHA, iteration_id="i3")
    seq = board.state.seq
    board.now += OWN_UNDO_SECONDS + 1
    with pytest.raises(Forbidden, match="more than an hour ago"):
        undo(board, seq, by=ALPHA)
    undo(board, seq, by=RTE)
    assert board.get("story", "s1").iteration_id == "i1"


@pytest.mark.parametrize("person", [ALPHA, BO], ids=["team member", "business owner"])
def test_a_role_that_may_not_do_the_inverse_op_is_refused(board: Session, person: Any) -> None:
    # Anyone raises a risk; only the RTE deletes one, which is what undoing the raise would do.
    board.do("risk.create", by=person, id="r9", title="Late hardware")
    with pytest.raises(Forbidden, match="may not delete a risk"):
        undo(board, board.state.seq, by=person)
    assert "r9" in board.state.items["risk"]


def test_the_architect_may_undo_only_enabler_changes(board: Session) -> None:
    board.do("feature.create", by=ARCH, id="e1", title="Cache", feature_kind="enabler", team_id="bravo")
    undo(board, board.state.seq, by=ARCH)
    assert "e1" not in board.state.items["feature"]
    board.do("feature.update", "f1", by=PM, title="Checkout for all")
    with pytest.raises(Forbidden, match=r"only Paul .* or the RTE"):
        undo(board, board.state.seq, by=ARCH)


def test_a_locked_plan_refuses_a_team_members_undo(board: Session) -> None:
    board.do("story.move", "s1", by=ALPHA, iteration_id="i3")
    seq = board.state.seq
    board.do("plan.lock")
    with pytest.raises(IllegalTransition, match="the plan is locked"):
        undo(board, seq, by=ALPHA)


@pytest.mark.parametrize("op_type", ["vote.open", "timer.start", "board.create"])
def test_votes_timers_and_the_board_itself_are_not_undone(board: Session, op_type: str) -> None:
    if op_type == "board.create":
        seq = 1
    else:
        board.do(op_type)
        seq = board.state.seq
    with pytest.raises(IllegalTransition, match="cannot be undone"):
        undo(board, seq)


@pytest.mark.parametrize(
    ("target", "error", "reason"),
    [(None, Invalid, "names the seq"), ("x1", Invalid, "names the seq"), ("9999", NotFound, "no event 9999")],
)
def test_an_undo_must_name_an_event_of_the_board(
    board: Session, target: str | None, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason):
        board.do("event.undo", target, base=None)
