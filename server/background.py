"""A background task as one thing to start and stop: a named coroutine that runs until it is stopped.

The server's long-running loops are each one (the quiet collector, the execution watch, the LISTEN
and presence bridges are :class:`Background` themselves; the hub holds its heartbeat and send
watchdog as two). ``stop`` cancels the task and waits for it to end, so that nothing of it runs
after the app has shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any


class Background:
    def __init__(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.name = name
        self._work = run
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the coroutine on the running event loop (once: it must be stopped first to start again)."""
        if self._task is not None:
            raise RuntimeError(f"{self.name} is already running")
        self._task = asyncio.create_task(self._work(), name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait for it to end; nothing happens if it is not running."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
