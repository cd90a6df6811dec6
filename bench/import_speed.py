"""Import speed: ``piboard import`` of a 12-team ART's JSON export, as its user runs it.

    .venv/bin/python bench/import_speed.py            # 3 runs; prints a table
    .venv/bin/python bench/import_speed.py --json

The ART: 12 teams of 8, six iterations (IP included), 150 features, 1,500 stories, 200 dependencies
(150 of them accepted). It is built through the op path on a scratch database and exported with
``piboard export -f json``; then each run imports that file with the command line, so the figure
includes the interpreter's start: ``cli_new_db`` into a fresh database (the schema's creation by the
migrations included), ``cli`` into a database already at the newest schema (a server's, the usual
case). ``import`` is the import alone (``export_door.import_board_file`` in this process, after a
warm-up run). All in wall-clock and CPU time (the machine may be shared: CPU time does not depend on
how busy it is, wall-clock time does).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli_startup import run as run_piboard  # noqa: E402  (bench/ is this script's folder)

from board import Actor, Op, Role  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store.storage import open_storage  # noqa: E402
from server.transfer import files as export_door  # noqa: E402

TEAMS = 12
FEATURES = 150
STORIES = 1500
DEPENDENCIES = 200
RTE = Actor("bench", "Bench", Role.RTE)


def art_ops(seed: int = 12) -> list[Op]:
    """The ops after ``board.create`` of the 12-team ART."""
    rng = random.Random(seed)
    ops: list[Op] = []
    for n in range(1, 7):
        ops.append(
            Op("iteration.create", args={"id": f"it{n}", "number": n, "name": f"I{n}", "is_ip": n == 6})
        )
    for t in range(TEAMS):
        ops.append(Op("team.create", args={"id": f"t{t}", "name": f"Team {t}"}))
        for m in range(8):
            role = "developer" if m < 6 else "tester"
            ops.append(
                Op(
                    "member.create",
                    args={"id": f"p{t}-{m}", "name": f"Person {t}.{m}", "team_id": f"t{t}", "role": role},
                )
            )
    for f in range(FEATURES):
        args = {"id": f"f{f}", "title": f"Feature {f}", "description": "A feature of the train. " * 4}
        ops.append(
            Op("feature.create", args={**args, "team_id": f"t{f % TEAMS}", "iteration_id": f"it{1 + f % 5}"})
        )
    for s in range(STORIES):
        f = s % FEATURES
        args = {"id": f"s{s}", "title": f"Story {s} of feature {f}", "points": rng.choice((1, 2, 3, 5, 8))}
        where = {
            "team_id": f"t{f % TEAMS}",
            "iteration_id": f"it{1 + rng.randrange(5)}",
            "feature_id": f"f{f}",
        }
        ops.append(Op("story.create", args={**args, **where}))
    for d in range(DEPENDENCIES):
        requesting, provider = d % FEATURES, (d * 7 + 3) % FEATURES
        if requesting % TEAMS == provider % TEAMS:
            provider = (provider + 1) % FEATURES
        args = {
            "id": f"d{d}",
            "need": f"Need {d}",
            "requesting_team_id": f"t{requesting % TEAMS}",
            "requesting_feature_id": f"f{requesting}",
            "provider_team_id": f"t{provider % TEAMS}",
        }
        ops.append(Op("dependency.create", args=args))
        if d < 150:
            accept = {"provider_feature_id": f"f{provider}"}
            ops.append(Op("dependency.accept", target=f"d{d}", base_version=1, args=accept))
    return ops


def settings_for(db: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{db}", secret_key="bench-" + "k" * 40, demo_on_empty=False)


def make_export(tmp: Path) -> Path:
    services = open_storage(settings_for(tmp / "source.db"))
    board_id = services.op_path.create_board("Twelve-team ART", RTE, then=lambda _: art_ops())
    file = export_door.export_file(
        services.op_path, export_door.Baselines(services.op_path), board_id, "json"
    )
    path = tmp / "art.json"
    path.write_bytes(file.content)
    services.engine.dispose()
    return path


def time_in_process(path: Path, tmp: Path, runs: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of each import (after a warm-up), and how many events one makes."""
    services = open_storage(settings_for(tmp / "inproc.db"))
    data = path.read_bytes()
    export_door.import_board_file(services.op_path, data)  # warm-up: imports, caches
    walls, cpus = [], []
    events = 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        _, events = export_door.import_board_file(services.op_path, data)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    services.engine.dispose()
    return walls, cpus, events


def time_cli(path: Path, db: Path) -> tuple[float, float]:
    env = {
        **os.environ,
        "PIBOARD_DATABASE_URL": f"sqlite:///{db}",
        "PIBOARD_SECRET_KEY": "bench-" + "k" * 40,
    }
    return run_piboard(["import", str(path)], env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = make_export(tmp)
        file_bytes = path.stat().st_size
        doc = json.loads(path.read_bytes())
        counts = {section: len(doc[section]) for section in ("teams", "features", "stories", "dependencies")}
        in_process, in_process_cpu, events = time_in_process(path, tmp, args.runs)
        new_db = [time_cli(path, tmp / f"cli-{run}.db") for run in range(args.runs)]
        open_storage(
            settings_for(tmp / "server.store.db")
        ).engine.dispose()  # a database at the newest schema
        cli = [time_cli(path, tmp / "server.store.db") for _ in range(args.runs)]
    out: dict[str, Any] = {
        "file_bytes": file_bytes,
        "items": counts,
        "events": events,
        "import_s": [round(t, 3) for t in in_process],
        "import_median_s": round(statistics.median(in_process), 3),
        "import_cpu_s": [round(t, 3) for t in in_process_cpu],
        "import_median_cpu_s": round(statistics.median(in_process_cpu), 3),
        "cli_wall_s": [round(w, 3) for w, _ in cli],
        "cli_cpu_s": [round(c, 3) for _, c in cli],
        "cli_median_wall_s": round(statistics.median(w for w, _ in cli), 3),
        "cli_median_cpu_s": round(statistics.median(c for _, c in cli), 3),
        "cli_new_db_wall_s": [round(w, 3) for w, _ in new_db],
        "cli_new_db_cpu_s": [round(c, 3) for _, c in new_db],
        "cli_new_db_median_wall_s": round(statistics.median(w for w, _ in new_db), 3),
        "cli_new_db_median_cpu_s": round(statistics.median(c for _, c in new_db), 3),
        "load_avg": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"12-team ART: {events} events; load average {out['load_avg']}")
    print(
        f"import (in process):      median {out['import_median_s']} s wall, "
        f"{out['import_median_cpu_s']} s CPU  {out['import_s']}"
    )
    print(
        f"piboard import (command): median {out['cli_median_wall_s']} s wall, "
        f"{out['cli_median_cpu_s']} s CPU  {out['cli_wall_s']}"
    )
    print(
        f"  into a new database:    median {out['cli_new_db_median_wall_s']} s wall, "
        f"{out['cli_new_db_median_cpu_s']} s CPU  {out['cli_new_db_wall_s']}"
    )


if __name__ == "__main__":
    main()
