"""The confidence vote: rounds opened, ballots cast, low votes explained (they become risks), rounds
closed and revealed, and a participant's ballots merged into another's."""

from __future__ import annotations

import dataclasses

from board import fields as f
from board.core import Op
from board.errors import IllegalTransition, Invalid
from board.model import Ballot, Meta, Risk, Team, VoteRound, VoteStatus
from board.ops.core import Context, Tx, handles
from board.roles import Actor, authorise
from board.vote import ballots_of, tally_round


@handles("vote.open")
def _open_vote(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    team_id = f.Ref("team").clean("team_id", op.args.get("team_id"))
    if set(op.args) - {"team_id"}:
        raise Invalid("a vote round takes only a team_id (none: the whole ART)")
    if team_id:
        tx.require(Team, team_id)
    rounds = tx.all(VoteRound)
    if any(r.status == VoteStatus.OPEN and r.team_id == team_id for r in rounds):
        raise IllegalTransition("a round for the same voters is open already; close it first")
    number = 1 + sum(1 for r in rounds if r.team_id == team_id)
    tx.put(VoteRound(id=ctx.new_id(), team_id=team_id, opened_at=ctx.now, number=number))
    if team_id is None:
        meta: Meta = tx.require(Meta, "meta")
        if meta.rework:
            meta.rework = False
            tx.put(meta)


def _ballot_id(round_id: str, actor: Actor) -> str:
    return f"{round_id}:{actor.id}"


@handles("vote.cast")
def _cast(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.OPEN:
        raise IllegalTransition("this vote round is closed")
    authorise(actor, op.type, vote.team_id or None)
    if set(op.args) - {"value", "reason"}:
        raise Invalid("a vote takes a value 1–5 and an optional reason")
    value = f.Int(1, 5).clean("value", op.args.get("value"))
    reason = f.Text(500).clean("reason", op.args.get("reason"))
    ballot_id = _ballot_id(vote.id, actor)
    ballot = tx.get(Ballot, ballot_id) or Ballot(id=ballot_id, round_id=vote.id, voter=actor.name)
    ballot.value, ballot.reason, ballot.team_id = value or 0, reason, actor.team_id
    tx.put(ballot)


def _voter_of(ballot: Ballot) -> str:
    """The participant a ballot belongs to (its id is ``<round>:<participant>``)."""
    return ballot.id.removeprefix(f"{ballot.round_id}:")


@handles("vote.merge_voter")
def _merge_voter(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """One person, one vote: the ballots of a participant the RTE merged into another (one person who
    joined twice) become that one's, unless it voted in the round itself (then only its own counts);
    without ``into_voter`` (a removed participant) they are dropped."""
    if set(op.args) - {"from_voter", "into_voter", "into_name"}:
        raise Invalid("merging voters takes from_voter, into_voter and into_name")
    source = f.Ref("participant", nullable=False).clean("from_voter", op.args.get("from_voter"))
    into = f.Ref("participant").clean("into_voter", op.args.get("into_voter"))
    into_name = f.Text(80).clean("into_name", op.args.get("into_name"))
    if source == into:
        raise Invalid("a participant cannot be merged into itself")
    for ballot in tx.all(Ballot):
        if _voter_of(ballot) != source:
            continue
        tx.delete("ballot", ballot.id)
        kept_id = f"{ballot.round_id}:{into}"
        if into is not None and tx.get(Ballot, kept_id) is None:
            moved = dataclasses.replace(ballot, id=kept_id, voter=into_name or ballot.voter)
            tx.put(moved)


@handles("vote.explain")
def _explain(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """After the reveal, a low voter says why; the reason becomes an un-ROAMed risk."""
    vote: VoteRound = tx.require(VoteRound, op.target)
    if vote.status != VoteStatus.REVEALED:
        raise IllegalTransition("reasons are asked for after the reveal")
    ballot: Ballot = tx.require(Ballot, _ballot_id(vote.id, actor))
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
            raised_by=ballot.voter,
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
        meta: Meta = tx.require(Meta, "meta")
        meta.rework = tally_round(tx.state, vote).needs_rework
        tx.put(meta)
