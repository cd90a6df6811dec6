"""The live hub: every committed event, on every screen of its board, in ``seq`` order, once.

Per board the hub keeps a :class:`Channel`: the set of connections and the last ``seq`` it
broadcast. Events reach it through :meth:`Hub.notify` — from this process's commits (the
``OpPath.on_commit`` listener, with the committed events in hand) or from another process
(the PostgreSQL LISTEN/NOTIFY bridge, with only the seq: the rows are read from the event
table). ``notify`` is idempotent and order-safe; a per-board pump broadcasts every event up
to the highest seq it was told of, exactly once, in order.

Each connection has a bounded send queue drained by its own sender task with a send
timeout, so broadcasting never awaits a client: a client whose queue is full, whose send
times out or that stops answering the heartbeat is dropped (close code 1013, "try again
later") and catches up when it reconnects. Events are rendered once per view and audience (HTML;
of a view only the regions whose inputs changed, see server/pages/region_memo.py) or serialised
once (JSON) and the same string goes to every connection that needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import anyio
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState
from board.core import Committed
from board.events import public_event
from board.public import public_state
from server.pages.renderer import (
    RENDERERS,
    Audience,
    audience_of,
    lock_changed,
    prime,
    render_update,
    split_view,
)
from server.settings import Settings
from server.store.op_path import OpPath

log = logging.getLogger("piboard.hub")

# Close codes (see docs/protocol.md). htmx's ws extension reconnects on 1006/1011/1012/1013 only,
# so every "come back and catch up" close uses one of those, and the final ones use 1008 / 44xx.
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # flooding: too many refused messages
CLOSE_RESTART = 1012  # server shutting down or restarting: reconnect
CLOSE_TRY_AGAIN = 1013  # fell behind (queue full, send timed out, heartbeat missed): reconnect, catch up
CLOSE_PROTOCOL = 4400  # no valid hello
CLOSE_UNAUTHENTICATED = 4401  # no or invalid session, or the join link was revoked
CLOSE_FORBIDDEN_ORIGIN = 4403  # a browser page of another origin tried to use the session cookie
CLOSE_NO_BOARD = 4404

PRESENCE_DEBOUNCE_SECONDS = 0.3
PRESENCE_MAX_PEOPLE = 500  # the list is capped; ``count`` still says how many are connected
MAX_EVENTS_PER_RENDER = 200
# A peer that stopped reading takes its close frame only when it reads again; give it that long
# (the server's websocket layer aborts truly dead connections on its own keepalive timeout).
CLOSE_WAIT_SECONDS = 30.0
COALESCE_BYTES = 256 * 1024
STOP_WAIT_SECONDS = 3.0

Mode = Literal["json", "html"]


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
    """What the hub needs of a socket (Starlette's ``WebSocket`` is one)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


def close_reason(text: str) -> str:
    """A close frame's reason is at most 123 bytes of UTF-8: cut on a character boundary."""
    return text.encode()[:120].decode(errors="ignore")


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


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
    on_drop: Callable[[Connection], None] | None = None
    _closing_reason: str = field(default="", init=False)
    closed_event: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _queue: asyncio.Queue[str | None] = field(init=False)
    _sender: asyncio.Task[None] | None = field(default=None, init=False)
    _closer: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(self.queue_size)

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
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop(CLOSE_TRY_AGAIN, "fell behind (send queue full): reconnect to catch up")
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
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.peer.close(code, close_reason(reason)), CLOSE_WAIT_SECONDS)

    async def _send_loop(self) -> None:
        while True:
            frame = await self._queue.get()
            if frame is None:
                self.drop(self.close_code or CLOSE_NORMAL, self._closing_reason)
                return
            message, close_next = self._coalesce(frame)
            # No timer per send: a socket that can take the bytes takes them without suspending, and
            # the hub's send watchdog drops one whose send has been pending longer than send_timeout.
            self.sending_since = time.monotonic()
            try:
                await self.peer.send_text(message)
            except Exception:  # the peer went away; the receiving side notices and cleans up
                self.drop(CLOSE_NORMAL, "connection lost")
                return
            self.sending_since = None
            if close_next:
                self.drop(self.close_code or CLOSE_NORMAL, self._closing_reason)
                return

    def send_overdue(self, now: float) -> bool:
        return self.sending_since is not None and now - self.sending_since > self.send_timeout

    def _coalesce(self, first: str) -> tuple[str, bool]:
        """A JSON client that has fallen a little behind gets what is queued as one array message:
        one send and one parse instead of dozens (HTML frames always go one by one, for htmx)."""
        if self.mode != "json" or self._queue.empty():
            return first, False
        frames = [_array_items(first)]
        size = len(first)
        while not self._queue.empty() and size < COALESCE_BYTES:
            frame = self._queue.get_nowait()
            if frame is None:
                return "[" + ",".join(frames) + "]", True
            frames.append(_array_items(frame))
            size += len(frame)
        return "[" + ",".join(frames) + "]", False

    async def wait_closed(self) -> None:
        for task in (self._sender, self._closer):
            if task is not None:
                with contextlib.suppress(BaseException):
                    await task


