"""A screen that leaves is freed as it leaves, by reference counting, not left in a cycle for the
garbage collector: a thousand screens reconnecting at once would otherwise leave some 130 objects
each for a full collection, which then holds the event loop for a few hundred milliseconds
(server/live/collector.py runs it at a quiet moment, but an edit can come in the middle of one)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import create_board, start_server
from tests.live.client import LiveClient, eventually, run_async


@contextmanager
def no_automatic_collections() -> Iterator[None]:
    """Only reference counting frees anything meanwhile (the collector of a fresh server waits 30 s)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_screen_that_leaves_is_freed_at_once_however_it_leaves(db_url: str) -> None:
    server = start_server(db_url)
    try:
        board = create_board(server)
        hub = server.app.state.hub
        session = board.join("observer", "Watcher")

        async def scenario() -> None:
            with no_automatic_collections():
                screens = [
                    await LiveClient.connect(
                        server.ws_url, board.id, session, last_seq=None, view="risks", mode=mode
                    )
                    for mode in ("json", "html", "json", "html")
                ]
                for screen in screens:
                    await screen.wait_welcome()
                conns = list(hub.channels[board.id].live)
                assert len(conns) == len(screens)
                # The hub's connection, its ASGI socket, and the protocol behind it (its write-now).
                left = [weakref.ref(obj) for conn in conns for obj in (conn, conn.peer, conn._write_now)]
                del conns
                board.op(board.rte_session, "risk.create", args={"title": "Seen by all"}).raise_for_status()
                for screen in screens:  # the event (JSON), or the regions it changed (HTML)
                    await screen.wait_until(lambda s=screen: "Seen by all" in "".join(s.raw))
                await screens[0].close()  # a close handshake
                await screens[1].send_raw("not json")  # refused, then leaves
                await screens[1].close()
                screens[2].ws.transport.abort()  # the Wi-Fi drops: no close frame
                screens[3].ws.transport.abort()
                await eventually(lambda: not hub.channels.get(board.id), "every screen is gone from the hub")
                # Collections are off: a screen kept in a cycle is never freed, however long this waits
                # (30 s, for a loaded machine, where the close takes its time).
                await eventually(lambda: all(r() is None for r in left), "every screen's objects are freed")

        run_async(scenario())
    finally:
        server.stop()
