"""F3 on two server processes on PostgreSQL: a link revoked on one process ends its sockets on the
other within a second (the change of access travels through ``NOTIFY piboard_access``)."""

from __future__ import annotations

import time

import httpx

from tests.live.client import LiveClient, run_async
from tests.scale.procs import ServerProcess, create_board


def test_a_link_revoked_on_one_process_closes_its_sockets_on_the_other(
    two_processes: list[ServerProcess],
) -> None:
    a, b = two_processes
    board_id, rte = create_board(a)
    with httpx.Client(base_url=a.url, headers={"Authorization": f"Bearer {rte}"}) as c:
        link = c.post(f"/api/boards/{board_id}/links", json={"role": "observer"}).json()
        token = link["join_url"].rsplit("/", 1)[1]
        session = c.post("/api/join", json={"token": token, "name": "Remote screen"}).json()["session"]

    async def scenario() -> None:
        on_b = await LiveClient.connect(b.ws_url, board_id, session, last_seq=None)
        await on_b.wait_welcome()
        with httpx.Client(base_url=a.url, headers={"Authorization": f"Bearer {rte}"}) as c:
            assert c.delete(f"/api/boards/{board_id}/links/{link['id']}").status_code == 204
        started = time.monotonic()
        assert await on_b.wait_closed(timeout=5) == 4401
        assert time.monotonic() - started < 1.0

    run_async(scenario())
