"""Cross-train dependencies (board.cross_train, board.ops.cross_train): the rule of each side.

Two boards, train A (team Alpha) and train B (team Checkout), on the same iterations by number. What the
server's sync does after each commit (server/store/cross_train.py) is done here by :func:`sync`, with
the same pure rule, so the rule is tested without any I/O.
"""

from __future__ import annotations

import pytest
from plan_builder import RTE, Session, member_of

from board.cross_train import (
    answer_of,
    cadence_mismatch,
    differs,
    mirror_id,
    mirror_of,
    parse_ref,
    party_words,
    requested_by,
)
from board.dependencies import dependency_state
from board.errors import Forbidden, Invalid, Stale
from board.history import item_history
from board.model import Dependency, DependencyState, DependencyStatus, Role
from board.roles import PERMISSIONS, SOLUTION_OPS, Actor, may

ALPHA = member_of("alpha", "Ann")
CHECKOUT = member_of("checkout", "Cleo")
SOLUTION = Actor("solution", "the solution for Ann of Train A", Role.RTE, solution=True)


def train(board_id: str, name: str, team: str, iterations: int = 4) -> Session:
    s = Session(board_id).create_board(name=name)
    for n in range(1, iterations + 1):
        s.iteration(f"{board_id}-i{n}", n)
    s.iteration(f"{board_id}-ip", iterations + 1, is_ip=True)
    s.team(team)
    return s


@pytest.fixture
def a() -> Session:
    s = train("A", "Train A", "alpha")
    s.feature("pay", "alpha", "A-i2")
    s.other_trains = lambda ref: party_words("Train B", "Checkout") if ref == "B/checkout" else None
    return s


@pytest.fixture
def b() -> Session:
    return train("B", "Train B", "checkout")


def sync(a: Session, b: Session) -> None:
    """Each request of A mirrored on B, and each answer on B written back to A (what the server does)."""
    for dep in list(a.state.dependencies):
        shape = mirror_of(a.state, dep, b.state)
        if shape is not None and differs(b.state.get(Dependency, mirror_id(dep.id)), shape):
            b.do("crosstrain.mirror", mirror_id(dep.id), by=SOLUTION, base=None, seq=a.state.seq, **shape)
    for mirror in list(b.state.dependencies):
        asked = requested_by(mirror)
        dep = a.state.get(Dependency, asked[1]) if asked else None
        if dep is not None:
            answer = answer_of(b.state, mirror, a.state)
            if differs(dep, answer):
                a.do("crosstrain.answer", dep.id, by=SOLUTION, base=None, seq=b.state.seq, **answer)


def ask(a: Session) -> Dependency:
    a.do(
        "dependency.create",
        by=ALPHA,
        id="d1",
        need="A payment API",
        requesting_team_id="alpha",
        requesting_feature_id="pay",
        provider_train="B/checkout",
    )
    dep: Dependency = a.get("dependency", "d1")
    return dep


def state_of(s: Session, dep_id: str) -> DependencyState:
    return dependency_state(s.state, s.get("dependency", dep_id))


def test_asking_another_trains_team_names_it_in_words(a: Session) -> None:
    dep = ask(a)
    assert (dep.provider_train, dep.provider_team_id) == ("B/checkout", None)
    assert dep.external_party == "Train B · Checkout"
    assert state_of(a, "d1") == DependencyState.REQUESTED


@pytest.mark.parametrize("ref", ["B/nobody", "C/checkout", "B", "B/checkout/x"])
def test_asking_what_is_no_team_of_another_train_is_refused_and_changes_nothing(a: Session, ref: str) -> None:
    before = a.snapshot()
    with pytest.raises(Invalid, match="not a team of another train of this board's solution"):
        a.do("dependency.create", by=ALPHA, need="x", requesting_team_id="alpha", provider_train=ref)
    assert a.snapshot() == before


def test_a_board_outside_any_solution_cannot_ask_another_train(a: Session) -> None:
    a.other_trains = None
    with pytest.raises(Invalid, match="not a team of another train"):
        ask(a)


