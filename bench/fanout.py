"""Fan-out: N websocket clients on one board, one edit per interval; edit→client latency and memory.

    .venv/bin/python bench/fanout.py                 # N = 100, 500, 1000; prints a table
    .venv/bin/python bench/fanout.py --json          # the same figures as JSON
    .venv/bin/python bench/fanout.py --clients 50 --edits 20

For each N the same client process runs the same work against two servers, each a subprocess of
its own (so its RSS is its own):

* piboard — the real app under uvicorn (SQLite file, default ``ws`` implementation); every edit is a
  ``risk.create`` op sent over the socket by one more connection (the editor), committed through the
  op path and broadcast by the hub as a JSON ``event`` frame;
* floor  — a bare ``websockets`` server that answers the editor's message with ``websockets.broadcast``
  of an event frame of the same shape and size: no database, no hub; the lower bound of this machine.

Latency is measured in the client process from the editor's send to each client's receipt of that
event (``delivery``), and to the last of the N clients (``all``). Memory per connection is the server's
RSS after N clients said hello, minus its RSS before, divided by N. Client and servers share the
machine's cores, so the figures include the client's own receive loop (the floor has it too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
EVENT_SEQ = re.compile(r'"type":"event","seq":(\d+)')
CONNECT_BATCH = 50


@dataclass
class Result:
    server: str
    clients: int
    edits: int
    delivery_p50_ms: float
    delivery_p99_ms: float
    delivery_max_ms: float
    all_p50_ms: float
    all_p99_ms: float
    all_max_ms: float
    missing: int
    connect_s: float
    rss_per_conn_kb: float


# --- the servers (run as subprocesses of this script) ----------------------------------------------


def serve_piboard(port: int, db: str) -> None:
    import uvicorn

    from server.app import create_app
    from server.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{db}",
        secret_key="bench-" + "k" * 40,
        secret_file=Path(db + ".secret"),
        ops_per_second=1000.0,
        ops_burst=1000,
        ws_heartbeat=600.0,  # the bench clients do not answer the app heartbeat
        demo_on_empty=False,
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", backlog=4096)


def serve_floor(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    watchers: set[ServerConnection] = set()
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal seq
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "welcome", "seq": seq}))
        watchers.add(ws)
        try:
            async for message in ws:
                frame = json.loads(message)
                if frame.get("type") != "op":
                    continue
                seq += 1
                op = frame["op"]
                after = {"id": f"r{seq}", "version": 1, **op["args"], "roam": "unroamed", "owner": ""}
                event = {
                    "type": "event",
                    "seq": seq,
                    "op": op,
                    "changes": [{"kind": "risk", "id": after["id"], "before": None, "after": after}],
                    "actor": {"name": "Editor", "role": "rte", "team_id": None},
                    "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                }
                broadcast(watchers, json.dumps(event, separators=(",", ":")))
                await ws.send(json.dumps({"type": "ack", "client_op_id": op["client_op_id"], "seq": seq}))
        finally:
            watchers.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, ping_interval=None, backlog=4096):
            await asyncio.Future()

    asyncio.run(main())


# --- the clients -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start(kind: str, port: int, db: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, str(Path(__file__).resolve()), "--serve", kind, "--port", str(port), "--db", db]
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def make_board(base: str) -> tuple[str, str, str]:
    """A fresh board: (board id, the RTE's session for the editor, an observer session for the watchers)."""
    with httpx.Client(base_url=base, timeout=30) as c:
        created = c.post("/api/boards", json={"name": "Bench ART"}).raise_for_status().json()
        board_id, rte = created["board"]["id"], created["rte_session"]
        link = c.post(
            f"/api/boards/{board_id}/links",
            json={"role": "observer"},
            headers={"Authorization": f"Bearer {rte}"},
        ).raise_for_status()
        token = link.json()["join_url"].rsplit("/", 1)[1]
        joined = c.post("/api/join", json={"token": token, "name": "Watcher"}).raise_for_status()
        return board_id, rte, joined.json()["session"]


class Watchers:
    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.sockets: list[ClientConnection] = []

    async def open(self, url: str, session: str, count: int) -> None:
        async def one() -> None:
            ws = await connect(
                url,
                additional_headers={"Authorization": f"Bearer {session}"},
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
            )
            await ws.send(json.dumps({"type": "hello", "last_seq": 0, "view": "program", "mode": "json"}))
            first = json.loads(await ws.recv())
            welcome = first[0] if isinstance(first, list) else first  # frames may come as one array
            assert welcome["type"] == "welcome", welcome
            self.sockets.append(ws)
            self.tasks.append(asyncio.create_task(self.read(ws)))

        for first in range(0, count, CONNECT_BATCH):
            await asyncio.gather(*(one() for _ in range(min(CONNECT_BATCH, count - first))))

    async def read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for message in ws:
                now = time.monotonic()
                assert isinstance(message, str)
                for seq in EVENT_SEQ.findall(message):
                    self.arrivals.setdefault(int(seq), []).append(now)

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_case(kind: str, base: str, n: int, edits: int, interval: float, pid: int) -> Result:
    if kind == "piboard":
        board_id, editor_session, watcher_session = await asyncio.to_thread(make_board, base)
        url = base.replace("http://", "ws://") + f"/b/{board_id}/ws"
    else:
        editor_session = watcher_session = "-"
        url = base.replace("http://", "ws://") + "/"
    await asyncio.sleep(0.5)
    rss_before = rss_kb(pid)
    watchers = Watchers()
    t0 = time.monotonic()
    await watchers.open(url, watcher_session, n)
    connect_s = time.monotonic() - t0
    await asyncio.sleep(1.0)  # presence settles
    rss_after = rss_kb(pid)

    editor = await connect(
        url, additional_headers={"Authorization": f"Bearer {editor_session}"}, ping_interval=None
    )
    await editor.send(json.dumps({"type": "hello", "last_seq": None, "view": "program", "mode": "json"}))
    sent: dict[str, float] = {}
    seq_of: dict[str, int] = {}

    async def read_acks() -> None:
        with contextlib.suppress(Exception):
            async for message in editor:
                assert isinstance(message, str)
                frames = json.loads(message)
                for frame in frames if isinstance(frames, list) else [frames]:
                    if frame.get("type") == "ack":
                        seq_of[frame["client_op_id"]] = frame["seq"]

    acks = asyncio.create_task(read_acks())
    for k in range(edits):
        op_id = f"bench-{k}"
        op = {"type": "risk.create", "args": {"title": f"Bench risk {k}", "description": "x" * 120}}
        sent[op_id] = time.monotonic()
        await editor.send(json.dumps({"type": "op", "op": {**op, "client_op_id": op_id}}))
        await asyncio.sleep(interval)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = len(seq_of) == edits and all(len(watchers.arrivals.get(s, [])) >= n for s in seq_of.values())
        if done:
            break
        await asyncio.sleep(0.05)
    deliveries: list[float] = []
    to_all: list[float] = []
    missing = 0
    for op_id, t_sent in sent.items():
        seq = seq_of.get(op_id)
        arrived = watchers.arrivals.get(seq, []) if seq is not None else []
        missing += n - len(arrived)
        deliveries.extend(t - t_sent for t in arrived)
        if len(arrived) >= n:
            to_all.append(max(arrived) - t_sent)
    acks.cancel()
    await editor.close()
    await watchers.close()
    ms = 1000.0
    return Result(
        server=kind,
        clients=n,
        edits=edits,
        delivery_p50_ms=round(statistics.median(deliveries) * ms, 1) if deliveries else -1,
        delivery_p99_ms=round(percentile(deliveries, 0.99) * ms, 1) if deliveries else -1,
        delivery_max_ms=round(max(deliveries) * ms, 1) if deliveries else -1,
        all_p50_ms=round(statistics.median(to_all) * ms, 1) if to_all else -1,
        all_p99_ms=round(percentile(to_all, 0.99) * ms, 1) if to_all else -1,
        all_max_ms=round(max(to_all) * ms, 1) if to_all else -1,
        missing=missing,
        connect_s=round(connect_s, 2),
        rss_per_conn_kb=round((rss_after - rss_before) / n, 1),
    )


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


async def bench(sizes: list[int], edits: int, interval: float) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for kind in ("piboard", "floor"):
                port = free_port()
                db = str(Path(tmp) / f"bench-{n}.db")
                proc = start(kind, port, db)
                try:
                    results.append(
                        await run_case(kind, f"http://127.0.0.1:{port}", n, edits, interval, proc.pid)
                    )
                finally:
                    proc.terminate()
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    return results


def print_table(results: list[Result], interval: float) -> None:
    print(f"fan-out: one edit every {interval * 1000:.0f} ms; latency from the editor's send (ms)")
    head = (
        f"{'N':>5} {'server':<8} {'p50':>7} {'p99':>7} {'max':>7} | {'all p50':>8} {'all p99':>8} "
        f"{'all max':>8} | {'missing':>7} {'connect s':>9} {'KB/conn':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.clients:>5} {r.server:<8} {r.delivery_p50_ms:>7} {r.delivery_p99_ms:>7} "
            f"{r.delivery_max_ms:>7} | "
            f"{r.all_p50_ms:>8} {r.all_p99_ms:>8} {r.all_max_ms:>8} | {r.missing:>7} {r.connect_s:>9} "
            f"{r.rss_per_conn_kb:>8}"
        )
    print("p50/p99/max: each delivery to each client; all: until the last of the N clients had it.")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="*", default=[100, 500, 1000])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between edits")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--serve", choices=["piboard", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_file_limit(2 * max(args.clients or [0]) + 256)
    if args.serve == "piboard":
        serve_piboard(args.port, args.db)
        return
    if args.serve == "floor":
        serve_floor(args.port)
        return
    results = asyncio.run(bench(args.clients, args.edits, args.interval))
    if args.json:
        out: dict[str, Any] = {"interval_s": args.interval, "results": [asdict(r) for r in results]}
        print(json.dumps(out, indent=2))
    else:
        print_table(results, args.interval)


if __name__ == "__main__":
    main()
