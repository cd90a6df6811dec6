"""Full garbage collections at quiet moments, not in the middle of a broadcast.

Now and then CPython's collector walks every object it tracks (a full collection), with the GIL held.
With a thousand screens connected that is some 200,000 objects (each connection's coroutines, buffers
and queues) and 140 ms on the bench machine: every screen's next edit waits for it, and it is the
whole p99 of bench/fanout.py at 1,000 screens and 20 edits/s. The objects behind it are not garbage:
objects that live as long as a connection are promoted by the young collections while edits stream
out. Little cyclic garbage arises while a board is edited, and the young collections, which stay
automatic, take most of it.

So while serving, the automatic full collection is off, and :class:`QuietCollector` runs it once the
hub has been quiet for a moment (no more often than ``every``), and at the latest after ``at_most``
even on a board that is never quiet, so that memory stays bounded.

Even at a quiet moment a full collection is a pause an edit can arrive in, and most of it is spent
walking objects that were there at the last one too (the screens connected, the boards, the region
memo: 100 ms late in a bench run). So what survives a collection is frozen (``gc.freeze``): the next
one walks only what came since. Garbage in a cycle among frozen objects would wait for good, so every
``thaw_every`` the frozen objects are thawed first and the collection walks them all. Screens that
leave are freed as they leave (tests/live/test_freed.py), so little such garbage arises meanwhile.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from server.background import Background

log = logging.getLogger(__name__)

NEVER = 10**9  # full collections after this many young (generation 1) ones: never, in practice

_running = 0  # collectors running in this process (a test run starts many apps)
_thresholds: tuple[int, int, int] | None = None  # the process's thresholds before the first started


class QuietCollector(Background):
    def __init__(
        self,
        last_busy: Callable[[], float],
        *,
        quiet: float = 1.0,
        every: float = 30.0,
        at_most: float = 300.0,
        thaw_every: float = 600.0,
        check_every: float = 0.5,
        collect: Callable[[], object] = gc.collect,
        freeze: Callable[[], None] = gc.freeze,
        unfreeze: Callable[[], None] = gc.unfreeze,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("quiet-collector", self._run)
        self.last_busy = last_busy  # the clock's reading when the hub last broadcast
        self.quiet = quiet
        self.every = every
        self.at_most = at_most
        self.thaw_every = thaw_every
        self.check_every = check_every
        self.collect = collect
        self.freeze = freeze
        self.unfreeze = unfreeze
        self.clock = clock
        self.collected_at = self.thawed_at = clock()
        self.collections = 0

    def due(self) -> bool:
        now = self.clock()
        since = now - self.collected_at
        return since >= self.at_most or (since >= self.every and now - self.last_busy() >= self.quiet)

    def tick(self) -> bool:
        """Collect if it is time (thawing the frozen objects first every ``thaw_every``), then freeze
        what survived; whether it did."""
        if not self.due():
            return False
        if self.clock() - self.thawed_at >= self.thaw_every:
            self.unfreeze()
            self.thawed_at = self.clock()
        self.collect()
        self.freeze()
        self.collected_at = self.clock()
        self.collections += 1
        return True

    def start(self) -> None:
        global _running, _thresholds
        super().start()
        if _running == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], NEVER)
        _running += 1

    async def stop(self) -> None:
        global _running
        if not self.running:
            return
        await super().stop()
        _running -= 1
        if _running == 0 and _thresholds is not None:
            gc.set_threshold(*_thresholds)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.check_every)
            try:
                self.tick()
            except Exception:  # a collector that stopped would let memory grow: log and go on
                log.exception("full garbage collection failed")


@contextmanager
def no_full_collections() -> Iterator[None]:
    """For a command that builds one big batch, then exits (``piboard import``): each full collection
    walks the growing batch again and finds no garbage in it (a 20,000-issue import: 13 of them, a
    third of its CPU time). The young collections stay on."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], NEVER)
    try:
        yield
    finally:
        gc.set_threshold(*before)
