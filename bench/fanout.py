"""Fan-out: N websocket screens on one board at an edit rate; edit → every-screen latency and memory.

    .venv/bin/python bench/fanout.py                       # 200 and 1,000 JSON clients at 20 edits/s
    .venv/bin/python bench/fanout.py --clients 1000 --rate 5
    .venv/bin/python bench/fanout.py --html --clients 100 300 --rate 10
    .venv/bin/python bench/fanout.py --max-rate --clients 1000   # highest rate before p99 passes 1 s
    .venv/bin/python bench/fanout.py --kinds all --clients 300 --rate 10   # each kind of edit
    .venv/bin/python bench/fanout.py --issue --json          # every case of issue 13, as JSON
    .venv/bin/python bench/fanout.py --restart --restart-pg --html --clients 300   # issue 27's restarts
    .venv/bin/python bench/fanout.py --issue27 --json        # every figure of issue 27's goal, one run

One driver (this process) runs the same work against three servers started side by side in the same
run, each a subprocess of its own (so its RSS is its own):

* floor — a bare Python ``websockets`` server that answers the editor's message with
  ``websockets.broadcast`` of an event frame of the same shape and size: no database, no hub;
* y-websocket — the Node relay of Yjs (``@y/websocket-server``), what a user might pick instead; the
  editor sends each edit as a Yjs document update holding the same event text. The bench installs it
  from npm into ``bench/.y-websocket/`` (git-ignored) on first use; without ``node`` and ``npm`` it is
  skipped with a message saying so;
* piboard — the real app under uvicorn with the options ``piboard serve`` uses (SQLite file). JSON
  mode: every edit is a ``risk.create`` op sent over the socket by one more connection (the editor),
  committed through the op path and broadcast by the hub. HTML mode (``--html``): the board is the demo
  ART, the screens are browsers (``mode: html``) spread over the program, team, screen, risks and
  objectives views, and every edit is a ``story.move`` (a card dragged to another iteration); each
  view's fragments are rendered and sent. The floor runs beside it (y-websocket has no HTML mode).
  ``--html`` screens are observers; ``--roles`` (mode ``roles``) spreads them over every role too —
  the RTE, Product Management, an architect, a Business Owner, an observer and a member of each
  team — so that every view is rendered for every audience, as in a real room.

Latency is measured in the driver from the editor's send to each screen's receipt of that event
(``delivery``) and to the last of the N screens (``all``); ``late`` counts deliveries that took over
2 s and ``missing`` those that never came. Memory per connection is the server's RSS after the N
screens said hello, minus its RSS before, divided by N. ``CPU µs`` is the server process's CPU time
(user + system) while the edits were sent and delivered, per delivery: unlike latency, it hardly
depends on how busy the shared machine is. The driver shares the machine's cores with the
servers, so every figure includes the driver's own receive loop (the floor's too): compare the columns
of one run, and read the load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from server.live.collector import no_full_collections

ROOT = Path(__file__).resolve().parent.parent
RELAY_DIR = Path(__file__).resolve().parent / ".y-websocket"
RELAY_PACKAGES = ["@y/websocket-server@0.1.1", "yjs@13"]  # y-websocket ≥ 2 moved its server here
RELAY_SCRIPT = RELAY_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
EVENT_SEQ = re.compile(r'"type":"event","seq":(\d+)')
EVENT_SEQ_BYTES = re.compile(rb'"type":"event","seq":(\d+)')
HTML_SEQ = re.compile(r'id="live-seq" hx-swap-oob="true" data-seq="(\d+)"')
CONNECT_BATCH = 50
LATE_SECONDS = 2.0
MAX_RATE_P99_MS = 1000.0
RATE_LADDER = [10, 20, 40, 60, 80, 100, 150, 200, 300, 400, 600, 800]
SERVERS = ("floor", "y-websocket", "piboard")
HTML_VIEWS = ["program", "team", "screen", "risks", "objectives"]
# The kinds of edit a room makes (issue 27), each a case of its own with --kinds.
JSON_ROUNDS = 3  # --issue27: rounds of the JSON case, all three servers in each
EDIT_KINDS = ("story", "feature", "risk", "roam", "objective", "bv", "vote", "timer")


@dataclass
class Result:
    server: str
    mode: str
    edit_kind: str  # what each edit was (--kinds); the floor's edit is the same event frame whatever the kind
    clients: int
    rate: float
    edits: int
    delivery_p50_ms: float
    delivery_p99_ms: float
    delivery_max_ms: float
    all_p50_ms: float
    all_p99_ms: float
    late: int
    late_pct: float
    missing: int
    connect_s: float
    rss_per_conn_kb: float
    cpu_us_per_delivery: float  # the server's CPU time (user + system) while editing, per delivery
    bytes_per_edit: float  # bytes every screen together received, per edit
    load_avg: float


@dataclass
class MaxRate:
    server: str
    clients: int
    sustained_rate: float  # the highest rate whose p99 stayed within 1 s with nothing lost
    steps: list[Result] = field(default_factory=list)


# --- the servers (run as subprocesses of this script) ----------------------------------------------


def serve_piboard(port: int, db: str, ws: str) -> None:
    import uvicorn

    from server.app import create_app
    from server.cli import uvicorn_options
    from server.settings import Settings

    on_sqlite = "://" not in db  # else a PostgreSQL URL (--restart-pg: two processes share it)
    settings = Settings(
        database_url=f"sqlite:///{db}" if on_sqlite else db,
        secret_key="bench-" + "k" * 40,
        secret_file=Path(db + ".secret") if on_sqlite else Path(tempfile.gettempdir()) / "bench-pg.secret",
        ops_per_second=1000.0,
        ops_burst=1000,
        joins_burst=100_000,  # a thousand screens join from this one address
        boards_burst=1_000,  # each case makes its board (an --issue27 run: a dozen in five minutes)
        ws_heartbeat=600.0,  # the bench screens do not answer the app heartbeat
        demo_on_empty=False,
    )
    options = {**uvicorn_options(settings), **({"ws": ws} if ws else {})}
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", backlog=4096, **options
    )


def floor_event(seq: int, op: dict[str, Any]) -> str:
    """An event frame of the shape and size piboard sends for a ``risk.create``."""
    after = {"id": f"r{seq}", "version": 1, **op.get("args", {}), "roam": "unroamed", "owner": ""}
    event = {
        "type": "event",
        "seq": seq,
        "op": op,
        "changes": [{"kind": "risk", "id": after["id"], "before": None, "after": after}],
        "actor": {"name": "Editor", "role": "rte", "team_id": None},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }
    return json.dumps(event, separators=(",", ":"))


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
                broadcast(watchers, floor_event(seq, op))
                await ws.send(json.dumps({"type": "ack", "client_op_id": op["client_op_id"], "seq": seq}))
        finally:
            watchers.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, ping_interval=None, backlog=4096, max_queue=None):
            await asyncio.Future()

    asyncio.run(main())


def install_relay() -> str | None:
    """Install the y-websocket relay from npm into bench/.y-websocket; the reason when it cannot be."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not installed: y-websocket skipped (apt-get install nodejs npm)"
    if RELAY_SCRIPT.exists():
        return None
    RELAY_DIR.mkdir(exist_ok=True)
    (RELAY_DIR / "package.json").write_text('{"private": true, "type": "module"}\n')
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", *RELAY_PACKAGES],
        cwd=RELAY_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or not RELAY_SCRIPT.exists():
        return f"npm install of {' '.join(RELAY_PACKAGES)} failed: y-websocket skipped\n{done.stderr[-2000:]}"
    return None


