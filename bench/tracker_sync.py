"""How long a tracker sync takes, and whether it holds up the board's edits: a first sync of a 20,000-issue
project, polls of 100 changed issues, and a person's edits while each runs.

Per product (Jira Cloud, Jira Data Center, Azure DevOps) the tracker's emulator (tests/trackers) runs in
a process of its own, over HTTP as in the tests, so this process's CPU time is the sync's alone (the
tracker's is reported apart). The board is on a temporary SQLite file. Measured, with nothing else
running:

- the first sync (``TrackerSync.first_preview`` then ``first_apply``, by the RTE) of every issue, and
  the snapshots its apply leaves to the background writer;
- polls (``TrackerSync.poll``) of 100 changed issues each;

then a person's edits (``OpPath.submit`` of a ``story.update`` of an unlinked story, due at a steady
pace in a thread of their own; an edit's latency counts from when it was due, so an edit held up
delays the ones due after it) with no sync running, during polls, and during a first sync of the same
project into a second board (its read and preview, its apply, its snapshots stored after). "lock held"
is how long the sync's batch holds the board's lock (``OpPath.submit_batch``), when nothing else runs.

As in a serving process, full garbage collections run only at quiet moments (between the cases).
``--no-snapshots`` takes no board snapshots (every 200 events, stored by a background thread of the
same process), to tell the sync's own hold on the edits from the snapshot writer's.

    .venv/bin/python bench/tracker_sync.py [--issues 20000] [--products jira_cloud jira_dc azure] [--json]
                                           [--no-snapshots] [--edit-every-ms 50] [--edits 200]
    .venv/bin/python bench/tracker_sync.py --issues 2000      # a quick run
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine

from board import Actor, Op
from board.core import Committed
from board.model import Story
from board.roles import Role
from server.app import GIL_SWITCH_SECONDS
from server.live.collector import NEVER
from server.store import op_path as op_path_module
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath, new_id
from server.store.sealed import Sealer, Secret
from server.store.trackers import PRODUCT_LABELS, TrackerSettings, TrackerStore
from server.watch.trackers.sync import OVERLAP, TrackerSync

RTE = Actor("rte-bench", "Rita", Role.RTE)
TEAMS = ("Ares", "Boreas", "Ceres", "Dione", "Eos", "Freya", "Gaia", "Hera", "Iris", "Juno")
EDITORS = "editors"  # the team of the person whose story is not in the tracker
EDITED = "edited-story"


# --- the tracker, in a process of its own ------------------------------------------------------------


class JiraSide:
    """The Jira emulator with a bench project: stories spread over the teams, one minute apart."""

    def __init__(self, product: str, shift: Any) -> None:
        from tests.trackers.jira_emulator import Flavour, JiraEmulator

        flavour: Flavour = "cloud" if product == "jira_cloud" else "datacenter"
        self.emulator = JiraEmulator(
            flavour, clock=lambda: datetime.now(UTC) + timedelta(seconds=shift.value)
        )
        self.emulator.add_project("BENCH")
        self.shift = shift
        self.product = product
        self.issues = 0

    def connection(self) -> dict[str, Any]:
        user = self.emulator.email if self.product == "jira_cloud" else ""
        scope = {"jql": "project = BENCH"}
        return {"product": self.product, "url": self.emulator.base_url, "user": user, "scope": scope}

    def token(self) -> str:
        return self.emulator.token

    def seed(self, n: int) -> None:
        start = self.emulator.now() - timedelta(minutes=n + 1)
        for index, team in enumerate(TEAMS):
            count = n // len(TEAMS) + (index < n % len(TEAMS))
            self.emulator.many(count, project="BENCH", team=team, start=start)
        self.issues = n
        self._settle()

    def change(self, count: int, round_: int) -> None:
        for i in range(count):
            number = (round_ * count + i) % self.issues + 1
            key = f"BENCH-{number}"
            if i % 2:
                self.emulator.set_status(
                    key, *(("In Progress", "indeterminate"), ("Done", "done"))[round_ % 2]
                )
            else:
                self.emulator.update(key, summary=f"Bench story {number}, changed in round {round_}")
        self._settle()

    def _settle(self) -> None:
        # Jira's JQL dates are to the minute: Jira's clock moves on a minute past the last change, so a
        # poll's `updated >=` (floored to its minute) leaves out what the poll before it read.
        self.shift.value += 61


class AzureSide:
    """The Azure DevOps emulator with a bench project: work items in one area path per team."""

    def __init__(self, product: str, shift: Any) -> None:
        from tests.trackers.azure_emulator import AzureEmulator

        self.emulator = AzureEmulator()
        self.ids: list[int] = []

    def connection(self) -> dict[str, Any]:
        scope = {"project": self.emulator.project, "area_paths": [], "wiql": ""}
        return {"product": "azure", "url": self.emulator.url, "user": "", "scope": scope}

    def token(self) -> str:
        return str(self.emulator.token)

    def seed(self, n: int) -> None:
        # WIQL answers at most 20,000 ids (VS402337): a first sync of 20,000 is the largest it takes.
        for index, team in enumerate(TEAMS):
            count = n // len(TEAMS) + (index < n % len(TEAMS))
            area = f"{self.emulator.project}\\{team}"
            self.ids += self.emulator.many(count, area=area, points=float(index % 8 + 1))
        self._settle(0)

    def change(self, count: int, round_: int) -> None:
        for i in range(count):
            work_item_id = self.ids[(round_ * count + i) % len(self.ids)]
            state = ("Active", "Closed")[round_ % 2]
            self.emulator.update(
                work_item_id, title=f"Item {work_item_id}, changed in round {round_}", state=state
            )
        self._settle(count)

    @staticmethod
    def _settle(count: int) -> None:
        # Each change's ChangedDate is at least a millisecond after the last one: a burst of n changes
        # runs up to n ms ahead of the clock. The next poll begins once the clock has caught up.
        time.sleep((count + 5) / 1000)


def host(product: str, shift: Any, conn: Connection) -> None:
    """The child process: serve the tracker and answer the bench's calls until it sends None."""
    side: JiraSide | AzureSide = AzureSide(product, shift) if product == "azure" else JiraSide(product, shift)
    with side.emulator.running():
        conn.send((side.connection(), side.token()))
        while (call := conn.recv()) is not None:
            name, args = call
            if name == "requests":
                conn.send(side.emulator.request_count)
            elif name == "cpu":
                conn.send(time.process_time())
            else:
                conn.send(getattr(side, name)(*args))


