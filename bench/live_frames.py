"""Bytes per edit on one remote screen (issue 28): what the live socket sends a browser for each kind of
edit, as it is and as per-message deflate (RFC 7692) would send it, and the CPU deflate costs.

A real server (``piboard serve`` on the demo ART, as bench/slow_links.py starts it) and real websocket
clients in HTML mode, as browsers are: a team page, the program board and the big screen. Each edit is
made through the REST door; every frame each screen gets after it (until it has the edit's seq) is
counted. Deflate is applied here to the frames received, as a server would apply it to one connection:
one zlib stream per connection with its context kept between frames (uvicorn's settings: 12-bit window,
memLevel 5), each frame flushed. ``reset`` is the frame a page gets when it reconnects too far behind
(the whole view). ``CPU µs`` is what deflating one frame took here, per connection (the machine is
shared: an order of magnitude, not a figure to compare across runs).

    .venv/bin/python bench/live_frames.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.slow_links import ROOT, Server

# A screen's view per page (the hello's ``view``).
SCREENS = {"team page": "team:{team}", "program board": "program", "big screen": "screen"}


@dataclass
class Row:
    edit: str
    screen: str
    frames: int
    raw_bytes: int
    deflate_bytes: int  # one stream per connection, context kept
    deflate_cpu_us: float


class Deflater:
    """permessage-deflate for one connection, as websockets' extension does it (context takeover)."""

    def __init__(self) -> None:
        self.z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -12, 5)
        self.cpu = 0.0

    def frame(self, text: str) -> int:
        start = time.process_time()
        data = self.z.compress(text.encode()) + self.z.flush(zlib.Z_SYNC_FLUSH)
        self.cpu += time.process_time() - start
        return len(data) - 4  # the flush's empty block's tail is not sent (RFC 7692 7.2.1)


class Screen:
    def __init__(self, name: str, ws: ClientConnection, seq: int) -> None:
        self.name = name
        self.ws = ws
        self.seq = seq
        self.deflater = Deflater()

    async def until(self, seq: int) -> tuple[int, int, int, float]:
        """The frames up to the one that shows ``seq``: their count, bytes, deflated bytes and CPU."""
        frames = raw = packed = 0
        cpu_before = self.deflater.cpu
        while self.seq < seq:
            text = str(await asyncio.wait_for(self.ws.recv(), 30))
            frames += 1
            raw += len(text.encode())
            packed += self.deflater.frame(text)
            shown = _seq_of(text)
            if shown is not None:
                self.seq = max(self.seq, shown)
        return frames, raw, packed, (self.deflater.cpu - cpu_before) * 1e6


def _seq_of(text: str) -> int | None:
    """The seq an HTML frame shows (its ``data-seq``), or a JSON frame's ``seq``."""
    if text.startswith("<"):
        marker = 'data-seq="'
        at = text.find(marker)
        return int(text[at + len(marker) : text.index('"', at + len(marker))]) if at >= 0 else None
    frame = json.loads(text)
    return frame.get("seq") if isinstance(frame, dict) else None


async def open_screen(server: Server, name: str, view: str) -> Screen:
    ws_url = server.url.replace("http", "ws", 1) + "/b/demo/ws"
    ws = await connect(
        ws_url,
        additional_headers={"Cookie": f"pb_demo={server.cookie['value']}", "Origin": server.url},
        max_size=None,
        compression=None,
    )
    await ws.send(json.dumps({"type": "hello", "last_seq": None, "view": view, "mode": "html", "name": name}))
    welcome = json.loads(str(await ws.recv()))
    return Screen(name, ws, int(welcome["seq"]))


