"""Issue 29's whole journey, through pages only, from an empty server: a Solution Train Engineer makes a
solution, two trains are made and joined from their Admin pages, Solution Management writes a
capability and splits it into a feature per train, a team of train A asks a team of train B for work,
B accepts, then B moves the work later: the conflict shows on both trains' program boards, the solution
board and its big screen, each already open, without a reload. Post-PI Planning then agrees a solution
objective and votes. No API call and no command line: every step is a control on a page the person's
role sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import FULL_HD, LAPTOP, board_from_home, screenshot, solution_from_home
from tests.conftest import LiveServer
from tests.e2e.ui_setup import UiBoard, ask_for, laptop
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e

CADENCE = [
    ("I1", "2027-01-04", "2027-01-15"),
    ("I2", "2027-01-18", "2027-01-29"),
    ("I3", "2027-02-01", "2027-02-12"),
]


def solution_link(ste: Page, kind: str, label: str) -> str:
    """The STE makes a join link on the solution page (a train's, or a role's)."""
    ste.get_by_label("For", exact=True).select_option(kind)
    ste.get_by_label("Label", exact=True).fill(label)
    ste.get_by_role("button", name="Make a link").click()
    return ste.locator(f"[data-link-kind={kind}] .link-url").last.input_value()


def train(browser: Browser, server: LiveServer, name: str, team: str, link: str) -> UiBoard:
    """A train's RTE makes its board on the home page, dates its PI and iterations as the solution's
    cadence, adds a team, and joins the solution with the STE's train link on the Admin page."""
    context, rte = board_from_home(browser, server, name, "PI 27.1")
    board = UiBoard(rte.url.split("/b/", 1)[1].split("/", 1)[0], server, rte, [context])
    board.set_pi("PI 27.1", CADENCE[0][1], CADENCE[-1][2])
    for iteration, start, end in CADENCE:
        board.add_iteration(iteration, start, end)
    board.add_team(team)
    rte.goto(board.url("admin"))
    rte.get_by_label("Train link").fill(link)
    rte.get_by_role("button", name="Join the solution").click()
    expect(rte.locator(".in-solution")).to_contain_text("part of the solution Payments")
    return board


def plan_feature(board: UiBoard, title: str, team: str, iteration: str) -> None:
    """The train's RTE plans a feature on its program board, with the card's editor."""
    page = board.rte
    if not page.url.endswith("/program"):
        page.goto(board.url("program"))
        wait_live(page)
    page.locator(".card", has_text=title).click()
    editor = page.locator("#feature-editor")
    editor.get_by_label("Team").select_option(label=team)
    editor.get_by_label("Iteration").select_option(label=iteration)
    editor.get_by_role("button", name="Move", exact=True).click()
    confirm = page.locator("#confirm-op")
    if confirm.is_visible():
        confirm.get_by_role("button", name="Move only the feature").click()
    expect(page.locator(".team-row .card", has_text=title)).to_be_visible()


