"""How long a Jira import of a 5,000-issue export takes: preview, apply onto a new board, and a
re-import preview and apply (5 % of the issues changed) onto the board it made.

The export is ``tests/exports/big_jira.py``'s (a Jira Cloud company-managed export's shape).
Runs the door functions (``server.transfer.jira_import``) on a temporary SQLite file and prints the figures;
``--json`` prints them as JSON.

    .venv/bin/python bench/jira_import.py [--issues 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.app import build_services
from server.live.collector import no_full_collections
from server.settings import Settings
from server.transfer.files import IMPORTER
from server.transfer.jira_import import (
    jira_apply,
    jira_new_board,
    jira_preview,
    jira_preview_new_board,
)
from tests.exports.big_jira import changed, export

_CPU_MS: list[float] = []


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall-clock milliseconds of ``fn`` (its CPU time, which a busy machine does not inflate, is kept
    for ``cpu``)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    _CPU_MS.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - start) * 1000, result


def cpu() -> int:
    return round(_CPU_MS[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = export(args.issues)
    newer = changed(data, 0.05)
    figures: dict[str, Any] = {"issues": args.issues, "bytes": len(data)}
    # As while serving (server/live/collector.py) and in ``piboard import``: no automatic full collection.
    with no_full_collections(), tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", secret_file=Path(tmp) / "secret")
        op_path = build_services(settings).op_path
        ms, preview = timed(lambda: jira_preview_new_board(data))
        figures["preview_new_board"] = {"ms": round(ms), "cpu_ms": cpu(), "counts": preview.counts()}
        ms, (board_id, _) = timed(lambda: jira_new_board(op_path, data))
        figures["apply_new_board"] = {"ms": round(ms), "cpu_ms": cpu(), "events": op_path.state(board_id).seq}
        ms, (_, again) = timed(lambda: jira_preview(op_path, board_id, data, IMPORTER))
        figures["re_import_identical_preview"] = {"ms": round(ms), "cpu_ms": cpu(), "counts": again.counts()}
        ms, (_, later) = timed(lambda: jira_preview(op_path, board_id, newer, IMPORTER))
        figures["re_import_preview"] = {"ms": round(ms), "cpu_ms": cpu(), "counts": later.counts()}
        seq = op_path.state(board_id).seq
        ms, _ = timed(lambda: jira_apply(op_path, board_id, newer, IMPORTER))
        figures["re_import_apply"] = {
            "ms": round(ms),
            "cpu_ms": cpu(),
            "events": op_path.state(board_id).seq - seq,
        }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Jira import of {args.issues} issues ({len(data) / 1e6:.1f} MB)")
    for name, figure in figures.items():
        if isinstance(figure, dict):
            rest = ", ".join(f"{k} {v}" for k, v in figure.items() if k != "ms")
            print(f"  {name:<30} {figure['ms']:>7} ms   {rest}")


if __name__ == "__main__":
    main()
