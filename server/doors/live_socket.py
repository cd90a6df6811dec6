"""The websocket door: ``/b/{board_id}/ws`` — ops in, acks and events out (docs/protocol.md).

The session is the board's cookie (browsers) or ``Authorization: Bearer`` (programs), as on
every other door. The first message must be ``hello``; then the hub sends the welcome and
what the client missed, and the connection gets every event after that. Ops go through the
one edit path (``OpPath.submit``), which authorises them with the participant's role.

Every frame is checked before anything else: size, rate, JSON, type. A bad frame gets an
``error`` (or, for an op, a ``refusal``) and nothing is applied; a client that keeps sending
bad or excess frames is closed with 1008 (policy violation).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, TypeVar

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from board import Actor
from board.errors import NotFound, PiboardError
from server.doors.deps import Services, session_of
from server.doors.limits import TokenBucket
from server.doors.op_input import op_from_fields, parse_op
from server.doors.origin import cross_origin
from server.doors.schemas import OpIn
from server.errors import DATABASE_UNAVAILABLE, Unavailable
from server.live.access import AccessWatch, SessionCache, Who
from server.live.connection import Connection
from server.live.hub import Hub
from server.live.protocol import (
    CLIENT_FRAMES,
    HELLO_TIMEOUT_SECONDS,
    CloseCode,
    FrameError,
    FrameType,
    Hello,
    ack_frame,
    client_op_id_of,
    close_reason,
    error_frame,
    is_flat_op,
    parse_frame,
    pong_frame,
    refusal_frame,
)
from server.store.auth import Unauthenticated, session_cookie_name

router = APIRouter(tags=["live"])

# Refused frames a client may send before it is closed as a flooder: a burst, refilled slowly.
STRIKE_BURST = 10
STRIKES_PER_SECOND = 0.5


def authenticate(
    services: Services, board_id: str, sessions: list[str | None]
) -> dict[str | None, Who | PiboardError]:
    """In a worker thread: the participant of each session (or why it has none), on a board that
    exists, and whether they take part remotely (their presence says so). One read for them all."""
    answers: dict[str | None, Who | PiboardError] = dict(services.auth.actors_and_places(board_id, sessions))
    if any(not isinstance(answer, PiboardError) for answer in answers.values()):
        try:
            services.op_path.state(board_id)
        except NotFound as gone:
            answers = {s: a if isinstance(a, PiboardError) else gone for s, a in answers.items()}
    return answers


async def close_with(websocket: WebSocket, code: int, error: str, reason: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(error_frame(error, reason))
        await websocket.close(code, close_reason(reason))


@router.websocket("/b/{board_id}/ws")
async def live_socket(websocket: WebSocket, board_id: str) -> None:
    services: Services = websocket.app.state.services
    hub: Hub = websocket.app.state.hub
    # Accept first, so a browser sees the close code and reason (a refused handshake is just "1006").
    await websocket.accept()
    session = session_of(websocket, board_id)
    from_cookie = session is not None and session == websocket.cookies.get(session_cookie_name(board_id))
    settings = services.settings
    client = websocket.client.host if websocket.client else None
    if from_cookie and cross_origin(websocket.headers, client, settings.public_url, settings.proxies):
        reason = "this page's origin may not connect"
        await close_with(websocket, CloseCode.FORBIDDEN_ORIGIN, "forbidden", reason)
        return
    try:
        access: AccessWatch = websocket.app.state.access
        actor, remote = await access.sessions.who(board_id, session)
    except NotFound as exc:
        await close_with(websocket, CloseCode.NO_BOARD, exc.code, exc.reason)
        return
    except PiboardError as exc:
        await close_with(websocket, CloseCode.UNAUTHENTICATED, "unauthenticated", exc.reason)
        return
    try:
        hello = await receive_hello(websocket, services.settings.max_ws_message_bytes, Hello)
    except FrameError as exc:
        await close_with(websocket, CloseCode.PROTOCOL, exc.code, exc.reason)
        return
    except (TimeoutError, _Disconnected):
        await close_with(websocket, CloseCode.PROTOCOL, "protocol", "say hello first")
        return
    conn = hub.connection(
        board_id, actor, websocket, view=hello.view, mode=hello.mode, device=hello.name, remote=remote
    )
    access.watch(conn, session)
    door = LiveDoor(services, conn, websocket, session, access.sessions)
    try:
        await hub.join(conn, hello.last_seq, rendered_at=hello.rendered_at)
        await door.receive_loop()
    finally:
        conn.drop(CloseCode.NORMAL, "bye")
        await conn.wait_closed()


class _Disconnected(Exception):
    pass


async def receive_text(websocket: WebSocket, max_bytes: int) -> str:
    """The next text frame; raises ``_Disconnected`` at the end, ``FrameError`` if it is too big."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise _Disconnected
    text = message.get("text")
    if text is None:
        raw = message.get("bytes") or b""
        if len(raw) > max_bytes:
            raise FrameError("too_large", f"message over {max_bytes} bytes; nothing was applied")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("malformed", "send JSON text; nothing was applied") from None
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise FrameError("too_large", f"message over {max_bytes} bytes; nothing was applied")
    return text


