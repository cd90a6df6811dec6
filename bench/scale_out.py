"""Edits per second and fan-out delay with several server processes on one PostgreSQL database.

Starts a throwaway PostgreSQL server (tests/pg.py; needs scripts/ensure_postgres.sh) and N uvicorn
processes on it, connects C websocket clients spread over them, and has every client create then
update risks (pipelined, as a busy room would). Prints the throughput, the ack latency and how long
an event takes to reach every client on every process; ``--json`` prints the same as JSON.

    .venv/bin/python bench/scale_out.py [--processes 3] [--clients 30] [--ops 600] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live.client import LiveClient
from tests.pg import PostgresServer
from tests.scale.procs import ServerProcess, create_board, join, start_all


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def storm(
    procs: list[ServerProcess], board_id: str, sessions: list[str], ops_per_client: int
) -> dict[str, Any]:
    clients = [
        await LiveClient.connect(procs[i % len(procs)].ws_url, board_id, s, last_seq=None, name=f"c{i}")
        for i, s in enumerate(sessions)
    ]
    for c in clients:
        await c.wait_until(lambda c=c: bool(c.resets), 60)
    sent_at: dict[str, float] = {}
    started = time.monotonic()

    async def edit(i: int, client: LiveClient) -> None:
        half = ops_per_client // 2
        for k in range(ops_per_client):
            cid = f"c{i}-{k}"
            sent_at[cid] = time.monotonic()
            if k < half:
                await client.op(
                    "risk.create", client_op_id=cid, args={"id": f"r{i}x{k}", "title": f"risk {i}.{k}"}
                )
            else:
                target = f"r{i}x{k - half}"
                await client.op(
                    "risk.update", client_op_id=cid, target=target, base_version=1, args={"owner": cid}
                )
        await client.wait_until(lambda: len(client.acks) + len(client.refusals) >= ops_per_client, 300)

    await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))
    elapsed = time.monotonic() - started
    acks = {cid: a for c in clients for cid, a in c.acks.items()}
    final = max(a["seq"] for a in acks.values())
    for c in clients:
        await c.wait_until(lambda c=c: c.last_seq >= final, 120)
    seq_sent: dict[int, float] = {}
    for c in clients:
        for cid, ack in c.acks.items():
            seq_sent[ack["seq"]] = sent_at[cid]
    fanout = []
    for seq, t0 in seq_sent.items():
        arrivals = [c.arrival[seq] for c in clients if seq in c.arrival]
        if len(arrivals) == len(clients):
            fanout.append(max(arrivals) - t0)
    # A quiet room: one edit at a time, from a client on each process in turn, until everyone has it.
    quiet = []
    for k in range(30):
        sender = clients[k % len(clients)]
        t0 = time.monotonic()
        cid = await sender.op(
            "risk.update",
            client_op_id=f"quiet-{k}",
            target="r0x0",
            base_version=2 + k,
            args={"owner": f"q{k}"},
        )
        await sender.wait_until(lambda cid=cid, s=sender: cid in s.acks, 30)
        seq = sender.acks[cid]["seq"]
        for c in clients:
            await c.wait_until(lambda c=c, seq=seq: seq in c.arrival, 30)
        quiet.append(max(c.arrival[seq] for c in clients) - t0)
    for c in clients:
        await c.close()
    return {
        "processes": len(procs),
        "clients": len(clients),
        "ops": len(acks),
        "refused": sum(len(c.refusals) for c in clients),
        "seconds": round(elapsed, 3),
        "ops_per_second": round(len(acks) / elapsed, 1),
        "storm_send_to_everyone_p50_ms": round(1000 * statistics.median(fanout), 1),
        "storm_send_to_everyone_p95_ms": round(1000 * percentile(fanout, 0.95), 1),
        "quiet_send_to_everyone_p50_ms": round(1000 * statistics.median(quiet), 1),
        "quiet_send_to_everyone_p95_ms": round(1000 * percentile(quiet, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--ops", type=int, default=600, help="total ops (creates then updates)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pg = PostgresServer().start()
    procs: list[ServerProcess] = []
    try:
        url = pg.create_database("bench")
        work = Path(tempfile.mkdtemp(prefix="piboard-bench-"))
        procs = start_all([ServerProcess(url, work, name=f"p{i}") for i in range(args.processes)])
        board_id, rte = create_board(procs[0])
        sessions = [join(procs[i % len(procs)], board_id, rte, "rte", f"p{i}") for i in range(args.clients)]
        result = asyncio.run(storm(procs, board_id, sessions, max(2, args.ops // args.clients)))
    finally:
        for p in procs:
            p.stop()
        pg.stop()
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
