"""Writes ``jira-demo-art.csv``: the demo ART (``board/demo.py``) as a Jira Cloud company-managed
project would export it with "Export Excel CSV (current fields)", to try ``piboard import --jira``.

The shape is Jira's, not piboard's export: keys ``SHOP-n``, one ``Sprint`` column per sprint an
issue was in, ``Custom field (Story Points)`` as ``5.0``, the Atlassian team in ``Custom field
(Team)``, epics named in ``Custom field (Epic Name)``, children pointing at their epic's id in
``Parent``, ``Blocks`` links in both directions, dates as ``11/Jan/27 9:00 AM``, CRLF line ends.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from board.demo import demo_ops
from board.model import BoardState, Feature, Iteration, Role, Story, StoryStatus, Team
from board.ops import Context, apply_op
from board.roles import Actor

PROJECT = ("SHOP", "Aurora Commerce")
STATUS = {StoryStatus.TODO: ("To Do", "To Do"), StoryStatus.IN_PROGRESS: ("In Progress", "In Progress")}


def demo_state() -> BoardState:
    state = BoardState("demo")
    ids = itertools.count(1)
    rte = Actor("rte", "RTE", Role.RTE)
    for n, op in enumerate(demo_ops()):
        apply_op(state, op, rte, Context(now=1_800_000_000.0 + n, new_id=lambda: f"d{next(ids)}", seq=n + 1))
    return state


def main() -> None:
    state = demo_state()
    items: list[Feature | Story] = [*state.features, *sorted(state.stories, key=lambda s: s.id)]
    key = {item.id: f"SHOP-{n}" for n, item in enumerate(items, start=1)}
    issue_id = {item.id: str(10_000 + n) for n, item in enumerate(items, start=1)}
    blocks: dict[str, list[str]] = {}
    blocked_by: dict[str, list[str]] = {}
    for dep in state.dependencies:
        provider = dep.provider_story_id or dep.provider_feature_id
        if provider in key and dep.requesting_feature_id in key:
            blocks.setdefault(provider, []).append(key[dep.requesting_feature_id])
            blocked_by.setdefault(dep.requesting_feature_id, []).append(key[provider])
    width_out = max(map(len, blocks.values()), default=1)
    width_in = max(map(len, blocked_by.values()), default=1)
    header = [
        "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
        "Project type", "Priority", "Reporter", "Created", "Updated", "Labels", "Description",
        "Sprint", "Custom field (Story Points)", "Custom field (Team)", "Custom field (Epic Name)",
        "Parent", "Parent summary",
        *["Outward issue link (Blocks)"] * width_out, *["Inward issue link (Blocks)"] * width_in,
        "Status Category",
    ]  # fmt: skip
    rows = []
    for item in items:
        team = state.get(Team, item.team_id)
        sprint = state.get(Iteration, item.iteration_id)
        parent = state.get(Feature, item.feature_id) if isinstance(item, Story) else None
        status = STATUS.get(item.status, ("Done", "Done")) if isinstance(item, Story) else ("To Do", "To Do")
        out = blocks.get(item.id, [])
        inn = blocked_by.get(item.id, [])
        rows.append(
            [
                item.title, key[item.id], issue_id[item.id],
                "Story" if isinstance(item, Story) else "Epic", status[0], *PROJECT, "software",
                "Medium", "Rita Engel", "04/Jan/27 9:00 AM", "08/Jan/27 4:30 PM",
                "enabler" if isinstance(item, Feature) and item.feature_kind.value == "enabler" else "",
                item.description if isinstance(item, Feature) else "",
                sprint.name if sprint else "",
                f"{item.points}.0" if isinstance(item, Story) and item.points else "",
                team.name if team else "",
                item.title if isinstance(item, Feature) else "",
                issue_id[parent.id] if parent else "", parent.title if parent else "",
                *out, *[""] * (width_out - len(out)), *inn, *[""] * (width_in - len(inn)),
                status[1],
            ]
        )  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    Path(__file__).with_name("jira-demo-art.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
