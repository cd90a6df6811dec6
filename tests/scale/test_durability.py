"""SIGKILL a server process in the middle of an edit storm: nothing acked is lost, everyone converges.

On PostgreSQL (two processes, one killed) and on the embedded SQLite file (one process, killed and
restarted). The PostgreSQL server here keeps ``fsync`` and ``synchronous_commit`` on (unlike the
other tests' throwaway cluster): an ack means the op's transaction is committed and on disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from tests.live.client import LiveClient
from tests.pg import PostgresServer
from tests.scale.mirror import Mirror, server_view
from tests.scale.procs import ServerProcess, create_board, join, read_board, start_all

CLIENTS_PER_PROCESS = 5
WINDOW = 4  # ops a client keeps in flight
ACKS_BEFORE_KILL = 150


@pytest.fixture(scope="module")
def durable_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(fsync=True).start()
    yield server
    server.stop()


class Editor:
    """One participant who keeps editing, remembers what it sent, and resends what was never acked."""

    def __init__(self, name: str, process: ServerProcess, board_id: str, session: str) -> None:
        self.name = name
        self.process = process
        self.board_id = board_id
        self.session = session
        self.mirror = Mirror(name)
        self.sent: dict[str, dict[str, Any]] = {}
        self.acked: dict[str, int] = {}
        self.client: LiveClient | None = None
        self.counter = 0

    async def connect(self) -> None:
        last = self.mirror.seq if self.mirror.seq >= 0 else None
        self.client = await LiveClient.connect(
            self.process.ws_url, self.board_id, self.session, last_seq=last, name=self.name
        )
        await self.client.wait_until(lambda: self.client is not None and self.client.welcome is not None)

    async def connect_until_welcome(self, timeout: float) -> None:
        """Reconnect, retrying while the server cannot yet serve (its database is coming back)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await self.connect()
                return
            except (AssertionError, OSError, ConnectionClosed):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.3)

    def harvest(self, allow_refusals: bool = False) -> None:
        """Take what the current connection received; an op refused (not stale: unavailable) is resent."""
        assert self.client is not None
        self.mirror.absorb(self.client)
        for cid, ack in self.client.acks.items():
            self.acked[cid] = ack["seq"]
        if not allow_refusals:
            assert not self.client.refusals, self.client.refusals

    def in_flight(self) -> int:
        assert self.client is not None
        return sum(1 for cid in self.sent if cid not in self.client.acks and cid not in self.acked)

    async def storm(self, stop: asyncio.Event) -> None:
        client = self.client
        assert client is not None
        try:
            while not stop.is_set() and client.closed_code is None:
                self.counter += 1
                cid = f"{self.name}-{self.counter}"
                body = {"args": {"id": f"{self.name}x{self.counter}", "title": f"risk {cid}"}}
                self.sent[cid] = body
                await client.op("risk.create", client_op_id=cid, **body)
                while self.in_flight() >= WINDOW and client.closed_code is None and not stop.is_set():
                    await asyncio.sleep(0.005)
        except ConnectionClosed:
            pass

    async def resend_unacked(self) -> None:
        assert self.client is not None
        missing = [cid for cid in self.sent if cid not in self.acked]
        for cid in missing:
            await self.client.op("risk.create", client_op_id=cid, **self.sent[cid])
        client = self.client
        await client.wait_until(lambda: all(c in client.acks for c in missing), 60)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_sigkill_mid_storm_loses_no_acked_op_and_clients_converge(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "postgresql":  # two processes: one is killed, the other keeps serving
        url = request.getfixturevalue("durable_postgres").create_database("durable")
        names = ["victim", "survivor"]
    else:  # the embedded default: one process on a SQLite file, killed and restarted
        url = f"sqlite:///{tmp_path / 'piboard.db'}"
        names = ["victim"]
    processes = start_all([ServerProcess(url, tmp_path, name=n) for n in names])
    victim, survivor = processes[0], processes[-1]
    try:
        board_id, rte = create_board(survivor)
        editors = [
            Editor(f"{p.name}{i}", p, board_id, join(p, board_id, rte, "rte", f"{p.name} {i}"))
            for p in processes
            for i in range(CLIENTS_PER_PROCESS)
        ]
        on_victim = [e for e in editors if e.process is victim]

        async def scenario() -> tuple[dict[str, int], dict[str, int]]:
            for e in editors:
                await e.connect()
            stop = asyncio.Event()
            storms = [asyncio.create_task(e.storm(stop)) for e in editors]

            def total_acks() -> int:
                return sum(len(e.client.acks) for e in editors if e.client is not None)

            while total_acks() < ACKS_BEFORE_KILL:
                await asyncio.sleep(0.01)
            in_flight_at_kill = sum(e.in_flight() for e in on_victim)
            victim.kill()
            assert in_flight_at_kill > 0  # the kill lands in the middle of ops, not between them
            for e in on_victim:
                assert e.client is not None
                await e.client.wait_closed(10)
            acked_before_restart = {cid: seq for e in editors for cid, seq in _acks(e).items()}
            await asyncio.sleep(0.5)  # the survivor's clients keep editing while the victim is down
            victim.start()
            stop.set()
            await asyncio.gather(*storms)
            for e in editors:
                e.harvest()
            for e in on_victim:  # reconnect with the last seq seen, resend what was never acked
                await e.connect()
            for e in editors:
                await e.resend_unacked()
            final_seq = read_board(survivor, board_id, rte)["seq"]
            for e in editors:
                client = e.client
                assert client is not None
                await client.wait_until(lambda c=client: c.last_seq >= final_seq, 60)
            await asyncio.sleep(0.3)
            for e in editors:
                e.harvest()
                assert e.client is not None
                await e.client.close()
            return acked_before_restart, {cid: seq for e in editors for cid, seq in e.acked.items()}

        acked_at_kill, acked_at_end = asyncio.run(scenario())
    finally:
        for p in processes:
            p.stop()

    stored, db_seq = stored_events(url, board_id)
    print(
        f"\nacked before the restart: {len(acked_at_kill)}, ops sent: {sum(len(e.sent) for e in editors)}, "
        f"events: {db_seq}"
    )
    # Nothing acked is lost, and an ack named the seq the op really got.
    for cid, seq in acked_at_kill.items():
        assert stored.get(cid) == seq, cid
    # After resending, every op sent is in the table exactly once (client_op_id is unique per board).
    sent = {cid for e in editors for cid in e.sent}
    assert sent <= set(stored)
    assert all(stored[cid] == seq for cid, seq in acked_at_end.items())
    assert sorted(stored.values()) == list(range(1, db_seq + 1))
    # Everyone's board equals the database, each event seen once in order across the reconnect.
    fresh = ServerProcess(url, tmp_path, name="fresh").start()  # no cache: reads the item rows
    try:
        expected = server_view(read_board(fresh, board_id, rte))
    finally:
        fresh.stop()
    assert len(expected["risk"]) == len(sent)
    for e in editors:
        assert e.mirror.seq == db_seq
        assert e.mirror.view() == expected, e.name
        assert e.mirror.seen == list(range(e.mirror.seen[0], db_seq + 1))


def stored_events(url: str, board_id: str) -> tuple[dict[str, int], int]:
    """client_op_id -> seq of every event of the board, and the board's seq, read from the database."""
    events = "SELECT client_op_id, seq FROM event WHERE board_id = {p}"
    board = "SELECT seq FROM board WHERE id = {p}"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            stored = dict(db.execute(events.format(p="?"), (board_id,)).fetchall())
            seq = db.execute(board.format(p="?"), (board_id,)).fetchone()
    else:
        with psycopg.connect(url) as pg:
            stored = dict(pg.execute(events.format(p="%s"), (board_id,)).fetchall())  # type: ignore[arg-type]
            seq = pg.execute(board.format(p="%s"), (board_id,)).fetchone()  # type: ignore[arg-type]
    assert seq is not None
    return stored, int(seq[0])


def _acks(editor: Editor) -> dict[str, int]:
    assert editor.client is not None
    return {cid: ack["seq"] for cid, ack in editor.client.acks.items()}


def test_database_crash_mid_storm_loses_no_acked_op(tmp_path: Path) -> None:
    """PostgreSQL itself dies (immediate stop: no checkpoint, like a power cut) while ops are in flight.

    Every op acked before the crash must be in the database after its WAL replay; the server
    processes recover without a restart (pool pre-ping, the listen bridge reconnects) and the
    clients, resending what was never acked, converge.
    """
    pg = PostgresServer(fsync=True).start()
    url = pg.create_database("crash")
    processes = start_all([ServerProcess(url, tmp_path, name=f"p{i}") for i in range(2)])
    try:
        board_id, rte = create_board(processes[0])
        editors = [
            Editor(f"{p.name}e{i}", p, board_id, join(p, board_id, rte, "rte", f"{p.name} {i}"))
            for p in processes
            for i in range(CLIENTS_PER_PROCESS)
        ]

        async def scenario() -> dict[str, int]:
            for e in editors:
                await e.connect()
            stop = asyncio.Event()
            storms = [asyncio.create_task(e.storm(stop)) for e in editors]
            while sum(len(_acks(e)) for e in editors) < ACKS_BEFORE_KILL:
                await asyncio.sleep(0.01)
            pg.crash()
            acked_at_crash = {cid: seq for e in editors for cid, seq in _acks(e).items()}
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {rte}"}) as http:
                down = await http.post(
                    f"{processes[0].url}/api/boards/{board_id}/ops",
                    json={"type": "risk.create", "args": {"title": "while the database is down"}},
                )
            assert down.status_code == 503, down.text  # retry later, not a server error
            assert down.json()["error"] == "unavailable"
            await asyncio.sleep(1.0)
            pg.restart_after_crash()
            stop.set()
            await asyncio.gather(*storms)
            closes = [e.client.closed_code for e in editors if e.client is not None]
            refusals = [
                r["error"] for e in editors if e.client is not None for r in e.client.refusals.values()
            ]
            print(f"\nduring the outage: closes {closes}, refusals {refusals}")
            # Sockets stay open (ops refused as unavailable) or close with a code browsers reconnect on.
            assert all(code in {None, 1011, 1012, 1013} for code in closes), closes
            assert set(refusals) <= {"unavailable"}
            for e in editors:
                e.harvest(allow_refusals=True)
                if e.client is not None and e.client.closed_code is None:
                    await e.client.close()
                await e.connect_until_welcome(60)
            for e in editors:
                await e.resend_unacked()
            final_seq = read_board(processes[0], board_id, rte)["seq"]
            for e in editors:
                client = e.client
                assert client is not None
                await client.wait_until(lambda c=client: c.last_seq >= final_seq, 60)
            await asyncio.sleep(0.3)
            for e in editors:
                e.harvest()
                assert e.client is not None
                await e.client.close()
            return acked_at_crash

        acked_at_crash = asyncio.run(scenario())
        stored, db_seq = stored_events(url, board_id)
        print(f"\nacked before the crash: {len(acked_at_crash)}, events after recovery: {db_seq}")
        for cid, seq in acked_at_crash.items():
            assert stored.get(cid) == seq, cid
        sent = {cid for e in editors for cid in e.sent}
        assert sent <= set(stored)
        assert sorted(stored.values()) == list(range(1, db_seq + 1))
        expected = server_view(read_board(processes[1], board_id, rte))
        assert len(expected["risk"]) == len(sent)
        for e in editors:
            assert e.mirror.view() == expected, e.name
    finally:
        for p in processes:
            p.stop()
        pg.stop()
