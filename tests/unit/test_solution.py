"""A solution's rules: its roles (one rule, like a train's) and whether its trains keep one cadence."""

from __future__ import annotations

import pytest

from board.errors import Forbidden
from board.model import Role
from board.roles import Actor, may
from board.solution import (
    SOLUTION_PERMISSIONS,
    STE,
    SUPPLIER,
    TRAIN_LINK,
    IterationDates,
    Progress,
    SolutionActor,
    SolutionRole,
    TrainCadence,
    authorise_in_solution,
    cadence_disagreements,
    cadence_of,
    capability_feature_id,
    feature_progress,
    may_in_solution,
    reference_train,
    solution_refusal,
    train_actor,
    train_join_refusal,
)
from tests.unit.plan_builder import Session


def person(role: SolutionRole) -> SolutionActor:
    return SolutionActor(f"p-{role.value}", "Sam", role)


def train(
    board_id: str, *dates: tuple[str, str], ip_last: bool = False, pi: tuple[str, str] | None = None
) -> TrainCadence:
    iterations = tuple(
        IterationDates(f"Iteration {n}", start, end, ip_last and n == len(dates))
        for n, (start, end) in enumerate(dates, 1)
    )
    pi_start, pi_end = pi or (dates[0][0] if dates else None, dates[-1][1] if dates else None)
    return TrainCadence(board_id, f"Train {board_id.upper()}", pi_start, pi_end, iterations)


CADENCE = (("2027-01-04", "2027-01-15"), ("2027-01-18", "2027-01-29"), ("2027-02-01", "2027-02-12"))


# --- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(SolutionRole))
@pytest.mark.parametrize("action", sorted(SOLUTION_PERMISSIONS))
def test_every_role_is_asked_of_every_action_by_the_table(role: SolutionRole, action: str) -> None:
    allowed, _ = SOLUTION_PERMISSIONS[action]
    assert may_in_solution(person(role), action) is (role in allowed)


def test_only_the_ste_makes_join_links_and_the_refusal_says_who_may_not_what() -> None:
    assert may_in_solution(person(STE), "link.create")
    refused = solution_refusal(person(SolutionRole.SOLUTION_MANAGEMENT), "link.create")
    assert isinstance(refused, Forbidden)
    assert refused.reason == "Solution Management may not make join links"
    with pytest.raises(Forbidden, match="a supplier may not write a capability"):
        authorise_in_solution(person(SUPPLIER), "capability.create")


def test_solution_management_writes_capabilities_and_everyone_reads() -> None:
    assert may_in_solution(person(SolutionRole.SOLUTION_MANAGEMENT), "capability.split")
    assert all(may_in_solution(person(role), "solution.read") for role in SolutionRole)
    assert not may_in_solution(person(SolutionRole.SOLUTION_ARCHITECT), "capability.create")


def test_an_unknown_action_is_refused() -> None:
    refused = solution_refusal(person(STE), "solution.explode")
    assert isinstance(refused, Forbidden) and "no such action" in refused.reason


def test_a_train_joins_by_its_rte_with_a_train_link_only() -> None:
    rte = Actor("r", "Rita", Role.RTE)
    assert train_join_refusal(rte, TRAIN_LINK) is None
    pm = train_join_refusal(Actor("p", "Paul", Role.PRODUCT_MANAGEMENT), TRAIN_LINK)
    assert isinstance(pm, Forbidden) and pm.reason == "only the RTE joins the train to a solution"
    person_link = train_join_refusal(rte, STE.value)
    assert isinstance(person_link, Forbidden) and "not a train" in person_link.reason


# --- cadence --------------------------------------------------------------------------------------


def test_trains_on_the_same_dates_agree() -> None:
    assert cadence_disagreements([train("a", *CADENCE), train("b", *CADENCE)]) == []


