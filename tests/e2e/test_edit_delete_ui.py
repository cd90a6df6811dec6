"""Moving and deleting on a board set up in the browser: what goes with it is shown first, and a move
can be taken back at once."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser import screenshot
from tests.conftest import LiveServer
from tests.e2e.ui_setup import UiBoard, add_story, new_board

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def set_up(browser: Browser, live_server: LiveServer) -> Iterator[UiBoard]:
    """Atlas: "Payments API" in I1 with its story "Intents" (5 points); an unrelated story in I2 (3). Made
    in the browser once: each test plays on a copy (``art``)."""
    board = new_board(browser, live_server)
    board.add_team("Atlas")
    for iteration in ("I1", "I2", "I3"):
        board.add_iteration(iteration)
    board.add_feature("Atlas", "Payments API", "I1")
    add_story(board.rte, "I1", "Intents", 5, feature="Payments API")
    add_story(board.rte, "I2", "Refunds", 3)
    yield board
    board.close()


def cell_of(page: Page, iteration: str) -> Locator:
    return page.locator(f".team-row .cell[aria-label$=', {iteration}']")


def test_a_move_shows_the_stories_and_loads_it_changes_then_can_be_undone(art: UiBoard) -> None:
    page = art.rte
    page.goto(art.url("program"))
    card = page.locator(".card", has_text="Payments API")
    dialog = page.locator("#confirm-op")

    # Cancel: nothing moves.
    card.drag_to(cell_of(page, "I2"))
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 story moves with it")
    expect(dialog).to_contain_text("Intents → Atlas · I2")
    rows = dialog.locator(".load-changes tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(re.compile(r"Atlas · I1\s*5\s*0"))
    expect(rows.nth(1)).to_contain_text(re.compile(r"Atlas · I2\s*3\s*8"))
    screenshot(page, "program-move-consequences")
    dialog.get_by_role("button", name="Cancel").click()
    expect(cell_of(page, "I1").locator(".card", has_text="Payments API")).to_be_visible()
    expect(cell_of(page, "I1").locator(".load-badge")).to_contain_text("5/0")

    # Move with its stories, then undo it.
    card.drag_to(cell_of(page, "I2"))
    dialog.get_by_role("button", name="Move with its stories").click()
    expect(cell_of(page, "I2").locator(".card", has_text="Payments API")).to_be_visible()
    expect(cell_of(page, "I2").locator(".load-badge")).to_contain_text("8/0")
    toast = page.locator("#undo-toast")
    expect(toast).to_contain_text("Moved “Payments API” to Atlas, I2.")
    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Undone.")
    expect(cell_of(page, "I1").locator(".card", has_text="Payments API")).to_be_visible()
    expect(cell_of(page, "I1").locator(".load-badge")).to_contain_text("5/0")
    expect(cell_of(page, "I2").locator(".load-badge")).to_contain_text("3/0")

    # Move only the feature: its story stays where it is.
    page.locator(".card", has_text="Payments API").drag_to(cell_of(page, "I3"))
    dialog.get_by_role("button", name="Move only the feature").click()
    expect(cell_of(page, "I3").locator(".card", has_text="Payments API")).to_be_visible()
    expect(cell_of(page, "I1").locator(".load-badge")).to_contain_text("5/0")
    expect(cell_of(page, "I3").locator(".load-badge")).to_have_count(0)


def test_a_move_that_takes_nothing_with_it_asks_nothing(art: UiBoard) -> None:
    page = art.rte
    page.goto(art.url("program"))
    page.locator(".card", has_text="Payments API").click()
    editor = page.locator("#feature-editor")
    editor.get_by_label("Iteration").select_option(label="I3")
    editor.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#confirm-op")).to_be_visible()
    page.locator("#confirm-op").get_by_role("button", name="Move only the feature").click()
    expect(cell_of(page, "I3").locator(".card", has_text="Payments API")).to_be_visible()
    expect(page.locator("#undo-toast")).to_contain_text("Moved “Payments API”.")
    # Back to I2: no story moves with it now, so it is applied without a question.
    page.locator(".card", has_text="Payments API").click()
    editor.get_by_label("Iteration").select_option(label="I2")
    editor.get_by_role("button", name="Move", exact=True).click()
    expect(cell_of(page, "I2").locator(".card", has_text="Payments API")).to_be_visible()
    expect(page.locator("#confirm-op")).to_be_hidden()


def test_deleting_a_feature_says_what_goes_with_it(art: UiBoard) -> None:
    page = art.rte
    page.goto(art.url("program"))
    page.locator(".card", has_text="Payments API").click()
    page.locator("#feature-editor").get_by_role("button", name="Delete feature…").click()
    dialog = page.locator("#confirm-op")
    expect(dialog).to_contain_text('Delete feature "Payments API"?')
    expect(dialog).to_contain_text("1 story loses its feature and stays planned: Intents.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(".card", has_text="Payments API")).to_be_visible()
    page.locator(".card", has_text="Payments API").click()
    page.locator("#feature-editor").get_by_role("button", name="Delete feature…").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".card", has_text="Payments API")).to_have_count(0)
    expect(cell_of(page, "I1").locator(".load-badge")).to_contain_text("5/0")


def test_a_team_member_deletes_a_story_after_seeing_the_load_it_frees(art: UiBoard, browser: Browser) -> None:
    member = art.join(browser, "team", "Ann Atlas", "Atlas")
    member.goto(art.url(f"team/{art.team_id('Atlas')}"))
    member.locator(".story", has_text="Refunds").click()
    member.locator("#story-editor").get_by_role("button", name="Delete story…").click()
    dialog = member.locator("#confirm-op")
    expect(dialog).to_contain_text('Delete story "Refunds"?')
    expect(dialog.locator(".load-changes tbody tr")).to_contain_text(re.compile(r"Atlas · I2\s*3\s*0"))
    dialog.get_by_role("button", name="Delete").click()
    expect(member.locator(".story", has_text="Refunds")).to_have_count(0)


def test_a_milestone_is_made_changed_and_deleted_on_the_program_board(art: UiBoard) -> None:
    page = art.rte
    page.goto(art.url("program"))
    page.locator("#add-milestone summary").click()
    page.get_by_label("Milestone title").fill("Beta <release>")
    page.get_by_label("Milestone iteration").select_option(label="I2")
    page.get_by_role("button", name="Add milestone").click()
    mark = page.locator("#milestones .milestone", has_text="Beta <release>")
    expect(mark).to_be_visible()

    mark.focus()
    page.keyboard.press("Enter")
    editor = page.locator("#milestone-editor")
    expect(editor.get_by_label("Title")).to_have_value("Beta <release>")
    editor.get_by_label("Title").fill("Public beta")
    editor.get_by_label("Iteration").select_option(label="I3")
    editor.get_by_label("Title").press("Enter")
    expect(editor).to_be_hidden()
    cells = page.locator("#milestones .milestone-cell")
    expect(cells.nth(2)).to_contain_text("Public beta")
    expect(cells.nth(1)).not_to_contain_text("Beta")

    page.locator("#milestones .milestone", has_text="Public beta").click()
    editor.get_by_role("button", name="Delete milestone…").click()
    dialog = page.locator("#confirm-op")
    expect(dialog).to_contain_text('Delete milestone "Public beta"?')
    expect(dialog).to_contain_text("Nothing else goes with it.")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#milestones .milestone")).to_have_count(0)


def test_milestones_are_not_controls_for_a_team_member(art: UiBoard, browser: Browser) -> None:
    art.rte.goto(art.url("program"))
    art.rte.locator("#add-milestone summary").click()
    art.rte.get_by_label("Milestone title").fill("Trade show")
    art.rte.get_by_label("Milestone iteration").select_option(label="I1")
    art.rte.get_by_role("button", name="Add milestone").click()
    expect(art.rte.locator("#milestones button.milestone", has_text="Trade show")).to_be_visible()
    member = art.join(browser, "team", "Ann Atlas", "Atlas")
    member.goto(art.url("program"))
    expect(member.locator("#milestones .milestone", has_text="Trade show")).to_be_visible()
    expect(member.locator("#milestones button.milestone")).to_have_count(0)


def test_a_feature_is_renamed_and_deleted_from_its_team_page(art: UiBoard) -> None:
    page = art.rte
    page.goto(art.url(f"team/{art.team_id('Atlas')}"))
    features = page.locator("#team-features")
    features.get_by_role("button", name="Feature Payments API: change, move or delete").click()
    editor = page.locator("#feature-editor")
    expect(editor.get_by_label("Title")).to_have_value("Payments API")
    editor.get_by_label("Title").fill("Payments API v2")
    editor.get_by_role("button", name="Save").click()
    expect(page.locator("#team-features .feature-list")).to_contain_text("Payments API v2")
    expect(page.locator(".story", has_text="Intents")).to_be_visible()

    page.locator("#team-features button.feature-item", has_text="Payments API v2").click()
    editor.get_by_role("button", name="Delete feature…").click()
    dialog = page.locator("#confirm-op")
    expect(dialog).to_contain_text("1 story loses its feature and stays planned: Intents.")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#team-features li.empty")).to_have_text("No features for this team yet.")
    expect(page.locator(".story", has_text="Intents")).to_be_visible()


def test_a_risk_is_reworded_and_deleted_and_an_objective_deleted_after_a_question(art: UiBoard) -> None:
    page = art.rte
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(art.url(f"team/{art.team_id('Atlas')}"))
    page.get_by_label("New risk").fill("Vendor late")
    page.get_by_role("button", name="Raise").click()
    expect(page.locator("#risks")).to_contain_text("Vendor late")
    page.get_by_label("New objective").fill("Cut P1 incidents from 12 to under 5")
    page.locator("#objectives").get_by_role("button", name="Add").click()
    expect(page.locator("#objectives")).to_contain_text("Cut P1 incidents")

    page.goto(art.url("risks"))
    card = page.locator(".risk-card", has_text="Vendor late")
    card.get_by_role("button", name="Edit “Vendor late”").click()
    editor = page.locator("#risk-editor")
    editor.get_by_label("Title").fill("Vendor late by two weeks")
    editor.get_by_label("What could happen").fill("The PSP sandbox comes in I2")
    editor.get_by_role("button", name="Save").click()
    card = page.locator(".risk-card", has_text="Vendor late by two weeks")
    expect(card).to_contain_text("The PSP sandbox comes in I2")
    card.get_by_role("button", name="Edit “Vendor late by two weeks”").click()
    editor.get_by_role("button", name="Delete risk…").click()
    dialog = page.locator("#confirm-op")
    expect(dialog).to_contain_text('Delete risk "Vendor late by two weeks"?')
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator(".risk-card")).to_have_count(0)

    page.goto(art.url("objectives"))
    objective = page.locator(".objective-card", has_text="Cut P1 incidents")
    objective.get_by_role("button", name="Delete the objective “Cut P1 incidents from 12 to under 5”").click()
    expect(dialog).to_contain_text('Delete objective "Cut P1 incidents from 12 to under 5"?')
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator(".objective-card", has_text="Cut P1 incidents")).to_have_count(0)
    assert asked == []  # every question was the page's own dialog, none the browser's
