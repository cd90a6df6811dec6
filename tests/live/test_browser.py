"""live.js in Debian's Chromium against a real server: live state, presence, a dropped connection shown as
"reconnecting", catch-up after it, and an edit made while disconnected shown once back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import PageAs
from tests.conftest import BoardHandle, LiveServer, create_board, start_server

pytestmark = pytest.mark.e2e


def wait_js(page: Page, expression: str, timeout: float = 15.0) -> None:
    """Poll a page expression from Python (the page's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {expression}")
        time.sleep(0.05)


def drop_browsers(server: LiveServer, board_id: str) -> None:
    """Make the hub drop every connection of the board as fallen behind (1013), as it would a slow one."""
    hub = server.app.state.hub

    def drop() -> None:
        for conn in list(hub.channels[board_id].connections):
            conn.drop(1013, "test: fell behind")

    hub._loop.call_soon_threadsafe(drop)


def keep_away(page: Page) -> None:
    """From now on the page's reconnects fail (the handshake is refused) until :func:`let_back`: away for
    as long as the test needs, however slow the machine, and no longer (a fixed reconnect delay was both)."""
    page.evaluate(
        """() => {
            htmx.config.wsReconnectDelay = () => 100;
            window.__away = true;
            const connect = htmx.createWebSocket;
            htmx.createWebSocket = (url) => connect(window.__away ? url + '-away' : url);
        }"""
    )


def let_back(page: Page) -> None:
    page.evaluate("() => { window.__away = false; }")


def test_live_js_shows_the_board_live_through_a_drop(
    live_server: LiveServer, board: BoardHandle, page_as: PageAs
) -> None:
    page = page_as(board, "rte", "Rita")
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#presence")).to_contain_text("Rita")

    # Someone else's edit reaches the page: the page's seq follows the board's.
    seq = board.op(board.rte_session, "risk.create", args={"title": "From REST"}).json()["seq"]
    wait_js(page, f"document.body.dataset.seq === '{seq}'")

    # The connection drops; the page says so, and stays reconnecting while an edit is made.
    keep_away(page)
    page.evaluate(
        """() => {
            window.__closes = 0;
            window.__states = [];
            document.body.addEventListener('htmx:wsClose', () => { window.__closes += 1; });
            new MutationObserver(() => window.__states.push(
                document.getElementById('conn-status').dataset.state)
            ).observe(document.getElementById('conn-status'), {attributes: true});
        }"""
    )
    drop_browsers(live_server, board.id)
    wait_js(page, "window.__closes >= 1")
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "reconnecting")
    assert page.evaluate("document.body.classList.contains('live-reconnecting')")
    # The page's own edit goes to the form door, socket or not.
    page.evaluate(
        """() => window.piboardSendOp(
            new URLSearchParams({'type': 'risk.create', 'args.title': 'Typed while offline'}), '',
            (status) => { window.__sent = status; })"""
    )
    wait_js(page, "window.__sent === 204")
    missed = board.op(board.rte_session, "risk.create", args={"title": "While away"}).json()["seq"]
    let_back(page)

    # Back: caught up (both edits made while away), live again, the page's edit applied once.
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "live", timeout=15_000)
    wait_js(page, f"Number(document.body.dataset.seq) >= {missed}")
    titles = [r["title"] for r in board.read()["items"]["risk"].values()]
    assert sorted(titles) == ["From REST", "Typed while offline", "While away"]
    assert board.read()["seq"] == missed
    assert "reconnecting" in page.evaluate("window.__states")


def test_a_page_too_far_behind_is_fetched_again_not_left_stale(tmp_path: Path, page_as: PageAs) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'reset.db'}", max_events_per_catch_up=3)
    try:
        board = create_board(server)
        page = page_as(board, "rte", "Rita")
        expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
        keep_away(page)
        page.evaluate(
            """() => {
                window.__closes = 0;
                window.__resets = 0;
                document.body.addEventListener('htmx:wsClose', () => { window.__closes += 1; });
                document.body.addEventListener('piboard:reset', () => { window.__resets += 1; });
                const marker = document.createElement('div');
                marker.id = 'rendered-before-the-drop';
                document.getElementById('main').appendChild(marker);
            }"""
        )
        drop_browsers(server, board.id)
        wait_js(page, "window.__closes >= 1")
        for k in range(5):  # more than max_events_per_catch_up while the page is away
            board.op(board.rte_session, "risk.create", args={"title": f"While away {k}"}).raise_for_status()
        latest = board.read()["seq"]
        let_back(page)
        wait_js(page, "window.__resets >= 1")
        wait_js(page, f"document.body.dataset.seq === '{latest}'")
        expect(page.locator("#rendered-before-the-drop")).to_have_count(0)  # #main was replaced
        expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    finally:
        server.stop()


def test_the_people_here_follow_arrivals_and_departures_told_as_changes(
    board: BoardHandle, page_as: PageAs
) -> None:
    """After its first list a page is told only who came and who went (presence_change): it shows
    them all the same, in name order, and drops whoever left."""
    rita = page_as(board, "rte", "Rita")
    presence = rita.locator("#presence")
    expect(presence.locator(".presence-count")).to_have_text("1 here")
    zoe = page_as(board, "observer", "Zoe Zed")
    expect(zoe.locator("#presence .presence-count")).to_have_text("2 here")
    amy = page_as(board, "observer", "Amy Ash")
    expect(presence.locator(".presence-count")).to_have_text("3 here")
    names = presence.locator(".presence-person")
    expect(names).to_have_count(3)
    assert [n.split(" · ")[0] for n in names.all_inner_texts()] == ["Amy Ash", "Rita", "Zoe Zed"]
    zoe.close()
    expect(presence.locator(".presence-count")).to_have_text("2 here")
    expect(names).to_have_count(2)
    expect(presence).not_to_contain_text("Zoe Zed")
    amy.close()
