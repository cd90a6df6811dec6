"""Capacity and load: 8 points per FTE per two weeks, minus a point per day off; the IP carries none."""

from __future__ import annotations

import pytest
from plan_builder import Session

from board.capacity import (
    Load,
    LoadLevel,
    load_ratio,
    load_table,
    member_capacity,
    overloaded_iterations,
    team_capacity,
    team_load,
)
from board.errors import Invalid
from board.model import Iteration, Member


def test_full_time_member_has_eight_points_per_two_week_iteration() -> None:
    assert member_capacity(Member(id="m", fte=1.0), Iteration(id="i1")) == 8.0


def test_part_time_member_scales_with_fte() -> None:
    assert member_capacity(Member(id="m", fte=0.5), Iteration(id="i1")) == 4.0
    assert member_capacity(Member(id="m", fte=0.8), Iteration(id="i1")) == pytest.approx(6.4)


def test_each_day_off_costs_one_point_in_that_iteration_only() -> None:
    m = Member(id="m", fte=1.0, days_off={"i1": 3})
    assert member_capacity(m, Iteration(id="i1")) == 5.0
    assert member_capacity(m, Iteration(id="i2")) == 8.0


def test_capacity_never_goes_negative() -> None:
    m = Member(id="m", fte=0.5, days_off={"i1": 10})
    assert member_capacity(m, Iteration(id="i1")) == 0.0


def test_longer_iteration_scales_capacity() -> None:
    assert member_capacity(Member(id="m"), Iteration(id="i1", weeks=3)) == 12.0


def test_ip_iteration_carries_no_capacity() -> None:
    assert member_capacity(Member(id="m", fte=1.0), Iteration(id="ip", is_ip=True)) == 0.0


def test_team_capacity_sums_members_of_that_team_only(plan: Session) -> None:
    plan.member("alpha-pt", "alpha", fte=0.5, days_off={"i2": 2})
    assert team_capacity(plan.state, "alpha", "i1") == 20.0
    assert team_capacity(plan.state, "alpha", "i2") == 18.0
    assert team_capacity(plan.state, "bravo", "i1") == 16.0
    assert team_capacity(plan.state, "alpha", "ip") == 0.0


def test_team_capacity_of_unknown_iteration_is_zero(plan: Session) -> None:
    assert team_capacity(plan.state, "alpha", "nope") == 0.0


def test_team_without_members_has_zero_capacity_and_no_ratio(plan: Session) -> None:
    plan.team("delta")
    load = load_ratio(plan.state, "delta", "i1")
    assert load.capacity == 0.0
    assert load.ratio is None
    assert load.level == LoadLevel.OK
    assert not load.overloaded


def test_any_load_on_zero_capacity_is_overloaded(plan: Session) -> None:
    plan.team("delta")
    plan.story("s1", "delta", "i1", 1)
    load = load_ratio(plan.state, "delta", "i1")
    assert load.ratio is None
    assert load.overloaded
    assert load.level == LoadLevel.OVERLOADED


def test_team_load_sums_story_points_of_team_in_iteration(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 5)
    plan.story("s2", "alpha", "i1", 3)
    plan.story("s3", "alpha", "i2", 8)
    plan.story("s4", "bravo", "i1", 2)
    plan.story("s5", "alpha", None, 13)
    assert team_load(plan.state, "alpha", "i1") == 8
    assert team_load(plan.state, "alpha", "i2") == 8
    assert team_load(plan.state, "bravo", "i1") == 2
    assert team_load(plan.state, "charlie", "i1") == 0


def test_story_moved_to_another_iteration_moves_its_load(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 5)
    plan.do("story.move", "s1", iteration_id="i3")
    assert team_load(plan.state, "alpha", "i1") == 0
    assert team_load(plan.state, "alpha", "i3") == 5


@pytest.mark.parametrize(
    ("load", "capacity", "ratio", "level"),
    [
        (0, 16.0, 0.0, LoadLevel.OK),
        (12, 16.0, 0.75, LoadLevel.OK),
        (8, 10.0, 0.8, LoadLevel.OK),  # exactly on target is fine
        (9, 10.0, 0.9, LoadLevel.ABOVE_TARGET),
        (10, 10.0, 1.0, LoadLevel.ABOVE_TARGET),  # full but not over
        (11, 10.0, 1.1, LoadLevel.OVERLOADED),
    ],
)
def test_load_levels(load: int, capacity: float, ratio: float, level: str) -> None:
    result = Load("t", "i", capacity=capacity, load=load, target=0.8)
    assert result.ratio == pytest.approx(ratio)
    assert result.level == level
    assert result.overloaded is (level == LoadLevel.OVERLOADED)


def test_planning_target_comes_from_the_board(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 14)  # 14 / 16 = 0.875
    assert load_ratio(plan.state, "alpha", "i1").level == LoadLevel.ABOVE_TARGET
    plan.do("board.update", planning_target=0.9)
    assert load_ratio(plan.state, "alpha", "i1").level == LoadLevel.OK


def test_no_story_can_be_planned_in_the_ip_iteration(plan: Session) -> None:
    with pytest.raises(Invalid, match="IP iteration holds no feature work"):
        plan.story("s1", "alpha", "ip", 3)
    assert load_ratio(plan.state, "alpha", "ip").load == 0


def test_load_table_agrees_with_team_load_and_capacity(plan: Session) -> None:
    plan.member("alpha-pt", "alpha", fte=0.6, days_off={"i1": 1, "i3": 4})
    plan.member("bravo-pt", "bravo", fte=0.3)
    for n, (team, iteration, points) in enumerate(
        [
            ("alpha", "i1", 8),
            ("alpha", "i1", 13),
            ("bravo", "i2", 5),
            ("charlie", "i3", 20),
            ("bravo", "i4", 21),
        ]
    ):
        plan.story(f"s{n}", team, iteration, points)
    table = load_table(plan.state)
    assert len(table) == 3 * 5
    for (team_id, iteration_id), load in table.items():
        assert load.capacity == team_capacity(plan.state, team_id, iteration_id)
        assert load.load == team_load(plan.state, team_id, iteration_id)
        assert load == load_ratio(plan.state, team_id, iteration_id)
    assert {(x.team_id, x.iteration_id) for x in overloaded_iterations(plan.state)} == {
        ("alpha", "i1"),
        ("charlie", "i3"),
        ("bravo", "i4"),
    }
