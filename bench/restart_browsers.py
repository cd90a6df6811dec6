"""A restart with real browsers open (issue 27): 30 Chromium pages of the demo ART, edits flowing, the
server stopped and started again.

``piboard serve`` runs the demo ART on a fresh SQLite file. ``--pages`` pages (one Debian Chromium)
open the program board, the big screen, the risks and objectives views and every team page in turn,
and wait until each is live. An editor moves stories (``story.move``, as ``bench/fanout.py --html``)
at ``--rate`` edits per second over HTTP, each retried until answered. The server is stopped
(SIGTERM: it tells every page to come back, 1012) and started again on the same port and database.

It prints, from the new process serving (its port open) to each page live again (``#conn-status``
live and the page's seq at the last edit answered before the stop): the median and the last page;
then, with the edits gone on and stopped, the pages short of the last edit (``lost``), the pages
showing an item twice (``duplicated``: two elements with one id), and the pages fetched again whole
(``reset``: a reset is a reload, not a catch-up). Reconnects are static/live.js's own (its jitter).

    .venv/bin/python bench/restart_browsers.py [--pages 30] [--rate 5] [--rounds 1] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from fanout import html_views_and_moves  # noqa: E402
from slow_links import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

# Run in each page before its own scripts: when the page is live at the seq ``__target`` (set once the
# server is down), and how many times it was fetched again whole (a reset).
WATCH = """
(() => {
  window.__resets = 0;
  window.__backAt = null;
  document.addEventListener("piboard:reset", () => { window.__resets += 1; }, true);
  setInterval(() => {
    if (window.__target === undefined || window.__backAt !== null || !document.body) return;
    const status = document.getElementById("conn-status");
    const seq = parseInt(document.body.dataset.seq || "0", 10);
    if (status && status.dataset.state === "live" && seq >= window.__target) window.__backAt = Date.now();
  }, 20);
})();
"""
STATE = """() => ({
  seq: parseInt(document.body.dataset.seq || "0", 10),
  live: (document.getElementById("conn-status") || {dataset: {}}).dataset.state === "live",
  backAt: window.__backAt,
  resets: window.__resets,
  twice: (() => { const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
                  return ids.length - new Set(ids).size; })(),
})"""


@dataclass
class Round:
    pages: int
    rate: float
    down_s: float  # from SIGTERM to the new process serving
    live_p50_ms: float  # from serving again to each page live at the last edit before the stop
    live_all_ms: float  # ... to the last page (-1: not every page within 60 s)
    lost: int  # pages short of the last edit once the edits stopped
    duplicated: int  # pages showing an item twice
    resets: int  # pages fetched again whole
    edits: int
    load_avg: float


class Server:
    """``piboard serve`` on one port and one database, stopped and started again at will."""

    def __init__(self, data: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PIBOARD_DATA_DIR": data,
            "PIBOARD_DATABASE_URL": f"sqlite:///{data}/piboard.db",
            "PIBOARD_SECRET_KEY": "restart-browsers-bench-" + "x" * 32,
            "PIBOARD_HTMX_CDN": "false",
            "PIBOARD_PUBLIC_URL": self.url,
            "PIBOARD_OPS_PER_SECOND": "1000",
            "PIBOARD_OPS_BURST": "1000",
        }
        self.proc: subprocess.Popen[str] | None = None

    def start(self, first: bool) -> str:
        """Serve; the first time (a fresh database), the demo ART's RTE's join link it prints."""
        command = [str(Path(sys.executable).parent / "piboard"), "serve", "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        join = ""
        for line in self.proc.stdout if first else ():
            if found := re.search(r"(http://\S+/join/\S+)", line):
                join = found.group(1)
                break
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep the pipe drained
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return join
            time.sleep(0.02)
        raise RuntimeError("piboard serve did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class Editor(threading.Thread):
    """Story moves at a steady rate over HTTP, each retried (same client_op_id) until answered."""

    def __init__(self, url: str, session: str, moves: list[dict[str, Any]], rate: float) -> None:
        super().__init__(daemon=True)
        self.url, self.session, self.moves, self.rate = url, session, moves, rate
        self.acked: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.session}"}
        with httpx.Client(base_url=self.url, timeout=10, headers=headers) as c:
            for k, op in enumerate(self.moves):
                if self.stopping.is_set():
                    return
                while not self.stopping.is_set():
                    with contextlib.suppress(httpx.HTTPError):
                        r = c.post("/api/boards/demo/ops", json={**op, "client_op_id": f"b{k}"})
                        if r.status_code == 200:
                            self.acked.append(int(r.json()["seq"]))
                            break
                    time.sleep(0.05)
                time.sleep(1 / self.rate)


def wait_all(pages: list[Page], ready: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(page.evaluate(ready) for page in pages):
            return True
        time.sleep(0.1)
    return False


def one_round(pages_count: int, rate: float) -> Round:
    with tempfile.TemporaryDirectory(prefix="restart-browsers-") as data, sync_playwright() as p:
        server = Server(data)
        join = server.start(first=True)
        joined = httpx.post(join, data={"name": "Bench"}, follow_redirects=False, timeout=30)
        session = joined.cookies["pb_demo"]
        headers = {"Authorization": f"Bearer {session}"}
        items = httpx.get(f"{server.url}/api/boards/demo", headers=headers, timeout=30).json()["items"]
        views, moves = html_views_and_moves(items)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.add_cookies([{"name": "pb_demo", "value": session, "url": server.url}])
            context.add_init_script(WATCH)
            pages = []
            for k in range(pages_count):
                page = context.new_page()
                view = views[k % len(views)]
                page.goto(f"{server.url}/b/demo/{view.replace(':', '/')}")
                pages.append(page)
            live = "() => (document.getElementById('conn-status') || {dataset: {}}).dataset.state === 'live'"
            if not wait_all(pages, live, 120):
                raise RuntimeError("not every page went live")
            editor = Editor(server.url, session, moves, rate)
            editor.start()
            time.sleep(2)
            load = round(os.getloadavg()[0], 2)
            t_stop = time.monotonic()
            server.stop()
            target = max(editor.acked, default=0)
            for page in pages:
                page.evaluate(f"() => {{ window.__target = {target}; }}")
            server.start(first=False)
            t_serve, serve_at = time.monotonic(), time.time()
            wait_all(pages, "() => window.__backAt !== null", 60)
            back = [
                s["backAt"] / 1000 - serve_at for s in (page.evaluate(STATE) for page in pages) if s["backAt"]
            ]
            time.sleep(2)
            editor.stopping.set()
            editor.join()
            final = max(editor.acked, default=target)
            wait_all(pages, f"() => parseInt(document.body.dataset.seq || '0', 10) >= {final}", 10)
            states = [page.evaluate(STATE) for page in pages]
            return Round(
                pages=pages_count,
                rate=rate,
                down_s=round(t_serve - t_stop, 2),
                live_p50_ms=round(statistics.median(back) * 1000, 1) if back else -1,
                live_all_ms=round(max(back) * 1000, 1) if len(back) == pages_count else -1,
                lost=sum(s["seq"] < final for s in states),
                duplicated=sum(s["twice"] > 0 for s in states),
                resets=sum(s["resets"] > 0 for s in states),
                edits=len(editor.acked),
                load_avg=load,
            )
        finally:
            browser.close()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--rate", type=float, default=5.0, help="edits per second (default 5)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rounds = [one_round(args.pages, args.rate) for _ in range(args.rounds)]
    if args.json:
        print(json.dumps([asdict(r) for r in rounds], indent=2))
        return
    print("restart with Chromium pages open: ms from serving again to each page live at the last edit")
    for r in rounds:
        print(
            f"  {r.pages} pages, {r.rate}/s: down {r.down_s} s | live p50 {r.live_p50_ms} "
            f"all {r.live_all_ms} | {r.edits} edits: {r.lost} lost, {r.duplicated} duplicated, "
            f"{r.resets} reset | load {r.load_avg}"
        )


if __name__ == "__main__":
    main()
