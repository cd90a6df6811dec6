"""The confidence vote: rounds opened, ballots cast, low votes explained (they become risks), rounds
closed and revealed, and a participant's ballots merged into another's."""

from __future__ import annotations

import dataclasses

from board import fields as f
from board.core import Op
from board.errors import IllegalTransition, Invalid
from board.model import Ballot, Risk, Team, VotePrivacy, VoteRound, VoteStatus
from board.ops.core import Context, Tx, handles, only_args
from board.roles import Actor, authorise
from board.vote import ballot_id, ballots_of, tally_round, voter_of


@handles("vote.open")
def _open_vote(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    team_id = f.Ref("team").clean("team_id", op.args.get("team_id"))
    only_args(op, {"team_id"}, "a vote round takes only a team (none: the whole ART)")
    if team_id:
        tx.require(Team, team_id)
    rounds = tx.all(VoteRound)
    if any(r.status == VoteStatus.OPEN and r.team_id == team_id for r in rounds):
        raise IllegalTransition("a round for the same voters is open already; close it first")
    number = 1 + sum(1 for r in rounds if r.team_id == team_id)
    privacy = tx.meta().vote_privacy
    tx.put(VoteRound(id=ctx.new_id(), team_id=team_id, opened_at=ctx.now, number=number, privacy=privacy))
    if team_id is None:
        meta = tx.meta()
        if meta.rework:
            meta.rework = False
            tx.put(meta)


@handles("vote.cast")
def _cast(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.OPEN:
        raise IllegalTransition("this vote round is closed")
    authorise(actor, op.type, vote.team_id or None)
    only_args(op, {"value", "reason"}, "a vote takes a value 1–5 and an optional reason")
    value = f.Int(1, 5).clean("value", op.args.get("value"))
    reason = f.Text(500).clean("reason", op.args.get("reason"))
    own_id = ballot_id(vote.id, actor.id)
    ballot = tx.get(Ballot, own_id) or Ballot(id=own_id, round_id=vote.id, voter=actor.name)
    ballot.value, ballot.reason, ballot.team_id = value or 0, reason, actor.team_id
    tx.put(ballot)


@handles("vote.merge_voter")
def _merge_voter(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """One person, one vote: the ballots of a participant the RTE merged into another (one person who
    joined twice) become that one's, unless it voted in the round itself (then only its own counts);
    without ``into_voter`` (a removed participant) they are dropped."""
    only_args(
        op,
        {"from_voter", "into_voter", "into_name"},
        "merging takes the participant to merge, the one to merge into and the name to keep",
    )
    source = f.Ref("participant", nullable=False).clean("from_voter", op.args.get("from_voter"))
    into = f.Ref("participant").clean("into_voter", op.args.get("into_voter"))
    into_name = f.Text(80).clean("into_name", op.args.get("into_name"))
    if source == into:
        raise Invalid("a participant cannot be merged into itself")
    for ballot in tx.all(Ballot):
        if voter_of(ballot) != source:
            continue
        tx.delete("ballot", ballot.id)
        if into is None:
            continue
        kept_id = ballot_id(ballot.round_id, into)
        if tx.get(Ballot, kept_id) is None:
            moved = dataclasses.replace(ballot, id=kept_id, voter=into_name or ballot.voter)
            tx.put(moved)


@handles("vote.explain")
def _explain(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """After the reveal, a low voter says why; the reason becomes an un-ROAMed risk."""
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.REVEALED:
        raise IllegalTransition("reasons are asked for after the reveal")
    ballot: Ballot = tx.require(Ballot, ballot_id(vote.id, actor.id))
    if ballot.value > 2:
        raise IllegalTransition("only votes of 1 or 2 are asked for a reason")
    if ballot.reason:
        raise IllegalTransition("your reason is on the risk board already")
    ballot.reason = f.Text(500, required=True).clean("reason", op.args.get("reason"))
    tx.put(ballot)
    _risk_from_reason(tx, ctx, vote, ballot)


def _risk_from_reason(tx: Tx, ctx: Context, vote: VoteRound, ballot: Ballot) -> None:
    tx.put(
        Risk(
            id=ctx.new_id(),
            title=ballot.reason[:200],
            description=f"Raised in confidence vote round {vote.number} by a vote of {ballot.value}.",
            team_id=vote.team_id,
            # An anonymous round's low voter stays unnamed: the risk would say who voted what.
            raised_by=ballot.voter if vote.privacy == VotePrivacy.NAMED else "an anonymous vote",
        )
    )


@handles("vote.close")
def _close_vote(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.OPEN:
        raise IllegalTransition(f"this round is {vote.status.value}, not open")
    vote.status = VoteStatus.CLOSED
    tx.put(vote)


@handles("vote.reveal")
def _reveal(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status == VoteStatus.REVEALED:
        raise IllegalTransition("this round is revealed already")
    vote.status = VoteStatus.REVEALED
    tx.put(vote)
    for ballot in ballots_of(tx.state, vote.id):
        if ballot.value <= 2 and ballot.reason:
            _risk_from_reason(tx, ctx, vote, ballot)
    if vote.team_id is None:
        meta = tx.meta()
        meta.rework = tally_round(tx.state, vote).needs_rework
        tx.put(meta)
