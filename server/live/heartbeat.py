"""Connections that stopped answering or reading are dropped, to reconnect and catch up (close code 1013).

Two sweeps over every connection of the process, each one loop for all of them rather than a timer
per connection: the heartbeat pings and drops the silent, the send watchdog drops those whose send
has been pending for longer than the send timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from server.live.connection import Connection
from server.live.protocol import PING, CloseCode


async def heartbeat(connections: Callable[[], Iterable[Connection]], beat: float) -> None:
    """Ping every connection; one that has said nothing for two beats is dead or stuck: drop it."""
    while True:
        await asyncio.sleep(beat)
        silent_since = time.monotonic() - 2 * beat
        for conn in [c for c in connections() if c.welcomed]:
            if conn.last_heard < silent_since:
                conn.drop(CloseCode.TRY_AGAIN, "no answer to the heartbeat: reconnect")
            else:
                conn.send(PING)


async def send_watchdog(connections: Callable[[], Iterable[Connection]], send_timeout: float) -> None:
    """Drop a connection whose send has been pending for longer than the send timeout: its client
    stopped reading. One sweep for all connections instead of a timer around every send."""
    period = min(1.0, send_timeout / 4)
    while True:
        await asyncio.sleep(period)
        now = time.monotonic()
        for conn in [c for c in connections() if c.send_overdue(now)]:
            conn.drop(CloseCode.TRY_AGAIN, "fell behind (send timed out): reconnect to catch up")
