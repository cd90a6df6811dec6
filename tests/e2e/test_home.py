"""A Release Train Engineer starts a board from the home page, in a real browser."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import LAPTOP, board_from_home, screenshot
from tests.conftest import LiveServer
from tests.phone import PHONE

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


# A label and its field: on a laptop the label is beside the field, every pair on a line of its own; on a
# phone the label is above its field. (The fields once flowed on as words do, a label at the end of one
# line and its field at the start of the next.)
PAIRS = """() => [...document.querySelectorAll("form.create-board label")].map((label) => {
  const field = document.getElementById(label.htmlFor).getBoundingClientRect();
  const box = label.getBoundingClientRect();
  return {label: label.textContent, labelTop: box.top, labelBottom: box.bottom, labelLeft: box.left,
          fieldTop: field.top, fieldBottom: field.bottom, fieldLeft: field.left, fieldRight: field.right,
          formRight: label.form.getBoundingClientRect().right};
})"""


@pytest.mark.parametrize("device", ["laptop", "phone"])
def test_the_home_page_forms_pair_each_label_with_its_field(
    browser: Browser, live_server: LiveServer, device: str
) -> None:
    context = browser.new_context(**(PHONE if device == "phone" else {"viewport": LAPTOP}))  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(live_server.url + "/")
    pairs = page.evaluate(PAIRS)
    screenshot(page, f"home-{device}")
    context.close()

    assert len(pairs) == 6  # three fields for a board, three for a solution
    for pair, following in itertools.pairwise(pairs):
        assert following["labelTop"] >= max(pair["labelBottom"], pair["fieldBottom"]) - 1, pair["label"]
    for pair in pairs:
        assert pair["fieldRight"] <= pair["formRight"] + 1, pair["label"]
        if device == "laptop":
            assert pair["fieldLeft"] > pair["labelLeft"], pair["label"]
            assert pair["labelTop"] < pair["fieldBottom"] and pair["fieldTop"] < pair["labelBottom"], pair
        else:
            assert pair["fieldTop"] >= pair["labelBottom"] - 1, pair["label"]
