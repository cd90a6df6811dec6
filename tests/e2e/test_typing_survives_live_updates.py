"""Two people plan in the same iteration of a team at once: what one is typing survives the live
update the other's edit brings (static/typing.js). Each board starts empty and is set up in the browser
(the breakouts' once, then copied for each test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import LiveServer
from tests.e2e.ui_setup import HeldAnswer, UiBoard, add_story, new_board
from tests.e2e.ui_setup import iteration_column as column
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


def quick_add(page: Page, iteration: str) -> Locator:
    return column(page, iteration).locator("form.quick-add")


@pytest.fixture(scope="module")
def set_up(browser: Browser, e2e_server: LiveServer) -> Iterator[UiBoard]:
    """Atlas with its feature Checkout in Iteration 1, made in the browser once: the breakout of each
    test is on a copy (``art``)."""
    board = new_board(browser, e2e_server)
    board.add_team("Atlas")
    board.add_iteration("Iteration 1")
    board.add_feature("Atlas", "Checkout", "Iteration 1")
    yield board
    board.close()


@pytest.fixture
def breakout(art: UiBoard, browser: Browser) -> tuple[Page, Page]:
    """Atlas in breakout: two of its members on its team page."""
    pages = []
    for name in ("Tom", "Tina"):
        page = art.join(browser, "team", name, "Atlas")
        page.goto(art.url(f"team/{art.team_id('Atlas')}"))
        wait_live(page)
        pages.append(page)
    return pages[0], pages[1]


def test_a_half_typed_story_and_its_chosen_feature_survive_a_teammates_story_in_the_same_column(
    breakout: tuple[Page, Page],
) -> None:
    tom, tina = breakout
    form = quick_add(tom, "Iteration 1")
    title = form.get_by_label("New story title")
    title.fill("Card payments via Str")
    title.press("ArrowLeft")  # the cursor sits inside the text, not at its end
    form.get_by_label("Feature").select_option(label="Checkout")

    add_story(tina, "Iteration 1", "Refunds", 3)
    expect(column(tom, "Iteration 1").locator(".story", has_text="Refunds")).to_be_visible()

    title = quick_add(tom, "Iteration 1").get_by_label("New story title")
    expect(title).to_have_value("Card payments via Str")
    expect(title).to_be_focused()
    assert title.evaluate("el => [el.selectionStart, el.selectionEnd]") == [20, 20]
    checkout = quick_add(tom, "Iteration 1").locator("option", has_text="Checkout").get_attribute("value")
    expect(quick_add(tom, "Iteration 1").get_by_label("Feature")).to_have_value(checkout or "")

    title.press("End")
    title.type("ipe")
    quick_add(tom, "Iteration 1").get_by_label("Points").fill("5")
    column(tom, "Iteration 1").get_by_role("button", name="Add story").click()
    for page in (tom, tina):
        story = column(page, "Iteration 1").locator(".story", has_text="Card payments via Stripe")
        expect(story).to_have_count(1)


def test_a_story_once_sent_is_not_typed_again_into_the_fresh_form(breakout: tuple[Page, Page]) -> None:
    tom, tina = breakout
    add_story(tom, "Iteration 1", "Refunds", 3)
    add_story(tina, "Iteration 1", "Receipts", 2)  # another live update of Tom's column
    expect(column(tom, "Iteration 1").locator(".story", has_text="Receipts")).to_be_visible()
    expect(quick_add(tom, "Iteration 1").get_by_label("New story title")).to_have_value("")
    expect(column(tom, "Iteration 1").locator(".story", has_text="Refunds")).to_have_count(1)


def test_a_rename_typed_while_another_rte_renames_the_team_is_kept_and_then_refused_as_changed_since(
    ui_board: UiBoard, browser: Browser
) -> None:
    ui_board.add_team("Atlas")
    ui_board.add_team("Comet")
    other = ui_board.join(browser, "rte", "Rita")
    other.goto(ui_board.url("admin"))
    rte = ui_board.rte
    rte.goto(ui_board.url("admin"))
    wait_live(rte)
    rte.get_by_label("Name of team Comet").fill("Comet Crew")

    theirs = other.get_by_label("Name of team Comet")
    theirs.fill("Alpha Comet")
    theirs.locator("xpath=ancestor::form").get_by_role("button", name="Save").click()

    expect(rte.get_by_label("Name of team Alpha Comet")).to_have_value("Comet Crew")
    expect(rte.get_by_label("Name of team Atlas")).to_have_value("Atlas")

    rte.get_by_label("Name of team Alpha Comet").locator("xpath=ancestor::form").get_by_role(
        "button", name="Save"
    ).click()
    form = rte.get_by_label("Name of team Alpha Comet").locator("xpath=ancestor::form")
    expect(form.locator(".refusal-slot")).to_contain_text("changed")
    expect(other.get_by_label("Name of team Alpha Comet")).to_have_value("Alpha Comet")


def test_a_team_once_added_is_not_typed_again_into_the_page_fetched_after_it(ui_board: UiBoard) -> None:
    rte = ui_board.rte
    rte.goto(ui_board.url("admin"))
    wait_live(rte)
    form = rte.locator("form", has=rte.get_by_role("button", name="Add team"))
    form.get_by_label("Team name").fill("Atlas")
    form.get_by_role("button", name="Add team").click()
    expect(rte.get_by_label("Name of team Atlas")).to_have_value("Atlas")
    expect(form.get_by_label("Team name")).to_have_value("")


def test_the_next_story_opened_before_the_last_save_is_answered_stays_open(
    breakout: tuple[Page, Page],
) -> None:
    """On a slow link a saved story's live update comes before the answer to the save, and a team member
    may open the next story in the editor by then: the answer closed the editor under their hands (it is
    one editor, refilled for each story), and what they were typing was gone."""
    tom, _ = breakout
    add_story(tom, "Iteration 1", "Refunds", 3)
    add_story(tom, "Iteration 1", "Receipts", 2)
    answer = HeldAnswer(tom)
    editor = tom.locator("#story-editor")
    column(tom, "Iteration 1").locator(".story", has_text="Refunds").click()
    editor.get_by_label("Title").fill("Refunds by card")
    editor.get_by_role("button", name="Save").click()
    expect(column(tom, "Iteration 1").locator(".story", has_text="Refunds by card")).to_be_visible()
    answer.wait_until_held()
    assert len(answer.held) == 1
    column(tom, "Iteration 1").locator(".story", has_text="Receipts").click()
    expect(editor.get_by_label("Title")).to_have_value("Receipts")
    editor.get_by_label("Title").fill("Receipts by email")
    answer.release()
    expect(editor).to_be_visible()
    expect(editor.get_by_label("Title")).to_have_value("Receipts by email")
    editor.get_by_role("button", name="Save").click()
    expect(column(tom, "Iteration 1").locator(".story", has_text="Receipts by email")).to_be_visible()
    expect(editor).to_be_hidden()  # its own answer closes it: nothing was typed since