# --- Yjs updates for the relay (lib0 encoding, update format v1) -----------------------------------


def var_uint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def yjs_map_set(client: int, key: str, value: str) -> bytes:
    """A Yjs update: a new client's first item, ``doc.getMap("events").set(key, value)``."""
    info = 0x20 | 8  # has a parent sub (the map key); content: ContentAny
    item = (
        bytes([info])
        + var_uint(1)  # parent is a root type, named:
        + var_bytes(b"events")
        + var_bytes(key.encode())
        + var_uint(1)  # ContentAny of one value: a string
        + bytes([119])
        + var_bytes(value.encode())
    )
    structs = var_uint(1) + var_uint(1) + var_uint(client) + var_uint(0) + item
    return structs + var_uint(0)  # and an empty delete set


def relay_update_message(seq: int, op: dict[str, Any]) -> bytes:
    """The y-websocket sync message (messageSync, messageYjsUpdate) of one edit."""
    update = yjs_map_set(1_000_000 + seq, f"e{seq}", floor_event(seq, op))
    return var_uint(0) + var_uint(2) + var_bytes(update)


# --- the driver ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system, its threads included): unlike latency, it does not
    depend on how busy the shared machine is."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def start(kind: str, port: int, db: str, ws: str) -> subprocess.Popen[bytes]:
    if kind == "y-websocket":
        args = ["node", str(RELAY_SCRIPT)]
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
        proc = subprocess.Popen(args, cwd=RELAY_DIR, env=env, stdout=subprocess.DEVNULL)
    else:
        me = str(Path(__file__).resolve())
        args = [sys.executable, me, "--serve", kind, "--port", str(port), "--db", db, "--ws", ws]
        proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


