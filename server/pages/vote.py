"""The confidence vote's page: its rounds, newest first, and the round the big screen features.

Secrecy of the vote is kept here by construction: a round's view-model holds the *count* of
ballots until the round is revealed, and only then the tally. No template is ever given a ballot
value of an unrevealed round, so no page, fragment or catch-up can carry one.
"""

from __future__ import annotations

from dataclasses import dataclass

from board import BoardState
from board.core import Committed
from board.model import Team, VotePrivacy, VoteRound, VoteStatus
from board.vote import (
    REWORK_BELOW,
    Tally,
    ballots_of,
    is_revealed,
    privacy_refusal,
    shows_who_voted_what,
    tally_round,
)
from server.pages.common import Region, changed_regions, render_part
from server.pages.renderer import renders

FIST = {1: "No confidence", 2: "Low", 3: "Reasonable", 4: "High", 5: "Very high"}


def tally_bars(tally: Tally | None) -> list[tuple[int, int, int]]:
    """(value, votes, percent of the largest bar) for the distribution chart (a train's big screen and the
    solution's alike); none before the reveal."""
    if tally is None:
        return []
    top = max(tally.distribution.values()) or 1
    return [(v, n, round(100 * n / top)) for v, n in sorted(tally.distribution.items())]


@dataclass(frozen=True)
class RoundView:
    """One round as anyone may see it: before the reveal only its ballot count, never a value."""

    round: VoteRound
    team: Team | None
    ballot_count: int
    tally: Tally | None  # None until revealed
    # Who voted what, by name: only a named round once revealed (board.vote.shows_who_voted_what).
    named: tuple[tuple[str, int], ...] = ()

    @property
    def dom_id(self) -> str:
        return f"vote-round-{self.round.id}"

    @property
    def scope(self) -> str:
        return f"Team {self.team.name}" if self.team else "Whole ART"

    @property
    def needs_rework(self) -> bool:
        return self.team is None and self.tally is not None and self.tally.needs_rework

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        return tally_bars(self.tally)


def round_view(state: BoardState, vote: VoteRound) -> RoundView:
    return RoundView(
        round=vote,
        team=state.get(Team, vote.team_id),
        ballot_count=len(ballots_of(state, vote.id)),
        tally=tally_round(state, vote) if is_revealed(state, vote.id) else None,
        named=tuple(sorted((b.voter, b.value) for b in ballots_of(state, vote.id)))
        if shows_who_voted_what(state, vote.id)
        else (),
    )


def rounds(state: BoardState) -> list[RoundView]:
    """Newest first: open rounds on top, then the most recent."""
    votes = sorted(state.of(VoteRound).values(), key=lambda v: (v.status != VoteStatus.OPEN, -v.opened_at))
    return [round_view(state, v) for v in votes]


def featured_round(state: BoardState) -> RoundView | None:
    """The round the big screen shows: an open one, else the latest."""
    all_rounds = rounds(state)
    return all_rounds[0] if all_rounds else None


@dataclass(frozen=True)
class VotePage:
    rounds: list[RoundView]
    teams: list[Team]
    rework: bool
    rework_below: float
    # The board's vote privacy, kept by each round it opens; why it cannot change now (a round is open).
    privacy: VotePrivacy = VotePrivacy.ANONYMOUS
    privacy_fixed: str | None = None
    meta_version: int = 0


def vote_page(state: BoardState) -> VotePage:
    return VotePage(
        rounds(state),
        state.teams,
        state.meta.rework,
        REWORK_BELOW,
        state.meta.vote_privacy,
        privacy_refusal(state),
        state.meta.version,
    )


def vote_regions(page: VotePage, board_id: str) -> list[Region]:
    ctx = {"page": page, "board_id": board_id, "fist": FIST, "oob": True}
    return [
        Region("vote-head", render_part("meeting/vote_head.html", **ctx)),
        Region("vote-rounds", render_part("meeting/vote_rounds.html", **ctx)),
    ]


@renders("vote")
def render_vote(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_regions(state, events, "vote", vote_page, lambda p: vote_regions(p, state.board_id))
