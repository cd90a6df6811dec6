"""A phone is a first-class screen: at 390 × 844 (touch, three device pixels to one) no page a participant
reaches scrolls sideways or puts text past the screen's edge, and the team page and the program board's
phone view have no control under 24 × 24 CSS px (WCAG 2.2 target size minimum).

Sideways: ``document.documentElement.scrollWidth`` must not exceed the viewport, and no visible element
with text may reach past its left or right edge, except inside a container that scrolls sideways on
purpose (overflow-x: auto, see tests/phone.py)."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser import PageAs, join_link, screenshot
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.phone import PHONE, page_width, small_targets, sticking_out

RTE_PAGES = ("program", "objectives", "risks", "vote", "agenda", "admin", "sync", "history")
# The admin page is the RTE's: a team member gets the refusal page there.
MEMBER_PAGES = ("program", "objectives", "risks", "vote", "agenda", "sync", "history", "admin")


def _open(page: Page, url: str, *, live: bool = True) -> None:
    page.goto(url)
    if live:
        page.wait_for_selector("#conn-status[data-state=live]")


def _too_wide(page: Page, name: str) -> list[str]:
    """Also a screenshot for people to look at: test-artifacts/screenshots/phone-<name>-390x844.png."""
    screenshot(page, "phone-" + re.sub(r"\W+", "-", re.sub(r"/\S+", "", name)).strip("-"))
    width, viewport = page_width(page)
    wide = [f"the page is {width} px wide in a {viewport} px viewport"] if width > viewport else []
    return wide + sticking_out(page)


def _demo(e2e_server: LiveServer) -> tuple[BoardHandle, str]:
    board = create_board(e2e_server, name="Phone ART", demo=True)
    return board, sorted(board.read()["items"]["team"])[0]


def test_no_page_scrolls_sideways_on_a_phone(e2e_server: LiveServer, page_as: PageAs) -> None:
    board, team_id = _demo(e2e_server)
    base = f"{e2e_server.url}/b/{board.id}"
    found: dict[str, list[str]] = {}

    rte = page_as(board, "rte", "Rita", phone=True, block_cdn=True)
    for name in (*RTE_PAGES, f"team/{team_id}"):
        _open(rte, f"{base}/{name}")
        if name == "admin":  # the people panel loads into the admin page
            rte.wait_for_selector("#people table, #people .people-online")
        found[f"{name} as RTE"] = _too_wide(rte, f"{name} as RTE")
    rte.locator("#menu-toggle").click()  # the top bar's menu, open
    found["the open menu"] = _too_wide(rte, "menu open")

    member = page_as(board, "team", "Tess", team_id, phone=True, block_cdn=True)
    for name in (*MEMBER_PAGES, f"team/{team_id}"):
        _open(member, f"{base}/{name}", live=name != "admin")
        found[f"{name} as team member"] = _too_wide(member, f"{name} as team member")

    # Before joining: the home page, a join link, a board page asked for without a session.
    stranger = member.context.browser.new_context(**PHONE)  # type: ignore[union-attr]
    try:
        page = stranger.new_page()
        for name, url in (
            ("home", f"{e2e_server.url}/"),
            ("join", join_link(board, "pm")),
            ("refusal", f"{base}/program"),
        ):
            _open(page, url, live=False)
            found[name] = _too_wide(page, name)
    finally:
        stranger.close()
    too_wide = {where: what for where, what in found.items() if what}
    assert not too_wide, "\n".join(f"{where}: {what}" for where, what in too_wide.items())


def test_team_page_and_phone_program_board_have_big_enough_targets(
    e2e_server: LiveServer, page_as: PageAs
) -> None:
    board, team_id = _demo(e2e_server)
    base = f"{e2e_server.url}/b/{board.id}"
    found: dict[str, list[str]] = {}
    for role, name, team in (("team", "Tess", team_id), ("rte", "Rita", None)):
        phone = page_as(board, role, name, team, phone=True, block_cdn=True)
        for where in (f"team/{team_id}", "program"):
            _open(phone, f"{base}/{where}")
            found[f"{where} as {role}"] = small_targets(phone)
    too_small = {where: what for where, what in found.items() if what}
    assert not too_small, "\n".join(f"{where}: {what}" for where, what in too_small.items())
