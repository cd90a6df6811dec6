"""Predictability and the vague-objective hint."""

from __future__ import annotations

import pytest
from plan_builder import BO, Session

from board.model import Objective
from board.objectives import art_predictability, is_vague, predictability, team_predictability


def obj(committed: bool, planned: int | None, actual: int | None, team: str = "alpha") -> Objective:
    return Objective(id="o", team_id=team, committed=committed, planned_bv=planned, actual_bv=actual)


def test_predictability_is_actual_of_all_over_planned_of_committed() -> None:
    result = predictability([obj(True, 10, 8), obj(True, 5, 5), obj(False, 6, 2)])
    assert result.planned_bv == 15
    assert result.actual_bv == 15
    assert result.ratio == pytest.approx(1.0)
    assert result.in_band is True


def test_uncommitted_actual_counts_only_in_actual() -> None:
    without = predictability([obj(True, 10, 7)])
    with_uncommitted = predictability([obj(True, 10, 7), obj(False, 8, 3)])
    assert without.planned_bv == with_uncommitted.planned_bv == 10
    assert with_uncommitted.actual_bv == 10
    assert without.in_band is False  # 0.7
    assert with_uncommitted.in_band is True  # 1.0


def test_no_committed_objectives_has_no_ratio() -> None:
    result = predictability([obj(False, 8, 6)])
    assert result.planned_bv == 0
    assert result.ratio is None
    assert result.in_band is None
    assert predictability([]).ratio is None


def test_objectives_without_bv_count_as_zero_in_a_rated_team() -> None:
    result = predictability([obj(True, None, None), obj(True, 4, None), obj(True, 4, 2)])
    assert result.planned_bv == 8
    assert result.actual_bv == 2
    assert result.ratio == 0.25


def test_a_team_not_rated_yet_has_no_figure() -> None:
    result = predictability([obj(True, None, None), obj(True, 4, None)])
    assert (result.rated, result.ratio, result.in_band) == (False, None, None)


@pytest.mark.parametrize(("actual", "in_band"), [(7, False), (8, True), (10, True), (11, False)])
def test_band_is_80_to_100_percent(actual: int, in_band: bool) -> None:
    assert predictability(
        [obj(True, 10, min(actual, 10)), obj(False, 1, actual - min(actual, 10))]
    ).in_band is (in_band)


def test_team_and_art_predictability_from_the_board(plan: Session) -> None:
    plan.objective("a1", "alpha", "Reduce cart abandonment from 70% to 60%")
    plan.objective("a2", "alpha", "Pilot one-click checkout with 2 merchants", committed=False)
    plan.objective("b1", "bravo", "Release fraud rules v2 to production")
    for oid, bv, actual in (("a1", 8, 6), ("a2", 5, 4), ("b1", 10, 9)):
        plan.do("objective.set_bv", oid, by=BO, value=bv)
        plan.do("objective.set_actual_bv", oid, by=BO, value=actual)
    alpha = team_predictability(plan.state, "alpha")
    assert (alpha.planned_bv, alpha.actual_bv) == (8, 10)
    bravo = team_predictability(plan.state, "bravo")
    assert (bravo.planned_bv, bravo.actual_bv) == (10, 9)
    assert team_predictability(plan.state, "charlie").ratio is None
    art = art_predictability(plan.state)
    assert (art.planned_bv, art.actual_bv) == (18, 19)


def test_art_predictability_counts_only_the_rated_teams(plan: Session) -> None:
    """A team whose actual BV is not given yet is left out of the ART's figure (it counted as 0)."""
    plan.objective("a1", "alpha", "Reduce cart abandonment from 70% to 60%")
    plan.objective("b1", "bravo", "Release fraud rules v2 to production")
    plan.objective("c1", "charlie", "Ship the ledger API by I3")
    for oid, bv in (("a1", 8), ("b1", 10), ("c1", 10)):
        plan.do("objective.set_bv", oid, by=BO, value=bv)
    plan.do("objective.set_actual_bv", "a1", by=BO, value=6)
    plan.do("objective.set_actual_bv", "b1", by=BO, value=9)
    art = art_predictability(plan.state)
    teams = len(plan.state.teams)
    assert (art.planned_bv, art.actual_bv, art.rated_teams, art.teams) == (18, 15, 2, teams)
    assert art.ratio == pytest.approx(15 / 18) and art.in_band is True
    assert art.coverage == f"2 of {teams} teams rated"
    assert team_predictability(plan.state, "charlie").rated is False


def test_art_predictability_before_any_rating_has_no_figure(plan: Session) -> None:
    plan.objective("a1", "alpha", "Reduce cart abandonment from 70% to 60%")
    plan.do("objective.set_bv", "a1", by=BO, value=8)
    art = art_predictability(plan.state)
    assert (art.rated, art.ratio, art.rated_teams) == (False, None, 0)


@pytest.mark.parametrize(
    "statement",
    ["improve stability", "Improve the checkout experience", "", "   ", "Better performance and quality"],
)
def test_vague_statements_are_flagged(statement: str) -> None:
    assert is_vague(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "reduce P1 incidents from 12 to under 5",
        "checkout released to production",
        "Apple Pay live for all iOS users",
        "p95 page load below two seconds",
        "PCI DSS audit passes without findings",
    ],
)
def test_measurable_statements_pass(statement: str) -> None:
    assert not is_vague(statement)
