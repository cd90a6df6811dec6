"""A remote participant opening their page again (issue 28): the browser already holds every static
file, under its hashed name, and asks the server for none of them; only the page itself comes again.

The browser's own Resource Timing says what came over the network: a file answered from the cache has
a ``transferSize`` of 0 (a revalidation, even a 304, has its headers' size). No request routing here:
Playwright's routing turns the browser's cache off. The server does not use the CDN
(PIBOARD_HTMX_CDN=false), so nothing leaves the machine."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import LiveServer, create_board, start_server
from tests.meeting.browser import wait_live

HASHED = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{10}\.\w+")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    made = start_server(f"sqlite:///{tmp_path_factory.mktemp('repeat') / 'piboard.db'}", htmx_cdn=False)
    yield made
    made.stop()


def static_transfers(page: Page) -> dict[str, int]:
    """Each static file this page loaded, and the bytes its fetch took from the network."""
    entries: list[list[object]] = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((e) => new URL(e.name).pathname.startsWith("/static/"))
            .map((e) => [new URL(e.name).pathname, e.transferSize])"""
    )
    return {str(name): int(str(size)) for name, size in entries}


def test_a_repeat_visit_fetches_no_static_file(server: LiveServer, browser: Browser) -> None:
    board = create_board(server, "Demo ART", demo=True)
    team = next(iter(board.read()["items"]["team"]))
    context = browser.new_context()
    context.add_cookies([{"name": f"pb_{board.id}", "value": board.rte_session, "url": server.url}])
    page = context.new_page()
    try:
        for path in (f"/b/{board.id}/team/{team}", f"/b/{board.id}/program"):
            page.goto(server.url + path)
            wait_live(page)
            first = static_transfers(page)
            assert first and all(HASHED.fullmatch(name) for name in first), first
            page.goto("about:blank")
            page.goto(server.url + path)
            wait_live(page)
            again = static_transfers(page)
            assert again.keys() == first.keys()
            assert {name: size for name, size in again.items() if size} == {}, "fetched again"
    finally:
        context.close()
