"""Fist-of-five confidence vote."""

from __future__ import annotations

from dataclasses import dataclass

from board.model import Ballot, BoardState, VotePrivacy, VoteRound, VoteStatus

REWORK_BELOW = 3.0


@dataclass(frozen=True)
class Tally:
    count: int
    distribution: dict[int, int]
    average: float | None

    @property
    def needs_rework(self) -> bool:
        return self.average is not None and self.average < REWORK_BELOW


def tally_vote(values: list[int]) -> Tally:
    distribution = {v: 0 for v in range(1, 6)}
    for v in values:
        distribution[v] += 1
    average = round(sum(values) / len(values), 2) if values else None
    return Tally(count=len(values), distribution=distribution, average=average)


def ballots_of(state: BoardState, round_id: str) -> list[Ballot]:
    return [b for b in state.of(Ballot).values() if b.round_id == round_id]


def tally_round(state: BoardState, vote: VoteRound) -> Tally:
    return tally_vote([b.value for b in ballots_of(state, vote.id)])


def ballot_id(round_id: str, voter_id: str) -> str:
    """A ballot's id is its round's and its voter's: one ballot per person and round."""
    return f"{round_id}:{voter_id}"


def voter_of(ballot: Ballot) -> str:
    """The participant a ballot belongs to: its id less its round's (see :func:`ballot_id`)."""
    return ballot.id.removeprefix(f"{ballot.round_id}:")


def is_revealed(state: BoardState, round_id: str) -> bool:
    """Whether a round's result is public: only once the RTE has revealed it."""
    vote = state.get(VoteRound, round_id)
    return vote is not None and vote.status == VoteStatus.REVEALED


def shows_who_voted_what(state: BoardState, round_id: str) -> bool:
    """Whether a round's ballots (who voted what) may be shown: a named round once revealed.
    An anonymous round shows only its distribution (:func:`tally_round`), also after the reveal."""
    vote = state.get(VoteRound, round_id)
    return is_revealed(state, round_id) and vote is not None and vote.privacy == VotePrivacy.NAMED


def privacy_refusal(state: BoardState) -> str | None:
    """Why the board's vote privacy cannot be changed now, or None when it can: it is chosen before
    a round opens, so never while one is open (the RTE's control asks this before it is shown)."""
    if any(r.status == VoteStatus.OPEN for r in state.of(VoteRound).values()):
        return "the vote's privacy is chosen before a round opens: close the open round first"
    return None
