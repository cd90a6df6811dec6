"""F4 in the domain: one person, one vote. The ballots of a participant merged into another count
once; a removed participant's ballots do not count."""

from __future__ import annotations

import pytest
from plan_builder import PM, Session, member_of

from board.errors import Forbidden, Invalid
from board.vote import ballots_of, tally_round

TWICE = member_of("alpha", "Ann")  # the same Ann, who joined again from a second browser
ANN = member_of("alpha", "Ann Again")


def open_round(plan: Session) -> str:
    return next(c.id for c in plan.do("vote.open") if c.kind == "vote")


def test_merging_counts_one_ballot_per_person(plan: Session) -> None:
    first, second = open_round(plan), None
    plan.do("vote.cast", first, by=ANN, value=5)
    plan.do("vote.cast", first, by=TWICE, value=5)
    plan.do("vote.cast", first, by=PM, value=2)
    assert tally_round(plan.state, plan.get("vote", first)).count == 3, "before: one person counted twice"
    plan.do("vote.close", first)
    plan.do("vote.reveal", first)
    second = open_round(plan)
    plan.do("vote.cast", second, by=TWICE, value=1, reason="too much WIP")

    plan.do("vote.merge_voter", from_voter=TWICE.id, into_voter=ANN.id, into_name="Ann")
    assert tally_round(plan.state, plan.get("vote", first)).count == 2
    assert plan.get("ballot", f"{first}:{ANN.id}").value == 5
    # In a round only the merged-away participant voted in, its ballot becomes the person's.
    moved = plan.get("ballot", f"{second}:{ANN.id}")
    assert (moved.value, moved.reason, moved.voter) == (1, "too much WIP", "Ann")
    assert [b.id for b in ballots_of(plan.state, second)] == [f"{second}:{ANN.id}"]


def test_a_removed_participants_ballots_do_not_count(plan: Session) -> None:
    rid = open_round(plan)
    plan.do("vote.cast", rid, by=ANN, value=4)
    plan.do("vote.cast", rid, by=PM, value=3)
    plan.do("vote.merge_voter", from_voter=ANN.id)
    assert [b.voter for b in ballots_of(plan.state, rid)] == [PM.name]


def test_only_the_rte_merges_and_never_a_voter_into_itself(plan: Session) -> None:
    with pytest.raises(Forbidden):
        plan.do("vote.merge_voter", by=PM, from_voter=ANN.id, into_voter=PM.id)
    with pytest.raises(Invalid):
        plan.do("vote.merge_voter", from_voter=ANN.id, into_voter=ANN.id)
    with pytest.raises(Invalid):
        plan.do("vote.merge_voter", into_voter=ANN.id)
