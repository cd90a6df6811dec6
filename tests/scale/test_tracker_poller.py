"""With several server processes on one PostgreSQL database, exactly one polls a board at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scale.procs import ServerProcess, create_board, start_all
from tests.trackers.http_server import served
from tests.trackers.jira_emulator import JiraEmulator

# The receivers listen on loopback (tests/conftest.py: the one allow-list of the tests).
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")


class InFlight:
    """Counts the requests the tracker is answering at once (every request of a poll comes one after
    another, so two at once means two polls at once)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.most = 0
        self.total = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            self.now += 1
            self.total += 1
            self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.now -= 1


@pytest.fixture
def jira() -> Iterator[tuple[JiraEmulator, InFlight]]:
    emulator = JiraEmulator("cloud")
    emulator.add_project("ATL")
    counted = InFlight(emulator.app())
    with served(counted) as url:
        emulator.base_url = url
        yield emulator, counted


def test_two_processes_never_poll_one_board_at_once(
    pg_url: str, tmp_path: Path, jira: tuple[JiraEmulator, InFlight]
) -> None:
    emulator, in_flight = jira
    ticks = {"PIBOARD_TRACKER_TICK": "0.05"}
    processes = [ServerProcess(pg_url, tmp_path, name=f"p{i}", env_overrides=ticks) for i in range(2)]
    try:
        start_all(processes)
        board_id, rte = create_board(processes[0])
        keys = [emulator.add_issue("ATL", f"Story {n}", team="Atlas", points=3) for n in range(3)]
        body = {
            "product": "jira_cloud",
            "url": emulator.base_url,
            "user": emulator.email,
            "token": emulator.token,
            "scope": {"jql": "project = ATL"},
            "interval_s": 10,
        }
        with httpx.Client(base_url=processes[0].url, headers={"Authorization": f"Bearer {rte}"}) as c:
            made = c.put(f"/api/boards/{board_id}/tracker", json=body, timeout=30)
            assert made.status_code == 200, made.text
            assert c.post(f"/api/boards/{board_id}/tracker/apply", timeout=60).status_code == 200
        secret = made.json()["webhook_secret"]
        for process in processes:  # Jira calls both: both are told at once that a poll is due
            emulator.register(f"{process.url}/hooks/jira/{board_id}", secret)
        emulator.hang(0.2)  # every answer is slow: a poll lasts long enough to be overlapped
        before = in_flight.total
        for round_ in range(8):
            emulator.set_status(keys[round_ % 3], "In Progress" if round_ % 2 else "Done", "indeterminate")
            time.sleep(0.3)
        deadline = time.monotonic() + 20
        while emulator.deliveries and time.monotonic() < deadline and in_flight.now:
            time.sleep(0.1)
        assert in_flight.total - before >= 4, "the webhooks made both processes poll"
        assert in_flight.most == 1, "two polls of one board ran at once"
        delivered = [d for d in emulator.deliveries if d.status == 202]
        assert {d.url.split("/hooks")[0] for d in delivered} == {p.url for p in processes}
    finally:
        for process in processes:
            process.stop()
