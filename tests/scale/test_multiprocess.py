"""Three server processes share one board on PostgreSQL: every client sees every edit once, in order."""

from __future__ import annotations

import asyncio
import time

import psycopg

from tests.live.client import LiveClient
from tests.scale.mirror import Mirror, server_view
from tests.scale.procs import ServerProcess, create_board, join, read_board

CLIENTS = 30
OPS_PER_CLIENT = 20  # 10 creates then 10 updates of them: 600 ops


def test_thirty_clients_on_three_processes_converge_on_the_database(
    three_processes: list[ServerProcess], pg_url: str
) -> None:
    procs = three_processes
    board_id, rte = create_board(procs[0])
    sessions = [join(procs[i % 3], board_id, rte, "rte", f"person {i}") for i in range(CLIENTS)]

    async def scenario() -> tuple[list[Mirror], list[LiveClient], float]:
        clients = [
            await LiveClient.connect(procs[i % 3].ws_url, board_id, sessions[i], last_seq=None, name=f"c{i}")
            for i in range(CLIENTS)
        ]
        for c in clients:
            await c.wait_until(lambda c=c: bool(c.resets))
        started = time.monotonic()

        async def edit(i: int, client: LiveClient) -> None:
            for k in range(OPS_PER_CLIENT // 2):
                await client.op(
                    "risk.create",
                    client_op_id=f"c{i}-new-{k}",
                    args={"id": f"r{i}x{k}", "title": f"risk {i}.{k}"},
                )
            for k in range(OPS_PER_CLIENT // 2):
                await client.op(
                    "risk.update",
                    client_op_id=f"c{i}-upd-{k}",
                    target=f"r{i}x{k}",
                    base_version=1,
                    args={"owner": f"owner of {i}.{k}"},
                )
            await client.wait_until(lambda: len(client.acks) + len(client.refusals) >= OPS_PER_CLIENT, 120)

        await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))
        elapsed = time.monotonic() - started
        final_seq = read_board(procs[0], board_id, rte)["seq"]
        for c in clients:
            await c.wait_until(lambda c=c: c.last_seq >= final_seq, 60)
        await asyncio.sleep(0.3)  # anything extra (a repeat) would arrive now and fail the mirror
        mirrors = []
        for c in clients:
            m = Mirror(c.name)
            m.absorb(c)
            mirrors.append(m)
        for c in clients:
            await c.close()
        return mirrors, clients, elapsed

    mirrors, clients, elapsed = asyncio.run(scenario())
    print(
        f"\n{CLIENTS * OPS_PER_CLIENT} ops over 3 processes, {CLIENTS} clients: "
        f"{elapsed:.2f}s, {CLIENTS * OPS_PER_CLIENT / elapsed:.0f} ops/s"
    )

    refusals = {cid: r for c in clients for cid, r in c.refusals.items()}
    assert refusals == {}
    assert sum(len(c.acks) for c in clients) == CLIENTS * OPS_PER_CLIENT

    with psycopg.connect(pg_url) as db:
        db_seq = db.execute("SELECT seq FROM board WHERE id = %s", (board_id,)).fetchone()
        seqs = [
            row[0]
            for row in db.execute("SELECT seq FROM event WHERE board_id = %s ORDER BY seq", (board_id,))
        ]
        op_ids = {
            row[0] for row in db.execute("SELECT client_op_id FROM event WHERE board_id = %s", (board_id,))
        }
        rows = db.execute("SELECT kind, item_id, data FROM item WHERE board_id = %s", (board_id,)).fetchall()
    table: dict[str, dict[str, object]] = {}
    for kind, item_id, data in rows:
        table.setdefault(kind, {})[item_id] = data
    assert db_seq is not None
    assert seqs == list(range(1, db_seq[0] + 1))  # gapless
    assert {cid for c in clients for cid in c.acks} <= op_ids
    # Every ack names the seq its op got in the table.
    acked_seqs = sorted(a["seq"] for c in clients for a in c.acks.values())
    assert len(set(acked_seqs)) == CLIENTS * OPS_PER_CLIENT

    for p in procs:  # each process answers with the database's board
        stored = read_board(p, board_id, rte)
        assert stored["seq"] == db_seq[0]
    expected = server_view(read_board(procs[1], board_id, rte))
    assert expected == table  # the item rows themselves (no secret ballots on this board to redact)
    assert len(expected["risk"]) == CLIENTS * OPS_PER_CLIENT // 2
    assert all(r["owner"].startswith("owner of") and r["version"] == 2 for r in expected["risk"].values())
    for m in mirrors:
        assert m.seq == db_seq[0]
        assert m.view() == expected, m.name
        start = m.seen[0] if m.seen else m.seq + 1
        assert m.seen == list(range(start, db_seq[0] + 1))
