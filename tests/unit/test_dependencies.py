"""Dependency state follows the plan by itself; a conflict cascades downstream to objectives."""

from __future__ import annotations

import pytest
from plan_builder import Session

from board.dependencies import (
    cascade,
    conflicts,
    delivering_iteration,
    dependency_state,
    dependency_states,
    dependency_teams,
    needed_by,
)
from board.model import DependencyState


def state_of(plan: Session, dep_id: str) -> DependencyState:
    return dependency_state(plan.state, plan.get("dependency", dep_id))


@pytest.fixture
def needs(plan: Session) -> Session:
    """Alpha's feature F-checkout (I3) needs an API from Bravo."""
    plan.feature("f-checkout", "alpha", "i3")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="f-checkout")
    return plan


def test_unanswered_request_is_requested(needs: Session) -> None:
    assert state_of(needs, "d1") == DependencyState.REQUESTED


def test_accepted_with_provider_story_on_time_is_committed(needs: Session) -> None:
    needs.story("s-api", "bravo", "i2", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert state_of(needs, "d1") == DependencyState.COMMITTED


def test_provider_story_in_the_needed_iteration_is_on_time(needs: Session) -> None:
    needs.story("s-api", "bravo", "i3", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert state_of(needs, "d1") == DependencyState.COMMITTED


def test_provider_story_after_needed_by_is_conflict(needs: Session) -> None:
    needs.story("s-api", "bravo", "i4", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert state_of(needs, "d1") == DependencyState.CONFLICT
    assert [d.id for d in conflicts(needs.state)] == ["d1"]


def test_provider_feature_after_needed_by_is_conflict(needs: Session) -> None:
    needs.feature("f-api", "bravo", "i4")
    needs.do("dependency.accept", "d1", provider_feature_id="f-api")
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_provider_story_wins_over_provider_feature(needs: Session) -> None:
    needs.feature("f-api", "bravo", "i4")
    needs.story("s-api", "bravo", "i2", 3, feature="f-api")
    needs.do("dependency.accept", "d1", provider_feature_id="f-api", provider_story_id="s-api")
    assert delivering_iteration(needs.state, needs.get("dependency", "d1")).id == "i2"
    assert state_of(needs, "d1") == DependencyState.COMMITTED


def test_accepted_with_nothing_planned_is_conflict(needs: Session) -> None:
    needs.do("dependency.accept", "d1")
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_provider_story_in_backlog_is_conflict(needs: Session) -> None:
    needs.story("s-api", "bravo", None, 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_done_stays_done_whatever_the_plan(needs: Session) -> None:
    needs.story("s-api", "bravo", "i4", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    needs.do("dependency.done", "d1")
    assert state_of(needs, "d1") == DependencyState.DONE
    needs.do("dependency.done", "d1", done=False)
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_state_follows_a_moved_provider_story(needs: Session) -> None:
    needs.story("s-api", "bravo", "i2", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    needs.do("story.move", "s-api", iteration_id="i4")
    assert state_of(needs, "d1") == DependencyState.CONFLICT
    needs.do("story.move", "s-api", iteration_id="i1")
    assert state_of(needs, "d1") == DependencyState.COMMITTED


def test_deleting_the_provider_story_turns_it_into_conflict(needs: Session) -> None:
    needs.story("s-api", "bravo", "i2", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    needs.do("story.delete", "s-api")
    assert needs.get("dependency", "d1").provider_story_id is None
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_needed_by_defaults_to_requesting_feature_iteration_and_follows_it(needs: Session) -> None:
    dep = needs.get("dependency", "d1")
    assert needed_by(needs.state, dep).id == "i3"
    needs.story("s-api", "bravo", "i3", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert state_of(needs, "d1") == DependencyState.COMMITTED
    needs.do("feature.move", "f-checkout", iteration_id="i2")
    assert needed_by(needs.state, needs.get("dependency", "d1")).id == "i2"
    assert state_of(needs, "d1") == DependencyState.CONFLICT
    needs.do("feature.move", "f-checkout", iteration_id="i4")
    assert state_of(needs, "d1") == DependencyState.COMMITTED


def test_explicit_needed_by_overrides_the_feature(needs: Session) -> None:
    needs.do("dependency.update", "d1", needed_by_iteration_id="i1")
    needs.story("s-api", "bravo", "i2", 5)
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert needed_by(needs.state, needs.get("dependency", "d1")).id == "i1"
    assert state_of(needs, "d1") == DependencyState.CONFLICT


def test_no_needed_by_at_all_means_any_delivery_is_in_time(plan: Session) -> None:
    plan.dep("d1", "alpha", "bravo")
    plan.story("s-api", "bravo", "i4", 5)
    plan.do("dependency.accept", "d1", provider_story_id="s-api")
    assert needed_by(plan.state, plan.get("dependency", "d1")) is None
    assert state_of(plan, "d1") == DependencyState.COMMITTED


def test_external_party_with_promised_iteration(plan: Session) -> None:
    plan.feature("f-pay", "alpha", "i2")
    plan.dep("ext", "alpha", None, external_party="Visa", requesting_feature_id="f-pay")
    assert state_of(plan, "ext") == DependencyState.REQUESTED
    plan.do("dependency.accept", "ext", promised_iteration_id="i2")
    assert state_of(plan, "ext") == DependencyState.COMMITTED
    plan.do("dependency.accept", "ext", promised_iteration_id="i3")
    assert state_of(plan, "ext") == DependencyState.CONFLICT


def test_dependency_states_covers_every_dependency(needs: Session) -> None:
    needs.dep("d2", "charlie", "bravo")
    assert dependency_states(needs.state) == {
        "d1": DependencyState.REQUESTED,
        "d2": DependencyState.REQUESTED,
    }


# --- the cascade ---------------------------------------------------------------------------------


@pytest.fixture
def chain(plan: Session) -> Session:
    """Charlie's F2 (I4) needs Bravo's F1; F1 (I3) needs an API from Alpha, which is planned too late.

    dA: bravo ← alpha, requested by F1, alpha delivers in I4 (after I3): conflict.
    dB: charlie ← bravo, requested by F2, delivered by F1 in I3 (before I4): committed, but at risk.
    """
    plan.feature("f1", "bravo", "i3")
    plan.feature("f2", "charlie", "i4")
    plan.feature("f-api", "alpha", "i4")
    plan.feature("f-other", "charlie", "i2")
    plan.dep("dA", "bravo", "alpha", requesting_feature_id="f1")
    plan.do("dependency.accept", "dA", provider_feature_id="f-api")
    plan.dep("dB", "charlie", "bravo", requesting_feature_id="f2")
    plan.story("s-f1", "bravo", "i3", 5, feature="f1")
    plan.do("dependency.accept", "dB", provider_story_id="s-f1")
    plan.objective("o-bravo", "bravo", "Release F1 to production", features=["f1"])
    plan.objective("o-charlie", "charlie", "Launch F2 in 3 markets", features=["f2", "f-other"])
    plan.objective("o-safe", "charlie", "Ship other by I2", features=["f-other"])
    return plan


def test_cascade_reaches_two_hops_to_objectives(chain: Session) -> None:
    assert state_of(chain, "dA") == DependencyState.CONFLICT
    assert state_of(chain, "dB") == DependencyState.COMMITTED
    result = cascade(chain.state)
    assert result.dependencies == {"dA", "dB"}
    assert result.features == {"f1", "f2"}
    assert result.objectives == {"o-bravo", "o-charlie"}


def test_cascade_clears_when_the_conflict_is_resolved(chain: Session) -> None:
    chain.do("feature.move", "f-api", iteration_id="i2")
    result = cascade(chain.state)
    assert result.dependencies == set() and result.features == set() and result.objectives == set()


def test_cascade_via_provider_feature_link(chain: Session) -> None:
    chain.do("dependency.accept", "dB", provider_feature_id="f1", provider_story_id=None)
    assert cascade(chain.state).features == {"f1", "f2"}


def test_cascade_does_not_reach_an_unrelated_feature(chain: Session) -> None:
    assert "f-other" not in cascade(chain.state).features
    assert "o-safe" not in cascade(chain.state).objectives


def test_a_done_dependency_is_not_put_at_risk(chain: Session) -> None:
    chain.do("dependency.done", "dB")
    result = cascade(chain.state)
    assert result.dependencies == {"dA"}
    assert result.features == {"f1"}
    assert result.objectives == {"o-bravo"}


def test_cascade_terminates_on_a_cycle(plan: Session) -> None:
    """F1 needs F2 and F2 needs F1 (a design smell, but people draw it): the walk must end."""
    plan.feature("f1", "alpha", "i2")
    plan.feature("f2", "bravo", "i2")
    plan.dep("d12", "alpha", "bravo", requesting_feature_id="f1")
    plan.dep("d21", "bravo", "alpha", requesting_feature_id="f2")
    plan.do("dependency.accept", "d12", provider_feature_id="f2")
    plan.do("dependency.accept", "d21")  # nothing planned: conflict
    plan.do("dependency.update", "d21", provider_feature_id="f1")
    plan.do("feature.move", "f1", iteration_id="i3")  # now d21 delivers late, d12 needed in i3: fine
    assert state_of(plan, "d21") == DependencyState.CONFLICT
    result = cascade(plan.state)
    assert result.dependencies == {"d12", "d21"}
    assert result.features == {"f1", "f2"}


def test_a_dependency_joins_the_teams_it_names(needs: Session) -> None:
    assert dependency_teams(needs.state, needs.get("dependency", "d1")) == {"alpha", "bravo"}


def test_an_external_party_joins_only_the_requester(plan: Session) -> None:
    plan.dep("d-ext", "alpha", external_party="VISA")
    assert dependency_teams(plan.state, plan.get("dependency", "d-ext")) == {"alpha"}


def test_a_dependency_joins_the_team_its_providing_story_is_planned_under(needs: Session) -> None:
    """Bravo names a story of a feature in Charlie's row: the string is drawn to Charlie's row."""
    needs.feature("f-api", "charlie", "i2")
    needs.story("s-api", "bravo", "i2", 5, feature="f-api")
    needs.do("dependency.accept", "d1", provider_story_id="s-api")
    assert dependency_teams(needs.state, needs.get("dependency", "d1")) == {"alpha", "bravo", "charlie"}


def test_a_requesting_feature_moved_to_another_team_takes_the_string_there(needs: Session) -> None:
    needs.do("feature.move", "f-checkout", team_id="charlie", iteration_id="i3")
    assert dependency_teams(needs.state, needs.get("dependency", "d1")) == {"alpha", "bravo", "charlie"}
