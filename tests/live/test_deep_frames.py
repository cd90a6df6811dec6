"""F5: a small frame nested very deep gets a clear error, and one log line, not a traceback.

The probe's steps: a 2 KB frame nested 1,000 deep. Before the fix it got no error frame, closed
the socket (1000 after hello; no close frame as the first message) and wrote a ``RecursionError``
traceback to the log each time, so the log could be flooded.
"""

from __future__ import annotations

import logging

import pytest
from websockets.asyncio.client import connect

from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async

DEEP = "[" * 1000 + "]" * 1000
DEEP_OP = '{"type":"op","op":{"type":"risk.create","args":{"title":"x","deep":' + DEEP + "}}}"


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Recursion" in r.getMessage()]


def test_a_deep_frame_after_hello_gets_an_error_and_the_socket_stays(
    board: BoardHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        client = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=None)
        await client.wait_welcome()
        for frame in (DEEP, DEEP_OP):
            await client.send_raw(frame)
        await client.wait_until(lambda: len(client.errors) == 2)
        assert [e["error"] for e in client.errors] == ["malformed", "malformed"]
        assert "nested deeper" in client.errors[0]["reason"]
        good = await client.op("risk.create", args={"title": "Still here"})
        await client.wait_acks([good])
        assert client.closed_code is None
        await client.close()

    run_async(scenario())
    assert no_tracebacks(caplog) == []
    deep_lines = [r for r in caplog.records if "nested deeper" in r.getMessage()]
    assert len(deep_lines) == 2, "one line per refused frame"
    assert [r["title"] for r in board.read()["items"]["risk"].values()] == ["Still here"]


def test_a_deep_first_frame_is_refused_with_an_error_and_4400(
    board: BoardHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with connect(
            f"{board.server.ws_url}/b/{board.id}/ws",
            additional_headers={"Authorization": f"Bearer {board.rte_session}"},
        ) as ws:
            await ws.send(DEEP)
            first = await ws.recv()
            assert '"malformed"' in str(first) and "nested deeper" in str(first)
            await ws.wait_closed()
            assert ws.close_code == 4400

    run_async(scenario())
    assert no_tracebacks(caplog) == []


def test_the_rest_door_refuses_a_deep_body_without_a_traceback(
    board: BoardHandle, caplog: pytest.LogCaptureFixture
) -> None:
    body = '{"type":"risk.create","args":{"title":"x","deep":' + DEEP + "}}"
    with board.rte() as c:
        r = c.post(f"/api/boards/{board.id}/ops", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert no_tracebacks(caplog) == []
    assert board.read()["items"].get("risk", {}) == {}