def edits(c: httpx.Client, member: httpx.Client, team: str) -> list[tuple[str, Any]]:
    """(kind, a function making the edit and returning its seq), in order."""
    state = c.get("/api/boards/demo").json()
    items = state["items"]
    story = next(s for s in items["story"].values() if s["team_id"] == team and s.get("iteration_id"))
    feature = next(f for f in items["feature"].values() if f["team_id"] == team and f.get("iteration_id"))
    objective = next(o for o in items["objective"].values() if o["team_id"] == team)
    others = [
        i for i in sorted(items["iteration"]) if i not in (story["iteration_id"], feature["iteration_id"])
    ]

    def op(client: httpx.Client, type: str, **body: Any) -> int:
        r = client.post("/api/boards/demo/ops", json={"type": type, **body})
        r.raise_for_status()
        return int(r.json()["seq"])

    def version(kind: str, item_id: str) -> int:
        return int(c.get("/api/boards/demo").json()["items"][kind][item_id]["version"])

    def vote() -> int:
        op(c, "vote.open", args={"team_id": team})
        rounds = c.get("/api/boards/demo").json()["items"]["vote"]
        open_round = next(r for r in rounds.values() if r["status"] == "open")
        return op(member, "vote.cast", target=open_round["id"], args={"value": 4})

    def timer() -> int:
        op(c, "agenda.create", args={"title": "Team breakouts", "minutes": 45, "day": 1, "order": 1})
        return op(c, "timer.start")

    return [
        (
            "story moved",
            lambda: op(
                c,
                "story.move",
                target=story["id"],
                base_version=story["version"],
                args={"iteration_id": others[0]},
            ),
        ),
        (
            "feature moved",
            lambda: op(
                c,
                "feature.move",
                target=feature["id"],
                base_version=feature["version"],
                args={"iteration_id": others[1]},
            ),
        ),
        ("risk raised", lambda: op(c, "risk.create", args={"title": "Test data late", "team_id": team})),
        (
            "objective edited",
            lambda: op(
                c,
                "objective.update",
                target=objective["id"],
                base_version=version("objective", objective["id"]),
                args={"statement": objective["statement"] + " (edited)"},
            ),
        ),
        (
            "BV given",
            lambda: op(
                c,
                "objective.set_bv",
                target=objective["id"],
                base_version=version("objective", objective["id"]),
                args={"value": 9},
            ),
        ),
        ("vote cast", vote),
        ("timer started", timer),
    ]


async def measure(server: Server) -> list[Row]:
    session = server.cookie["value"]
    rte = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {session}"}, timeout=30)
    team = server.pages["team page"].rsplit("/", 1)[1]
    link = rte.post("/api/boards/demo/links", json={"role": "team", "team_id": team}).json()
    joined = rte.post("/api/join", json={"token": link["join_url"].rsplit("/", 1)[1], "name": "Voter"}).json()
    member = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {joined['session']}"}, timeout=30
    )
    screens = [await open_screen(server, name, view.format(team=team)) for name, view in SCREENS.items()]
    rows: list[Row] = []
    for kind, make in edits(rte, member, team):
        seq = await asyncio.to_thread(make)
        for screen in screens:
            frames, raw, packed, cpu = await screen.until(seq)
            rows.append(Row(kind, screen.name, frames, raw, packed, round(cpu, 1)))
    # A page back after a long drop: the whole view again (a reset), on a new connection.
    for name, view in SCREENS.items():
        ws_url = server.url.replace("http", "ws", 1) + "/b/demo/ws"
        async with connect(
            ws_url,
            additional_headers={"Cookie": f"pb_demo={session}", "Origin": server.url},
            max_size=None,
            compression=None,
        ) as ws:
            hello = {
                "type": "hello",
                "last_seq": 1,
                "view": view.format(team=team),
                "mode": "html",
                "name": "back",
            }
            await ws.send(json.dumps(hello))
            deflater = Deflater()
            raw = packed = frames = 0
            while True:
                text = str(await asyncio.wait_for(ws.recv(), 30))
                frames += 1
                raw += len(text.encode())
                packed += deflater.frame(text)
                if not text.startswith("{") or '"welcome"' not in text[:40]:
                    break
            rows.append(
                Row("reset (back after a drop)", name, frames, raw, packed, round(deflater.cpu * 1e6, 1))
            )
    for screen in screens:
        await screen.ws.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = Server(ROOT)
    try:
        rows = asyncio.run(measure(server))
    finally:
        server.stop()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    print(f"{'edit':26} {'screen':14} {'frames':>6} {'bytes':>8} {'deflated':>9} {'ratio':>6} {'CPU µs':>7}")
    for r in rows:
        ratio = r.deflate_bytes / r.raw_bytes if r.raw_bytes else 0
        print(
            f"{r.edit:26} {r.screen:14} {r.frames:6d} {r.raw_bytes:8d} {r.deflate_bytes:9d} {ratio:6.2f} "
            f"{r.deflate_cpu_us:7.1f}"
        )
    edits_only = [r for r in rows if not r.edit.startswith("reset")]
    print(
        f"median per edit and screen: {statistics.median(r.raw_bytes for r in edits_only)} bytes, deflated "
        f"{statistics.median(r.deflate_bytes for r in edits_only)}"
    )


if __name__ == "__main__":
    main()
