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
import json
import logging
from typing import Any, Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from board import Actor
from board.core import Committed
from board.errors import NotFound, PiboardError
from server.doors.deps import Services, session_of
from server.doors.limits import TokenBucket
from server.doors.op_input import op_from_fields, parse_op
from server.doors.origin import cross_origin
from server.doors.schemas import OpIn
from server.errors import DATABASE_UNAVAILABLE, Unavailable, refusal_body
from server.live.hub import (
    CLOSE_FORBIDDEN_ORIGIN,
    CLOSE_NO_BOARD,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_PROTOCOL,
    CLOSE_UNAUTHENTICATED,
    Connection,
    Hub,
    close_reason,
    dumps,
)
from server.store.auth import Unauthenticated, session_cookie_name

router = APIRouter(tags=["live"])
log = logging.getLogger("piboard.live")

HELLO_TIMEOUT_SECONDS = 10.0
# Refused frames a client may send before it is closed as a flooder: a burst, refilled slowly.
STRIKE_BURST = 10
STRIKES_PER_SECOND = 0.5
CONTROL_TYPES = {"hello", "op", "ping", "pong"}
# Arrays and objects nested deeper than this are refused before they are decoded.
MAX_FRAME_DEPTH = 32


class Hello(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["hello"]
    last_seq: int | None = Field(default=None, ge=0)
    # When the page was rendered (server time): a page older than the clock's last refresh is reset.
    rendered_at: float | None = Field(default=None, ge=0)
    view: str = Field(default="program", pattern=r"^[a-z_]{1,20}(:[A-Za-z0-9_-]{1,40})?$")
    mode: Literal["json", "html"] = "json"
    name: str = Field(default="", max_length=40, pattern=r"^[^\x00-\x1f]*$")


class FrameError(Exception):
    """A frame the door will not act on: answered with an ``error`` frame."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def error_frame(code: str, reason: str) -> str:
    return dumps({"type": "error", "error": code, "reason": reason})


def refusal_frame(client_op_id: str, exc: PiboardError) -> str:
    return dumps({"type": "refusal", "client_op_id": client_op_id, **refusal_body(exc), "detail": exc.detail})


def ack_frame(committed: Committed) -> str:
    return dumps(
        {
            "type": "ack",
            "client_op_id": committed.client_op_id,
            "seq": committed.seq,
            "duplicate": committed.duplicate,
        }
    )


def authenticate(services: Services, board_id: str, session: str | None) -> tuple[Actor, bool]:
    """In a worker thread: the participant of the session, on a board that exists, and whether they
    take part remotely (their presence says so)."""
    actor = services.auth.actor(board_id, session)
    services.op_path.state(board_id)  # NotFound if the board is gone
    return actor, services.auth.is_remote(board_id, actor.id)


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
        await close_with(websocket, CLOSE_FORBIDDEN_ORIGIN, "forbidden", "this page's origin may not connect")
        return
    try:
        actor, remote = await run_in_threadpool(authenticate, services, board_id, session)
    except NotFound as exc:
        await close_with(websocket, CLOSE_NO_BOARD, exc.code, exc.reason)
        return
    except PiboardError as exc:
        await close_with(websocket, CLOSE_UNAUTHENTICATED, "unauthenticated", exc.reason)
        return
    try:
        hello = await receive_hello(websocket, services.settings.max_ws_message_bytes)
    except FrameError as exc:
        await close_with(websocket, CLOSE_PROTOCOL, exc.code, exc.reason)
        return
    except (TimeoutError, _Disconnected):
        await close_with(websocket, CLOSE_PROTOCOL, "protocol", "say hello first")
        return
    conn = hub.connection(
        board_id, actor, websocket, view=hello.view, mode=hello.mode, device=hello.name, remote=remote
    )
    websocket.app.state.access.watch(conn, session)
    door = LiveDoor(services, conn, websocket, session)
    welcome = {
        "type": "welcome",
        "board_id": board_id,
        "you": {"name": actor.name, "role": actor.role.value, "team_id": actor.team_id},
        "view": hello.view,
        "mode": hello.mode,
        "heartbeat": settings.ws_heartbeat,
        "limits": {
            "max_message_bytes": settings.max_ws_message_bytes,
            "ops_per_second": settings.ops_per_second,
            "ops_burst": settings.ops_burst,
        },
    }
    try:
        await hub.join(conn, hello.last_seq, welcome, rendered_at=hello.rendered_at)
        await door.receive_loop()
    finally:
        conn.drop(CLOSE_NORMAL, "bye")
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


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_frame(text: str) -> dict[str, Any]:
    # Python's decoder recurses once per level: a small frame nested a thousand deep would raise
    # RecursionError (a traceback per frame). Count first; most frames hold few brackets at all.
    if text.count("[") + text.count("{") > MAX_FRAME_DEPTH and json_depth(text) > MAX_FRAME_DEPTH:
        log.info("refused a websocket frame nested deeper than %d levels", MAX_FRAME_DEPTH)
        raise FrameError("malformed", f"nested deeper than {MAX_FRAME_DEPTH} levels; nothing was applied")
    try:
        data = json.loads(text)
    except ValueError:
        raise FrameError("malformed", "not valid JSON; nothing was applied") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("malformed", "a message is a JSON object with a 'type'; nothing was applied")
    return data


async def receive_hello(websocket: WebSocket, max_bytes: int) -> Hello:
    text = await asyncio.wait_for(receive_text(websocket, max_bytes), HELLO_TIMEOUT_SECONDS)
    data = parse_frame(text)
    if data["type"] != "hello":
        raise FrameError("protocol", "the first message must be hello")
    try:
        return Hello.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FrameError("protocol", f"hello.{where}: {first['msg']}") from None


class LiveDoor:
    """The receiving side of one connection: checks each frame, applies ops, answers."""

    def __init__(
        self, services: Services, conn: Connection, websocket: WebSocket, session: str | None
    ) -> None:
        settings = services.settings
        self.services = services
        self.conn = conn
        self.websocket = websocket
        self.session = session
        self.max_bytes = settings.max_ws_message_bytes
        # Frames of any kind (ops are further held to the participant's op rate by services.limiter).
        self.frames = TokenBucket(max(50.0, 4 * settings.ops_per_second), max(100, 2 * settings.ops_burst))
        self.strikes = TokenBucket(STRIKES_PER_SECOND, STRIKE_BURST)

    async def receive_loop(self) -> None:
        """Until the client leaves or the hub drops the connection (then nothing more is read)."""
        dropped = asyncio.ensure_future(self.conn.closed_event.wait())
        try:
            while not self.conn.closed:
                receiving = asyncio.ensure_future(receive_text(self.websocket, self.max_bytes))
                await asyncio.wait({receiving, dropped}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    return
                try:
                    text = receiving.result()
                except _Disconnected:
                    return
                except FrameError as exc:
                    self.conn.heard()
                    self.refuse_frame(exc.code, exc.reason)
                    continue
                self.conn.heard()
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
            self.conn.close_after_flush(CLOSE_POLICY, "too many refused messages")

    def refuse_frame(self, code: str, reason: str) -> None:
        self.conn.send(error_frame(code, reason))
        self.strike()

    async def handle(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        if "." in kind:  # htmx's ws-send: a form's fields as flat JSON (op type in 'type', args.x ...)
            fields = [(k, v) for k, v in data.items() if k != "HEADERS"]
            await self.apply(lambda: op_from_fields(fields), _client_op_id(data))
        elif kind == "op":
            await self.apply(lambda: parse_op(data.get("op")), _client_op_id(data.get("op")))
        elif kind == "ping":
            self.conn.send(dumps({"type": "pong"}))
        elif kind == "pong":
            pass  # heard() already noted it
        elif kind == "hello":
            raise FrameError("protocol", "hello was already said on this connection")
        else:
            raise FrameError("unknown_type", f"unknown message type; expected one of {sorted(CONTROL_TYPES)}")

    async def apply(self, parse: Any, client_op_id: str) -> None:
        try:
            op_in: OpIn = parse()
            self.services.limiter.check(self.conn.actor.id)
            committed = await run_in_threadpool(self.submit, op_in)
        except OperationalError:  # the database is restarting: say so, keep the socket, let it resend
            self.conn.send(refusal_frame(client_op_id, Unavailable(DATABASE_UNAVAILABLE)))
            return
        except PiboardError as exc:
            self.conn.send(refusal_frame(client_op_id, exc))
            if exc.code in {"invalid", "rate_limited"}:
                self.strike()
            if isinstance(exc, Unauthenticated):
                self.conn.close_after_flush(CLOSE_UNAUTHENTICATED, "session no longer valid")
            return
        self.conn.send(ack_frame(committed))

    def submit(self, op_in: OpIn) -> Committed:
        """In a worker thread: the session is checked again (a revoked link ends it), then the op path."""
        actor = self.services.auth.actor(self.conn.board_id, self.session)
        return self.services.op_path.submit(self.conn.board_id, op_in.to_op(), actor)


def _client_op_id(data: Any) -> str:
    value = data.get("client_op_id") if isinstance(data, dict) else None
    return value[:80] if isinstance(value, str) else ""
