"""Hypothesis-fuzzed websocket frames: random bytes, random JSON, wrong types, huge frames.

The server may answer with an error or refusal, or close that one connection by policy; it must
never crash, hang, apply a malformed op, or stop serving everybody else.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from board.ops import HANDLERS
from server.cli import uvicorn_options
from tests.conftest import BoardHandle, LiveServer

# Closes a fuzzing client may get: normal, policy (flooding), too big, protocol (no valid hello).
ALLOWED_CLOSES = {1000, 1008, 1009, 4400}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
op_types = st.sampled_from(sorted(HANDLERS)) | st.text(max_size=30)
ops = st.fixed_dictionaries(
    {},
    optional={
        "type": op_types | json_values,
        "target": json_values,
        "base_version": st.integers() | json_values,
        "args": st.dictionaries(st.text(max_size=20), json_values, max_size=6) | json_values,
        "client_op_id": st.text(max_size=100) | json_values,
    },
)
frames = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=600),
    json_values.map(json.dumps),
    st.builds(lambda o: json.dumps({"type": "op", "op": o}), ops),
    st.builds(
        lambda t, rest: json.dumps({"type": t, **rest}),
        op_types,
        st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    ),
    st.builds(
        lambda v: json.dumps({"type": "hello", **v}),
        st.dictionaries(st.sampled_from(["last_seq", "view", "mode", "name"]), json_values),
    ),
)


class Prober:
    """A websocket client that reconnects whenever the server closed it, and checks it still answers."""

    def __init__(self, server: LiveServer, board: BoardHandle) -> None:
        self.server = server
        self.board = board
        self.ws: ClientConnection | None = None
        self.closes: list[int] = []
        # A frame past the websocket layer's own limit is cut off while it is still coming: the server
        # closes without reading the rest, so its close frame may never reach this end (1006).
        self.cut_off_above = uvicorn_options(server.settings)["ws_max_size"]
        self.last_size = 0
        self.pongs = 0
        self.errors: dict[str, int] = {}

    def open(self, hello: bool = True) -> ClientConnection:
        ws = connect(
            f"{self.server.ws_url}/b/{self.board.id}/ws",
            additional_headers={"Authorization": f"Bearer {self.board.rte_session}"},
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            max_size=2**22,
            legacy=True,  # a long-lived connection, closed by hand
        )
        if hello:
            ws.send(json.dumps({"type": "hello", "last_seq": None, "mode": "json"}))
        return ws

    def send(self, frame: str | bytes) -> None:
        if self.ws is None:
            self.ws = self.open()
        self.last_size = len(frame)
        try:
            self.ws.send(frame)
        except ConnectionClosed:
            self.closed()

    def closed(self) -> None:
        assert self.ws is not None
        code = self.ws.close_code if self.ws.close_code is not None else 1006
        allowed = ALLOWED_CLOSES | ({1006} if self.last_size > self.cut_off_above else set())
        assert code in allowed, f"closed with {code} {self.ws.close_reason!r} after {self.last_size} bytes"
        self.closes.append(code)
        self.ws.close()
        self.ws = None

    def still_answers(self) -> None:
        """Ping and read until the pong: every frame on the way must be well-formed JSON."""
        if self.ws is None:
            return
        try:
            self.ws.send(json.dumps({"type": "ping"}))
            while True:
                message = self.ws.recv(timeout=10)
                assert isinstance(message, str)
                parsed = json.loads(message)
                frames = parsed if isinstance(parsed, list) else [parsed]
                for f in frames:
                    if f["type"] in {"error", "refusal"}:
                        self.errors[f["error"]] = self.errors.get(f["error"], 0) + 1
                if any(f["type"] == "pong" for f in frames):
                    self.pongs += 1
                    return
        except ConnectionClosed:
            self.closed()


def test_fuzzed_frames_after_hello_never_break_the_server(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    prober = Prober(fuzz_server, fuzz_board)

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=frames)
    def send_one(frame: str | bytes) -> None:
        prober.send(frame)
        prober.still_answers()

    send_one()
    print(f"\npongs {prober.pongs}, closes {prober.closes}, refusals {prober.errors}")
    assert prober.pongs > 100 and prober.errors  # it was answering, and refusing, all along
    assert_server_healthy(fuzz_server, fuzz_board)


def test_fuzzed_first_frames_are_refused_cleanly(fuzz_server: LiveServer, fuzz_board: BoardHandle) -> None:
    prober = Prober(fuzz_server, fuzz_board)

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=frames)
    def first(frame: str | bytes) -> None:
        ws = prober.open(hello=False)
        try:
            ws.send(frame)
            while True:  # either a welcome (it was a valid hello) or an error and a close
                message = ws.recv(timeout=15)
                if isinstance(message, str) and '"welcome"' in message:
                    return
        except ConnectionClosed:
            assert ws.close_code in ALLOWED_CLOSES, (ws.close_code, ws.close_reason)
        finally:
            ws.close()

    first()
    assert_server_healthy(fuzz_server, fuzz_board)


def test_huge_frames_are_refused_and_the_connection_or_server_survives(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    limit = fuzz_server.settings.max_ws_message_bytes
    prober = Prober(fuzz_server, fuzz_board)
    for size in (limit + 1, 4 * limit, 2**21):
        for frame in (
            "x" * size,
            b"\xff" * size,
            json.dumps({"type": "op", "op": {"type": "risk.create", "args": {"title": "y" * size}}}),
        ):
            prober.send(frame)
            prober.still_answers()
    assert_server_healthy(fuzz_server, fuzz_board)
    titles = [r["title"] for r in fuzz_board.read()["items"].get("risk", {}).values()]
    assert all(len(t) <= 200 for t in titles)  # nothing huge got in


def assert_server_healthy(server: LiveServer, board: BoardHandle) -> None:
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/healthz").status_code == 200
    made = board.op(board.rte_session, "risk.create", args={"title": "still fine"})
    assert made.status_code == 200, made.text
    ws = connect(
        f"{server.ws_url}/b/{board.id}/ws",
        additional_headers={"Authorization": f"Bearer {board.rte_session}"},
        proxy=None,
        ping_interval=None,
        legacy=True,
    )
    try:
        ws.send(json.dumps({"type": "hello", "last_seq": None, "mode": "json"}))
        first: Any = json.loads(ws.recv(timeout=10))
        welcome = first[0] if isinstance(first, list) else first  # frames may come coalesced
        assert welcome["type"] == "welcome"
    finally:
        ws.close()
