"""Role × control: every page, rendered for every role, offers exactly the controls the server takes.

Each page is fetched as each participant. Every control on it (a form naming an op, a card or
story that opens an editor or can be dragged) is tried against the board as that participant
with ``board.apply_op`` on a copy of the state, the server's own check: a control whose op the
role is refused must not be on the page, and every control the role is not refused must be.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from board import Actor
from tests.browser import PageAs
from tests.conftest import BoardHandle, LiveServer
from tests.e2e.controls import (
    PAGES,
    Control,
    a_board_with_everything,
    page_controls,
    refused_for_role,
    sessions,
)


def check_every_page(board: BoardHandle, locked: bool) -> None:
    services = board.server.services
    state = services.op_path.state(board.id)
    seen: dict[tuple[str, str | None], dict[str, list[Control]]] = {}
    actors: dict[tuple[str, str | None], Actor] = {}
    for who, session in sessions(board).items():
        actors[who] = services.auth.actor(board.id, session)
        seen[who] = page_controls(board, session)
    for page in PAGES:
        universe = {c.key: c for who in seen for c in seen[who][page]}
        for who, actor in actors.items():
            shown = {c.key for c in seen[who][page]}
            wrongly_shown = sorted(k for k in shown if refused_for_role(state, universe[k], actor))
            assert wrongly_shown == [], (page, who)
            if page == "admin" and who != ("rte", None):
                continue  # the admin page itself is the RTE's: others are refused the whole page
            # A control shown to this person in another shape (the RTE picks the team a team member's
            # form implies) is there.
            offered = {k[:2] for k in shown}
            missing = sorted(
                k
                for k, c in universe.items()
                if k not in shown and k[:2] not in offered and not refused_for_role(state, c, actor)
            )
            assert missing == [], (page, who)
    # The rule has teeth: somebody is refused something on every page that has controls.
    rte_controls = {c.op_type for page in PAGES for c in seen[("rte", None)][page]}
    atlas_controls = {c.key for page in PAGES for c in seen[("team", "atlas")][page]}
    lock = "plan.unlock" if locked else "plan.lock"
    assert {lock, "vote.open", "timer.pause", "roam.focus", "feature.move", "story.create"} <= rte_controls
    atlas_story = ("story.create", None, (("team_id", "atlas"),))
    assert (atlas_story in atlas_controls) is not locked
    assert not any(k[0] == "story.create" and ("team_id", "comet") in k[2] for k in atlas_controls)
    assert seen[("observer", None)] == {page: [] for page in PAGES}
    assert all(not controls for controls in seen[("rte", None)]["screen"])


@pytest.mark.parametrize("locked", [False, True], ids=["open plan", "locked plan"])
def test_every_page_offers_each_role_exactly_what_the_server_takes(
    e2e_server: LiveServer, locked: bool
) -> None:
    board = a_board_with_everything(e2e_server)
    if locked:
        assert board.op(board.rte_session, "plan.lock").status_code == 200
    check_every_page(board, locked)


def test_a_team_member_sees_controls_only_on_their_own_teams_items(e2e_server: LiveServer) -> None:
    board = a_board_with_everything(e2e_server)
    session = board.join("team", "Tess", "atlas")
    with board.server.client(session) as c:
        objectives = c.get(f"/b/{board.id}/objectives").text
        comet_page = c.get(f"/b/{board.id}/team/comet").text
    # Atlas's objectives have edit and delete; nobody's else, and no business value.
    atlas_part, rest = re.split(r'id="objectives-team-borealis"', objectives, maxsplit=1)
    assert 'value="objective.update"' in atlas_part
    assert 'value="objective.update"' not in rest
    assert 'value="objective.create"' not in rest
    assert 'value="objective.set_bv"' not in objectives
    # On another team's breakout: no story form, no story to edit, no card to drag.
    assert 'value="story.create"' not in comet_page
    assert 'data-may-edit="true"' not in comet_page


def test_a_team_member_lands_on_their_own_teams_part_of_every_page(e2e_server: LiveServer) -> None:
    board = a_board_with_everything(e2e_server)
    session = board.join("team", "Tess", "comet")
    with board.server.client(session) as c:
        program = c.get(f"/b/{board.id}/program").text
        objectives = c.get(f"/b/{board.id}/objectives").text
        team_page = c.get(f"/b/{board.id}/team/atlas").text
    assert f'href="/b/{board.id}/program#team-comet"' in program
    assert f'href="/b/{board.id}/objectives#objectives-team-comet"' in program
    jump = re.search(r'<nav class="team-jump".*?</nav>', objectives, re.S)
    assert jump is not None
    assert re.findall(r'href="#objectives-team-(\w+)"', jump.group(0)) == ["comet", "atlas", "borealis"]
    assert 'id="objectives-team-comet"' in objectives
    assert "Comet (your team)" in team_page


def test_a_team_member_narrows_the_risks_to_their_own_team(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = a_board_with_everything(e2e_server)
    al = page_as(board, "team", "Al", "atlas", block_cdn=True)
    al.goto(f"{e2e_server.url}/b/{board.id}/risks")
    cards = al.locator(".roam-board .risk-card")
    expect(cards).to_have_count(2)  # Atlas's risk and the ART's
    al.get_by_label("Only Atlas").check()
    shown = al.locator(".roam-board .risk-card:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-team", "atlas")
