"""Running the event in real browsers, several people at once in different roles (Debian Chromium)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import FULL_HD, PageAs, screenshot
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.conftest import Plan
from tests.meeting.browser import FrameLog, forced_op, goto, items, leaked_ballot_values, wait_live
from tests.slow_link import slow_link

pytestmark = pytest.mark.e2e


# --- roles: business value and opening a vote ---------------------------------------------------------


def test_team_member_cannot_set_bv_or_open_a_vote_and_a_business_owner_can(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    member = goto(page_as(board, "team", "Ann Atlas", "atlas"), board, "objectives")
    owner = goto(page_as(board, "business_owner", "Bea Owner"), board, "objectives")
    wait_live(member)
    wait_live(owner)

    # The team member sees the objective but no business-value control; a forced one is refused, and said so.
    expect(member.locator("#objective-obj1 .statement")).to_contain_text("Payments API live")
    expect(member.locator("#objective-obj1 form.set-bv")).to_have_count(0)
    version = str(items(board, "objective")["obj1"]["version"])
    status, text = forced_op(
        member, board, type="objective.set_bv", target="obj1", base_version=version, **{"args.value": "8"}
    )
    assert status == 403 and "may not give business value" in text
    assert items(board, "objective")["obj1"]["planned_bv"] is None

    goto(member, board, "vote")
    expect(member.locator("[data-action=open-round]")).to_have_count(0)
    status, text = forced_op(member, board, type="vote.open")
    assert status == 403 and "may not open a confidence vote" in text
    assert items(board, "vote") == {}

    # The Business Owner sets it; the team sees it arrive without reloading.
    goto(member, board, "objectives")
    wait_live(member)
    owner.locator("#objective-obj1 form.set-bv").get_by_role("button", name="8", exact=True).click()
    expect(member.locator("#objective-obj1 [data-bv]")).to_have_text("8")
    expect(owner.locator("#objective-obj1 [data-bv]")).to_have_text("8")
    assert items(board, "objective")["obj1"]["planned_bv"] == 8
    expect(member.locator("[data-predictability=atlas]")).to_have_text("–")  # nothing rated yet

    # After the PI, the actual value: predictability per team and for the ART follows.
    owner.get_by_label("Actual value (after the PI)").check()
    owner.locator("#objective-obj1 form.set-actual-bv").get_by_role("button", name="6", exact=True).click()
    expect(member.locator("[data-predictability=atlas]")).to_have_text("75 %")
    expect(member.locator("[data-predictability=art]")).to_have_text("75 %")

    # The uncommitted "Improve stability" is flagged vague; typing a vague objective is flagged as you type.
    expect(member.locator("#objective-obj2 .vague-flag")).to_be_visible()
    atlas_form = member.locator("#objectives-team-atlas + form.add-objective")
    atlas_form.locator("textarea").press_sequentially("Make checkout better", delay=20)
    expect(atlas_form.locator(".vague-hint [data-vague]")).to_be_visible()
    atlas_form.locator("textarea").press_sequentially(" by iteration 3", delay=20)
    expect(atlas_form.locator(".vague-hint [data-vague]")).to_have_count(0)
    screenshot(owner, "objectives-business-owner")


# --- the confidence vote ---------------------------------------------------------------------------------


def test_votes_stay_secret_until_the_reveal_then_a_low_average_asks_for_rework(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    people = {
        "rte": page_as(board, "rte", "Rita RTE", viewport=FULL_HD),
        "owner": page_as(board, "business_owner", "Bea Owner"),
        "ann": page_as(board, "team", "Ann Atlas", "atlas"),
        "bob": page_as(board, "team", "Bob Atlas", "atlas"),
    }
    logs = {who: FrameLog().attach(page) for who, page in people.items()}
    screen = page_as(board, "observer", "Big screen", viewport=FULL_HD)
    logs["screen"] = FrameLog().attach(screen)
    goto(screen, board, "screen")
    for page in people.values():
        goto(page, board, "vote")
    for page in [*people.values(), screen]:
        wait_live(page)

    rte = people["rte"]
    rte.locator("[data-action=open-round]").click()
    round_card = ".vote-round.status-open"
    for page in people.values():
        expect(page.locator(round_card)).to_have_count(1)

    def vote(who: str, value: int) -> None:
        people[who].locator(f"{round_card} [data-fist-button='{value}']").click()

    vote("ann", 5)  # Ann changes her mind before the round closes
    vote("bob", 2)
    vote("owner", 4)
    vote("rte", 2)
    expect(people["ann"].locator(f"{round_card} [data-fist-button='5']")).to_have_class(
        re.compile(r"\bchosen\b")
    )
    vote("ann", 1)
    expect(people["ann"].locator(f"{round_card} [data-fist-button='1']")).to_have_class(
        re.compile(r"\bchosen\b")
    )
    for page in people.values():
        expect(page.locator(f"{round_card} [data-vote-count]")).to_have_text("4")
    expect(screen.locator("#screen-vote [data-vote-count]")).to_have_text("4")

    rte.locator("[data-action=close-round]").click()
    expect(people["ann"].locator(".vote-round.status-closed")).to_have_count(1)

    # Before the reveal: no page holds a tally, and no frame any client received carries a vote.
    for who, page in [*people.items(), ("screen", screen)]:
        expect(page.locator("[data-tally]")).to_have_count(0)
        assert any("data-vote-count" in f for f in logs[who].frames), f"{who} was not sent the vote's count"
        leaks = [(who, leak) for frame in logs[who].frames for leak in leaked_ballot_values(frame, [])]
        assert leaks == []
    assert all(b["value"] is None for b in items(board, "ballot").values())

    rte.locator("[data-action=reveal]").click()
    expected = {"1": "1", "2": "2", "3": "0", "4": "1", "5": "0"}
    for page in people.values():
        tally = page.locator(".vote-round.status-revealed [data-tally]")
        for value, votes in expected.items():
            expect(tally.locator(f"li[data-fist='{value}']")).to_have_attribute("data-votes", votes)
        expect(tally.locator("[data-average]")).to_have_text("2.25")
        expect(tally.locator("[data-count]")).to_have_text("4")
        expect(page.locator("[data-rework]")).to_be_visible()
    expect(screen.locator("#screen-vote [data-average]")).to_have_text("2.25")
    expect(screen.locator("#screen-vote .rework-banner")).to_be_visible()
    assert items(board, "meta")["meta"]["rework"] is True
    expect(rte.get_by_role("button", name="Open a new round")).to_be_visible()

    # Low voters are asked why; the Business Owner (4) is not. Ann's reason becomes an un-ROAMed risk.
    expect(people["owner"].locator("form.explain")).to_be_hidden()
    ask = people["ann"].locator("form.explain")
    expect(ask).to_be_visible()
    ask.locator("textarea").fill("The card network certification date is unknown")
    ask.get_by_role("button", name="Add as a risk").click()
    expect(ask).to_be_hidden()
    goto(rte, board, "risks")
    unroamed = rte.locator("#roam-col-unroamed")
    expect(unroamed).to_contain_text("The card network certification date is unknown")
    risk = next(r for r in items(board, "risk").values() if r["title"].startswith("The card network"))
    assert risk["roam"] == "unroamed"
    screenshot(people["owner"], "vote-revealed")


# --- agenda and timer -------------------------------------------------------------------------------------

SKEWED_CLOCK = "(() => { const real = Date.now; Date.now = () => real() + 7 * 60 * 1000; })();"


def remaining_on(page: Page, selector: str = "#timer") -> float:
    """The remaining seconds the page's countdown shows at this moment, as static/timer.js reckons it."""
    handle = page.wait_for_function(
        """selector => {
            const el = document.querySelector(selector);
            const left = el && window.piboardTimer && window.piboardTimer.remaining(el, Date.now() / 1000);
            return typeof left === "number" ? [left] : null;
        }""",
        arg=selector,
        timeout=10_000,
    )
    return float(handle.json_value()[0])


