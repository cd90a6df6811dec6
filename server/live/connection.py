"""One live socket: its lifecycle (:class:`ConnectionState`) and its bounded send queue.

Each connection has a bounded send queue drained by its own sender task, so whoever queues a frame
never awaits the client: a client whose queue is full is dropped (close code 1013, "try again
later") and catches up when it reconnects. A JSON client that has fallen a little behind gets what
is queued for it as one array message.

When the server offers it (:data:`WRITE_NOW`, our uvicorn protocol in server/doors/deflate.py), a frame
for a connection with nothing queued or being sent is written at once, as ``websockets.broadcast``
does: no queue, no wake-up of the sender task, no ASGI send chain. A broadcast to a thousand screens is
then a thousand writes on one turn of the loop. Anything the socket cannot take at once (flow control)
goes through the queue as before, so frames keep their order and a slow reader its bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from board import Actor
from server.live.protocol import COALESCE_BYTES, CloseCode, Mode, as_array, close_reason

# The ASGI scope extension by which the server offers to write a text frame at once: its "write" is a
# callable taking the text, returning False when it wrote nothing (the socket paused, closing or not open).
WRITE_NOW = "piboard.write_now"

# A peer that stopped reading takes its close frame only when it reads again; give it that long
# (the server's websocket layer aborts truly dead connections on its own keepalive timeout).
CLOSE_WAIT_SECONDS = 30.0


class ConnectionState(enum.Enum):
    """A live socket's lifecycle. GREETING: said hello, its welcome is being prepared (no presence,
    no pings yet). LIVE: welcomed. CLOSED: dropped or gone; nothing more is queued for it."""

    GREETING = "greeting"
    LIVE = "live"
    CLOSED = "closed"


_NEXT_STATES = {
    ConnectionState.GREETING: {ConnectionState.LIVE, ConnectionState.CLOSED},
    ConnectionState.LIVE: {ConnectionState.CLOSED},
    ConnectionState.CLOSED: set(),
}


class InvalidTransition(RuntimeError):
    """A connection was asked to move to a state it cannot reach from where it is."""


class Peer(Protocol):
    """What a connection needs of a socket (Starlette's ``WebSocket`` is one; its ASGI ``scope`` may
    offer :data:`WRITE_NOW`)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(eq=False)
