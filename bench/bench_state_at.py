"""How long ``state_at`` takes: the board as it was at an earlier event, on a real SQLite file.

Two boards: the demo ART (8 teams, its whole plan as a few hundred events), and a 12-team ART with
20,000 events (the plan, then a long day of moves and edits). For each, ``state_at`` is timed at
moments spread over the history (37 events past a snapshot, and halfway between two), four ways:

- ``cold``: a fresh store (another process, or after a restart): it starts from the nearest snapshot
  the op path stored (every ``SNAPSHOT_EVERY`` events), or from now, and replays the rest;
- ``none stored``: the same on a board from before snapshots were stored: the replay starts from the
  start or goes backward from now, whichever is nearer (and stores the snapshots it meets);
- ``warm``: a store that answered the moments before (their snapshots decoded, in memory);
- ``scrub``: 50 random moments in a row on that store (what dragging the slider asks for; a moment
  far from those met first decodes its snapshot).

Then the edit path: single edits timed with snapshots kept and without, and what one snapshot
costs the background thread that writes it.

Prints a table, or JSON with ``--json``.

    .venv/bin/python bench/bench_state_at.py [--json] [--events 20000] [--teams 12] [--snapshot-every 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import delete

from board import Actor, BoardState, Op, Role
from board.demo import demo_ops
from server.store import board_store as store
from server.store.board_store import BoardStore, snapshot_due
from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from server.store.snapshots import SNAPSHOT, encode

RTE = Actor("rte", "RTE", Role.RTE)
BATCH = 500
FRACTIONS = (0.05, 0.25, 0.5, 0.75, 0.9)


class Sample(NamedTuple):
    wall_ms: float
    cpu_ms: float  # of the calling thread: what the call costs, whatever else the machine runs


def timed(fn: Callable[[], object]) -> Sample:
    start, cpu = time.perf_counter(), time.thread_time()
    fn()
    return Sample((time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000)


def summary(samples: list[Sample]) -> dict[str, float]:
    walls = [s.wall_ms for s in samples]
    return {
        "median_ms": round(statistics.median(walls), 1),
        "max_ms": round(max(walls), 1),
        "cpu_median_ms": round(statistics.median(s.cpu_ms for s in samples), 1),
    }


def art_plan(teams: int) -> list[Op]:
    ops = [Op("team.create", args={"id": f"t{n}", "name": f"Team {n}"}) for n in range(teams)]
    ops += [Op("iteration.create", args={"id": f"i{n}", "number": n + 1}) for n in range(5)]
    ops += [Op("iteration.create", args={"id": "ip", "number": 6, "is_ip": True})]
    for t in range(teams):
        for f in range(12):
            fid = f"f{t}-{f}"
            ops.append(
                Op(
                    "feature.create",
                    args={
                        "id": fid,
                        "title": f"Feature {fid}",
                        "team_id": f"t{t}",
                        "iteration_id": f"i{f % 5}",
                    },
                )
            )
            for s in range(8):
                ops.append(
                    Op(
                        "story.create",
                        args={
                            "id": f"s{t}-{f}-{s}",
                            "title": f"Story {s}",
                            "feature_id": fid,
                            "iteration_id": f"i{(f + s) % 5}",
                            "points": 1 + s % 5,
                        },
                    )
                )
    return ops


def day_of_edits(state: BoardState, rng: random.Random) -> list[Op]:
    """One batch of moves and edits, each on a different item, at its current version."""
    stories = rng.sample(sorted(state.items["story"]), BATCH // 2)
    features = rng.sample(sorted(state.items["feature"]), 20)
    ops = []
    for sid in stories:
        story = state.items["story"][sid]
        if rng.random() < 0.6:
            ops.append(Op("story.move", sid, story.version, {"iteration_id": f"i{rng.randrange(5)}"}))
        else:
            ops.append(Op("story.update", sid, story.version, {"points": rng.choice((1, 2, 3, 5, 8))}))
    for fid in features:
        feature = state.items["feature"][fid]
        ops.append(Op("feature.update", fid, feature.version, {"description": f"Edited {rng.random():.6f}"}))
    return ops


def build(op_path: OpPath, teams: int, events: int) -> str:
    plan = art_plan(teams)
    board_id = op_path.create_board(f"{teams}-team ART", RTE, then=lambda _board: plan)
    rng = random.Random(7)
    while op_path.state(board_id).seq < events:
        ops = day_of_edits(op_path.state(board_id), rng)
        op_path.submit_batch(board_id, ops[: events - op_path.state(board_id).seq], RTE)
    return board_id


def measure(op_path: OpPath, board_id: str, rng: random.Random) -> dict[str, Any]:
    engine, seq_now, every = op_path.engine, op_path.state(board_id).seq, store.SNAPSHOT_EVERY
    op_path.flush_snapshots()
    # Moments just past a snapshot and halfway between two (the farthest a replay goes).
    near = {round(seq_now * f) // every * every + off for f in FRACTIONS for off in (37, every // 2)}
    moments = sorted(m for m in near if 0 < m < seq_now)
    cold_stores = [BoardStore(engine) for _ in moments]
    cold = [
        timed(lambda s=s, r=r: r.state_at(board_id, s)) for s, r in zip(moments, cold_stores, strict=True)
    ]
    replayed = max(r.events_replayed for r in cold_stores)
    for reader in cold_stores:
        reader.flush_snapshots()
    # A board from before stored snapshots: none in the table (the replay stores those it meets).
    unstored = []
    for s in moments:
        forget_snapshots(engine)
        reader = BoardStore(engine)
        unstored.append(timed(lambda s=s, r=reader: r.state_at(board_id, s)))
        reader.flush_snapshots()
    forget_snapshots(engine)
    filling = BoardStore(engine)
    fill = timed(lambda: (filling.keep_snapshots(board_id), filling.flush_snapshots()))
    warm_store = BoardStore(engine)
    opened = timed(lambda: warm_store.keep_snapshots(board_id))  # what opening the history page starts
    for s in moments:  # met once: their snapshots are decoded and kept in memory
        warm_store.state_at(board_id, s)
    warm = [timed(lambda s=s: warm_store.state_at(board_id, s)) for s in moments]
    scrub = [timed(lambda: warm_store.state_at(board_id, rng.randrange(1, seq_now))) for _ in range(50)]
    return {
        "events": seq_now,
        "cold": summary(cold),
        "cold_events_replayed_max": replayed,
        "cold_none_stored": summary(unstored),
        "fill_missing_ms": round(fill.wall_ms, 1),
        "keep_snapshots_ms": round(opened.wall_ms, 1),
        "warm": summary(warm),
        "scrub": summary(scrub),
    }


def forget_snapshots(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(delete(SNAPSHOT))


def edit_path(op_path: OpPath, board_id: str, rng: random.Random, edits: int) -> dict[str, Any]:
    """Single edits (a story moved), as a person makes them, with snapshots kept and without."""
    figures: dict[str, Any] = {}
    every = store.SNAPSHOT_EVERY
    for label, snapshot_every in (("with_snapshots", every), ("without_snapshots", 2**31)):
        store.SNAPSHOT_EVERY = snapshot_every
        samples, on_snapshot = [], []
        for _ in range(edits):
            state = op_path.state(board_id)
            story = state.items["story"][rng.choice(sorted(state.items["story"]))]
            op = Op("story.move", story.id, story.version, {"iteration_id": f"i{rng.randrange(5)}"})
            took = timed(lambda op=op: op_path.submit(board_id, op, RTE))
            samples.append(took)
            if snapshot_due(op_path.state(board_id).seq):
                on_snapshot.append(took)
        op_path.flush_snapshots()
        figures[label] = {
            **summary(samples),
            "p99_ms": round(sorted(s.wall_ms for s in samples)[int(len(samples) * 0.99)], 1),
        }
        if on_snapshot:
            figures[label]["on_snapshot_max_ms"] = round(max(s.wall_ms for s in on_snapshot), 1)
    store.SNAPSHOT_EVERY = every
    state = op_path.state(board_id)
    writes = [timed(lambda: op_path.snapshot_writer.write(state)) for _ in range(5)]
    figures["snapshot_write"] = summary(writes)  # on the background thread: encode and store
    figures["snapshot_kb"] = round(len(encode(state)) / 1024, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=12)
    parser.add_argument("--snapshot-every", type=int, default=store.SNAPSHOT_EVERY)
    parser.add_argument("--edits", type=int, default=400, help="single edits timed for the edit path")
    options = parser.parse_args()
    store.SNAPSHOT_EVERY = options.snapshot_every
    rng = random.Random(1)
    results: dict[str, Any] = {"snapshot_every": store.SNAPSHOT_EVERY, "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        op_path = OpPath(make_engine(url))
        ops = demo_ops()
        demo = op_path.create_board("Demo ART", RTE, ops[0].args, then=lambda _board: ops[1:])
        # A process's first reads compile their SQL: done once here, outside the figures.
        BoardStore(op_path.engine).state_at(demo, 250)
        results["demo"] = measure(op_path, demo, rng)
        started = time.perf_counter()
        art = build(op_path, options.teams, options.events)
        results["build_s"] = round(time.perf_counter() - started, 1)
        results["art"] = measure(op_path, art, rng)
        results["art"]["teams"] = options.teams
        results["edits"] = edit_path(op_path, art, rng, options.edits)
    results["load_average"] = [*results["load_average"], *os.getloadavg()]
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"state_at on SQLite (a snapshot every {results['snapshot_every']} events), ms")
    columns = (
        "cold med",
        "cold max",
        "none med",
        "none max",
        "warm med",
        "warm max",
        "scrub med",
        "scrub max",
    )
    print(f"{'board':<16}{'events':>7}" + "".join(f"{c:>10}" for c in columns))
    for name, label in (("demo", "demo ART"), ("art", f"{options.teams}-team ART")):
        r = results[name]
        parts = ("cold", "cold_none_stored", "warm", "scrub")
        figures = [r[part][stat] for part in parts for stat in ("median_ms", "max_ms")]
        print(f"{label:<16}{r['events']:>7}" + "".join(f"{f:>10}" for f in figures))
    print("CPU of the calling thread, median ms (cold, none stored, warm, scrub):")
    for name in ("demo", "art"):
        r = results[name]
        cpu = [r[part]["cpu_median_ms"] for part in ("cold", "cold_none_stored", "warm", "scrub")]
        print(f"  {name}: " + ", ".join(str(c) for c in cpu))
    for name in ("demo", "art"):
        r = results[name]
        print(
            f"{name}: at most {r['cold_events_replayed_max']} events replayed cold; storing the missing "
            f"snapshots of a board from before them: {r['fill_missing_ms']} ms (once per board)"
        )
    edits = results["edits"]
    for label in ("with_snapshots", "without_snapshots"):
        e = edits[label]
        print(
            f"{options.edits} single edits {label.replace('_', ' ')}: median {e['median_ms']} ms "
            f"(CPU {e['cpu_median_ms']} ms), "
            f"p99 {e['p99_ms']} ms, max {e['max_ms']} ms"
            + (
                f" (max of those on a snapshot: {e['on_snapshot_max_ms']} ms)"
                if "on_snapshot_max_ms" in e
                else ""
            )
        )
    print(
        f"one snapshot written in the background: median {edits['snapshot_write']['median_ms']} ms "
        f"(CPU {edits['snapshot_write']['cpu_median_ms']} ms), "
        f"{edits['snapshot_kb']} KB"
    )
    load = ", ".join(f"{x:.1f}" for x in results["load_average"])
    print(f"(building the {options.teams}-team ART took {results['build_s']} s; load average {load})")


if __name__ == "__main__":
    main()
