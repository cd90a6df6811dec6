"""Jira import: a CSV export becomes a preview of every row's fate (the board's own export for Jira
is :mod:`server.transfer.jira_export`).

``preview_jira(data, state, choices)`` reads the file (:mod:`server.transfer.jira_file`),
proposes a mapping (:mod:`server.transfer.jira_mapping`) changed by ``choices``, and plans what
happens to every row, with its line: created, updated (field by field, conflicts marked),
unchanged, counted into its parent, or skipped and why. It plans the links and their fate, the
items gone from the file, the teams and iterations it creates and the columns it did not use; the
result is a :class:`~server.transfer.jira_preview.JiraPreview`, and
:func:`server.transfer.jira_ops.import_ops` gives the ops that apply it (a re-import finds items by key).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from board.model import (
    BoardState,
    Dependency,
    Feature,
    FeatureKind,
    Iteration,
    Story,
    Team,
    holds_feature_work,
)
from server.transfer.common import Problem
from server.transfer.jira_file import JiraFile, JiraRow, read_jira_file
from server.transfer.jira_items import board_values, keyed_items, link_key
from server.transfer.jira_mapping import (
    ID_HEADERS,
    KEY_HEADERS,
    LINK_HEADER,
    PARENT_HEADERS,
    PROJECT_HEADERS,
    STATUS_HEADERS,
    TYPE_HEADERS,
    Candidates,
    JiraMapping,
    candidates,
    choose,
    detect,
    iteration_named,
    sprints_of,
)
from server.transfer.jira_preview import (
    COUNTED,
    CREATE,
    DEPENDENCY,
    EXTERNAL,
    IGNORED,
    KEPT,
    ORDER,
    SKIP,
    UNCHANGED,
    UPDATE,
    FieldChange,
    Gone,
    JiraPreview,
    LinkFate,
    RowFate,
)

MAX_TITLE = 200
BLOCKS = "blocks"
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-\d+$")


def preview_jira(
    data: bytes | str,
    state: BoardState,
    choices: list[str] | None = None,
    *,
    allowed_kinds: Collection[str] = ("feature", "story"),
) -> JiraPreview:
    """What importing ``data`` into ``state`` does with the proposed mapping changed by ``choices``.

    ``allowed_kinds``: what the person importing may create (Product Management: features only);
    rows of the other kinds are skipped with the reason."""
    return preview_jira_file(read_jira_file(data), state, choices, allowed_kinds=allowed_kinds)


def preview_jira_file(
    jira: JiraFile,
    state: BoardState,
    choices: list[str] | None = None,
    *,
    allowed_kinds: Collection[str] = ("feature", "story"),
    partial: bool = False,
) -> JiraPreview:
    """:func:`preview_jira` of a file already read (or laid out from a tracker's issues). ``partial``:
    the file holds only some of the project's issues (a sync's changes), so none is gone for missing."""
    offer = candidates(jira)
    mapping = detect(jira, state, state.meta.import_mapping if state.items["meta"] else None, offer)
    mapping = choose(mapping, choices or [], jira=jira)
    return _Planner(jira, state, mapping, offer, set(allowed_kinds), partial=partial).plan()


# --- planning ------------------------------------------------------------------------------------------


@dataclass
class _Issue:
    row: JiraRow
    key: str
    issue_id: str
    type: str
    kind: str
    title: str
    fate: RowFate


class _Planner:
    def __init__(
        self,
        jira: JiraFile,
        state: BoardState,
        mapping: JiraMapping,
        offer: Candidates,
        allowed: set[str],
        *,
        partial: bool,
    ) -> None:
        self.jira = jira
        self.partial = partial
        self.state = state
        self.mapping = mapping
        self.allowed = allowed
        self.preview = JiraPreview(mapping, offer)
        self.teams = {t.name.lower(): t.name for t in state.of(Team).values()}
        self.on_board: dict[str, Feature | Story] = {}
        for item in keyed_items(state):
            self.on_board.setdefault(item.external_key, item)
        self.iterations = {i.number: i for i in state.of(Iteration).values()}
        self.preview.iterations = [(i.number, i.name) for i in state.iterations]
        self.sprint_numbers = self._sprint_numbers()
        self.issues: list[_Issue] = []
        self.by_ref: dict[str, _Issue] = {}

    def plan(self) -> JiraPreview:
        self._read_rows()
        features = [i for i in self.issues if i.kind == "feature" and i.fate.fate != SKIP]
        stories = [i for i in self.issues if i.kind == "story" and i.fate.fate != SKIP]
        for issue in features:
            self._plan_feature(issue)
        for issue in stories:
            self._plan_story(issue)
        for issue in self.issues:
            if issue.kind == "subtask" and issue.fate.fate != SKIP:
                self._count_subtask(issue)
        kids_of: dict[str, list[_Issue]] = {}
        for story in stories:
            if story.fate.fate != SKIP and story.fate.values.get("parent"):
                kids_of.setdefault(story.fate.values["parent"], []).append(story)
        for issue in features:
            self._place_feature(issue, kids_of.get(issue.key, []))
        for issue in features + stories:
            if issue.fate.fate != SKIP:
                self._compare(issue)
        self._links()
        if not self.partial:
            self._gone()
        self._unused_columns()
        self.preview.rows = [i.fate for i in self.issues]
        return self.preview

    # -- rows

    def _read_rows(self) -> None:
        seen: set[str] = set()
        for row in self.jira.rows:
            key = self.jira.value(row, *KEY_HEADERS)
            issue_id = self.jira.value(row, *ID_HEADERS)
            issue_type = self.jira.value(row, *TYPE_HEADERS) or "(empty)"
            kind = self.mapping.kind_of(issue_type)
            title = " ".join(self.jira.value(row, "Summary").split())
            fate = RowFate(row.line, key or issue_id, issue_type, CREATE, kind, title)
            fate.points_in_file = self._points(row, fate, warn=False)
            issue = _Issue(row, key or issue_id, issue_id, issue_type, kind, title, fate)
            self.issues.append(issue)
            reason = self._refusal(issue, seen)
            if reason:
                fate.fate, fate.reason = SKIP, reason
            seen.add(issue.key)
        # A row is named by its key; by its issue id only where no key is the same text.
        for issue in self.issues:
            self.by_ref.setdefault(issue.key, issue)
        for issue in self.issues:
            if issue.issue_id:
                self.by_ref.setdefault(issue.issue_id, issue)

    def _refusal(self, issue: _Issue, seen: set[str]) -> str:
        if not issue.key:
            return "no Issue key or Issue id"
        if issue.key in seen:
            return "this issue key appears twice in the file"
        if issue.kind == "skip":
            return f"issue type '{issue.type}' is mapped to skip"
        if not issue.title:
            return "no Summary"
        if len(issue.key) > 40:
            return "issue key longer than 40 characters"
        if issue.kind in ("feature", "story") and issue.kind not in self.allowed:
            return f"{issue.kind}s are created by the teams or the RTE, not by your role"
        if issue.kind == "subtask" and "story" not in self.allowed:
            return "sub-tasks count into stories, which the teams or the RTE import"
        on_board = self.on_board.get(issue.key)
        if on_board is not None and on_board.kind != issue.kind:
            return (
                f"on the board as a {on_board.kind}, here mapped to {issue.kind}: "
                f"map type:{issue.type}={on_board.kind} to update it"
            )
        if len(issue.title) > MAX_TITLE:
            self._warn(issue, f"summary longer than {MAX_TITLE} characters: shortened")
            issue.title = issue.fate.title = issue.title[: MAX_TITLE - 1].rstrip() + "…"
        return ""

    def _warn(self, issue: _Issue, message: str) -> None:
        self.preview.warnings.append(Problem(issue.row.line, message, issue.key))

    def _points(self, row: JiraRow, fate: RowFate, *, warn: bool) -> int:
        for header in self.mapping.points_columns:
            raw = self.jira.value(row, header).replace(",", ".")
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                if warn:
                    self.preview.warnings.append(
                        Problem(
                            row.line, f"story points '{raw[:20]}' in '{header}' are not a number", fate.key
                        )
                    )
                continue
            if not math.isfinite(value) or not 0 <= value <= 100:
                if warn:
                    self.preview.warnings.append(
                        Problem(row.line, f"story points {raw[:20]} are outside 0–100: not counted", fate.key)
                    )
                return 0
            if not value.is_integer() and warn:
                self.preview.warnings.append(
                    Problem(row.line, f"story points {raw} rounded up to {math.ceil(value)}", fate.key)
                )
            return math.ceil(value)
        return 0

    # -- teams and iterations

    def _team(self, name: str) -> str | None:
        name = " ".join(name.split())[:60]
        if not name:
            return None
        found = self.teams.get(name.lower())
        if found is None and self.mapping.create_teams:
            self.teams[name.lower()] = found = name
            self.preview.new_teams.append(name)
        return found

    def _team_in_file(self, row: JiraRow) -> str:
        return self.jira.value(row, self.mapping.team_column) if self.mapping.team_column else ""

    def _sprint_numbers(self) -> dict[str, int | None]:
        """Each sprint of the file -> the iteration number it maps to (None: the backlog)."""
        out: dict[str, int | None] = {}
        taken = set(self.iterations)
        new = [
            s
            for s in self.preview.offer.sprints
            if self.mapping.sprints.get(s, "new") == "new" and iteration_named(self.state, s) is None
        ]
        numbers = [re.findall(r"\d+", s) for s in new]
        own = [int(n[-1]) for n in numbers if n]
        if (
            len(own) == len(new)
            and len(set(own)) == len(own)
            and all(1 <= n <= 30 and n not in taken for n in own)
        ):
            proposed = dict(zip(new, own, strict=True))
        else:
            start = max(taken, default=0)
            proposed = {s: start + n for n, s in enumerate(new, start=1)}
        for sprint in self.preview.offer.sprints:
            target = self.mapping.sprints.get(sprint, "new")
            made = iteration_named(self.state, sprint)
            if target == "new" and made is not None:
                out[sprint] = made.number  # made by an earlier import
            elif target == "backlog":
                out[sprint] = None
            elif target == "new":
                number = proposed[sprint]
                if number > 30:
                    self.preview.warnings.append(
                        Problem(
                            None,
                            f"sprint '{sprint}': a board holds iterations 1–30 only; left in the backlog",
                        )
                    )
                    out[sprint] = None
                    continue
                out[sprint] = number
                self.preview.new_iterations.append((number, sprint[:60].strip()))
            else:
                number = int(target)
                if number not in self.iterations:
                    self.preview.warnings.append(
                        Problem(
                            None, f"sprint '{sprint}': there is no iteration {number} on the board; backlog"
                        )
                    )
                out[sprint] = number if number in self.iterations else None
        return out

    def _iteration(self, issue: _Issue) -> int | None:
        sprints = [sprint.name for sprint in sprints_of(self.jira, issue.row)]
        if not sprints:
            return None
        number = self.sprint_numbers.get(sprints[-1])
        existing = self.iterations.get(number) if number is not None else None
        if existing is not None and not holds_feature_work(existing):
            self._warn(
                issue, f"sprint '{sprints[-1]}' is the IP iteration, which holds no feature work: backlog"
            )
            return None
        return number

    def _parent(self, issue: _Issue) -> tuple[str, _Issue | None]:
        """The parent's key, and its row when it is in the file."""
        for header in PARENT_HEADERS:
            for ref in self.jira.values(issue.row, header):
                parent = self.by_ref.get(ref)
                if parent is not None:
                    return parent.key, parent
                if ref in self.on_board:
                    return ref, None
        return "", None

    # -- features and stories

    def _plan_feature(self, issue: _Issue) -> None:
        named = self._team_in_file(issue.row)
        issue.fate.values = {
            "title": issue.title,
            "team": self._team(named) if named else None,
            "iteration": self._iteration(issue),
            "status": self.mapping.status_of(self.jira.value(issue.row, *STATUS_HEADERS)).value,
            "parent": "",
        }
        labels = " ".join(self.jira.values(issue.row, "Labels")).lower().split()
        enabler = issue.type.lower() == "enabler" or "enabler" in labels
        issue.fate.extra = {
            "description": self.jira.raw(issue.row, "Description").strip()[:4000],
            "feature_kind": (FeatureKind.ENABLER if enabler else FeatureKind.FEATURE).value,
        }
        if issue.fate.points_in_file:
            self._warn(issue, f"a {issue.type}'s own {issue.fate.points_in_file} points are not counted")

    def _plan_story(self, issue: _Issue) -> None:
        parent_key, parent = self._parent(issue)
        feature_key = ""
        if parent is not None and parent.kind == "feature" and parent.fate.fate != SKIP:
            feature_key = parent.key
        elif parent is None and parent_key and self.on_board[parent_key].kind == "feature":
            feature_key = parent_key
        named = self._team_in_file(issue.row)
        team = self._team(named) if named else None
        if team is None and not named and parent is not None and feature_key:
            team = parent.fate.values.get("team")
        if team is None and not named and feature_key and parent is None:
            on_board = self.state.get(Team, self.on_board[feature_key].team_id)
            team = on_board.name if on_board else None
        if team is None and not named and self.mapping.default_team:
            team = self._team(self.mapping.default_team)
        if team is None:
            issue.fate.fate = SKIP
            issue.fate.reason = (
                f"no team named '{named}' on this board (choose to create teams)"
                if named
                else "no team: choose a team column or a default team"
            )
            return
        issue.fate.values = {
            "title": issue.title,
            "team": team,
            "iteration": self._iteration(issue),
            "points": self._points(issue.row, issue.fate, warn=True),
            "status": self.mapping.status_of(self.jira.value(issue.row, *STATUS_HEADERS)).value,
            "parent": feature_key,
        }
        if parent_key and not feature_key:
            self._warn(issue, f"parent '{parent_key}' is not an imported epic: the story has no feature")

    def _count_subtask(self, issue: _Issue) -> None:
        _, parent = self._parent(issue)
        if parent is None or parent.kind != "story" or parent.fate.fate == SKIP:
            issue.fate.fate = SKIP
            issue.fate.reason = "a sub-task whose story is not imported"
            return
        points = self._points(issue.row, issue.fate, warn=True)
        parent.fate.values["points"] = min(100, parent.fate.values["points"] + points)
        issue.fate.fate = COUNTED
        issue.fate.values = {"points": points}
        issue.fate.reason = f"counted into {parent.key}" + (f" (+{points} points)" if points else "")

    def _place_feature(self, issue: _Issue, kids: list[_Issue]) -> None:
        """A feature without a team or a sprint goes where its stories (``kids``, not skipped) are."""
        values = issue.fate.values
        if values["team"] is None and not self._team_in_file(issue.row):
            kid_teams = {k.fate.values["team"] for k in kids}
            values["team"] = kid_teams.pop() if len(kid_teams) == 1 else None
        if values["iteration"] is None and not sprints_of(self.jira, issue.row) and values["team"]:
            planned = [k.fate.values["iteration"] for k in kids if k.fate.values["team"] == values["team"]]
            numbers = [n for n in planned if n is not None]
            values["iteration"] = max(numbers) if numbers else None

    # -- re-import

    def _compare(self, issue: _Issue) -> None:
        item = self.on_board.get(issue.key)
        if item is None:
            return
        board = board_values(self.state, item)
        fate = issue.fate
        snapshot = item.imported
        for name, file_value in fate.values.items():
            board_value = board.get(name)
            if board_value == file_value:
                continue
            if name in snapshot and snapshot[name] == board_value:
                fate.changes.append(FieldChange(name, board_value, file_value, False, "file"))
            elif name in snapshot and snapshot[name] == file_value:
                continue  # edited on the board; the file has not changed since: the board's stays
            else:
                winner = self.mapping.side_of(issue.key, name)
                fate.changes.append(FieldChange(name, board_value, file_value, True, winner))
        applied = [c for c in fate.changes if c.winner == "file"]
        fate.fate = UPDATE if applied or snapshot != fate.values else UNCHANGED

    def _gone(self) -> None:
        keys = {i.key for i in self.issues}
        projects = {m.group(1) for k in keys if (m := _KEY.match(k))}
        for key, item in sorted(self.on_board.items()):
            match = _KEY.match(key)
            if key in keys or match is None or match.group(1) not in projects:
                continue
            if item.kind not in self.allowed:
                continue
            self.preview.gone.append(Gone(item.kind, key, item.title, self.mapping.removed))

    # -- links

    def _links(self) -> None:
        pairs: dict[tuple[str, str], int] = {}
        blocks = [  # (header, outward) of every column of Blocks links
            (header, link.group(1).lower() == "outward")
            for header in self.jira.distinct_headers()
            if (link := LINK_HEADER.match(header)) is not None and link.group(2).strip().lower() == BLOCKS
        ]
        for issue in self.issues:
            for header, outward in blocks:
                for other in self.jira.values(issue.row, header):
                    ref = self.by_ref[other].key if other in self.by_ref else other
                    pair = (issue.key, ref) if outward else (ref, issue.key)
                    pairs.setdefault(pair, issue.row.line)
        existing = {d.external_key for d in self.state.of(Dependency).values() if d.external_key}
        for (provider, requester), line in pairs.items():
            self.preview.links.append(self._link(provider, requester, line, existing))

    def _end(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """A link end as (kind, values): a row imported now, or an item on the board."""
        issue = self.by_ref.get(key)
        if issue is not None and issue.kind in ("feature", "story") and issue.fate.fate != SKIP:
            return issue.kind, issue.fate.values
        item = self.on_board.get(key)
        if item is not None and issue is None:
            return item.kind, board_values(self.state, item)
        return None

    def _link(self, provider: str, requester: str, line: int, existing: set[str]) -> LinkFate:
        def fate(kind: str, reason: str = "") -> LinkFate:
            return LinkFate(line, provider, requester, kind, reason)

        if provider == requester:
            return fate(IGNORED, "an issue that blocks itself")
        for key in (provider, requester):
            issue = self.by_ref.get(key)
            if issue is not None and (issue.fate.fate == SKIP or issue.kind not in ("feature", "story")):
                why = issue.fate.reason or f"it is a {issue.kind}"
                return fate(IGNORED, f"{key} is not imported ({why})")
        p, r = self._end(provider), self._end(requester)
        if r is None:
            return fate(
                IGNORED, f"{requester} is not in this file or on the board: nothing here waits for it"
            )
        if link_key(provider, requester) in existing:
            return fate(KEPT, "already on the board")
        if not r[1].get("team"):
            return fate(IGNORED, f"{requester} has no team")
        if p is None:
            return fate(EXTERNAL, f"{provider} is not in this file: an external party")
        if not p[1].get("team"):
            return fate(IGNORED, f"{provider} has no team")
        if p[1]["team"] != r[1]["team"]:
            return fate(DEPENDENCY)
        if p[0] == r[0] == "story":
            before, after = self.on_board.get(provider), self.on_board.get(requester)
            if isinstance(after, Story) and before is not None and before.id in after.after:
                return fate(KEPT, "already on the board")
            return fate(ORDER, f"within team {r[1]['team']}: {requester} comes after {provider}")
        return fate(IGNORED, f"within team {r[1]['team']}: an epic and its work need no dependency")

    # -- columns not used

    def _unused_columns(self) -> None:
        filled = {h: sum(1 for row in self.jira.rows if self.jira.values(row, h)) for h in self._relevant()}
        for header, rows in filled.items():
            if rows:
                self.preview.unused_columns.append(f"{header} ({rows} rows filled)")
        for link_type, count in self.preview.offer.link_types.items():
            if link_type.strip().lower() != BLOCKS and count:
                self.preview.unused_columns.append(f"{link_type} links ({count}): counted, not imported")

    def _relevant(self) -> list[str]:
        used = {self.mapping.team_column, *self.mapping.points_columns}
        # The project is offered as the default team, not as a column.
        teams = [h for h in self.preview.offer.team_columns if h not in PROJECT_HEADERS]
        relevant = [*self.preview.offer.points_columns, *teams, "Assignee"]
        relevant += [
            h for h in self.jira.distinct_headers() if "epic name" in h.lower() or "fix version" in h.lower()
        ]
        return [h for h in dict.fromkeys(relevant) if h and h not in used and self.jira.has(h)]
