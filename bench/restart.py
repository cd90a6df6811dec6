"""How soon a server process on PostgreSQL serves again after a ``kill -9``, on a loaded database.

Starts a throwaway PostgreSQL server (tests/pg.py) and two server processes on it (as
tests/scale does: ``uvicorn server.app:create_app``). The database holds a board made from a
Jira export of ``--issues`` issues and ``--boards`` other boards; while the figures are taken,
``--writers`` people edit that board through the other process without pause. Then, ``--runs``
times: process A is killed (SIGKILL) and started again, and the figures are the time from its
start to its first ``/healthz`` answer, to the big board's first read (``GET /api/boards/{id}``)
and to its program board page (``GET /b/{id}/program``). Beside them: how long the interpreter
takes to import the application (``python -c "import server.app"``), the floor of any start.

    .venv/bin/python bench/restart.py [--issues 20000] [--boards 200] [--writers 4] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.store.auth import session_cookie_name
from tests.exports.big_jira import export
from tests.pg import PostgresServer
from tests.scale.procs import ServerProcess, create_board, join, start_all


def first_answer(
    url: str, since: float, headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None
) -> float:
    """Seconds from ``since`` until ``url`` answers 200."""
    deadline = 120
    with httpx.Client(headers=headers, cookies=cookies, timeout=30) as client:
        while time.monotonic() - since < deadline:
            try:
                if client.get(url).status_code == 200:
                    return time.monotonic() - since
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer in {deadline} s")


class Writers:
    """People editing a board through one process without pause (each: an edit, its answer, again)."""

    def __init__(self, url: str, board_id: str, sessions: list[str]) -> None:
        self.url, self.board_id, self.sessions = url, board_id, sessions
        self.edits = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._edit, args=(s, n), daemon=True) for n, s in enumerate(sessions)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _edit(self, session: str, n: int) -> None:
        headers = {"Authorization": f"Bearer {session}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            k = 0
            while not self._stop.is_set():
                k += 1
                op = {"type": "risk.create", "client_op_id": f"w{n}-{k}", "args": {"title": f"Risk {n}.{k}"}}
                if client.post(f"/api/boards/{self.board_id}/ops", json=op).status_code == 200:
                    self.edits += 1


def import_seconds() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import server.app"], check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pg = PostgresServer().start()
    procs: list[ServerProcess] = []
    writers: Writers | None = None
    try:
        url = pg.create_database("restart")
        with tempfile.TemporaryDirectory() as tmp:
            a, b = procs = start_all([ServerProcess(url, Path(tmp), name=n) for n in ("a", "b")])
            board_id, rte = create_board(b, "Big ART")
            made = httpx.post(
                f"{b.url}/api/boards/{board_id}/import/jira",
                content=export(args.issues),
                params={"preview": "false"},
                headers={"Authorization": f"Bearer {rte}", "content-type": "text/csv"},
                timeout=600,
            )
            made.raise_for_status()
            for n in range(args.boards):
                create_board(b, f"Other ART {n}")
            sessions = [join(b, board_id, rte, "rte", f"Writer {n}") for n in range(args.writers)]
            writers = Writers(b.url, board_id, sessions)
            writers.start()
            runs = []
            for _ in range(args.runs):
                time.sleep(2)  # the writers at full pace, and the killed process's sockets gone
                a.kill()
                started = time.monotonic()
                a.launch()
                auth = {"Authorization": f"Bearer {rte}"}
                health = first_answer(f"{a.url}/healthz", started)
                read = first_answer(f"{a.url}/api/boards/{board_id}", started, headers=auth)
                cookie = {session_cookie_name(board_id): rte}
                page = first_answer(f"{a.url}/b/{board_id}/program", started, cookies=cookie)
                runs.append(
                    {"healthz_s": round(health, 2), "board_read_s": round(read, 2), "page_s": round(page, 2)}
                )
            writers.stop()
            edits = writers.edits
            writers = None
            floor = import_seconds()
    finally:
        if writers is not None:
            writers.stop()
        for p in procs:
            p.stop()
        pg.stop()
    figures: dict[str, Any] = {
        "issues": args.issues,
        "boards": args.boards + 1,
        "writers": args.writers,
        "edits_during_runs": edits,
        "import_server_app_s": round(floor, 2),
        "runs": runs,
        "median": {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"Restart after kill -9 on PostgreSQL: a board of {args.issues} issues, {args.boards + 1} boards, "
        f"{args.writers} people editing through the other process ({edits} edits)"
    )
    print(f"  import server.app alone                {floor:6.2f} s")
    for n, run in enumerate(runs, start=1):
        health, read, page = run["healthz_s"], run["board_read_s"], run["page_s"]
        print(f"  run {n}: /healthz {health:5.2f} s   board read {read:5.2f} s   page {page:5.2f} s")


if __name__ == "__main__":
    main()
