"""The providing team answers a request: accept with its work, propose another iteration, or decline."""

from __future__ import annotations

import pytest
from plan_builder import Session, member_of

from board.dependencies import conflicts, delivering_iteration, dependency_state
from board.errors import Forbidden, IllegalTransition, Invalid, NotFound
from board.model import DependencyState, DependencyStatus
from board.summary import plan_summary

ALPHA = member_of("alpha", "Ann")
BRAVO = member_of("bravo", "Bob")
CHARLIE = member_of("charlie", "Cy")


@pytest.fixture
def asked(plan: Session) -> Session:
    """Alpha's checkout (I2) needs an API from Bravo by I2."""
    plan.feature("checkout", "alpha", "i2")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="checkout", needed_by_iteration_id="i2", by=ALPHA)
    return plan


def state(plan: Session) -> DependencyState:
    return dependency_state(plan.state, plan.get("dependency", "d1"))


def test_a_proposal_waits_for_the_requester_who_agrees_by_needing_it_then(asked: Session) -> None:
    asked.do("dependency.propose", "d1", by=BRAVO, promised_iteration_id="i4", answer="I2 is full")
    dep = asked.get("dependency", "d1")
    assert (dep.status, dep.promised_iteration_id) == (DependencyStatus.PROPOSED, "i4")
    assert dep.answer == "I2 is full"
    assert state(asked) == DependencyState.PROPOSED
    asked.do("dependency.update", "d1", by=ALPHA, needed_by_iteration_id="i3")  # still too early
    assert state(asked) == DependencyState.PROPOSED
    asked.do("dependency.update", "d1", by=ALPHA, needed_by_iteration_id="i4")
    assert asked.get("dependency", "d1").status == DependencyStatus.ACCEPTED
    assert state(asked) == DependencyState.COMMITTED


def test_a_proposal_replaces_named_work_and_is_proposed_even_in_time(asked: Session) -> None:
    asked.feature("api", "bravo", "i4")
    asked.do("dependency.accept", "d1", by=BRAVO, provider_feature_id="api")
    assert state(asked) == DependencyState.CONFLICT
    asked.do("dependency.propose", "d1", by=BRAVO, promised_iteration_id="i1")
    dep = asked.get("dependency", "d1")
    assert dep.provider_feature_id is None
    assert state(asked) == DependencyState.PROPOSED


def test_a_decline_needs_a_reason_and_is_counted_among_conflicts(asked: Session) -> None:
    before = asked.snapshot()
    with pytest.raises(Invalid, match="answer must not be empty"):
        asked.do("dependency.decline", "d1", by=BRAVO)
    assert asked.snapshot() == before
    asked.do("dependency.decline", "d1", by=BRAVO, answer="Not our component: ask Charlie")
    dep = asked.get("dependency", "d1")
    assert (dep.status, dep.answer) == (DependencyStatus.DECLINED, "Not our component: ask Charlie")
    assert state(asked) == DependencyState.DECLINED
    assert [d.id for d in conflicts(asked.state)] == ["d1"]
    assert plan_summary(asked.state).conflict_count == 1


def test_asking_another_team_reopens_a_declined_request(asked: Session) -> None:
    asked.do("dependency.decline", "d1", by=BRAVO, answer="Not ours")
    asked.do("dependency.update", "d1", by=ALPHA, provider_team_id="charlie")
    dep = asked.get("dependency", "d1")
    assert (dep.status, dep.answer, dep.provider_team_id) == (DependencyStatus.REQUESTED, "", "charlie")
    assert state(asked) == DependencyState.REQUESTED
    asked.do("dependency.accept", "d1", by=CHARLIE, promised_iteration_id="i1")
    assert state(asked) == DependencyState.COMMITTED


def test_editing_the_need_keeps_the_answer(asked: Session) -> None:
    asked.do("dependency.propose", "d1", by=BRAVO, promised_iteration_id="i3")
    asked.do("dependency.update", "d1", by=ALPHA, need="Payments API v2")
    assert asked.get("dependency", "d1").status == DependencyStatus.PROPOSED


def test_accepting_clears_an_earlier_answer(asked: Session) -> None:
    asked.do("dependency.decline", "d1", by=BRAVO, answer="Too busy")
    asked.story("s1", "bravo", "i1", 3)
    asked.do("dependency.accept", "d1", by=BRAVO, provider_story_id="s1")
    dep = asked.get("dependency", "d1")
    assert (dep.status, dep.answer) == (DependencyStatus.ACCEPTED, "")
    assert state(asked) == DependencyState.COMMITTED


def test_only_the_providing_team_proposes_or_declines(asked: Session) -> None:
    before = asked.snapshot()
    for who in (ALPHA, CHARLIE):
        with pytest.raises(Forbidden):
            asked.do("dependency.propose", "d1", by=who, promised_iteration_id="i3")
        with pytest.raises(Forbidden):
            asked.do("dependency.decline", "d1", by=who, answer="no")
    assert asked.snapshot() == before


def test_an_external_partys_request_is_not_proposed_or_declined(plan: Session) -> None:
    plan.dep("d1", "alpha", None, external_party="Klarna")
    with pytest.raises(Invalid, match="external party"):
        plan.do("dependency.propose", "d1", promised_iteration_id="i3")
    with pytest.raises(Invalid, match="external party"):
        plan.do("dependency.decline", "d1", answer="no")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, Invalid),
        ({"promised_iteration_id": "ip"}, Invalid),
        ({"promised_iteration_id": "nope"}, NotFound),
        ({"promised_iteration_id": "i3", "need": "x"}, Invalid),
    ],
)
def test_a_bad_proposal_changes_nothing(asked: Session, args: dict[str, str], error: type[Exception]) -> None:
    before = asked.snapshot()
    with pytest.raises(error):
        asked.do("dependency.propose", "d1", by=BRAVO, **args)
    assert asked.snapshot() == before


def test_a_done_dependency_is_not_answered_again(asked: Session) -> None:
    asked.do("dependency.done", "d1", by=BRAVO)
    with pytest.raises(IllegalTransition, match="done already"):
        asked.do("dependency.propose", "d1", by=BRAVO, promised_iteration_id="i3")
    with pytest.raises(IllegalTransition, match="done already"):
        asked.do("dependency.decline", "d1", by=BRAVO, answer="no")


def test_a_named_story_not_yet_planned_is_delivered_in_the_named_iteration(asked: Session) -> None:
    asked.story("s1", "bravo", None, 5)
    asked.do("dependency.accept", "d1", by=BRAVO, provider_story_id="s1", promised_iteration_id="i2")
    assert delivering_iteration(asked.state, asked.get("dependency", "d1")).id == "i2"
    assert state(asked) == DependencyState.COMMITTED
    asked.do("story.move", "s1", by=BRAVO, iteration_id="i3")
    assert state(asked) == DependencyState.CONFLICT
