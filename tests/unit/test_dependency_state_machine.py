"""A dependency's one state machine: a request stays a request until the providing team answers.

Whoever drags or asks creates a *requested* dependency, even when it points at the provider's
feature or story; only the provider's answer (accept, propose another iteration, decline) moves it.
"""

from __future__ import annotations

import pytest
from plan_builder import Session, member_of

from board.dependencies import (
    STATE_MEANING,
    dependency_state,
    proposals_to_answer,
    requests_to_answer,
)
from board.errors import Forbidden
from board.model import DependencyState
from board.summary import plan_summary

BOREAS = member_of("alpha", "Bo")  # the requester
ARES = member_of("bravo", "Ari")  # the provider


@pytest.fixture
def dragged(plan: Session) -> Session:
    """Alpha drags the → of its checkout (I3) onto Bravo's Payments API (I2) and asks for it."""
    plan.feature("checkout", "alpha", "i3")
    plan.feature("payments-api", "bravo", "i2")
    plan.story("api-story", "bravo", "i2", 3, feature="payments-api")
    plan.do(
        "dependency.create",
        by=BOREAS,
        id="d1",
        need="Payments API",
        requesting_team_id="alpha",
        requesting_feature_id="checkout",
        provider_team_id="bravo",
        provider_feature_id="payments-api",
    )
    return plan


def state(plan: Session) -> DependencyState:
    return dependency_state(plan.state, plan.get("dependency", "d1"))


def test_a_request_pointing_at_the_providers_feature_is_requested_everywhere(dragged: Session) -> None:
    assert state(dragged) == DependencyState.REQUESTED
    summary = plan_summary(dragged.state)
    assert summary.dependency_states == {"d1": DependencyState.REQUESTED}  # every page reads this
    assert summary.conflict_count == 0
    assert [d.id for d in requests_to_answer(dragged.state, "bravo")] == ["d1"]  # the provider's counter
    assert requests_to_answer(dragged.state, "alpha") == []  # the requester has nothing to answer
    assert proposals_to_answer(dragged.state, "alpha") == []
    assert summary.to_dict()["dependency_states"] == {"d1": "requested"}


def test_naming_a_story_does_not_commit_it_either(dragged: Session) -> None:
    dragged.do(
        "dependency.update", "d1", by=BOREAS, provider_story_id="api-story", promised_iteration_id="i1"
    )
    assert state(dragged) == DependencyState.REQUESTED


def test_the_requester_cannot_answer_its_own_request(dragged: Session) -> None:
    before = dragged.snapshot()
    for op, args in (
        ("dependency.accept", {"provider_feature_id": "payments-api"}),
        ("dependency.propose", {"promised_iteration_id": "i4"}),
        ("dependency.decline", {"answer": "no"}),
    ):
        with pytest.raises(Forbidden):
            dragged.do(op, "d1", by=BOREAS, **args)
    assert dragged.snapshot() == before
    assert state(dragged) == DependencyState.REQUESTED


def test_only_the_providers_answer_moves_it_through_each_state(dragged: Session) -> None:
    dragged.do("dependency.accept", "d1", by=ARES, provider_feature_id="payments-api")
    assert state(dragged) == DependencyState.COMMITTED
    assert requests_to_answer(dragged.state, "bravo") == []
    dragged.do("feature.move", "payments-api", by=ARES, iteration_id="i4")
    assert state(dragged) == DependencyState.CONFLICT
    dragged.do("dependency.propose", "d1", by=ARES, promised_iteration_id="i4", answer="I3 is full")
    assert state(dragged) == DependencyState.PROPOSED
    assert [d.id for d in proposals_to_answer(dragged.state, "alpha")] == ["d1"]
    dragged.do("dependency.decline", "d1", by=ARES, answer="Not ours")
    assert state(dragged) == DependencyState.DECLINED
    assert plan_summary(dragged.state).conflict_count == 1  # a decline is counted among the conflicts
    dragged.do("dependency.accept", "d1", by=ARES, promised_iteration_id="i2")
    dragged.do("dependency.done", "d1", by=ARES)
    assert state(dragged) == DependencyState.DONE


def test_the_rte_may_answer_for_the_provider(dragged: Session) -> None:
    dragged.do("dependency.accept", "d1", provider_feature_id="payments-api")
    assert state(dragged) == DependencyState.COMMITTED


def test_every_state_is_explained_in_words() -> None:
    assert set(STATE_MEANING) == set(DependencyState)
