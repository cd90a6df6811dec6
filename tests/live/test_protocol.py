"""The live protocol on a real server: hello/welcome, ops, acks, refusals, events, presence, catch-up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from board import Op
from tests.conftest import BoardHandle, create_board, start_server
from tests.live.client import LiveClient, apply_changes, run_async


def run(coro: Any) -> Any:
    return run_async(coro)


def test_op_is_acked_and_broadcast_as_an_event(board: BoardHandle) -> None:
    async def scenario() -> None:
        start = board.read()
        writer = await LiveClient.connect(
            board.server.ws_url, board.id, board.rte_session, last_seq=start["seq"]
        )
        watcher_session = board.join("observer", "Big screen")
        watcher = await LiveClient.connect(
            board.server.ws_url, board.id, watcher_session, last_seq=start["seq"], view="screen"
        )
        await writer.wait_until(lambda: writer.welcome is not None)
        assert writer.welcome is not None
        assert writer.welcome["seq"] == start["seq"]
        assert writer.welcome["you"]["role"] == "rte"
        op_id = await writer.op("risk.create", args={"title": "Vendor API <b>late</b>"})
        await writer.wait_until(lambda: op_id in writer.acks)
        ack = writer.acks[op_id]
        assert ack["seq"] == start["seq"] + 1 and ack["duplicate"] is False
        await watcher.wait_until(lambda: len(watcher.events) == 1)
        event = watcher.events[0]
        assert event["seq"] == ack["seq"]
        assert event["op"]["type"] == "risk.create"
        assert event["actor"] == {"name": "RTE", "role": "rte", "team_id": None}
        items = start["items"]
        apply_changes(items, event["changes"])
        assert items == board.read()["items"]
        await writer.close()
        await watcher.close()

    run_async(scenario())


def test_a_ping_is_answered_with_the_servers_clock(board: BoardHandle) -> None:
    """What a page sets its countdown by (static/live.js): the server's time, in Unix seconds."""

    async def scenario() -> None:
        client = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=0)
        await client.wait_welcome()
        before = time.time()
        await client.send_raw(json.dumps({"type": "ping"}))
        await client.wait_until(lambda: any(f["type"] == "pong" for f in client.frames))
        after = time.time()
        pong = next(f for f in client.frames if f["type"] == "pong")
        # The test and the server share this machine's clock (rounded to the millisecond on the wire).
        assert before - 0.001 <= pong["now"] <= after + 0.001
        await client.close()

    run_async(scenario())


def test_presence_lists_who_is_connected_and_updates_when_they_leave(board: BoardHandle) -> None:
    async def scenario() -> None:
        session = board.join("observer", "Priya")
        a = await LiveClient.connect(
            board.server.ws_url, board.id, board.rte_session, last_seq=0, name="laptop"
        )
        b = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=0, view="screen")
        await a.wait_until(lambda: a.presence is not None and a.presence["count"] == 2)
        assert a.presence is not None
        names = {(p["name"], p["role"], p["view"]) for p in a.presence["people"]}
        assert names == {("RTE", "rte", "program"), ("Priya", "observer", "screen")}
        # Priya opens the same view in a second tab: still one person, one entry.
        b2 = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=0, view="screen")
        await b2.wait_welcome()
        await asyncio.sleep(0.6)
        assert a.presence["count"] == 2 and len(a.presence["people"]) == 2
        await b.close()
        await b2.close()
        await a.wait_until(lambda: a.presence is not None and a.presence["count"] == 1)
        await a.close()

    run_async(scenario())


