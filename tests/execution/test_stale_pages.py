"""A page rendered before the clock closed an iteration, whose socket connects only afterwards (a
reconnect on hotel Wi-Fi, a page still loading), is told to fetch itself again."""

from __future__ import annotations

import asyncio
import datetime
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from server.clock import Clock
from tests.conftest import BoardHandle, LiveServer
from tests.execution.rocket import rocket


async def open_page(server: LiveServer, board: BoardHandle, rendered_at: float) -> ClientConnection:
    ws = await connect(
        f"{server.ws_url}/b/{board.id}/ws",
        additional_headers={"Authorization": f"Bearer {board.rte_session}"},
        ping_interval=None,
    )
    hello = {"type": "hello", "last_seq": board.read()["seq"], "view": "program", "mode": "html"}
    await ws.send(json.dumps({**hello, "rendered_at": rendered_at}))
    return ws


async def frames_until(ws: ClientConnection, kind: str, seconds: float = 15.0) -> list[dict[str, Any]]:
    """Every frame up to and including the first of ``kind`` (frames may come as JSON arrays)."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(seconds):
        while True:
            data = json.loads(await ws.recv())
            for frame in data if isinstance(data, list) else [data]:
                seen.append(frame)
                if frame.get("type") == kind:
                    return seen


def types(frames: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in frames if f["type"] not in {"presence", "presence_change", "ping"}]


async def test_a_page_older_than_the_iteration_closing_is_reset(
    watched_server: LiveServer, clock: Clock
) -> None:
    board = await asyncio.to_thread(rocket, watched_server)
    clock.travel_to(datetime.date(2026, 4, 10))
    watcher = await open_page(watched_server, board, time.time())
    await frames_until(watcher, "welcome")
    rendered_before = time.time()
    watch = watched_server.app.state.execution_watch
    async with asyncio.timeout(15):  # the watch has seen the board with I3 still open
        while "it3" in watch._closed.get(board.id, {"it3"}):
            await asyncio.sleep(0.05)

    clock.travel_to(datetime.date(2026, 4, 15))
    assert "reset" in types(await frames_until(watcher, "reset"))  # the open page is told at once

    late = await open_page(watched_server, board, rendered_before)  # rendered before, connected after
    assert types(await frames_until(late, "reset"))[:2] == ["welcome", "reset"]

    fresh = await open_page(watched_server, board, time.time())  # rendered after: nothing to fetch again
    await frames_until(fresh, "welcome")
    await fresh.send(json.dumps({"type": "ping"}))
    assert types(await frames_until(fresh, "pong")) == ["pong"]
    for ws in (watcher, late, fresh):
        await ws.close()