class Tracker:
    """The bench's handle on the tracker's process; ``now`` is the tracker's clock."""

    def __init__(self, product: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.shift = context.Value("d", 0.0)  # seconds the tracker's clock is ahead of this machine's
        self._conn, child = context.Pipe()
        self._process = context.Process(target=host, args=(product, self.shift, child), daemon=True)
        self._process.start()
        self.connection, self.token = self._conn.recv()

    def call(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        return self._conn.recv()

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.shift.value)

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=30)


# --- measuring ---------------------------------------------------------------------------------------


class Meter:
    """Wall time, this process's CPU time, and the tracker's requests and CPU, from start to read."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.requests, self.tracker_cpu = tracker.call("requests"), tracker.call("cpu")
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> dict[str, Any]:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "requests": self.tracker.call("requests") - self.requests,
            "tracker_cpu_s": round(self.tracker.call("cpu") - self.tracker_cpu, 3),
        }


class TimedOpPath(OpPath):
    """The op path, timing each batch: with nothing else writing, how long it holds the board's lock."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.batches: list[tuple[float, float]] = []  # (start, end), perf_counter seconds

    def submit_batch(self, board_id: str, ops: list[Op], actor: Actor) -> list[Committed]:
        start = time.perf_counter()
        try:
            return super().submit_batch(board_id, ops, actor)
        finally:
            self.batches.append((start, time.perf_counter()))


