"""A remote participant on a slow link (issue 28): the team page, the program board and the big screen
of the demo ART, loaded in Debian's Chromium through emulated links, first visit and repeat visit.

For each link, page and visit it prints: ``load`` (navigation start → the load event), ``live`` (→ the
page's live socket had its welcome: ``#conn-status`` turned ``live``, as tests/meeting/browser.py waits
for it), the bytes that came over the network (bodies as sent, with their headers), and how many
requests went to the server (``static``: of them, under /static).

The links are emulated by Chromium (CDP ``Network.emulateNetworkConditions``: a latency added to each
request, and the throughput shared by all): local (none), hotel Wi-Fi (300 ms round trip, 1 Mbit/s)
and 3G (600 ms, 400 kbit/s). The server is ``piboard serve`` from ``--repo`` (default: this checkout;
another worktree measures another commit), on a fresh SQLite file with the demo ART, with
``PIBOARD_HTMX_CDN=false`` (the vendored htmx: nothing leaves the machine, so the figures are the
server's). A first visit is a new browser profile (nothing cached); the repeat visit is the same page
opened again in it.

    .venv/bin/python bench/slow_links.py [--json] [--repo PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# As tests/browser.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Link:
    name: str
    latency_ms: float  # round trip added to each request
    kbit_s: float  # down and up; 0: not throttled


LINKS = (
    Link("local", 0, 0),
    Link("hotel Wi-Fi (300 ms, 1 Mbit/s)", 300, 1000),
    Link("3G (600 ms, 400 kbit/s)", 600, 400),
)

# Records when the page's live status first says "live" (base.html's #conn-status, set by static/live.js
# when the socket's welcome arrives): a script run before the page's own.
LIVE_WATCH = """
(() => {
  const seen = () => {
    const el = document.getElementById("conn-status");
    const live = el && el.dataset.state === "live";
    if (window.__liveAt === undefined && live) window.__liveAt = performance.now();
  };
  new MutationObserver(seen).observe(document, {subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ["data-state"]});
})();
"""


# Runs ``piboard serve`` from the checkout given first: its own templates/, static/ and migrations/ too,
# which the editable install of this venv would otherwise take from the checkout it was installed from.
SERVE_FROM = """
import importlib.util, sys
repo = sys.argv.pop(1)
sys.path.insert(0, repo)
for name in ("templates", "static", "migrations"):
    spec = importlib.util.spec_from_file_location(
        f"server.{name}", f"{repo}/{name}/__init__.py", submodule_search_locations=[f"{repo}/{name}"]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
from server.cli import app
app()
"""


@dataclass
class Visit:
    link: str
    page: str
    visit: str  # first | repeat
    load_s: float
    live_s: float
    kb: float
    requests: int
    static_requests: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``piboard serve`` from ``repo`` on a fresh database with the demo ART."""

    def __init__(self, repo: Path) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="slow-links-")
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(repo),
            "PIBOARD_DATA_DIR": self.dir.name,
            "PIBOARD_DATABASE_URL": f"sqlite:///{self.dir.name}/piboard.db",
            "PIBOARD_SECRET_KEY": "slow-links-bench-" + "x" * 32,
            "PIBOARD_HTMX_CDN": "false",
            "PIBOARD_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE_FROM,
                str(repo),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        join = None
        for line in self.proc.stdout:
            if found := re.search(r"(http://\S+/join/\S+)", line):
                join = found.group(1)
                break
            if time.monotonic() > deadline:
                break
        if join is None:
            self.stop()
            raise RuntimeError("piboard serve did not print the demo's join link")
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(self.url + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        joined = httpx.post(join, data={"name": "Bench"}, follow_redirects=False, timeout=30)
        self.cookie = {"name": "pb_demo", "value": joined.cookies["pb_demo"], "url": self.url}
        program = httpx.get(
            self.url + "/b/demo/program", cookies={"pb_demo": self.cookie["value"]}, timeout=30
        )
        team = re.search(r"/b/demo/team/([\w-]+)", program.text)
        assert team, "the program board links to a team page"
        self.pages = {
            "team page": f"{self.url}/b/demo/team/{team.group(1)}",
            "program board": f"{self.url}/b/demo/program",
            "big screen": f"{self.url}/b/demo/screen",
        }

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


def visits(browser: Browser, server: Server, link: Link, page_name: str) -> list[Visit]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_cookies([server.cookie])  # type: ignore[list-item]
    context.add_init_script(LIVE_WATCH)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    throughput = link.kbit_s * 1000 / 8 if link.kbit_s else -1
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": link.latency_ms,
            "downloadThroughput": throughput,
            "uploadThroughput": throughput,
        },
    )
    sent: dict[str, str] = {}  # request id → URL, of answers that came over the network (a 304 too)
    cached: set[str] = set()  # requests the browser's cache answered
    received: dict[str, float] = {}

    def response(event: dict[str, Any]) -> None:
        r = event["response"]
        if not r.get("fromDiskCache") and not r.get("fromPrefetchCache") and event["type"] != "WebSocket":
            sent[event["requestId"]] = r["url"]

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    found = []
    url = server.pages[page_name]
    for visit in ("first", "repeat"):
        sent.clear()
        cached.clear()
        received.clear()
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.__liveAt !== undefined", timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        timing = page.evaluate(
            "() => [performance.getEntriesByType('navigation')[0].loadEventEnd, window.__liveAt]"
        )
        fetched = [url for rid, url in sent.items() if rid not in cached]
        found.append(
            Visit(
                link.name,
                page_name,
                visit,
                round(timing[0] / 1000, 2),
                round(timing[1] / 1000, 2),
                round(sum(received.get(rid, 0) for rid in sent if rid not in cached) / 1000, 1),
                len(fetched),
                sum(1 for u in fetched if "/static/" in u),
            )
        )
        if visit == "first":
            # A later visit: the time since the first one would let heuristics (and nothing else) differ.
            page.goto("about:blank")
    context.close()
    return found


def median_visit(runs: list[Visit]) -> Visit:
    first = runs[0]
    return Visit(
        first.link,
        first.page,
        first.visit,
        round(statistics.median(v.load_s for v in runs), 2),
        round(statistics.median(v.live_s for v in runs), 2),
        round(statistics.median(v.kb for v in runs), 1),
        int(statistics.median(v.requests for v in runs)),
        int(statistics.median(v.static_requests for v in runs)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose server is measured")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each case (the median is shown)")
    args = parser.parse_args()
    server = Server(args.repo.resolve())
    rows: list[Visit] = []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for page_name in server.pages:  # not measured: the server's first renderings warm it up
                visits(browser, server, LINKS[0], page_name)
            for link in LINKS:
                for page_name in server.pages:
                    runs = [visits(browser, server, link, page_name) for _ in range(args.rounds)]
                    rows.extend(median_visit([run[i] for run in runs]) for i in range(2))
            browser.close()
    finally:
        server.stop()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    head = ("link", "page", "visit", "load s", "live s", "KB", "requests", "static")
    print(f"{head[0]:32} {head[1]:14} {head[2]:7} " + " ".join(f"{h:>8}" for h in head[3:]))
    for r in rows:
        print(
            f"{r.link:32} {r.page:14} {r.visit:7} {r.load_s:8.2f} {r.live_s:8.2f} {r.kb:8.1f} "
            f"{r.requests:8d} {r.static_requests:8d}"
        )


if __name__ == "__main__":
    main()