def join_solution(browser: Browser, link: str, name: str) -> tuple[BrowserContext, Page]:
    """A person opens a role's link to the solution and joins with their name."""
    context = laptop(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/s/[\w-]+/$"))
    return context, page


def live_solution(page: Page, path: str) -> Page:
    page.goto(path)
    expect(page.locator("#solution-live")).to_have_attribute("data-state", "live")
    return page


def test_a_solution_is_planned_from_an_empty_server_through_its_pages(
    browser: Browser, live_server: LiveServer
) -> None:
    ste_context, ste = solution_from_home(browser, live_server, "Payments", "PI 27.1", "Sofia Steiner")
    contexts = [ste_context]
    home = ste.url

    # Two trains, made and joined by their RTEs.
    a = train(browser, live_server, "Cards ART", "Alpha", solution_link(ste, "train", "Cards"))
    b = train(browser, live_server, "Wallet ART", "Checkout", solution_link(ste, "train", "Wallet"))
    ste.reload()
    expect(ste.locator("table.trains tbody tr")).to_have_count(2)
    expect(ste.locator(".solution-trains")).not_to_contain_text("disagree")

    # Solution Management writes a capability and splits it: a feature on each train.
    sm_link = solution_link(ste, "solution_management", "Sam")
    sm_context, sm = join_solution(browser, sm_link, "Sam Manager")
    contexts.append(sm_context)
    sm.get_by_label("Capability").fill("Instant payments")
    sm.get_by_role("button", name="Add the capability").click()
    sm.get_by_role("button", name="Split into a feature per train").click()
    expect(sm.locator(".capability-trains li")).to_have_count(2)

    # Each train plans its feature: A's in Alpha's I2; B's (the work A will need) in Checkout's I1.
    plan_feature(a, "Instant payments", "Alpha", "I2")
    plan_feature(b, "Instant payments", "Checkout", "I1")
    expect(sm.locator(".capability-trains li[data-progress=planned]")).to_have_count(2)

    # A team of train A asks a team of train B, on its team page.
    ann = a.join(browser, "team", "Ann Alpha", "Alpha")
    ask_for(ann, "Card tokens", "Wallet ART · Checkout", "I2", "Instant payments")
    asked = ann.locator("#deps-out li.dep", has_text="Card tokens")
    expect(asked).to_have_class(re.compile(r"\bstate-requested\b"))

    # B's team answers on its own team page: it delivers with its feature, in I1.
    cleo = b.join(browser, "team", "Cleo Checkout", "Checkout")
    request = cleo.locator("#deps-in li.dep", has_text="Card tokens")
    expect(request).to_contain_text("Cards ART · Alpha")
    accept = request.locator("form.accept-dep")
    accept.get_by_label("or feature").select_option(label="Instant payments")
    accept.get_by_role("button", name="Accept").click()
    expect(asked).to_have_class(re.compile(r"\bstate-committed\b"))  # A's page, live

    # The room's screens, each open and live before B moves the work.
    a.rte.goto(a.url("program"))
    wait_live(a.rte)
    b.rte.goto(b.url("program"))
    wait_live(b.rte)
    board_page = live_solution(ste, home + "board")
    screen_context = browser.new_context(viewport=FULL_HD)  # type: ignore[arg-type]
    contexts.append(screen_context)
    screen_context.add_cookies(ste_context.cookies())
    big_screen = live_solution(screen_context.new_page(), home + "screen")
    a_string = a.rte.locator("#strings li", has_text="Card tokens")
    b_string = b.rte.locator("#strings li", has_text="Card tokens")
    solution_strings = [p.locator("#strings li.cross-train") for p in (board_page, big_screen)]
    for string in (a_string, b_string, *solution_strings):
        expect(string).to_have_attribute("data-state", "committed")

    # B moves its work to I3, after A's need (I2): a conflict everywhere, without a reload.
    plan_feature(b, "Instant payments", "Checkout", "I3")
    for string in (a_string, b_string, *solution_strings):
        expect(string).to_have_attribute("data-state", "conflict")
    expect(asked).to_have_class(re.compile(r"\bstate-conflict\b"))
    expect(request).to_have_class(re.compile(r"\bstate-conflict\b"))
    screenshot(big_screen, "solution-screen-conflict")

    # Post-PI Planning: the STE writes a solution objective; the STE and Solution Management vote.
    ste.goto(home)
    expect(ste.locator("#solution-live")).to_have_attribute("data-state", "live")
    ste.get_by_label("Solution objective").fill("Instant payments in the wallet and on cards")
    ste.get_by_role("button", name="Add the objective").click()
    expect(sm.locator(".objective-list li .objective-title")).to_have_text(
        "Instant payments in the wallet and on cards"
    )
    ste.get_by_role("button", name="Open a round").click()
    sm.get_by_role("button", name="Vote 4").click()
    ste.get_by_role("button", name="Vote 3").click()
    expect(ste.locator(".vote-open .voted")).to_have_text("2 voted")
    ste.get_by_role("button", name="Close and reveal").click()
    expect(sm.locator(".vote-result .average")).to_have_text("3.5")
    ste.set_viewport_size(LAPTOP)
    for context in [*contexts, *a.contexts, *b.contexts]:
        context.close()
