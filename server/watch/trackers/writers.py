"""What the push reads from a tracker and writes to it, the same five acts for Jira and Azure DevOps.

:meth:`TrackerWriter.read` reads, fresh, what the tracker holds now for the scope (:class:`Held`:
each issue's sprint, points and the issues it blocks, and the sprints there are); the writes are an
issue's sprint, its points, a "this one finishes first" link and a new issue. :func:`open_writer`
opens one from a connection's settings, as :func:`.readers.open_reader` opens the sync's reader.

- Jira: the sprints are those of the agile boards the scope's issues have sprints on (the sprint
  field's ``boardId``), with the sprints seen on the issues; an issue is in its open sprint, and
  "was" in the closed ones it went through (Jira takes no issue into a closed sprint). A new issue
  goes to the project of its team's issues (else the scope's most usual), with the team field's
  value as an issue of that team carries it (else a select list's ``{"value": name}``).
- Azure DevOps: the sprints are the leaf iterations under the project (a node with children is a
  release or a PI, not a sprint); a new work item goes to the Area Path of its team's work items
  (else ``Project\\Team``); points go to the field the work items carry (Story Points, Effort, Size).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol

from server.watch.trackers.azure import POINTS_FIELDS, AzureClient, from_azure, scope_where
from server.watch.trackers.errors import TrackerRefused
from server.watch.trackers.issues import TrackedIssue
from server.watch.trackers.jira import JiraClient, JiraFields, from_jira, sprints_of
from server.watch.trackers.readers import azure_scope, jira_scope, open_client

AGILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Sprint:
    """A sprint (Jira) or an iteration (Azure DevOps) an issue can be put in."""

    id: str  # Jira's sprint id; Azure DevOps' iteration identifier
    name: str
    start: date | None = None
    closed: bool = False  # Jira takes no issue into a closed sprint
    path: str = ""  # Azure DevOps: the Iteration Path a work item is written with


@dataclass(frozen=True)
class HeldIssue:
    """An issue as the tracker holds it now."""

    issue: TrackedIssue
    sprint: str | None  # the sprint it is in: Jira's open one, Azure DevOps' iteration
    closed_sprints: frozenset[str] = frozenset()  # Jira: the closed sprints it went through

    def in_sprint(self, sprint: Sprint) -> bool:
        return sprint.id == self.sprint or (sprint.closed and sprint.id in self.closed_sprints)


@dataclass(frozen=True)
class Held:
    """What the tracker holds now: the scope's issues by key, the sprints, whether points are kept."""

    issues: dict[str, HeldIssue]
    sprints: list[Sprint]
    has_points: bool


@dataclass(frozen=True)
class NewIssue:
    """An issue to make for an item born on the board."""

    issue_type: str
    title: str
    team: str
    sprint: Sprint | None = None
    points: int | None = None
    parent_id: str | None = None  # the board item (a feature) whose issue is its parent


class TrackerWriter(Protocol):
    product: str
    # The issue type a new feature or story gets when no linked item of its kind tells.
    default_types: ClassVar[Mapping[str, str]]

    def read(self) -> Held: ...

    def set_sprint(self, key: str, sprint: Sprint) -> None: ...

    def set_points(self, key: str, points: int) -> None: ...

    def set_summary(self, key: str, summary: str) -> None: ...

    def link(self, first: str, then: str) -> None:
        """Record that ``first`` finishes before ``then`` starts (Blocks; Successor)."""
        ...

    def create(self, new: NewIssue, parent_key: str | None) -> tuple[str, str]:
        """Make ``new`` (a child of ``parent_key``); returns its tracker id and key."""
        ...

    def requests_made(self) -> int: ...

    def close(self) -> None: ...