def running_remaining(*pages: Page) -> list[float]:
    """What each page's running countdown shows, each taken back to the moment the first page was asked:
    the pages are read one after another, and on a loaded machine each reading takes a while."""
    asked, shown = [], []
    for page in pages:
        asked.append(time.monotonic())
        shown.append(remaining_on(page))
    return [value + (at - asked[0]) for value, at in zip(shown, asked, strict=True)]


def test_a_timer_started_by_the_rte_shows_the_same_time_everywhere_even_for_a_late_joiner(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "agenda")
    laptop = page_as(board, "team", "Ann Atlas", "atlas")
    screen = goto(page_as(board, "observer", "Big screen", viewport=FULL_HD), board, "screen")
    owner = goto(page_as(board, "business_owner", "Bea Owner"), board, "objectives")
    for page in (rte, laptop, screen, owner):
        wait_live(page)

    rte.locator("[data-action=start]").click()
    for page in (rte, laptop, screen, owner):
        expect(page.locator("#timer .timer-title")).to_have_text("Business context")
    readings = running_remaining(rte, laptop, screen, owner)
    assert 3540 < min(readings) <= 3600
    assert max(readings) - min(readings) < 1.0, readings

    # A remote laptop joins late, with its clock seven minutes fast, over a link that takes 0.75 s each
    # way (its page arrives seconds after the server rendered it): it shows the same time as the room.
    time.sleep(1.5)
    late = page_as(board, "team", "Late Larry", "atlas")
    late.context.add_init_script(SKEWED_CLOCK)
    with slow_link(board.server.url, one_way=0.75) as far_away:
        try:
            late.goto(f"{far_away}/b/{board.id}/team/atlas")
            wait_live(late)
            late.wait_for_function("() => window.piboardClock && window.piboardClock.offset !== null")
            readings = running_remaining(late, rte, screen)
            assert max(readings) - min(readings) < 1.0, readings

            # Pause and extend: every screen, the late one too, holds the same paused time.
            rte.locator("[data-action=pause]").click()
            for page in (rte, laptop, screen, owner, late):
                expect(page.locator("#timer")).to_have_attribute("data-status", "paused")
            rte.locator("[data-action=extend-5]").click()
            for page in (rte, laptop, screen, owner, late):
                expect(page.locator("#timer .timer-clock")).to_have_text(re.compile(r"^1:0[45]:"))
            paused = [remaining_on(p) for p in (rte, laptop, screen, owner, late)]
            assert max(paused) - min(paused) < 0.05, paused
            assert 3840 < paused[0] <= 3900

            rte.locator("[data-action=resume]").click()
            rte.locator("[data-action=advance]").click()
            for page in (rte, laptop, screen, owner, late):
                expect(page.locator("#timer .timer-title")).to_have_text("Product vision")
            readings = running_remaining(rte, laptop, screen, owner, late)
            assert max(readings) - min(readings) < 1.0, readings
            expect(rte.locator("#agenda-days .agenda-item.current .title")).to_have_text("Product vision")
            screenshot(screen, "screen-timer")
        finally:
            late.close()  # before its link goes


