"""A whole PI, from an empty database to the ART sync after the first iteration, in the browser only:
no API call, no CLI. Five people, each in a browser of their own.

Rita (RTE) makes the board "Falcon ART" on the home page and sets it up on Admin: the PI and its dates,
two teams, dated iterations and an IP iteration, join links. Paula (Product Management) adds the
features on the program board; Ann (Atlas) and Carl (Comet) plan stories on their team pages. Comet
asks Atlas for payment tokens by I1; Atlas proposes I2; Comet agrees: committed everywhere. Carl writes
an objective and Bea (a Business Owner) gives it business value on its card. The ART votes (anonymous:
only the distribution is shown), Rita locks the plan, takes the baseline and starts the PI's execution.
Ann and Carl set their stories' status; I1 closes; the ART sync view and the team pages show what
slipped, without a reload. History compares the baseline with now, and Ann undoes her own status
change from the story's History.

Time passing is the one thing not done in a page: the test moves the server's clock
(``server.clock.CLOCK.travel_to``) past I1's end, and the server looks at the clock five times a
second (``watched_server``), so the open pages follow within a second or two.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from server.clock import Clock
from tests.browser import screenshot
from tests.conftest import LiveServer
from tests.e2e.ui_setup import (
    UiBoard,
    accept_dialogs,
    add_feature_on_board,
    add_objective,
    add_story,
    expect_drawn,
    iteration_column,
    navigations,
    new_board,
    objective_card,
    open_live,
    set_status,
)
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e

I1_RUNNING = datetime.date(2027, 1, 6)
I1_CLOSED = datetime.date(2027, 1, 19)  # I1 ended on the 15th; I2 runs


@pytest.fixture
def falcon(browser: Browser, watched_server: LiveServer, clock: Clock) -> Iterator[UiBoard]:
    clock.travel_to(I1_RUNNING)
    board = new_board(browser, watched_server, name="Falcon ART", rte_name="Rita Rossi")
    yield board
    board.close()


def story(page: Page, title: str) -> Locator:
    return page.locator(".story", has_text=title)


def test_five_people_run_a_pi_from_an_empty_database_to_the_art_sync_and_back_in_history(
    falcon: UiBoard, browser: Browser, clock: Clock
) -> None:
    rita = falcon.rte

    # --- 1. set-up on Admin; everyone joins with their own link ---
    falcon.set_pi("PI 2027.1", "2027-01-04", "2027-03-12")
    for team in ("Atlas", "Comet"):
        falcon.add_team(team)
    falcon.add_iteration("I1", "2027-01-04", "2027-01-15")
    falcon.add_iteration("I2", "2027-01-18", "2027-01-29")
    falcon.add_iteration("IP", "2027-03-01", "2027-03-12", ip=True)
    for gap in ("pi-name", "pi-dates", "teams", "iterations", "ip", "iteration-dates"):
        expect(rita.locator(f"#admin-checklist [data-gap={gap}]")).to_have_count(0)
    links = {
        "pm": falcon.make_link("pm"),
        "bo": falcon.make_link("business_owner"),
        "atlas": falcon.make_link("team", "Atlas"),
        "comet": falcon.make_link("team", "Comet"),
    }
    paula = falcon.open_link(browser, links["pm"], "Paula PM")
    bea = falcon.open_link(browser, links["bo"], "Bea Owner", remote=True)
    ann = falcon.open_link(browser, links["atlas"], "Ann Atlas")
    carl = falcon.open_link(browser, links["comet"], "Carl Comet")
    rita.goto(falcon.url("admin"))
    expect(rita.locator("table.links [data-uses='1']")).to_have_count(5)  # Rita's own link and these four
    for page in (ann, carl):  # a team member lands on their own team's page
        expect(page).to_have_url(re.compile(r"/team/[\w-]+$"))
        wait_live(page)
    expect(ann.locator("h1.page-title")).to_contain_text("Atlas")
    atlas_id, comet_id = ann.url.rsplit("/", 1)[1], carl.url.rsplit("/", 1)[1]

    # --- 2. Product Management adds the features on the program board; the teams plan stories ---
    open_live(paula, falcon, "program")
    add_feature_on_board(paula, "Payments API", "Atlas", "I1")
    add_feature_on_board(paula, "Checkout v2", "Comet", "I1")
    expect(paula.locator(f"#row-{atlas_id} .card", has_text="Payments API")).to_be_visible()
    expect(ann.locator("#team-features")).to_contain_text("Payments API")  # live, on Atlas's page
    add_story(ann, "I1", "Payment intents", 5, feature="Payments API")
    add_story(ann, "I1", "Refunds", 3, feature="Payments API")
    add_story(carl, "I1", "Checkout UI", 5, feature="Checkout v2")

    # --- 3. Carl draws Checkout v2's → onto Atlas's Payments API: tokens needed by I1. Atlas
    # proposes I2; Comet agrees ---
    open_live(rita, falcon, "program")
    open_live(carl, falcon, "program")
    carl.locator(".card", has_text="Checkout v2").locator(".string-handle").drag_to(
        carl.locator(".card", has_text="Payments API")
    )
    ask = carl.locator("#dep-editor")
    ask.get_by_label("What we need").fill("Payment tokens")
    ask.get_by_label("Needed by").select_option(label="I1")
    ask.get_by_role("button", name="Ask for it").click()
    expect(ask).to_be_hidden()
    carl.goto(falcon.url(f"team/{comet_id}"))
    ours = carl.locator("#deps-out li.dep", has_text="Payment tokens")
    theirs = ann.locator("#deps-in li.dep", has_text="Payment tokens")
    expect(theirs).to_have_class(re.compile(r"\bstate-requested\b"))
    expect(theirs).to_contain_text("Comet needs “Payment tokens” by I1 for Checkout v2")
    expect(theirs).to_contain_text("Waiting for our answer")
    expect(ann.locator("#team-counters [data-counter=requests] .n")).to_have_text("1")
    expect(ours).to_have_class(re.compile(r"\bstate-requested\b"))
    string = rita.locator("#strings li", has_text="Payment tokens")
    expect(string).to_have_attribute("data-state", "requested")
    drawn = rita.locator(f"#strings-layer g[data-dep='{string.get_attribute('data-dep')}']")
    expect(drawn).to_have_class(re.compile(r"\bstr-requested\b"))
    expect_drawn(drawn.locator(".line"), dotted=True)  # a request is drawn dotted
    propose = theirs.locator("form.propose-dep")
    propose.get_by_label("Propose").select_option(label="I2")
    propose.get_by_label("Why another iteration").fill("I1 is full")
    propose.get_by_role("button", name="Propose").click()
    expect(ours).to_have_class(re.compile(r"\bstate-proposed\b"))
    expect(ours).to_contain_text("Atlas proposes I2: “I1 is full”")
    expect(string).to_have_attribute("data-state", "proposed")
    ours.get_by_role("button", name="Agree: we need it by I2").click()
    for line in (ours, theirs):
        expect(line).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(string).to_have_attribute("data-state", "committed")
    # A proposal replaces the work named (board.ops.dependencies): the promise is Atlas's, in I2.
    expect(string).to_contain_text("planned in I2")
    expect(ann.locator("#team-counters [data-counter=requests] .n")).to_have_text("0")

    # --- 4. Carl writes an objective; Bea gives it business value on its card ---
    open_live(carl, falcon, "objectives")
    add_objective(carl, "Comet", "Checkout v2 live for 3 partner shops")
    open_live(bea, falcon, "objectives")
    objective_card(bea, "Checkout v2 live").get_by_role("button", name="8", exact=True).click()
    expect(objective_card(carl, "Checkout v2 live").locator("[data-bv]")).to_have_text("8")

    # --- 5. the confidence vote: anonymous by default, only the distribution once revealed ---
    for page in (rita, ann, carl, bea):
        open_live(page, falcon, "vote")
    rita.locator("#vote-head").get_by_role("button", name="Open round").click()
    for page, fist in ((ann, "4"), (carl, "3")):
        page.locator(f".vote-round [data-fist-button='{fist}']").click()
        expect(page.locator("[data-my-vote]")).to_contain_text(f"Your vote: {fist}")
    round_ = rita.locator(".vote-round").first
    expect(round_.locator("[data-vote-count]")).to_have_text("2")
    round_.get_by_role("button", name="Close voting").click()
    rita.locator(".vote-round").first.get_by_role("button", name="Reveal").click()
    for page in (rita, ann, carl, bea):
        shown = page.locator(".vote-round").first
        expect(shown.locator("[data-fist='4']")).to_have_attribute("data-votes", "1")
        expect(shown.locator("[data-fist='3']")).to_have_attribute("data-votes", "1")
        expect(shown.locator(".named-votes")).to_have_count(0)
        assert not re.search(r"Ann|Carl", shown.text_content() or ""), "an anonymous vote names nobody"

    # --- 6. Rita locks the plan: Ann's edit controls go without a reload ---
    open_live(ann, falcon, f"team/{atlas_id}")
    expect(ann.locator(".it-col form.quick-add").first).to_be_visible()
    ann_reloads = navigations(ann)
    rita.goto(falcon.url("admin"))
    rita.locator("#admin-lock").get_by_role("button", name="Lock the plan").click()
    expect(ann.locator("#plan-lock")).to_be_visible()
    expect(ann.locator(".it-col form.quick-add")).to_have_count(0)
    expect(ann.locator(".story.editable")).to_have_count(0)
    assert ann_reloads == []

    # --- 7. the baseline, said first what it freezes; then the execution starts on ART sync ---
    asked: list[str] = []
    accept_dialogs(rita, asked)
    part = rita.locator("#admin-lock")
    freezes = part.locator(".baseline-freezes")
    expect(freezes).to_contain_text("2 features (2 in an iteration)")
    expect(freezes).to_contain_text("3 stories (3 in an iteration, 13 points)")
    expect(freezes).to_contain_text("1 objective (1 with business value)")
    part.get_by_role("button", name="Take the baseline").click()
    # The home page asked the maker's name: the baseline says who took it.
    expect(part.locator(".baseline-taken")).to_contain_text("by Rita Rossi")
    assert asked and asked[0].startswith("Take the baseline? It freezes the plan as it is now")
    rita.get_by_role("link", name="Start the PI's execution on ART sync").click()
    rita.wait_for_url(re.compile(r"/sync"))
    wait_live(rita)
    rita.get_by_role("button", name="Start the PI's execution").click()
    expect(rita.locator("#execution-state")).to_contain_text("The PI is running")
    expect(ann.locator(".it-col form.quick-add").first).to_be_visible()  # unlocked again, live

    # --- 8. the team members set their stories' status (Refunds stays not started) ---
    open_live(carl, falcon, f"team/{comet_id}")
    wait_live(rita)
    set_status(ann, "Payment intents", "done")
    set_status(carl, "Checkout UI", "in progress")
    expect(story(ann, "Payment intents").locator(".story-status")).to_have_text("done")
    expect(rita.locator("#art-progress")).to_contain_text("5 / 13 pts done")  # ART sync fetched again

    # --- 9. I1 ends: every open page shows it closed and what slipped, without a reload ---
    reloads = {name: navigations(page) for name, page in (("rita", rita), ("carl", carl))}
    clock.travel_to(I1_CLOSED)
    expect(story(ann, "Refunds")).to_have_class(re.compile(r"\bis-slipped\b"), timeout=15_000)
    expect(story(ann, "Refunds").locator(".slipped-mark")).to_have_text("slipped")
    expect(story(ann, "Payment intents")).not_to_have_class(re.compile(r"\bis-slipped\b"))
    expect(story(carl, "Checkout UI")).to_have_class(re.compile(r"\bis-slipped\b"), timeout=15_000)
    for page in (ann, carl):
        expect(iteration_column(page, "I1").locator(".it-closed")).to_have_text("closed")
    # Needed by I2, which still runs: the dependency is not late.
    expect(ours).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(rita.locator(".sync-head")).to_contain_text("2027-01-19 · I2", timeout=15_000)
    # A closed iteration's velocity: Atlas did 5 of the 8 points planned in I1 at the baseline.
    i1_velocity = rita.locator(f"#sync-team-{atlas_id} table.velocity tr", has_text="I1").locator("td")
    expect(i1_velocity.nth(1)).to_contain_text("5")
    expect(i1_velocity.nth(2)).to_have_text("8")
    expect(rita.locator('#alerts .alert[data-kind="slipped"]', has_text="Refunds")).to_be_visible()
    expect(rita.locator('#alerts .alert[data-kind="slipped"]', has_text="Checkout UI")).to_be_visible()
    assert reloads == {"rita": [], "carl": []}, "nobody reloaded: the pages followed by themselves"
    screenshot(rita, "run-a-pi-sync-after-i1")

    # --- 10. History: the baseline against now; Ann undoes her own status change ---
    rita.goto(falcon.url("history"))
    compare = rita.locator(".compare-form")
    expect(compare.get_by_label("From", exact=True)).to_have_value("baseline")
    compare.get_by_role("button", name="Compare").click()
    result = rita.locator("#compare-result")
    expect(result.locator("h4.diff-status")).to_have_text("Status (2)")
    expect(result.locator("[data-change=status]", has_text="Payment intents")).to_contain_text("to do → done")
    expect(result.locator("[data-change=status]", has_text="Checkout UI")).to_contain_text(
        "to do → in progress"
    )
    expect(result.locator(".diff-tally")).to_contain_text("2 status")

    open_live(rita, falcon, f"team/{atlas_id}")
    story(ann, "Payment intents").click()
    editor = ann.locator("#story-editor")
    editor.get_by_role("button", name="History").click()
    mine = editor.locator(".activity li", has_text="Ann Atlas changed its status from to do to done")
    expect(mine).to_be_visible()
    expect(editor.locator(".activity li").last).to_contain_text("Ann Atlas created it")
    mine.get_by_role("button", name="Undo").click()
    for page in (ann, rita):
        back = story(page, "Payment intents")
        expect(back).to_have_attribute("data-status", "todo")
        expect(back.locator(".story-status")).to_have_count(0)
        expect(back).to_have_class(re.compile(r"\bis-slipped\b"))  # not done, and I1 has closed
    open_live(paula, falcon, "sync")
    expect(paula.locator(f"#sync-team-{atlas_id}")).to_contain_text("0 / 8 pts done")
