"""A real ``websockets`` client of the live protocol, for the tests (and the same shape as a program would use)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

_op_ids = itertools.count(1)


def apply_changes(items: dict[str, dict[str, Any]], changes: list[dict[str, Any]]) -> None:
    """What a JSON-mode client does with an event: set each changed item to its ``after``, or remove it."""
    for change in changes:
        by_id = items.setdefault(change["kind"], {})
        if change["after"] is None:
            by_id.pop(change["id"], None)
        else:
            by_id[change["id"]] = change["after"]


class LiveClient:
    """One connection: a reader task files every frame by type; ``wait_until`` polls what arrived."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.refusals: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.presence: dict[str, Any] | None = None
        self.welcome: dict[str, Any] | None = None
        self.resets: list[dict[str, Any]] = []
        self.closed_code: int | None = None
        self.arrival: dict[int, float] = {}  # seq -> monotonic time the event arrived
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(
        cls,
        ws_url: str,
        board_id: str,
        session: str,
        *,
        last_seq: int | None,
        view: str = "program",
        mode: str = "json",
        name: str = "test",
        read: bool = True,
        **connect_kwargs: Any,
    ) -> LiveClient:
        ws = await connect(
            f"{ws_url}/b/{board_id}/ws",
            additional_headers={"Authorization": f"Bearer {session}"},
            open_timeout=30,
            ping_interval=None,
            **connect_kwargs,
        )
        client = cls(ws, name)
        hello: dict[str, Any] = {"type": "hello", "last_seq": last_seq, "view": view, "mode": mode, "name": name}
        await ws.send(json.dumps(hello))
        if read:
            client.start_reading()
        return client

    def start_reading(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                assert isinstance(message, str)
                self.file(message)
        except ConnectionClosed:
            pass
        self.closed_code = self.ws.close_code if self.ws.close_code is not None else 1006

    def file(self, message: str) -> None:
        self.raw.append(message)
        if not message.startswith("{"):
            return  # an HTML fragment
        frame = json.loads(message)
        self.frames.append(frame)
        kind = frame["type"]
        if kind == "event":
            self.events.append(frame)
            self.arrival[frame["seq"]] = time.monotonic()
        elif kind == "ack":
            self.acks[frame["client_op_id"]] = frame
        elif kind == "refusal":
            self.refusals[frame["client_op_id"]] = frame
        elif kind == "error":
            self.errors.append(frame)
        elif kind == "presence":
            self.presence = frame
        elif kind == "welcome":
            self.welcome = frame
        elif kind == "reset":
            self.resets.append(frame)

    @property
    def last_seq(self) -> int:
        seqs = [f["seq"] for f in self.frames if f["type"] in {"event", "reset"}]
        return max(seqs, default=self.welcome["seq"] if self.welcome else 0)

    async def op(self, type: str, client_op_id: str | None = None, **body: Any) -> str:
        client_op_id = client_op_id or f"{self.name}-{next(_op_ids)}"
        await self.ws.send(json.dumps({"type": "op", "op": {"type": type, "client_op_id": client_op_id, **body}}))
        return client_op_id

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: condition not met within {timeout}s")
            if self._reader is not None and self._reader.done() and not predicate():
                raise AssertionError(f"{self.name}: connection closed ({self.closed_code}) before condition")
            await asyncio.sleep(0.01)

    async def wait_closed(self, timeout: float = 30.0) -> int:
        assert self._reader is not None
        await asyncio.wait_for(self._reader, timeout)
        assert self.closed_code is not None
        return self.closed_code

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader
