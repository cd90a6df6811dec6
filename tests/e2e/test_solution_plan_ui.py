"""Post-PI Planning in a real browser (issue 29): the STE writes a solution objective drawing from a
train's objective, a solution Business Owner gives it business value, the STE opens the confidence vote,
the Business Owner votes and the STE closes and reveals it; each page sees the other's changes live,
without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.store.solutions import solution_cookie_name
from tests.axe import serious_violations
from tests.browser import LAPTOP, screenshot
from tests.conftest import LiveServer, create_board
from tests.integration.test_solutions import join, make_solution, role_session, train_link

pytestmark = pytest.mark.e2e


def signed_in(
    browser: Browser, server: LiveServer, solution_id: str, session: str
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    context.add_cookies([{"name": solution_cookie_name(solution_id), "value": session, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/s/{solution_id}/")
    expect(page.locator("#solution-live")).to_have_attribute("data-state", "live")
    return context, page


def test_an_ste_and_a_business_owner_agree_an_objective_and_vote_seen_live(
    browser: Browser, live_server: LiveServer
) -> None:
    solution = make_solution(live_server, "Payments")
    bo_session = role_session(live_server, solution, "business_owner", "Bea Owner")
    board = create_board(live_server, "Cards ART")
    assert join(board, train_link(live_server, solution)).status_code == 200
    team = board.op(board.rte_session, "team.create", args={"name": "Atlas"}).json()["changes"][0]["id"]
    args = {"team_id": team, "statement": "Instant payments live"}
    assert board.op(board.rte_session, "objective.create", args=args).status_code == 200

    ste_context, ste = signed_in(browser, live_server, solution["id"], solution["ste_session"])
    bo_context, bo = signed_in(browser, live_server, solution["id"], bo_session)
    expect(bo.get_by_label("Solution objective")).to_have_count(0)  # a BO writes none

    ste.get_by_label("Solution objective").fill("Instant payments in 3 <countries>")
    ste.get_by_label("Cards ART · Atlas: Instant payments live").check()
    ste.get_by_role("button", name="Add the objective").click()
    objective = bo.locator(".objective-list li")  # the Business Owner's page, live
    expect(objective.locator(".objective-title")).to_have_text("Instant payments in 3 <countries>")
    expect(objective.locator(".objective-draws")).to_contain_text("Cards ART · Atlas: Instant payments live")

    ste.locator(".objective-change summary").click()  # the STE sees a typo and opens Change
    bo.get_by_label("Business value of Instant payments in 3 <countries>").select_option("8")
    bo.get_by_role("button", name="Give BV").click()
    expect(ste.locator(".objective-bv")).to_have_attribute("data-planned-bv", "8")  # the STE's page, live
    expect(ste.locator(".bv-total")).to_contain_text("8")
    expect(ste.locator(".objective-change")).to_have_attribute("open", "")  # the live swap left it open
    ste.get_by_label("Title of Instant payments in 3 <countries>").fill("Instant payments in 3 countries")
    ste.get_by_role("button", name="Save the objective").click()
    expect(objective.locator(".objective-title")).to_have_text("Instant payments in 3 countries")  # live
    expect(objective.locator(".objective-bv")).to_have_attribute("data-planned-bv", "8")  # its BV stays

    ste.get_by_role("button", name="Open a round").click()
    bo.get_by_role("button", name="Vote 4").click()
    expect(bo.locator(".your-vote")).to_have_text("4")
    expect(ste.locator(".vote-open .voted")).to_have_text("1 voted")  # who voted what: never shown
    expect(ste.locator(".your-vote")).to_have_count(0)
    ste.get_by_role("button", name="Close and reveal").click()
    result = bo.locator(".vote-result")  # revealed on the Business Owner's page, live
    expect(result.locator(".average")).to_have_text("4.0")
    expect(result.locator("[data-value='4']")).to_have_text("4: 1")
    screenshot(ste, "solution-post-pi-planning")
    for page in (ste, bo):  # each role's controls, after the live swaps: no serious accessibility problem
        assert serious_violations(page) == [], serious_violations(page)
    ste.locator(".objective-delete summary").click()
    ste.get_by_role("button", name="Delete the objective").click()
    expect(bo.locator(".solution-objectives .empty")).to_have_text("No solution objectives yet.")  # live
    expect(bo.locator(".bv-total")).to_have_count(0)
    ste_context.close()
    bo_context.close()
