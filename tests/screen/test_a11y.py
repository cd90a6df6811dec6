"""axe-core on the room's pages in the states a room sees them: the big screen with a vote open, in
its vote and ROAM scenes, with help requested and with "Time is up" over it, and the vote page with its
fist-of-five buttons."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.axe import audit, serious_violations
from tests.browser import FULL_HD, PageAs
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.meeting.browser import goto, wait_live

pytestmark = pytest.mark.e2e


def contrast_of(page: Page, selector: str) -> dict[str, Any]:
    """axe's colour-contrast rule on the elements of ``selector`` only: what passed and what failed."""
    audit(page)  # loads axe into the page
    result: dict[str, Any] = page.evaluate(
        """async (selector) => await window.axe.run(selector, {
            runOnly: {type: "rule", values: ["color-contrast"]}, resultTypes: ["passes", "violations"]})""",
        selector,
    )
    return result


def test_the_room_pages_have_no_serious_violation_while_the_event_runs(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    screen = goto(page_as(board, "observer", "Room screen", viewport=FULL_HD), board, "screen")
    rte = goto(page_as(board, "rte", "Rita RTE", viewport=FULL_HD), board, "vote")
    member = page_as(board, "team", "Ann Atlas", "atlas", viewport=FULL_HD)
    for page in (screen, rte, member):
        wait_live(page)
    rte.locator("[data-action=open-round]").click()
    expect(screen.locator("#screen-vote [data-vote-count]")).to_have_text("0")
    member.locator("#help-menu summary").click()
    member.locator("#help-menu form.help-ask").get_by_role("button", name="Ask for help").click()
    expect(screen.locator("#screen-help .help-row")).to_have_count(1)

    found: dict[str, list[str]] = {"screen (board, vote open, help asked)": serious_violations(screen)}
    for scene in ("vote", "roam", "agenda", "objectives", "forecast", "help", "join"):
        menu = rte.locator("#room-menu")
        if not menu.evaluate("el => el.open"):
            menu.locator("summary").click()
        menu.locator(f"[data-scene={scene}]").click()
        expect(screen.locator("#screen")).to_have_attribute("data-scene", scene)
        found[f"screen ({scene} scene)"] = serious_violations(screen)
    # The countdown's end over the whole screen ("Time is up"), as timer.js signals it at zero.
    screen.evaluate(
        """() => document.dispatchEvent(
            new CustomEvent("piboard:time-up", {detail: {title: "Team breakout"}}))"""
    )
    expect(screen.locator("#time-up")).to_be_visible()
    found["screen (time is up)"] = serious_violations(screen)
    for view in ("vote", "risks", "objectives", "agenda"):
        for who, page in (("RTE", rte), ("team member", member)):
            goto(page, board, view)
            wait_live(page)
            found[f"{view} as {who}"] = serious_violations(page)
    assert {where: v for where, v in found.items() if v} == {}


def test_the_fist_of_five_buttons_pass_the_contrast_check(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = goto(page_as(board, "rte", "Rita RTE"), board, "vote")
    member = goto(page_as(board, "team", "Ann Atlas", "atlas"), board, "vote")
    for page in (rte, member):
        wait_live(page)
    rte.locator("[data-action=open-round]").click()
    buttons = member.locator(".fists button")
    expect(buttons).to_have_count(5)
    result = contrast_of(member, ".fists")
    assert result["violations"] == []
    checked = {node["target"][0] for rule in result["passes"] for node in rule["nodes"]}
    assert len(checked) >= 10, checked  # every button's number and label was checked, and passed