def test_refused_op_gets_a_refusal_and_changes_nothing(board: BoardHandle) -> None:
    async def scenario() -> None:
        observer = board.join("observer", "Watcher")
        seq = board.read()["seq"]
        c = await LiveClient.connect(board.server.ws_url, board.id, observer, last_seq=seq)
        op_id = await c.op("risk.create", args={"title": "not allowed"})
        await c.wait_until(lambda: op_id in c.refusals)
        assert c.refusals[op_id]["error"] == "forbidden"
        bad = await c.op("risk.create", args={"title": ""}, client_op_id="bad one!")
        await c.wait_until(lambda: bad in c.refusals)
        assert c.refusals[bad]["error"] == "invalid"
        assert board.read()["seq"] == seq
        assert c.events == []
        await c.close()

    run_async(scenario())


def test_resent_op_is_applied_once(board: BoardHandle) -> None:
    async def scenario() -> None:
        seq = board.read()["seq"]
        c = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq)
        await c.op("risk.create", client_op_id="laptop-7", args={"title": "Once"})
        await c.wait_until(lambda: "laptop-7" in c.acks)
        await c.close()
        # The client did not see the ack (say): it reconnects and resends the same op.
        again = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq)
        await again.op("risk.create", client_op_id="laptop-7", args={"title": "Once"})
        await again.wait_until(lambda: "laptop-7" in again.acks)
        assert again.acks["laptop-7"] == {**c.acks["laptop-7"], "duplicate": True}
        titles = [r["title"] for r in board.read()["items"]["risk"].values()]
        assert titles == ["Once"]
        await again.wait_until(lambda: len(again.events) == 1)  # the catch-up event, not a second one
        await asyncio.sleep(0.3)
        assert [e["seq"] for e in again.events] == [seq + 1]
        await again.close()

    run_async(scenario())


def test_reconnect_with_last_seq_gets_exactly_what_was_missed(board: BoardHandle) -> None:
    async def scenario() -> None:
        seq = board.read()["seq"]
        for i in range(5):
            board.op(board.rte_session, "risk.create", args={"title": f"R{i}"}).raise_for_status()
        c = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq + 2)
        await c.wait_until(lambda: len(c.events) == 3)
        await asyncio.sleep(0.2)
        assert [e["seq"] for e in c.events] == [seq + 3, seq + 4, seq + 5]
        assert c.resets == []
        await c.close()

    run_async(scenario())


def test_too_far_back_gets_a_reset_with_the_whole_board(live_server: Any) -> None:
    server = start_server(live_server.settings.database_url, max_events_per_catch_up=3)
    try:
        handle = create_board(server)
        for i in range(5):
            handle.op(handle.rte_session, "risk.create", args={"title": f"R{i}"}).raise_for_status()

        async def scenario() -> None:
            c = await LiveClient.connect(server.ws_url, handle.id, handle.rte_session, last_seq=0)
            await c.wait_until(lambda: len(c.resets) == 1)
            read = handle.read()
            assert c.resets[0]["seq"] == read["seq"]
            assert c.resets[0]["items"] == read["items"]
            assert c.events == []
            fresh = await LiveClient.connect(server.ws_url, handle.id, handle.rte_session, last_seq=None)
            await fresh.wait_until(lambda: len(fresh.resets) == 1)
            await c.close()
            await fresh.close()

        run_async(scenario())
    finally:
        server.stop()


def test_html_mode_gets_fragments_with_the_seq(board: BoardHandle) -> None:
    async def scenario() -> None:
        seq = board.read()["seq"]
        c = await LiveClient.connect(
            board.server.ws_url, board.id, board.rte_session, last_seq=seq, mode="html"
        )
        writer = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq)
        await writer.op("risk.create", args={"title": "html"})
        await c.wait_until(lambda: any('id="live-seq"' in m for m in c.raw))
        fragment = next(m for m in c.raw if 'id="live-seq"' in m)
        assert f'data-seq="{seq + 1}"' in fragment
        assert c.events == []
        await c.close()
        await writer.close()

    run_async(scenario())