class Connection:
    """One live socket of one participant on one board and view."""

    board_id: str
    actor: Actor
    view: str
    mode: Mode
    peer: Peer
    queue_size: int
    send_timeout: float
    device: str = ""
    remote: bool = False  # the participant takes part from elsewhere, not in the room (presence says so)
    sent_seq: int = 0  # the newest seq this connection was given (dedupes broadcast vs catch-up)
    state: ConnectionState = ConnectionState.GREETING
    close_code: int | None = None
    last_heard: float = field(default_factory=time.monotonic)
    sending_since: float | None = None  # when the send in progress began (None: not sending)
    written_at_once: int = 0  # frames written on the spot (WRITE_NOW), not through the queue
    on_drop: Callable[[Connection], None] | None = None
    _closing_reason: str = field(default="", init=False)
    closed_event: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _queue: asyncio.Queue[str | None] = field(init=False)
    _sender: asyncio.Task[None] | None = field(default=None, init=False)
    _closer: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(self.queue_size)
        scope = getattr(self.peer, "scope", None)
        extensions = scope.get("extensions") if isinstance(scope, dict) else None
        self._write_now: Callable[[str], bool] | None = ((extensions or {}).get(WRITE_NOW) or {}).get("write")

    @property
    def offers_write_now(self) -> bool:
        """Whether the server lets this connection write frames at once (:data:`WRITE_NOW`)."""
        return self._write_now is not None

    @property
    def closed(self) -> bool:
        return self.state is ConnectionState.CLOSED

    @property
    def welcomed(self) -> bool:
        """Presence and pings go only to welcomed connections: the welcome is always the first frame."""
        return self.state is ConnectionState.LIVE

    def move_to(self, state: ConnectionState) -> None:
        if state not in _NEXT_STATES[self.state]:
            raise InvalidTransition(f"a {self.state.value} connection cannot become {state.value}")
        self.state = state

    def start(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name=f"ws-send-{self.actor.name}")

    def heard(self) -> None:
        self.last_heard = time.monotonic()

    def send(self, frame: str) -> bool:
        """Queue a frame without waiting; a full queue drops the connection (it catches up on reconnect)."""
        if self.closed:
            return False
        # Written at once only behind nothing: a frame queued or being sent goes first.
        if (
            self._write_now is not None
            and self.sending_since is None
            and self._queue.empty()
            and self._write_now(frame)
        ):
            self.written_at_once += 1
            return True
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop(CloseCode.TRY_AGAIN, "fell behind (send queue full): reconnect to catch up")
            return False
        return True

    async def send_patiently(self, frame: str) -> bool:
        """Queue a frame, waiting for room (catch-up only); False if the connection closes meanwhile."""
        if self.closed:
            return False
        if not self._queue.full():
            self._queue.put_nowait(frame)
            return True
        putting = asyncio.ensure_future(self._queue.put(frame))
        closing = asyncio.ensure_future(self.closed_event.wait())
        await asyncio.wait({putting, closing}, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if not putting.done():
            putting.cancel()
            return False
        return True

    def close_after_flush(self, code: int, reason: str) -> None:
        """Close once what is queued (e.g. the error frame saying why) has been sent."""
        if self.closed:
            return
        self.close_code = code
        self._closing_reason = reason
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            self.drop(code, reason)

    def drop(self, code: int, reason: str) -> None:
        """Close now, without waiting for anything queued; never blocks the caller."""
        if self.closed:
            return
        self.move_to(ConnectionState.CLOSED)
        self.closed_event.set()
        self.close_code = code
        if self.on_drop is not None:
            self.on_drop(self)
        if self._sender is not None and self._sender is not asyncio.current_task():
            self._sender.cancel()
        self._closer = asyncio.create_task(self._close_peer(code, reason))

    async def _close_peer(self, code: int, reason: str) -> None:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for keeps the error of the close it waited
        # on in a cycle with its own frame, and with it this connection's whole graph, until a full
        # garbage collection (see server/live/collector.py).
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                await self.peer.close(code, close_reason(reason))

    async def _send_loop(self) -> None:
        while True:
            frame = await self._queue.get()
            if frame is None:
                self.drop(self.close_code or CloseCode.NORMAL, self._closing_reason)
                return
            message, close_next = self._coalesce(frame)
            # No timer per send: a socket that can take the bytes takes them without suspending, and
            # the send watchdog (server/live/heartbeat.py) drops one whose send has been pending longer
            # than send_timeout.
            self.sending_since = time.monotonic()
            try:
                await self.peer.send_text(message)
            except Exception:  # the peer went away; the receiving side notices and cleans up
                self.drop(CloseCode.NORMAL, "connection lost")
                return
            self.sending_since = None
            if close_next:
                self.drop(self.close_code or CloseCode.NORMAL, self._closing_reason)
                return

    def send_overdue(self, now: float) -> bool:
        return self.sending_since is not None and now - self.sending_since > self.send_timeout

    def _coalesce(self, first: str) -> tuple[str, bool]:
        """A JSON client that has fallen a little behind gets what is queued as one array message:
        one send and one parse instead of dozens (HTML frames always go one by one, for htmx)."""
        if self.mode != "json" or self._queue.empty():
            return first, False
        frames = [first]
        size = len(first)
        while not self._queue.empty() and size < COALESCE_BYTES:
            frame = self._queue.get_nowait()
            if frame is None:
                return as_array(frames), True
            frames.append(frame)
            size += len(frame)
        return as_array(frames), False

    async def wait_closed(self) -> None:
        for task in (self._sender, self._closer):
            if task is not None:
                with contextlib.suppress(BaseException):
                    await task
