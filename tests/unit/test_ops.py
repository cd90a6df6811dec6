"""Every op kind through apply_op, and every kind of refusal, which must leave the board untouched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from plan_builder import ARCH, BO, OBSERVER, PM, T0, Session, member_of

from board.agenda import DEFAULT_AGENDA
from board.core import Op
from board.errors import Forbidden, IllegalTransition, Invalid, NotFound, Refused, Stale
from board.model import (
    DependencyStatus,
    FeatureKind,
    FeatureState,
    Roam,
    TimerStatus,
    VoteStatus,
)

ALPHA = member_of("alpha", "Ann")
ALPHA2 = member_of("alpha", "Abe")
BRAVO = member_of("bravo", "Bob")


# --- the board ------------------------------------------------------------------------------------


def test_board_create_seeds_the_default_agenda() -> None:
    s = Session()
    changes = s.do("board.create", name="Payments ART", pi_name="PI 2027.1", start="2027-01-04")
    meta = s.state.meta
    assert (meta.name, meta.pi_name, meta.start, meta.version) == (
        "Payments ART",
        "PI 2027.1",
        "2027-01-04",
        1,
    )
    assert [a.title for a in s.state.agenda] == [t for _, t, _ in DEFAULT_AGENDA]
    assert len(changes) == 1 + len(DEFAULT_AGENDA)
    assert changes[0].before is None and changes[0].after is not None


def test_board_create_twice_is_illegal(session: Session) -> None:
    with pytest.raises(IllegalTransition):
        session.do("board.create", name="Again")


def test_ops_on_a_board_not_created_are_not_found() -> None:
    with pytest.raises(NotFound):
        Session().do("team.create", name="Alpha")


def test_board_update(session: Session) -> None:
    session.do("board.update", name="Renamed", planning_target=0.85)
    assert session.state.meta.name == "Renamed"
    assert session.state.meta.planning_target == 0.85
    assert session.state.meta.version == 2


# --- create / update / delete of every kind --------------------------------------------------------

CRUD: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # kind: (create args, update args)
    "iteration": ({"number": 7, "name": "I7", "start": "2027-04-01"}, {"name": "Sprint 7"}),
    "team": ({"name": "Delta", "color": "#123456"}, {"color": "#654321"}),
    "member": ({"name": "Dana", "team_id": "alpha", "fte": 0.5}, {"days_off": {"i1": 2}}),
    "feature": ({"title": "Wallet", "team_id": "alpha", "iteration_id": "i2"}, {"acceptance": "Given..."}),
    "story": ({"title": "API", "team_id": "alpha", "iteration_id": "i1", "points": 3}, {"points": 5}),
    "milestone": (
        {"title": "Black Friday", "date": "2027-11-26", "milestone_kind": "event"},
        {"title": "BF"},
    ),
    "dependency": (
        {"need": "Token API", "requesting_team_id": "alpha", "provider_team_id": "bravo"},
        {"need": "Token API v2"},
    ),
    "objective": ({"team_id": "alpha", "statement": "Ship wallet to 10% of users"}, {"committed": False}),
    "risk": ({"title": "PSP contract unsigned", "team_id": "alpha"}, {"owner": "Rita"}),
    "agenda": ({"day": 3, "title": "Extra review", "minutes": 20}, {"minutes": 25}),
}


@pytest.mark.parametrize("kind", sorted(CRUD))
def test_create_update_delete(plan: Session, kind: str) -> None:
    create, update = CRUD[kind]
    changes = plan.do(f"{kind}.create", id="new1", **create)
    assert [(c.kind, c.id, c.before) for c in changes] == [(kind, "new1", None)]
    item = plan.get(kind, "new1")
    assert item.version == 1
    for name, value in create.items():
        assert item.to_dict()[name] == value

    changes = plan.do(f"{kind}.update", "new1", **update)
    item = plan.get(kind, "new1")
    assert item.version == 2
    for name, value in update.items():
        assert item.to_dict()[name] == value
    assert changes[0].before is not None and changes[0].after is not None
    assert changes[0].after["version"] == 2

    changes = plan.do(f"{kind}.delete", "new1")
    assert "new1" not in plan.state.items[kind]
    assert changes[-1].after is None


def test_created_items_get_fresh_ids_when_none_is_proposed(plan: Session) -> None:
    plan.do("team.create", name="Delta")
    plan.do("team.create", name="Echo")
    ids = [t.id for t in plan.state.teams if t.name in ("Delta", "Echo")]
    assert len(set(ids)) == 2 and all(i.startswith("gen") for i in ids)


@pytest.mark.parametrize("bad_id", ["has space", "x" * 41, "", "semi;colon", "abc\n", 7])
def test_proposed_id_must_be_plain(plan: Session, bad_id: Any) -> None:
    with pytest.raises(Invalid):
        plan.do("team.create", id=bad_id, name="Delta")


def test_proposed_id_must_be_new(plan: Session) -> None:
    with pytest.raises(Invalid, match="exists already"):
        plan.do("team.create", id="alpha", name="Delta")


def test_update_with_nothing_to_change_is_invalid(plan: Session) -> None:
    with pytest.raises(Invalid, match="nothing to change"):
        plan.do("team.update", "alpha")


def test_unknown_field_is_invalid(plan: Session) -> None:
    with pytest.raises(Invalid, match="this change cannot set"):
        plan.do("team.update", "alpha", colour="#000000")


def test_missing_required_field_is_invalid(plan: Session) -> None:
    with pytest.raises(Invalid, match="belongs to a team"):
        plan.do("story.create", title="No team", points=3)


def test_each_op_bumps_the_version_by_one(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.do("story.update", "s1", points=5)
    plan.do("story.move", "s1", iteration_id="i2")
    plan.do("story.update", "s1", status="in_progress")
    assert plan.get("story", "s1").version == 4


def test_team_names_are_unique_case_insensitively(plan: Session) -> None:
    with pytest.raises(Invalid, match="exists already"):
        plan.do("team.create", name="ALPHA")


def test_iteration_numbers_are_unique(plan: Session) -> None:
    with pytest.raises(Invalid, match="iteration 2 exists"):
        plan.do("iteration.create", number=2)


def test_unknown_reference_is_not_found(plan: Session) -> None:
    with pytest.raises(NotFound):
        plan.do("story.create", title="x", team_id="alpha", iteration_id="i99")
    with pytest.raises(NotFound):
        plan.do("objective.create", team_id="alpha", statement="x", feature_ids=["nope"])


# --- features and stories ---------------------------------------------------------------------------


def test_features_get_a_rank_after_the_last_one(plan: Session) -> None:
    assert plan.feature("f1").rank == 10
    assert plan.feature("f2").rank == 20
    plan.do("feature.update", "f2", rank=5)
    assert [f.id for f in plan.state.features] == ["f2", "f1"]


def test_feature_state_follows_its_placement(plan: Session) -> None:
    assert plan.feature("f1").state == FeatureState.FUNNEL
    plan.do("feature.move", "f1", team_id="alpha", iteration_id="i2")
    assert plan.get("feature", "f1").state == FeatureState.PLANNED
    plan.do("feature.move", "f1", iteration_id=None)
    assert plan.get("feature", "f1").state == FeatureState.FUNNEL
    assert plan.feature("f2", "alpha", "i1").state == FeatureState.PLANNED


def test_the_ip_iteration_holds_no_feature(plan: Session) -> None:
    with pytest.raises(Invalid, match="IP iteration"):
        plan.feature("f1", "alpha", "ip")
    plan.feature("f2", "alpha", "i4")
    with pytest.raises(Invalid, match="IP iteration"):
        plan.do("feature.move", "f2", iteration_id="ip")


def test_a_move_names_a_cell(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    with pytest.raises(Invalid):
        plan.do("story.move", "s1")
    with pytest.raises(Invalid):
        plan.do("story.move", "s1", iteration_id="i2", points=8)


def test_story_move_to_another_team(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.do("story.move", "s1", team_id="bravo", iteration_id="i3")
    story = plan.get("story", "s1")
    assert (story.team_id, story.iteration_id) == ("bravo", "i3")


def test_deleting_a_feature_unlinks_its_stories_dependencies_and_objectives(plan: Session) -> None:
    plan.feature("f1", "alpha", "i2")
    plan.story("s1", "alpha", "i2", 3, feature="f1")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="f1")
    plan.dep("d2", "charlie", "alpha")
    plan.do("dependency.accept", "d2", provider_feature_id="f1")
    plan.objective("o1", "alpha", "Ship f1 by I2", features=["f1"])
    plan.do("feature.delete", "f1")
    assert plan.get("story", "s1").feature_id is None
    assert plan.get("dependency", "d1").requesting_feature_id is None
    assert plan.get("dependency", "d2").provider_feature_id is None
    assert plan.get("objective", "o1").feature_ids == []
    assert plan.get("objective", "o1").version == 2


def test_a_team_or_iteration_still_in_use_cannot_be_deleted(plan: Session) -> None:
    with pytest.raises(IllegalTransition, match="move them first"):
        plan.do("team.delete", "alpha")
    plan.story("s1", "bravo", "i3", 3)
    with pytest.raises(IllegalTransition):
        plan.do("iteration.delete", "i3")
    plan.do("iteration.delete", "i4")
    assert "i4" not in plan.state.items["iteration"]


# --- dependencies -----------------------------------------------------------------------------------


def test_a_dependency_needs_a_provider(plan: Session) -> None:
    with pytest.raises(Invalid, match="providing team or an external party"):
        plan.dep("d1", "alpha", None)


def test_a_team_cannot_depend_on_itself(plan: Session) -> None:
    with pytest.raises(Invalid, match="depend on itself"):
        plan.dep("d1", "alpha", "alpha")


def test_provider_team_accepts_marks_done_and_both_teams_comment(plan: Session) -> None:
    plan.do(
        "dependency.create",
        id="d1",
        need="Tokens",
        requesting_team_id="alpha",
        provider_team_id="bravo",
        by=ALPHA,
    )
    plan.story("s1", "bravo", "i1", 3)
    plan.do("dependency.accept", "d1", by=BRAVO, provider_story_id="s1")
    dep = plan.get("dependency", "d1")
    assert (dep.status, dep.provider_story_id, dep.version) == (DependencyStatus.ACCEPTED, "s1", 2)
    plan.do("dependency.comment", "d1", by=ALPHA, comment="Thanks!")
    plan.do("dependency.comment", "d1", by=ARCH, comment="Use the v2 schema")
    assert plan.get("dependency", "d1").comment == "Use the v2 schema"
    plan.do("dependency.done", "d1", by=BRAVO)
    assert plan.get("dependency", "d1").status == DependencyStatus.DONE


def test_only_the_provider_answers_a_dependency(plan: Session) -> None:
    plan.dep("d1", "alpha", "bravo")
    with pytest.raises(Forbidden):
        plan.do("dependency.accept", "d1", by=ALPHA)
    with pytest.raises(Forbidden):
        plan.do("dependency.done", "d1", by=ALPHA)
    with pytest.raises(Forbidden):
        plan.do("dependency.comment", "d1", by=member_of("charlie"), comment="me too")


def test_accept_sets_only_provider_fields(plan: Session) -> None:
    plan.dep("d1", "alpha", "bravo")
    with pytest.raises(Invalid):
        plan.do("dependency.accept", "d1", by=BRAVO, need="something else")


# --- business value ---------------------------------------------------------------------------------


def test_business_owner_sets_bv_and_actual_bv(plan: Session) -> None:
    plan.objective("o1", "alpha", "Ship wallet to 10% of users")
    plan.do("objective.set_bv", "o1", by=BO, value=8)
    plan.do("objective.set_actual_bv", "o1", by=BO, value=0)
    obj = plan.get("objective", "o1")
    assert (obj.planned_bv, obj.actual_bv, obj.version) == (8, 0, 3)
    plan.do("objective.set_bv", "o1", by=BO, value=None)
    assert plan.get("objective", "o1").planned_bv is None


@pytest.mark.parametrize(
    ("op_type", "value"), [("objective.set_bv", 0), ("objective.set_bv", 11), ("objective.set_actual_bv", -1)]
)
def test_bv_out_of_range_is_invalid(plan: Session, op_type: str, value: int) -> None:
    plan.objective("o1", "alpha")
    with pytest.raises(Invalid, match="between"):
        plan.do(op_type, "o1", by=BO, value=value)


def test_bv_takes_a_single_value(plan: Session) -> None:
    plan.objective("o1", "alpha")
    with pytest.raises(Invalid):
        plan.do("objective.set_bv", "o1", by=BO, value=5, statement="sneaky")


def test_team_may_not_set_its_own_bv(plan: Session) -> None:
    plan.objective("o1", "alpha")
    with pytest.raises(Forbidden):
        plan.do("objective.set_bv", "o1", by=ALPHA, value=10)


# --- risks and ROAM ---------------------------------------------------------------------------------


def test_new_risks_start_unroamed_and_record_who_raised_them(plan: Session) -> None:
    plan.do("risk.create", id="r1", title="Vendor late", by=BO)
    risk = plan.get("risk", "r1")
    assert risk.roam == Roam.UNROAMED
    assert risk.raised_by == BO.name


@pytest.mark.parametrize("roam", [Roam.RESOLVED, Roam.ACCEPTED, Roam.MITIGATED, Roam.UNROAMED])
def test_roam_states_without_owner(plan: Session, roam: Roam) -> None:
    plan.risk("r1", team="alpha")
    plan.do("risk.roam", "r1", by=ALPHA, roam=roam.value)
    assert plan.get("risk", "r1").roam == roam


def test_owned_requires_an_owner(plan: Session) -> None:
    plan.risk("r1", team="alpha")
    with pytest.raises(Invalid, match="needs an owner"):
        plan.do("risk.roam", "r1", roam="owned")
    plan.do("risk.roam", "r1", roam="owned", owner="Ann")
    risk = plan.get("risk", "r1")
    assert (risk.roam, risk.owner) == (Roam.OWNED, "Ann")


def test_owned_may_keep_the_existing_owner(plan: Session) -> None:
    plan.risk("r1", team="alpha")
    plan.do("risk.update", "r1", owner="Abe")
    plan.do("risk.roam", "r1", roam="owned")
    assert plan.get("risk", "r1").owner == "Abe"


def test_roam_state_must_be_known(plan: Session) -> None:
    plan.risk("r1")
    with pytest.raises(Invalid):
        plan.do("risk.roam", "r1", roam="ignored")


def test_roam_focus(plan: Session) -> None:
    plan.risk("r1")
    plan.do("roam.focus", "r1")
    assert plan.state.meta.roam_focus == "r1"
    plan.do("roam.focus", None)
    assert plan.state.meta.roam_focus is None
    with pytest.raises(NotFound):
        plan.do("roam.focus", "nope")


# --- the confidence vote ----------------------------------------------------------------------------

VOTERS = [member_of("alpha", "Ann"), member_of("bravo", "Bob"), PM, BO, ARCH]


def open_round(plan: Session, team_id: str | None = None) -> str:
    changes = plan.do("vote.open", **({"team_id": team_id} if team_id else {}))
    return next(c.id for c in changes if c.kind == "vote")


def test_vote_open_cast_change_close_reveal(plan: Session) -> None:
    rid = open_round(plan)
    round_ = plan.get("vote", rid)
    assert (round_.status, round_.number, round_.opened_at, round_.team_id) == (VoteStatus.OPEN, 1, T0, None)
    for actor, value in zip(VOTERS, [4, 5, 3, 4, 2], strict=True):
        plan.do("vote.cast", rid, by=actor, value=value)
    plan.do("vote.cast", rid, by=VOTERS[4], value=4)  # changes their mind: still one ballot
    ballots = [b for b in plan.state.items["ballot"].values() if b.round_id == rid]
    assert len(ballots) == 5
    assert plan.get("ballot", f"{rid}:{ARCH.id}").value == 4
    assert plan.get("ballot", f"{rid}:{ALPHA.id}").team_id == "alpha"
    plan.do("vote.close", rid)
    assert plan.get("vote", rid).status == VoteStatus.CLOSED
    with pytest.raises(IllegalTransition, match="closed"):
        plan.do("vote.cast", rid, by=PM, value=1)
    plan.do("vote.reveal", rid)
    assert plan.get("vote", rid).status == VoteStatus.REVEALED
    assert plan.state.meta.rework is False
    with pytest.raises(IllegalTransition):
        plan.do("vote.reveal", rid)
    with pytest.raises(IllegalTransition):
        plan.do("vote.close", rid)


def test_low_art_average_flags_rework_and_a_new_round_clears_it(plan: Session) -> None:
    rid = open_round(plan)
    for actor, value in zip(VOTERS, [2, 2, 3, 4, 1], strict=True):  # 2.4
        plan.do("vote.cast", rid, by=actor, value=value)
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    assert plan.state.meta.rework is True
    second = open_round(plan)
    assert plan.get("vote", second).number == 2
    assert plan.state.meta.rework is False


def test_team_round_does_not_flag_rework_and_is_for_its_members(plan: Session) -> None:
    rid = open_round(plan, "alpha")
    plan.do("vote.cast", rid, by=ALPHA, value=1)
    with pytest.raises(Forbidden):
        plan.do("vote.cast", rid, by=BRAVO, value=5)
    with pytest.raises(Forbidden):
        plan.do("vote.cast", rid, by=PM, value=5)
    other = open_round(plan, "bravo")  # another team's round may run at the same time
    assert plan.get("vote", other).status == VoteStatus.OPEN
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    assert plan.state.meta.rework is False


def test_only_one_open_round_for_the_same_voters(plan: Session) -> None:
    open_round(plan)
    with pytest.raises(IllegalTransition, match="open already"):
        open_round(plan)


def test_vote_value_is_one_to_five(plan: Session) -> None:
    rid = open_round(plan)
    for bad in (0, 6, None, "five"):
        with pytest.raises(Invalid):
            plan.do("vote.cast", rid, by=PM, value=bad)


@pytest.mark.parametrize(
    ("privacy", "raised_by"), [("named", ALPHA.name), ("anonymous", "an anonymous vote")]
)
def test_low_votes_reasons_become_unroamed_risks_at_reveal(
    plan: Session, privacy: str, raised_by: str
) -> None:
    plan.do("board.update", "meta", vote_privacy=privacy)
    rid = open_round(plan)
    plan.do("vote.cast", rid, by=ALPHA, value=1, reason="Payments API not ready before I3")
    plan.do("vote.cast", rid, by=BRAVO, value=4, reason="fine by me")
    plan.do("vote.cast", rid, by=PM, value=2)
    assert plan.state.risks == []
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    risks = plan.state.risks
    assert [(r.title, r.roam, r.raised_by) for r in risks] == [
        ("Payments API not ready before I3", Roam.UNROAMED, raised_by)
    ]


def test_vote_explain_after_reveal_raises_a_risk(plan: Session) -> None:
    rid = open_round(plan)
    plan.do("vote.cast", rid, by=PM, value=2)
    plan.do("vote.cast", rid, by=BO, value=5)
    with pytest.raises(IllegalTransition, match="after the reveal"):
        plan.do("vote.explain", rid, by=PM, reason="Too much WIP")
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    with pytest.raises(Invalid):
        plan.do("vote.explain", rid, by=PM, reason="  ")
    plan.do("vote.explain", rid, by=PM, reason="Too much WIP in I2")
    assert plan.get("ballot", f"{rid}:{PM.id}").reason == "Too much WIP in I2"
    assert [(r.title, r.roam) for r in plan.state.risks] == [("Too much WIP in I2", Roam.UNROAMED)]
    with pytest.raises(IllegalTransition, match="1 or 2"):
        plan.do("vote.explain", rid, by=BO, reason="I'm happy")
    with pytest.raises(NotFound):
        plan.do("vote.explain", rid, by=ARCH, reason="never voted")
    with pytest.raises(IllegalTransition, match="on the risk board already"):
        plan.do("vote.explain", rid, by=PM, reason="Said twice")
    assert len(plan.state.risks) == 1


# --- agenda and timer -------------------------------------------------------------------------------


def test_timer_start_pause_resume_extend_advance_stop(session: Session) -> None:
    agenda = session.state.agenda
    first, second = agenda[0], agenda[1]
    session.do("timer.start")
    meta = session.state.meta
    assert (meta.timer_status, meta.current_agenda_item) == (TimerStatus.RUNNING, first.id)
    assert meta.timer_ends_at == T0 + first.minutes * 60

    session.now = T0 + 600
    session.do("timer.pause")
    meta = session.state.meta
    assert (meta.timer_status, meta.timer_ends_at) == (TimerStatus.PAUSED, None)
    assert meta.timer_remaining == first.minutes * 60 - 600

    session.do("timer.extend", minutes=10)
    assert session.state.meta.timer_remaining == first.minutes * 60

    session.now = T0 + 5000
    session.do("timer.resume")
    meta = session.state.meta
    assert meta.timer_status == TimerStatus.RUNNING
    assert meta.timer_ends_at == T0 + 5000 + first.minutes * 60
    assert meta.timer_remaining is None

    session.do("timer.extend")  # five minutes by default
    assert session.state.meta.timer_ends_at == T0 + 5000 + first.minutes * 60 + 300

    session.do("timer.advance")
    meta = session.state.meta
    assert meta.current_agenda_item == second.id
    assert meta.timer_ends_at == T0 + 5000 + second.minutes * 60

    session.do("timer.stop")
    meta = session.state.meta
    assert (meta.timer_status, meta.timer_ends_at, meta.timer_remaining) == (TimerStatus.STOPPED, None, None)
    assert meta.current_agenda_item == second.id


def test_extend_an_overrun_timer_counts_from_now(session: Session) -> None:
    session.do("timer.start")
    session.now = session.state.meta.timer_ends_at + 120
    session.do("timer.extend", minutes=2)
    assert session.state.meta.timer_ends_at == session.now + 120


def test_timer_start_on_a_named_item(session: Session) -> None:
    item = session.state.agenda[4]
    session.do("timer.start", item.id)
    assert session.state.meta.current_agenda_item == item.id
    with pytest.raises(NotFound):
        session.do("timer.start", "nope")


def test_timer_illegal_transitions(session: Session) -> None:
    for op_type in ("timer.pause", "timer.resume", "timer.extend"):
        with pytest.raises(IllegalTransition):
            session.do(op_type)
    session.do("timer.start")
    with pytest.raises(IllegalTransition, match="not paused"):
        session.do("timer.resume")
    session.do("timer.start", session.state.agenda[-1].id)
    with pytest.raises(IllegalTransition, match="last agenda item"):
        session.do("timer.advance")


def test_timer_extend_range(session: Session) -> None:
    session.do("timer.start")
    with pytest.raises(Invalid):
        session.do("timer.extend", minutes=0)


def test_empty_agenda_cannot_start(session: Session) -> None:
    for item in session.state.agenda:
        session.do("agenda.delete", item.id)
    with pytest.raises(IllegalTransition, match="empty"):
        session.do("timer.start")
    with pytest.raises(IllegalTransition, match="empty"):
        session.do("timer.advance")


def test_agenda_items_get_an_order_at_the_end_of_their_day(session: Session) -> None:
    session.do("agenda.create", id="extra", day=1, title="Lunch", minutes=45)
    assert session.state.agenda[7].id == "extra"  # the seven day-1 items, then lunch


# --- plan lock and baseline -------------------------------------------------------------------------


def test_locked_plan_refuses_plan_ops_except_from_the_rte(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.objective("o1", "alpha")
    plan.do("plan.lock")
    assert plan.state.meta.locked
    with pytest.raises(IllegalTransition, match="locked"):
        plan.do("story.update", "s1", by=ALPHA, points=8)
    with pytest.raises(IllegalTransition, match="locked"):
        plan.do("feature.create", title="Late idea", by=PM)
    plan.do("objective.set_bv", "o1", by=BO, value=7)  # Business Owners score the locked plan
    plan.do("risk.create", title="Still allowed", by=ALPHA)
    plan.do("story.update", "s1", points=8)  # the RTE may
    plan.do("plan.unlock")
    plan.do("story.update", "s1", by=ALPHA, points=2)
    assert plan.get("story", "s1").points == 2


def test_baseline_records_the_seq_of_its_own_event(plan: Session) -> None:
    seq = plan.state.seq + 1
    plan.do("baseline.take")
    assert plan.state.meta.baseline_seq == seq


# --- narrower checks: own team, enablers ------------------------------------------------------------


def test_team_member_changes_own_team_items_only(plan: Session) -> None:
    plan.do("story.create", id="s1", title="x", team_id="alpha", iteration_id="i1", points=3, by=ALPHA)
    plan.story("s2", "bravo", "i1", 3)
    plan.do("story.update", "s1", by=ALPHA2, points=5)
    with pytest.raises(Forbidden):
        plan.do("story.update", "s2", by=ALPHA, points=5)
    with pytest.raises(Forbidden):
        plan.do("story.move", "s1", by=ALPHA, team_id="bravo")
    with pytest.raises(Forbidden):
        plan.do("story.create", title="x", team_id="bravo", points=1, by=ALPHA)
    with pytest.raises(Forbidden):
        plan.do("member.update", "bravo-dev1", by=ALPHA, fte=0.1)
    with pytest.raises(Forbidden):
        plan.do("objective.create", team_id="bravo", statement="x", by=ALPHA)


def test_team_moves_its_own_features(plan: Session) -> None:
    plan.feature("f-a", "alpha", "i1")
    plan.feature("f-b", "bravo", "i1")
    plan.do("feature.move", "f-a", by=ALPHA, iteration_id="i2")
    with pytest.raises(Forbidden):
        plan.do("feature.move", "f-b", by=ALPHA, iteration_id="i2")


def test_architect_changes_enablers_only(plan: Session) -> None:
    plan.do("feature.create", id="e1", title="Event bus", feature_kind="enabler", by=ARCH)
    plan.do("feature.update", "e1", description="Kafka", by=ARCH)
    plan.do("feature.move", "e1", team_id="alpha", iteration_id="i1", by=ARCH)
    assert plan.get("feature", "e1").feature_kind == FeatureKind.ENABLER
    plan.feature("f1", "alpha", "i1")
    with pytest.raises(Forbidden, match="enablers only"):
        plan.do("feature.create", title="Wallet", by=ARCH)
    with pytest.raises(Forbidden, match="enablers only"):
        plan.do("feature.update", "f1", description="x", by=ARCH)
    with pytest.raises(Forbidden, match="enablers only"):
        plan.do("feature.update", "e1", feature_kind="feature", by=ARCH)
    with pytest.raises(Forbidden, match="enablers only"):
        plan.do("feature.delete", "f1", by=ARCH)
    plan.do("feature.delete", "e1", by=ARCH)


# --- every kind of refusal leaves the board exactly as it was ---------------------------------------


@pytest.fixture
def busy(plan: Session) -> Session:
    plan.feature("f1", "alpha", "i2")
    plan.feature("e1", "bravo", "i1", enabler=True)
    plan.story("s1", "alpha", "i2", 5, feature="f1")
    plan.story("s2", "bravo", "i1", 3, feature="e1")
    plan.dep("d1", "alpha", "bravo", requesting_feature_id="f1")
    plan.objective("o1", "alpha", "Ship f1 by I2", features=["f1"])
    plan.risk("r1", team="alpha")
    plan.do("vote.open")
    plan.do("timer.start")
    return plan


def _round(s: Session) -> str:
    return next(iter(s.state.items["vote"]))


REFUSALS: list[tuple[str, Callable[[Session], Any], type[Refused]]] = [
    ("bad value", lambda s: s.do("story.update", "s1", points=-3), Invalid),
    ("bad colour", lambda s: s.do("team.update", "alpha", color="blue"), Invalid),
    ("bad date", lambda s: s.do("board.update", start="2027-02-30"), Invalid),
    ("unknown field", lambda s: s.do("feature.update", "f1", version=9), Invalid),
    ("no base_version", lambda s: s.do("story.update", "s1", base=None, points=3), Invalid),
    ("too many args", lambda s: s.do("risk.create", **{f"a{n}": 1 for n in range(41)}), Invalid),
    ("unknown id", lambda s: s.do("story.update", "nope", base=1, points=3), NotFound),
    ("unknown ref", lambda s: s.do("story.move", "s1", iteration_id="i99"), NotFound),
    ("unknown ref on accept", lambda s: s.do("dependency.accept", "d1", provider_story_id="zz"), NotFound),
    ("stale", lambda s: s.do("story.update", "s1", base=0, points=3), Stale),
    ("stale bv", lambda s: s.do("objective.set_bv", "o1", base=7, by=BO, value=3), Stale),
    ("observer", lambda s: s.do("risk.create", title="x", by=OBSERVER), Forbidden),
    ("role", lambda s: s.do("objective.set_bv", "o1", by=PM, value=3), Forbidden),
    ("other team", lambda s: s.do("story.delete", "s2", by=ALPHA), Forbidden),
    ("other team roam", lambda s: s.do("risk.roam", "r1", by=BRAVO, roam="accepted"), Forbidden),
    ("architect feature", lambda s: s.do("feature.move", "f1", by=ARCH, iteration_id="i3"), Forbidden),
    ("team opens a vote", lambda s: s.do("vote.open", by=ALPHA), Forbidden),
    ("board twice", lambda s: s.do("board.create", name="x"), IllegalTransition),
    ("delete team in use", lambda s: s.do("team.delete", "alpha"), IllegalTransition),
    ("second round", lambda s: s.do("vote.open"), IllegalTransition),
    (
        "explain before reveal",
        lambda s: s.do("vote.explain", _round(s), by=PM, reason="x"),
        IllegalTransition,
    ),
    ("resume running timer", lambda s: s.do("timer.resume"), IllegalTransition),
    ("feature into IP", lambda s: s.do("feature.move", "f1", iteration_id="ip"), Invalid),
    ("self dependency", lambda s: s.do("dependency.update", "d1", provider_team_id="alpha"), Invalid),
    ("owned without owner", lambda s: s.do("risk.roam", "r1", roam="owned"), Invalid),
]


@pytest.mark.parametrize(("why", "attempt", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_op_changes_nothing(busy: Session, why: str, attempt: Any, error: type[Refused]) -> None:
    before = busy.snapshot()
    with pytest.raises(error):
        attempt(busy)
    assert busy.snapshot() == before


def test_refusal_after_partial_work_changes_nothing(busy: Session) -> None:
    """Deleting a team fails after the handler has looked at items; a lock refusal after cast: none leak."""
    busy.do("plan.lock")
    before = busy.snapshot()
    with pytest.raises(IllegalTransition):
        busy.do("story.delete", "s1", by=ALPHA)
    with pytest.raises(Invalid):
        busy.do("feature.update", "f1", title="ok", team_id="alpha", iteration_id="ip")
    assert busy.snapshot() == before


def test_stale_refusal_carries_the_current_item(busy: Session) -> None:
    busy.do("story.update", "s1", points=8)
    with pytest.raises(Stale) as refused:
        busy.do("story.update", "s1", base=1, points=2)
    current = refused.value.detail["current"]
    assert current["version"] == 2
    assert current["points"] == 8
    assert refused.value.code == "stale"


def test_unknown_op_type_is_refused(busy: Session) -> None:
    before = busy.snapshot()
    with pytest.raises(Forbidden):
        busy.apply(Op("board.explode"))
    assert busy.snapshot() == before


def test_an_iteration_holding_features_cannot_become_the_ip(plan: Session) -> None:
    plan.feature("f1", "alpha", "i4")
    with pytest.raises(Invalid, match="IP iteration"):
        plan.do("iteration.update", "i4", is_ip=True)
    plan.do("iteration.update", "i3", is_ip=True)
    assert plan.get("iteration", "i3").is_ip


@pytest.mark.parametrize(
    "leftover",
    [
        lambda s: s.objective("o1", "delta"),
        lambda s: s.risk("r1", team="delta"),
        lambda s: s.dep("d1", "delta", "alpha"),
        lambda s: s.dep("d1", "alpha", "delta"),
    ],
    ids=["objective", "risk", "requesting", "providing"],
)
def test_a_team_still_named_elsewhere_cannot_be_deleted(plan: Session, leftover: Any) -> None:
    plan.team("delta")
    leftover(plan)
    before = plan.snapshot()
    with pytest.raises(IllegalTransition, match="still name"):
        plan.do("team.delete", "delta")
    assert plan.snapshot() == before


@pytest.mark.parametrize(
    "leftover",
    [
        lambda s: s.do("milestone.create", title="Release", iteration_id="i4"),
        lambda s: s.dep("d1", "alpha", "bravo", needed_by_iteration_id="i4"),
        lambda s: s.dep("d1", "alpha", None, external_party="Visa", promised_iteration_id="i4"),
    ],
    ids=["milestone", "needed_by", "promised"],
)
def test_an_iteration_still_named_elsewhere_cannot_be_deleted(plan: Session, leftover: Any) -> None:
    leftover(plan)
    with pytest.raises(IllegalTransition, match="still name"):
        plan.do("iteration.delete", "i4")


# --- who answers a dependency, and with what ------------------------------------------------------


def test_the_provider_must_answer_with_its_own_work(plan: Session) -> None:
    plan.feature("fa", "alpha", "i2")
    plan.feature("fb", "bravo", "i2")
    plan.dep("d1", "alpha", "bravo")
    before = plan.snapshot()
    with pytest.raises(Invalid, match="another team than the providing one"):
        plan.do("dependency.accept", "d1", by=member_of("bravo"), provider_feature_id="fa")
    assert plan.snapshot() == before
    plan.do("dependency.accept", "d1", by=member_of("bravo"), provider_feature_id="fb")
    assert plan.get("dependency", "d1").status == DependencyStatus.ACCEPTED


def test_a_done_dependency_cannot_be_accepted_again(plan: Session) -> None:
    plan.dep("d1", "alpha", "bravo")
    plan.do("dependency.done", "d1", by=member_of("bravo"))
    with pytest.raises(IllegalTransition, match="done already"):
        plan.do("dependency.accept", "d1", by=member_of("bravo"), promised_iteration_id="i2")


def test_the_requesting_team_records_an_external_partys_promise(plan: Session) -> None:
    plan.dep("d1", "alpha", None, external_party="Klarna")
    with pytest.raises(Forbidden):
        plan.do("dependency.accept", "d1", by=member_of("bravo"), promised_iteration_id="i2")
    plan.do("dependency.accept", "d1", by=member_of("alpha"), promised_iteration_id="i2")
    plan.do("dependency.done", "d1", by=member_of("alpha"))
    assert plan.get("dependency", "d1").status == DependencyStatus.DONE


def test_a_move_may_only_re_rank_a_card(plan: Session) -> None:
    plan.feature("f1", "alpha", "i1")
    plan.do("feature.move", "f1", rank=5)
    assert (plan.get("feature", "f1").rank, plan.get("feature", "f1").iteration_id) == (5, "i1")
    with pytest.raises(Invalid, match="names a team, an iteration or a rank"):
        plan.do("feature.move", "f1")


def test_a_story_takes_its_team_from_its_feature(plan: Session) -> None:
    plan.feature("f1", "bravo", "i1")
    plan.do("story.create", id="s1", title="Part of f1", feature_id="f1", points=3)
    assert plan.get("story", "s1").team_id == "bravo"
    with pytest.raises(Forbidden, match="own team"):
        plan.do("story.create", by=member_of("alpha"), title="Sneaky", feature_id="f1")


def test_a_team_members_risk_is_their_teams_and_raised_by_them(plan: Session) -> None:
    plan.do("risk.create", id="r1", by=member_of("alpha", "Tess"), title="Flaky CI", raised_by="Someone else")
    risk = plan.get("risk", "r1")
    assert (risk.team_id, risk.raised_by) == ("alpha", "Tess")
    plan.do("risk.create", id="r2", title="Imported", raised_by="Dana")
    assert plan.get("risk", "r2").raised_by == "Dana"


def test_moving_a_feature_carries_its_stories_along(plan: Session) -> None:
    plan.feature("f1", "alpha", "i1")
    plan.story("s1", "alpha", "i1", 3, feature="f1")
    plan.story("s2", "alpha", "i3", 5, feature="f1")
    plan.story("s3", "alpha", None, 2, feature="f1")
    plan.story("other", "alpha", "i1", 8)
    changes = plan.do("feature.move", "f1", iteration_id="i2")
    assert {c.id for c in changes} == {"f1", "s1", "s2"}
    stories = {s.id: (s.team_id, s.iteration_id) for s in plan.state.stories}
    # i3 + 1 = i4 is the last iteration before IP; the unplanned and the unrelated story stay put
    assert stories == {
        "s1": ("alpha", "i2"),
        "s2": ("alpha", "i4"),
        "s3": ("alpha", None),
        "other": ("alpha", "i1"),
    }
    plan.do("feature.move", "f1", iteration_id="i4")
    assert plan.get("story", "s2").iteration_id == "i4"  # never pushed into the IP iteration
    plan.do("feature.move", "f1", team_id="bravo")
    assert {s.team_id for s in plan.state.stories if s.feature_id == "f1"} == {"bravo"}
    assert plan.get("story", "other").team_id == "alpha"


# --- the order between a team's stories ---------------------------------------------------------------


def test_a_story_comes_after_stories_of_its_own_team(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.story("s2", "alpha", "i2", 5)
    plan.do("story.update", "s2", after=["s1"])
    assert plan.get("story", "s2").after == ["s1"]


def test_a_story_never_comes_after_another_teams_story(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.story("s2", "bravo", "i2", 5)
    with pytest.raises(Invalid, match="own team"):
        plan.do("story.update", "s2", after=["s1"])


@pytest.mark.parametrize("chain", [["s1"], ["s2", "s1"]])
def test_a_story_never_comes_after_itself(plan: Session, chain: list[str]) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.story("s2", "alpha", "i2", 5)
    plan.do("story.update", "s2", after=["s1"])
    before = plan.snapshot()
    with pytest.raises(Invalid, match="itself"):
        plan.do("story.update", "s1", after=chain)
    assert plan.snapshot() == before


def test_deleting_a_story_takes_it_out_of_the_order(plan: Session) -> None:
    plan.story("s1", "alpha", "i1", 3)
    plan.story("s2", "alpha", "i2", 5)
    plan.do("story.update", "s2", after=["s1"])
    plan.do("story.delete", "s1")
    assert plan.get("story", "s2").after == []
