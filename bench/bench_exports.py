"""How long the export and import doors take on the demo ART (8 teams, ~40 features, ~250 stories).

Runs the door functions the REST routes and the command line call (server.transfer.files) on a
temporary SQLite file: each export format, a JSON import (check on a scratch board + one write),
and a Jira preview and apply. Prints the figures; ``--json`` prints them as JSON.

    .venv/bin/python bench/bench_exports.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from board import Op
from server.app import build_services
from server.settings import Settings
from server.store.provision import FOUNDER, create_board_with_rte
from server.transfer.board_json import export_board
from server.transfer.files import (
    Baselines,
    export_file,
    format_names,
    import_board_file,
)
from server.transfer.jira_export import export_jira_csv
from server.transfer.jira_import import jira_apply, jira_preview


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in milliseconds over ``repeat`` runs, and the last result."""
    times = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", secret_file=Path(tmp) / "secret")
        services = build_services(settings)
        op_path = services.op_path
        board_id, _, _ = create_board_with_rte(services, "Bench ART", demo=True)
        op_path.submit_batch(board_id, [Op("baseline.take")], FOUNDER)
        baselines = Baselines(op_path)
        state = op_path.state(board_id)
        kinds = ("team", "feature", "story", "dependency", "risk")
        figures["board"] = {kind: len(state.items[kind]) for kind in kinds}
        figures["events"] = state.seq

        exports = {}
        for name in format_names():
            repeat = 1 if name == "pdf" else args.repeat
            ms, file = timed(lambda n=name: export_file(op_path, baselines, board_id, n), repeat)
            exports[name] = {"ms": round(ms, 1), "bytes": len(file.content)}
        figures["export"] = exports

        data = json.dumps(export_board(state)).encode()
        ms, _ = timed(lambda: import_board_file(op_path, data), args.repeat)
        figures["import_json"] = {"ms": round(ms, 1), "bytes": len(data), "source_events": state.seq}

        bare = export_board(state)
        for section in ("features", "stories", "dependencies", "objectives"):
            bare[section] = []
        jira = export_jira_csv(state)
        ms, _ = timed(lambda: jira_preview(op_path, board_id, jira, FOUNDER), args.repeat)
        figures["jira_preview"] = {"ms": round(ms, 1), "bytes": len(jira), "lines": len(jira.splitlines())}

        def apply_on_a_bare_board() -> int:
            target, _ = import_board_file(op_path, json.dumps(bare))
            return len(jira_apply(op_path, target, jira, FOUNDER)[1])

        ms, created = timed(apply_on_a_bare_board, args.repeat)
        figures["jira_apply_incl_bare_board"] = {"ms": round(ms, 1), "events": created}
        services.engine.dispose()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"board: {figures['board']}, {figures['events']} events")
    for name, f in figures["export"].items():
        print(f"export {name:<20} {f['ms']:>9.1f} ms {f['bytes']:>10,} bytes")
    for key in ("import_json", "jira_preview", "jira_apply_incl_bare_board"):
        print(f"{key:<27} {figures[key]['ms']:>9.1f} ms  {json.dumps(figures[key])}")


if __name__ == "__main__":
    main()