def test_a_team_of_this_train_and_one_of_another_are_not_asked_at_once(a: Session) -> None:
    a.team("bravo")
    with pytest.raises(Invalid, match="not both"):
        a.do(
            "dependency.create",
            by=ALPHA,
            need="x",
            requesting_team_id="alpha",
            provider_team_id="bravo",
            provider_train="B/checkout",
        )


def test_the_mirror_is_the_request_as_train_b_sees_it(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    mirror = b.get("dependency", "x-d1")
    assert mirror.requester_train == "A/d1"
    assert (mirror.provider_team_id, mirror.requesting_team_id) == ("checkout", None)
    assert mirror.need == "A payment API"
    assert mirror.needed_by_iteration_id == "B-i2"  # A's feature is in A's iteration 2
    assert mirror.external_party == "Train A · Alpha"
    assert mirror.mirrored_seq == a.state.seq
    assert state_of(b, "x-d1") == DependencyState.REQUESTED


def test_b_accepting_commits_a_and_b_planning_later_is_a_conflict_on_both(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.feature("api", "checkout", "B-i1")
    b.do("dependency.accept", "x-d1", by=CHECKOUT, provider_feature_id="api")
    sync(a, b)
    dep = a.get("dependency", "d1")
    assert (dep.status, dep.promised_iteration_id) == (DependencyStatus.ACCEPTED, "A-i1")
    assert state_of(a, "d1") == state_of(b, "x-d1") == DependencyState.COMMITTED
    b.do("feature.move", "api", by=CHECKOUT, iteration_id="B-i3")
    sync(a, b)
    assert a.get("dependency", "d1").promised_iteration_id == "A-i3"
    assert state_of(a, "d1") == state_of(b, "x-d1") == DependencyState.CONFLICT


def test_a_moving_its_need_later_reaches_bs_mirror(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.do("dependency.propose", "x-d1", by=CHECKOUT, promised_iteration_id="B-i4", answer="I2 is full")
    sync(a, b)
    assert a.get("dependency", "d1").answer == "I2 is full"
    assert state_of(a, "d1") == DependencyState.PROPOSED
    a.do("feature.move", "pay", by=ALPHA, iteration_id="A-i4")  # A takes the proposal by needing it then
    sync(a, b)
    assert b.get("dependency", "x-d1").needed_by_iteration_id == "B-i4"
    assert state_of(b, "x-d1") == state_of(a, "d1") == DependencyState.COMMITTED


def test_a_decline_and_done_come_back_in_b_s_words(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.do("dependency.decline", "x-d1", by=CHECKOUT, answer="Ask the payments train")
    sync(a, b)
    assert a.get("dependency", "d1").answer == "Ask the payments train"
    assert state_of(a, "d1") == DependencyState.DECLINED


def test_the_providing_story_done_on_b_makes_the_request_done_on_a(a: Session, b: Session) -> None:
    """B's story done (by its team, or by its tracker's sync) delivers it: A has no card of B's to see it."""
    ask(a)
    sync(a, b)
    b.story("card", "checkout", "B-i1", 3)
    b.do("dependency.accept", "x-d1", by=CHECKOUT, provider_story_id="card")
    b.do("story.update", "card", by=CHECKOUT, status="done")
    sync(a, b)
    assert a.get("dependency", "d1").status == DependencyStatus.DONE
    assert state_of(a, "d1") == DependencyState.DONE
    b.do("story.update", "card", by=CHECKOUT, status="in_progress")  # reopened: delivered no longer
    sync(a, b)
    assert (a.get("dependency", "d1").status, state_of(a, "d1")) == (
        DependencyStatus.ACCEPTED,
        DependencyState.COMMITTED,
    )


def test_withdrawing_the_request_takes_the_mirror_away(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.do("crosstrain.mirror", "x-d1", by=SOLUTION, base=None, seq=a.state.seq, withdrawn=True)
    assert b.state.get(Dependency, "x-d1") is None


def test_an_older_mirror_is_skipped_and_changes_nothing(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    before = b.snapshot()
    shape = mirror_of(a.state, a.get("dependency", "d1"), b.state)
    assert shape is not None
    with pytest.raises(Stale, match="older change"):
        older = {**shape, "need": "old"}
        b.do("crosstrain.mirror", "x-d1", by=SOLUTION, base=None, seq=a.state.seq - 1, **older)
    assert b.snapshot() == before


def test_iterations_that_do_not_match_by_number_are_a_conflict_on_both_sides(a: Session) -> None:
    short = train("B", "Train B", "checkout", iterations=3)
    ask(a)
    sync(a, short)
    words = cadence_mismatch(a.state, short.state)
    assert "cannot be matched by number" in words
    assert short.get("dependency", "x-d1").cadence_mismatch == words
    assert state_of(short, "x-d1") == DependencyState.CONFLICT
    short.feature("api", "checkout", "B-i1")
    short.do("dependency.accept", "x-d1", by=CHECKOUT, provider_feature_id="api")
    sync(a, short)
    assert state_of(a, "d1") == DependencyState.CONFLICT
    assert cadence_mismatch(a.state, a.state) == ""


def test_the_requesting_train_cannot_answer_for_the_other_train(a: Session) -> None:
    ask(a)
    with pytest.raises(Forbidden, match="answers this on its own train's board"):
        a.do("dependency.accept", "d1", by=ALPHA, promised_iteration_id="A-i1")
    with pytest.raises(Forbidden, match="answers this on its own train's board"):
        a.do("dependency.done", "d1", by=RTE)


def test_the_mirror_changes_only_on_the_asking_train(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    with pytest.raises(Forbidden, match="comes from Train A · Alpha"):
        b.do("dependency.update", "x-d1", by=RTE, need="something else")
    with pytest.raises(Forbidden, match="comes from Train A · Alpha"):
        b.do("dependency.delete", "x-d1", by=RTE)


@pytest.mark.parametrize("op_type", sorted(SOLUTION_OPS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_role_sends_the_solutions_ops(op_type: str, role: Role) -> None:
    assert not may(Actor("p", "P", role, "alpha" if role == Role.TEAM else None), op_type)


def test_a_team_member_of_a_cannot_write_b_s_mirror(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    with pytest.raises(Forbidden, match="only the solution"):
        mine = {"need": "mine", "provider_team_id": "checkout"}
        b.do("crosstrain.mirror", "x-d1", by=ALPHA, base=None, seq=99, **mine)
    with pytest.raises(Forbidden):  # nor answer it for Checkout
        b.do("dependency.accept", "x-d1", by=ALPHA)


@pytest.mark.parametrize("op_type", sorted(set(PERMISSIONS) - SOLUTION_OPS))
def test_the_solution_sends_nothing_else(op_type: str) -> None:
    assert not may(SOLUTION, op_type)


def test_references_are_a_board_and_an_item() -> None:
    assert parse_ref("B/checkout") == ("B", "checkout")
    assert [parse_ref(r) for r in ("B", "/x", "B/", "B/x/y")] == [None] * 4
    assert len(party_words("T" * 70, "Team" * 10)) == 80


def test_the_history_says_the_solution_wrote_the_answer_in_words(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.do("dependency.decline", "x-d1", by=CHECKOUT, answer="Ask the payments train")
    sync(a, b)
    (newest, *_) = item_history(a.state, list(a.events.values()), "dependency", "d1")
    assert newest.who == "the solution for Ann of Train A"
    assert "declined" in newest.text and "mirrored" not in newest.text


def test_a_released_request_is_an_external_party_s_with_its_last_answer(a: Session, b: Session) -> None:
    ask(a)
    sync(a, b)
    b.do("dependency.decline", "x-d1", by=CHECKOUT, answer="Not us")
    sync(a, b)
    a.do("crosstrain.answer", "d1", by=SOLUTION, base=None, seq=0, released=True)
    dep = a.get("dependency", "d1")
    assert (dep.provider_train, dep.external_party, dep.answer) == ("", "Train B · Checkout", "Not us")
    assert state_of(a, "d1") == DependencyState.DECLINED
    assert mirror_of(a.state, dep, b.state) is None  # asks B no more: its mirror is withdrawn
