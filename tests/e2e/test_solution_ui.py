"""Issue 29 in a real browser: a Solution Train Engineer makes a solution from the home page of an
empty server, a train's RTE joins the train from its Admin page with the STE's train link, and the
solution page shows the train on reload; the STE writes a capability and splits it into the train's
feature, and sees it planned on the train without a reload (the page is live)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from server.store.auth import session_cookie_name
from tests.browser import LAPTOP, board_from_home, screenshot, solution_from_home
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e


def fits_across(page: Page) -> bool:
    """Nothing on the page is wider than the window (no sideways scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_ste_makes_a_solution_and_a_train_joins_it_from_its_admin_page(
    browser: Browser, live_server: LiveServer
) -> None:
    ste_context, ste = solution_from_home(
        browser, live_server, "Payments <Platform>", "PI 27.1", "Sofia Steiner"
    )
    expect(ste.locator("h1")).to_contain_text("Payments <Platform>")
    expect(ste.locator(".solution-me")).to_contain_text("Sofia Steiner, the Solution Train Engineer")
    expect(ste.locator(".solution-trains .empty")).to_contain_text("No train has joined yet")
    ste.get_by_label("For", exact=True).select_option("train")
    ste.get_by_label("Label", exact=True).fill("Cards ART")
    ste.get_by_role("button", name="Make a link").click()
    link = ste.locator("[data-link-kind=train] .link-url").input_value()
    assert "/s/train/" in link

    rte_context, rte = board_from_home(browser, live_server, "Cards <ART>", "PI 27.1")
    rte.get_by_label("Train link").fill(link)
    rte.get_by_role("button", name="Join the solution").click()
    expect(rte.locator(".in-solution")).to_contain_text("part of the solution Payments <Platform>")
    expect(rte.locator(".in-solution")).to_contain_text("joined just now")

    ste.reload()
    train = ste.locator("table.trains tbody tr")
    expect(train).to_have_count(1)
    expect(train.locator("th")).to_contain_text("Cards <ART>")
    expect(train.locator("th")).to_contain_text("joined by RTE")
    ste.get_by_label("Capability").fill("Instant <payments>")
    ste.get_by_role("button", name="Add the capability").click()
    ste.get_by_role("button", name="Split into a feature per train").click()
    expect(ste.locator(".capability h3")).to_have_text("Instant <payments>")
    expect(ste.locator(".capability-trains li")).to_have_attribute("data-progress", "funnel")
    expect(ste.locator("#solution-live")).to_have_attribute("data-state", "live")

    # The train plans the feature (its RTE, through the REST door): the solution page shows it, no reload.
    board_id = rte.url.split("/b/", 1)[1].split("/", 1)[0]
    cookie = session_cookie_name(board_id)
    session = next(c["value"] for c in rte_context.cookies() if c["name"] == cookie)
    with live_server.client(session) as c:
        ops = f"/api/boards/{board_id}/ops"
        team = c.post(ops, json={"type": "team.create", "args": {"name": "Atlas"}}).json()["changes"][0]["id"]
        made = c.post(ops, json={"type": "iteration.create", "args": {"number": 1}})
        iteration = made.json()["changes"][0]["id"]
        items = c.get(f"/api/boards/{board_id}").json()["items"]["feature"]
        feature = next(f for f in items if f.startswith("cap-"))
        args = {"team_id": team, "iteration_id": iteration}
        moved = c.post(
            ops,
            json={
                "type": "feature.update",
                "target": feature,
                "base_version": items[feature]["version"],
                "args": args,
            },
        )
        assert moved.status_code == 200, moved.text
    expect(ste.locator(".capability-trains li")).to_have_attribute("data-progress", "planned")
    assert fits_across(ste)
    ste.set_viewport_size(LAPTOP)
    assert fits_across(ste)
    screenshot(ste, "solution-page")
    ste_context.close()
    rte_context.close()
