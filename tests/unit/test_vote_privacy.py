"""Vote privacy is a board setting the RTE chooses before a round opens: anonymous (the default,
only the distribution is ever shown) or named (who voted what is shown once revealed)."""

from __future__ import annotations

import pytest
from plan_builder import PM, Session, member_of

from board.errors import Forbidden, IllegalTransition
from board.model import VotePrivacy, item_from_dict
from board.public import public_state
from board.vote import privacy_refusal, shows_who_voted_what, tally_round

ANN = member_of("alpha", "Ann")


def open_round(plan: Session) -> str:
    return next(c.id for c in plan.do("vote.open") if c.kind == "vote")


def test_a_board_is_anonymous_unless_the_rte_names_votes(plan: Session) -> None:
    assert plan.state.meta.vote_privacy == VotePrivacy.ANONYMOUS
    with pytest.raises(Forbidden):
        plan.do("board.update", "meta", by=PM, vote_privacy="named")
    plan.do("board.update", "meta", vote_privacy="named")
    assert plan.state.meta.vote_privacy == VotePrivacy.NAMED


def test_privacy_is_not_changed_while_a_round_is_open(plan: Session) -> None:
    rid = open_round(plan)
    assert privacy_refusal(plan.state) is not None
    before = plan.snapshot()
    with pytest.raises(IllegalTransition, match="before a round opens"):
        plan.do("board.update", "meta", vote_privacy="named")
    assert plan.snapshot() == before
    plan.do("board.update", "meta", name="Still renamable")  # other settings are not held up
    plan.do("vote.close", rid)
    assert privacy_refusal(plan.state) is None
    plan.do("board.update", "meta", vote_privacy="named")


def test_a_round_keeps_the_privacy_it_opened_with(plan: Session) -> None:
    rid = open_round(plan)
    plan.do("vote.cast", rid, by=ANN, value=2)
    plan.do("vote.close", rid)
    plan.do("board.update", "meta", vote_privacy="named")  # for the next round only
    plan.do("vote.reveal", rid)
    assert not shows_who_voted_what(plan.state, rid)
    assert [b["value"] for b in public_state(plan.state)["ballot"].values()] == [None]
    assert tally_round(plan.state, plan.get("vote", rid)).distribution[2] == 1  # the distribution is shown


def test_a_named_round_shows_who_voted_what_once_revealed(plan: Session) -> None:
    plan.do("board.update", "meta", vote_privacy="named")
    rid = open_round(plan)
    plan.do("vote.cast", rid, by=ANN, value=2)
    assert not shows_who_voted_what(plan.state, rid)
    plan.do("vote.close", rid)
    plan.do("vote.reveal", rid)
    assert shows_who_voted_what(plan.state, rid)
    assert [(b["voter"], b["value"]) for b in public_state(plan.state)["ballot"].values()] == [("Ann", 2)]


def test_boards_and_rounds_stored_before_the_setting_read_as_anonymous() -> None:
    meta = item_from_dict("meta", {"id": "meta", "version": 3, "name": "Old ART"})
    vote = item_from_dict("vote", {"id": "v1", "version": 3, "status": "revealed", "number": 1})
    assert meta.vote_privacy == VotePrivacy.ANONYMOUS  # type: ignore[attr-defined]
    assert vote.privacy == VotePrivacy.ANONYMOUS  # type: ignore[attr-defined]
