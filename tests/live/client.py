"""A real ``websockets`` client of the live protocol, shaped as a program would use it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import socket
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

_op_ids = itertools.count(1)
T = TypeVar("T")


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
        self.closed_reason = ""
        self.arrival: dict[int, float] = {}  # seq -> monotonic time the event arrived
        self._reader: asyncio.Task[None] | None = None
        self._pongs: set[asyncio.Future[None]] = set()

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
        hello: dict[str, Any] = {
            "type": "hello",
            "last_seq": last_seq,
            "view": view,
            "mode": mode,
            "name": name,
        }
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
        self.closed_reason = self.ws.close_reason or ""

    def file(self, message: str) -> None:
        self.raw.append(message)
        if message.startswith("["):  # several frames in one message
            for frame in json.loads(message):
                self.file_frame(frame)
        elif message.startswith("{"):
            self.file_frame(json.loads(message))
        # else: an HTML fragment, kept in ``raw``

    def file_frame(self, frame: dict[str, Any]) -> None:
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
        elif kind == "presence_change":  # what changed since the list above, by entry key
            assert self.presence is not None, "a presence_change before any presence frame"
            removed = set(frame["removed"])
            kept = {p["key"]: p for p in self.presence["people"] if p["key"] not in removed}
            kept.update({p["key"]: p for p in frame["added"]})
            self.presence = {"type": "presence", "count": frame["count"], "people": list(kept.values())}
        elif kind == "welcome":
            self.welcome = frame
        elif kind == "reset":
            self.resets.append(frame)
        elif kind == "ping":  # the heartbeat: a client that never answers is dropped as dead
            self._pongs.add(asyncio.ensure_future(self._pong()))

    async def _pong(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send('{"type":"pong"}')

    @property
    def last_seq(self) -> int:
        seqs = [f["seq"] for f in self.frames if f["type"] in {"event", "reset"}]
        return max(seqs, default=self.welcome["seq"] if self.welcome else 0)

    async def op(self, type: str, client_op_id: str | None = None, **body: Any) -> str:
        client_op_id = client_op_id or f"{self.name}-{next(_op_ids)}"
        await self.ws.send(
            json.dumps({"type": "op", "op": {"type": type, "client_op_id": client_op_id, **body}})
        )
        return client_op_id

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: condition not met within {timeout}s")
            if self._reader is not None and self._reader.done() and not predicate():
                raise AssertionError(
                    f"{self.name}: closed ({self.closed_code} {self.closed_reason}) too soon"
                )
            await asyncio.sleep(0.01)

    async def wait_welcome(self) -> None:
        await self.wait_until(lambda: self.welcome is not None)

    async def wait_events(self, count: int, timeout: float = 30.0) -> None:
        await self.wait_until(lambda: len(self.events) >= count, timeout)

    async def wait_acks(self, client_op_ids: list[str], timeout: float = 30.0) -> None:
        await self.wait_until(lambda: all(i in self.acks for i in client_op_ids), timeout)

    async def wait_closed(self, timeout: float = 30.0) -> int:
        assert self._reader is not None
        await asyncio.wait_for(self._reader, timeout)
        assert self.closed_code is not None
        return self.closed_code

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader


def masked_text_frame(text: str) -> bytes:
    """A client→server websocket text frame (RFC 6455: clients mask their frames)."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def stalled_client(http_url: str, board_id: str, session: str, last_seq: int) -> socket.socket:
    """A client that says hello and then never reads again, with a tiny receive buffer:
    the server's sends to it back up within a few frames."""
    host, port = http_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /b/{board_id}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {session}\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    sock.sendall(masked_text_frame(json.dumps({"type": "hello", "last_seq": last_seq, "name": "stalled"})))
    return sock


async def read_until_close(sock: socket.socket, timeout: float) -> int | None:
    """Read server frames from a raw socket until its close frame; its code (None: ended without one)."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    buffer = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                break
            payload, buffer = buffer[start : start + length], buffer[start + length :]
            if opcode == 0x8:
                return int.from_bytes(payload[:2], "big")
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), max(0.1, deadline - time.monotonic()))
        except (ConnectionResetError, TimeoutError):
            return None
        if not chunk:
            return None
        buffer += chunk
    return None


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait until ``predicate`` holds, whatever any client's socket does meanwhile (after a close)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.01)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: Playwright's sync API (the browser tests of the same session)
    keeps an event loop running in the main thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