class Editor:
    """A person editing their team's story, which is not in the tracker, every ``every_s`` in a thread."""

    def __init__(self, op_path: OpPath, board_id: str, every_s: float) -> None:
        self.op_path, self.board_id, self.every_s = op_path, board_id, every_s
        self.person = Actor("member-bench", "Mia", Role.TEAM, team_id=EDITORS)
        self.edits: list[tuple[float, float]] = []  # (due, latency), perf_counter seconds
        self._stop = threading.Event()
        self._stopped_at = 0.0
        self._thread = threading.Thread(target=self._run, name="bench-editor")

    def __enter__(self) -> Editor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped_at = time.perf_counter()
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        story = self.op_path.state(self.board_id).get(Story, EDITED)
        assert story is not None
        version, run, due = story.version, new_id(), time.perf_counter()
        # Told to stop, the person still sends the edits that fell due before (those held up included).
        while not (self._stop.wait(max(0.0, due - time.perf_counter())) and due > self._stopped_at):
            n = len(self.edits)
            op = Op("story.update", EDITED, version, {"title": f"Edited by a person ({n})"}, f"{run}-{n}")
            self.op_path.submit(self.board_id, op, self.person)
            self.edits.append((due, time.perf_counter() - due))
            version, due = version + 1, due + self.every_s

    def within(self, windows: Iterable[tuple[float, float]]) -> list[float]:
        """The latencies of the edits due within any of ``windows``."""
        spans = list(windows)
        return [latency for due, latency in self.edits if any(start <= due <= end for start, end in spans)]


def latency(samples: list[float]) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in samples)
    if not ms:
        return {"edits": 0}
    return {
        "edits": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
    }


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread of its own (the sync's, beside the person's) and return its result."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()), name="bench-sync")
    thread.start()
    thread.join()
    return result[0]


# --- the bench, per product --------------------------------------------------------------------------


@dataclass
class Bench:
    tracker: Tracker
    op_path: TimedOpPath
    store: TrackerStore
    sync: TrackerSync

    def board(self, name: str) -> str:
        """A board with the person's team and story, connected to the tracker (not synced yet)."""
        board_id = self.op_path.create_board(name, RTE)
        team = {"id": EDITORS, "name": "Editors", "color": "#336699"}
        story = {"id": EDITED, "title": "Edited by a person", "team_id": EDITORS, "points": 3}
        self.op_path.submit(board_id, Op("team.create", None, None, team, f"{board_id}-team"), RTE)
        self.op_path.submit(board_id, Op("story.create", None, None, story, f"{board_id}-story"), RTE)
        settings = TrackerSettings(**self.tracker.connection, choices=[])
        self.store.connect(board_id, settings, Secret(self.tracker.token))
        return board_id

    def first_sync(self, board_id: str) -> dict[str, Any]:
        """The first sync, then the snapshots its apply left to the background writer; ``windows``: when
        each phase ran, and when the apply held the board's lock."""
        begun = time.perf_counter()
        meter = Meter(self.tracker)
        _, first = self.sync.first_preview(board_id, RTE)
        read_and_preview = meter.read()
        read = time.perf_counter()
        _, applied = self.sync.first_apply(board_id, RTE)
        whole = meter.read()
        done = time.perf_counter()
        locked = self.op_path.batches[-1]
        self.op_path.flush_snapshots()
        return {
            "issues_read": len(first.issues),
            "ops_applied": applied,
            "sync_requests": first.requests,
            "read_and_preview": read_and_preview,
            "first_sync": {**whole, "lock_held_s": round(locked[1] - locked[0], 3)},
            "with_snapshots_stored": meter.read(),
            "windows": {
                "read_and_preview": (begun, read),
                "apply": (read, done),
                "apply_lock_held": locked,
                "snapshots_stored_after": (done, time.perf_counter()),
            },
        }

    def settle(self) -> None:
        """What a server does at a quiet moment: the snapshots handed over are stored, and the full
        garbage collection (off while serving, server/live/collector.py) runs."""
        self.op_path.flush_snapshots()
        gc.collect()

    def poll(self, board_id: str, round_: int, changes: int, *, quiet: bool) -> dict[str, Any]:
        """``changes`` issues changed in the tracker, then one poll; ``quiet``: with nothing else running
        (settled first, and this poll's snapshots stored after it)."""
        self.tracker.call("change", changes, round_)
        if quiet:
            self.settle()
        batches = len(self.op_path.batches)
        meter = Meter(self.tracker)
        start = time.perf_counter()
        report = self.sync.poll(board_id)
        figures = meter.read()
        end = time.perf_counter()
        if report.failed or report.read != changes:
            raise RuntimeError(f"round {round_}: {report.summary()} ({changes} changed)")
        locks = self.op_path.batches[batches:]
        figures.update(
            applied=report.applied,
            sync_requests=report.requests,
            lock_held_s=round(sum(end - start for start, end in locks), 3),
            window=(start, end),
            locks=locks,
        )
        if quiet:
            self.op_path.flush_snapshots()
            figures["with_snapshots_cpu_s"] = meter.read()["cpu_s"]
        return figures


