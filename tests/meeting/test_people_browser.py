"""F4 in a browser: a person who joins twice is one participant again, by the RTE's hand.

From an empty board made on the home page: the RTE makes an observer link on the admin page, two
browsers join with it under the same name, the RTE's People panel says the name joined twice and
merges them; the first browser opening the link again goes straight back to the board as itself.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser import board_from_home
from tests.conftest import LiveServer
from tests.e2e.ui_setup import accept_dialogs


def join(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/b/[\w-]+/"))
    return page


def test_the_rte_merges_a_person_who_joined_twice(browser: Browser, e2e_server: LiveServer) -> None:
    context, rte = board_from_home(browser, e2e_server, "People ART", "PI 2027.1")
    guests: list[Page] = []
    try:
        rte.locator(".make-link select[name=role]").select_option("observer")
        rte.locator("[data-action=make-link]").click()
        url = rte.locator("[data-fresh-url]").input_value()
        guests = [join(browser, url, "Obi Screen"), join(browser, url, "obi  screen")]

        # The first browser opens the link again: no second participant, straight to the board.
        guests[0].goto(url)
        guests[0].wait_for_url(re.compile(r"/b/[\w-]+/screen"))

        rte.reload()
        panel = rte.locator("#people")
        expect(panel.locator(".duplicates")).to_contain_text("1 name joined more than once")
        expect(panel.locator("tr.duplicate")).to_have_count(2)
        twin = panel.locator("tr.duplicate").nth(1)
        twin.locator("select[name=into]").select_option(label="Obi Screen · Observer / big screen")
        asked: list[str] = []
        accept_dialogs(rte, asked)
        twin.locator("[data-action=merge]").click()
        expect(rte.locator("#people .duplicates")).to_have_count(0)
        expect(rte.locator("#people tbody tr")).to_have_count(2)  # the RTE and Obi, once
        assert len(asked) == 1 and asked[0].startswith("Merge obi  screen"), asked
    finally:
        for guest in guests:
            guest.context.close()
        context.close()
