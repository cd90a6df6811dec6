"""Secret ballot values never leave the server before the reveal."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builder import BO, PM, Session, member_of

from board.core import Op
from board.public import public_change, public_item, public_op, public_state

ANN = member_of("alpha", "Ann")


@pytest.fixture
def voted(plan: Session) -> tuple[Session, str]:
    """A round opened with the board's default privacy (anonymous)."""
    changes = plan.do("vote.open")
    rid = next(c.id for c in changes if c.kind == "vote")
    plan.do("vote.cast", rid, by=ANN, value=1, reason="API late")
    plan.do("vote.cast", rid, by=PM, value=4)
    return plan, rid


def ballots(state: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return sorted(state["ballot"].values(), key=lambda b: b["voter"])


def test_ballot_values_and_reasons_are_hidden_while_open_and_closed(voted: tuple[Session, str]) -> None:
    plan, rid = voted
    hidden = [(ANN.name, None, ""), (PM.name, None, "")]
    assert [(b["voter"], b["value"], b["reason"]) for b in ballots(public_state(plan.state))] == hidden
    plan.do("vote.close", rid)
    assert [(b["voter"], b["value"], b["reason"]) for b in ballots(public_state(plan.state))] == hidden


def test_ballots_of_a_named_round_are_shown_after_the_reveal(plan: Session) -> None:
    plan.do("board.update", "meta", vote_privacy="named")
    rid = next(c.id for c in plan.do("vote.open") if c.kind == "vote")
    plan.do("vote.cast", rid, by=ANN, value=1, reason="API late")
    plan.do("vote.cast", rid, by=PM, value=4)
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    shown = ballots(public_state(plan.state))
    assert [(b["value"], b["reason"]) for b in shown] == [(1, "API late"), (4, "")]


def test_ballots_of_an_anonymous_round_stay_hidden_after_the_reveal(voted: tuple[Session, str]) -> None:
    plan, rid = voted
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    shown = ballots(public_state(plan.state))
    assert [(b["value"], b["reason"]) for b in shown] == [(None, ""), (None, "")]


def test_the_raw_state_still_holds_the_values(voted: tuple[Session, str]) -> None:
    plan, rid = voted
    assert plan.get("ballot", f"{rid}:{ANN.id}").value == 1


def test_cast_changes_and_ops_are_redacted(plan: Session) -> None:
    rid = next(c.id for c in plan.do("vote.open") if c.kind == "vote")
    changes = plan.do("vote.cast", rid, by=BO, value=2, reason="too tight")
    plan.do("vote.cast", rid, by=BO, value=5)
    change = changes[0]
    assert change.after is not None and change.after["value"] == 2
    public = public_change(plan.state, change)
    assert public["after"]["value"] is None and public["after"]["reason"] == ""
    assert public["before"] is None
    op = public_op(Op("vote.cast", target=rid, args={"value": 2, "reason": "too tight"}, client_op_id="c1"))
    assert op["args"] == {"value": None, "reason": None}
    assert op["client_op_id"] == "c1" and op["target"] == rid


def test_other_items_and_ops_pass_unchanged(plan: Session) -> None:
    data = plan.get("team", "alpha").to_dict()
    assert public_item(plan.state, "team", data) == data
    assert public_item(plan.state, "ballot", None) is None
    op = Op("story.update", target="s1", base_version=3, args={"points": 5})
    assert public_op(op) == {
        "type": "story.update",
        "target": "s1",
        "base_version": 3,
        "args": {"points": 5},
        "client_op_id": "",
    }
