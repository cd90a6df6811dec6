"""Time moves the plan too: when an iteration closes, what is slipped and late changes with no edit.

Execution state is derived from the plan and the clock (``board.execution``), so nobody writes it.
The watch looks at the clock every ``execution_tick`` seconds; when the set of closed iterations of
a board being watched changes, it tells that board's screens to fetch what they show again (and
``on_change``, which posts new alerts to the board's webhook).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from board import BoardState
from board.execution import closed_iterations
from server.background import Background
from server.clock import Clock
from server.live.hub import Hub
from server.store.board_store import BoardStore

log = logging.getLogger("piboard.execution")


class ExecutionWatch(Background):
    def __init__(
        self,
        hub: Hub,
        store: BoardStore,
        clock: Clock,
        tick: float,
        on_change: Callable[[str], None],
        also_watch: Callable[[], list[str]],
    ) -> None:
        super().__init__("execution-watch", self._run)
        self.hub = hub
        self.on_change = on_change
        self.also_watch = also_watch
        self.store = store
        self.clock = clock
        self.tick = tick
        self._closed: dict[str, frozenset[str]] = {}

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                await self.check()
            except Exception:  # a failed look must not stop the next one
                log.exception("execution watch failed")

    def _closed_now(self, board_id: str) -> tuple[BoardState, frozenset[str] | None]:
        state = self.store.state(board_id)
        if not state.meta.execution_started:
            return state, None
        return state, frozenset(i.id for i in closed_iterations(state, self.clock.today()))

    async def check(self) -> list[str]:
        """Refresh the screens of every watched board whose closed iterations changed; returns them.

        Watched are the boards someone has open here, and those ``also_watch`` names (boards with a
        webhook, whose alerts must go out with nobody looking). A board seen for the first time is
        handed to ``on_change`` too: what arose while nobody watched is posted then."""
        refreshed: list[str] = []
        also = await run_in_threadpool(self.also_watch)
        for board_id in dict.fromkeys([*self.hub.channels, *also]):
            state, closed = await run_in_threadpool(self._closed_now, board_id)
            if closed is None:
                self._closed.pop(board_id, None)
                continue
            before = self._closed.get(board_id)
            self._closed[board_id] = closed
            if before != closed:
                if before is not None:
                    log.info("board %s: iterations closed changed; refreshing its screens", board_id)
                    self.hub.refresh(state)
                    refreshed.append(board_id)
                self.on_change(board_id)
        return refreshed
