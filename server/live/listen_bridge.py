"""The PostgreSQL LISTEN bridge: other processes' commits reach this process's hub.

Every op transaction on PostgreSQL runs ``pg_notify('piboard_events', '<board_id>:<seq>')``
(server/store/op_path.py), which PostgreSQL delivers to every listener when, and only if, the
transaction commits, in commit order. This bridge keeps one autocommit connection per process
that LISTENs on that channel and tells the hub ``notify(board_id, seq)``; the hub reads the rows
from the event table and broadcasts what it has not broadcast yet (idempotent and order-safe,
so this process's own commits arriving a second time change nothing).

Notifications sent while the listen connection is down are lost by PostgreSQL's design. So on
every (re)connect the bridge LISTENs first and then asks the hub to re-check every board it
serves against the ``board.seq`` in the table: nothing can fall between the two.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

import psycopg
from psycopg import sql

from server.background import Background
from server.store.op_path import NOTIFY_CHANNEL

log = logging.getLogger("piboard.notify")

# A notification names one board (ids are at most 40 characters) and a seq.
MAX_PAYLOAD_CHARS = 80
# How the listen connection shows in pg_stat_activity.
APPLICATION_NAME = "piboard-listen"


class Notified(Protocol):
    """What the bridge needs of the hub."""

    def notify(self, board_id: str, seq: int) -> None: ...


def parse_payload(payload: str) -> tuple[str, int] | None:
    """``'<board_id>:<seq>'`` → ``(board_id, seq)``; anything else (another writer's noise) → None."""
    if len(payload) > MAX_PAYLOAD_CHARS:
        return None
    board_id, sep, seq_text = payload.rpartition(":")
    if not sep or not board_id or not seq_text.isdigit():
        return None
    return board_id, int(seq_text)


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (``postgresql+psycopg://`` → ``postgresql://``)."""
    scheme, sep, rest = database_url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgresql") else database_url


class ListenBridge(Background):
    """One background task per process: LISTEN, forward, and on reconnect catch up from the table."""

    def __init__(
        self,
        database_url: str,
        hub: Notified,
        served_boards: Callable[[], Iterable[str]],
        *,
        health_check_seconds: float = 5.0,
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 5.0,
        channels: Mapping[str, Callable[[str], None]] | None = None,
        on_connect: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("pg-listen-bridge", self.run)
        self.url = libpq_url(database_url)
        self.hub = hub
        self.served_boards = served_boards
        self.health_check_seconds = health_check_seconds
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        # Other channels whose payloads go, as they are, to a handler (access changes, presence).
        self.channels = dict(channels or {})
        # Called on every (re)connect: what those channels said meanwhile was lost, re-check it.
        self.on_connect = on_connect
        self.connected = asyncio.Event()
        self.stats = {"connects": 0, "notifications": 0, "catch_ups": 0, "ignored": 0}

    async def run(self) -> None:
        delay = self.retry_seconds
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away or the connection broke: retry
                if self.connected.is_set():  # it had been working: the first retry comes soon
                    delay = self.retry_seconds
                self.connected.clear()
                log.warning("listen connection lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_seconds)

    async def _listen_once(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self.url,
            autocommit=True,
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=10,
            application_name=APPLICATION_NAME,
        )
        async with conn:
            for channel in (NOTIFY_CHANNEL, *self.channels):
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.stats["connects"] += 1
            # LISTEN is in place: whatever committed before it is in the table, so re-check now.
            await self._catch_up(conn)
            if self.on_connect is not None:
                self.on_connect()
            self.connected.set()
            while True:
                async for note in conn.notifies(timeout=self.health_check_seconds):
                    handler = self.channels.get(note.channel)
                    if handler is not None:
                        handler(note.payload)
                    else:
                        self._forward(note.payload)
                # Quiet for a while: make sure the connection is still alive (a half-open TCP
                # connection would otherwise wait forever while notifications go elsewhere).
                await conn.execute("SELECT 1")

    def _forward(self, payload: str) -> None:
        parsed = parse_payload(payload)
        if parsed is None:
            self.stats["ignored"] += 1
            return
        self.stats["notifications"] += 1
        self.hub.notify(*parsed)

    async def _catch_up(self, conn: psycopg.AsyncConnection) -> None:
        boards = sorted(set(self.served_boards()))
        if not boards:
            return
        self.stats["catch_ups"] += 1
        cursor = await conn.execute("SELECT id, seq FROM board WHERE id = ANY(%s)", (boards,))
        for board_id, seq in await cursor.fetchall():
            self.hub.notify(str(board_id), int(seq))
