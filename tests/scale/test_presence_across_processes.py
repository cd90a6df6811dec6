"""F6: presence and edit limits across two server processes on PostgreSQL.

The probe's steps: 10 participants over two processes, and each side saw only its own 5 in the
presence list; the edit rate limit was counted per process, so a participant whose requests went to
both processes had twice the budget. Now both go through the database (docs/scale-out.md).
"""

from __future__ import annotations

import asyncio

import httpx

from tests.live.client import LiveClient, run_async
from tests.scale.procs import ServerProcess, create_board, join

PEOPLE = 10


def test_everyone_sees_everyone_on_both_processes(two_processes: list[ServerProcess]) -> None:
    a, b = two_processes
    board_id, rte = create_board(a)
    sessions = [join(a, board_id, rte, "observer", f"Person {i}") for i in range(PEOPLE)]

    async def scenario() -> None:
        clients = [
            await LiveClient.connect(
                (a if i % 2 else b).ws_url, board_id, sessions[i], last_seq=None, name=f"laptop{i}"
            )
            for i in range(PEOPLE)
        ]

        def everyone_sees(count: int) -> bool:
            return all(c.presence is not None and c.presence["count"] == count for c in clients)

        await clients[0].wait_until(lambda: everyone_sees(PEOPLE), 30)
        for c in clients:
            assert c.presence is not None
            assert sorted(p["name"] for p in c.presence["people"]) == sorted(
                f"Person {i}" for i in range(PEOPLE)
            )
        # One leaves process b: both sides see it.
        await clients[0].close()
        rest = clients[1:]
        await rest[0].wait_until(
            lambda: all(c.presence is not None and c.presence["count"] == PEOPLE - 1 for c in rest), 30
        )
        await asyncio.gather(*(c.close() for c in rest))

    run_async(scenario())


def test_the_edit_limit_holds_across_processes(two_processes: list[ServerProcess]) -> None:
    """Budget: 5 edits in a burst at 1 per second. Alternating between the processes used to allow 10."""
    a, b = two_processes
    board_id, rte = create_board(a)
    session = join(a, board_id, rte, "rte", "Rita")
    statuses = []
    for i in range(10):
        server = a if i % 2 else b
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {session}"}, timeout=30
        ) as c:
            r = c.post(
                f"/api/boards/{board_id}/ops", json={"type": "risk.create", "args": {"title": f"R{i}"}}
            )
        statuses.append(r.status_code)
    accepted = statuses.count(200)
    assert set(statuses) <= {200, 429}
    assert 5 <= accepted <= 6, statuses  # the burst, plus at most one refilled while the test ran
    assert statuses[-1] == 429


def test_a_person_who_says_they_are_remote_shows_remote_on_every_process(
    two_processes: list[ServerProcess],
) -> None:
    """Ann's socket is on process b; she says "I'm remote" through process a: the RTE, watching
    through process a, sees her remote (her socket's presence is kept by b)."""
    a, b = two_processes
    board_id, rte = create_board(a)
    ann = join(a, board_id, rte, "observer", "Ann")

    async def scenario() -> None:
        watcher = await LiveClient.connect(a.ws_url, board_id, rte, last_seq=None, name="rte laptop")
        laptop = await LiveClient.connect(b.ws_url, board_id, ann, last_seq=None, name="ann laptop")

        def ann_remote(remote: bool) -> bool:
            people = watcher.presence["people"] if watcher.presence else []
            return any(p["name"] == "Ann" and p["remote"] is remote for p in people)

        await watcher.wait_until(lambda: ann_remote(False), 30)
        said = await asyncio.to_thread(
            httpx.post,
            f"{a.url}/b/{board_id}/me/place",
            data={"place": "remote"},
            headers={"Authorization": f"Bearer {ann}"},
        )
        assert said.status_code == 200, said.text
        await watcher.wait_until(lambda: ann_remote(True), 30)
        await asyncio.gather(watcher.close(), laptop.close())

    run_async(scenario())
