"""Post-PI Planning's rules (board/solution_plan.py, board/risks.py) and who may do what (issue 29)."""

from __future__ import annotations

import pytest

from board.errors import Invalid
from board.model import BoardState, Roam, VoteStatus
from board.risks import roamed
from board.solution import SOLUTION_PERMISSIONS, SolutionActor, SolutionRole, solution_refusal
from board.solution_plan import (
    MAX_DRAWS,
    SolutionObjective,
    SolutionPlan,
    VoteRound,
    draws_from,
    objective_fields,
    open_refusal,
    risk_fields,
    round_refusal,
    solution_predictability,
)
from tests.unit.plan_builder import Session

PLAN_ACTIONS = {
    "objective.create": {SolutionRole.STE, SolutionRole.SOLUTION_MANAGEMENT},
    "objective.update": {SolutionRole.STE, SolutionRole.SOLUTION_MANAGEMENT},
    "objective.delete": {SolutionRole.STE, SolutionRole.SOLUTION_MANAGEMENT},
    "objective.set_bv": {SolutionRole.BUSINESS_OWNER},
    "risk.create": set(SolutionRole),
    "risk.update": {SolutionRole.STE},
    "risk.delete": {SolutionRole.STE},
    "risk.roam": {SolutionRole.STE},
    "vote.open": {SolutionRole.STE},
    "vote.cast": set(SolutionRole),
    "vote.close": {SolutionRole.STE},
}


def train(board_id: str, name: str, objective_ids: tuple[str, ...]) -> BoardState:
    board = Session(board_id).create_board(name=name)
    board.team("t1", "Atlas")
    for oid in objective_ids:
        board.objective(oid, "t1", f"ship {oid}")
    return board.state


@pytest.mark.parametrize("role", list(SolutionRole))
@pytest.mark.parametrize("action", sorted(PLAN_ACTIONS))
def test_each_solution_role_may_do_exactly_its_post_pi_planning_ops(role: SolutionRole, action: str) -> None:
    refused = solution_refusal(SolutionActor("p", "Pat", role), action)
    if role in PLAN_ACTIONS[action]:
        assert refused is None
    else:
        assert refused is not None and refused.reason.endswith(SOLUTION_PERMISSIONS[action][1])


def test_a_business_owner_is_a_role_of_its_own_that_changes_no_trains_board() -> None:
    bo = SolutionActor("b", "Bea", SolutionRole.BUSINESS_OWNER)
    assert solution_refusal(bo, "capability.create") is not None
    refused = solution_refusal(SolutionActor("s", "Sam", SolutionRole.STE), "objective.set_bv")
    assert refused is not None
    assert refused.reason == "the Solution Train Engineer may not give business value to a solution objective"


def test_an_objective_draws_only_from_objectives_of_the_solutions_trains() -> None:
    trains = {"a": train("a", "Cards", ("o1", "o2")), "b": train("b", "Loans", ("o9",))}
    assert draws_from(["a/o1", "b/o9", "a/o1"], trains) == ("a/o1", "b/o9")
    assert draws_from(None, trains) == () and draws_from([], trains) == ()
    for bad, why in (
        (["c/o1"], "not a train of this solution"),
        (["a/o9"], "Cards has no such objective"),
        (["a"], "is not"),
        ("a/o1", "must be a list"),
        ([1], "must be a list"),
        ([["a/o1"]], "must be a list"),
        (["a/" + "x" * 200], "must be a list"),
        (["a/o1\x00"], "NUL"),
        ([f"a/o{i}" for i in range(MAX_DRAWS + 1)], f"at most {MAX_DRAWS}"),
    ):
        with pytest.raises(Invalid, match=why):
            draws_from(bad, trains)


def test_a_change_checks_only_the_fields_it_names_by_a_new_ones_rules_and_names_at_least_one() -> None:
    trains = {"a": train("a", "Cards", ("o1",))}
    assert objective_fields({"title": " Go live "}, trains) == {"title": "Go live"}
    assert objective_fields({"committed": "false", "draws_from": ["a/o1"]}, trains) == {
        "committed": False,
        "draws_from": ("a/o1",),
    }
    assert risk_fields({"description": "API"}) == {"description": "API"}
    for bad, why in (
        (lambda: objective_fields({}, trains), "give title, committed or draws_from"),
        (lambda: objective_fields({"title": ""}, trains), "must not be empty"),
        (lambda: objective_fields({"title": "x" * 501}, trains), "500"),
        (lambda: objective_fields({"draws_from": ["a/o9"]}, trains), "no such objective"),
        (lambda: risk_fields({}), "give title or description"),
        (lambda: risk_fields({"title": None}), "must not be empty"),
        (lambda: risk_fields({"description": 5}), "must be text"),
    ):
        with pytest.raises(Invalid, match=why):
            bad()


def test_roam_is_one_rule_an_owned_risk_needs_an_owner() -> None:
    assert roamed("owned", " Rita ") == (Roam.OWNED, "Rita")
    assert roamed("accepted", None) == (Roam.ACCEPTED, "")
    with pytest.raises(Invalid, match="needs an owner"):
        roamed("owned", "")
    with pytest.raises(Invalid, match="the roam must be one of"):
        roamed("ignored", "Rita")
    with pytest.raises(Invalid):
        roamed(["owned"], "Rita")


def test_one_round_at_a_time_and_a_closed_round_takes_no_vote_and_shows_only_its_distribution() -> None:
    assert open_refusal(SolutionPlan()) is None
    open_round = VoteRound("r1", 1, VoteStatus.OPEN, {"m1": 4, "m2": 2})
    refused = open_refusal(SolutionPlan(rounds=(open_round,)))
    assert refused is not None and "open already" in refused.reason
    assert round_refusal(open_round, "voted in") is None and open_round.result is None
    closed = VoteRound("r1", 1, VoteStatus.REVEALED, {"m1": 4, "m2": 2})
    refused = round_refusal(closed, "voted in")
    assert refused is not None and "closed" in refused.reason
    result = closed.result
    assert result is not None and result.average == 3.0
    assert result.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}


def test_the_solutions_predictability_is_a_trains_rule_over_its_objectives() -> None:
    objectives = [
        SolutionObjective("a", "A", (), True, 8, None, "S"),
        SolutionObjective("b", "B", (), False, 5, None, "S"),
    ]
    unrated = solution_predictability(objectives)
    assert (unrated.planned_bv, unrated.ratio) == (8, None)
    rated = [*objectives, SolutionObjective("c", "C", (), True, 2, 9, "S")]
    assert solution_predictability(rated).ratio == 9 / 10
