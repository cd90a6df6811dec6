"""The LISTEN bridge: commits of another process reach this one, and a lost listen connection catches up."""

from __future__ import annotations

import asyncio

import httpx
import psycopg

from server.live.listen_bridge import APPLICATION_NAME, ListenBridge, libpq_url, parse_payload
from tests.conftest import LiveServer, create_board
from tests.live.client import LiveClient


def test_payloads_are_parsed_strictly() -> None:
    assert parse_payload("abc:12") == ("abc", 12)
    assert parse_payload("a:b:7") == ("a:b", 7)
    for junk in ("", "abc", "abc:", ":3", "abc:-1", "abc:1.5", "x" * 100 + ":1"):
        assert parse_payload(junk) is None
    assert libpq_url("postgresql+psycopg://u@h:5/d") == "postgresql://u@h:5/d"


def test_other_process_commits_reach_this_process_and_a_lost_listener_catches_up(
    two_servers: tuple[LiveServer, LiveServer], pg_url: str
) -> None:
    a, b = two_servers
    board = create_board(b)
    bridge: ListenBridge = a.app.state.listen_bridge
    assert isinstance(bridge, ListenBridge)

    async def post(title: str) -> int:
        async with httpx.AsyncClient(
            base_url=b.url, headers={"Authorization": f"Bearer {board.rte_session}"}
        ) as c:
            r = await c.post(
                f"/api/boards/{board.id}/ops", json={"type": "risk.create", "args": {"title": title}}
            )
            assert r.status_code == 200, r.text
            return int(r.json()["seq"])

    async def scenario() -> None:
        client = await LiveClient.connect(a.ws_url, board.id, board.rte_session, last_seq=None, name="on-a")
        await client.wait_until(lambda: bool(client.resets))
        await asyncio.wait_for(bridge.connected.wait(), 10)
        seq = await post("through NOTIFY")
        await client.wait_until(lambda: client.last_seq >= seq, 10)

        # Cut the listen connections; commit while they are down (their notifications are lost).
        bridge.retry_seconds = 6.0  # a window far longer than the five commits below take
        with psycopg.connect(libpq_url(pg_url), autocommit=True) as admin:
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (APPLICATION_NAME,),
            ).fetchall()
        assert len(cut) == 2  # one listener per process
        seqs = [await post(f"while deaf {n}") for n in range(5)]
        await asyncio.sleep(0.5)
        assert client.last_seq < seqs[-1]  # not delivered yet: process A did not hear of them
        assert not bridge.connected.is_set()
        # No further commit happens: only the catch-up on reconnect can bring these events.
        await client.wait_until(lambda: client.last_seq >= seqs[-1], 30)
        assert [e["seq"] for e in client.events] == [seq, *seqs]
        assert bridge.stats["connects"] >= 2 and bridge.stats["catch_ups"] >= 1
        await client.close()

    asyncio.run(scenario())
