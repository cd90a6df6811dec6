"""In the browser: a providing team leaves its story unfinished as the iteration closes, and every
screen shows the late dependency and the objective at risk by itself, without anyone reloading."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from server.clock import Clock
from tests.browser import FULL_HD, PageAs, screenshot
from tests.conftest import LiveServer
from tests.e2e.ui_setup import navigations
from tests.execution.rocket import rocket, rte_op
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


def test_a_late_providing_story_shows_on_every_screen_live(
    watched_server: LiveServer, page_as: PageAs, clock: Clock
) -> None:
    # Comet's objective hangs on Checkout v2 (I3), which needs Atlas's Payments API by I3.
    board = rocket(watched_server, running=False)
    rte_op(board, "plan.lock")
    rte_op(board, "baseline.take")
    clock.travel_to(datetime.date(2026, 4, 10))  # Iteration 3 is running

    rte = page_as(board, "rte", "Rita RTE", viewport=FULL_HD)
    rte.goto(f"{watched_server.url}/b/{board.id}/sync")
    rte.get_by_role("button", name="Start the PI's execution").click()
    expect(rte.locator("#execution-state")).to_contain_text("The PI is running")

    # Atlas works on the Payments API story but does not finish it.
    atlas = page_as(board, "team", "Ana Atlas", "atlas")
    atlas.locator("#story-pay1 .story-title").click()
    editor = atlas.locator("#story-editor")
    editor.get_by_label("Status").select_option("in_progress")
    editor.get_by_role("button", name="Save").click()
    expect(atlas.locator("#story-pay1 .story-status")).to_have_text("in progress")

    comet = page_as(board, "team", "Carl Comet", "comet")
    expect(comet.locator("#depout-dep1")).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(comet.locator("#obj-obj-co .mark-risk")).to_have_count(0)
    screen = page_as(board, "observer", "Big screen", viewport=FULL_HD)
    screen.goto(f"{watched_server.url}/b/{board.id}/screen")
    expect(screen.locator("#dep-dep1")).to_have_attribute("data-state", "committed")
    program = page_as(board, "pm", "Paula PM", viewport=FULL_HD)
    program.goto(f"{watched_server.url}/b/{board.id}/program")
    expect(program.locator("#dep-dep1")).to_have_attribute("data-state", "committed")
    for page in (atlas, comet, screen, program):  # every screen is connected before time moves on
        wait_live(page)
    reloads = {
        name: navigations(page) for name, page in (("comet", comet), ("screen", screen), ("program", program))
    }

    clock.travel_to(datetime.date(2026, 4, 15))  # Iteration 3 has closed; the Payments API is not done

    expect(comet.locator("#depout-dep1")).to_have_class(re.compile(r"\bstate-late\b"), timeout=15_000)
    expect(comet.locator("#depout-dep1 .dep-state")).to_contain_text("late")
    expect(comet.locator("#obj-obj-co .mark-risk")).to_have_text("⚠ at risk")
    expect(program.locator("#dep-dep1")).to_have_attribute("data-state", "late", timeout=15_000)
    expect(program.locator("#card-checkout")).to_have_class(re.compile(r"\bis-conflict\b"))
    expect(program.locator("#card-checkout .mark-conflict")).to_have_text("◷ late")
    expect(program.locator("#strings-layer g.str-late")).to_have_count(1)
    expect(program.locator("[data-counter=late] .n")).to_have_text("1")
    expect(screen.locator("#dep-dep1")).to_have_attribute("data-state", "late", timeout=15_000)
    expect(atlas.locator("#story-pay1")).to_have_class(re.compile(r"\bis-slipped\b"), timeout=15_000)
    assert reloads == {"comet": [], "screen": [], "program": []}, (
        "nobody reloaded: the screens followed by themselves"
    )

    rte.goto(f"{watched_server.url}/b/{board.id}/sync")
    expect(rte.locator('.alert[data-kind="late"][data-item="dep1"]')).to_be_visible()
    expect(rte.locator('.alert[data-kind="at_risk"][data-item="obj-co"]')).to_be_visible()
    expect(rte.locator("#sync-team-comet")).to_contain_text("LATE Payments API")
    # Carl sees what concerns Comet first; a link takes him to the dependency on his team's page.
    comet.goto(f"{watched_server.url}/b/{board.id}/sync")
    mine = comet.locator("#my-alerts")
    expect(mine.locator('.alert[data-kind="late"][data-item="dep1"]')).to_be_visible()
    expect(mine.locator('.alert[data-item="ls0"]')).to_have_count(0)  # Atlas's slipped story is not Comet's
    mine.locator('.alert[data-kind="late"] a').click()
    expect(comet).to_have_url(re.compile(r"/team/comet#depout-dep1$"))
    screenshot(rte, "sync-late-dependency")
    screenshot(program, "program-late-dependency")