def test_htmx_form_fields_are_an_op(board: BoardHandle) -> None:
    async def scenario() -> None:
        seq = board.read()["seq"]
        c = await LiveClient.connect(
            board.server.ws_url, board.id, board.rte_session, last_seq=seq, mode="html"
        )
        form = {
            "type": "risk.create",
            "args.title": "From a form",
            "args.description": "typed in a browser",
            "client_op_id": "form-1",
            "HEADERS": {"HX-Request": "true", "HX-Trigger": "new-risk"},
        }
        await c.send_raw(json.dumps(form))
        await c.wait_until(lambda: "form-1" in c.acks)
        risks = list(board.read()["items"]["risk"].values())
        assert [(r["title"], r["description"]) for r in risks] == [("From a form", "typed in a browser")]
        await c.close()

    run_async(scenario())


def test_without_a_session_the_socket_is_closed_4401(board: BoardHandle) -> None:
    async def scenario() -> None:
        async with connect(f"{board.server.ws_url}/b/{board.id}/ws") as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "error" and first["error"] == "unauthenticated"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4401

    run_async(scenario())


def test_a_page_of_another_origin_cannot_use_the_cookie(board: BoardHandle) -> None:
    async def scenario() -> None:
        headers = {"Cookie": f"pb_{board.id}={board.rte_session}"}
        async with connect(
            f"{board.server.ws_url}/b/{board.id}/ws",
            additional_headers=headers,
            origin=Origin("http://evil.example"),
        ) as ws:
            first = json.loads(await ws.recv())
            assert first["error"] == "forbidden"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4403
        host = board.server.url.removeprefix("http://")
        async with connect(
            f"{board.server.ws_url}/b/{board.id}/ws",
            additional_headers=headers,
            origin=Origin(f"http://{host}"),
        ) as ws:
            await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
            assert json.loads(await ws.recv())["type"] == "welcome"

    run_async(scenario())


def test_revoked_link_ends_the_session_at_once(board: BoardHandle) -> None:
    async def scenario() -> None:
        with board.rte() as rte:
            link = rte.post(f"/api/boards/{board.id}/links", json={"role": "pm"}).json()
            token = link["join_url"].rsplit("/", 1)[1]
            session = httpx.post(f"{board.server.url}/api/join", json={"token": token, "name": "Pat"}).json()[
                "session"
            ]
        c = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=0)
        await c.wait_until(lambda: c.welcome is not None)
        with board.rte() as rte:
            rte.delete(f"/api/boards/{board.id}/links/{link['id']}").raise_for_status()
        # Closed without waiting for its next op (tests/live/test_revocation.py times it); an op sent
        # meanwhile is refused by the per-op session check, never applied.
        with contextlib.suppress(ConnectionClosed):
            await c.op("risk.create", args={"title": "after revoke"})
        assert await c.wait_closed() == 4401
        # It is told why, whichever came first: the revocation's error frame, or the op's refusal.
        told = [e["error"] for e in c.errors] + [r["error"] for r in c.refusals.values()]
        assert "unauthenticated" in told and not c.acks
        assert "after revoke" not in [r["title"] for r in board.read()["items"]["risk"].values()]

    run_async(scenario())


def test_a_catch_up_longer_than_the_send_queue_arrives_whole(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'q.db'}", ws_send_queue=8, max_events_per_catch_up=300)
    try:
        handle = create_board(server)
        start = handle.read()["seq"]
        rte = server.services.auth.actor(handle.id, handle.rte_session)
        ops = [Op("risk.create", args={"title": f"R{k}"}) for k in range(200)]
        server.services.op_path.submit_batch(handle.id, ops, rte)

        async def scenario() -> LiveClient:
            c = await LiveClient.connect(server.ws_url, handle.id, handle.rte_session, last_seq=start)
            await c.wait_events(200)
            await c.close()
            return c

        c = run_async(scenario())
        assert [e["seq"] for e in c.events] == list(range(start + 1, start + 201))
        assert c.resets == [] and c.closed_code == 1000
    finally:
        server.stop()
