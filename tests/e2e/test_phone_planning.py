"""A team member plans on a phone (390 × 844, touch), through the pages only: plans a story into an
iteration on the team page, answers a dependency another team asked of them, and votes in the confidence
vote. Each step shows at once on laptops; the request shows on the phone's list of the program board,
in words, while it is open there."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import PageAs, screenshot
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.e2e.ui_setup import add_story, ask_for
from tests.meeting.browser import wait_live


def go_by_menu(phone: Page, view: str) -> None:
    """Open the top bar's menu with a tap and follow one of its views."""
    phone.get_by_role("button", name="Menu").tap()
    phone.locator("#topbar-menu").get_by_role("link", name=view, exact=True).tap()
    wait_live(phone)


def test_a_team_member_plans_answers_and_votes_on_a_phone(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas", phone=True, block_cdn=True)  # lands on her team page
    wait_live(ann)
    rita = page_as(board, "rte", "Rita", block_cdn=True)  # a laptop, on Atlas' page
    rita.goto(f"{board.server.url}/b/{board.id}/team/atlas")
    wait_live(rita)
    carl = page_as(board, "team", "Carl Comet", "comet", block_cdn=True)
    wait_live(carl)

    # 1. Ann plans a story into I3 on her team page; Rita's laptop shows it.
    add_story(ann, "I3", "Refund webhook", 5)
    expect(rita.locator("#col-it3 .story", has_text="Refund webhook")).to_be_visible()
    screenshot(ann, "phone-team-story-planned")

    # 2. On the program board's phone list, Comet's request to Atlas appears in words as Carl asks.
    go_by_menu(ann, "Program")
    checkout = ann.locator("#card-checkout")
    expect(checkout.locator(".card-deps")).to_be_visible()  # a laptop's grid draws strings instead
    ask_for(carl, "Refund events", "Atlas", "I4", "Checkout v2")
    asked = checkout.locator(".card-dep", has_text="Refund events")
    expect(asked).to_be_visible()
    expect(asked).to_contain_text("needs “Refund events” from Atlas by I4 — requested")
    expect(ann.locator("#row-comet .cell-title", has_text="I3")).to_be_visible()
    screenshot(ann, "phone-program-list")

    # 3. Ann answers it on her team page: she delivers it with her new story. Carl's laptop shows it.
    go_by_menu(ann, "Team")
    request = ann.locator("#deps-in li.dep", has_text="Refund events")
    expect(request).to_contain_text("Waiting for our answer")
    accept = request.locator("form.accept-dep")
    accept.get_by_label("Deliver with story").select_option(label="Refund webhook")
    accept.get_by_role("button", name="Accept").tap()
    expect(request).to_contain_text("We deliver it with Refund webhook in I3")
    mine = carl.locator("#deps-out li.dep", has_text="Refund events")
    expect(mine).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(mine).to_contain_text("Planned in I3 with Refund webhook")

    # 4. Rita opens the confidence vote on her laptop; Ann votes on the phone; the count shows on Rita's.
    rita.goto(f"{board.server.url}/b/{board.id}/vote")
    wait_live(rita)
    go_by_menu(ann, "Vote")
    rita.locator("#vote-head").get_by_role("button", name="Open round").click()
    fist = ann.locator(".vote-round [data-fist-button='4']")
    fist.tap()
    expect(ann.locator("[data-my-vote]")).to_contain_text("Your vote: 4")
    expect(rita.locator(".vote-round").first.locator("[data-vote-count]")).to_have_text("1")
    screenshot(ann, "phone-vote")
