"""The role × op table of DOMAIN.md."""

from __future__ import annotations

import pytest
from plan_builder import ARCH, BO, OBSERVER, PM, RTE, member_of

from board.errors import Forbidden, IllegalTransition
from board.model import Role
from board.ops import OP_TYPES
from board.roles import (
    PERMISSIONS,
    PLAN_OPS,
    SOLUTION_OPS,
    Actor,
    authorise,
    jira_import_refusal,
    may,
    refusal,
)

TEAM = member_of("alpha")


def allowed(actor: Actor, op_type: str) -> bool:
    try:
        authorise(actor, op_type)
    except Forbidden:
        return False
    return True


def test_every_op_has_a_handler_and_a_permission() -> None:
    assert set(PERMISSIONS) == set(OP_TYPES)


# Everything a person may do: what only the solution writes (a cross-train mirror) is nobody's.
@pytest.mark.parametrize("op_type", sorted(set(PERMISSIONS) - SOLUTION_OPS))
def test_rte_may_do_everything(op_type: str) -> None:
    assert allowed(RTE, op_type)


@pytest.mark.parametrize("op_type", sorted(PERMISSIONS))
def test_observer_may_do_nothing(op_type: str) -> None:
    assert not allowed(OBSERVER, op_type)


def test_unknown_op_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="no such action"):
        authorise(RTE, "board.explode")


def test_team_member_without_a_team_is_refused() -> None:
    with pytest.raises(Forbidden, match="belong to a team"):
        authorise(Actor("x", "X", Role.TEAM, None), "story.create")


RTE_ONLY = [
    "board.create",
    "board.update",
    "plan.lock",
    "plan.unlock",
    "baseline.take",
    "team.create",
    "iteration.create",
    "vote.open",
    "vote.close",
    "vote.reveal",
    "timer.start",
    "timer.pause",
    "timer.advance",
    "agenda.create",
    "roam.focus",
    "risk.delete",
]


@pytest.mark.parametrize("op_type", RTE_ONLY)
@pytest.mark.parametrize("actor", [PM, ARCH, BO, TEAM], ids=lambda a: a.role.value)
def test_facilitation_is_the_rtes_alone(op_type: str, actor: Actor) -> None:
    assert not allowed(actor, op_type)


@pytest.mark.parametrize(
    ("actor", "may", "may_not"),
    [
        (
            PM,
            ["feature.create", "feature.update", "feature.move", "milestone.create", "dependency.comment"],
            ["objective.set_bv", "story.create", "vote.open", "member.update"],
        ),
        (
            ARCH,
            ["feature.create", "feature.update", "dependency.comment", "risk.create", "vote.cast"],
            ["milestone.create", "story.create", "objective.set_bv", "dependency.accept"],
        ),
        (
            BO,
            ["objective.set_bv", "objective.set_actual_bv", "vote.cast", "vote.explain", "risk.create"],
            ["feature.create", "objective.create", "story.create", "risk.roam"],
        ),
        (
            TEAM,
            [
                "story.create",
                "story.move",
                "member.update",
                "objective.create",
                "risk.roam",
                "dependency.create",
                "dependency.accept",
                "dependency.done",
                "feature.move",
                "vote.cast",
            ],
            ["objective.set_bv", "feature.create", "milestone.create", "risk.delete", "team.update"],
        ),
    ],
    ids=lambda x: x.role.value if isinstance(x, Actor) else "",
)
def test_role_table(actor: Actor, may: list[str], may_not: list[str]) -> None:
    assert [op for op in may if not allowed(actor, op)] == []
    assert [op for op in may_not if allowed(actor, op)] == []


def test_plan_ops_cover_the_plan_but_not_business_value_or_comments() -> None:
    assert {
        "story.create",
        "feature.move",
        "dependency.accept",
        "objective.update",
        "member.update",
    } <= PLAN_OPS
    assert not {"objective.set_bv", "objective.set_actual_bv", "dependency.comment"} & PLAN_OPS
    assert not {op for op in PLAN_OPS if op.split(".")[0] in {"vote", "timer", "risk", "agenda", "board"}}


def test_team_members_touch_their_own_teams_items_only() -> None:
    assert may(TEAM, "story.update", "alpha", "alpha")
    assert may(RTE, "story.update", "bravo")
    assert not may(TEAM, "story.update", "alpha", "bravo")
    assert not may(TEAM, "risk.roam", None)
    with pytest.raises(Forbidden, match="their own team"):
        authorise(TEAM, "objective.update", "bravo")


def test_the_architect_changes_enablers_only() -> None:
    assert may(ARCH, "feature.update", enabler=True)
    assert may(ARCH, "feature.create")  # in general: yes, an enabler
    assert not may(ARCH, "feature.update", enabler=False)
    assert may(PM, "feature.update", enabler=False)
    with pytest.raises(Forbidden, match="enablers only"):
        authorise(ARCH, "feature.move", None, enabler=False)


def test_either_team_of_a_dependency_comments() -> None:
    assert may(TEAM, "dependency.comment", "bravo", "alpha")
    assert not may(TEAM, "dependency.comment", "bravo", "charlie")
    assert may(PM, "dependency.comment", "bravo", "charlie")


def test_a_team_round_is_for_that_teams_members_only() -> None:
    assert may(TEAM, "vote.cast", "alpha")
    assert not may(TEAM, "vote.cast", "bravo")
    assert not may(RTE, "vote.cast", "alpha")
    assert may(BO, "vote.cast", None)


def test_a_locked_plan_is_the_rtes_alone() -> None:
    assert not may(TEAM, "story.create", "alpha", locked=True)
    assert may(RTE, "story.create", "alpha", locked=True)
    assert may(TEAM, "risk.create", locked=True)  # risks and votes go on
    assert isinstance(refusal(PM, "feature.update", locked=True), IllegalTransition)


def test_a_help_request_is_answered_by_the_role_it_asks_for_and_the_rte() -> None:
    assert may(ARCH, "help.take", asked_for=Role.ARCHITECT)
    assert may(RTE, "help.take", asked_for=Role.ARCHITECT)
    assert not may(BO, "help.take", asked_for=Role.ARCHITECT)
    assert may(BO, "help.take")  # in general: yes, when a team asks for a Business Owner
    assert not may(PM, "help.close", "alpha", asked_for=Role.BUSINESS_OWNER)
    assert may(TEAM, "help.close", "alpha", asked_for=Role.BUSINESS_OWNER)  # its own team's request
    assert not may(TEAM, "help.close", "bravo", asked_for=Role.BUSINESS_OWNER)
    with pytest.raises(Forbidden, match="asked for the System Architect"):
        authorise(BO, "help.take", asked_for=Role.ARCHITECT)


def test_product_management_and_the_rte_import_from_jira_and_no_one_else() -> None:
    assert jira_import_refusal(RTE) is None and jira_import_refusal(PM) is None
    for actor in (ARCH, BO, TEAM, OBSERVER):
        refused = jira_import_refusal(actor)
        assert isinstance(refused, Forbidden) and "Product Management" in refused.reason, actor.role
