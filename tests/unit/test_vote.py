"""Fist-of-five tally."""

from __future__ import annotations

from board.vote import REWORK_BELOW, tally_vote


def test_distribution_and_average() -> None:
    tally = tally_vote([5, 4, 4, 3, 1])
    assert tally.count == 5
    assert tally.distribution == {1: 1, 2: 0, 3: 1, 4: 2, 5: 1}
    assert tally.average == 3.4
    assert not tally.needs_rework


def test_average_is_rounded_to_two_places() -> None:
    assert tally_vote([1, 2, 2]).average == 1.67


def test_empty_vote_has_no_average_and_needs_no_rework() -> None:
    tally = tally_vote([])
    assert tally.count == 0
    assert tally.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert tally.average is None
    assert not tally.needs_rework


def test_below_three_needs_rework() -> None:
    assert REWORK_BELOW == 3.0
    assert tally_vote([2, 3, 3]).needs_rework  # 2.67
    assert not tally_vote([3, 3, 3]).needs_rework  # exactly 3 is enough
    assert tally_vote([1]).needs_rework
