"""Bad and abusive clients: each bad frame gets an error with a reason, nothing is applied, the server
stays up; a client that keeps at it is closed with 1008 (policy violation)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.live.client import LiveClient, run_async


def test_malformed_unknown_and_oversized_frames_get_errors_and_change_nothing(board: BoardHandle) -> None:
    limit = board.server.settings.max_ws_message_bytes

    async def scenario() -> None:
        seq = board.read()["seq"]
        c = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq)
        await c.wait_until(lambda: c.welcome is not None)
        await c.send_raw("{not json")
        await c.send_raw(json.dumps(["a", "list"]))
        await c.send_raw(json.dumps({"type": "teleport"}))
        oversized = {"type": "op", "op": {"type": "risk.create", "args": {"title": "x" * (limit + 10)}}}
        await c.send_raw(json.dumps(oversized))
        await c.send_raw(b"\xff\xfe not utf-8")
        await c.send_raw(json.dumps({"type": "hello", "last_seq": 0}))
        await c.wait_until(lambda: len(c.errors) == 6)
        assert [e["error"] for e in c.errors] == [
            "malformed",
            "malformed",
            "unknown_type",
            "too_large",
            "malformed",
            "protocol",
        ]
        assert all(e["reason"] for e in c.errors)
        # Still connected and served: a good op after all that is applied.
        op_id = await c.op("risk.create", args={"title": "still here"})
        await c.wait_until(lambda: op_id in c.acks)
        assert c.acks[op_id]["seq"] == seq + 1
        assert board.read()["seq"] == seq + 1
        await c.close()

    run_async(scenario())


def test_a_socket_that_never_says_hello_is_closed_4400(board: BoardHandle) -> None:
    async def scenario() -> None:
        async with connect(
            f"{board.server.ws_url}/b/{board.id}/ws",
            additional_headers={"Authorization": f"Bearer {board.rte_session}"},
        ) as ws:
            await ws.send(json.dumps({"type": "op", "op": {"type": "risk.create", "args": {"title": "x"}}}))
            error = json.loads(await ws.recv())
            assert error["type"] == "error" and error["error"] == "protocol"
            await ws.wait_closed()
            assert ws.close_code == 4400

    run_async(scenario())


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(f"sqlite:///{tmp_path / 'strict.db'}", ops_per_second=2.0, ops_burst=3)
    yield server
    server.stop()


def test_a_flooding_client_is_refused_then_closed_and_others_are_served(strict_server: LiveServer) -> None:
    handle = create_board(strict_server)
    flooder_session = handle.join("rte", "Flooder")

    async def scenario() -> None:
        seq = handle.read()["seq"]
        flooder = await LiveClient.connect(strict_server.ws_url, handle.id, flooder_session, last_seq=seq)
        bystander = await LiveClient.connect(
            strict_server.ws_url, handle.id, handle.rte_session, last_seq=seq
        )
        await flooder.wait_until(lambda: flooder.welcome is not None)
        sent = []
        for k in range(200):
            try:
                sent.append(await flooder.op("risk.create", args={"title": f"spam {k}"}))
            except ConnectionClosed:
                break  # closed under us: that is the point
        code = await flooder.wait_closed()
        assert code == 1008
        assert any(r["error"] == "rate_limited" for r in flooder.refusals.values())
        assert flooder.errors and flooder.errors[-1]["error"] == "flooding"
        applied = len(flooder.acks)
        assert 1 <= applied <= 6, applied  # the burst (3) and what the rate refilled meanwhile
        assert handle.read()["seq"] == seq + applied
        # The server is up and serves everyone else.
        await asyncio.sleep(0.6)
        op_id = await bystander.op("risk.create", args={"title": "normal work"})
        await bystander.wait_until(lambda: op_id in bystander.acks)
        await bystander.close()

    run_async(scenario())


def test_a_flood_of_garbage_is_closed_too(board: BoardHandle) -> None:
    async def scenario() -> None:
        c = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=0)
        await c.wait_until(lambda: c.welcome is not None)
        for _ in range(50):
            try:
                await c.send_raw("garbage")
            except ConnectionClosed:
                break
        assert await c.wait_closed() == 1008

    run_async(scenario())
