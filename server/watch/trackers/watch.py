"""The loop that keeps synced boards up to date: it polls each board when its poll is due.

A board's poll falls due every interval (60 s by default) and at once when its tracker calls the
board's webhook or the RTE presses "Sync now" (:meth:`TrackerWatch.wake` skips the wait). With several
server processes, each runs this loop and each board's poll is taken by one conditional UPDATE
(:meth:`TrackerStore.take_lease`), so exactly one process polls a board at a time. A poll runs in a
worker thread: the event loop keeps serving the screens, and the op path's per-batch lock keeps it
from holding up people's edits for longer than one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from starlette.concurrency import run_in_threadpool

from server.background import Background
from server.store.trackers import TrackerStore
from server.watch.trackers.sync import SyncReport, TrackerSync

log = logging.getLogger("piboard.trackers")

# A poll holds its board this long at most; a process that dies mid-poll frees it when this runs out.
LEASE_S = 300.0
# Stopping waits this long for a poll under way to end.
STOP_WAIT_S = 10.0


class TrackerWatch(Background):
    def __init__(
        self,
        store: TrackerStore,
        sync: TrackerSync,
        *,
        tick: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__("tracker-watch", self._run)
        self.store = store
        self.sync = sync
        self.tick = tick
        self.clock = clock
        # Who holds a lease: this process, told apart from others on the same host.
        self.owner = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._ended: asyncio.Event | None = None
        self._polls: dict[str, asyncio.Task[None]] = {}  # the boards being polled by this process

    def wake(self) -> None:
        """Look for due polls now (a webhook came, the RTE asked); from any thread."""
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Let a look under way end first: cancelled, its worker thread would go on holding a database
        connection while the engine is closed. After ``STOP_WAIT_S`` (a long poll), cancel it."""
        self._stopping = True
        self.wake()
        if self._ended is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), STOP_WAIT_S)
        await super().stop()

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._ended = asyncio.Event()
        try:
            await self._look_until_stopped()
            if self._polls:  # the polls under way end first (see stop)
                await asyncio.wait(list(self._polls.values()))
        finally:
            self._ended.set()

    async def _look_until_stopped(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.check()
            except Exception:  # a failed look must not stop the next one
                log.exception("tracker watch failed")

    async def check(self) -> list[str]:
        """Start a poll of every board whose poll is due and is not being polled here; returns them.

        Each board's poll runs on its own: a tracker that does not answer (retried with back-off for
        seconds) never holds up another board's sync."""
        started: list[str] = []
        for board_id in await run_in_threadpool(self.store.due, self.clock()):
            if board_id in self._polls:
                continue
            task = asyncio.create_task(self._poll(board_id), name=f"tracker-poll-{board_id}")
            self._polls[board_id] = task
            task.add_done_callback(partial(self._polled, board_id))
            started.append(board_id)
        return started

    def _polled(self, board_id: str, _task: asyncio.Task[None]) -> None:
        self._polls.pop(board_id, None)

    async def _poll(self, board_id: str) -> None:
        with contextlib.suppress(Exception):  # logged in poll_if_free; the next is due an interval on
            await run_in_threadpool(self.poll_if_free, board_id)

    def poll_if_free(self, board_id: str, *, reconcile: bool = False) -> SyncReport | None:
        """Poll ``board_id`` if no other poll holds it (in a worker thread); None if one did.

        ``reconcile`` (the RTE's Sync now) also looks for issues gone from the scope. It is asked for
        only once the lease is held: a poll made due first would be this loop's to take, and the RTE
        would read "0 applied" for the changes it had just brought in."""
        if not self.store.take_lease(board_id, self.owner, self.clock(), LEASE_S):
            return None
        try:
            if reconcile:
                self.store.update_state(board_id, reconcile=True)
            report = self.sync.poll(board_id)
        except Exception:
            # Not the tracker's fault (those are the connection's state): put the next try off an
            # interval, so one board's failure is logged once a poll, not once a tick.
            log.exception("board %s: tracker sync failed", board_id)
            status = self.store.status(board_id)
            if status is not None:
                wait = timedelta(seconds=status.settings.interval_s)
                self.store.update_state(board_id, poll_due_at=self.clock() + wait)
            raise
        finally:
            self.store.release_lease(board_id, self.owner)
        if report.failed:
            log.warning("board %s: tracker sync: %s", board_id, report.failed)
        return report
