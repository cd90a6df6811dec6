"""Comparing two moments lists every kind of change, each counted (history's compare, exports)."""

from __future__ import annotations

import pytest
from plan_builder import Session

from board.baseline import baseline_diff
from board.compare import ChangeKind, compare
from board.model import BoardState


@pytest.fixture
def planned(plan: Session) -> Session:
    plan.do("board.update", "meta", start="2027-01-04", end="2027-03-26")
    plan.do("iteration.update", "i2", start="2027-01-18", end="2027-01-29")
    plan.feature("f1", "alpha", "i2")
    plan.story("s1", "alpha", "i2", 3, feature="f1")
    plan.story("s2", "alpha", "i2", 5, feature="f1")
    plan.feature("api", "bravo", "i2")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="f1")
    plan.objective("o1", "alpha", "Checkout live for pilot customers", features=["f1"])
    plan.risk("r1", "Vendor may be late", team="alpha")
    return plan


def baseline(plan: Session) -> BoardState:
    return plan.state.copy()


def test_statuses_and_a_redated_iteration_are_listed_though_nothing_moved(planned: Session) -> None:
    before = baseline(planned)
    planned.do("story.update", "s1", status="in_progress")
    planned.do("story.update", "s2", status="done")
    planned.do("iteration.update", "i2", end="2027-02-01")
    assert baseline_diff(before, planned.state).empty  # what compare said before: "nothing moved"
    result = compare(before, planned.state)
    assert [d.describe() for d in result.differences] == [
        "story “Story s1”: to do → in progress",
        "story “Story s2”: to do → done",
        "I2's end: 2027-01-29 → 2027-02-01",
    ]
    assert not result.empty
    counts = result.counts
    assert (counts[ChangeKind.STATUS], counts[ChangeKind.DATES]) == (2, 1)
    assert sum(counts.values()) == 3
    assert list(counts) == list(ChangeKind)


def test_every_kind_of_change_is_listed_and_counted(planned: Session) -> None:
    before = baseline(planned)
    planned.do("story.move", "s1", iteration_id="i3")
    planned.story("s3", "bravo", "i1", 2)
    planned.do("story.delete", "s2")
    planned.do("story.update", "s3", points=8)  # added: not also "re-pointed"
    planned.do("feature.update", "api", state="in_progress")
    planned.do("board.update", "meta", start="2027-01-11")
    planned.do("dependency.accept", "d1", provider_feature_id="api")
    planned.do("objective.set_bv", "o1", value=8)
    planned.do("risk.roam", "r1", roam="owned", owner="Ann")
    planned.risk("r2", "Test environment shared")
    s1_points = planned.get("story", "s1")
    planned.do("story.update", "s1", points=s1_points.points + 2)  # moved and re-pointed: moved wins
    result = compare(before, planned.state)
    by_kind = {kind: [d.what for d in result.of(kind)] for kind in ChangeKind}
    assert by_kind == {
        ChangeKind.MOVED: ["story “Story s1”"],
        ChangeKind.ADDED: ["risk “Test environment shared”", "story “Story s3”"],
        ChangeKind.DROPPED: ["story “Story s2”"],
        ChangeKind.STATUS: ["feature “Feature api”"],
        ChangeKind.POINTS: [],
        ChangeKind.DATES: ["the PI's start"],
        ChangeKind.DEPENDENCY: ["dependency “Need d1”"],
        ChangeKind.BUSINESS_VALUE: ["business value of objective “Checkout live for pilot customers”"],
        ChangeKind.ROAM: ["risk “Vendor may be late”"],
    }
    assert {kind: n for kind, n in result.counts.items() if n} == {
        kind: len(whats) for kind, whats in by_kind.items() if whats
    }
    changes = {d.kind: (d.before, d.after) for d in result.differences if d.kind != ChangeKind.ADDED}
    assert changes[ChangeKind.MOVED] == ("Alpha / I2", "Alpha / I3")
    assert changes[ChangeKind.DEPENDENCY] == ("requested", "committed")
    assert changes[ChangeKind.BUSINESS_VALUE] == ("", "8")
    assert changes[ChangeKind.ROAM] == ("not ROAMed yet", "owned")
    assert changes[ChangeKind.STATUS] == ("planned", "in progress")


def test_re_pointed_stories_are_counted_as_points(planned: Session) -> None:
    before = baseline(planned)
    planned.do("story.update", "s1", points=13)
    result = compare(before, planned.state)
    assert [(d.kind, d.before, d.after) for d in result.differences] == [(ChangeKind.POINTS, "3", "13")]


def test_the_same_board_twice_has_no_difference(planned: Session) -> None:
    result = compare(baseline(planned), planned.state)
    assert result.empty and sum(result.counts.values()) == 0
