"""A background task starts once, stops cleanly (cancelled and awaited), and may start again after."""

from __future__ import annotations

import asyncio

import pytest

from server.background import Background


async def test_a_background_task_runs_until_stopped_and_can_run_again() -> None:
    ticks: list[int] = []

    async def loop() -> None:
        while True:
            ticks.append(1)
            await asyncio.sleep(0.01)

    task = Background("ticker", loop)
    await task.stop()  # not running: nothing to do
    task.start()
    with pytest.raises(RuntimeError, match="ticker is already running"):
        task.start()
    await asyncio.sleep(0.05)
    await task.stop()
    assert not task.running and ticks
    stopped_at = len(ticks)
    await asyncio.sleep(0.03)
    assert len(ticks) == stopped_at  # nothing of it runs after stop
    task.start()
    assert task.running
    await task.stop()
