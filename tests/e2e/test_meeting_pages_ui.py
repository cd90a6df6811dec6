"""The objectives and risks pages as a product, on a board set up in the browser: objectives are cards per
team with business value given on the card in one click; risks are a ROAM board whose cards are dragged
(or moved from the keyboard) between columns and edited in an editor; deletes ask first. Several people
at once, each in their own browser context."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.axe import serious_violations
from tests.browser import FULL_HD, screenshot
from tests.conftest import LiveServer, start_server
from tests.e2e.test_history_browser import hold_htmx, wait_until_held
from tests.e2e.ui_setup import HeldAnswer, UiBoard, add_objective, new_board, objective_card, open_live
from tests.live.test_browser import drop_browsers, keep_away, let_back, wait_js
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def set_up(browser: Browser, live_server: LiveServer) -> Iterator[UiBoard]:
    """An empty board with two teams, Atlas and Borealis, made by the RTE in the browser once: each test
    plays on a copy (``art``)."""
    board = new_board(browser, live_server)
    board.add_team("Atlas")
    board.add_team("Borealis")
    yield board
    board.close()


def atlas_objectives(
    art: UiBoard, browser: Browser, committed: list[str], uncommitted: list[str]
) -> tuple[Page, Page]:
    """Ann of Atlas writes these objectives; Bea, a Business Owner, has the page open. Both pages are live."""
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    bea = art.join(browser, "business_owner", "Bea Owner")
    open_live(ann, art, "objectives")
    for statement in committed:
        add_objective(ann, "Atlas", statement)
    for statement in uncommitted:
        add_objective(ann, "Atlas", statement, committed=False)
    open_live(bea, art, "objectives")
    return ann, bea


def team_key(page: Page, team: str) -> str:
    return (
        page.locator(".team-objectives", has=page.locator("h2", has_text=team)).get_attribute("data-team")
        or ""
    )


def raise_risk(page: Page, title: str, description: str = "") -> None:
    """Someone raises a risk on the risks page (for their own team)."""
    add = page.locator("details.add-risk")
    if add.get_attribute("open") is None:
        add.locator("summary").click()
    add.get_by_label("Risk").fill(title)
    add.get_by_label("What could happen").fill(description)
    add.get_by_role("button", name="Raise").click()
    expect(page.locator("#roam-col-unroamed .risk-card", has_text=title)).to_be_visible()


def risk_in(page: Page, column: str, title: str) -> Locator:
    return page.locator(f"#roam-col-{column} .risk-card", has=page.locator("h3", has_text=title))


def edit_risk(page: Page, title: str) -> Locator:
    """Someone opens an unROAMed risk's editor with its card's Edit button; returns the editor."""
    risk_in(page, "unroamed", title).get_by_role("button", name=f"Edit “{title}”").click()
    return page.locator("#risk-editor")


# --- objectives -------------------------------------------------------------------------------------------


def test_a_business_owner_gives_bv_on_a_teams_card_and_the_rte_sees_it_live(
    art: UiBoard, browser: Browser
) -> None:
    ann, bea = atlas_objectives(
        art,
        browser,
        ["Cut P1 incidents from 12 to under 5", "Improve stability"],
        ["Dark mode live by iteration 4"],
    )
    rte = open_live(art.rte, art, "objectives")
    atlas = rte.locator(".team-objectives", has=rte.locator("h2", has_text="Atlas"))

    # Cards per team, committed and uncommitted apart; the vague one is flagged.
    committed = atlas.locator("[data-group=committed] .objective-card")
    expect(committed).to_have_count(2)
    expect(atlas.locator("[data-group=uncommitted] .objective-card")).to_have_text(
        [re.compile("Dark mode live by iteration 4")]
    )
    expect(objective_card(rte, "Improve stability").locator(".vague-flag")).to_be_visible()
    expect(objective_card(rte, "Cut P1 incidents").locator(".vague-flag")).to_have_count(0)

    # The team member writes objectives but gives no business value: no picker on their cards.
    expect(ann.locator(".bv-picker")).to_have_count(0)
    expect(ann.locator(".bv-mode")).to_have_count(0)

    # The Business Owner gives 8 with one click on the card; the RTE's open page shows it.
    card = objective_card(bea, "Cut P1 incidents")
    card.get_by_role("button", name="8", exact=True).click()
    expect(objective_card(rte, "Cut P1 incidents").locator("[data-bv]")).to_have_text("8")
    expect(objective_card(ann, "Cut P1 incidents").locator("[data-bv]")).to_have_text("8")
    expect(card.get_by_role("button", name="8", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(atlas.locator(".figure small")).to_have_text("8 BV planned, not rated yet")
    # Changed in one click too; the higher value sorts first.
    objective_card(bea, "Improve stability").get_by_role("button", name="10", exact=True).click()
    expect(objective_card(rte, "Improve stability").locator("[data-bv]")).to_have_text("10")
    expect(committed.first).to_contain_text("Improve stability")
    expect(atlas.locator(".figure small")).to_have_text("18 BV planned, not rated yet")
    screenshot(bea, "objectives-cards-business-owner")

    # After the PI: the actual value, on the same cards; predictability follows on every page.
    bea.get_by_label("Actual value (after the PI)").check()
    expect(objective_card(bea, "Cut P1 incidents").locator(".set-bv")).to_be_hidden()
    objective_card(bea, "Cut P1 incidents").get_by_role("button", name="6", exact=True).click()
    objective_card(bea, "Improve stability").get_by_role("button", name="9", exact=True).click()
    expect(objective_card(rte, "Improve stability").locator("[data-actual-bv]")).to_have_text("9")
    expect(rte.locator(f"[data-predictability='{team_key(rte, 'Atlas')}']")).to_have_text("83 %")
    expect(ann.locator("[data-predictability=art]")).to_have_text("83 %")
    expect(atlas.locator(".figure small")).to_have_text("15 / 18 BV")
    # The choice survives the live updates that just came in.
    expect(bea.get_by_label("Actual value (after the PI)")).to_be_checked()
    rte.set_viewport_size(FULL_HD)
    screenshot(rte, "objectives-cards-rte")


def test_a_bv_clicked_before_htmx_has_arrived_is_the_bv_given(art: UiBoard, browser: Browser) -> None:
    """On a slow link the cards are on screen before htmx: the value of the button pressed then is sent."""
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "objectives")
    add_objective(ann, "Atlas", "Cut P1 incidents from 12 to under 5")
    bea = art.join(browser, "business_owner", "Bea Owner")
    held = hold_htmx(bea)
    # Not "load": the vendored htmx the loader adds before the load event holds that event back, so
    # on a loaded machine "load" waits on the very request the test holds (as in test_history_browser).
    bea.goto(art.url("objectives"), wait_until="domcontentloaded")
    wait_until_held(bea, held)
    objective_card(bea, "Cut P1 incidents").get_by_role("button", name="8", exact=True).click()
    for route in held:
        route.continue_()
    expect(objective_card(ann, "Cut P1 incidents").locator("[data-bv]")).to_have_text("8")


def test_deleting_an_objective_asks_first_and_cancel_keeps_it(art: UiBoard, browser: Browser) -> None:
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "objectives")
    add_objective(ann, "Atlas", "Dark mode live by iteration 4", committed=False)
    rte = open_live(art.rte, art, "objectives")

    card = objective_card(ann, "Dark mode live by iteration 4")
    card.get_by_role("button", name="Delete the objective “Dark mode live by iteration 4”").click()
    dialog = ann.locator("#confirm-op")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text('Delete objective "Dark mode live by iteration 4"?')
    screenshot(ann, "objectives-delete-asks")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(objective_card(rte, "Dark mode live by iteration 4")).to_be_visible()
    expect(card).to_be_visible()

    card.get_by_role("button", name="Delete the objective “Dark mode live by iteration 4”").click()
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(objective_card(rte, "Dark mode live by iteration 4")).to_have_count(0)
    expect(objective_card(ann, "Dark mode live by iteration 4")).to_have_count(0)


# --- risks --------------------------------------------------------------------------------------------------


def test_a_risk_dragged_or_moved_from_the_keyboard_shows_moved_on_another_page(
    art: UiBoard, browser: Browser
) -> None:
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    ann.set_viewport_size(FULL_HD)
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late", "The PSP sandbox may come after iteration 2")
    raise_risk(ann, "Staging too small")
    rte = open_live(art.rte, art, "risks")
    expect(rte.locator("#roam-col-unroamed .risk-card")).to_have_count(2)

    # Dragged to Owned: with no owner yet the card asks who, in place, instead of being refused.
    card = risk_in(ann, "unroamed", "Vendor late")
    expect(card).to_have_attribute("draggable", "true")
    card.drag_to(ann.locator("#roam-col-owned"))
    owner = card.get_by_label("Owner of Vendor late")
    expect(owner).to_be_focused()
    expect(card.locator(".refusal-slot")).to_contain_text("Owned needs an owner")
    owner.fill("Dana")
    card.drag_to(ann.locator("#roam-col-owned"))
    expect(risk_in(rte, "owned", "Vendor late")).to_contain_text("owner Dana")
    expect(risk_in(rte, "unroamed", "Vendor late")).to_have_count(0)
    expect(rte.locator("#roam-col-owned [data-count]")).to_have_text("1")

    # From the keyboard alone: the card's "Move to…" menu (once this page, too, shows the move above).
    expect(risk_in(ann, "owned", "Vendor late")).to_be_visible()
    menu = risk_in(ann, "unroamed", "Staging too small").locator("details.roam-menu summary")
    menu.focus()
    ann.keyboard.press("Enter")
    ann.keyboard.press("Tab")
    expect(ann.get_by_label("Owner of Staging too small")).to_be_focused()
    ann.keyboard.type("Sam")
    for _ in range(2):  # Resolved, then Owned
        ann.keyboard.press("Tab")
    expect(ann.locator(":focus")).to_have_text("Owned")
    ann.keyboard.press("Enter")
    expect(risk_in(rte, "owned", "Staging too small")).to_contain_text("owner Sam")
    expect(rte.locator("#roam-col-unroamed .risk-card")).to_have_count(0)

    # And from Owned on to Mitigated by dragging again, seen by the RTE.
    risk_in(ann, "owned", "Staging too small").drag_to(ann.locator("#roam-col-mitigated"))
    expect(risk_in(rte, "mitigated", "Staging too small")).to_be_visible()
    screenshot(ann, "risks-roam-board")


def test_a_risks_text_is_edited_in_the_editor_and_shows_everywhere(art: UiBoard, browser: Browser) -> None:
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late")
    rte = open_live(art.rte, art, "risks")

    editor = edit_risk(rte, "Vendor late")
    expect(editor).to_be_visible()
    expect(editor.get_by_label("Title")).to_have_value("Vendor late")
    expect(editor.get_by_label("Title")).to_be_focused()

    # Bad input is refused with its reason, in the editor, and changes nothing.
    editor.get_by_label("Title").fill("   ")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".refusal")).to_contain_text("title")
    expect(editor).to_be_visible()

    editor.get_by_label("Title").fill("Vendor <b>late</b> by two weeks")
    editor.get_by_label("What could happen").fill("Certification slips past I3.\nPlan B: the old PSP.")
    editor.get_by_label("Owner").fill("Dana")
    screenshot(rte, "risks-editor")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()
    moved = risk_in(ann, "unroamed", "Vendor <b>late</b> by two weeks")
    expect(moved).to_contain_text("Certification slips past I3.")
    expect(moved).to_contain_text("owner Dana")
    expect(risk_in(rte, "unroamed", "Vendor <b>late</b> by two weeks")).to_contain_text(
        "Plan B: the old PSP."
    )
    # Focus is back on the card's Edit.
    expect(rte.get_by_role("button", name="Edit “Vendor <b>late</b> by two weeks”")).to_be_focused()

    # Cancel keeps the text as it was.
    rte.get_by_role("button", name="Edit “Vendor <b>late</b> by two weeks”").click()
    editor.get_by_label("Title").fill("Something else")
    editor.get_by_role("button", name="Cancel").click()
    expect(editor).to_be_hidden()
    expect(risk_in(ann, "unroamed", "Vendor <b>late</b> by two weeks")).to_be_visible()
    expect(ann.locator(".risk-card", has_text="Something else")).to_have_count(0)

    # A team member edits their own team's risk in the same editor; the RTE's page follows.
    risk_in(ann, "unroamed", "by two weeks").get_by_role("button", name=re.compile("^Edit")).click()
    ann.locator("#risk-editor").get_by_label("Owner").fill("Ann")
    ann.locator("#risk-editor").get_by_role("button", name="Save").click()
    expect(risk_in(rte, "unroamed", "by two weeks")).to_contain_text("owner Ann")


def test_focus_returns_to_edit_when_the_live_update_came_before_the_save_was_acknowledged(
    art: UiBoard, browser: Browser
) -> None:
    """On a slow link the saved risk's live update re-renders the card while the editor still waits for
    the server's answer; once the answer closes the editor, focus is on the new card's Edit all the same."""
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late")
    rte = open_live(art.rte, art, "risks")
    answer = HeldAnswer(rte)
    editor = edit_risk(rte, "Vendor late")
    editor.get_by_label("Title").fill("Vendor very late")
    editor.get_by_role("button", name="Save").click()
    expect(risk_in(rte, "unroamed", "Vendor very late")).to_be_visible()  # the live update, first
    expect(editor).to_be_visible()
    answer.wait_until_held()
    assert len(answer.held) == 1
    answer.release()
    expect(editor).to_be_hidden()
    expect(rte.get_by_role("button", name="Edit “Vendor very late”")).to_be_focused()


def test_the_next_objective_typed_before_the_first_is_answered_is_kept(
    art: UiBoard, browser: Browser
) -> None:
    """On a slow link an objective's live update shows its card before the answer to its request comes:
    a team member typing the next one by then keeps it (the answer cleared the form, and the next click
    on Add objective met an empty, required statement). Found by CI, where the answer came late."""
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "objectives")
    answer = HeldAnswer(ann)
    add_objective(ann, "Atlas", "Cut P1 incidents from 12 to under 5")  # its card: the live update, first
    answer.wait_until_held()
    assert len(answer.held) == 1
    form = ann.locator(".team-block", has=ann.locator("h2", has_text="Atlas")).locator("form.add-objective")
    statement = form.get_by_label("New objective for Atlas")
    statement.fill("Halve the time to restore service")
    form.get_by_label("Commitment").select_option("false")
    answer.release()
    expect(statement).to_have_value("Halve the time to restore service")
    form.get_by_role("button", name="Add objective").click()
    expect(ann.locator("[data-group=uncommitted] .objective-card", has_text="Halve the time")).to_be_visible()
    expect(statement).to_have_value("")  # its own answer clears it: nothing was typed since


def test_the_next_risk_opened_before_the_last_save_is_answered_stays_open(
    art: UiBoard, browser: Browser
) -> None:
    """The risk editor is one dialog, refilled for each risk: the answer to the last save, late behind its
    live update, no longer closes it on the next risk someone has opened (having closed the editor on
    seeing the card changed) and is typing in."""
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late")
    raise_risk(ann, "Key person away")
    answer = HeldAnswer(ann)
    editor = edit_risk(ann, "Vendor late")
    editor.get_by_label("Title").fill("Vendor very late")
    editor.get_by_role("button", name="Save").click()
    expect(risk_in(ann, "unroamed", "Vendor very late")).to_be_visible()  # the live update, first
    answer.wait_until_held()
    assert len(answer.held) == 1
    editor.locator("[data-action=cancel]").click()  # the card shows the change: on to the next risk
    edit_risk(ann, "Key person away")
    expect(editor.get_by_label("Title")).to_have_value("Key person away")
    editor.get_by_label("Title").fill("Key person away in March")
    answer.release()
    expect(editor).to_be_visible()
    expect(editor.get_by_label("Title")).to_have_value("Key person away in March")
    editor.get_by_role("button", name="Save").click()
    expect(risk_in(ann, "unroamed", "Key person away in March")).to_be_visible()
    expect(editor).to_be_hidden()


def test_the_risk_editor_works_on_a_page_fetched_again(browser: Browser, tmp_path: Path) -> None:
    """A page too far behind is fetched again and its #main replaced, editor included: Edit opens the new
    editor, and Save sends and closes it."""
    server = start_server(f"sqlite:///{tmp_path / 'refetch.db'}", max_events_per_catch_up=3)
    board = new_board(browser, server)
    try:
        board.add_team("Atlas")
        ann = board.join(browser, "team", "Ann Atlas", team="Atlas")
        open_live(ann, board, "risks")
        raise_risk(ann, "Vendor late")
        rte = open_live(board.rte, board, "risks")
        keep_away(rte)
        rte.evaluate(
            """() => {
                window.__closes = 0;
                document.body.addEventListener('htmx:wsClose', () => { window.__closes += 1; });
                document.getElementById('main').dataset.renderedBeforeTheDrop = 'yes';
            }"""
        )
        drop_browsers(server, board.id)
        wait_js(rte, "window.__closes >= 1")
        for k in range(4):  # more than max_events_per_catch_up while the RTE's page is away
            raise_risk(ann, f"While away {k}")
        let_back(rte)
        # #main was replaced: after the reconnect and the catch-up
        expect(rte.locator("main[data-rendered-before-the-drop]")).to_have_count(0)
        wait_live(rte)
        expect(risk_in(rte, "unroamed", "While away 3")).to_be_visible()

        editor = edit_risk(rte, "Vendor late")
        expect(editor).to_be_visible()
        expect(editor.get_by_label("Title")).to_have_value("Vendor late")
        editor.get_by_label("Title").fill("Vendor very late")
        editor.get_by_role("button", name="Save").click()
        expect(editor).to_be_hidden()
        expect(risk_in(ann, "unroamed", "Vendor very late")).to_be_visible()
    finally:
        board.close()
        server.stop()


def test_deleting_a_risk_asks_first_and_cancel_keeps_it(art: UiBoard, browser: Browser) -> None:
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late")
    rte = open_live(art.rte, art, "risks")
    # Deleting is the RTE's: the team member's editor has no Delete.
    edit_risk(ann, "Vendor late")
    expect(ann.locator("#risk-editor")).to_be_visible()
    expect(ann.locator("#risk-editor form.delete-risk")).to_have_count(0)
    ann.keyboard.press("Escape")
    expect(ann.locator("#risk-editor")).to_be_hidden()

    edit_risk(rte, "Vendor late")
    rte.locator("#risk-editor").get_by_role("button", name="Delete risk…").click()
    confirm = rte.locator("#confirm-op")
    expect(confirm).to_contain_text('Delete risk "Vendor late"?')
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(risk_in(ann, "unroamed", "Vendor late")).to_be_visible()
    expect(risk_in(rte, "unroamed", "Vendor late")).to_be_visible()

    rte.locator("#risk-editor").get_by_role("button", name="Delete risk…").click()
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect(rte.locator("#risk-editor")).to_be_hidden()
    expect(ann.locator(".risk-card", has_text="Vendor late")).to_have_count(0)
    expect(rte.locator(".risk-card", has_text="Vendor late")).to_have_count(0)


# --- the agenda --------------------------------------------------------------------------------------------


def test_removing_an_agenda_item_asks_first_and_cancel_keeps_it(art: UiBoard, browser: Browser) -> None:
    ann = art.join(browser, "team", "Ann Atlas", team="Atlas")
    open_live(ann, art, "agenda")
    rte = open_live(art.rte, art, "agenda")
    vision = rte.locator(".agenda-item", has_text="Product vision")
    vision.locator("summary").click()
    vision.get_by_role("button", name="Remove Product vision").click()
    confirm = rte.locator("#confirm-op")
    expect(confirm).to_contain_text('Delete agenda "Product vision"?')
    confirm.get_by_role("button", name="Cancel").click()
    expect(ann.locator(".agenda-item", has_text="Product vision")).to_have_count(1)
    vision.get_by_role("button", name="Remove Product vision").click()
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect(ann.locator(".agenda-item", has_text="Product vision")).to_have_count(0)


# --- accessibility ---------------------------------------------------------------------------------------


def test_the_objectives_and_risks_pages_have_no_serious_accessibility_violation(
    art: UiBoard, browser: Browser
) -> None:
    ann, bea = atlas_objectives(art, browser, ["Cut P1 incidents from 12 to under 5"], ["Improve stability"])
    objective_card(bea, "Cut P1 incidents").get_by_role("button", name="7", exact=True).click()
    expect(objective_card(bea, "Cut P1 incidents").locator("[data-bv]")).to_have_text("7")
    open_live(ann, art, "risks")
    raise_risk(ann, "Vendor late", "The PSP sandbox may come late")
    risk_in(ann, "unroamed", "Vendor late").locator("details.roam-menu summary").click()
    screenshot(ann, "risks-move-menu")

    found = {
        "objectives as business owner": serious_violations(bea),
        "objectives as RTE": serious_violations(open_live(art.rte, art, "objectives")),
        "risks as team member, move menu open": serious_violations(ann),
    }
    rte = open_live(art.rte, art, "risks")
    edit_risk(rte, "Vendor late")
    expect(rte.locator("#risk-editor")).to_be_visible()
    found["risks as RTE, editor open"] = serious_violations(rte)
    assert {page: v for page, v in found.items() if v} == {}
