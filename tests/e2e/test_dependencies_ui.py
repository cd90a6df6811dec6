"""Dependencies made, answered, changed and deleted in the browser, on a board set up in the browser.

Atlas provides, Comet requests. Every step is seen by the other team without a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import screenshot
from tests.conftest import LiveServer
from tests.e2e.ui_setup import UiBoard, accept_dialogs, add_story, new_board
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def set_up(browser: Browser, live_server: LiveServer) -> Iterator[UiBoard]:
    """Two teams, three iterations, a feature each in I2, one Atlas story; made in the browser once: each
    test plays on a copy (``art``)."""
    board = new_board(browser, live_server)
    for team in ("Atlas", "Comet"):
        board.add_team(team)
    for iteration in ("I1", "I2", "I3"):
        board.add_iteration(iteration)
    board.add_feature("Atlas", "Payments API", "I2")
    board.add_feature("Comet", "Checkout v2", "I2")
    yield board
    board.close()


def team_page(board: UiBoard, browser: Browser, name: str, team: str) -> Page:
    page = board.join(browser, "team", name, team)
    page.goto(board.url(f"team/{board.team_id(team)}"))
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    return page


def test_a_team_asks_another_which_answers_and_the_plan_decides_the_state(
    art: UiBoard, browser: Browser
) -> None:
    atlas = team_page(art, browser, "Ann Atlas", "Atlas")
    comet = team_page(art, browser, "Carl Comet", "Comet")
    add_story(atlas, "I2", "Payment intents", 5)

    # Comet: "we need …" from Atlas by I2, for its checkout.
    comet.locator("#deps-out summary", has_text="We need").click()
    ask = comet.locator("#deps-out form.add-dep")
    ask.get_by_label("What we need").fill("Payments API <v1>")
    ask.get_by_label("From team").select_option(label="Atlas")
    ask.get_by_label("Needed by").select_option(label="I2")
    ask.get_by_label("For our feature").select_option(label="Checkout v2")
    ask.get_by_role("button", name="Ask for it").click()
    ours = comet.locator("#deps-out li.dep")
    expect(ours).to_contain_text("“Payments API <v1>” from Atlas by I2 for Checkout v2")
    expect(ours).to_contain_text("Waiting for Atlas’s answer")

    # Atlas sees the request at once, as something to answer.
    theirs = atlas.locator("#deps-in li.dep")
    expect(theirs).to_contain_text("Comet needs “Payments API <v1>” by I2 for Checkout v2")
    expect(theirs).to_contain_text("Waiting for our answer")
    expect(atlas.locator("#team-counters [data-counter=requests] .n")).to_have_text("1")
    screenshot(atlas, "team-dependency-request")

    # Atlas accepts with its story: committed on both pages.
    accept = theirs.locator("form.accept-dep")
    accept.get_by_label("Deliver with story").select_option(label="Payment intents")
    accept.get_by_role("button", name="Accept").click()
    expect(theirs).to_contain_text("We deliver it with Payment intents in I2")
    expect(ours).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(ours).to_contain_text("Planned in I2 with Payment intents")
    expect(atlas.locator("#team-counters [data-counter=requests] .n")).to_have_text("0")

    # Atlas re-plans the story to I3: late, so a conflict for both teams and on the program board.
    atlas.locator(".story", has_text="Payment intents").click()
    editor = atlas.locator("#story-editor")
    editor.get_by_label("Iteration").select_option(label="I3")
    editor.get_by_role("button", name="Save").click()
    expect(ours).to_have_class(re.compile(r"\bstate-conflict\b"))
    expect(theirs).to_have_class(re.compile(r"\bstate-conflict\b"))
    expect(comet.locator("#team-counters [data-counter=conflicts] .n")).to_have_text("1")
    art.rte.goto(art.url("program"))
    expect(art.rte.locator("#strings li")).to_have_attribute("data-state", "conflict")
    expect(art.rte.locator(".card", has_text="Checkout v2")).to_have_class(re.compile(r"\bis-conflict\b"))

    # Atlas proposes I3 openly instead; Comet agrees to need it by then: committed again.
    theirs.locator("summary", has_text="Change our answer").click()
    propose = theirs.locator("form.propose-dep")
    propose.get_by_label("Propose").select_option(label="I3")
    propose.get_by_label("Why another iteration").fill("I2 is full")
    propose.get_by_role("button", name="Propose").click()
    expect(ours).to_contain_text("Atlas proposes I3: “I2 is full”")
    expect(ours).to_have_class(re.compile(r"\bstate-proposed\b"))
    expect(theirs).to_have_class(re.compile(r"\bstate-proposed\b"))
    ours.get_by_role("button", name="Agree: we need it by I3").click()
    expect(ours).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(theirs).to_have_class(re.compile(r"\bstate-committed\b"))

    # Comet changes what it needs; Atlas declines with a reason, which Comet reads.
    ours.locator("summary", has_text="Edit").click()
    edit = ours.locator("form.edit-dep")
    edit.get_by_label("What we need").fill("Payments API v2")
    edit.get_by_role("button", name="Save").click()
    expect(theirs).to_contain_text("Comet needs “Payments API v2”")
    theirs.locator("summary", has_text="Change our answer").click()
    decline = theirs.locator("form.decline-dep")
    decline.get_by_label("Reason to decline").fill("v2 is not on our roadmap")
    decline.get_by_role("button", name="Decline").click()
    expect(ours).to_contain_text("Atlas declined: “v2 is not on our roadmap”")
    expect(ours).to_have_class(re.compile(r"\bstate-declined\b"))
    # Nothing will come: counted among the conflicts (board.dependencies.is_conflict).
    expect(comet.locator("#team-counters [data-counter=conflicts] .n")).to_have_text("1")

    # Comet drops it, after saying yes to what the deletion takes with it.
    asked: list[str] = []
    accept_dialogs(comet, asked)
    ours.get_by_role("button", name="Delete").click()
    expect(comet.locator("#deps-out li.empty")).to_have_text("We need nothing from other teams.")
    expect(atlas.locator("#deps-in li.empty")).to_have_text("No team needs anything from us yet.")
    assert asked and "Atlas no longer sees it" in asked[0]


def test_a_string_is_drawn_from_card_to_card_and_changed_and_deleted_on_the_program_board(
    art: UiBoard, browser: Browser
) -> None:
    comet = art.join(browser, "team", "Carl Comet", "Comet")
    comet.goto(art.url("program"))
    checkout = comet.locator(".card", has_text="Checkout v2")
    payments = comet.locator(".card", has_text="Payments API")
    wait_live(comet)  # the page has settled (htmx and the socket are up): the cards no longer move
    expect(checkout.locator(".string-handle")).to_be_visible()
    # Not Comet's card: no handle to draw a string from it.
    expect(payments.locator(".string-handle")).to_be_hidden()

    checkout.locator(".string-handle").drag_to(payments)
    dialog = comet.locator("#dep-editor")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("What we need")).to_have_value("Payments API")
    expect(dialog.get_by_label("From team")).to_have_value(art.team_id("Atlas"))
    dialog.get_by_role("button", name="Ask for it").click()
    expect(dialog).to_be_hidden()

    # A request until Atlas answers it, dotted; committed (solid) once Atlas accepts.
    string = comet.locator("#strings li")
    expect(string).to_have_count(1)
    expect(string).to_have_attribute("data-state", "requested")
    expect(comet.locator("#strings-layer g.str-requested")).to_have_count(1)
    atlas = team_page(art, browser, "Ann Atlas", "Atlas")
    atlas.locator("#deps-in form.accept-dep").get_by_label("or feature").select_option(label="Payments API")
    atlas.locator("#deps-in form.accept-dep").get_by_role("button", name="Accept").click()
    expect(string).to_have_attribute("data-state", "committed")
    expect(string).to_contain_text("Comet needs “Payments API” from Atlas by I2; planned in I2")
    expect(comet.locator("#strings-layer g.str-committed")).to_have_count(1)

    # Changed from the list of dependencies (the keyboard reaches it too).
    expect(comet.locator(".deps-panel summary")).to_have_count(1)  # the live update has settled
    comet.locator(".deps-panel summary").click()
    string.get_by_role("button", name="Edit the dependency “Payments API”").click()
    dialog.get_by_label("What we need").fill("Payments API sandbox")
    dialog.get_by_label("Needed by").select_option(label="I1")
    dialog.get_by_role("button", name="Save").click()
    expect(string).to_have_attribute("data-state", "conflict")
    expect(string).to_contain_text("“Payments API sandbox”")
    expect(comet.locator("#strings-layer g.str-conflict .badge")).to_have_count(1)

    string.get_by_role("button", name=re.compile("Edit the dependency")).click()
    dialog.get_by_role("button", name="Delete dependency…").click()
    confirm = comet.locator("#confirm-op")
    expect(confirm).to_contain_text('Delete dependency "Payments API sandbox"?')
    expect(confirm).to_contain_text("Nothing else goes with it.")
    confirm.get_by_role("button", name="Delete").click()
    expect(comet.locator("#strings li")).to_have_count(0)


def test_the_keyboard_asks_for_a_dependency_on_a_team_row(art: UiBoard, browser: Browser) -> None:
    comet = art.join(browser, "team", "Carl Comet", "Comet")
    comet.goto(art.url("program"))
    handle = comet.locator(".card", has_text="Checkout v2").locator(".string-handle")
    handle.focus()
    comet.keyboard.press("Enter")
    dialog = comet.locator("#dep-editor")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("What we need")).to_be_focused()
    comet.keyboard.type("Card vault access")
    dialog.get_by_label("From team").select_option(label="Atlas")
    dialog.get_by_label("Needed by").select_option(label="I2")
    dialog.get_by_label("What we need").press("Enter")
    string = comet.locator("#strings li")
    expect(string).to_contain_text("Comet needs “Card vault access” from Atlas by I2")
    expect(string).to_have_attribute("data-state", "requested")