@dataclass(eq=False)
class Channel:
    """One board's live connections and broadcast position."""

    board_id: str
    connections: set[Connection] = field(default_factory=set)
    live: set[Connection] = field(default_factory=set)  # caught up: they get every broadcast
    last_seq: int = -1  # the newest seq broadcast; -1 until read from the database
    target: int = 0  # the newest seq the hub was told of
    pending: dict[int, Committed] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    pump: asyncio.Task[None] | None = None
    presence_timer: asyncio.TimerHandle | None = None
    # The seq each (view, audience) its browsers opened was rendered at, or is being rendered at.
    primed: dict[tuple[str, Audience], int] = field(default_factory=dict)


def _array_items(frame: str) -> str:
    """A frame as items of a JSON array: an array (a batch) gives its items, an object itself."""
    return frame[1:-1] if frame.startswith("[") else frame


def batch_messages(frames: list[str]) -> list[str]:
    """JSON frames as few messages as can be: arrays of up to ``COALESCE_BYTES`` (docs/protocol.md: an
    array is its frames in order), a lone frame as itself."""
    messages: list[str] = []
    chunk: list[str] = []
    size = 0
    for frame in frames:
        if chunk and size + len(frame) > COALESCE_BYTES:
            messages.append(_one_message(chunk))
            chunk, size = [], 0
        chunk.append(frame)
        size += len(frame)
    if chunk:
        messages.append(_one_message(chunk))
    return messages


def _one_message(frames: list[str]) -> str:
    return frames[0] if len(frames) == 1 else "[" + ",".join(frames) + "]"


def event_frame(state: BoardState, event: Committed) -> str:
    """The JSON-mode frame of one event, in its public (redacted) shape."""
    return dumps({"type": "event", **public_event(state, event)})


def seq_marker(seq: int) -> str:
    """Lets the browser track the seq it has shown (live.js reads it before htmx swaps)."""
    return f'<div id="live-seq" hx-swap-oob="true" data-seq="{int(seq)}" hidden></div>'


def reset_frame(state: BoardState, mode: Mode) -> str:
    if mode == "json":
        return dumps({"type": "reset", "seq": state.seq, "items": public_state(state)})
    return dumps({"type": "reset", "seq": state.seq})


def html_frame(view: str, audience: Audience, state: BoardState, events: list[Committed]) -> str:
    """The fragments of a view for an audience and a batch of events. A view no renderer knows, a
    renderer that fails or a lock that changed every control gets a reset instead: the browser
    fetches the page again rather than show it stale."""
    if split_view(view)[0] not in RENDERERS or lock_changed(events):
        return reset_frame(state, "html")
    try:
        body = render_update(view, state, events, audience) or ""
    except Exception:
        log.exception("live renderer for view %r failed; telling its browsers to reload", view)
        return reset_frame(state, "html")
    return seq_marker(events[-1].seq) + body


