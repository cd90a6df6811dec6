"""The solution page's live socket: ``/s/{solution}/ws`` — the page's parts again whenever a train moves.

A solution page shows what its trains plan (each capability's progress on each train, each train's
dates). It follows the trains' boards through the same hub as the boards' own screens
(:meth:`server.live.hub.Hub.watch`): this process's commits and, on PostgreSQL, the other processes'
(the LISTEN bridge) reach it alike, and a board followed here is caught up from the table when the
LISTEN connection comes back. The socket is told only a board's seq, never its events: on each it
reads the solution and renders the page's parts exactly as a reload would, for the person's solution
role (server/doors/solutions.page_context), so it shows no more of a train than the page does.

Order and catch-up, as the board sockets keep them: renders are made one after another, each from the
boards as of the seq it was told or later, so a page never goes back; the hello says which seq of each
train the page shows, and the socket sends the parts at once when one has moved on since (or the
trains are not those it shows). The session is checked again at every render: a revoked link ends
the socket with 4401. Only ``ping``/``pong`` are taken from the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool

from board import Actor, Role
from board.errors import NotFound, PiboardError
from board.solution import SolutionActor, authorise_in_solution
from server.doors.deps import Services
from server.doors.limits import TokenBucket
from server.doors.live_socket import (
    STRIKE_BURST,
    STRIKES_PER_SECOND,
    _Disconnected,
    close_with,
    next_text,
    receive_hello,
)
from server.doors.origin import cross_origin
from server.doors.solution_board import read_board, read_plan
from server.doors.solutions import page_context, read_solution, solution_session
from server.live.connection import Connection, ConnectionState
from server.live.hub import Hub
from server.live.protocol import (
    CloseCode,
    FrameError,
    FrameType,
    SolutionHello,
    error_frame,
    parse_frame,
    pong_frame,
    solution_welcome_frame,
)
from server.pages.solution import solution_seqs_marker
from server.pages.solution_board import VIEWS as BOARD_VIEWS
from server.pages.solution_board import board_region
from server.pages.templating import templates
from server.store.solutions import solution_cookie_name

router = APIRouter(tags=["live"])
log = logging.getLogger("piboard.live")


class Followers:
    """The solution pages' sockets open on this process, by solution: told when a solution itself
    changes (a capability written, a train joined or taken out, a link revoked), from this process's
    writes (SolutionStore.on_change) or, on PostgreSQL, another's (NOTIFY piboard_solution)."""

    def __init__(self) -> None:
        self.by_solution: dict[str, set[Follow]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    def add(self, follow: Follow) -> None:
        self.by_solution.setdefault(follow.solution_id, set()).add(follow)

    def remove(self, follow: Follow) -> None:
        follows = self.by_solution.get(follow.solution_id, set())
        follows.discard(follow)
        if not follows:
            self.by_solution.pop(follow.solution_id, None)

    def changed(self, solution_id: str) -> None:
        """The solution changed (from any thread): its pages here render again."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._tell, solution_id)

    def all_changed(self) -> None:
        """What other processes said meanwhile may be lost (the LISTEN connection came back)."""
        for solution_id in list(self.by_solution):
            self.changed(solution_id)

    def _tell(self, solution_id: str) -> None:
        for follow in list(self.by_solution.get(solution_id, ())):
            follow.solution_changed()


# The page's parts a train's change can change, each a template whose root has its id (swapped oob).
LIVE_PARTS = ("solution/trains.html", "solution/capabilities.html", "solution/plan.html")


def member(services: Services, solution_id: str, session: str | None) -> SolutionActor:
    """In a worker thread: who the session is in the solution, if they may read it."""
    actor = services.solutions.actor(solution_id, session)
    authorise_in_solution(actor, "solution.read")
    return actor


def render(
    services: Services, solution_id: str, session: str | None, view: str = "page"
) -> tuple[dict[str, int], int, tuple[str, ...]]:
    """In a worker thread: each train's seq as read, the solution's version, and the page's live parts
    as of then, the seqs' marker first (the session checked first: PiboardError when it no longer
    opens the solution).
    ``view``: the solution's page, or its board or big screen (their one region, and the big screen's
    Post-PI Planning column: server/pages/solution_board.py)."""
    actor = member(services, solution_id, session)
    if view in BOARD_VIEWS:
        page = read_board(services, solution_id)
        return page.seqs, page.version, board_region(page, view, read_plan(services, solution_id, view))
    solution = read_solution(services, solution_id)
    context: dict[str, Any] = {**page_context(actor, solution), "oob": True}
    parts = tuple(templates.env.get_template(name).render(context) for name in LIVE_PARTS)
    return solution.seqs, solution.version, (solution_seqs_marker(solution.seqs, solution.version), *parts)


@router.websocket("/s/{solution_id}/ws")
async def solution_socket(websocket: WebSocket, solution_id: str) -> None:
    services: Services = websocket.app.state.services
    hub: Hub = websocket.app.state.hub
    settings = services.settings
    await websocket.accept()
    session = solution_session(websocket, solution_id)
    view = websocket.query_params.get("view", "page")
    if view != "page" and view not in BOARD_VIEWS:
        await close_with(websocket, CloseCode.PROTOCOL, "protocol", "view is the page, board or screen")
        return
    from_cookie = session is not None and session == websocket.cookies.get(solution_cookie_name(solution_id))
    client = websocket.client.host if websocket.client else None
    if from_cookie and cross_origin(websocket.headers, client, settings.public_url, settings.proxies):
        reason = "this page's origin may not connect"
        await close_with(websocket, CloseCode.FORBIDDEN_ORIGIN, "forbidden", reason)
        return
    try:
        actor = await run_in_threadpool(member, services, solution_id, session)
    except NotFound as exc:
        await close_with(websocket, CloseCode.NO_BOARD, exc.code, exc.reason)
        return
    except PiboardError as exc:
        await close_with(websocket, CloseCode.UNAUTHENTICATED, "unauthenticated", exc.reason)
        return
    try:
        hello = await receive_hello(websocket, settings.max_ws_message_bytes, SolutionHello)
    except FrameError as exc:
        await close_with(websocket, CloseCode.PROTOCOL, exc.code, exc.reason)
        return
    except (TimeoutError, _Disconnected):
        await close_with(websocket, CloseCode.PROTOCOL, "protocol", "say hello first")
        return
    # A Connection for its bounded queue, sender and closing; it is no board's screen (no presence):
    # the hub's followers, so heartbeat, send watchdog and shutdown cover it.
    conn = Connection(
        f"s/{solution_id}",
        Actor(actor.id, actor.name, Role.OBSERVER),
        "solution",
        "html",
        websocket,
        queue_size=settings.ws_send_queue,
        send_timeout=settings.ws_send_timeout,
        on_drop=hub.followers.discard,
    )
    conn.start()
    hub.followers.add(conn)
    follow = Follow(services, hub, conn, solution_id, session, dict(hello.seqs), hello.version, view)
    followers: Followers = websocket.app.state.solution_followers
    followers.add(follow)
    conn.send(solution_welcome_frame(solution_id, actor.name, actor.role.value, settings))
    conn.move_to(ConnectionState.LIVE)
    following = asyncio.ensure_future(follow.run())
    try:
        await receive_loop(websocket, conn, settings.max_ws_message_bytes)
    finally:
        following.cancel()
        with contextlib.suppress(BaseException):
            await following
        follow.stop()
        followers.remove(follow)
        conn.drop(CloseCode.NORMAL, "bye")
        await conn.wait_closed()


async def receive_loop(websocket: WebSocket, conn: Connection, max_bytes: int) -> None:
    """Pings and pongs (the heartbeat); anything else is refused, and a flood closes the socket."""
    strikes = TokenBucket(STRIKES_PER_SECOND, STRIKE_BURST)
    dropped = asyncio.ensure_future(conn.closed_event.wait())
    try:
        while not conn.closed:
            text = await next_text(websocket, max_bytes, dropped)
            if text is None:
                return
            conn.heard()
            refusal = text if isinstance(text, FrameError) else answer_heartbeat(text, conn)
            if refusal is not None:
                conn.send(error_frame(refusal.code, refusal.reason))
                if not strikes.take():
                    conn.send(error_frame("flooding", "too many refused messages: closing"))
                    conn.close_after_flush(CloseCode.POLICY, "too many refused messages")
    finally:
        dropped.cancel()


def answer_heartbeat(text: str, conn: Connection) -> FrameError | None:
    """A ping answered, a pong taken; anything else is the refusal returned."""
    try:
        kind = parse_frame(text)["type"]
    except FrameError as exc:
        return exc
    if kind == FrameType.PING:
        conn.send(pong_frame())
        return None
    if kind == FrameType.PONG:
        return None
    return FrameError("unknown_type", "a solution page's socket takes ping and pong only")


class Follow:
    """The trains one solution socket follows (a hub watcher of each), and its renders."""

    def __init__(
        self,
        services: Services,
        hub: Hub,
        conn: Connection,
        solution_id: str,
        session: str | None,
        shown: dict[str, int],
        shown_version: int | None = None,
        view: str = "page",
    ) -> None:
        self.services = services
        self.hub = hub
        self.conn = conn
        self.solution_id = solution_id
        self.session = session
        self.shown = shown  # each train's seq the page shows
        self.shown_version = shown_version  # the solution's version it shows (None: it does not say)
        self.view = view  # the page, the board or its big screen: which parts it is sent
        self.boards: set[str] = set()
        self.changed = asyncio.Event()
        # The solution itself changed: send what it shows now if it differs. A big screen (re)connecting
        # is sent its Post-PI Planning column at once (a vote may have moved on meanwhile; the hello's
        # seqs say nothing of it), and its board only if a train moved on.
        self.forced = view == "screen"
        self.last_sent: tuple[str, ...] = ()  # the parts as last sent: only those that differ go again

    # --- the hub's watcher ------------------------------------------------------------------------

    def seen(self, board_id: str, seq: int) -> None:
        if seq > self.shown.get(board_id, -1):
            self.changed.set()

    def solution_changed(self) -> None:
        self.forced = True
        self.changed.set()

    def lost(self, board_id: str) -> None:
        self.conn.drop(CloseCode.TRY_AGAIN, "the server lost track of a train: reconnect to catch up")

    # --- rendering ----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Render, follow the trains rendered, send if the page is behind; again after each change."""
        closed = asyncio.ensure_future(self.conn.closed_event.wait())
        try:
            while not self.conn.closed:
                # Cleared before the read: a change told while it is read is rendered by the next turn.
                self.changed.clear()
                forced, self.forced = self.forced, False
                try:
                    seqs, version, parts = await run_in_threadpool(
                        render, self.services, self.solution_id, self.session, self.view
                    )
                except NotFound as exc:
                    self.end(CloseCode.NO_BOARD, exc.code, exc.reason)
                    return
                except PiboardError as exc:
                    self.end(CloseCode.UNAUTHENTICATED, "unauthenticated", exc.reason)
                    return
                await self.follow(seqs)
                if self.view == "screen" and not self.last_sent and seqs == self.shown:
                    self.last_sent = parts[:2]  # the screen shows the board of these seqs: not sent again
                behind = seqs != self.shown or version != self.shown_version
                if behind or (forced and parts != self.last_sent):
                    # The board and its big screen get only the parts that changed: a vote cast sends the
                    # big screen its Post-PI Planning column, not the whole board again. The page, all.
                    sent = self.last_sent if self.view in BOARD_VIEWS else ()
                    changed = [p for k, p in enumerate(parts) if k >= len(sent) or p != sent[k]]
                    self.shown, self.shown_version, self.last_sent = seqs, version, parts
                    self.conn.send("".join(changed))
                changing = asyncio.ensure_future(self.changed.wait())
                await asyncio.wait({changing, closed}, return_when=asyncio.FIRST_COMPLETED)
                changing.cancel()
        except Exception:
            # The database restarting, say: the page reconnects and is caught up then, never left stale.
            log.exception("the live solution page of %s failed; asking it to reconnect", self.solution_id)
            self.conn.drop(CloseCode.TRY_AGAIN, "server error: reconnect to catch up")
        finally:
            closed.cancel()

    async def follow(self, seqs: dict[str, int]) -> None:
        """Watch exactly the trains rendered. A train newly watched that moved on since it was read is
        rendered again (what it did between the read and the watch is not told)."""
        for board_id in self.boards - set(seqs):
            self.boards.discard(board_id)
            self.hub.unwatch(board_id, self)
        for board_id in set(seqs) - self.boards:
            self.boards.add(board_id)
            if await self.hub.watch(board_id, self) > seqs[board_id]:
                self.changed.set()

    def end(self, code: int, error: str, reason: str) -> None:
        self.conn.send(error_frame(error, reason))
        self.conn.close_after_flush(code, reason)

    def stop(self) -> None:
        for board_id in self.boards:
            self.hub.unwatch(board_id, self)
        self.boards.clear()
