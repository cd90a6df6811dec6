"""F3: revoking a join link ends its live sockets at once.

The probe's steps: a socket opened with a join link's session kept receiving every live event for
30 s after the link was revoked, while REST already answered 401 for that session. Now the socket
gets an ``error`` frame and close code 4401 within a second (the same on two processes: see
tests/scale/test_access_across_processes.py).
"""

from __future__ import annotations

import time

import httpx

from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async

WITHIN_SECONDS = 1.0


def make_link(board: BoardHandle, role: str) -> tuple[str, str]:
    """A join link's id and a session made with it."""
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": role}).json()
        token = made["join_url"].rsplit("/", 1)[1]
        session = c.post("/api/join", json={"token": token, "name": "Obi"}).json()["session"]
    return str(made["id"]), str(session)


def test_revoking_a_link_closes_its_open_sockets_with_4401_within_a_second(board: BoardHandle) -> None:
    link_id, session = make_link(board, "observer")
    _, other_session = make_link(board, "observer")

    async def scenario() -> None:
        revoked = await LiveClient.connect(
            board.server.ws_url, board.id, session, last_seq=None, name="revoked"
        )
        kept = await LiveClient.connect(
            board.server.ws_url, board.id, other_session, last_seq=None, name="kept"
        )
        await revoked.wait_welcome()
        await kept.wait_welcome()
        with board.rte() as c:
            assert c.delete(f"/api/boards/{board.id}/links/{link_id}").status_code == 204
        started = time.monotonic()
        code = await revoked.wait_closed(timeout=5)
        assert code == 4401 and time.monotonic() - started < WITHIN_SECONDS
        assert revoked.errors and revoked.errors[-1]["error"] == "unauthenticated"
        events_before = len(revoked.events)
        # The other link's socket is untouched and still gets every event.
        board.op(board.rte_session, "risk.create", args={"title": "After the revocation"}).raise_for_status()
        await kept.wait_events(1)
        assert kept.closed_code is None and len(revoked.events) == events_before
        await kept.close()

    run_async(scenario())
    with httpx.Client(base_url=board.server.url, headers={"Authorization": f"Bearer {session}"}) as c:
        assert c.get(f"/api/boards/{board.id}").status_code == 401
