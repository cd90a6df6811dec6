"""The live hub: every committed event, on every screen of its board, in ``seq`` order, once.

Per board the hub keeps a :class:`Channel`: the set of connections and the last ``seq`` it
broadcast. Events reach it through :meth:`Hub.notify` — from this process's commits (the
``OpPath.on_commit`` listener, with the committed events in hand) or from another process
(the PostgreSQL LISTEN/NOTIFY bridge, with only the seq: the rows are read from the event
table). ``notify`` is idempotent and order-safe; a per-board pump broadcasts every event up
to the highest seq it was told of, exactly once, in order. A joining connection gets its welcome,
exactly what it missed (or a reset), and then goes live.

Broadcasting never awaits a client: frames are queued on each connection (server/live/connection.py),
and the slow or silent are dropped to catch up later (server/live/heartbeat.py). Events are rendered
once per view and audience (HTML; of a view only the regions whose inputs changed, see
server/pages/region_memo.py) or serialised once (JSON) and the same string goes to every connection
that needs it. Who is here is :class:`~server.live.presence.Presence`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from starlette.concurrency import run_in_threadpool

from board import Actor, BoardState
from board.core import Committed
from server.background import Background
from server.live.connection import Connection, ConnectionState, Peer
from server.live.heartbeat import heartbeat, send_watchdog
from server.live.presence import Presence
from server.live.protocol import (
    CloseCode,
    Mode,
    batch_messages,
    event_frame,
    reset_frame,
    seq_marker,
    welcome_frame,
)
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

MAX_EVENTS_PER_RENDER = 200
# A board's next broadcast starts no sooner than this many times the last one took, from its start:
# edits coming faster than a broadcast to every screen takes are sent together, as one message per
# screen, rather than each costing every screen a write (and the loop all its time). An edit after a
# quiet moment goes at once.
BROADCAST_PACE = 2.0
STOP_WAIT_SECONDS = 3.0
CATCH_UPS_KEPT = 16  # catch-ups read for joiners kept per board until it moves on


class Watcher(Protocol):
    """Something that follows a board without being one of its screens (a solution's page follows its
    trains' boards): told the seq after each broadcast, so it reads what it shows as of then or later."""

    def seen(self, board_id: str, seq: int) -> None: ...

    def lost(self, board_id: str) -> None:
        """The board's channel failed or the hub stops: what it follows may be missed from now on."""
        ...


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
    # When the last broadcast started and how long it took (BROADCAST_PACE), in monotonic seconds.
    delivered_at: float = 0.0
    delivered_in: float = 0.0
    # The seq each (view, audience) its browsers opened was rendered at, or is being rendered at.
    primed: dict[tuple[str, Audience], int] = field(default_factory=dict)
    # What joiners are sent, shared by those arriving together (a room reconnecting at once): the reset
    # per mode, and the catch-up per seq they come back from; both are dropped when the channel moves on.
    resets: dict[Mode, tuple[int, str]] = field(default_factory=dict)
    catch_ups: dict[int, asyncio.Future[CatchUp]] = field(default_factory=dict)
    watchers: set[Watcher] = field(default_factory=set)


@dataclass(eq=False)
class CatchUp:
    """The events after a seq, the board as of them or later, and their frames as sent (each rendered
    once, for every joiner that needs them)."""

    events: list[Committed]
    state: BoardState
    json: list[str] | None = None
    html: dict[tuple[str, Audience], asyncio.Future[str]] = field(default_factory=dict)

    def json_frames(self) -> list[str]:
        if self.json is None:
            self.json = [event_frame(self.state, e) for e in self.events]
        return self.json

    async def html_frame(self, view: str, audience: Audience) -> str:
        """Rendered in a worker thread, as a view is primed: a freshly started server's first renders
        (compiling its templates) would otherwise hold up every other screen's welcome."""
        frame = self.html.get((view, audience))
        if frame is None:
            rendering = run_in_threadpool(html_frame, view, audience, self.state, self.events)
            frame = self.html[(view, audience)] = asyncio.ensure_future(rendering)
        return await asyncio.shield(frame)


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
    """This process's live boards: their channels, what arrives for them and who is here."""

    def __init__(self, op_path: OpPath, settings: Settings) -> None:
        self.op_path = op_path
        self.settings = settings
        self.channels: dict[str, Channel] = {}
        # board id -> when the clock last changed what it shows (see refresh)
        self.refreshed_at: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        beat, send_timeout = settings.ws_heartbeat, settings.ws_send_timeout
        self._sweeps = (
            Background("ws-heartbeat", lambda: heartbeat(self._connections, beat)),
            Background("ws-send-watchdog", lambda: send_watchdog(self._connections, send_timeout)),
        )
        self._listening = False
        # Work per broadcast: renders (HTML, once per view) and encodes (JSON, once per event) must not
        # grow with the number of connections (tests/live/test_send_work.py holds it so).
        self.stats = {"broadcast_batches": 0, "renders": 0, "encodes": 0, "dropped": 0, "primed": 0}
        self._priming: set[asyncio.Task[None]] = set()
        self.busy_at = time.monotonic()  # when it last broadcast (server/live/collector.py waits for quiet)
        self._prime_limiter = anyio.CapacityLimiter(1)
        self.presence = Presence(self.channels)
        # Sockets that follow boards through watchers rather than as one board's screen (the solution
        # page's): heartbeat, send watchdog and shutdown cover them like the boards' own.
        self.followers: set[Connection] = set()

    # --- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if not self._listening:
            self.op_path.on_commit(self._on_commit)
            self._listening = True
        self.presence.open(self._loop)
        for sweep in self._sweeps:
            sweep.start()

    async def stop(self) -> None:
        for sweep in self._sweeps:
            await sweep.stop()
        for task in self._priming:
            task.cancel()
        connections = self._connections()
        for conn in connections:
            conn.drop(CloseCode.RESTART, "server restarting: reconnect")
        for ch in list(self.channels.values()):
            for watcher in list(ch.watchers):
                watcher.lost(ch.board_id)
            self._forget_channel(ch)
        closing = [asyncio.ensure_future(c.wait_closed()) for c in connections]
        if closing:
            # Peers that stopped reading never take their close frame: do not hold the shutdown for them.
            _, stuck = await asyncio.wait(closing, timeout=STOP_WAIT_SECONDS)
            for task in stuck:
                task.cancel()
        self.presence.close()
        self._loop = None

    def people_here(self, board_id: str) -> list[dict[str, Any]]:
        """Who is connected to the board (see :meth:`Presence.people_here`): what the doors ask."""
        return self.presence.people_here(board_id)

    def _connections(self) -> list[Connection]:
        """Every connection of every board on this process."""
        return [*(conn for ch in list(self.channels.values()) for conn in ch.connections), *self.followers]

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

    async def watch(self, board_id: str, watcher: Watcher) -> int:
        """Follow a board: ``watcher.seen`` after every broadcast of it (on this process's loop, whoever
        committed: this process or, through the LISTEN bridge, another). Returns the seq the board is
        at now; anything after it is told."""
        ch = self._channel(board_id)
        ch.watchers.add(watcher)
        await ch.ready.wait()
        return ch.last_seq

    def unwatch(self, board_id: str, watcher: Watcher) -> None:
        ch = self.channels.get(board_id)
        if ch is None:
            return
        ch.watchers.discard(watcher)
        if not ch.connections and not ch.watchers:
            self._forget_channel(ch)

    def _forget_channel(self, ch: Channel) -> None:
        if ch.pump is not None:
            ch.pump.cancel()
        self.presence.forget(ch.board_id)
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

    async def join(self, conn: Connection, last_seq: int | None, rendered_at: float | None = None) -> None:
        """Welcome the connection, send exactly what it missed (or a reset), then make it live. A page
        rendered before the clock last changed what the board shows (``refresh``) gets a reset."""
        ch = self._channel(conn.board_id)
        ch.connections.add(conn)
        await ch.ready.wait()
        # The board as broadcast here, from memory; read if the page says it saw more (another process).
        state = await self._state_after(conn.board_id, max(ch.last_seq, last_seq or 0))
        welcome = welcome_frame(conn.board_id, conn.actor, conn.view, conn.mode, self.settings, state.seq)
        if not conn.send(welcome):
            return  # dropped while its welcome was being prepared
        conn.move_to(ConnectionState.LIVE)
        self.presence.changed(ch.board_id)
        too_far = state.seq - (last_seq or 0) > self.settings.max_events_per_catch_up
        stale = rendered_at is not None and rendered_at < self.refreshed_at.get(conn.board_id, 0.0)
        if last_seq is None or last_seq > state.seq or too_far or stale:
            conn.send(self._reset(ch, state, conn.mode))
            conn.sent_seq = state.seq
        else:
            conn.sent_seq = last_seq
        while not conn.closed:
            missed = await self._missed(ch, conn.sent_seq)
            state = missed.state
            if missed.events:
                await self._send_catch_up(conn, missed)
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

    def _reset(self, ch: Channel, state: BoardState, mode: Mode) -> str:
        """The reset frame of the board as of ``state``, made once for every joiner at that seq."""
        made = ch.resets.get(mode)
        if made is None or made[0] != state.seq:
            made = ch.resets[mode] = (state.seq, reset_frame(state, mode))
        return made[1]

    async def _missed(self, ch: Channel, since: int) -> CatchUp:
        """The events after ``since`` and the board as of them or later: read once for every joiner
        coming back from that seq while the channel has not moved on (a read made before it moved is
        still right: the joiner then reads what followed, until it has caught up)."""
        reading = ch.catch_ups.get(since)
        if reading is None:
            if len(ch.catch_ups) >= CATCH_UPS_KEPT:
                ch.catch_ups = {s: r for s, r in ch.catch_ups.items() if not r.done()}
            reading = ch.catch_ups[since] = asyncio.ensure_future(self._read_missed(ch.board_id, since))
            reading.add_done_callback(lambda r: r.cancelled() or r.exception())
        try:
            return await asyncio.shield(reading)
        except Exception:
            if ch.catch_ups.get(since) is reading:
                del ch.catch_ups[since]
            raise

    async def _read_missed(self, board_id: str, since: int) -> CatchUp:
        rows = await run_in_threadpool(self._missed_rows, board_id, since)
        return CatchUp(rows, await self._state_after(board_id, rows[-1].seq if rows else since))

    def _missed_rows(self, board_id: str, since: int) -> list[Committed]:
        """In a worker thread: the events after ``since``, as many as one catch-up sends."""
        return self.op_path.events_since(board_id, since, self.settings.max_events_per_catch_up)

    async def _send_catch_up(self, conn: Connection, missed: CatchUp) -> None:
        # Catch-up may be longer than the send queue: wait for room (a live broadcast never waits).
        if conn.mode == "json":
            for frame in missed.json_frames():
                await conn.send_patiently(frame)
        else:
            frame = await missed.html_frame(conn.view, audience_of(conn.view, conn.actor))
            await conn.send_patiently(frame)
        conn.sent_seq = missed.events[-1].seq

    def leave(self, conn: Connection) -> None:
        ch = self.channels.get(conn.board_id)
        if ch is None or conn not in ch.connections:
            return
        ch.connections.discard(conn)
        ch.live.discard(conn)
        if conn.close_code == CloseCode.TRY_AGAIN:
            self.stats["dropped"] += 1
        if not ch.connections:
            if not ch.watchers:
                self._forget_channel(ch)
            self.presence.left_empty(ch.board_id)
        else:
            self.presence.changed(ch.board_id)

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
                    rest = ch.delivered_at + BROADCAST_PACE * ch.delivered_in - time.monotonic()
                    if rest > 0:
                        await asyncio.sleep(rest)
                    batch = await self._next_batch(ch)
                    if not batch:
                        break  # told of a seq whose row is not visible yet: the next notify resumes
                    state = await self._state_after(ch.board_id, batch[-1].seq)
                    batch += await self._shown_too(ch, batch[-1].seq, state.seq)
                    ch.delivered_at = time.monotonic()
                    self._deliver(ch, state, batch)
                    ch.delivered_in = time.monotonic() - ch.delivered_at
                    ch.last_seq = batch[-1].seq
                    ch.catch_ups.clear()  # a joiner reading them now reads the events that followed too
                    ch.resets.clear()
                    for seq in [s for s in ch.pending if s <= ch.last_seq]:
                        del ch.pending[seq]
                    for watcher in list(ch.watchers):
                        watcher.seen(ch.board_id, ch.last_seq)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A broken pump would leave screens stale: drop everyone so they reconnect and catch up.
            log.exception("hub pump of board %s failed", ch.board_id)
            self._forget_channel(ch)  # the next joiner starts a fresh channel
            ch.ready.set()
            for watcher in list(ch.watchers):
                watcher.lost(ch.board_id)
            for conn in list(ch.connections):
                conn.drop(CloseCode.TRY_AGAIN, "server error: reconnect to catch up")

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
        for watcher in list(ch.watchers):
            watcher.seen(ch.board_id, state.seq)
        ch.resets.clear()  # what the board shows changed at the same seq
        frames = {mode: reset_frame(state, mode) for mode in ("html", "json")}
        # Welcomed ones still catching up too: they went past the moment their page was rendered.
        for conn in [c for c in ch.connections if c.welcomed]:
            conn.send(frames[conn.mode])