class Hub:
    def __init__(self, op_path: OpPath, settings: Settings) -> None:
        self.op_path = op_path
        self.settings = settings
        self.channels: dict[str, Channel] = {}
        # board id -> when the clock last changed what it shows (see refresh)
        self.refreshed_at: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._listening = False
        # Work per broadcast: renders (HTML, once per view) and encodes (JSON, once per event) must not
        # grow with the number of connections (tests/live/test_send_work.py holds it so).
        self.stats = {"broadcast_batches": 0, "renders": 0, "encodes": 0, "dropped": 0, "primed": 0}
        self._priming: set[asyncio.Task[None]] = set()
        self.busy_at = time.monotonic()  # when it last broadcast (server/live/collector.py waits for quiet)
        self._prime_limiter = anyio.CapacityLimiter(1)
        # Presence across processes (server/live/presence_bridge.py): who is connected to the other
        # processes, per board, and where this process's own list goes when it changes.
        self.remote_presence: dict[str, list[dict[str, Any]]] = {}
        self.on_local_presence: Callable[[str, list[dict[str, Any]]], None] | None = None
        self._published_presence: dict[str, list[dict[str, Any]]] = {}

    # --- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if not self._listening:
            self.op_path.on_commit(self._on_commit)
            self._listening = True
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="ws-heartbeat")
        self._watchdog = asyncio.create_task(self._send_watchdog(), name="ws-send-watchdog")

    async def stop(self) -> None:
        for task in (self._heartbeat, self._watchdog, *self._priming):
            if task is not None:
                task.cancel()
        connections = [c for ch in self.channels.values() for c in ch.connections]
        for conn in connections:
            conn.drop(CLOSE_RESTART, "server restarting: reconnect")
        for ch in list(self.channels.values()):
            self._forget_channel(ch)
        closing = [asyncio.ensure_future(c.wait_closed()) for c in connections]
        if closing:
            # Peers that stopped reading never take their close frame: do not hold the shutdown for them.
            _, stuck = await asyncio.wait(closing, timeout=STOP_WAIT_SECONDS)
            for task in stuck:
                task.cancel()
        self._loop = None

    # --- how events arrive ----------------------------------------------------------------------

    def _on_commit(self, board_id: str, committed: list[Committed]) -> None:
        """OpPath listener: runs in the committing (worker) thread; hop onto the event loop."""
        self.notify(board_id, committed[-1].seq, committed)

    def notify(self, board_id: str, seq: int, committed: list[Committed] | None = None) -> None:
        """Broadcast every event of the board up to ``seq`` not yet broadcast. Safe from any thread,
        any number of times, in any order; ``committed`` (when given) saves reading the event table."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() != self._loop_thread:
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                loop.call_soon_threadsafe(self.notify, board_id, seq, committed)
            return
        ch = self.channels.get(board_id)
        if ch is None:  # nobody watches this board here: a later joiner reads the table
            return
        for event in committed or ():
            if event.seq > ch.last_seq:
                ch.pending[event.seq] = event
        if seq > ch.target:
            ch.target = seq
            ch.wake.set()

    # --- connections ----------------------------------------------------------------------------

    def _channel(self, board_id: str) -> Channel:
        ch = self.channels.get(board_id)
        if ch is None:
            ch = self.channels[board_id] = Channel(board_id)
            ch.pump = asyncio.create_task(self._pump(ch), name=f"hub-pump-{board_id}")
        return ch

    def _forget_channel(self, ch: Channel) -> None:
        if ch.pump is not None:
            ch.pump.cancel()
        if ch.presence_timer is not None:
            ch.presence_timer.cancel()
        if self.channels.get(ch.board_id) is ch:
            del self.channels[ch.board_id]

    def connection(
        self,
        board_id: str,
        actor: Actor,
        peer: Peer,
        *,
        view: str,
        mode: Mode,
        device: str = "",
        remote: bool = False,
    ) -> Connection:
        conn = Connection(
            board_id,
            actor,
            view,
            mode,
            peer,
            queue_size=self.settings.ws_send_queue,
            send_timeout=self.settings.ws_send_timeout,
            device=device,
            remote=remote,
            on_drop=self.leave,
        )
        conn.start()
        return conn

    async def join(
        self,
        conn: Connection,
        last_seq: int | None,
        welcome: dict[str, Any],
        rendered_at: float | None = None,
    ) -> None:
        """Welcome the connection, send exactly what it missed (or a reset), then make it live. A page
        rendered before the clock last changed what the board shows (``refresh``) gets a reset."""
        ch = self._channel(conn.board_id)
        ch.connections.add(conn)
        await ch.ready.wait()
        state = await run_in_threadpool(self.op_path.state, conn.board_id)
        if not conn.send(dumps({**welcome, "seq": state.seq})):
            return  # dropped while its welcome was being prepared
        conn.move_to(ConnectionState.LIVE)
        self._presence_changed(ch)
        too_far = state.seq - (last_seq or 0) > self.settings.max_events_per_catch_up
        stale = rendered_at is not None and rendered_at < self.refreshed_at.get(conn.board_id, 0.0)
        if last_seq is None or last_seq > state.seq or too_far or stale:
            conn.send(reset_frame(state, conn.mode))
            conn.sent_seq = state.seq
        else:
            conn.sent_seq = last_seq
        while not conn.closed:
            rows, state = await run_in_threadpool(self._missed, conn.board_id, conn.sent_seq)
            if rows:
                await self._send_catch_up(conn, state, rows)
            # No await between this check and going live: no broadcast can slip between the two. One
            # made while the rows were read (in a worker thread) is read on the next turn of the loop.
            if conn.sent_seq >= ch.last_seq:
                if not conn.closed:
                    ch.live.add(conn)
                    if conn.mode == "html":
                        self._prime(ch, conn, state)
                return

    def _prime(self, ch: Channel, conn: Connection, state: BoardState) -> None:
        """Render a browser's view as the board is, off the loop, once per view, audience and seq: the
        first edit after then renders only what it changed (else it renders every region of each newly
        opened view twice, and every screen waits for it)."""
        key = (conn.view, audience_of(conn.view, conn.actor))
        if ch.primed.get(key, -1) >= state.seq:
            return
        ch.primed[key] = state.seq

        async def priming() -> None:
            try:
                # One at a time: a room opening many views must not hold up the commits' worker threads.
                await anyio.to_thread.run_sync(prime, conn.view, state, key[1], limiter=self._prime_limiter)
                self.stats["primed"] += 1
            except Exception:  # only ever a saving: the first batch renders what it needs
                log.exception("priming view %r failed", conn.view)

        task = asyncio.create_task(priming(), name=f"prime {conn.view}")
        self._priming.add(task)
        task.add_done_callback(self._priming.discard)

    def _missed(self, board_id: str, since: int) -> tuple[list[Committed], BoardState]:
        """In a worker thread: the events after ``since``, and the board as of them or later."""
        rows = self.op_path.events_since(board_id, since, self.settings.max_events_per_catch_up)
        return rows, self.op_path.state(board_id)

    async def _send_catch_up(self, conn: Connection, state: BoardState, events: list[Committed]) -> None:
        # Catch-up may be longer than the send queue: wait for room (a live broadcast never waits).
        if conn.mode == "json":
            for event in events:
                await conn.send_patiently(event_frame(state, event))
        else:
            audience = audience_of(conn.view, conn.actor)
            await conn.send_patiently(html_frame(conn.view, audience, state, events))
        conn.sent_seq = events[-1].seq

    def leave(self, conn: Connection) -> None:
        ch = self.channels.get(conn.board_id)
        if ch is None or conn not in ch.connections:
            return
        ch.connections.discard(conn)
        ch.live.discard(conn)
        if conn.close_code == CLOSE_TRY_AGAIN:
            self.stats["dropped"] += 1
        if not ch.connections:
            self._forget_channel(ch)
            # Nobody here any more: tell the other processes (no presence frame goes out here).
            if self._published_presence.pop(ch.board_id, None) and self.on_local_presence is not None:
                self.on_local_presence(ch.board_id, [])
        else:
            self._presence_changed(ch)

    # --- broadcasting ---------------------------------------------------------------------------

    async def _pump(self, ch: Channel) -> None:
        try:
            state = await run_in_threadpool(self.op_path.state, ch.board_id)
            ch.last_seq = state.seq
            ch.pending = {s: e for s, e in ch.pending.items() if s > ch.last_seq}
            ch.ready.set()
            while True:
                await ch.wake.wait()
                ch.wake.clear()
                while ch.last_seq < ch.target:
                    batch = await self._next_batch(ch)
                    if not batch:
                        break  # told of a seq whose row is not visible yet: the next notify resumes
                    state = await self._state_after(ch.board_id, batch[-1].seq)
                    batch += await self._shown_too(ch, batch[-1].seq, state.seq)
                    self._deliver(ch, state, batch)
                    ch.last_seq = batch[-1].seq
                    for seq in [s for s in ch.pending if s <= ch.last_seq]:
                        del ch.pending[seq]
        except asyncio.CancelledError:
            raise
        except Exception:
            # A broken pump would leave screens stale: drop everyone so they reconnect and catch up.
            log.exception("hub pump of board %s failed", ch.board_id)
            self._forget_channel(ch)  # the next joiner starts a fresh channel
            ch.ready.set()
            for conn in list(ch.connections):
                conn.drop(CLOSE_TRY_AGAIN, "server error: reconnect to catch up")

    async def _state_after(self, board_id: str, seq: int) -> BoardState:
        """The board as of ``seq`` or later. A commit of this process left it in memory: taken from there,
        with no hop to a worker thread (which waits for a turn of the loop while it sends to every screen)."""
        held = self.op_path.held_state(board_id)
        if held is not None and held.seq >= seq:
            return held
        return await run_in_threadpool(self.op_path.state, board_id)

    async def _next_batch(self, ch: Channel) -> list[Committed]:
        batch: list[Committed] = []
        seq = ch.last_seq + 1
        while seq <= ch.target and seq in ch.pending and len(batch) < MAX_EVENTS_PER_RENDER:
            batch.append(ch.pending[seq])
            seq += 1
        if batch:
            return batch
        # A gap (a commit of another process, or a listener call still in flight): read the table.
        return await run_in_threadpool(
            self.op_path.events_since, ch.board_id, ch.last_seq, MAX_EVENTS_PER_RENDER
        )

    async def _shown_too(self, ch: Channel, last: int, seq: int) -> list[Committed]:
        """The events after the batch that the board read for it already shows (commits that landed
        meanwhile): sent with it, so that what is rendered is exactly the batch's outcome and the next
        batch starts from this rendering (a server that fell behind would otherwise render every view's
        "before" again, and fall further behind)."""
        if seq <= last or seq - last > MAX_EVENTS_PER_RENDER:
            return []
        wanted = range(last + 1, seq + 1)
        if all(s in ch.pending for s in wanted):
            return [ch.pending[s] for s in wanted]
        rows = await run_in_threadpool(self.op_path.events_between, ch.board_id, last, seq)
        return rows if [e.seq for e in rows] == list(wanted) else []

    def _deliver(self, ch: Channel, state: BoardState, batch: list[Committed]) -> None:
        """Encode each event once (JSON) or render each view once per audience (HTML), then queue the
        same strings for every live connection: one queued message per connection and batch, so one
        wake of its sender."""
        self.stats["broadcast_batches"] += 1
        self.busy_at = time.monotonic()
        last = batch[-1].seq
        json_frames: list[str] = []
        json_messages: dict[int, list[str]] = {}  # by the index of the first event a connection needs
        html_by_view: dict[tuple[str, Audience], str] = {}
        for conn in list(ch.live):
            if conn.sent_seq >= last:
                continue
            if conn.mode == "json":
                if not json_frames:
                    json_frames = [event_frame(state, e) for e in batch]
                    self.stats["encodes"] += len(batch)
                first = 0 if conn.sent_seq < batch[0].seq else conn.sent_seq - batch[0].seq + 1
                messages = json_messages.get(first)
                if messages is None:
                    messages = json_messages[first] = batch_messages(json_frames[first:])
                for message in messages:
                    if not conn.send(message):
                        break
            else:
                key = (conn.view, audience_of(conn.view, conn.actor))
                fragments = html_by_view.get(key)
                if fragments is None:
                    fragments = html_by_view[key] = html_frame(*key, state, batch)
                    self.stats["renders"] += 1
                conn.send(fragments)
            conn.sent_seq = last

    def refresh(self, state: BoardState) -> None:
        """Something derived changed with no event (the clock closed an iteration): every screen of
        the board fetches what it shows again, as after a reset."""
        self.refreshed_at[state.board_id] = time.time()
        ch = self.channels.get(state.board_id)
        if ch is None:
            return
        frames = {mode: reset_frame(state, mode) for mode in ("html", "json")}
        # Welcomed ones still catching up too: they went past the moment their page was rendered.
        for conn in [c for c in ch.connections if c.welcomed]:
            conn.send(frames[conn.mode])

    # --- presence -------------------------------------------------------------------------------

    def _presence_changed(self, ch: Channel) -> None:
        if ch.presence_timer is None and self._loop is not None:
            ch.presence_timer = self._loop.call_later(PRESENCE_DEBOUNCE_SECONDS, self._send_presence, ch)

    def local_presence(self, board_id: str) -> list[dict[str, Any]]:
        """Who is connected to this process, one entry per participant, view and device."""
        ch = self.channels.get(board_id)
        connections = ch.connections if ch is not None else set()
        people: dict[tuple[str, str, str], dict[str, Any]] = {}
        for conn in connections:
            if not conn.welcomed:
                continue
            a = conn.actor
            people[(a.id, conn.view, conn.device)] = {
                "id": a.id,
                "name": a.name,
                "role": a.role.value,
                "team_id": a.team_id,
                "view": conn.view,
                "device": conn.device,
                "remote": conn.remote,
            }
        return sorted(people.values(), key=lambda p: (p["id"], p["view"], p["device"]))

    def people_here(self, board_id: str) -> list[dict[str, Any]]:
        """Everyone connected to the board, on this process and (on PostgreSQL) the others: one entry
        per participant, view and device, with the participant's id."""
        people = {
            (p["id"], p["view"], p["device"]): p
            for p in [*self.remote_presence.get(board_id, []), *self.local_presence(board_id)]
        }
        return list(people.values())

    def presence(self, board_id: str) -> dict[str, Any]:
        """The presence frame: everyone connected to the board (without their ids)."""
        people = self.people_here(board_id)
        listed = sorted(
            ({k: v for k, v in p.items() if k != "id"} for p in people),
            key=lambda p: (p["name"].lower(), p["view"], p["device"]),
        )
        participants = len({p["id"] for p in people})
        return {"type": "presence", "count": participants, "people": listed[:PRESENCE_MAX_PEOPLE]}

    def set_remote(self, board_id: str, participant_id: str, remote: bool) -> None:
        """A participant said they are in the room or remote: their open pages' presence says so."""
        ch = self.channels.get(board_id)
        mine = [c for c in ch.connections if c.actor.id == participant_id] if ch is not None else []
        for conn in mine:
            conn.remote = remote
        if ch is not None and mine:
            self._presence_changed(ch)

    def set_remote_presence(self, board_id: str, people: list[dict[str, Any]]) -> None:
        """The other processes' list for a board changed (on the event loop's thread)."""
        if self.remote_presence.get(board_id, []) == people:
            return
        self.remote_presence[board_id] = people
        ch = self.channels.get(board_id)
        if ch is not None:
            self._presence_changed(ch)

    def _send_presence(self, ch: Channel) -> None:
        ch.presence_timer = None
        local = self.local_presence(ch.board_id)
        if self.on_local_presence is not None and self._published_presence.get(ch.board_id) != local:
            self._published_presence[ch.board_id] = local
            self.on_local_presence(ch.board_id, local)
        frame = dumps(self.presence(ch.board_id))
        for conn in list(ch.connections):
            if conn.welcomed:
                conn.send(frame)

    # --- slow clients ---------------------------------------------------------------------------

    async def _send_watchdog(self) -> None:
        """Drop a connection whose send has been pending for longer than the send timeout: its client
        stopped reading. One sweep for all connections instead of a timer around every send."""
        period = min(1.0, self.settings.ws_send_timeout / 4)
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for ch in list(self.channels.values()):
                for conn in [c for c in ch.connections if c.send_overdue(now)]:
                    conn.drop(CLOSE_TRY_AGAIN, "fell behind (send timed out): reconnect to catch up")

    # --- heartbeat ------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        """Ping every connection; one that has said nothing for two beats is dead or stuck: drop it."""
        beat = self.settings.ws_heartbeat
        ping = dumps({"type": "ping"})
        while True:
            await asyncio.sleep(beat)
            silent_since = time.monotonic() - 2 * beat
            for ch in list(self.channels.values()):
                for conn in [c for c in ch.connections if c.welcomed]:
                    if conn.last_heard < silent_since:
                        conn.drop(CLOSE_TRY_AGAIN, "no answer to the heartbeat: reconnect")
                    else:
                        conn.send(ping)
