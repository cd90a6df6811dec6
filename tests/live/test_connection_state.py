"""A connection's lifecycle: GREETING → LIVE → CLOSED, with clear errors on any other move."""

from __future__ import annotations

import asyncio

import pytest

from board import Actor, Role
from server.live.connection import Connection, ConnectionState, InvalidTransition
from server.live.protocol import CloseCode


class RecordingPeer:
    """The socket side of a connection: what was sent, and how it was closed."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str | None] | None = None

    async def send_text(self, data: str) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = (code, reason)


def connection(peer: RecordingPeer) -> Connection:
    actor = Actor("p1", "Pat", Role.OBSERVER)
    return Connection("b1", actor, "program", "json", peer, queue_size=2, send_timeout=1.0)


async def test_a_connection_is_greeted_then_live_then_closed_and_never_back() -> None:
    peer = RecordingPeer()
    conn = connection(peer)
    conn.start()
    assert (conn.state, conn.welcomed, conn.closed) == (ConnectionState.GREETING, False, False)
    conn.move_to(ConnectionState.LIVE)
    assert conn.welcomed
    with pytest.raises(InvalidTransition, match="a live connection cannot become greeting"):
        conn.move_to(ConnectionState.GREETING)
    conn.drop(CloseCode.TRY_AGAIN, "fell behind")
    conn.drop(CloseCode.TRY_AGAIN, "said twice: no second close")
    await asyncio.sleep(0.05)
    assert conn.closed and peer.closed_with == (CloseCode.TRY_AGAIN, "fell behind")
    with pytest.raises(InvalidTransition, match="a closed connection cannot become live"):
        conn.move_to(ConnectionState.LIVE)
    assert conn.send("late frame") is False


async def test_a_full_send_queue_closes_the_connection_instead_of_waiting() -> None:
    peer = RecordingPeer()
    conn = connection(peer)  # not started: nothing drains its queue of two
    assert conn.send("one") and conn.send("two")
    assert conn.send("three") is False
    assert conn.state is ConnectionState.CLOSED
    await asyncio.sleep(0.05)
    assert peer.closed_with is not None and peer.closed_with[0] == CloseCode.TRY_AGAIN
