"""A Release Train Engineer starts a board from the home page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import board_from_home, screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_the_rte_creates_a_board_and_lands_on_its_admin_page(
    browser: Browser, live_server: LiveServer
) -> None:
    context, page = board_from_home(browser, live_server, "Phoenix <ART>", "PI 27.2")
    expect(page.locator(".board-name")).to_have_text("Phoenix <ART>")
    expect(page.locator("#join-links")).to_be_visible()
    screenshot(page, "admin-new-board")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Phoenix <ART>")).to_be_visible()
    context.close()
