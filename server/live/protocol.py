"""The live wire protocol, stated once (docs/protocol.md describes it; static/live.js speaks it).

What a frame is called (:class:`FrameType`, and which side sends which), how the server writes each
frame it sends (the ``*_frame`` builders: JSON text, or the seq marker that starts an HTML update),
how JSON frames are batched into arrays, how a client's frame is read (``parse_frame``,
:class:`Hello`), and what each close code means (:class:`CloseCode`).
"""

from __future__ import annotations

import enum
import json
import logging
import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from board import Actor, BoardState
from board.core import Committed
from board.errors import Invalid, PiboardError
from board.events import public_event
from board.fields import line_problem
from board.json_input import read_json
from board.public import public_state
from server.errors import refusal_body
from server.settings import Settings

log = logging.getLogger("piboard.live")

Mode = Literal["json", "html"]

# A JSON client that has fallen behind gets its frames as arrays of up to this many bytes.
COALESCE_BYTES = 256 * 1024
HELLO_TIMEOUT_SECONDS = 10.0


class FrameType(enum.StrEnum):
    """The ``type`` of a frame."""

    HELLO = "hello"
    OP = "op"
    PING = "ping"
    PONG = "pong"
    WELCOME = "welcome"
    EVENT = "event"
    RESET = "reset"
    ACK = "ack"
    REFUSAL = "refusal"
    PRESENCE = "presence"
    PRESENCE_CHANGE = "presence_change"
    ERROR = "error"


CLIENT_FRAMES = frozenset({FrameType.HELLO, FrameType.OP, FrameType.PING, FrameType.PONG})
SERVER_FRAMES = frozenset(FrameType) - {FrameType.HELLO, FrameType.OP}


class CloseCode(enum.IntEnum):
    """Why the server closed a socket. htmx's ws extension reconnects on 1006, 1011, 1012 and 1013
    only, so every "come back and catch up" close uses one of those, and the final ones 1008 or 44xx."""

    NORMAL = 1000
    POLICY = 1008  # flooding: too many refused messages
    RESTART = 1012  # server shutting down or restarting: reconnect
    TRY_AGAIN = 1013  # fell behind (queue full, send timed out, heartbeat missed): reconnect, catch up
    PROTOCOL = 4400  # no valid hello
    UNAUTHENTICATED = 4401  # no or invalid session, or the join link was revoked
    FORBIDDEN_ORIGIN = 4403  # a browser page of another origin tried to use the session cookie
    NO_BOARD = 4404


# The closes a client comes back from (with its last seq); after any other it stays away.
RECONNECTING = frozenset({CloseCode.RESTART, CloseCode.TRY_AGAIN})


def close_reason(text: str) -> str:
    """A close frame's reason is at most 123 bytes of UTF-8: cut on a character boundary."""
    return text.encode()[:120].decode(errors="ignore")


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


# --- server → client --------------------------------------------------------------------------------

PING = dumps({"type": FrameType.PING.value})


def pong_frame() -> str:
    """The answer to a client's ping, with the server's clock now (Unix seconds, the countdown's clock): a
    page sets its countdown by it to within half the round trip, however long the page took to arrive."""
    return dumps({"type": FrameType.PONG.value, "now": round(time.time(), 3)})


def welcome_frame(board_id: str, actor: Actor, view: str, mode: Mode, settings: Settings, seq: int) -> str:
    return dumps(
        {
            "type": FrameType.WELCOME.value,
            "board_id": board_id,
            "you": {"name": actor.name, "role": actor.role.value, "team_id": actor.team_id},
            "view": view,
            "mode": mode,
            "heartbeat": settings.ws_heartbeat,
            "limits": {
                "max_message_bytes": settings.max_ws_message_bytes,
                "ops_per_second": settings.ops_per_second,
                "ops_burst": settings.ops_burst,
            },
            "seq": seq,
        }
    )


def solution_welcome_frame(solution_id: str, name: str, role: str, settings: Settings) -> str:
    """The welcome of a solution page's socket (``/s/{solution}/ws``): it follows the solution's trains."""
    return dumps(
        {
            "type": FrameType.WELCOME.value,
            "solution_id": solution_id,
            "you": {"name": name, "role": role},
            "mode": "html",
            "heartbeat": settings.ws_heartbeat,
        }
    )


def event_frame(state: BoardState, event: Committed) -> str:
    """The JSON-mode frame of one event, in its public (redacted) shape."""
    return dumps({"type": FrameType.EVENT.value, **public_event(state, event)})


