"""Frames written at once (``WRITE_NOW``): a connection with nothing queued or being sent has its frame
written on the spot; anything the socket cannot take at once goes through the queue, in order."""

from __future__ import annotations

import asyncio
from typing import Any

from board import Actor, Role
from server.live.connection import WRITE_NOW, Connection
from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async

SCREENS = 6
EDITS = 5


class Socket:
    """The server's side of one socket: what was written at once, what came through ASGI's send, in
    one stream; ``paused`` stands for flow control (the transport's buffer over its high-water mark)."""

    def __init__(self) -> None:
        self.stream: list[tuple[str, str]] = []  # (how, frame)
        self.paused = False
        self.sending = asyncio.Event()
        self.sending.set()
        self.scope: dict[str, Any] = {"type": "websocket", "extensions": {WRITE_NOW: {"write": self.write}}}

    def write(self, text: str) -> bool:
        if self.paused:
            return False
        self.stream.append(("now", text))
        return True

    async def send_text(self, data: str) -> None:
        await self.sending.wait()  # ASGI's send waits while the transport is paused
        self.stream.append(("send", data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


def connection(peer: Socket, mode: str = "html") -> Connection:
    actor = Actor("p1", "Pat", Role.OBSERVER)
    conn = Connection("b1", actor, "program", mode, peer, queue_size=8, send_timeout=5.0)  # type: ignore[arg-type]
    conn.start()
    return conn


async def test_a_frame_behind_nothing_is_written_at_once_with_no_turn_of_the_loop() -> None:
    peer = Socket()
    conn = connection(peer)
    assert conn.send("a") and conn.send("b")
    assert peer.stream == [("now", "a"), ("now", "b")]  # before any other task has run


async def test_while_the_socket_is_paused_frames_queue_and_none_overtakes_them() -> None:
    peer = Socket()
    conn = connection(peer)
    conn.send("1")
    peer.paused = True
    peer.sending.clear()
    conn.send("2")  # the socket takes nothing at once: queued, and the sender waits in ASGI's send
    await asyncio.sleep(0.01)
    assert conn.sending_since is not None
    peer.paused = False  # the transport could take bytes again, but "2" is still on its way:
    conn.send("3")  # "3" must wait behind it, not be written at once
    assert [f for _, f in peer.stream] == ["1"]
    peer.sending.set()
    await asyncio.sleep(0.01)
    assert [f for _, f in peer.stream] == ["1", "2", "3"]
    assert [how for how, _ in peer.stream] == ["now", "send", "send"]
    conn.send("4")  # nothing queued or being sent any more: at once again
    assert peer.stream[-1] == ("now", "4")


async def test_a_frame_queued_but_not_yet_taken_by_the_sender_is_not_overtaken() -> None:
    peer = Socket()
    conn = connection(peer)
    peer.paused = True
    conn.send("1")  # queued; the sender is woken but has not run yet
    peer.paused = False
    conn.send("2")
    await asyncio.sleep(0.01)
    assert [f for _, f in peer.stream] == ["1", "2"]


async def test_a_socket_that_offers_nothing_goes_through_the_queue() -> None:
    peer = Socket()
    peer.scope = {"type": "websocket", "extensions": {}}
    conn = connection(peer)
    conn.send("a")
    assert peer.stream == []
    await asyncio.sleep(0.01)
    assert peer.stream == [("send", "a")]


def test_the_served_protocol_writes_a_broadcast_to_every_screen_at_once(board: BoardHandle) -> None:
    """The server as `piboard serve` runs it offers WRITE_NOW, and a broadcast uses it for every screen
    that keeps up, each getting every event once and in order (bench/fanout.py measures what it saves)."""
    server = board.server
    hub = server.app.state.hub
    session = board.join("observer", "Watcher")

    async def scenario() -> list[LiveClient]:
        screens = [
            await LiveClient.connect(server.ws_url, board.id, session, last_seq=None, name=f"screen {k}")
            for k in range(SCREENS)
        ]
        for c in screens:
            await c.wait_welcome()
        conns = list(hub.channels[board.id].live)
        assert len(conns) == SCREENS and all(c.offers_write_now for c in conns)
        before = sum(c.written_at_once for c in conns)
        for k in range(EDITS):
            board.op(board.rte_session, "risk.create", args={"title": f"Risk {k}"}).raise_for_status()
        for c in screens:
            await c.wait_events(EDITS)
        # Each event reached each screen in a frame written at once (a few may share one message).
        written = sum(c.written_at_once for c in conns) - before
        assert SCREENS <= written <= SCREENS * EDITS, written
        for c in screens:
            await c.close()
        return screens

    screens = run_async(scenario())
    for c in screens:
        seqs = [e["seq"] for e in c.events]
        assert seqs == sorted(set(seqs)) and len(seqs) == EDITS
