"""The facilitator's tools as rules: the big screen's scene, "bring everyone here", the help queue."""

from __future__ import annotations

import pytest
from plan_builder import ARCH, BO, PM, RTE, Session, member_of

from board.errors import Forbidden, IllegalTransition, Invalid
from board.model import HelpStatus, Role
from board.room import help_queue, parse_scene

ANN = member_of("alpha", "Ann")
BOB = member_of("bravo", "Bob")


def test_the_rte_chooses_the_screens_scene(plan: Session) -> None:
    plan.do("screen.show", scene="vote")
    assert plan.state.meta.screen_scene == "vote"
    plan.do("screen.show", scene="team:bravo")
    assert plan.state.meta.screen_scene == "team:bravo"
    plan.do("screen.show", scene="rotate", seconds=45)
    assert (plan.state.meta.screen_scene, plan.state.meta.screen_rotate_seconds) == ("rotate", 45)


@pytest.mark.parametrize(
    "scene", ["", "wall", "team", "team:nobody", "vote:alpha", None, 3, "team:alpha:x", "\ud800"]
)
def test_an_unknown_scene_is_refused_and_changes_nothing(plan: Session, scene: object) -> None:
    before = plan.snapshot()
    with pytest.raises(Invalid):
        plan.do("screen.show", scene=scene)
    assert plan.snapshot() == before


@pytest.mark.parametrize("seconds", [0, 9, 601, "x"])
def test_a_rotation_stays_between_ten_seconds_and_ten_minutes(plan: Session, seconds: object) -> None:
    with pytest.raises(Invalid):
        plan.do("screen.show", scene="rotate", seconds=seconds)


@pytest.mark.parametrize("actor", [PM, ARCH, BO, ANN])
def test_only_the_rte_drives_the_screens(plan: Session, actor: object) -> None:
    for op, args in (("screen.show", {"scene": "vote"}), ("room.gather", {"view": "vote"})):
        with pytest.raises(Forbidden):
            plan.do(op, by=actor, **args)  # type: ignore[arg-type]


def test_bring_everyone_here_names_a_view_and_the_moment(plan: Session) -> None:
    plan.do("room.gather", view="vote")
    first = plan.state.meta.gather_at
    assert plan.state.meta.gather_view == "vote"
    plan.now += 60
    plan.do("room.gather", view="vote")
    # Asked again for the same view: a new moment, so pages that moved away are moved back.
    assert plan.state.meta.gather_at == (first or 0) + 60
    with pytest.raises(Invalid):
        plan.do("room.gather", view="admin")


def test_scene_parsing_is_one_rule(plan: Session) -> None:
    assert parse_scene("team:alpha", plan.state) == "team:alpha"
    assert parse_scene("join", plan.state) == "join"


def test_help_queue_in_the_order_asked_with_who_is_on_it(plan: Session) -> None:
    plan.do("help.ask", by=ANN, needs="architect", note="Checkout needs the System Architect")
    plan.now += 30
    plan.do("help.ask", by=BOB, needs="business_owner")
    plan.now += 30
    plan.do("help.ask", by=ANN, needs="pm")
    queue = help_queue(plan.state)
    assert [(h.team_id, h.needs) for h in queue] == [
        ("alpha", Role.ARCHITECT),
        ("bravo", Role.BUSINESS_OWNER),
        ("alpha", Role.PRODUCT_MANAGEMENT),
    ]
    assert queue[0].asked_by == "Ann" and queue[0].note.startswith("Checkout")
    plan.do("help.take", queue[0].id, by=ARCH)
    taken = help_queue(plan.state)[0]
    assert (taken.status, taken.taken_by) == (HelpStatus.TAKEN, ARCH.name)
    plan.do("help.close", taken.id, by=ARCH)
    assert [h.needs for h in help_queue(plan.state)] == [Role.BUSINESS_OWNER, Role.PRODUCT_MANAGEMENT]


def test_only_the_role_asked_for_or_the_rte_takes_a_request(plan: Session) -> None:
    plan.do("help.ask", by=ANN, needs="architect")
    request = help_queue(plan.state)[0]
    before = plan.snapshot()
    for actor in (BO, PM):
        with pytest.raises(Forbidden):
            plan.do("help.take", request.id, by=actor)
    with pytest.raises(Forbidden):
        plan.do("help.take", request.id, by=ANN)
    assert plan.snapshot() == before
    plan.do("help.take", request.id, by=RTE)
    with pytest.raises(IllegalTransition, match="taken by"):
        plan.do("help.take", request.id, by=ARCH)


def test_a_team_asks_for_itself_once_per_role_and_closes_its_own(plan: Session) -> None:
    with pytest.raises(Forbidden):
        plan.do("help.ask", by=ANN, team_id="bravo", needs="architect")
    plan.do("help.ask", by=ANN, needs="architect")
    with pytest.raises(IllegalTransition):
        plan.do("help.ask", by=ANN, needs="architect")
    request = help_queue(plan.state)[0]
    with pytest.raises(Forbidden):
        plan.do("help.close", request.id, by=BOB)
    plan.do("help.close", request.id, by=ANN)
    assert help_queue(plan.state) == []
    with pytest.raises(IllegalTransition):
        plan.do("help.close", request.id, by=ANN)


@pytest.mark.parametrize("needs", ["team", "observer", "", None, "ARCHITECT"])
def test_a_team_asks_only_for_the_roles_that_help(plan: Session, needs: object) -> None:
    with pytest.raises(Invalid):
        plan.do("help.ask", by=ANN, needs=needs)


def test_the_rte_asks_on_behalf_of_a_team_and_must_name_it(plan: Session) -> None:
    with pytest.raises(Invalid):
        plan.do("help.ask", needs="architect")
    plan.do("help.ask", team_id="charlie", needs="rte")
    assert help_queue(plan.state)[0].team_id == "charlie"


def test_the_join_scene_names_the_join_link_its_qr_code_opens(plan: Session) -> None:
    plan.do("screen.show", scene="join", link="link-1")
    assert (plan.state.meta.screen_scene, plan.state.meta.screen_join_link) == ("join", "link-1")
    plan.do("screen.show", scene="board")
    plan.do("screen.show", scene="join")  # the link chosen last is kept
    assert plan.state.meta.screen_join_link == "link-1"
    before = plan.snapshot()
    for scene, link in (("board", "link-2"), ("join", "x" * 41), ("join", "a\x00b"), ("join", 7)):
        with pytest.raises(Invalid):
            plan.do("screen.show", scene=scene, link=link)
    assert plan.snapshot() == before
