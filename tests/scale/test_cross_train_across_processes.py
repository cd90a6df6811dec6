"""Cross-train dependencies (issue 29) on two server processes on PostgreSQL: train A's request, committed
on one process, is mirrored on train B by that process and reaches B's screens on the other process
(LISTEN/NOTIFY); B's answer, committed on the other process, reaches A's screens on the first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.client import LiveClient, run_async
from tests.scale.procs import ServerProcess, create_board, start_all

DATES = (("2027-01-04", "2027-01-15"), ("2027-01-18", "2027-01-29"), ("2027-02-01", "2027-02-12"))


@pytest.fixture
def two_processes_of_one_database(pg_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    processes = [ServerProcess(pg_url, tmp_path, name=f"p{i}") for i in range(2)]
    try:
        yield start_all(processes)
    finally:
        for p in processes:
            p.stop()


def client(server: ServerProcess, session: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {session}"} if session else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def op(server: ServerProcess, board_id: str, session: str, type: str, **body: Any) -> dict[str, Any]:
    with client(server, session) as c:
        done = c.post(f"/api/boards/{board_id}/ops", json={"type": type, **body})
    assert done.status_code == 200, done.text
    return dict(done.json())


def train(
    server: ServerProcess, name: str, team: str, member: str, link: str
) -> tuple[str, str, list[str], str]:
    """A train with dated iterations and one team, joined to the solution:
    (board, team, iterations, a team member's session)."""
    board_id, rte = create_board(server, name)
    iterations = [
        op(server, board_id, rte, "iteration.create", args={"number": n, "start": s, "end": e})["changes"][0][
            "id"
        ]
        for n, (s, e) in enumerate(DATES, 1)
    ]
    team_id = op(server, board_id, rte, "team.create", args={"name": team})["changes"][0]["id"]
    with client(server, rte) as c:
        assert c.post(f"/api/boards/{board_id}/solution", json={"link": link}).status_code == 200
        token = c.post(f"/api/boards/{board_id}/links", json={"role": "team", "team_id": team_id}).json()
        joined = c.post("/api/join", json={"token": token["join_url"].rsplit("/", 1)[1], "name": member})
    return board_id, team_id, iterations, str(joined.json()["session"])


def states(server: ServerProcess, board_id: str, session: str) -> dict[str, str]:
    with client(server, session) as c:
        return dict(c.get(f"/api/boards/{board_id}").json()["derived"]["dependency_states"])


def test_a_request_on_one_process_reaches_b_s_screens_on_the_other_and_b_s_answer_comes_back(
    two_processes_of_one_database: list[ServerProcess],
) -> None:
    p0, p1 = two_processes_of_one_database
    made = httpx.post(f"{p0.url}/api/solutions", json={"name": "Payments"}, timeout=30).json()
    with client(p0, made["ste_session"]) as c:
        link = c.post(f"/api/solutions/{made['id']}/links", json={"kind": "train"}).json()["url"]
    a, alpha, a_its, ann = train(p0, "Train A", "Alpha", "Ann", link)
    b, checkout, b_its, cleo = train(p1, "Train B", "Checkout", "Cleo", link)

    async def scenario() -> None:
        on_b = await LiveClient.connect(p1.ws_url, b, cleo, last_seq=None, name="b-on-p1")
        on_a = await LiveClient.connect(p0.ws_url, a, ann, last_seq=None, name="a-on-p0")
        await on_b.wait_until(lambda: bool(on_b.resets))
        await on_a.wait_until(lambda: bool(on_a.resets))
        # Committed on process 0, mirrored on B by process 0: B's screen on process 1 hears of it.
        args = {
            "id": "pay",
            "need": "A payment API",
            "requesting_team_id": alpha,
            "needed_by_iteration_id": a_its[1],
            "provider_train": f"{b}/{checkout}",
        }
        op(p0, a, ann, "dependency.create", args=args)
        await on_b.wait_until(
            lambda: any(ch["id"] == "x-pay" for e in on_b.events for ch in e["changes"]), 15
        )

        # B accepts with work in iteration 1, on process 1: A's screen on process 0 shows it committed.
        with client(p1, cleo) as c:
            mirror = c.get(f"/api/boards/{b}").json()["items"]["dependency"]["x-pay"]

        async def promise(iteration: str, version: int) -> None:
            sent = await on_b.op(
                "dependency.accept",
                target="x-pay",
                base_version=version,
                args={"promised_iteration_id": iteration},
            )
            await on_b.wait_acks([sent])

        await promise(b_its[0], mirror["version"])

        def answered(iteration: str) -> bool:
            return any(
                ch["id"] == "pay" and (ch["after"] or {}).get("promised_iteration_id") == iteration
                for e in on_a.events
                for ch in e["changes"]
            )

        await on_a.wait_until(lambda: answered(a_its[0]), 15)
        assert states(p0, a, ann)["pay"] == states(p1, b, cleo)["x-pay"] == "committed"
        # B moves its promise after A's need: a conflict on both, A's screen on process 0 told.
        await promise(b_its[2], mirror["version"] + 1)
        await on_a.wait_until(lambda: answered(a_its[2]), 15)
        assert states(p0, a, ann)["pay"] == states(p1, b, cleo)["x-pay"] == "conflict"
        await on_a.close()
        await on_b.close()

    run_async(scenario())