class JiraWriter:
    product = "Jira"
    default_types: ClassVar[Mapping[str, str]] = {"feature": "Epic", "story": "Story"}

    def __init__(self, client: JiraClient, jql: str, team_field: str = "") -> None:
        self.client = client
        self.jql = jql
        self.team_field = team_field or "Team"
        self._fields = JiraFields(points=None, sprint=None, team=None)
        # A team (lower case) -> the project and the team field's value of an issue of that team.
        self._teams: dict[str, tuple[str, Any]] = {}
        self._project = ""

    def read(self) -> Held:
        fields = self._fields = self.client.field_ids(self.team_field)
        issues: dict[str, HeldIssue] = {}
        seen: dict[str, Sprint] = {}
        boards: set[str] = set()
        projects: Counter[str] = Counter()
        for raw in self.client.search(self.jql, self.client.issue_fields()):
            issue = from_jira(raw, fields)
            sprints = sprints_of(raw, fields)
            for sprint in sprints:
                seen.setdefault(str(sprint["id"]), _agile_sprint(sprint))
                if sprint["boardId"] is not None:
                    boards.add(str(sprint["boardId"]))
            issues[issue.key] = HeldIssue(
                issue,
                next((str(s["id"]) for s in sprints if s["state"] != "closed"), None),
                frozenset(str(s["id"]) for s in sprints if s["state"] == "closed"),
            )
            projects[issue.project] += 1
            if issue.team and fields.team:
                self._teams.setdefault(issue.team.lower(), (issue.project, raw["fields"].get(fields.team)))
        listed = {
            str(s["id"]): _agile_sprint(s) for board in sorted(boards) for s in self.client.sprints(board)
        }
        self._project = projects.most_common(1)[0][0] if projects else ""
        return Held(issues, list({**seen, **listed}.values()), fields.points is not None)

    def set_sprint(self, key: str, sprint: Sprint) -> None:
        self.client.move_to_sprint(sprint.id, [key])

    def set_points(self, key: str, points: int) -> None:
        assert self._fields.points is not None, "points are written only where the tracker keeps them"
        self.client.update_fields(key, {self._fields.points: points})

    def set_summary(self, key: str, summary: str) -> None:
        self.client.update_fields(key, {"summary": summary})

    def link(self, first: str, then: str) -> None:
        self.client.link_blocks(first, then)

    def create(self, new: NewIssue, parent_key: str | None) -> tuple[str, str]:
        fields = self._fields
        project, team_value = self._teams.get(new.team.lower(), (self._project, {"value": new.team}))
        if not project:
            raise TrackerRefused(self.product, "no project to make it in: the scope holds no issue yet", 400)
        values: dict[str, Any] = {}
        if fields.team:
            values[fields.team] = team_value
        if fields.points and new.points:
            values[fields.points] = new.points
        if fields.sprint and new.sprint is not None:
            values[fields.sprint] = int(new.sprint.id)
        if parent_key:
            values["parent"] = {"key": parent_key}
        return self.client.create_issue_ref(project, new.issue_type, new.title, values)

    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()


class AzureWriter:
    product = "Azure DevOps"
    default_types: ClassVar[Mapping[str, str]] = {"feature": "Feature", "story": "User Story"}

    def __init__(self, client: AzureClient, area_paths: list[str], wiql: str) -> None:
        self.client = client
        self.scope = scope_where(client.project, area_paths, wiql)
        self._areas: dict[str, str] = {}  # a team (lower case) -> the Area Path of a work item of it
        self._points_field = ""

    def read(self) -> Held:
        iterations = self.client.iterations()
        ids = self.client.query_ids(
            f"SELECT [System.Id] FROM WorkItems WHERE {self.scope} ORDER BY [System.Id]"
        )
        found = self.client.work_items(ids)
        issues: dict[str, HeldIssue] = {}
        for raw in found:
            issue = from_azure(raw, iterations)
            issues[issue.key] = HeldIssue(issue, issue.sprint.id if issue.sprint else None)
            if issue.team:
                self._areas.setdefault(issue.team.lower(), str(raw["fields"]["System.AreaPath"]))
        carried = [ref for ref in POINTS_FIELDS if any(ref in raw.get("fields", {}) for raw in found)]
        kept = [ref for ref in POINTS_FIELDS if ref in self.client.field_refs()]
        self._points_field = next(iter(carried or kept), "")
        sprints = [
            Sprint(ref.id, ref.name, ref.start, path=path)
            for path, ref in iterations.items()
            if not any(other.startswith(path + "\\") for other in iterations)
        ]
        return Held(issues, sprints, bool(self._points_field))

    def _patch(self, key: str, ref: str, value: Any) -> None:
        self.client.update(int(key), [{"op": "add", "path": f"/fields/{ref}", "value": value}])

    def set_sprint(self, key: str, sprint: Sprint) -> None:
        self._patch(key, "System.IterationPath", sprint.path)

    def set_points(self, key: str, points: int) -> None:
        self._patch(key, self._points_field, points)

    def set_summary(self, key: str, summary: str) -> None:
        self._patch(key, "System.Title", summary)

    def link(self, first: str, then: str) -> None:
        self.client.add_dependency(int(first), int(then))

    def create(self, new: NewIssue, parent_key: str | None) -> tuple[str, str]:
        project = self.client.project
        values: dict[str, Any] = {
            "System.AreaPath": self._areas.get(new.team.lower(), f"{project}\\{new.team}")
        }
        if new.sprint is not None:
            values["System.IterationPath"] = new.sprint.path
        if self._points_field and new.points:
            values[self._points_field] = new.points
        parent = int(parent_key) if parent_key else None
        made = str(self.client.create(project, new.issue_type, new.title, values, parent_id=parent))
        return made, made

    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()


def _agile_sprint(raw: dict[str, Any]) -> Sprint:
    """A sprint from the agile API (or an issue's sprint field, read into the same keys)."""
    day = AGILE_DATE.match(str(raw.get("startDate") or ""))
    return Sprint(
        id=str(raw["id"]),
        name=str(raw.get("name", "")),
        start=date.fromisoformat(day.group(1)) if day else None,
        closed=str(raw.get("state", "")).lower() == "closed",
    )


def open_writer(
    product: str, url: str, user: str, token: str, scope: dict[str, Any], **client_options: Any
) -> TrackerWriter:
    """The writer of one connection (``client_options``: timeout, attempts, sleep)."""
    client = open_client(product, url, user, token, scope, **client_options)
    if isinstance(client, AzureClient):
        return AzureWriter(client, *azure_scope(scope))
    return JiraWriter(client, *jira_scope(scope))
