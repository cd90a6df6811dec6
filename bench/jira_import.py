"""How long a Jira import of a 5,000-issue export takes: preview, apply onto a new board, and a
re-import preview and apply (5 % of the issues changed) onto the board it made.

The export is generated in the shape of a Jira Cloud company-managed export (repeated ``Sprint``,
``Component/s``, ``Watchers``, link and ``Comment`` columns, ``Custom field (…)`` columns, quoted
multi-line descriptions): 100 epics, stories, tasks and bugs across 10 components and 6 sprints
(Sprint 0 included), sub-tasks, and Blocks links inside and across teams and to other projects.
Runs the door functions (``server.transfer.jira_import``) on a temporary SQLite file and prints the figures;
``--json`` prints them as JSON.

    .venv/bin/python bench/jira_import.py [--issues 5000] [--json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.app import build_services
from server.settings import Settings
from server.transfer.files import IMPORTER
from server.transfer.jira_import import jira_apply, jira_new_board, jira_preview, jira_preview_new_board

HEADER = [
    "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
    "Priority", "Assignee", "Reporter", "Created", "Updated", "Component/s", "Component/s", "Labels",
    "Description", "Watchers", "Watchers", "Watchers", "Inward issue link (Blocks)",
    "Outward issue link (Blocks)", "Outward issue link (Relates)", "Attachment",
    "Custom field (Epic Link)", "Custom field (Epic Name)", "Custom field (Rank)",
    "Custom field (Story Points)", "Custom field (Story point estimate)", "Custom field (Team)",
    "Custom field (Development)", "Sprint", "Sprint", "Comment", "Comment", "Parent", "Status Category",
]  # fmt: skip
TEAMS = [
    f"Team {name}"
    for name in ("Ares", "Boreas", "Ceres", "Dione", "Eos", "Freya", "Gaia", "Hera", "Iris", "Juno")
]
SPRINTS = [f"BIG Sprint {n}" for n in range(6)]
STATUSES = [("To Do", "To Do"), ("In Progress", "In Progress"), ("Done", "Done")]


def export(issues: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    rows: list[dict[str, list[str]]] = []
    epics = [f"BIG-{n}" for n in range(1, 101)]
    for n, key in enumerate(epics, start=1):
        rows.append({"Summary": [f"Epic {n}"], "Issue key": [key], "Issue id": [str(100_000 + n)],
                     "Issue Type": ["Epic"], "Custom field (Epic Name)": [f"Epic {n}"],
                     "Component/s": [TEAMS[n % len(TEAMS)]]})  # fmt: skip
    stories: list[str] = []
    for n in range(101, issues + 1):
        key, kind = f"BIG-{n}", rng.choices(["Story", "Task", "Bug", "Sub-task"], [70, 12, 10, 8])[0]
        row: dict[str, list[str]] = {
            "Summary": [f"{kind} {n}: do the {rng.choice(['thing', 'other thing', 'migration'])}"],
            "Issue key": [key],
            "Issue id": [str(100_000 + n)],
            "Issue Type": [kind],
            "Description": [f"As a user I want {n}.\n\nAcceptance:\n* it works\n* it is fast"],
            "Watchers": ["Ann", "Bo"][: rng.randint(0, 2)],
            "Sprint": sorted(rng.sample(SPRINTS, rng.randint(0, 2)), key=SPRINTS.index),
            "Comment": [f"12/Mar/24 9:15 AM;5b10ac8d;note {n},\nsecond line"] if n % 7 == 0 else [],
        }
        if kind == "Sub-task" and stories:
            row["Parent"] = [str(100_000 + int(rng.choice(stories).split("-")[1]))]
        else:
            row["Custom field (Epic Link)"] = [rng.choice(epics)]
            row["Component/s"] = [rng.choice(TEAMS)]
            row["Custom field (Story Points)"] = [f"{rng.choice([1, 2, 3, 5, 8])}.0"]
            stories.append(key)
            if len(stories) > 5 and rng.random() < 0.1:
                row["Inward issue link (Blocks)"] = [rng.choice(stories[:-1])]
            if rng.random() < 0.01:
                row["Inward issue link (Blocks)"] = [f"EXT-{n}"]
        status = rng.choice(STATUSES)
        row["Status"], row["Status Category"] = [status[0]], [status[1]]
        rows.append(row)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        used: dict[str, int] = {}
        cells = []
        for header in HEADER:
            index = used.get(header, 0)
            used[header] = index + 1
            values = row.get(header, [])
            cells.append(values[index] if index < len(values) else "")
        writer.writerow(cells)
    return buf.getvalue().encode()


def changed(data: bytes, share: float, seed: int = 2) -> bytes:
    """The same export with ``share`` of the stories' points changed (a newer export)."""
    rng = random.Random(seed)
    text = data.decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    column = rows[0].index("Custom field (Story Points)")
    for row in rows[1:]:
        if row[column] and rng.random() < share:
            row[column] = "13.0"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode()


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
    with tempfile.TemporaryDirectory() as tmp:
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