def test_a_train_whose_iteration_ends_later_is_named_with_how() -> None:
    late = (*CADENCE[:2], ("2027-02-01", "2027-02-19"))
    (found,) = cadence_disagreements([train("a", *CADENCE), train("b", *late)])
    assert found.board_id == "b" and found.train == "Train B"
    assert found.reasons == (
        "the PI ends 2027-02-19 here but 2027-02-12 on Train A",
        "Iteration 3 ends 2027-02-19 here but 2027-02-12 on Train A",
    )


def test_a_missing_iteration_and_a_different_ip_are_said() -> None:
    (found,) = cadence_disagreements([train("a", *CADENCE, ip_last=True), train("b", *CADENCE[:2])])
    assert "it has 2 iterations, Train A has 3" in found.reasons
    (ip,) = cadence_disagreements([train("a", *CADENCE, ip_last=True), train("b", *CADENCE)])
    assert ip.reasons == ("Iteration 3 is an IP iteration on Train A",)


def test_the_pi_dates_count_even_when_the_iterations_agree() -> None:
    shifted = train("b", *CADENCE, pi=("2027-01-01", "2027-02-12"))
    (found,) = cadence_disagreements([train("a", *CADENCE), shifted])
    assert found.reasons == ("the PI starts 2027-01-01 here but 2027-01-04 on Train A",)


def test_the_first_dated_train_sets_the_cadence_and_undated_trains_are_told() -> None:
    undated = TrainCadence("u", "Train U", None, None, (IterationDates("Iteration 1", None, None),))
    empty = TrainCadence("e", "Train E", None, None, ())
    trains = [undated, empty, train("a", *CADENCE), train("b", *CADENCE)]
    assert reference_train(trains) is trains[2]
    found = {d.board_id: d.reasons for d in cadence_disagreements(trains)}
    assert found == {"u": ("Iteration 1 has no dates yet",), "e": ("it has no iterations yet",)}
    assert reference_train([undated]) is None


def test_a_boards_cadence_is_read_from_its_plan() -> None:
    s = Session("art-1").create_board()
    s.do("board.update", name="Payments ART")
    s.do("iteration.create", number=2, name="", start="2027-01-18", end="2027-01-29")
    s.do("iteration.create", number=1, name="Kick-off", start="2027-01-04", end="2027-01-15")
    cadence = cadence_of(s.state)
    assert cadence.name == "Payments ART" and cadence.board_id == "art-1"
    assert [i.name for i in cadence.iterations] == ["Kick-off", "Iteration 2"]
    assert (cadence.pi_start, cadence.pi_end) == ("2027-01-04", "2027-01-29")


# --- capabilities ---------------------------------------------------------------------------------


def test_a_solution_person_acts_on_a_train_with_the_train_role_the_table_gives() -> None:
    sm = train_actor(person(SolutionRole.SOLUTION_MANAGEMENT))
    assert sm is not None and sm.role == Role.PRODUCT_MANAGEMENT and sm.id == "p-solution_management"
    assert may(sm, "feature.create") and not may(sm, "team.create")
    architect = train_actor(person(SolutionRole.SOLUTION_ARCHITECT))
    assert architect is not None and not may(architect, "feature.create", enabler=False)
    assert train_actor(person(SUPPLIER)) is None


def test_a_capabilitys_feature_progress_is_read_from_its_trains_plan(plan: Session) -> None:
    fid = capability_feature_id("c1")
    assert feature_progress(plan.state, fid) == Progress.GONE
    plan.feature(fid)
    assert feature_progress(plan.state, fid) == Progress.FUNNEL
    plan.do("feature.update", fid, team_id="alpha", iteration_id="i3")
    assert feature_progress(plan.state, fid) == Progress.PLANNED
    plan.dep("d1", "alpha", "bravo", requesting_feature_id=fid)
    plan.story("s-api", "bravo", "i4", 5)
    plan.do("dependency.accept", "d1", provider_story_id="s-api")  # delivered after it is needed
    assert feature_progress(plan.state, fid) == Progress.AT_RISK
    plan.do("story.update", "s-api", iteration_id="i2")
    assert feature_progress(plan.state, fid) == Progress.PLANNED
    plan.do("feature.update", fid, state="done")
    assert feature_progress(plan.state, fid) == Progress.DONE
