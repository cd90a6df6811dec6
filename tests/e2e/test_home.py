"""A Release Train Engineer starts a board from the home page, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import LAPTOP, screenshot
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_the_rte_creates_a_board_and_lands_on_its_admin_page(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")
    page.get_by_label("Name of the ART").fill("Phoenix <ART>")
    page.get_by_label("Program Increment").fill("PI 27.2")
    page.get_by_role("button", name="Create the board").click()
    page.wait_for_url(re.compile(r"/b/[\w-]+/admin$"))
    expect(page.locator(".board-name")).to_have_text("Phoenix <ART>")
    expect(page.locator("#join-links")).to_be_visible()
    screenshot(page, "admin-new-board")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Phoenix <ART>")).to_be_visible()
    context.close()
