"""A resent op reaching two processes at the same moment is applied once; both answers name its seq."""

from __future__ import annotations

import threading

import httpx

from tests.conftest import LiveServer, create_board

PAIRS = 25


def test_the_same_client_op_id_on_two_processes_at_once_is_applied_once(
    two_servers: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_servers
    board = create_board(a)
    answers: dict[tuple[int, str], httpx.Response] = {}

    def post(server: LiveServer, n: int, barrier: threading.Barrier) -> None:
        body = {"type": "risk.create", "client_op_id": f"resend-{n}", "args": {"title": f"risk {n}"}}
        with server.client(board.rte_session) as c:
            barrier.wait()
            answers[(n, server.url)] = c.post(f"/api/boards/{board.id}/ops", json=body)

    for n in range(PAIRS):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=post, args=(s, n, barrier)) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

    for n in range(PAIRS):
        first, second = answers[(n, a.url)], answers[(n, b.url)]
        assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
        assert first.json()["seq"] == second.json()["seq"]
        assert sorted([first.json()["duplicate"], second.json()["duplicate"]]) == [False, True]
    risks = board.read()["items"]["risk"]
    assert len(risks) == PAIRS
    with a.client(board.rte_session) as c:
        events = c.get(f"/api/boards/{board.id}/events", params={"since": 1}).json()
    assert [e["op"]["client_op_id"] for e in events] == [f"resend-{n}" for n in range(PAIRS)]
