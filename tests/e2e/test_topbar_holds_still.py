"""The top bar holds still: what it says changes as a page comes live and during the event (the
connection's state, who is here, the agenda's timer), never how many lines it takes. Else the board under
it jumps as a person clicks: a card pressed as the board moved 28 px lost its click (the button came up
on another element) and its editor never opened."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import wait_for_paint
from tests.e2e.ui_setup import UiBoard, open_live
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e

# Every height the bar takes from the page's first layout on.
BAR_HEIGHTS = """
window.barHeights = [];
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.querySelector(".topbar");
  var seen = new ResizeObserver(function () { window.barHeights.push(bar.getBoundingClientRect().height); });
  seen.observe(bar);
});
"""
# Laptops and desktops, every 64 px: where the bar wraps depends on the width.
WIDTHS = range(1024, 1921, 64)
LONG_TITLE = "Business context, the vision and the architecture runway for the whole train, then questions"


def bar_heights(page: Page) -> list[float]:
    """The heights so far, once the browser has laid out and drawn what changed last."""
    wait_for_paint(page)
    return list(page.evaluate("window.barHeights"))


def test_the_bar_keeps_its_height_while_the_page_comes_live(ui_board: UiBoard, browser: Browser) -> None:
    ui_board.add_team("Atlas")  # the bar then names a Team page too
    paula = ui_board.join(browser, "pm", "Paula Product")
    open_live(ui_board.rte, ui_board, "program")  # someone else is here: the bar counts two
    paula.add_init_script(BAR_HEIGHTS)
    moved = {}
    for width in WIDTHS:
        paula.set_viewport_size({"width": width, "height": 800})
        paula.goto(ui_board.url("program"))
        wait_live(paula)
        expect(paula.locator("#presence")).to_contain_text("2 here")
        heights = bar_heights(paula)
        if len(set(heights)) > 1:
            moved[width] = heights
    assert not moved, f"the bar changed height (px) as the page came live, by window width: {moved}"


def heights_by_width(page: Page) -> dict[int, float]:
    """The bar's height at each width, as the page is now."""
    seen = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        wait_for_paint(page)
        seen[width] = float(page.locator(".topbar").evaluate("bar => bar.getBoundingClientRect().height"))
    return seen


def test_the_bar_keeps_its_height_when_the_agenda_starts_and_pauses(
    ui_board: UiBoard, browser: Browser
) -> None:
    paula = open_live(ui_board.join(browser, "pm", "Paula Product"), ui_board, "program")
    timer = paula.locator("#timer")
    expect(timer.locator(".timer-title")).to_have_text("No agenda item running")
    stopped = heights_by_width(paula)

    rte = open_live(ui_board.rte, ui_board, "agenda")
    first = rte.locator(".agenda-day[data-day='1'] .agenda-item").first
    first.locator("summary").click()
    first.get_by_label("Title").fill(LONG_TITLE)
    first.get_by_role("button", name="Save").click()
    expect(first).to_contain_text(LONG_TITLE)
    rte.locator("[data-action=start]").click()
    expect(timer).to_have_attribute("data-status", "running")
    expect(timer.locator(".timer-title")).to_have_attribute("title", LONG_TITLE)  # whole on hover
    running = heights_by_width(paula)
    rte.locator("[data-action=pause]").click()
    expect(timer.locator(".timer-state")).to_have_text("paused")
    paused = heights_by_width(paula)

    by_width = {w: (stopped[w], running[w], paused[w]) for w in WIDTHS}
    changed = {w: heights for w, heights in by_width.items() if len(set(heights)) > 1}
    assert not changed, f"the bar changed height (px: stopped, running, paused) by window width: {changed}"