def test_the_rte_edits_the_default_agenda(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = create_board(e2e_server, name="Agenda ART")
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "agenda")
    wait_live(rte)
    expect(rte.locator(".agenda-day[data-day='1'] .agenda-item")).to_have_count(7)
    expect(rte.locator(".agenda-day[data-day='2'] .agenda-item")).to_have_count(7)
    first = rte.locator(".agenda-day[data-day='1'] .agenda-item").first
    first.locator("summary").click()  # editing opens on demand
    first.locator("input[name='args.minutes']").fill("45")
    first.get_by_role("button", name="Save").click()
    expect(rte.locator(".agenda-day[data-day='1'] .agenda-item").first.locator(".minutes")).to_have_text(
        "45 min"
    )
    rte.locator("details.add-agenda summary").click()
    add = rte.locator("details.add-agenda form")
    add.locator("select[name='args.day']").select_option("2")
    add.locator("input[name='args.title']").fill("Celebration <b>drinks</b>")
    add.get_by_role("button", name="Add").click()
    expect(rte.locator(".agenda-day[data-day='2'] .agenda-item")).to_have_count(8)
    expect(rte.locator(".agenda-day[data-day='2']")).to_contain_text("Celebration <b>drinks</b>")


# --- ROAM ---------------------------------------------------------------------------------------------------


