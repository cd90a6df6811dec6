"""A Jira Cloud CSV export of any size, in the shape of a company-managed project's "Export Excel CSV
(all fields)": repeated ``Sprint``, ``Component/s``, ``Watchers``, link and ``Comment`` columns,
``Custom field (…)`` columns, quoted multi-line descriptions (the columns as Atlassian's "Export
issues" documentation and a real export list them; see tests/exports/jira/README.md). 100 epics, then
stories, tasks, bugs and sub-tasks across 10 components and 6 sprints, with Blocks links inside and
across teams and to other projects. Used by the big-board tests and ``bench/jira_import.py``."""

from __future__ import annotations

import csv
import io
import random

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
