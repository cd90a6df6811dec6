"""Pages never wait on the CDN: with the CDN blackholed (a route that never answers), a team page is
working within about a second of the person's click — htmx in, the live socket connected and an edit shown.

Measured by the browser's own performance timeline (``performance.now()`` counts from the navigation's
start), on a cold load (the browser's cache is off, so nothing is already there). The person types the
story as soon as the field is there: an early Enter is held by static/htmx-loader.js until htmx is in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.ui_setup import UiBoard

pytestmark = pytest.mark.e2e

# The page works long before the CDN could answer or time out (here it never does): without the
# fallback it would never work. The figure itself (about 0.7 s on a quiet machine) is not held
# to a tight bound here: two test workers share two cores in CI.
WORKING_WITHIN_MS = 5000

# When, after the navigation started, the page reached each step (read from the page's own clock).
MARKS = """
window.__marks = {};
new MutationObserver(() => {
  const m = window.__marks;
  const status = document.getElementById("conn-status");
  if (!m.live && status && status.dataset.state === "live") m.live = performance.now();
  if (!m.edit && document.querySelector(".it-col .stories")?.textContent.includes("Blackholed story")) {
    m.edit = performance.now();
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def test_a_team_page_works_at_once_after_the_click_when_the_cdn_never_answers(
    browser: Browser, ui_board: UiBoard
) -> None:
    ui_board.add_team("Checkout")
    ui_board.add_iteration("Sprint 1")
    team_page = ui_board.url(f"team/{ui_board.team_id('Checkout')}")
    link = ui_board.make_link("team", "Checkout")
    page = ui_board.open_link(browser, link, "Ann Atlas", hang_cdn=True)
    page.wait_for_url(team_page)

    # A cold load of the team page, as after a click on its link.
    page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.add_init_script(MARKS)
    page.goto(team_page, wait_until="commit")
    title = page.locator("form.quick-add", has=page.get_by_label("New story title")).first
    title.get_by_label("New story title").fill("Blackholed story")
    title.get_by_label("New story title").press("Enter")
    expect(page.locator(".it-col .stories")).to_contain_text("Blackholed story")

    assert page.evaluate("window.piboardHtmx") == "vendored"
    marks = page.evaluate("({htmx: window.piboardHtmxAt, ...window.__marks})")
    figures = ", ".join(f"{name} {at:.0f} ms" for name, at in marks.items())
    assert set(marks) == {"htmx", "live", "edit"}, figures
    assert max(marks.values()) < WORKING_WITHIN_MS, f"after the click: {figures}"