def seq_marker(seq: int) -> str:
    """What starts an HTML update: lets the browser track the seq it has shown (live.js reads it
    before htmx swaps the fragments after it)."""
    return f'<div id="live-seq" hx-swap-oob="true" data-seq="{int(seq)}" hidden></div>'


def reset_frame(state: BoardState, mode: Mode) -> str:
    if mode == "json":
        return dumps({"type": FrameType.RESET.value, "seq": state.seq, "items": public_state(state)})
    return dumps({"type": FrameType.RESET.value, "seq": state.seq})


def ack_frame(committed: Committed) -> str:
    return dumps(
        {
            "type": FrameType.ACK.value,
            "client_op_id": committed.client_op_id,
            "seq": committed.seq,
            "duplicate": committed.duplicate,
        }
    )


def refusal_frame(client_op_id: str, exc: PiboardError) -> str:
    frame = {"type": FrameType.REFUSAL.value, "client_op_id": client_op_id, **refusal_body(exc)}
    return dumps({**frame, "detail": exc.detail})


def presence_frame(count: int, people: list[dict[str, Any]]) -> str:
    return dumps({"type": FrameType.PRESENCE.value, "count": count, "people": people})


def presence_change_frame(count: int, added: list[dict[str, Any]], removed: list[str]) -> str:
    """What changed since the last presence frame: entries added or changed (by ``key``), keys gone."""
    frame = {"type": FrameType.PRESENCE_CHANGE.value, "count": count, "added": added, "removed": removed}
    return dumps(frame)


def error_frame(code: str, reason: str) -> str:
    return dumps({"type": FrameType.ERROR.value, "error": code, "reason": reason})


# --- JSON frames batched as arrays ------------------------------------------------------------------


def array_items(frame: str) -> str:
    """A frame as items of a JSON array: an array (a batch) gives its items, an object itself."""
    return frame[1:-1] if frame.startswith("[") else frame


def as_array(frames: list[str]) -> str:
    """Frames (objects, or arrays of them) as one array message: a client treats it as its frames in order."""
    return "[" + ",".join(array_items(frame) for frame in frames) + "]"


def batch_messages(frames: list[str]) -> list[str]:
    """JSON frames as few messages as can be: arrays of up to ``COALESCE_BYTES``, a lone frame as itself."""
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
    return frames[0] if len(frames) == 1 else as_array(frames)


# --- client → server --------------------------------------------------------------------------------


class Hello(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["hello"]
    last_seq: int | None = Field(default=None, ge=0)
    # When the page was rendered (server time): a page older than the clock's last refresh is reset.
    rendered_at: float | None = Field(default=None, ge=0)
    view: str = Field(default="program", pattern=r"^[a-z_]{1,20}(:[A-Za-z0-9_-]{1,40})?$")
    mode: Mode = "json"
    name: str = Field(default="", max_length=40)

    @field_validator("name")
    @classmethod
    def _one_line_of_text(cls, name: str) -> str:
        problem = line_problem(name)
        if problem is not None:
            raise ValueError(f"the name {problem}")
        return name


MAX_SOLUTION_TRAINS = 100  # the trains a solution page's hello may name


class SolutionHello(BaseModel):
    """A solution page's hello: each train's seq it shows (the socket sends the page's parts again as
    soon as one train has moved on, or the trains are not those it shows)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["hello"]
    seqs: dict[Annotated[str, Field(max_length=40)], Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, max_length=MAX_SOLUTION_TRAINS
    )
    # The solution's version the page shows (its own changes: capabilities, Post-PI Planning): a page
    # that was away while it changed is sent its parts at once.
    version: int | None = Field(default=None, ge=0, le=2**53)


class FrameError(Exception):
    """A frame the server will not act on: answered with an ``error`` frame."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_frame(text: str) -> dict[str, Any]:
    """A client's frame as a JSON object with a ``type``; ``FrameError`` if it is not one."""
    try:
        data = read_json(text, "the message")
    except Invalid as exc:
        # One line per refused frame, never a traceback: the strikes bound how many a client sends.
        log.info("refused a websocket frame: %s", exc.reason)
        raise FrameError("malformed", f"{exc.reason}; nothing was applied") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("malformed", "a message is a JSON object with a 'type'; nothing was applied")
    return data


def is_flat_op(kind: str) -> bool:
    """Besides the frames above, a client may send an op as a form's fields in flat JSON (what htmx's
    ``ws-send`` sends): its ``type`` is then the op type, which has a dot (``story.move``)."""
    return "." in kind


def client_op_id_of(data: Any) -> str:
    """The ``client_op_id`` an op frame names (for its ack or refusal), cut to 80 characters."""
    value = data.get("client_op_id") if isinstance(data, dict) else None
    return value[:80] if isinstance(value, str) else ""
