"""Presence across processes on PostgreSQL: everyone sees everyone connected to the board.

Presence is ephemeral (not an op, not in the event log), but with several processes each hub knows
only its own sockets. So each process keeps one ``presence`` row per board it serves (who is
connected to it), written when its list changes and refreshed every ``ttl / 3`` seconds, and tells
the others with ``NOTIFY piboard_presence, '<board>'`` in the same transaction (carried by the
LISTEN bridge, server/live/listen_bridge.py). A process told of a board reads the other processes' fresh rows
and merges them into its presence frames. A row not refreshed within ``ttl`` (its process died) is
ignored, and the next refresh of every process drops it from the lists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text
from sqlalchemy.dialects.postgresql import insert
from starlette.concurrency import run_in_threadpool

from server.background import Background
from server.live.hub import Hub
from server.store.db import PresenceRow, utcnow
from server.store.op_path import new_id

PRESENCE = PresenceRow.__table__  # type: ignore[attr-defined]
PRESENCE_CHANNEL = "piboard_presence"

log = logging.getLogger("piboard.presence")


class PresenceBridge(Background):
    def __init__(self, engine: Engine, hub: Hub, ttl: float) -> None:
        super().__init__("presence-refresh", self._refresh_loop)
        self.engine = engine
        self.hub = hub
        self.ttl = ttl
        self.process_id = new_id()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self.hub.presence.on_local = self.publish
        super().start()

    async def stop(self) -> None:
        self.hub.presence.on_local = None
        await super().stop()
        with contextlib.suppress(Exception):
            await run_in_threadpool(self._forget_all)

    # --- this process's list ----------------------------------------------------------------------

    def publish(self, board_id: str, people: list[dict[str, Any]]) -> None:
        """The hub's own list for a board changed (on the event loop): store it and tell the others."""
        self._spawn(run_in_threadpool(self._write, board_id, people))

    def _write(self, board_id: str, people: list[dict[str, Any]]) -> None:
        with self.engine.connect() as conn, conn.begin():
            if people:
                self._upsert(conn, board_id, people)
            else:
                key = (PRESENCE.c.board_id == board_id, PRESENCE.c.process_id == self.process_id)
                conn.execute(delete(PRESENCE).where(*key))
            self._notify(conn, board_id)

    def _forget_all(self) -> None:
        with self.engine.connect() as conn, conn.begin():
            mine = delete(PRESENCE).where(PRESENCE.c.process_id == self.process_id)
            for board_id in list(conn.execute(mine.returning(PRESENCE.c.board_id)).scalars()):
                self._notify(conn, board_id)

    # --- the others' lists --------------------------------------------------------------------------

    def heard(self, board_id: str) -> None:
        """Another process's list for ``board_id`` changed (called on the event loop by the bridge)."""
        if board_id in self.hub.channels:
            self._spawn(self._read(board_id))

    def recheck_all(self) -> None:
        """After the listen connection (re)connects: what was said meanwhile is lost, read it again."""
        for board_id in list(self.hub.channels):
            self.heard(board_id)

    async def _read(self, board_id: str) -> None:
        people = await run_in_threadpool(self._others, board_id)
        self.hub.presence.set_others(board_id, people)

    def _others(self, board_id: str) -> list[dict[str, Any]]:
        fresh_since = utcnow() - timedelta(seconds=self.ttl)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PRESENCE.c.people).where(
                    PRESENCE.c.board_id == board_id,
                    PRESENCE.c.process_id != self.process_id,
                    PRESENCE.c.updated_at >= fresh_since,
                )
            ).scalars()
            return [person for people in rows for person in people]

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            for board_id in list(self.hub.channels):
                try:
                    people = self.hub.presence.local(board_id)
                    if people:
                        await run_in_threadpool(self._touch, board_id, people)
                    await self._read(board_id)
                except Exception as exc:  # the database is away: the next round tries again
                    log.warning("presence refresh of board %s failed: %s", board_id, exc)

    def _touch(self, board_id: str, people: list[dict[str, Any]]) -> None:
        """Keep this process's row fresh, without telling anyone (nothing changed)."""
        with self.engine.connect() as conn, conn.begin():
            self._upsert(conn, board_id, people)

    @staticmethod
    def _notify(conn: Connection, board_id: str) -> None:
        conn.execute(text("SELECT pg_notify(:ch, :board)"), {"ch": PRESENCE_CHANNEL, "board": board_id})

    def _upsert(self, conn: Connection, board_id: str, people: list[dict[str, Any]]) -> None:
        row = {"board_id": board_id, "process_id": self.process_id, "people": people, "updated_at": utcnow()}
        upsert = insert(PRESENCE).values(**row)
        conn.execute(upsert.on_conflict_do_update(index_elements=["board_id", "process_id"], set_=row))

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Any) -> None:
        try:
            await work
        except Exception as exc:  # presence is best effort: the next change or refresh repairs it
            log.warning("presence update failed: %s", exc)
