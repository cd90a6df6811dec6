"""How long ``state_at`` takes: the board as it was at an earlier event, on a real SQLite file.

Two boards: the demo ART (8 teams, its whole plan as a few hundred events), and a 12-team ART with
20,000 events (the plan, then a long day of moves and edits). For each, ``state_at`` is timed at
moments spread over the history, three ways:

- ``cold``: a fresh store (another process, or after a restart): no snapshot yet, the replay starts
  from the start or goes backward from now, whichever is nearer;
- ``warm``: after ``keep_snapshots`` (which opening the history page starts in the background) met
  the whole history once, keeping a snapshot every ``SNAPSHOT_EVERY`` events: the usual case while
  someone scrubs the timeline;
- ``scrub``: 50 random moments in a row on a warm store (what dragging the slider asks for).

Prints a table, or JSON with ``--json``.

    .venv/bin/python bench/bench_state_at.py [--json] [--events 20000] [--teams 12]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from board import Actor, BoardState, Op, Role
from board.demo import demo_ops
from server import store
from server.db import make_engine, upgrade
from server.oppath import OpPath
from server.store import BoardStore

RTE = Actor("rte", "RTE", Role.RTE)
BATCH = 500


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


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


def build(oppath: OpPath, teams: int, events: int) -> str:
    plan = art_plan(teams)
    board_id = oppath.create_board(f"{teams}-team ART", RTE, then=lambda _board: plan)
    rng = random.Random(7)
    while oppath.state(board_id).seq < events:
        ops = day_of_edits(oppath.state(board_id), rng)
        oppath.submit_batch(board_id, ops[: events - oppath.state(board_id).seq], RTE)
    return board_id


def measure(engine: Any, board_id: str, seq_now: int, rng: random.Random) -> dict[str, Any]:
    # Moments between snapshots (a moment on a snapshot costs nothing to show).
    moments = sorted({max(1, round(seq_now * f) + 37) for f in (0.05, 0.25, 0.5, 0.75, 0.9)})
    cold = [timed(lambda s=s: BoardStore(engine).state_at(board_id, s)) for s in moments]
    warm_store = BoardStore(engine)
    opened = timed(lambda: warm_store.keep_snapshots(board_id))  # what opening the history page starts
    warm = [timed(lambda s=s: warm_store.state_at(board_id, s)) for s in moments]
    scrub = [timed(lambda: warm_store.state_at(board_id, rng.randrange(1, seq_now))) for _ in range(50)]
    return {
        "events": seq_now,
        "keep_snapshots_ms": round(opened, 1),
        "cold": summary(cold),
        "warm": summary(warm),
        "scrub": summary(scrub),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=12)
    options = parser.parse_args()
    rng = random.Random(1)
    results: dict[str, Any] = {"snapshot_every": store.SNAPSHOT_EVERY}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        oppath = OpPath(make_engine(url))
        ops = demo_ops()
        demo = oppath.create_board("Demo ART", RTE, ops[0].args, then=lambda _board: ops[1:])
        results["demo"] = measure(oppath.engine, demo, oppath.state(demo).seq, rng)
        started = time.perf_counter()
        art = build(oppath, options.teams, options.events)
        results["build_s"] = round(time.perf_counter() - started, 1)
        results["art"] = measure(oppath.engine, art, oppath.state(art).seq, rng)
        results["art"]["teams"] = options.teams
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"state_at on SQLite (a snapshot every {results['snapshot_every']} events), ms")
    columns = ("cold med", "cold max", "warm med", "warm max", "scrub med", "scrub max")
    print(f"{'board':<22}{'events':>8}" + "".join(f"{c:>11}" for c in columns))
    for name, label in (("demo", "demo ART"), ("art", f"{options.teams}-team ART")):
        r = results[name]
        figures = [r[part][stat] for part in ("cold", "warm", "scrub") for stat in ("median_ms", "max_ms")]
        print(f"{label:<22}{r['events']:>8}" + "".join(f"{f:>11}" for f in figures))
    for name in ("demo", "art"):
        print(f"keep_snapshots ({name}, once per process and board): {results[name]['keep_snapshots_ms']} ms")
    print(f"(building the {options.teams}-team ART took {results['build_s']} s)")


if __name__ == "__main__":
    main()