def test_a_roam_session_walks_three_risks_on_the_big_screen(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = create_board(e2e_server, name="Risky ART")
    team = board.op(board.rte_session, "team.create", args={"id": "atlas", "name": "Atlas"})
    assert team.status_code == 200
    for title in ("A: vendor late", "B: staging too small", "C: key person leaves"):
        assert (
            board.op(board.rte_session, "risk.create", args={"title": title, "team_id": "atlas"}).status_code
            == 200
        )
    rte = goto(page_as(board, "rte", "Rita RTE", viewport=FULL_HD), board, "risks")
    screen = goto(page_as(board, "observer", "Big screen", viewport=FULL_HD), board, "screen")
    member = goto(page_as(board, "team", "Ann Atlas", "atlas"), board, "risks")
    for page in (rte, screen, member):
        wait_live(page)
    expect(screen.locator("#screen-roam [data-roam=unroamed] [data-count]")).to_have_text("3")
    expect(member.locator("[data-action=start-session]")).to_be_hidden()

    rte.locator("[data-action=start-session]").click()
    focus = screen.locator("#screen-roam .roam-focus")
    expect(focus.locator("h2")).to_have_text("A: vendor late")
    expect(focus).to_contain_text("risk 1 of 3")

    session = rte.locator("#roam-session")
    # Owned needs an owner: the RTE is told, then names one.
    session.locator("[data-roam-to=owned]").click()
    expect(session.locator(".refusal")).to_contain_text("needs an owner")
    session.locator("input[name='args.owner']").fill("Dana")
    session.locator("[data-roam-to=owned]").click()
    expect(focus.locator("[data-roam-state]")).to_have_text("Owned")
    expect(screen.locator("#screen-roam [data-roam=owned] [data-count]")).to_have_text("1")

    rte.locator("[data-action=next-risk]").click()
    expect(focus.locator("h2")).to_have_text("B: staging too small")
    session.locator("[data-roam-to=mitigated]").click()
    expect(focus.locator("[data-roam-state]")).to_have_text("Mitigated")

    rte.locator("[data-action=next-risk]").click()
    expect(focus.locator("h2")).to_have_text("C: key person leaves")
    # A team member ROAMs a risk of their own team during the session; the room sees it.
    member.locator("#roam-col-unroamed details.roam-menu summary").click()
    member.locator("#roam-col-unroamed [data-roam-to=accepted]").click()
    expect(focus.locator("[data-roam-state]")).to_have_text("Accepted")
    expect(rte.locator("#roam-session")).to_contain_text("Every risk is ROAMed")

    counts = {"unroamed": "0", "resolved": "0", "owned": "1", "accepted": "1", "mitigated": "1"}
    for state, n in counts.items():
        expect(screen.locator(f"#screen-roam [data-roam={state}] [data-count]")).to_have_text(n)
        expect(rte.locator(f"#roam-col-{state} h2 [data-count]")).to_have_text(n)
    screenshot(screen, "screen-roam")
    rte.locator("[data-action=end-session]").click()
    expect(screen.locator("#screen-roam .roam-focus")).to_have_count(0)
    risks = items(board, "risk").values()
    assert sorted(r["roam"] for r in risks) == ["accepted", "mitigated", "owned"]
    assert next(r for r in risks if r["roam"] == "owned")["owner"] == "Dana"


# --- join links ---------------------------------------------------------------------------------------


def test_the_rte_makes_revokes_and_remakes_a_join_link(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "admin")
    wait_live(rte)  # htmx is loaded: the panel's forms answer in place
    rte.locator(".make-link select[name=role]").select_option("business_owner")
    rte.locator("[data-action=make-link]").click()
    url = rte.locator("[data-fresh-url]").input_value()
    assert re.fullmatch(rf"{re.escape(board.server.url)}/join/[\w-]+", url)

    guest = rte.context.browser.new_context()  # type: ignore[union-attr]
    try:
        page = guest.new_page()
        page.goto(url)
        expect(page.locator(".join")).to_contain_text("business owner")
        page.get_by_label("Your name").fill("Bea <Owner>")
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(re.compile(rf"/b/{board.id}/"))
        goto(page, board, "objectives")
        expect(page.locator(".me")).to_contain_text("Bea <Owner>")

        # Every live link stays on the admin page, with how often it was used, to copy or to scan.
        goto(rte, board, "admin")
        expect(rte.locator("[data-fresh-url]")).to_have_count(0)
        row = rte.locator("table.links tr", has_text="Business Owner").first
        expect(row.locator("[data-link-url]")).to_have_value(url)
        expect(row.locator("[data-uses]")).to_have_text("1 person")
        row.locator(".qr-code summary").click()
        expect(row.locator("svg.qr title")).to_have_text("QR code of the join link for Business Owner")
        dialogs: list[str] = []

        def accept(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.accept()

        rte.once("dialog", accept)
        row.locator("[data-action=revoke]").click()
        expect(rte.locator("table.links tr.revoked")).to_have_count(1)
        assert "1 person who joined with it" in dialogs[0]
        notes = rte.locator(".link-notes")
        expect(notes).to_contain_text("Revoked the link for Business Owner: 1 person lost access")
        response = page.goto(f"{board.server.url}/b/{board.id}/objectives")
        assert response is not None and response.status == 401
        expect(page.locator("body")).to_contain_text("revoked")

        rte.locator("table.links tr.revoked [data-action=remake]").click()
        fresh = rte.locator("[data-fresh-url]").input_value()
        assert fresh != url and "/join/" in fresh
        page.goto(fresh)
        page.get_by_label("Your name").fill("Bea Owner")
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(re.compile(rf"/b/{board.id}/"))
        assert goto(page, board, "objectives").locator("#objective-obj1").count() == 1
    finally:
        guest.close()

    # The admin page is the RTE's only.
    member = page_as(board, "team", "Ann Atlas", "atlas")
    response = member.goto(f"{board.server.url}/b/{board.id}/admin")
    assert response is not None and response.status == 403
