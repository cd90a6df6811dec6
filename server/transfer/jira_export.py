"""The board as a Jira CSV export: features as Epics and stories as Stories in the columns Jira
itself writes, so Jira's CSV importer (and piboard's) takes it back."""

from __future__ import annotations

import csv
import io

from board.labels import iteration_label, team_name
from board.model import BoardState, Dependency, Feature, FeatureKind, Story, StoryStatus
from server.transfer.common import neutralise
from server.transfer.jira_items import feature_status, keyed_items


def export_jira_csv(state: BoardState) -> bytes:
    """Features as Epics and stories as Stories in the columns Jira itself exports (``Issue key``,
    ``Parent``, ``Custom field (Epic Name)``, one ``Sprint`` column, ``Custom field (Story
    Points)`` left empty when unknown, ``Outward issue link (Blocks)``): keys and sprint names as
    they came in, and every dependency as a Blocks link, so this importer rebuilds the board.
    Text cells are neutralised against spreadsheet formulas."""
    features = state.features
    stories = sorted(state.stories, key=lambda s: (s.feature_id or "", s.title))
    taken = {x.external_key for x in keyed_items(state)}
    keys: dict[str, str] = {}
    ids: dict[str, str] = {}
    n = 0
    items: list[Feature | Story] = [*features, *stories]
    for item in items:
        ids[item.id] = str(10_000 + len(ids))
        key = item.external_key
        while not key:
            n += 1
            key = f"PIB-{n}" if f"PIB-{n}" not in taken else ""
        keys[item.id] = key
    by_key = {key: item_id for item_id, key in keys.items()}
    outward: dict[str, list[str]] = {}
    inward: dict[str, list[str]] = {}
    for dep in state.of(Dependency).values():
        requester = _requester(dep, by_key)
        provider = dep.provider_story_id or dep.provider_feature_id
        if requester is None:
            continue
        if provider in keys:
            outward.setdefault(provider, []).append(keys[requester])
        elif dep.external_party:
            inward.setdefault(requester, []).append(dep.external_party)
    for s in stories:  # a team's stories in an order: Blocks links between them
        for first in s.after:
            if first in keys:
                outward.setdefault(first, []).append(keys[s.id])
    out_width = max((len(v) for v in outward.values()), default=0) or 1
    in_width = max((len(v) for v in inward.values()), default=0) or 1
    header = [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Parent",
        "Custom field (Epic Name)",
        "Sprint",
        "Custom field (Story Points)",
        "Team",
        "Labels",
        "Description",
        *["Outward issue link (Blocks)"] * out_width,
        *["Inward issue link (Blocks)"] * in_width,
    ]

    def links(item_id: str) -> list[str]:
        out, inn = outward.get(item_id, []), inward.get(item_id, [])
        return [*out, *[""] * (out_width - len(out)), *inn, *[""] * (in_width - len(inn))]

    status_name = {
        StoryStatus.TODO: "To Do",
        StoryStatus.IN_PROGRESS: "In Progress",
        StoryStatus.DONE: "Done",
        StoryStatus.BLOCKED: "Blocked",
    }
    rows: list[list[str]] = []
    for f in features:
        rows.append(
            [
                f.title,
                keys[f.id],
                ids[f.id],
                "Epic",
                status_name[feature_status(f.state)],
                "",
                f.title,
                iteration_label(state, f.iteration_id),
                "",
                team_name(state, f.team_id),
                "enabler" if f.feature_kind == FeatureKind.ENABLER else "",
                _description(f),
                *links(f.id),
            ]
        )
    for s in stories:
        rows.append(
            [
                s.title,
                keys[s.id],
                ids[s.id],
                "Story",
                status_name[s.status],
                ids.get(s.feature_id or "", ""),
                "",
                iteration_label(state, s.iteration_id),
                f"{s.points}.0" if s.points else "",
                team_name(state, s.team_id),
                "",
                "",
                *links(s.id),
            ]
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buf.getvalue().encode("utf-8")


def _requester(dep: Dependency, by_key: dict[str, str]) -> str | None:
    """The item that needs a dependency: the Jira issue it came from, else the requesting feature."""
    if dep.external_key and ">" in dep.external_key:
        found = by_key.get(dep.external_key.rsplit(">", 1)[1])
        if found is not None:
            return found
    return dep.requesting_feature_id


def _description(f: Feature) -> str:
    if f.acceptance:
        return f"{f.description}\n\nAcceptance criteria:\n{f.acceptance}".strip()
    return f.description
