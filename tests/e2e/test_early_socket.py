"""The live socket opens before the page's scripts have come (issue 28): on a slow link its handshake
and welcome take place while the bundles are still on their way. static/live-early.js, inline in the
page's head, opens it and keeps what the server sends; static/live.js takes it over and plays the kept
frames in order, so a change made meanwhile is shown, and the page has one socket, one hello.

The board's script bundle is held back (Playwright's routing) until the socket has had its welcome and
an edit has been sent on it: without the early socket, no socket opens while the bundle is held. The
editors' bundle, asked for once the page is read, is held too: the page is live without it, and its
editors open once it is in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route, WebSocket

from tests.browser import wait_until_held
from tests.conftest import LiveServer, create_board, start_server
from tests.meeting.browser import wait_live

BUNDLE = re.compile(r"/static/board-live\.[0-9a-f]{10}\.js$")
# The scripts a board page does not wait for to be live: editors, drag and drop, strings, timer.
LATER = re.compile(r"/static/board-ops\.[0-9a-f]{10}\.js$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    made = start_server(f"sqlite:///{tmp_path_factory.mktemp('early') / 'piboard.db'}", htmx_cdn=False)
    yield made
    made.stop()


def test_the_socket_opens_before_the_scripts_and_frames_meanwhile_are_shown(
    server: LiveServer, browser: Browser
) -> None:
    board = create_board(server, "Demo ART", demo=True)
    items = board.read()["items"]
    team = next(iter(items["team"]))
    story_id, story = next((k, s) for k, s in items["story"].items() if s.get("team_id") == team)
    context = browser.new_context()
    context.add_cookies([{"name": f"pb_{board.id}", "value": board.rte_session, "url": server.url}])
    page = context.new_page()
    held: list[Route] = []
    sockets: list[WebSocket] = []
    hellos: list[str] = []
    received: list[str] = []

    def on_socket(ws: WebSocket) -> None:
        sockets.append(ws)
        ws.on("framesent", lambda f: hellos.append(str(f)) if '"hello"' in str(f) else None)
        ws.on("framereceived", lambda f: received.append(str(f)))

    def hold(route: Route) -> None:
        held.append(route)

    page.on("websocket", on_socket)
    page.route(BUNDLE, hold)
    try:
        page.goto(f"{server.url}/b/{board.id}/team/{team}", wait_until="commit")
        page.wait_for_function("() => !!window.piboardEarlySocket", timeout=10_000)
        assert len(sockets) == 1, "a socket is open while the page's scripts are held back"
        page.wait_for_function(
            "() => window.piboardEarlySocket.frames.some((f) => f.indexOf('\"welcome\"') >= 0)",
            timeout=10_000,
        )
        assert len(held) == 1, "the bundle is still held"
        r = board.op(
            board.rte_session,
            "story.update",
            target=story_id,
            base_version=story["version"],
            args={"title": "Changed while the scripts came"},
        )
        assert r.status_code == 200, r.text
        page.wait_for_function(
            "() => window.piboardEarlySocket.frames.some((f) => f.indexOf('Changed while') >= 0)",
            timeout=10_000,
        )
        assert page.locator("text=Changed while the scripts came").count() == 0
        held[0].continue_()
        wait_live(page)
        page.locator("text=Changed while the scripts came").first.wait_for(timeout=10_000)
        assert len(sockets) == 1, "live.js took the early socket over, and opened no other"
        assert len(hellos) == 1
        hello = json.loads(hellos[0])
        assert hello["view"] == f"team:{team}" and hello["mode"] == "html"
        assert any('"welcome"' in f for f in received)
    finally:
        context.close()


def test_the_page_is_live_before_its_editors_come_and_they_open_once_in(
    server: LiveServer, browser: Browser
) -> None:
    board = create_board(server, "Demo ART", demo=True)
    items = board.read()["items"]
    team = next(iter(items["team"]))
    story_id = next(k for k, s in items["story"].items() if s.get("team_id") == team)
    context = browser.new_context()
    context.add_cookies([{"name": f"pb_{board.id}", "value": board.rte_session, "url": server.url}])
    page = context.new_page()
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(LATER, hold)
    try:
        page.goto(f"{server.url}/b/{board.id}/team/{team}", wait_until="commit")
        wait_live(page)
        # The editors' bundle is asked for (Playwright's route handler runs a little after the request).
        wait_until_held(page, held)
        assert len(held) == 1, "the page asks for its editors' bundle"
        assert page.evaluate("typeof window.piboardConfirm") == "undefined", "it has not run yet"
        assert page.locator("#conn-status").get_attribute("data-state") == "live"
        held[0].continue_()
        page.wait_for_load_state("load")
        page.locator(f"#story-{story_id} .story-title").click()
        page.locator("#story-editor").wait_for(state="visible", timeout=10_000)
    finally:
        context.close()


def test_every_script_a_board_page_waits_for_is_deferred_and_asked_for_at_high_priority(
    server: LiveServer,
) -> None:
    """With the vendored htmx: no script holds back the page's reading, and none the page waits for
    (every deferred one: DOMContentLoaded, on which htmx and the live socket start, waits for them)
    is fetched at low priority, which Chromium holds back until the styles are in, a round trip more
    on a slow link (issue 28)."""
    board = create_board(server, "Demo ART", demo=True)
    team = next(iter(board.read()["items"]["team"]))
    with server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        for view in ("program", f"team/{team}", "screen"):
            page = c.get(f"/b/{board.id}/{view}").text
            scripts = re.findall(r"<script src=\"/static/[^\"]+\"([^>]*)>", page)
            assert len(scripts) >= 3, view  # htmx, its ws extension, the live socket's script
            for attrs in scripts:
                assert "defer" in attrs and 'fetchpriority="high"' in attrs, (view, scripts)
