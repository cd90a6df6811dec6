"""The facilitator's tools, with several people in real browsers (each their own context): the RTE drives
the big screen and brings everyone to a view, the lock reaches open pages, teams ask for help, the end
of the countdown reaches every screen, and no page waits on the CDN."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import FULL_HD, PageAs, screenshot
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.meeting.browser import forced_op, goto, items, wait_live

pytestmark = pytest.mark.e2e

NO_RELOAD = "window.__stillThisPage = true"
SAME_PAGE = "window.__stillThisPage === true"


def room_menu(rte: Page) -> Page:
    menu = rte.locator("#room-menu")
    if not menu.evaluate("el => el.open"):
        menu.locator("summary").click()
    return rte


def expect_rows(screen: Page, teams: list[str]) -> None:
    """The big screen shows these team rows, in this order (waiting for the scene to settle)."""
    rows = screen.locator("#screen-stage .team-row:not(.off-page)")
    expect(rows).to_have_count(len(teams))
    for k, team in enumerate(teams):
        expect(rows.nth(k)).to_have_attribute("data-team", team)


def test_the_rte_chooses_the_screens_scene_and_brings_everyone_to_the_vote(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    screen = goto(page_as(board, "observer", "Room screen", viewport=FULL_HD), board, "screen")
    rte = page_as(board, "rte", "Rita RTE")
    member = page_as(board, "team", "Ann Atlas", "atlas")
    for page in (screen, rte, member):
        wait_live(page)
    screen.evaluate(NO_RELOAD)
    expect(screen.locator("#screen")).to_have_attribute("data-scene", "board")
    expect_rows(screen, ["atlas", "borealis", "comet"])
    # Only the RTE has the remote.
    expect(member.locator("#room-menu")).to_be_hidden()

    room_menu(rte).locator("#room-menu [data-scene=vote]").click()
    expect(screen.locator("#screen")).to_have_attribute("data-scene", "vote")
    expect(screen.locator("#screen-stage #screen-vote")).to_be_attached()
    # The join scene's QR code is a join link the RTE chooses (tests/screen/test_join_qr.py).
    room_menu(rte).locator("#room-menu [data-scene=join]").click()
    expect(screen.locator(".stage-join")).to_contain_text("Join links")

    # One team on the whole stage, then teams in turn for the breakout.
    room_menu(rte).locator("#room-menu select[name='args.scene']").select_option("team:comet")
    room_menu(rte).locator("#room-menu button[data-scene=team]").click()
    expect(screen.locator("#screen")).to_have_attribute("data-scene", "team")
    expect(screen.locator("#screen-stage .team-row:not(.off-page)")).to_have_count(1)
    expect_rows(screen, ["comet"])
    room_menu(rte).locator("#room-menu input[name='args.seconds']").fill("10")
    room_menu(rte).locator("#room-menu button[data-scene=rotate]").click()
    expect(screen.locator("#screen")).to_have_attribute("data-scene", "rotate")
    expect_rows(screen, ["atlas"])
    # The rotation moves on by itself (10 s a team).
    expect(screen.locator("#screen")).to_have_attribute("data-page", "2", timeout=15_000)
    expect_rows(screen, ["borealis"])
    assert screen.evaluate(SAME_PAGE), "the screen reloaded"

    # "Bring everyone here": every open page moves to the vote; the big screen keeps its scene.
    member.evaluate(NO_RELOAD)
    room_menu(rte).locator("#room-menu [data-gather=vote]").click()
    member.wait_for_url(f"**/b/{board.id}/vote")
    expect(member.locator("#vote-rounds")).to_be_attached()
    assert screen.url.endswith("/screen") and screen.evaluate(SAME_PAGE)
    # Each person's own team page, for the breakout.
    room_menu(rte).locator("#room-menu [data-gather=team]").click()
    member.wait_for_url(f"**/b/{board.id}/team/atlas")


def test_lock_and_unlock_reach_an_open_team_page_without_reload(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    member = page_as(board, "team", "Ann Atlas", "atlas")
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "admin")
    goto(member, board, "team/atlas")
    wait_live(member)
    wait_live(rte)
    member.evaluate(NO_RELOAD)
    add = member.locator("#col-it3 form.quick-add")
    expect(add).to_be_visible()

    rte.locator("[data-action=lock]").click()
    expect(member.locator("#plan-lock")).to_be_visible()
    expect(add).to_be_hidden()

    rte.locator("[data-action=unlock]").click()
    expect(member.locator("#plan-lock")).to_be_hidden()
    expect(add).to_be_visible()
    assert member.evaluate(SAME_PAGE), "the page was reloaded"
    # And it works again, without a reload.
    add.locator("input[name='args.title']").fill("After the unlock")
    add.locator("input[name='args.title']").press("Enter")
    expect(member.locator("#col-it3")).to_contain_text("After the unlock")


def test_a_help_request_reaches_the_architect_and_the_screen_and_is_taken_and_closed(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    screen = goto(page_as(board, "observer", "Room screen", viewport=FULL_HD), board, "screen")
    member = page_as(board, "team", "Ann Atlas", "atlas")
    architect = page_as(board, "architect", "Ada Architect")
    owner = page_as(board, "business_owner", "Bea Owner")
    for page in (screen, member, architect, owner):
        wait_live(page)

    member.locator("#help-menu summary").click()
    ask = member.locator("#help-menu form.help-ask")
    ask.locator("select[name='args.needs']").select_option("architect")
    ask.locator("input[name='args.note']").fill("Checkout needs the System Architect")
    ask.get_by_role("button", name="Ask for help").click()

    request = screen.locator("#screen-help .help-row")
    expect(request).to_have_count(1)
    expect(request).to_contain_text("Atlas")
    expect(request).to_contain_text("needs the System Architect")
    expect(request).to_contain_text("waiting")
    expect(architect.locator("#help-menu [data-help-count]")).to_have_text("1")
    architect.locator("#help-menu summary").click()
    row = architect.locator("#help-menu .help-row")
    expect(row).to_contain_text("Checkout needs the System Architect")
    # The Business Owner sees the queue but is not the one asked for: the page offers no "I'm on it"
    # (it asked the role rule), and the server refuses one sent anyway.
    owner.locator("#help-menu summary").click()
    expect(owner.locator("#help-menu .help-row")).to_have_count(1)
    expect(owner.locator("#help-menu .help-take")).to_have_count(0)
    expect(owner.locator("#help-menu .help-close")).to_have_count(0)
    expect(architect.locator("#help-menu .help-take")).to_have_count(1)
    help_id = str(row.get_attribute("data-help"))
    status, text = forced_op(owner, board, type="help.take", target=help_id)
    assert status == 403 and "asked for the System Architect" in text
    assert items(board, "help")[help_id]["status"] == "open"

    row.get_by_role("button", name="I'm on it").click()
    expect(request).to_contain_text("Ada Architect is on it")
    expect(member.locator("#help-menu .help-row")).to_contain_text("Ada Architect is on it")
    screenshot(screen, "screen-help")
    architect.locator("#help-menu .help-row").get_by_role("button", name="Done").click()
    expect(screen.locator("#screen-help .help-row")).to_have_count(0)
    expect(architect.locator("#help-menu")).to_contain_text("No one is waiting for help")


def test_the_end_of_the_countdown_is_signalled_on_every_screen(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    screen = page_as(board, "observer", "Room screen", viewport=FULL_HD)
    laptop = page_as(board, "team", "Ann Atlas", "atlas")
    for page in (screen, laptop):
        page.clock.install()
    goto(screen, board, "screen")
    goto(laptop, board, "program")
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "agenda")
    for page in (screen, laptop, rte):
        wait_live(page)
    add = rte.locator("details.add-agenda")
    add.locator("summary").click()
    add.locator("input[name='args.title']").fill("Quick check")
    add.locator("input[name='args.minutes']").fill("1")
    add.get_by_role("button", name="Add").click()
    item = rte.locator(".agenda-item", has_text="Quick check")
    item.locator("[data-action=start-item]").click()
    expect(screen.locator("#screen-timer .timer-title")).to_contain_text("Quick check")
    expect(laptop.locator("#timer .timer-title")).to_have_text("Quick check")
    expect(screen.locator("#time-up")).to_be_hidden()

    for page in (screen, laptop):
        page.clock.run_for("01:05")
    expect(screen.locator("#time-up")).to_be_visible()
    expect(screen.locator("#time-up")).to_contain_text("Quick check")
    # The laptop flashed its top bar (for a few seconds, so the moment is what stays on the body).
    expect(laptop.locator("body")).to_have_attribute("data-time-up", re.compile(r"^\d+$"))
    screenshot(screen, "screen-time-up")


def test_the_agenda_is_a_timeline_in_the_events_time_zone_and_the_remote_viewers_own(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = goto(page_as(board, "rte", "Rita RTE", timezone_id="Europe/Berlin"), board, "agenda")
    remote = goto(
        page_as(board, "team", "Ned Remote", "atlas", timezone_id="America/New_York"), board, "agenda"
    )
    for page in (rte, remote):
        wait_live(page)
    times = rte.locator("form.event-times")
    times.locator("input[name='args.event_date']").fill("2027-01-11")
    times.locator("input[name='args.day_start']").fill("09:00")
    times.locator("input[name='args.time_zone']").fill("Europe/Berlin")
    times.get_by_role("button", name="Set times").click()

    first = remote.locator(".agenda-item", has_text="Business context")
    second = remote.locator(".agenda-item", has_text="Product vision")
    expect(first.locator(".starts")).to_have_text("09:00")
    # Start times follow from the lengths before (Business context is 60 min).
    expect(second.locator(".starts")).to_have_text("10:00")
    # Berlin 09:00 in January is 03:00 in New York; the Berlin laptop is told nothing more.
    expect(first.locator("[data-local-time]")).to_have_text("03:00 your time")
    expect(
        rte.locator(".agenda-item", has_text="Business context").locator("[data-local-time]")
    ).to_have_text("")

    # Editing opens on demand; a longer first item moves the next one's start.
    item = rte.locator(".agenda-item", has_text="Business context")
    expect(item.locator("input[name='args.title']")).to_be_hidden()
    item.locator("summary").click()
    item.locator("input[name='args.minutes']").fill("90")
    item.get_by_role("button", name="Save").click()
    expect(second.locator(".starts")).to_have_text("10:30")

    screenshot(rte, "agenda-timeline")


def test_a_risk_is_dragged_between_roam_columns_and_the_room_sees_it(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    member = goto(page_as(board, "team", "Ann Atlas", "atlas", viewport=FULL_HD), board, "risks")
    owner = goto(page_as(board, "business_owner", "Bea Owner", viewport=FULL_HD), board, "risks")
    for page in (member, owner):
        wait_live(page)
    card = member.locator("#roam-col-unroamed .risk-card[data-risk=risk1]")
    expect(card).to_have_attribute("draggable", "true")
    # A Business Owner may not ROAM a team's risk: nothing to drag on their page.
    expect(owner.locator("#roam-col-unroamed .risk-card[data-risk=risk1]")).not_to_have_attribute(
        "draggable", "true"
    )
    card.drag_to(member.locator("#roam-col-mitigated"))
    expect(owner.locator("#roam-col-mitigated .risk-card[data-risk=risk1]")).to_be_visible()
    expect(owner.locator("#roam-col-unroamed .risk-card")).to_have_count(0)
