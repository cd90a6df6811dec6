"""Execution: slipped stories, late dependencies, velocity and alerts follow the plan, the baseline
and the date by themselves."""

from __future__ import annotations

import copy
import datetime

import pytest
from plan_builder import Session, member_of

from board.errors import IllegalTransition, Invalid
from board.execution import (
    AlertKind,
    alerts,
    alerts_for,
    burn_up,
    current_iteration,
    dependency_health,
    dependency_late,
    execution_cascade,
    feature_progress,
    iteration_closed,
    new_alerts,
    story_slipped,
    team_velocity,
    velocity_drop,
    velocity_table,
)
from board.model import BoardState, DependencyState
from board.summary import plan_summary

# Two-week iterations from Monday 4 January 2027; the IP iteration is the fifth.
DATES = {
    "i1": ("2027-01-04", "2027-01-15"),
    "i2": ("2027-01-18", "2027-01-29"),
    "i3": ("2027-02-01", "2027-02-12"),
    "i4": ("2027-02-15", "2027-02-26"),
    "ip": ("2027-03-01", "2027-03-12"),
}


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def pi(plan: Session) -> Session:
    for iteration_id, (start, end) in DATES.items():
        plan.do("iteration.update", iteration_id, start=start, end=end)
    return plan


def baseline_of(plan: Session) -> BoardState:
    return copy.deepcopy(plan.state)


def test_an_iteration_closes_the_day_after_its_end(pi: Session) -> None:
    i1 = pi.get("iteration", "i1")
    assert not iteration_closed(i1, day("2027-01-15"))
    assert iteration_closed(i1, day("2027-01-16"))


def test_an_iteration_without_dates_never_closes(plan: Session) -> None:
    assert not iteration_closed(plan.get("iteration", "i1"), day("2099-01-01"))


def test_current_iteration_follows_the_date(pi: Session) -> None:
    assert current_iteration(pi.state, day("2027-01-03")) is None
    assert current_iteration(pi.state, day("2027-01-04")).id == "i1"  # type: ignore[union-attr]
    assert current_iteration(pi.state, day("2027-02-20")).id == "i4"  # type: ignore[union-attr]
    assert current_iteration(pi.state, day("2027-03-02")).id == "ip"  # type: ignore[union-attr]
    assert current_iteration(pi.state, day("2027-04-01")) is None


def test_story_slipped_when_not_done_as_its_iteration_closed(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 3)
    story = pi.get("story", "s1")
    assert not story_slipped(pi.state, story, day("2027-01-15"))
    assert story_slipped(pi.state, story, day("2027-01-16"))


def test_a_done_story_never_slips(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 3)
    pi.do("story.update", "s1", status="done")
    assert not story_slipped(pi.state, pi.get("story", "s1"), day("2027-02-01"))


def test_a_slipped_story_re_planned_into_an_open_iteration_is_no_longer_slipped(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 3)
    today = day("2027-01-20")
    assert story_slipped(pi.state, pi.get("story", "s1"), today)
    pi.do("story.move", "s1", iteration_id="i2")
    assert not story_slipped(pi.state, pi.get("story", "s1"), today)


def test_a_story_moved_into_a_closed_iteration_after_it_closed_is_slipped(pi: Session) -> None:
    pi.story("s1", "alpha", "i2", 3)
    pi.do("story.move", "s1", iteration_id="i1")
    assert story_slipped(pi.state, pi.get("story", "s1"), day("2027-01-20"))


def test_a_backlog_story_never_slips(pi: Session) -> None:
    pi.story("s1", "alpha", None, 3)
    assert not story_slipped(pi.state, pi.get("story", "s1"), day("2027-04-01"))


def test_blocked_needs_a_reason(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 3)
    with pytest.raises(Invalid, match="the reason it is blocked"):
        pi.do("story.update", "s1", status="blocked")
    assert pi.get("story", "s1").status.value == "todo"
    pi.do("story.update", "s1", status="blocked", blocked_reason="test rig broken")
    found = alerts(pi.state, day("2027-01-05"))
    assert [(a.kind, a.item_id) for a in found] == [(AlertKind.BLOCKED, "s1")]
    assert "test rig broken" in found[0].text


def test_feature_progress_is_points_done_over_points_planned(pi: Session) -> None:
    pi.feature("f1", "alpha", "i2")
    pi.story("s1", "alpha", "i1", 3, feature="f1")
    pi.story("s2", "alpha", "i2", 5, feature="f1")
    pi.story("s3", "alpha", "i2", 0, feature="f1")
    assert feature_progress(pi.state, "f1").ratio == 0
    pi.do("story.update", "s1", status="done")
    progress = feature_progress(pi.state, "f1")
    assert (progress.done, progress.planned, progress.percent) == (3, 8, 38)