def run_product(product: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    tracker = Tracker(product)
    url = f"sqlite:///{tmp / f'{product}.db'}"
    upgrade(url)
    engine = make_engine(url)
    op_path = TimedOpPath(engine)
    store = TrackerStore(engine, Sealer("the bench server's secret key, long enough"))
    # The sync's clock runs OVERLAP ahead of the tracker's, so that a poll's overlap (it reads again
    # what changed shortly before the last poll began) ends where the last poll began: each poll reads
    # the changes made since, which this bench makes seconds apart, not minutes.
    sync = TrackerSync(op_path, store, clock=lambda: tracker.now() + OVERLAP)
    bench = Bench(tracker, op_path, store, sync)
    every_s = args.edit_every_ms / 1000
    try:
        tracker.call("seed", args.issues)
        figures: dict[str, Any] = {
            "product": PRODUCT_LABELS[product],
            "issues": args.issues,
            "snapshots": not args.no_snapshots,
        }
        figures["load_average"] = [os.getloadavg()[0]]
        quiet = bench.board("Quiet ART")
        bench.settle()
        figures["first_sync"] = bench.first_sync(quiet)
        figures["first_sync"].pop("windows")
        polls = [bench.poll(quiet, n, args.changes, quiet=True) for n in range(args.polls)]
        figures["poll"] = summary_of_polls(polls)

        edited = bench.board("Edited ART")
        bench.settle()
        with Editor(op_path, edited, every_s) as editor:
            during = in_thread(lambda: bench.first_sync(edited))
        figures["edits_during_first_sync"] = {
            name: latency(editor.within([window])) for name, window in during["windows"].items()
        }
        bench.settle()
        with Editor(op_path, edited, every_s) as editor:
            while len(editor.edits) < args.edits:
                time.sleep(every_s)
        figures["edits_no_sync"] = latency([s for _, s in editor.edits])
        bench.settle()
        polls = []
        with Editor(op_path, edited, every_s) as editor:
            while len(editor.within(p["window"] for p in polls)) < args.edits:
                round_ = args.polls + len(polls)
                polls.append(in_thread(partial(bench.poll, edited, round_, args.changes, quiet=False)))
        figures["edits_during_polls"] = {
            **latency(editor.within(p["window"] for p in polls)),
            "polls": len(polls),
            "poll_wall_s": round(statistics.median(p["wall_s"] for p in polls), 3),
            "while_a_poll_held_the_lock": latency(editor.within(lock for p in polls for lock in p["locks"])),
        }
        figures["load_average"].append(os.getloadavg()[0])
        return figures
    finally:
        op_path.close()
        engine.dispose()
        tracker.close()


def summary_of_polls(polls: list[dict[str, Any]]) -> dict[str, Any]:
    def median(name: str) -> float:
        return round(statistics.median(p[name] for p in polls), 3)

    names = ("wall_s", "cpu_s", "requests", "tracker_cpu_s", "applied", "lock_held_s", "with_snapshots_cpu_s")
    return {
        "polls": len(polls),
        **{name: median(name) for name in names},
        "wall_max_s": round(max(p["wall_s"] for p in polls), 3),
        "lock_held_max_s": round(max(p["lock_held_s"] for p in polls), 3),
    }


def print_table(results: list[dict[str, Any]], changes: int, every_ms: float) -> None:
    for r in results:
        first, poll = r["first_sync"], r["poll"]
        read, applied = first["issues_read"], first["ops_applied"]
        print(f"\n{r['product']}: {r['issues']} issues ({read} read; the first sync applied {applied} ops)")
        print(
            f"  {'':<36} {'wall s':>7} {'CPU s':>7} {'requests':>8} {'tracker CPU s':>13} {'lock held s':>11}"
        )
        rows = [
            ("first sync: read and preview", first["read_and_preview"]),
            ("first sync: read, preview, apply", first["first_sync"]),
            ("  + its snapshots stored after", first["with_snapshots_stored"]),
            (f"poll of {changes} changes (median of {poll['polls']})", poll),
        ]
        for name, f in rows:
            held = f"{f['lock_held_s']:>11.3f}" if "lock_held_s" in f else ""
            print(f"  {name:<36} {f['wall_s']:>7.2f} {f['cpu_s']:>7.2f} {f['requests']:>8} "
                  f"{f['tracker_cpu_s']:>13.2f} {held}")  # fmt: skip
        print(f"  {'  + its snapshots stored after':<36} {'':>7} {poll['with_snapshots_cpu_s']:>7.2f}")
        print(f"  a person's edit every {every_ms:g} ms, latency in ms   edits      p50      p95      max")
        during, polls = r["edits_during_first_sync"], r["edits_during_polls"]
        cases = [
            ("no sync running", r["edits_no_sync"]),
            (f"during polls ({polls['polls']}, {polls['poll_wall_s']:.2f} s each)", polls),
            ("  due while a poll's batch held the lock", polls["while_a_poll_held_the_lock"]),
            ("during a first sync: read, preview", during["read_and_preview"]),
            ("during a first sync: apply", during["apply"]),
            ("  due while the apply held the lock", during["apply_lock_held"]),
            ("while its snapshots are stored", during["snapshots_stored_after"]),
        ]
        for name, f in cases:
            figures = f"{f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f} {f['max_ms']:>8.1f}" if f["edits"] else ""
            print(f"  {name:<48} {f['edits']:>6} {figures}")
        print("  load average (1 min) at start and end: " + ", ".join(f"{x:.1f}" for x in r["load_average"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--products", nargs="+", default=["jira_cloud", "jira_dc", "azure"],
                        choices=sorted(PRODUCT_LABELS))  # fmt: skip
    parser.add_argument("--changes", type=int, default=100, help="issues changed before each poll")
    parser.add_argument("--polls", type=int, default=5, help="polls measured with nothing else running")
    parser.add_argument("--edits", type=int, default=200, help="edits measured per case (at least)")
    parser.add_argument("--edit-every-ms", type=float, default=50.0, help="the person's pace")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-snapshots", action="store_true", help="take no board snapshots: the sync's cost without theirs"
    )
    args = parser.parse_args()
    # The emulators listen on loopback, which the outbound guard refuses unless it is listed.
    os.environ.setdefault("PIBOARD_OUTBOUND_ALLOW", "127.0.0.1/32")
    if args.no_snapshots:
        op_path_module.snapshot_due = lambda seq: False
    # As while serving (server/live/collector.py): no automatic full collection, one at quiet moments.
    gc.set_threshold(*gc.get_threshold()[:2], NEVER)
    # As while serving (server/app.py): threads waiting on the GIL (an edit beside the sync) get it soon.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_product(product, args, Path(tmp)) for product in args.products]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, args.changes, args.edit_every_ms)


if __name__ == "__main__":
    main()
