"""The meeting's pages' rules without a server: secrecy of the vote, the ROAM walk, the timer part."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.model import Ballot, BoardState, Roam
from board.room import GATHER_VIEWS
from server.pages.common import render_part
from server.pages.objectives import objectives_page
from server.pages.renderer import LIVE_VIEWS, RENDERERS, renders
from server.pages.risks import risk_board
from server.pages.screen import screen_context, screen_regions
from server.pages.templating import Viewer, rendering_for
from server.pages.timer import timer_part
from server.pages.vote import vote_page, vote_regions
from server.pages.whereabouts import PAGE_NAMES
from tests.unit.plan_builder import BO, RTE, T0, Session, member_of


def voting_board(values: list[int]) -> Session:
    s = Session()
    s.do("board.create", name="ART")
    s.do("team.create", name="Atlas", id="atlas")
    s.do("vote.open")
    round_id = next(iter(s.state.items["vote"]))
    for n, value in enumerate(values):
        s.do("vote.cast", round_id, by=member_of("atlas", f"Dev{n}"), value=value, reason=f"why {n}")
    return s


def html_of(state: BoardState) -> str:
    # As the RTE sees it, with every control: no ballot may show through any of them.
    with rendering_for(Viewer(RTE, locked=False)):
        regions = vote_regions(vote_page(state), state.board_id) + screen_regions(screen_context(state))
    return "".join(r.html for r in regions)


def with_ballots_replaced(state: BoardState, value: int) -> BoardState:
    """The same board with every ballot's value and reason swapped for others."""
    clone = BoardState(state.board_id, state.seq, dict(state.items))
    clone.items["ballot"] = {
        k: dataclasses.replace(b, value=value, reason="other") for k, b in state.of(Ballot).items()
    }
    return clone


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=8))
def test_before_the_reveal_the_vote_html_does_not_depend_on_any_ballot(values: list[int]) -> None:
    s = voting_board(values)
    assert html_of(s.state) == html_of(with_ballots_replaced(s.state, 3))
    round_id = next(iter(s.state.items["vote"]))
    s.do("vote.close", round_id)
    assert html_of(s.state) == html_of(with_ballots_replaced(s.state, 3))
    s.do("vote.reveal", round_id)
    if set(values) != {3}:
        assert html_of(s.state) != html_of(with_ballots_replaced(s.state, 3))


def test_the_reveal_shows_distribution_average_and_rework() -> None:
    s = voting_board([1, 2, 2, 4])
    round_id = next(iter(s.state.items["vote"]))
    s.do("vote.close", round_id)
    s.do("vote.reveal", round_id)
    featured = vote_page(s.state).rounds[0]
    assert featured.tally is not None and featured.tally.average == 2.25
    assert [(v, n) for v, n, _ in featured.bars] == [(1, 1), (2, 2), (3, 0), (4, 1), (5, 0)]
    assert featured.needs_rework and vote_page(s.state).rework
    # A new ART round clears the rework mark.
    s.do("vote.open")
    assert not vote_page(s.state).rework


def test_the_roam_walk_goes_through_the_unroamed_risks_in_order() -> None:
    s = Session()
    s.do("board.create", name="ART")
    for rid, title in (("r1", "A"), ("r2", "B"), ("r3", "C")):
        s.do("risk.create", title=title, id=rid)
    walk = risk_board(s.state).session
    assert walk.focus is None and walk.next_id == "r1" and walk.unroamed_left == 3
    s.do("roam.focus", "r1")
    s.do("risk.roam", "r1", roam="resolved")
    walk = risk_board(s.state).session
    assert walk.focus is not None and walk.focus.risk.id == "r1" and walk.position == 1
    assert walk.next_id == "r2" and walk.unroamed_left == 2
    s.do("roam.focus", "r2")
    s.do("risk.roam", "r3", roam="accepted")  # ROAMed out of turn: the walk skips it
    assert risk_board(s.state).session.next_id is None
    assert risk_board(s.state).counts[Roam.UNROAMED] == 1  # the one in focus


def test_the_timer_part_counts_from_the_server_clock() -> None:
    s = Session()
    s.do("board.create", name="ART")
    stopped = timer_part(s.state, now=T0)
    assert stopped.clock == "--:--" and stopped.title == ""
    s.do("timer.start")
    running = timer_part(s.state, now=T0 + 75)
    assert running.title == "Business context" and running.clock == "58:45" and running.now == T0 + 75
    # What decides a resend ignores the clock reading: the same running timer is not sent again.
    assert running.key == timer_part(s.state, now=T0 + 500).key
    s.now = T0 + 100
    s.do("timer.pause")
    assert timer_part(s.state, now=T0 + 900).clock == "58:20"


def test_objectives_page_flags_vague_ones_and_computes_predictability() -> None:
    s = Session()
    s.do("board.create", name="ART")
    s.do("team.create", name="Atlas", id="atlas")
    s.do("objective.create", team_id="atlas", statement="Improve stability", id="o1")
    s.do("objective.create", team_id="atlas", statement="Cut P1 incidents from 12 to under 5", id="o2")
    s.do("objective.set_bv", "o2", by=BO, value=8)
    s.do("objective.set_actual_bv", "o2", by=BO, value=6)
    page = objectives_page(s.state)
    assert page.vague_count == 1
    team = page.teams[0]
    assert {r.objective.id: r.vague for r in team.committed} == {"o1": True, "o2": False}
    assert team.predictability.ratio == 0.75 and page.art.ratio == 0.75


def test_objectives_page_counts_only_rated_teams_and_says_how_many() -> None:
    """An unrated team is left out of the ART's figure (it counted as 0) and the page says so."""
    s = Session()
    s.do("board.create", name="ART")
    for tid in ("atlas", "borea"):
        s.do("team.create", name=tid.capitalize(), id=tid)
        s.do("objective.create", team_id=tid, statement="Cut P1 incidents to under 5", id=f"o-{tid}")
        s.do("objective.set_bv", f"o-{tid}", by=BO, value=10)
    s.do("objective.set_actual_bv", "o-atlas", by=BO, value=9)
    page = objectives_page(s.state)
    assert page.art.ratio == 0.9 and (page.art.rated_teams, page.art.teams) == (1, 2)
    html = render_part("meeting/objectives_art.html", page=page, oob=False)
    assert "90 %" in html and "1 of 2 teams rated" in html and "45 %" not in html
    with rendering_for(Viewer(RTE, locked=False)):
        borea = render_part("meeting/objectives_team.html", t=page.teams[1], board_id="b", oob=False)
    assert "10 BV planned, not rated yet" in borea and "0 / 10" not in borea


def test_every_live_view_has_a_renderer_and_people_are_brought_only_to_live_views() -> None:
    assert set(RENDERERS) == set(LIVE_VIEWS)
    assert set(GATHER_VIEWS) <= set(LIVE_VIEWS)
    assert set(LIVE_VIEWS) <= set(PAGE_NAMES)  # the RTE's list of who is where names each


def test_a_renderer_for_a_view_not_kept_live_is_refused() -> None:
    with pytest.raises(ValueError, match="not a live view: nowhere"):
        renders("nowhere")