async def next_text(
    websocket: WebSocket, max_bytes: int, dropped: asyncio.Future[Any]
) -> str | FrameError | None:
    """The next text frame, or why it was refused; None once the client left or ``dropped`` (the hub
    dropped the connection) is done. The refusal is returned, not raised: raised from the task here,
    its traceback would hold this frame, which holds the task, which holds the refusal, and that cycle
    would keep the connection's whole graph until a full garbage collection (server/live/collector.py)."""
    receiving = asyncio.ensure_future(receive_text(websocket, max_bytes))
    await asyncio.wait({receiving, dropped}, return_when=asyncio.FIRST_COMPLETED)
    if not receiving.done():
        receiving.cancel()
        return None
    error = receiving.exception()
    if isinstance(error, _Disconnected):
        return None
    if isinstance(error, FrameError):
        return error
    return receiving.result()


HelloShape = TypeVar("HelloShape", bound=BaseModel)


async def receive_hello(websocket: WebSocket, max_bytes: int, shape: type[HelloShape]) -> HelloShape:
    """The socket's first message, a hello of ``shape`` (a board's, or a solution page's)."""
    async with asyncio.timeout(HELLO_TIMEOUT_SECONDS):  # not wait_for: see Connection._close_peer
        text = await receive_text(websocket, max_bytes)
    data = parse_frame(text)
    if data["type"] != FrameType.HELLO:
        raise FrameError("protocol", "the first message must be hello")
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FrameError("protocol", f"hello.{where}: {first['msg']}") from None


class LiveDoor:
    """The receiving side of one connection: checks each frame, applies ops, answers."""

    def __init__(
        self,
        services: Services,
        conn: Connection,
        websocket: WebSocket,
        session: str | None,
        sessions: SessionCache,
    ) -> None:
        settings = services.settings
        self.services = services
        self.conn = conn
        self.websocket = websocket
        self.session = session
        self.sessions = sessions
        self.max_bytes = settings.max_ws_message_bytes
        # Frames of any kind (ops are further held to the participant's op rate by services.limiter).
        self.frames = TokenBucket(max(50.0, 4 * settings.ops_per_second), max(100, 2 * settings.ops_burst))
        self.strikes = TokenBucket(STRIKES_PER_SECOND, STRIKE_BURST)

    async def receive_loop(self) -> None:
        """Until the client leaves or the hub drops the connection (then nothing more is read)."""
        dropped = asyncio.ensure_future(self.conn.closed_event.wait())
        try:
            while not self.conn.closed:
                text = await next_text(self.websocket, self.max_bytes, dropped)
                if text is None:
                    return
                self.conn.heard()
                if isinstance(text, FrameError):
                    self.refuse_frame(text.code, text.reason)
                    continue
                if not self.frames.take():
                    self.refuse_frame("rate_limited", "too many messages; slow down")
                    continue
                try:
                    await self.handle(parse_frame(text))
                except FrameError as exc:
                    self.refuse_frame(exc.code, exc.reason)
        finally:
            dropped.cancel()

    def strike(self) -> None:
        if not self.strikes.take():
            self.conn.send(error_frame("flooding", "too many refused messages: closing"))
            self.conn.close_after_flush(CloseCode.POLICY, "too many refused messages")

    def refuse_frame(self, code: str, reason: str) -> None:
        self.conn.send(error_frame(code, reason))
        self.strike()

    async def handle(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if is_flat_op(kind):  # a form's fields as flat JSON (op type in 'type', args.x ...)
            fields = [(k, v) for k, v in data.items() if k != "HEADERS"]
            await self.apply(lambda: op_from_fields(fields), client_op_id_of(data))
        elif kind == FrameType.OP:
            await self.apply(lambda: parse_op(data.get("op")), client_op_id_of(data.get("op")))
        elif kind == FrameType.PING:
            self.conn.send(pong_frame())
        elif kind == FrameType.PONG:
            pass  # heard() already noted it
        elif kind == FrameType.HELLO:
            raise FrameError("protocol", "hello was already said on this connection")
        else:
            expected = sorted(str(t) for t in CLIENT_FRAMES)
            raise FrameError("unknown_type", f"unknown message type; expected one of {expected}")

    async def apply(self, parse: Any, client_op_id: str) -> None:
        try:
            op_in: OpIn = parse()
            self.services.limiter.check(self.conn.actor.id)
            actor = await self.actor()
            committed = await run_in_threadpool(
                self.services.op_path.submit, self.conn.board_id, op_in.to_op(), actor
            )
        except OperationalError:  # the database is restarting: say so, keep the socket, let it resend
            self.conn.send(refusal_frame(client_op_id, Unavailable(DATABASE_UNAVAILABLE)))
            return
        except PiboardError as exc:
            self.conn.send(refusal_frame(client_op_id, exc))
            if exc.code in {"invalid", "rate_limited"}:
                self.strike()
            if isinstance(exc, Unauthenticated):
                self.conn.close_after_flush(CloseCode.UNAUTHENTICATED, "session no longer valid")
            return
        self.conn.send(ack_frame(committed))

    async def actor(self) -> Actor:
        """Who the session is now, checked again for each op (a revoked link ends it): asked of the
        database once for the ops of a few seconds, and again after any change of access (SessionCache)."""
        actor, _ = await self.sessions.who(self.conn.board_id, self.session)
        return actor
