"""Presence says who is remote and in which breakout, live on the RTE's admin page.

From an empty board made on the home page: the RTE adds a team, a person joins with its link saying
"I'm remote" and opens the team page; the RTE's People panel shows them remote in that team's
breakout, and follows without a reload when they say from their menu that they are in the room."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import screenshot
from tests.e2e.ui_setup import UiBoard
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


def test_the_rte_sees_who_is_remote_and_in_which_breakout(browser: Browser, ui_board: UiBoard) -> None:
    ui_board.add_team("Checkout")
    ui_board.add_team("Atlas")
    checkout, atlas = ui_board.team_id("Checkout"), ui_board.team_id("Atlas")
    rte = ui_board.rte
    remy = ui_board.join(browser, "team", "Rémy Remote", "Checkout", remote=True)
    expect(remy.locator("#me-menu [data-place]")).to_have_text("remote")
    screen = ui_board.join(browser, "observer", "Room screen")
    wait_live(screen)

    rte.goto(ui_board.url("admin"))
    wait_live(rte)
    rte.evaluate("window.__stillThisPage = true")
    online = rte.locator("#people-online")

    # Rémy opens the Atlas team page: his breakout is the team page he is on: Atlas, remote.
    remy.goto(ui_board.url(f"team/{atlas}"))
    wait_live(remy)
    atlas_row = online.locator(f"[data-breakout='{atlas}'] li[data-person='Rémy Remote']")
    expect(atlas_row).to_have_attribute("data-remote", "true")
    expect(atlas_row).to_contain_text("remote")

    # Back on his own team's page: in Checkout's breakout, still remote.
    remy.goto(ui_board.url(f"team/{checkout}"))
    wait_live(remy)
    row = online.locator(f"[data-breakout='{checkout}'] li[data-person='Rémy Remote']")
    expect(row).to_have_attribute("data-remote", "true")
    expect(online.locator(f"[data-breakout='{checkout}'] h4")).to_contain_text("Checkout's breakout")
    expect(online.locator(f"[data-breakout='{checkout}'] h4")).to_contain_text("1 remote")
    expect(online.locator("li[data-person='Rémy Remote']")).to_have_count(1)
    # The RTE and the room's screen are online too, in the room and in no breakout.
    expect(online.locator("[data-breakout=''] li[data-remote='false']")).to_have_count(2)
    expect(online.locator("[data-breakout=''] li[data-person='Room screen']")).to_contain_text("big screen")

    # The big screen's help scene names the remote people by breakout, for the room to remember them.
    rte.locator("#room-menu summary").click()
    rte.locator("#room-menu [data-scene=help]").click()
    expect(screen.locator(f"#screen-remote [data-breakout='{checkout}']")).to_contain_text("Rémy Remote")
    online.scroll_into_view_if_needed()
    screenshot(rte, "admin-people-online")
    screenshot(screen, "screen-help-remote")

    # He walks into the room and says so from his own menu: the RTE's page follows, no reload.
    remy.locator("#me-menu summary").click()
    remy.get_by_role("button", name="I'm in the room").click()
    expect(remy.locator("#me-menu [data-place]")).to_have_text("in the room")
    screenshot(remy, "me-menu-place")
    expect(row).to_have_attribute("data-remote", "false")
    expect(row).to_contain_text("in the room")
    assert rte.evaluate("window.__stillThisPage === true"), "the RTE's page reloaded"
    expect(screen.locator("#screen-remote")).to_contain_text("Everyone online is in the room")
    # And it is kept: the people list says where each participant takes part.
    rte.reload()
    his = rte.locator("#people tr", has=rte.locator("td:first-child", has_text="Rémy Remote"))
    expect(his).to_contain_text("in the room")