def test_feature_without_pointed_stories_has_no_progress_ratio(pi: Session) -> None:
    pi.feature("f1", "alpha", "i2")
    assert feature_progress(pi.state, "f1").ratio is None


@pytest.fixture
def need(pi: Session) -> Session:
    """Alpha's feature (I3) needs Bravo's story s-api, planned in I2."""
    pi.feature("f-alpha", "alpha", "i3")
    pi.objective("o-alpha", "alpha", "Checkout live by I3", features=["f-alpha"])
    pi.dep("d1", "alpha", "bravo", requesting_feature_id="f-alpha", needed_by_iteration_id="i2")
    pi.story("s-api", "bravo", "i2", 5)
    pi.do("dependency.accept", "d1", by=member_of("bravo"), provider_story_id="s-api")
    return pi


def test_dependency_on_time_is_committed_then_done(need: Session) -> None:
    dep = need.get("dependency", "d1")
    assert dependency_health(need.state, dep, day("2027-01-20")) == DependencyState.COMMITTED
    need.do("story.update", "s-api", status="done")
    assert dependency_health(need.state, dep, day("2027-02-05")) == DependencyState.DONE


def test_dependency_late_when_the_providing_story_is_not_done_as_the_need_passes(need: Session) -> None:
    dep = need.get("dependency", "d1")
    assert not dependency_late(need.state, dep, day("2027-01-29"))
    assert dependency_late(need.state, dep, day("2027-01-30"))
    assert dependency_health(need.state, dep, day("2027-01-30")) == DependencyState.LATE
    cascade = execution_cascade(need.state, day("2027-01-30"))
    assert cascade.features == {"f-alpha"} and cascade.objectives == {"o-alpha"}


def test_a_provider_that_slipped_past_the_need_is_in_conflict(need: Session) -> None:
    need.do("story.move", "s-api", by=member_of("bravo"), iteration_id="i3")
    dep = need.get("dependency", "d1")
    assert dependency_health(need.state, dep, day("2027-01-20")) == DependencyState.CONFLICT
    assert execution_cascade(need.state, day("2027-01-20")).objectives == {"o-alpha"}


def test_a_conflict_whose_need_closed_undelivered_is_late_and_counted_late(need: Session) -> None:
    """Issue 25: the provider slipped past the need, and the need's iteration closed undelivered. The
    dependency is late (no longer a conflict), and the late counter says so: one rule for both."""
    need.do("baseline.take")
    need.do("execution.start")
    need.do("story.move", "s-api", by=member_of("bravo"), iteration_id="i3")
    dep = need.get("dependency", "d1")
    before, after = day("2027-01-29"), day("2027-01-30")
    assert dependency_health(need.state, dep, before) == DependencyState.CONFLICT
    assert (plan_summary(need.state, before).conflict_count, plan_summary(need.state, before).late_count) == (
        1,
        0,
    )
    assert dependency_health(need.state, dep, after) == DependencyState.LATE
    summary = plan_summary(need.state, after)
    assert (summary.conflict_count, summary.late_count) == (0, 1)
    assert [a.kind for a in alerts(need.state, after) if a.item_id == "d1"] == [AlertKind.LATE]
    # Still at risk: what it puts at risk does not depend on which of the two it is.
    assert execution_cascade(need.state, after).objectives == {"o-alpha"}


def test_a_declined_dependency_stays_declined_after_its_need(need: Session) -> None:
    need.do("dependency.decline", "d1", by=member_of("bravo"), answer="No room this PI")
    dep = need.get("dependency", "d1")
    assert dependency_health(need.state, dep, day("2027-01-30")) == DependencyState.DECLINED


def test_late_on_an_external_party_until_it_is_marked_done(pi: Session) -> None:
    pi.feature("f-pay", "alpha", "i2")
    pi.dep("d-ext", "alpha", None, external_party="Klarna", requesting_feature_id="f-pay")
    pi.do("dependency.accept", "d-ext", promised_iteration_id="i2")
    dep = pi.get("dependency", "d-ext")
    assert dependency_health(pi.state, dep, day("2027-01-20")) == DependencyState.COMMITTED
    assert dependency_health(pi.state, dep, day("2027-02-01")) == DependencyState.LATE
    pi.do("dependency.done", "d-ext")
    assert (
        dependency_health(pi.state, pi.get("dependency", "d-ext"), day("2027-02-01")) == DependencyState.DONE
    )


def test_late_cascade_reaches_the_features_that_deliver_to_others(need: Session) -> None:
    # Charlie needs Alpha's feature, which is at risk because Bravo is late.
    need.feature("f-charlie", "charlie", "i4")
    need.dep("d2", "charlie", "alpha", requesting_feature_id="f-charlie")
    need.do("dependency.accept", "d2", by=member_of("alpha"), provider_feature_id="f-alpha")
    assert execution_cascade(need.state, day("2027-01-30")).features == {"f-alpha", "f-charlie"}


