"""Accessibility: axe-core finds no serious or critical violation on any page, empty board or demo,
for the RTE (who sees every control) and for a team member; and the pages work from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.axe import serious_violations
from tests.browser import FULL_HD, PageAs
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.conftest import Plan

# The pages, the replay at the big screen's scale, and a fragment opened at its own address (a whole page).
BOARD_PAGES = (
    "program",
    "objectives",
    "risks",
    "vote",
    "agenda",
    "admin",
    "screen",
    "sync",
    "history",
    "replay",
    "history/compare?from=1&to=now",
)


def audit_pages(page: Page, board: BoardHandle, pages: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for name in pages:
        page.goto(f"{board.server.url}/b/{board.id}/{name}")
        page.wait_for_selector("#conn-status[data-state=live]")
        found[name] = serious_violations(page)
    return found


@pytest.mark.parametrize("demo", [False, True], ids=["empty board", "demo"])
def test_every_page_has_no_serious_accessibility_violation(
    e2e_server: LiveServer, page_as: PageAs, demo: bool
) -> None:
    board = create_board(e2e_server, name="Axe ART", demo=demo)
    rte = page_as(board, "rte", "Rita", viewport=FULL_HD, block_cdn=True)
    pages = BOARD_PAGES
    if demo:
        team_id = sorted(board.read()["items"]["team"])[0]
        pages = (*BOARD_PAGES, f"team/{team_id}")
    found = audit_pages(rte, board, pages)
    if demo:
        member = page_as(board, "team", "Tess", team_id, block_cdn=True)
        theirs = tuple(p for p in pages if p != "admin")  # the admin page is the RTE's
        found.update({f"{p} as team member": v for p, v in audit_pages(member, board, theirs).items()})
    assert {p: v for p, v in found.items() if v} == {}


def test_the_phone_layout_has_no_serious_accessibility_violation(
    e2e_server: LiveServer, page_as: PageAs
) -> None:
    """A team member's pages on a phone (the program board as a list, the top bar's menu open and shut)."""
    board = create_board(e2e_server, name="Axe phone ART", demo=True)
    team_id = sorted(board.read()["items"]["team"])[0]
    member = page_as(board, "team", "Tess", team_id, phone=True, block_cdn=True)
    found = audit_pages(member, board, ("program", f"team/{team_id}", "vote", "risks", "objectives"))
    member.get_by_role("button", name="Menu").tap()
    expect(member.locator("#topbar-menu")).to_be_visible()
    found["objectives, the menu open"] = serious_violations(member)
    assert {p: v for p, v in found.items() if v} == {}


def test_home_and_join_pages_have_no_serious_accessibility_violation(
    e2e_server: LiveServer, page_as: PageAs
) -> None:
    board = create_board(e2e_server, name="Axe home ART")
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    rte.goto(f"{e2e_server.url}/")
    assert serious_violations(rte) == []
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "pm"}).json()["join_url"]
    rte.goto(link)
    assert serious_violations(rte) == []


def test_a_team_member_plans_from_the_keyboard(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    """Add a story and change its points with the keyboard alone: focus moves, typing, Enter, Escape."""
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas")
    title = ann.locator("#col-it3 form.quick-add input[name='args.title']")
    title.focus()
    ann.keyboard.type("Refund webhook")
    ann.keyboard.press("Tab")
    expect(ann.locator("#col-it3 form.quick-add input[name='args.points']")).to_be_focused()
    ann.keyboard.press("Control+A")
    ann.keyboard.type("5")
    ann.keyboard.press("Enter")
    story = ann.locator("#col-it3 .story", has_text="Refund webhook")
    expect(story).to_be_visible()
    story.focus()
    ann.keyboard.press("Enter")
    points = ann.locator("#story-editor input[name='args.points']")
    expect(ann.locator("#story-editor")).to_be_visible()
    points.focus()
    ann.keyboard.press("Control+A")
    ann.keyboard.type("8")
    ann.keyboard.press("Enter")
    expect(ann.locator("#story-editor")).to_be_hidden()
    expect(ann.locator("#col-it3 .story", has_text="Refund webhook").locator(".points")).to_have_text("8")
    # Escape closes an editor without saving and gives focus back to the story.
    ann.locator("#col-it3 .story", has_text="Refund webhook").focus()
    ann.keyboard.press("Enter")
    expect(ann.locator("#story-editor")).to_be_visible()
    ann.keyboard.press("Escape")
    expect(ann.locator("#story-editor")).to_be_hidden()
    expect(ann.locator("#col-it3 .story", has_text="Refund webhook")).to_be_focused()


def opened(page: Page, opener: str | None, shown: str) -> None:
    """Open a menu or dialog the way a person does (a click on ``opener``; None: it is open as the page
    loads) and wait until ``shown`` shows."""
    if opener is not None:
        page.locator(opener).first.click()
    expect(page.locator(shown).first).to_be_visible()


def test_every_menu_and_dialog_open_has_no_serious_accessibility_violation(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    """Issue 25: axe audits each page with each of its menus and dialogs open, not only as it loads: the
    Download menu (and its "One part" list), Help, Room, the feature, story, dependency and risk editors,
    the confirmation a deletion asks for (#confirm-op), an open vote, and the vote on the big screen."""
    board, _ = planned_board
    assert board.op(board.rte_session, "vote.open", args={}).status_code == 200
    assert board.op(board.rte_session, "screen.show", args={"scene": "vote"}).status_code == 200
    rte = page_as(board, "rte", "Rita", viewport=FULL_HD, block_cdn=True)
    opening: dict[str, list[tuple[str, str | None, str]]] = {
        "program": [
            ("Download", "#downloads > summary", "#downloads .downloads-menu"),
            ("Download, one part", "#downloads .downloads-parts > summary", "#downloads .downloads-parts a"),
            ("Help", "#help-menu > summary", "#help-menu > :not(summary)"),
            ("Room", "#room-menu > summary", "#room-menu > :not(summary)"),
            ("your menu", "#me-menu > summary", "#me-menu .me-place"),
            ("feature editor", "#card-payapi", "#feature-editor"),
            ("the confirmation of a deletion", "#feature-editor .delete-feature button", "#confirm-op"),
            ("dependency editor", "#card-checkout .string-handle", "#dep-editor"),
        ],
        "team/atlas": [("story editor", "#story-pay1 .story-title", "#story-editor")],
        "risks": [("risk editor", "[data-edit-risk]", "#risk-editor")],
        "vote": [("an open vote", None, ".fists")],
        "screen": [("the vote scene, the vote open", None, ".scene-vote [data-vote-count]")],
    }
    found: dict[str, list[str]] = {}
    for path, menus in opening.items():
        for name, opener, shown in menus:
            # Each from a fresh page: one menu or dialog open at a time, as a person has it.
            rte.goto(f"{board.server.url}/b/{board.id}/{path}")
            rte.wait_for_selector("#conn-status[data-state=live]")
            if name == "Download, one part":
                opened(rte, "#downloads > summary", "#downloads .downloads-menu")
            if name == "the confirmation of a deletion":
                opened(rte, "#card-payapi", "#feature-editor")
            opened(rte, opener, shown)
            found[f"{path}, {name} open"] = serious_violations(rte)
    assert {p: v for p, v in found.items() if v} == {}
