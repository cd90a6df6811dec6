"""Browser fixtures shared by every test that drives Debian's Chromium (e2e, event, exports, live, fuzz).

``page_as(board, role, name, team_id)`` joins a board the way a person does (a real join link,
typing a name) and returns the Playwright page on the page the link lands on. Tests that need
the big screen, two laptops or a projector size open several pages, each its own context.

Playwright's sync API keeps an asyncio loop running in the main thread while it is started, which
stops ``asyncio.run`` in other tests: so the driver lives for one test module at a time, not the session.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import BoardHandle, LiveServer, start_server
from tests.phone import PHONE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
FULL_HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
CDN = re.compile(r"^https://cdn\.jsdelivr\.net/")


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the browser tests; each test makes its own board on it."""
    db = tmp_path_factory.mktemp("e2e") / "piboard.db"
    server = start_server(f"sqlite:///{db}", ops_per_second=1000.0, ops_burst=1000)
    yield server
    server.stop()


class PageAs(Protocol):
    def __call__(
        self,
        board: BoardHandle,
        role: str,
        name: str,
        team_id: str | None = None,
        *,
        viewport: dict[str, int] | None = None,
        block_cdn: bool = False,
        hang_cdn: bool = False,
        timezone_id: str | None = None,
        phone: bool = False,
    ) -> Page: ...


def join_link(board: BoardHandle, role: str, team_id: str | None = None) -> str:
    with board.rte() as c:
        r = c.post(f"/api/boards/{board.id}/links", json={"role": role, "team_id": team_id})
        r.raise_for_status()
        return str(r.json()["join_url"])


@pytest.fixture
def page_as(browser: Browser) -> Iterator[PageAs]:
    contexts: list[BrowserContext] = []

    def open_as(
        board: BoardHandle,
        role: str,
        name: str,
        team_id: str | None = None,
        *,
        viewport: dict[str, int] | None = None,
        block_cdn: bool = False,
        hang_cdn: bool = False,
        timezone_id: str | None = None,
        phone: bool = False,
    ) -> Page:
        """``phone``: a phone's viewport, pixel ratio and touch (tests/phone.py's PHONE)."""
        size = PHONE if phone else {"viewport": viewport or LAPTOP}
        context = browser.new_context(**size, timezone_id=timezone_id)
        contexts.append(context)
        if block_cdn:
            context.route(CDN, lambda route: route.abort("internetdisconnected"))
        if hang_cdn:
            context.route(CDN, lambda route: None)  # a CDN that never answers: the request stays open
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(join_link(board, role, team_id))
        page.get_by_label("Your name").fill(name)
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(re.compile(rf"/b/{re.escape(board.id)}/"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def board_from_home(
    browser: Browser, server: LiveServer, name: str, pi_name: str
) -> tuple[BrowserContext, Page]:
    """A new board made as a person makes one, with the home page's form; the page lands on its
    admin page (the maker is its RTE). Close the context when done."""
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/")
    page.get_by_label("Name of the ART").fill(name)
    page.get_by_label("Program Increment").fill(pi_name)
    page.get_by_role("button", name="Create the board").click()
    page.wait_for_url(re.compile(r"/b/[\w-]+/admin$"))
    return context, page


def solution_from_home(
    browser: Browser, server: LiveServer, name: str, pi_name: str, ste_name: str
) -> tuple[BrowserContext, Page]:
    """A new solution made as a Solution Train Engineer makes one, with the home page's form, in a
    1920×1080 window; the page lands on the solution's page (the maker is its STE). Close the
    context when done."""
    context = browser.new_context(viewport=FULL_HD)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/")
    page.get_by_label("Name of the solution").fill(name)
    page.get_by_label("The solution's PI").fill(pi_name)
    page.get_by_label("Your name (you are its STE)").fill(ste_name)
    page.get_by_role("button", name="Create the solution").click()
    page.wait_for_url(re.compile(r"/s/[\w-]+/$"))
    return context, page


def wait_for_paint(page: Page) -> None:
    """Wait until the browser has laid out and drawn what changed last: two animation frames (a page
    that fits or redraws itself after a change does it on the next frame)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wait_until_held(page: Page, held: Sequence[object]) -> None:
    """Until a route handler that keeps requests back has one (handlers run while the page waits)."""
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline, "the page never asked for it"
        page.wait_for_timeout(50)


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot as test-artifacts/screenshots/<name>-<w>x<h>.png (people look at these)."""
    size = page.viewport_size or LAPTOP
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
