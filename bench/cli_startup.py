"""Command-line start-up: how long ``piboard --help`` (and ``--version``) take to answer.

    .venv/bin/python bench/cli_startup.py           # 5 runs each; prints the medians
    .venv/bin/python bench/cli_startup.py --json

Each run is a new interpreter, as a person typing the command gets. Wall-clock and CPU time (user +
system) are shown: on a shared machine the wall clock includes waiting for a core, CPU time does not.
``modules`` is how many modules ``import server.cli`` loads (the commands import the rest when run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """``piboard ARGS`` in a new interpreter: (wall-clock, CPU) seconds. bench/import_speed.py uses it too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, cwd=ROOT, check=True, capture_output=True
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def modules_loaded() -> int:
    code = "import sys, server.cli; print(len(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    out: dict[str, Any] = {"load_avg": round(os.getloadavg()[0], 2), "modules": modules_loaded()}
    baseline = [run_python() for _ in range(args.runs)]
    out["python_alone"] = {"wall_s": round(statistics.median(w for w, _ in baseline), 3)}
    for name, command in (("help", ["--help"]), ("version", ["--version"])):
        runs = [run(command) for _ in range(args.runs)]
        out[name] = {
            "wall_s": round(statistics.median(w for w, _ in runs), 3),
            "cpu_s": round(statistics.median(c for _, c in runs), 3),
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"load average {out['load_avg']}; import server.cli loads {out['modules']} modules")
    print(f"python -c pass:     {out['python_alone']['wall_s']} s wall")
    for name in ("help", "version"):
        print(f"piboard --{name:<8} {out[name]['wall_s']} s wall, {out[name]['cpu_s']} s CPU (median)")


def run_python() -> tuple[float, float]:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0, 0.0


if __name__ == "__main__":
    main()