@dataclass
class Board:
    ws_url: str
    editor_session: str = "-"
    watcher_session: str = "-"
    views: list[str] = field(default_factory=lambda: ["program"])
    moves: list[dict[str, Any]] = field(default_factory=list)  # HTML mode: story.move ops to send
    # Mode "roles": the sessions the screens take in turn (one per role, and a member of each team).
    sessions: list[str] = field(default_factory=list)

    def screen(self, index: int) -> tuple[str, str]:
        """The view and session of the ``index``-th screen: every view in every role, in turn."""
        view = self.views[index % len(self.views)]
        sessions = self.sessions or [self.watcher_session]
        return view, sessions[(index // len(self.views)) % len(sessions)]


def make_piboard_board(base: str, board_id_hint: str, mode: str, edit_kind: str = "story") -> Board:
    """A fresh board (the demo ART in HTML modes): the RTE edits, an observer watches (mode "roles":
    people of every role watch, a member of each team among them). HTML modes: the edits are of
    ``edit_kind``, what they need (a vote round, agenda items) made first."""
    with httpx.Client(base_url=base, timeout=60) as c:
        created = c.post("/api/boards", json={"name": f"Bench {board_id_hint}", "demo": mode != "json"})
        created.raise_for_status()
        board_id, rte = created.json()["board"]["id"], created.json()["rte_session"]
        auth = {"Authorization": f"Bearer {rte}"}

        def join(role: str, team_id: str | None = None) -> str:
            wanted = {"role": role, "team_id": team_id}
            link = c.post(f"/api/boards/{board_id}/links", json=wanted, headers=auth)
            token = link.raise_for_status().json()["join_url"].rsplit("/", 1)[1]
            joined = c.post("/api/join", json={"token": token, "name": f"Watcher {role} {team_id or ''}"})
            return str(joined.raise_for_status().json()["session"])

        board = Board(base.replace("http://", "ws://") + f"/b/{board_id}/ws", rte, join("observer"))
        if mode != "json":
            for k, op in enumerate(setup_ops(edit_kind)):
                sent = c.post(
                    f"/api/boards/{board_id}/ops", json={**op, "client_op_id": f"setup{k}"}, headers=auth
                )
                sent.raise_for_status()
            items = c.get(f"/api/boards/{board_id}", headers=auth).raise_for_status().json()["items"]
            board.views, board.moves = html_views_and_moves(items)
            if edit_kind != "story":
                board.moves = kind_ops(items, edit_kind, 2000)
        if mode == "roles":
            roles = [join(role) for role in ("pm", "architect", "business_owner")]
            teams = [join("team", team_id) for team_id in items["team"]]
            board.sessions = [rte, board.watcher_session, *roles, *teams]
        return board


def html_views_and_moves(items: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The mixed views (every team page among them) and one move per story to the next iteration."""
    teams = [t["id"] for t in items["team"].values()]
    views = ["program", "screen", "risks", "objectives"] + [f"team:{t}" for t in teams]
    order = [
        i["id"] for i in sorted(items["iteration"].values(), key=lambda i: i["number"]) if not i["is_ip"]
    ]
    moves = []
    for story in items["story"].values():
        if story.get("iteration_id") in order:
            nxt = order[(order.index(story["iteration_id"]) + 1) % len(order)]
            moves.append(
                {
                    "type": "story.move",
                    "target": story["id"],
                    "base_version": story["version"],
                    "args": {"iteration_id": nxt},
                }
            )
    return views, moves


def setup_ops(edit_kind: str) -> list[dict[str, Any]]:
    """What a kind of edit needs on the demo ART before it: an open vote of the whole ART, an agenda."""
    if edit_kind == "vote":
        return [{"type": "vote.open", "args": {"team_id": None}}]
    if edit_kind == "timer":
        return [{"type": "agenda.create", "args": {"title": f"Item {k}", "minutes": 15}} for k in range(3)]
    return []


def kind_ops(items: dict[str, Any], edit_kind: str, count: int) -> list[dict[str, Any]]:
    """``count`` edits of one kind, in turn over the items it edits, each on the version the one
    before left (the editor's edits are applied in the order sent)."""
    version: dict[str, int] = {}

    def on(kind: str, item: dict[str, Any]) -> dict[str, Any]:
        v = version.setdefault(item["id"], item["version"])
        version[item["id"]] = v + 1
        return {"target": item["id"], "base_version": v}

    def each(kind: str) -> list[dict[str, Any]]:
        return sorted(items.get(kind, {}).values(), key=lambda i: str(i["id"]))

    teams = [t["id"] for t in each("team")]
    order = [i["id"] for i in sorted(each("iteration"), key=lambda i: i["number"]) if not i["is_ip"]]
    roams = ["resolved", "accepted", "mitigated", "unroamed"]
    ops: list[dict[str, Any]] = []
    for k in range(count):
        if edit_kind == "feature":
            feats = [f for f in each("feature") if f.get("iteration_id") in order]
            feat = feats[k % len(feats)]
            turn = k // len(feats)
            nxt = order[(order.index(feat["iteration_id"]) + 1 + turn) % len(order)]
            op = {"type": "feature.move", **on("feature", feat), "args": {"iteration_id": nxt}}
        elif edit_kind == "risk":
            args = {"title": f"Bench risk {k}", "description": "x" * 120, "team_id": teams[k % len(teams)]}
            op = {"type": "risk.create", "args": args}
        elif edit_kind == "roam":
            risks = each("risk")
            risk = risks[k % len(risks)]
            op = {"type": "risk.roam", **on("risk", risk), "args": {"roam": roams[(k // len(risks)) % 4]}}
        elif edit_kind == "objective":
            objs = each("objective")
            obj = objs[k % len(objs)]
            op = {"type": "objective.update", **on("objective", obj), "args": {"statement": f"Objective {k}"}}
        elif edit_kind == "bv":
            objs = each("objective")
            obj = objs[k % len(objs)]
            op = {
                "type": "objective.set_bv",
                **on("objective", obj),
                "args": {"value": (k // len(objs)) % 10 + 1},
            }
        elif edit_kind == "vote":
            (vote,) = each("vote")
            op = {"type": "vote.cast", "target": vote["id"], "args": {"value": k % 5 + 1}}
        elif edit_kind == "timer":
            agenda = each("agenda")
            op = {"type": "timer.start", "target": agenda[k % len(agenda)]["id"], "args": {}}
        else:
            raise ValueError(f"no such kind of edit: {edit_kind}")
        ops.append(op)
    return ops


class Screens:
    """N websocket clients that note when each event reaches them."""

    def __init__(self, kind: str, mode: str) -> None:
        self.kind = kind
        self.mode = mode
        self.arrivals: dict[int, list[float]] = {}
        self.bytes = 0  # received by every screen since they opened
        self.tasks: list[asyncio.Task[None]] = []
        self.sockets: list[ClientConnection] = []

    async def open(self, board: Board, count: int) -> None:
        async def one(index: int) -> None:
            view, session = board.screen(index)
            headers = {"Authorization": f"Bearer {session}"}
            ws = await connect(
                board.ws_url, additional_headers=headers, open_timeout=120, ping_interval=None, max_queue=None
            )
            mode = "json" if self.mode == "json" else "html"
            hello = {"type": "hello", "last_seq": None, "view": view, "mode": mode, "name": "bench"}
            if self.kind != "y-websocket":  # the relay speaks Yjs only: it just starts syncing
                await ws.send(json.dumps(hello))
            welcome = await ws.recv()  # y-websocket: its first sync message
            shown = json.loads(welcome)["seq"] if mode == "html" else 0
            self.sockets.append(ws)
            self.tasks.append(asyncio.create_task(self.read(ws, shown)))

        for first in range(0, count, CONNECT_BATCH):
            await asyncio.gather(*(one(first + k) for k in range(min(CONNECT_BATCH, count - first))))

    async def read(self, ws: ClientConnection, shown: int) -> None:
        """Note each event's arrival. An HTML frame says the newest seq the page now shows (a batch of
        events is one frame): it delivers every event after the one the previous frame showed."""
        arrivals = self.arrivals
        with contextlib.suppress(Exception):
            async for message in ws:
                now = time.monotonic()
                self.bytes += len(message)
                if isinstance(message, bytes):
                    seqs: list[Any] = EVENT_SEQ_BYTES.findall(message)
                elif message.startswith("<"):
                    newest = max((int(seq) for seq in HTML_SEQ.findall(message)), default=shown)
                    seqs, shown = list(range(shown + 1, newest + 1)), max(shown, newest)
                else:
                    seqs = EVENT_SEQ.findall(message)
                for seq in seqs:
                    arrivals.setdefault(int(seq), []).append(now)

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()


class Editor:
    """The one connection that edits: sends an edit, learns the seq it became."""

    def __init__(self, kind: str, board: Board) -> None:
        self.kind = kind
        self.board = board
        self.seq_of: dict[str, int] = {}
        self.next_seq = 0
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        headers = {"Authorization": f"Bearer {self.board.editor_session}"}
        self.ws = await connect(
            self.board.ws_url, additional_headers=headers, ping_interval=None, max_size=None
        )
        if self.kind != "y-websocket":
            hello = {"type": "hello", "last_seq": None, "view": "admin", "mode": "json", "name": "editor"}
            await self.ws.send(json.dumps(hello))
        self.reader = asyncio.create_task(self.read_acks())

    async def read_acks(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(Exception):
            async for message in self.ws:
                if isinstance(message, bytes) or '"ack"' not in message:
                    continue
                frames = json.loads(message)
                for frame in frames if isinstance(frames, list) else [frames]:
                    if frame.get("type") == "ack":
                        self.seq_of[frame["client_op_id"]] = frame["seq"]

    async def edit(self, op_id: str, op: dict[str, Any]) -> None:
        assert self.ws is not None
        if self.kind == "y-websocket":
            self.next_seq += 1
            self.seq_of[op_id] = self.next_seq
            await self.ws.send(relay_update_message(self.next_seq, {**op, "client_op_id": op_id}))
        else:
            await self.ws.send(json.dumps({"type": "op", "op": {**op, "client_op_id": op_id}}))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def edit_ops(board: Board, mode: str, count: int, first: int) -> list[dict[str, Any]]:
    if board.moves:
        return board.moves[first : first + count]
    risk = {"type": "risk.create"}
    return [
        {**risk, "args": {"title": f"Bench risk {first + k}", "description": "x" * 120}} for k in range(count)
    ]


@contextlib.contextmanager
def measuring() -> Iterator[None]:
    """This client's own full garbage collections stay out of the figures it takes. A full pass over
    its screens' objects takes 20-90 ms here (42 of them in one --issue27 run), and one that fell inside
    a phase delayed every delivery then in flight, on whichever server was being measured. What a
    phase leaves is collected before the next; the young collections stay on."""
    gc.collect()
    with no_full_collections():
        yield


async def run_phase(
    kind: str,
    mode: str,
    board: Board,
    screens: Screens,
    editor: Editor,
    n: int,
    rate: float,
    edits: int,
    first: int,
) -> tuple[int, list[float], list[float], int]:
    """Send ``edits`` edits at ``rate``/s; (edits sent, deliveries, to-all times, missing)."""
    ops = edit_ops(board, mode, edits, first)
    sent: dict[str, float] = {}
    t0 = time.monotonic()
    for k, op in enumerate(ops):
        delay = t0 + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        op_id = f"bench-{first + k}"
        sent[op_id] = time.monotonic()
        await editor.edit(op_id, op)

    def all_arrived() -> bool:
        if len(editor.seq_of.keys() & sent.keys()) < len(sent):
            return False
        return all(len(screens.arrivals.get(editor.seq_of[i], [])) >= n for i in sent)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all_arrived():
        await asyncio.sleep(0.05)
    deliveries: list[float] = []
    to_all: list[float] = []
    missing = 0
    for op_id, t_sent in sent.items():
        seq = editor.seq_of.get(op_id)
        arrived = screens.arrivals.get(seq, []) if seq is not None else []
        missing += n - len(arrived)
        deliveries.extend(t - t_sent for t in arrived)
        if len(arrived) >= n:
            to_all.append(max(arrived) - t_sent)
    return len(sent), deliveries, to_all, missing


def result(
    kind: str,
    mode: str,
    n: int,
    rate: float,
    phase: tuple[int, list[float], list[float], int],
    connect_s: float,
    rss: float,
    cpu_s: float,
    load: float,
    edit_kind: str = "",
    received: int = 0,
) -> Result:
    edits, deliveries, to_all, missing = phase
    ms = 1000.0
    late = sum(1 for d in deliveries if d > LATE_SECONDS)

    def pick(values: list[float], fn: Callable[[list[float]], float]) -> float:
        return round(fn(values) * ms, 1) if values else -1

    return Result(
        server=kind,
        mode=mode,
        edit_kind=edit_kind or ("risk" if mode == "json" else "story"),
        clients=n,
        rate=rate,
        edits=edits,
        delivery_p50_ms=pick(deliveries, statistics.median),
        delivery_p99_ms=pick(deliveries, lambda v: percentile(v, 0.99)),
        delivery_max_ms=pick(deliveries, max),
        all_p50_ms=pick(to_all, statistics.median),
        all_p99_ms=pick(to_all, lambda v: percentile(v, 0.99)),
        late=late,
        late_pct=round(100 * (late + missing) / max(1, edits * n), 1),
        missing=missing,
        connect_s=round(connect_s, 2),
        rss_per_conn_kb=rss,
        cpu_us_per_delivery=round(cpu_s * 1e6 / max(1, len(deliveries)), 1),
        bytes_per_edit=round(received / max(1, edits)),
        load_avg=load,
    )


Phases = Callable[[Callable[[float, int], Awaitable[Result]]], Awaitable[None]]


async def with_screens(
    kind: str, mode: str, base: str, pid: int, n: int, tag: str, phases: Phases, edit_kind: str = ""
) -> None:
    """Open a board and N screens on one server, run ``phases`` on them, close everything."""
    if kind == "piboard":
        board = await asyncio.to_thread(make_piboard_board, base, tag, mode, edit_kind or "story")
    else:
        board = Board(base.replace("http://", "ws://") + f"/{tag}")
    await asyncio.sleep(0.5)
    rss_before = rss_kb(pid)
    screens = Screens(kind, mode)
    t0 = time.monotonic()
    await screens.open(board, n)
    connect_s = time.monotonic() - t0
    rss = round((rss_kb(pid) - rss_before) / n, 1)
    editor = Editor(kind, board)
    await editor.open()
    # Presence settles (the editor's arrival is broadcast to every screen too): edits are measured alone.
    await asyncio.sleep(1.0)
    sent = 0

    async def phase(rate: float, edits: int) -> Result:
        nonlocal sent
        if board.moves:
            edits = min(edits, len(board.moves) - sent)
        cpu_before, bytes_before = cpu_seconds(pid), screens.bytes
        with measuring():
            figures = await run_phase(kind, mode, board, screens, editor, n, rate, edits, sent)
        cpu = cpu_seconds(pid) - cpu_before
        sent += figures[0]
        await asyncio.sleep(0.5)
        received = screens.bytes - bytes_before
        return result(kind, mode, n, rate, figures, connect_s, rss, cpu, load_avg(), edit_kind, received)

    try:
        await phases(phase)
    finally:
        await editor.close()
        await screens.close()


class Bench:
    """The three servers, started once for the whole run."""

    def __init__(self, servers: list[str], ws: str, tmp: str) -> None:
        self.servers = list(servers)
        self.ws = ws
        self.tmp = tmp
        self.procs: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        self.notes: list[str] = []
        self.cases = 0

    def __enter__(self) -> Bench:
        if "y-websocket" in self.servers:
            why = install_relay()
            if why:
                self.notes.append(why)
                print(why, file=sys.stderr)
                self.servers.remove("y-websocket")
        for kind in self.servers:
            port = free_port()
            self.procs[kind] = (
                start(kind, port, str(Path(self.tmp) / "bench.db"), self.ws),
                f"http://127.0.0.1:{port}",
            )
        return self

    def __exit__(self, *exc: object) -> None:
        for proc, _ in self.procs.values():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def kinds(self, mode: str) -> list[str]:
        return [k for k in self.servers if mode == "json" or k != "y-websocket"]

    async def case(self, mode: str, n: int, rate: float, seconds: float, edit_kind: str = "") -> list[Result]:
        results: list[Result] = []
        for kind in self.kinds(mode):
            proc, base = self.procs[kind]
            self.cases += 1

            async def one(phase: Callable[[float, int], Awaitable[Result]]) -> None:
                results.append(await phase(rate, max(20, round(rate * seconds))))

            await with_screens(kind, mode, base, proc.pid, n, f"case{self.cases}", one, edit_kind)
        return results

    async def arrival(self, n: int) -> list[Arrival]:
        """The arrival case on each server in turn: the floor first, piboard last."""
        rows = []
        for kind in self.kinds("json"):
            proc, base = self.procs[kind]
            self.cases += 1
            rows.append(await arrival(kind, base, proc.pid, n, f"case{self.cases}"))
        return rows

    async def max_rate(self, n: int, seconds: float) -> list[MaxRate]:
        found: list[MaxRate] = []
        for kind in self.kinds("json"):
            proc, base = self.procs[kind]
            self.cases += 1
            best = MaxRate(kind, n, 0.0)

            async def climb(phase: Callable[[float, int], Awaitable[Result]], best: MaxRate = best) -> None:
                for rate in RATE_LADDER:
                    step = await phase(rate, max(20, round(rate * seconds)))
                    best.steps.append(step)
                    if step.missing or step.delivery_p99_ms > MAX_RATE_P99_MS or step.delivery_p99_ms < 0:
                        return
                    best.sustained_rate = rate

            await with_screens(kind, "json", base, proc.pid, n, f"case{self.cases}", climb)
            found.append(best)
        return found


# --- arrival: N screens opening their socket at once (issue 27) ------------------------------------

ARRIVAL_PARTICIPANTS = 150  # the screens are the laptops, big screens and remote people of this many
ARRIVAL_EVENTS = 40  # on the board before the storm
ARRIVAL_BEHIND = 20  # how far back a screen that sends ``last_seq`` (every other one) is
ARRIVAL_SETTLE_SECONDS = 1.5  # after the last welcome: presence frames still counted
ARRIVAL_ROLES = ("observer", "pm", "architect", "business_owner")


@dataclass
class Arrival:
    server: str
    clients: int
    participants: int
    welcome_p50_ms: float  # from the storm's start: each screen's welcome
    welcome_p99_ms: float
    welcome_all_ms: float  # the last screen's welcome
    live_all_ms: float  # the last screen live: welcomed, and caught up if it sent last_seq
    behind: int  # screens that sent last_seq
    lost: int  # events a screen that sent last_seq never got
    duplicated: int  # events such a screen got twice
    failed: int  # screens that never got their welcome (refused, or timed out)
    presence_per_screen: float  # presence frames each screen got, from its welcome to the settle's end
    cpu_s: float  # the server's CPU time through the storm
    load_avg: float


def make_arrival_board(base: str, tag: str, participants: int, events: int) -> tuple[Board, list[str], int]:
    """A board with ``events`` risks and ``participants`` people joined (of every role but the RTE's);
    their sessions, and the board's seq."""
    with httpx.Client(base_url=base, timeout=60) as c:
        created = c.post("/api/boards", json={"name": f"Bench {tag}", "demo": False}).raise_for_status()
        board_id, rte = created.json()["board"]["id"], created.json()["rte_session"]
        auth = {"Authorization": f"Bearer {rte}"}
        tokens = []
        for role in ARRIVAL_ROLES:
            link = c.post(f"/api/boards/{board_id}/links", json={"role": role}, headers=auth)
            tokens.append(link.raise_for_status().json()["join_url"].rsplit("/", 1)[1])
        sessions = []
        for k in range(participants):
            joined = c.post("/api/join", json={"token": tokens[k % len(tokens)], "name": f"Person {k}"})
            sessions.append(str(joined.raise_for_status().json()["session"]))
        for k in range(events):
            op = {"type": "risk.create", "args": {"title": f"Risk {k}", "description": "x" * 120}}
            c.post(f"/api/boards/{board_id}/ops", json=op, headers=auth).raise_for_status()
        seq = int(c.get(f"/api/boards/{board_id}", headers=auth).raise_for_status().json()["seq"])
    return Board(base.replace("http://", "ws://") + f"/b/{board_id}/ws", rte), sessions, seq


async def arrival(kind: str, base: str, pid: int, n: int, tag: str) -> Arrival:
    """N screens open their socket at the same moment: when each has its welcome, and (every other one
    sends the ``last_seq`` of a page ``ARRIVAL_BEHIND`` events old) when it has caught up."""
    seq = 0
    sessions = ["-"]
    if kind == "piboard":
        board, sessions, seq = await asyncio.to_thread(
            make_arrival_board, base, tag, ARRIVAL_PARTICIPANTS, ARRIVAL_EVENTS
        )
    else:
        board = Board(base.replace("http://", "ws://") + f"/{tag}")
    await asyncio.sleep(0.5)
    welcomed: list[float] = []
    live: list[float] = []
    presence: list[int] = []
    lost = duplicated = failed = behind = 0
    sockets: list[ClientConnection] = []
    settled = asyncio.Event()

    async def one(index: int) -> None:
        nonlocal lost, duplicated, failed, behind
        session = sessions[index % len(sessions)]
        last_seq = seq - ARRIVAL_BEHIND if kind == "piboard" and index % 2 else None
        try:
            ws = await connect(
                board.ws_url,
                additional_headers={"Authorization": f"Bearer {session}"},
                open_timeout=120,
                ping_interval=None,
                max_queue=None,
                max_size=None,
            )
            sockets.append(ws)
            hello = {"type": "hello", "last_seq": last_seq, "view": "program", "mode": "json"}
            if kind != "y-websocket":
                await ws.send(json.dumps({**hello, "name": f"screen {index}"}))
            first = await asyncio.wait_for(ws.recv(), 120)
        except Exception:
            failed += 1
            return
        if kind != "y-websocket" and '"welcome"' not in str(first):
            failed += 1
            return
        welcomed.append(time.monotonic() - t0)
        got = [int(s) for s in EVENT_SEQ.findall(str(first))]  # events may come in one array with it
        presences = 0
        if last_seq is None or (got and got[-1] >= seq):
            live.append(welcomed[-1])
        if last_seq is not None:
            behind += 1
        with contextlib.suppress(Exception):
            while not settled.is_set():
                receiving = asyncio.ensure_future(ws.recv())
                done, _ = await asyncio.wait({receiving, settling}, return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    break
                message = str(receiving.result())
                presences += message.count('"type":"presence')  # the list and its changes
                if last_seq is not None and (not got or got[-1] < seq):
                    got += [int(s) for s in EVENT_SEQ.findall(message)]
                    if got and got[-1] >= seq:
                        live.append(time.monotonic() - t0)
        presence.append(presences)
        if last_seq is not None:
            wanted = set(range(last_seq + 1, seq + 1))
            lost += len(wanted - set(got))
            duplicated += len(got) - len(set(got))

    await asyncio.sleep(0.5)
    load = load_avg()
    cpu_before = cpu_seconds(pid)
    with measuring():
        t0 = time.monotonic()
        settling = asyncio.ensure_future(settled.wait())
        tasks = [asyncio.ensure_future(one(k)) for k in range(n)]
        deadline = t0 + 120
        while time.monotonic() < deadline and len(welcomed) + failed < n:
            await asyncio.sleep(0.01)
        while time.monotonic() < deadline and len(live) < len(welcomed) and not all(t.done() for t in tasks):
            await asyncio.sleep(0.01)
        await asyncio.sleep(ARRIVAL_SETTLE_SECONDS)
    cpu = cpu_seconds(pid) - cpu_before
    settled.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    ms = 1000.0
    return Arrival(
        server=kind,
        clients=n,
        participants=len(sessions) if kind == "piboard" else n,
        welcome_p50_ms=round(statistics.median(welcomed) * ms, 1) if welcomed else -1,
        welcome_p99_ms=round(percentile(welcomed, 0.99) * ms, 1) if welcomed else -1,
        welcome_all_ms=round(max(welcomed) * ms, 1) if welcomed and not failed else -1,
        live_all_ms=round(max(live) * ms, 1) if live and len(live) == n else -1,
        behind=behind,
        lost=lost,
        duplicated=duplicated,
        failed=failed,
        presence_per_screen=round(sum(presence) / max(1, len(presence)), 1),
        cpu_s=round(cpu, 2),
        load_avg=load,
    )


# --- restart: the server stops and starts again with every screen open (issue 27) ------------------

RESTART_EDIT_RATE = 5.0  # edits per second, through the restart (retried while the server is down)
RESTART_BEFORE_SECONDS = 2.0  # editing before the stop
RESTART_AFTER_SECONDS = 2.0  # editing after every screen is live again
RECONNECT_FIRST_S, RECONNECT_MAX_S = 1.0, 2.0  # static/live.js's reconnect delay (full jitter)
NO_JITTER_RETRY_S = 0.1  # --no-jitter: every screen tries again at once, every 100 ms


def reconnect_delay(tries: int, jitter: bool) -> float:
    """What static/live.js waits before its next try (``--no-jitter``: a fixed short retry)."""
    if not jitter:
        return NO_JITTER_RETRY_S
    return float(min(RECONNECT_MAX_S, RECONNECT_FIRST_S * 2**tries) * random.random())


@dataclass
class Restart:
    server: str
    mode: str
    clients: int
    jitter: bool
    stop_s: float  # from SIGTERM to the old process gone
    down_s: float  # from SIGTERM to the new process serving (its port open)
    live_p50_ms: float  # from serving again to each screen welcomed and caught up
    live_all_ms: float  # ... to the last screen
    lost: int  # events a screen never got (JSON: each one; HTML: the newest seq shown falls short)
    duplicated: int  # events a screen got twice (JSON)
    resets: int  # screens sent a reset on coming back (a reset is a full reload, not a catch-up)
    never_back: int  # screens not live again within 60 s
    # --restart-pg: screens on the other process that had to reconnect (none should)
    others_reconnected: int
    edits: int
    load_avg: float


class Returning:
    """A screen that comes back: reconnects with the ``last_seq`` it shows when its socket closes."""

    def __init__(self, url: str, session: str, view: str, mode: str, kind: str) -> None:
        self.url, self.session, self.view, self.mode, self.kind = url, session, view, mode, kind
        self.seqs: list[int] = []  # JSON: every event received, in order
        self.shown = -1  # the newest seq the screen shows
        self.first = -1  # the seq of its first welcome
        self.sockets = 0
        self.resets = 0
        self.back_at: float | None = None  # welcomed and caught up after the restart
        self.target: int | None = None  # the seq to catch up to after the restart
        self.sockets_at_stop = 0

    def note_back(self) -> None:
        """Welcomed on a socket opened after the stop, and showing what was there before it."""
        back = self.target is not None and self.sockets > self.sockets_at_stop and self.shown >= self.target
        if back and self.back_at is None:
            self.back_at = time.monotonic()

    async def run(self, jitter: bool, stop: asyncio.Event) -> None:
        tries = 0
        while not stop.is_set():
            try:
                ws = await connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self.session}"},
                    open_timeout=30,
                    ping_interval=None,
                    max_queue=None,
                    max_size=None,
                )
            except Exception:
                await asyncio.sleep(reconnect_delay(tries, jitter))
                tries += 1
                continue
            tries = 0
            self.sockets += 1
            if self.kind != "y-websocket":
                hello = {
                    "type": "hello",
                    "last_seq": self.shown if self.shown >= 0 else None,
                    "view": self.view,
                    "mode": self.mode,
                    "name": "bench",
                }
                await ws.send(json.dumps(hello))
            welcomed = False
            with contextlib.suppress(Exception):
                async for message in ws:
                    if stop.is_set():
                        break
                    text = message.decode() if isinstance(message, bytes) else message
                    if not welcomed:  # the welcome, alone or first of an array (a reset may follow it)
                        welcomed = True
                        if '"welcome"' in text and self.first < 0:
                            frames = json.loads(text)
                            self.first = self.shown = int(
                                (frames[0] if isinstance(frames, list) else frames)["seq"]
                            )
                    if text.startswith("<"):
                        self.shown = max([self.shown, *(int(s) for s in HTML_SEQ.findall(text))])
                    else:
                        if '"type":"reset"' in text:
                            self.resets += self.sockets > 1
                            frames = json.loads(text)
                            for f in frames if isinstance(frames, list) else [frames]:
                                if f.get("type") == "reset":
                                    self.shown = max(self.shown, int(f["seq"]))
                        seqs = [int(s) for s in EVENT_SEQ.findall(text)]
                        self.seqs += seqs
                        self.shown = max([self.shown, *seqs])
                    self.note_back()
            await ws.close()
            await asyncio.sleep(reconnect_delay(tries, jitter))


async def restart_case(b: Bench, kind: str, mode: str, n: int, jitter: bool) -> Restart:
    """N screens open, edits flowing; the server stops (SIGTERM: it tells every screen to come back,
    1012) and starts again on the same port and database. The figure: from the new process serving
    to every screen live again (welcomed and caught up to the last edit before the stop); then the
    edits go on, and every screen must get each event exactly once."""
    proc, base = b.procs[kind]
    port = int(base.rsplit(":", 1)[1])
    b.cases += 1

    async def restart() -> float:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)
        stopped = time.monotonic()
        b.procs[kind] = (
            await asyncio.to_thread(start, kind, port, str(Path(b.tmp) / "bench.db"), b.ws),
            base,
        )
        return stopped

    return await restarted(kind, mode, n, jitter, f"case{b.cases}", [base], restart)


async def restart_pg_case(b: Bench, mode: str, n: int, jitter: bool) -> Restart:
    """Two processes serve one board from one PostgreSQL database, half of the N screens on each,
    edits flowing through the second; the first is killed (SIGKILL: no goodbye) and started again.
    The figure: from it serving again to each of its screens live and caught up (the events made
    through the other process meanwhile included); the other's screens never notice. Every screen
    must get each event exactly once."""
    sys.path.insert(0, str(ROOT))  # tests/pg.py starts the throwaway server, as for bench/restart.py
    from tests.pg import PostgresServer

    pg = PostgresServer().start()
    try:
        url = pg.create_database("fanout_restart")
        ports = [free_port(), free_port()]
        procs = [await asyncio.to_thread(start, "piboard", port, url, b.ws) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        async def restart() -> float:
            procs[0].kill()
            await asyncio.to_thread(procs[0].wait, 30)
            stopped = time.monotonic()
            procs[0] = await asyncio.to_thread(start, "piboard", ports[0], url, b.ws)
            return stopped

        try:
            return await restarted("piboard-pg", mode, n, jitter, "pg", bases, restart)
        finally:
            for proc in procs:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 30)
    finally:
        pg.stop()


async def restarted(
    kind: str,
    mode: str,
    n: int,
    jitter: bool,
    tag: str,
    bases: list[str],
    restart: Callable[[], Awaitable[float]],
) -> Restart:
    """The restart case: N screens spread over the processes at ``bases`` (the first is the one
    restarted; the board is made and edited through the last), edits flowing; ``restart`` stops the
    first and starts it again, answering when it had stopped. The figures are its screens'."""
    piboard = kind != "y-websocket" and kind != "floor"
    if piboard:
        board = await asyncio.to_thread(make_piboard_board, bases[-1], tag, mode)
    else:
        board = Board(bases[-1].replace("http://", "ws://") + f"/{tag}")
    board_id = board.ws_url.rsplit("/", 2)[1]
    ws_path = board.ws_url.split("/", 3)[3]
    screens, restarting = [], []
    for k in range(n):
        view, session = board.screen(k)
        at = bases[k % len(bases)]
        url = at.replace("http://", "ws://") + "/" + ws_path
        screens.append(Returning(url, session, view, "json" if mode == "json" else "html", kind))
        if at == bases[0]:
            restarting.append(screens[-1])
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(s.run(jitter, stop)) for s in screens]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(s.first < 0 for s in screens):
        await asyncio.sleep(0.05)
    acked: list[int] = []  # the seq of each edit, once acknowledged
    editing = True

    async def edit() -> None:
        """Edits at a steady rate over HTTP, each retried (same client_op_id) until acknowledged."""
        ops = edit_ops(board, mode, 10_000, 0)
        headers = {"Authorization": f"Bearer {board.editor_session}"}
        async with httpx.AsyncClient(base_url=bases[-1], timeout=10, headers=headers) as c:
            for k, op in enumerate(ops):
                if not editing:
                    return
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        r = await c.post(f"/api/boards/{board_id}/ops", json={**op, "client_op_id": f"r{k}"})
                        if r.status_code == 200:
                            acked.append(int(r.json()["seq"]))
                            break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(1 / RESTART_EDIT_RATE)

    editor = asyncio.ensure_future(edit()) if piboard else None
    await asyncio.sleep(RESTART_BEFORE_SECONDS)
    load = load_avg()
    t_stop = time.monotonic()
    for s in screens:
        s.sockets_at_stop = s.sockets
    t_stopped = await restart()
    t_serve = time.monotonic()
    # What a screen must show to be caught up: the newest edit acknowledged by now (with one
    # process, nothing is acknowledged while it is down; with two, edits go on through the other).
    target = max(acked, default=max(s.shown for s in screens))
    for s in restarting:
        s.target = target
    deadline = t_serve + 60
    while time.monotonic() < deadline and any(s.back_at is None for s in restarting):
        await asyncio.sleep(0.02)
    back = [s.back_at - t_serve for s in restarting if s.back_at is not None]
    await asyncio.sleep(RESTART_AFTER_SECONDS)
    editing = False
    if editor is not None:
        await editor
    final = max(acked, default=target)
    settle = time.monotonic() + 10
    while time.monotonic() < settle and any(s.shown < final for s in screens):
        await asyncio.sleep(0.05)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    lost = duplicated = 0
    for s in screens:
        if mode == "json" and piboard:
            wanted = set(range(s.first + 1, final + 1))
            got = [q for q in s.seqs if q > s.first]
            lost += len(wanted - set(got))
            duplicated += len(got) - len(set(got))
        elif piboard:
            lost += max(0, final - s.shown)
    ms = 1000.0
    return Restart(
        server=kind,
        mode=mode,
        clients=n,
        jitter=jitter,
        stop_s=round(t_stopped - t_stop, 2),
        down_s=round(t_serve - t_stop, 2),
        live_p50_ms=round(statistics.median(back) * ms, 1) if back else -1,
        live_all_ms=round(max(back) * ms, 1) if len(back) == len(restarting) else -1,
        lost=lost,
        duplicated=duplicated,
        resets=sum(s.resets for s in screens),
        never_back=len(restarting) - len(back),
        others_reconnected=sum(s.sockets > 1 for s in screens if s not in restarting),
        edits=len(acked),
        load_avg=load,
    )


def print_restarts(rows: list[Restart]) -> None:
    print("restart: the server stops and starts with every screen open; ms from serving again")
    for r in rows:
        print(
            f"  {r.server:<11} {r.mode:<5} N {r.clients:>5} jitter {r.jitter!s:<5} "
            f"stop {r.stop_s:>5} s, down {r.down_s:>5} s | "
            f"live p50 {r.live_p50_ms:>8} all {r.live_all_ms:>8} | {r.edits} edits: {r.lost} lost, "
            f"{r.duplicated} duplicated, {r.resets} resets, {r.never_back} never back, "
            f"{r.others_reconnected} others reconnected | load {r.load_avg}",
            flush=True,
        )


def print_arrivals(rows: list[Arrival]) -> None:
    print("arrival: N screens open their socket at once; ms from that moment (live: caught up too)")
    for r in rows:
        print(
            f"  {r.server:<11} N {r.clients:>5}  welcome p50 {r.welcome_p50_ms:>8} p99 {r.welcome_p99_ms:>8} "
            f"all {r.welcome_all_ms:>8} | live all {r.live_all_ms:>8} ({r.behind} behind: {r.lost} lost, "
            f"{r.duplicated} duplicated) | failed {r.failed} | presence/screen {r.presence_per_screen} | "
            f"CPU {r.cpu_s} s | load {r.load_avg}",
            flush=True,
        )


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


# The cases of issue 13: (mode, clients, edits per second).
ISSUE_CASES = [
    ("json", 200, 20.0),
    ("json", 1000, 5.0),
    ("json", 1000, 20.0),
    ("html", 100, 10.0),
    ("html", 300, 10.0),
    ("roles", 300, 10.0),
]


async def issue27(b: Bench, seconds: float, printing: bool) -> dict[str, Any]:
    """Every figure of issue 27's goal in one run, each beside the floor (and the relay where it
    applies): 1,000 JSON screens at 20 edits/s (first, so that its KB per connection is a fresh
    server's), each kind of edit at 300 browser screens × 10/s, the highest rate at 1,000, the arrival
    of 1,000, and the restart with 300 browser screens (one process on SQLite; two on PostgreSQL)."""
    # The JSON case's p99 moves by 5-10 ms from run to run on every server: it is taken in rounds,
    # each on all three in turn, and compared round by round.
    rounds = [await b.case("json", 1000, 20.0, seconds) for _ in range(JSON_ROUNDS)]
    results = list(rounds[0])
    for kind in EDIT_KINDS:
        results += await b.case("html", 300, 10.0, seconds, kind)
    if printing:
        print_rows([asdict(r) for r in results])
    found = await b.max_rate(1000, seconds)
    arrivals = await b.arrival(1000)
    restarts = [await restart_case(b, kind, "html", 300, True) for kind in b.kinds("html")]
    restarts.append(await restart_pg_case(b, "html", 300, True))
    if printing:
        print_json_rounds(rounds)
        print_max_rate(found)
        print_arrivals(arrivals)
        print_restarts(restarts)
    return {
        "results": [asdict(r) for r in results],
        "json_rounds": [[asdict(r) for r in one] for one in rounds],
        "max_rate": [asdict(m) for m in found],
        "arrival": [asdict(r) for r in arrivals],
        "restart": [asdict(r) for r in restarts],
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "load_avg_before": list(os.getloadavg()),
        "results": [],
        "max_rate": [],
        "notes": [],
    }
    if args.issue27:
        with tempfile.TemporaryDirectory() as tmp, Bench(args.servers, args.ws, tmp) as b:
            out["notes"] = b.notes
            out.update(await issue27(b, args.seconds, not args.json))
        out["load_avg_after"] = list(os.getloadavg())
        return out
    cases: list[tuple[str, int, float]]
    if args.issue:
        cases = ISSUE_CASES
    elif args.max_rate:
        cases = []
    else:
        mode = "roles" if args.roles else "html" if args.html or args.kinds else "json"
        cases = [(mode, n, args.rate) for n in args.clients]
    kinds = list(EDIT_KINDS) if "all" in (args.kinds or []) else args.kinds or [""]
    with tempfile.TemporaryDirectory() as tmp, Bench(args.servers, args.ws, tmp) as b:
        out["notes"] = b.notes
        if args.arrival:
            out["arrival"] = []
            for n in args.clients:
                rows = [await b.arrival(n) for _ in range(args.repeat)]
                out["arrival"] += [asdict(r) for group in rows for r in group]
                if not args.json:
                    print_arrivals([r for group in rows for r in group])
            cases = []
        if args.restart:
            out["restart"] = []
            mode = "html" if args.html else "json"
            for n in args.clients:
                for jitter in [True, False] if args.no_jitter else [True]:
                    restarts = [await restart_case(b, kind, mode, n, jitter) for kind in b.kinds(mode)]
                    if args.restart_pg:
                        restarts.append(await restart_pg_case(b, mode, n, jitter))
                    out["restart"] += [asdict(r) for r in restarts]
                    if not args.json:
                        print_restarts(restarts)
            cases = []
        for mode, n, rate in cases:
            for edit_kind in kinds if mode != "json" else [""]:
                out["results"] += [asdict(r) for r in await b.case(mode, n, rate, args.seconds, edit_kind)]
                if not args.json:
                    print_rows(out["results"][-len(b.kinds(mode)) :])
        if args.max_rate or args.issue:
            for n in [1000] if args.issue else args.clients:
                found = await b.max_rate(n, args.seconds)
                out["max_rate"] += [asdict(m) for m in found]
                if not args.json:
                    print_max_rate(found)
    out["load_avg_after"] = list(os.getloadavg())
    return out


HEAD = (
    f"{'mode':<5} {'edit':<9} {'N':>5} {'rate':>5} {'server':<11} {'p50':>7} {'p99':>7} {'max':>7} | "
    f"{'all p50':>8} {'all p99':>8} | {'late%':>6} {'missing':>7} {'connect s':>9} {'KB/conn':>8} "
    f"{'CPU µs':>7} {'B/edit':>8} {'load':>5}"
)
_printed_head = False


def print_rows(rows: list[dict[str, Any]]) -> None:
    global _printed_head
    if not _printed_head:
        print("latency from the editor's send (ms); late%: deliveries over 2 s or never")
        print(HEAD)
        print("-" * len(HEAD))
        _printed_head = True
    for r in rows:
        print(
            f"{r['mode']:<5} {r['edit_kind']:<9} {r['clients']:>5} {r['rate']:>5g} {r['server']:<11} "
            f"{r['delivery_p50_ms']:>7} {r['delivery_p99_ms']:>7} {r['delivery_max_ms']:>7} | "
            f"{r['all_p50_ms']:>8} {r['all_p99_ms']:>8} | {r['late_pct']:>6} {r['missing']:>7} "
            f"{r['connect_s']:>9} {r['rss_per_conn_kb']:>8} {r['cpu_us_per_delivery']:>7} "
            f"{r['bytes_per_edit']:>8} {r['load_avg']:>5}",
            flush=True,
        )


def print_json_rounds(rounds: list[list[Result]]) -> None:
    """Each round's p99 of every server, and piboard's over the relay's and the floor's."""
    print(f"\n1,000 JSON screens at 20 edits/s, p99 by round ({len(rounds)} rounds, each server in turn):")
    ratios: dict[str, list[float]] = {}
    for k, one in enumerate(rounds, 1):
        p99 = {r.server: r.delivery_p99_ms for r in one}
        line = "  ".join(f"{server} {ms:.1f} ms" for server, ms in p99.items())
        mine = p99.get("piboard")
        for other in ("y-websocket", "floor"):
            if mine is not None and p99.get(other, 0) > 0:
                ratios.setdefault(other, []).append(mine / p99[other])
                line += f"  piboard/{other} {mine / p99[other]:.2f}×"
        print(f"  round {k}: {line}")
    for other, values in ratios.items():
        print(f"  piboard/{other}, median of the rounds: {statistics.median(values):.2f}×")


def print_max_rate(found: list[MaxRate]) -> None:
    for m in found:
        steps = ", ".join(
            f"{s.rate:g}/s p99 {s.delivery_p99_ms} ms" + (f" ({s.missing} lost)" if s.missing else "")
            for s in m.steps
        )
        print(
            f"max rate at {m.clients} clients, {m.server}: {m.sustained_rate:g} edits/s  [{steps}]",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--rate", type=float, default=20.0, help="edits per second (default 20)")
    parser.add_argument("--seconds", type=float, default=4.0, help="how long each case edits (≥ 20 edits)")
    parser.add_argument("--html", action="store_true", help="browser screens on mixed views of the demo ART")
    parser.add_argument("--roles", action="store_true", help="as --html, the screens in every role and team")
    parser.add_argument(
        "--kinds",
        nargs="*",
        choices=[*EDIT_KINDS, "all"],
        help="HTML screens (as --html, or --roles), a case per kind of edit the room makes (issue 27)",
    )
    parser.add_argument("--max-rate", action="store_true", help="climb the edit rate until p99 passes 1 s")
    parser.add_argument(
        "--issue", action="store_true", help="every case of issue 13 and the max rate at 1,000"
    )
    parser.add_argument(
        "--issue27", action="store_true", help="every figure of issue 27's goal, in one run (~6 min)"
    )
    parser.add_argument(
        "--arrival", action="store_true", help="N screens open their socket at once (issue 27)"
    )
    parser.add_argument(
        "--restart", action="store_true", help="stop and start each server with N screens open (issue 27)"
    )
    parser.add_argument("--no-jitter", action="store_true", help="--restart: also with no reconnect jitter")
    parser.add_argument(
        "--restart-pg",
        action="store_true",
        help="--restart: also two piboard processes on PostgreSQL, one killed and started again",
    )
    parser.add_argument("--repeat", type=int, default=1, help="--arrival: storms per server")
    parser.add_argument("--servers", nargs="*", default=list(SERVERS), choices=SERVERS)
    parser.add_argument(
        "--ws", default="", help="uvicorn websocket implementation (default: piboard serve's)"
    )
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument("--serve", choices=["piboard", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_file_limit(2 * max([*args.clients, 1000]) + 256)
    if args.serve == "piboard":
        serve_piboard(args.port, args.db, args.ws)
        return
    if args.serve == "floor":
        serve_floor(args.port)
        return
    with contextlib.suppress(ImportError):
        import uvloop  # the driver's receive loop is part of every figure: keep it lean

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    out = asyncio.run(bench(args))
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