def test_velocity_against_the_baseline_and_capacity(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 5)
    pi.story("s2", "alpha", "i1", 5)
    baseline = baseline_of(pi)
    pi.do("story.update", "s1", status="done")
    v = team_velocity(pi.state, baseline, "alpha", "i1")
    assert (v.done, v.planned_at_baseline, v.capacity) == (5, 10, 16.0)
    assert velocity_drop(v, 0.7)
    assert not velocity_drop(v, 0.5)


def test_velocity_counts_capacity_net_of_days_off(pi: Session) -> None:
    pi.do("member.update", "alpha-dev1", days_off={"i1": 3})
    assert team_velocity(pi.state, baseline_of(pi), "alpha", "i1").capacity == 13.0


def test_velocity_table_skips_open_and_ip_iterations(pi: Session) -> None:
    baseline = baseline_of(pi)
    assert velocity_table(pi.state, baseline, day("2027-01-10")) == []
    after_pi = velocity_table(pi.state, baseline, day("2027-04-01"))
    assert {v.iteration_id for v in after_pi} == {"i1", "i2", "i3", "i4"}
    assert len(after_pi) == 4 * 3


def test_no_velocity_drop_without_a_plan(pi: Session) -> None:
    v = team_velocity(pi.state, baseline_of(pi), "alpha", "i1")
    assert v.ratio is None and not velocity_drop(v)


def test_burn_up_cumulates_baseline_plan_and_done(pi: Session) -> None:
    pi.story("s1", "alpha", "i1", 3)
    pi.story("s2", "alpha", "i2", 5)
    pi.story("s3", "bravo", "i2", 8)
    baseline = baseline_of(pi)
    pi.do("story.update", "s1", status="done")
    pi.do("story.move", "s2", iteration_id="i3")
    art = burn_up(pi.state, baseline, day("2027-01-20"))
    assert [(p.baseline, p.planned, p.done) for p in art] == [
        (3, 3, 3),
        (16, 11, 3),
        (16, 16, None),
        (16, 16, None),
        (16, 16, None),
    ]
    alpha = burn_up(pi.state, baseline, day("2027-01-20"), team_id="alpha")
    assert [p.baseline for p in alpha] == [3, 8, 8, 8, 8]


def test_alerts_name_what_went_wrong_and_whom_it_concerns(need: Session) -> None:
    baseline = baseline_of(need)
    today = day("2027-01-30")
    found = alerts(need.state, today, baseline)
    kinds = {(a.kind, a.item_id) for a in found}
    assert (AlertKind.SLIPPED, "s-api") in kinds
    assert (AlertKind.LATE, "d1") in kinds
    assert (AlertKind.AT_RISK, "f-alpha") in kinds
    assert (AlertKind.AT_RISK, "o-alpha") in kinds
    assert (AlertKind.VELOCITY_DROP, "bravo:i2") in kinds
    assert {a.item_id for a in alerts_for(found, "charlie")} == set()
    assert "d1" in {a.item_id for a in alerts_for(found, "alpha")}
    assert "d1" in {a.item_id for a in alerts_for(found, "bravo")}


def test_new_alerts_are_those_since_an_earlier_moment(need: Session) -> None:
    before = alerts(need.state, day("2027-01-20"))
    after = alerts(need.state, day("2027-01-30"))
    assert before == []
    assert {a.kind for a in new_alerts(after, before)} >= {AlertKind.LATE, AlertKind.SLIPPED}
    assert new_alerts(after, after) == []


def test_over_capacity_alert_only_for_open_iterations(pi: Session) -> None:
    pi.story("s-big", "alpha", "i1", 40)
    assert [a.kind for a in alerts(pi.state, day("2027-01-05"))] == [AlertKind.OVER_CAPACITY]
    assert [a.kind for a in alerts(pi.state, day("2027-01-16"))] == [AlertKind.SLIPPED]


def test_new_unroamed_risks_since_the_baseline(pi: Session) -> None:
    pi.risk("r-old")
    baseline = baseline_of(pi)
    pi.risk("r-new", title="Supplier strike")
    found = alerts(pi.state, day("2027-01-05"), baseline)
    assert [(a.kind, a.item_id) for a in found] == [(AlertKind.UNROAMED_RISK, "r-new")]


def test_execution_starts_only_after_the_baseline(pi: Session) -> None:
    with pytest.raises(IllegalTransition, match="baseline"):
        pi.do("execution.start")
    pi.do("plan.lock")
    pi.do("baseline.take")
    pi.do("execution.start")
    meta = pi.state.meta
    assert meta.execution_started and not meta.locked
    with pytest.raises(IllegalTransition, match="started already"):
        pi.do("execution.start")
