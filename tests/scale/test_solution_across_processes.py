"""Issue 29 on two server processes on PostgreSQL: a train's op committed on one process reaches the solution
page's socket on the other (the train's board is followed through the hub, fed by LISTEN/NOTIFY), and so
does a change of the solution itself (NOTIFY piboard_solution), its Post-PI Planning's too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_solution_live import parts, progress_in, solution_socket
from tests.live.client import run_async
from tests.scale.procs import ServerProcess, create_board, start_all


@pytest.fixture
def two_servers_of_one_database(pg_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    processes = [ServerProcess(pg_url, tmp_path, name=f"p{i}") for i in range(2)]
    try:
        yield start_all(processes)
    finally:
        for p in processes:
            p.stop()


def client(server: ServerProcess, session: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {session}"}, timeout=30)


def op(server: ServerProcess, board_id: str, session: str, type: str, **body: Any) -> dict[str, Any]:
    with client(server, session) as c:
        done = c.post(f"/api/boards/{board_id}/ops", json={"type": type, **body})
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_a_train_planning_on_one_process_shows_on_the_solution_page_of_the_other(
    two_servers_of_one_database: list[ServerProcess],
) -> None:
    a, b = two_servers_of_one_database
    made = httpx.post(f"{a.url}/api/solutions", json={"name": "Payments"}, timeout=30).json()
    solution_id, ste = made["id"], made["ste_session"]
    with client(a, ste) as c:
        link = c.post(f"/api/solutions/{solution_id}/links", json={"kind": "train"}).json()["url"]
    board_id, rte = create_board(b, "Train A")
    with client(b, rte) as c:
        assert c.post(f"/api/boards/{board_id}/solution", json={"link": link}).status_code == 200
    with client(a, ste) as c:
        cap = c.post(f"/api/solutions/{solution_id}/capabilities", json={"title": "Instant"}).json()["id"]
        assert c.post(f"/api/solutions/{solution_id}/capabilities/{cap}/split").status_code == 200
        seqs = {t["board_id"]: t["seq"] for t in c.get(f"/api/solutions/{solution_id}").json()["trains"]}

    async def scenario() -> None:
        on_a = await solution_socket(a.ws_url, solution_id, ste, seqs)
        await on_a.wait_welcome()
        # Every op below is committed by process B: only NOTIFY tells process A.
        team = op(b, board_id, rte, "team.create", args={"name": "Atlas"})["changes"][0]["id"]
        iteration = op(b, board_id, rte, "iteration.create", args={"number": 1})["changes"][0]["id"]
        await on_a.wait_until(lambda: bool(parts(on_a)), 15)
        assert progress_in(parts(on_a)[-1], board_id) == "funnel"
        with client(b, rte) as c:
            version = c.get(f"/api/boards/{board_id}").json()["items"]["feature"][f"cap-{cap}"]["version"]
        op(
            b,
            board_id,
            rte,
            "feature.update",
            target=f"cap-{cap}",
            base_version=version,
            args={"team_id": team, "iteration_id": iteration},
        )
        await on_a.wait_until(lambda: progress_in(parts(on_a)[-1], board_id) == "planned", 15)
        # The solution itself changes on process B (NOTIFY piboard_solution): A's page shows it.
        with client(b, ste) as c:
            made = c.post(f"/api/solutions/{solution_id}/capabilities", json={"title": "Fraud checks"})
            assert made.status_code == 201, made.text
        await on_a.wait_until(lambda: "Fraud checks" in parts(on_a)[-1], 15)
        # Post-PI Planning on process B (a solution risk raised): A's page shows it too.
        with client(b, ste) as c:
            raised = c.post(f"/api/solutions/{solution_id}/risks", json={"title": "Vendor late"})
            assert raised.status_code == 201, raised.text
        await on_a.wait_until(lambda: "Vendor late" in parts(on_a)[-1], 15)
        await on_a.close()

    run_async(scenario())
