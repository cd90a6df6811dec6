"""The ops that apply a Jira import's preview to the board it was previewed against: new teams and
iterations first, then features, stories, the order of stories, dependencies and removals. A
re-import finds the items by their Jira key and names the version of each it changes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from board.core import Op
from board.model import BoardState, Feature, FeatureState, Iteration, Story, StoryStatus, Team
from server.transfer.jira_items import board_values, keyed_items, link_key
from server.transfer.jira_preview import (
    CREATE,
    DEPENDENCY,
    EXTERNAL,
    ORDER,
    SKIP,
    UPDATE,
    JiraPreview,
    RowFate,
)


def import_ops(
    preview: JiraPreview, state: BoardState, *, new_id: Callable[[], str] | None = None
) -> list[Op]:
    """The ops that apply ``preview`` to ``state`` (the board it was previewed against)."""
    return _OpsBuilder(preview, state, new_id or (lambda: uuid.uuid4().hex[:20])).build()


def _dated(start: str | None, end: str | None) -> dict[str, Any]:
    """An iteration's dates from its sprint's, and its length in weeks (1–6) when both are known."""
    out: dict[str, Any] = {k: v for k, v in (("start", start), ("end", end)) if v}
    if start and end and end >= start:
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
        out["weeks"] = min(6, max(1, round(days / 7)))
    return out


def _feature_state(status: str, planned: bool) -> FeatureState:
    if status == StoryStatus.DONE.value:
        return FeatureState.DONE
    if status == StoryStatus.IN_PROGRESS.value:
        return FeatureState.IN_PROGRESS
    return FeatureState.PLANNED if planned else FeatureState.FUNNEL


class _OpsBuilder:
    def __init__(self, preview: JiraPreview, state: BoardState, new_id: Callable[[], str]) -> None:
        self.preview = preview
        self.state = state
        self.new_id = new_id
        # Each import's ops are its own: a second import by the same person is not a resend of the first.
        self.run = new_id()
        self.ops: list[Op] = []
        self.teams = {t.name.lower(): t.id for t in state.of(Team).values()}
        self.iterations = {i.number: i.id for i in state.of(Iteration).values()}
        self.items: dict[str, tuple[str, str]] = {}  # key -> (kind, id)
        self.planned = {
            r.key: r.values for r in preview.rows if r.fate != SKIP and r.kind in ("feature", "story")
        }
        self.versions: dict[str, int] = {}
        for item in keyed_items(state):
            self.items.setdefault(item.external_key, (item.kind, item.id))
            self.versions[item.id] = item.version

    def op_id(self, op_type: str) -> str:
        return f"jira:{self.run}:{len(self.ops)}:{op_type}"

    def add(self, op_type: str, args: dict[str, Any], target: str | None = None) -> None:
        base = None
        if target is not None:
            base = self.versions[target]
            self.versions[target] = base + 1
        self.ops.append(Op(op_type, target, base, args, client_op_id=self.op_id(op_type)))

    def build(self) -> list[Op]:
        for name in self.preview.new_teams:
            self.teams[name.lower()] = self.new_id()
            self.add("team.create", {"id": self.teams[name.lower()], "name": name})
        dates = {name[:60].strip(): days for name, days in self.preview.offer.sprint_dates.items()}
        for number, name in self.preview.new_iterations:
            self.iterations[number] = self.new_id()
            args = {
                "id": self.iterations[number],
                "number": number,
                "name": name,
                **_dated(*dates.get(name, (None, None))),
            }
            self.add("iteration.create", args)
        rows = [r for r in self.preview.rows if r.fate in (CREATE, UPDATE)]
        for kind in ("feature", "story"):
            for row in rows:
                if row.kind == kind:
                    self._row(row)
        self._orders()
        self._dependencies()
        self._removals()
        return self.ops

    def _args(self, row: RowFate, values: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for name, value in values.items():
            if name == "title":
                args["title"] = value
            elif name == "team":
                args["team_id"] = self.teams.get(value.lower()) if value else None
            elif name == "iteration":
                args["iteration_id"] = self.iterations.get(value) if value is not None else None
            elif name == "points":
                args["points"] = value
            elif name == "status" and row.kind == "story":
                args["status"] = value
            elif name == "parent" and row.kind == "story":
                parent = self.items.get(value)
                args["feature_id"] = parent[1] if parent and parent[0] == "feature" else None
        if row.kind == "feature" and ("status" in values or "iteration" in values):
            full = row.values
            args["state"] = _feature_state(full["status"], full["iteration"] is not None).value
        return args

    def _row(self, row: RowFate) -> None:
        snapshot = dict(row.values)
        if row.fate == CREATE:
            item_id = self.new_id()
            self.items[row.key] = (row.kind, item_id)
            self.versions[item_id] = 0
            args = {
                "id": item_id,
                **self._args(row, row.values),
                **row.extra,
                "external_key": row.key,
                "imported": snapshot,
            }
            self.ops.append(
                Op(f"{row.kind}.create", args=args, client_op_id=self.op_id(f"{row.kind}.create"))
            )
            self.versions[item_id] = 1
            return
        _, item_id = self.items[row.key]
        changed = {c.field: c.file for c in row.changes if c.winner == "file"}
        self.add(f"{row.kind}.update", {**self._args(row, changed), "imported": snapshot}, item_id)

    def _orders(self) -> None:
        after: dict[str, list[str]] = {}
        for link in self.preview.links:
            if link.fate == ORDER:
                after.setdefault(link.requester, []).append(self.items[link.provider][1])
        for key, firsts in after.items():
            _, story_id = self.items[key]
            story = self.state.get(Story, story_id)
            current = story.after if story else []
            wanted = list(dict.fromkeys([*current, *firsts]))
            if wanted != current:
                self.add("story.update", {"after": wanted}, story_id)

    def _dependencies(self) -> None:
        for link in self.preview.links:
            if link.fate not in (DEPENDENCY, EXTERNAL):
                continue
            r_kind, r_id = self.items[link.requester]
            requester = self._item(link.requester)
            args: dict[str, Any] = {
                "id": self.new_id(),
                "need": f"{link.provider} blocks {link.requester}"[:300],
                "requesting_team_id": self.teams.get((requester["team"] or "").lower()),
                "requesting_feature_id": r_id
                if r_kind == "feature"
                else self._feature_id(requester["parent"]),
                "external_key": link_key(link.provider, link.requester),
            }
            if r_kind == "story" and requester["iteration"] is not None:
                args["needed_by_iteration_id"] = self.iterations.get(requester["iteration"])
            if link.fate == EXTERNAL:
                args["external_party"] = link.provider[:80]
            else:
                p_kind, p_id = self.items[link.provider]
                provider = self._item(link.provider)
                args["provider_team_id"] = self.teams.get(provider["team"].lower())
                args["provider_story_id" if p_kind == "story" else "provider_feature_id"] = p_id
            self.ops.append(Op("dependency.create", args=args, client_op_id=self.op_id("dependency.create")))

    def _item(self, key: str) -> dict[str, Any]:
        """The values an item will have after this import: the file's row, else the board's."""
        if key in self.planned:
            return self.planned[key]
        kind, item_id = self.items[key]
        item: Feature | Story | None = (
            self.state.get(Feature, item_id) if kind == "feature" else self.state.get(Story, item_id)
        )
        assert item is not None, "a link end is a row of the file or an item on the board"
        return board_values(self.state, item)

    def _feature_id(self, key: str) -> str | None:
        found = self.items.get(key)
        return found[1] if found and found[0] == "feature" else None

    def _removals(self) -> None:
        for gone in sorted(self.preview.gone, key=lambda g: g.kind != "story"):
            if gone.action == "delete":
                _, item_id = self.items[gone.key]
                self.add(f"{gone.kind}.delete", {}, item_id)
