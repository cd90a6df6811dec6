"""The periodic reconcile pass of cross-train dependencies (docs/solution.md).

The process that commits a change on a train writes its other side right after
(server/store/cross_train.py). A process that stopped in between leaves a side unwritten: the pass at a
server's start and at the opening of the solution page finds it, and this watch does too, every
``tick`` seconds, while nobody restarts or opens anything.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from server.background import Background
from server.store.cross_train import CrossTrain

log = logging.getLogger("piboard.cross_train")

# Often enough that a missed side is not missed for long, seldom enough that a server with many
# solutions spends little on comparing sides that agree.
RECONCILE_SECONDS = 300.0


class CrossTrainWatch(Background):
    def __init__(self, cross_train: CrossTrain, tick: float = RECONCILE_SECONDS) -> None:
        super().__init__("cross-train-watch", self._run)
        self.cross_train = cross_train
        self.tick = tick

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                written = await run_in_threadpool(self.cross_train.reconcile_all)
                if written:
                    log.info("cross-train: %d missed side(s) written", written)
            except Exception:  # a failed pass must not stop the next one
                log.exception("cross-train reconcile pass failed")
