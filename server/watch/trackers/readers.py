"""What the sync asks of a tracker, the same five questions for Jira and Azure DevOps.

A connection's stored settings name the product, the place (site or organisation URL) and the scope;
:func:`open_reader` turns them and the opened token into a :class:`TrackerReader` over the product's
client. The scope's shape per product is :data:`SCOPE_FIELDS`; :func:`scope_refusal` checks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from server.watch.trackers.azure import POINTS_FIELDS, AzureClient, from_azure, scope_where
from server.watch.trackers.issues import TrackedIssue
from server.watch.trackers.jira import KEY_BATCH, JiraClient, JiraFields, from_jira

# A scope's settings per product: (name, label, required).
SCOPE_FIELDS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "jira": (
        ("jql", "JQL query", True),
        ("team_field", "Team field (name or id)", False),
    ),
    "azure": (
        ("project", "Project", True),
        ("area_paths", "Area paths (one per line)", False),
        ("wiql", "WIQL filter", False),
    ),
}
MAX_SCOPE_TEXT = 2000


def family(product: str) -> str:
    """``jira`` for both Jira products, ``azure`` for Azure DevOps."""
    return "azure" if product == "azure" else "jira"


def scope_refusal(product: str, scope: dict[str, Any]) -> str | None:
    """Why ``scope`` is not a scope for ``product``, or None."""
    fields = SCOPE_FIELDS[family(product)]
    names = {name for name, _, _ in fields}
    extra = sorted(set(scope) - names)
    if extra:
        return f"the scope has no setting '{extra[0][:40]}'; it takes {', '.join(sorted(names))}"
    for name, label, required in fields:
        value = scope.get(name, [] if name == "area_paths" else "")
        values = value if name == "area_paths" else [value]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return f"{label} must be text"
        if sum(len(v) for v in values) > MAX_SCOPE_TEXT:
            return f"{label} is longer than {MAX_SCOPE_TEXT} characters"
        if required and not "".join(values).strip():
            return f"{label} is required"
    return None


class TrackerReader(Protocol):
    """One connection's reads, as the sync makes them."""

    product: str

    def all_issues(self) -> list[TrackedIssue]: ...

    def changed_since(self, since: datetime) -> list[TrackedIssue]: ...

    def still_in_scope(self, tracker_ids: Iterable[str]) -> set[str]: ...

    def issues(self, tracker_ids: Iterable[str]) -> list[TrackedIssue]:
        """Those of ``tracker_ids`` still in scope, read again (a poll's skipped issues)."""
        ...

    def has_points(self) -> bool: ...

    def points_fields(self) -> frozenset[str]:
        """The fields points are read from (none: the tracker has no points field)."""
        ...

    def requests_made(self) -> int: ...

    def close(self) -> None: ...


class JiraReader:
    product = "Jira"

    def __init__(self, client: JiraClient, jql: str, team_field: str = "") -> None:
        self.client = client
        self.jql = jql
        self.team_field = team_field or "Team"
        self._fields: JiraFields | None = None

    def _read_fields(self) -> JiraFields:
        # Read on every pass: a changed field configuration (points removed) shows at the next poll.
        self._fields = self.client.field_ids(self.team_field)
        return self._fields

    def all_issues(self) -> list[TrackedIssue]:
        fields = self._read_fields()
        self.client.myself()
        return [from_jira(raw, fields) for raw in self.client.search(self.jql, self.client.issue_fields())]

    def changed_since(self, since: datetime) -> list[TrackedIssue]:
        fields = self._read_fields()
        return [from_jira(raw, fields) for raw in self.client.changed_since(self.jql, since)]

    def still_in_scope(self, tracker_ids: Iterable[str]) -> set[str]:
        return self.client.keys_in_scope(self.jql, tracker_ids)

    def issues(self, tracker_ids: Iterable[str]) -> list[TrackedIssue]:
        # Asked in scope first: one id gone would make Jira refuse the whole `id in (...)`.
        found = sorted(self.still_in_scope(tracker_ids))
        fields = self._read_fields()
        issues: list[TrackedIssue] = []
        for at in range(0, len(found), KEY_BATCH):
            jql = f"id in ({', '.join(found[at : at + KEY_BATCH])})"
            issues += [from_jira(raw, fields) for raw in self.client.search(jql, self.client.issue_fields())]
        return issues

    def has_points(self) -> bool:
        return bool(self.points_fields())

    def points_fields(self) -> frozenset[str]:
        points = (self._fields or self._read_fields()).points
        return frozenset({points} if points else ())

    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()


class AzureReader:
    product = "Azure DevOps"

    def __init__(self, client: AzureClient, area_paths: list[str], wiql: str) -> None:
        self.client = client
        self.scope = scope_where(client.project, area_paths, wiql)
        self._points: frozenset[str] | None = None

    def _read(self, ids: list[int] | None, items: list[dict[str, Any]] | None = None) -> list[TrackedIssue]:
        # An iteration's identifier is a GUID; its hyphens would end the sprint cell's object name, which
        # the import reads as word characters only (Sprint@1a2b[...]), and the sprint would be lost.
        iterations = {
            path: replace(sprint, id=sprint.id.replace("-", ""))
            for path, sprint in self.client.iterations().items()
        }
        found = items if items is not None else self.client.work_items(ids or [])
        kinds = {str(item.get("fields", {}).get("System.WorkItemType", "")) for item in found}
        categories = self.client.state_categories(sorted(k for k in kinds if k)) if found else {}
        self._points = frozenset(POINTS_FIELDS) & self.client.field_refs()
        return [from_azure(item, iterations, categories) for item in found]

    def all_issues(self) -> list[TrackedIssue]:
        ids = self.client.query_ids(
            f"SELECT [System.Id] FROM WorkItems WHERE {self.scope} ORDER BY [System.Id]"
        )
        return self._read(ids)

    def changed_since(self, since: datetime) -> list[TrackedIssue]:
        return self._read(None, self.client.changed_since(self.scope, since))

    def still_in_scope(self, tracker_ids: Iterable[str]) -> set[str]:
        ids = [int(i) for i in tracker_ids if str(i).isdigit()]
        return {str(i) for i in self.client.ids_in_scope(self.scope, ids)}

    def issues(self, tracker_ids: Iterable[str]) -> list[TrackedIssue]:
        found = sorted(int(i) for i in self.still_in_scope(tracker_ids))
        return self._read(found) if found else []

    def has_points(self) -> bool:
        return bool(self.points_fields())

    def points_fields(self) -> frozenset[str]:
        if self._points is None:
            self._points = frozenset(POINTS_FIELDS) & self.client.field_refs()
        return self._points

    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()


def open_client(
    product: str, url: str, user: str, token: str, scope: dict[str, Any], **client_options: Any
) -> JiraClient | AzureClient:
    """The product's client for one connection (``client_options``: timeout, attempts, sleep);
    the sync's reader and the push's writer are made over it."""
    if family(product) == "azure":
        return AzureClient(url, token=token, project=str(scope.get("project", "")), **client_options)
    return JiraClient(
        url,
        flavour="cloud" if product == "jira_cloud" else "datacenter",
        token=token,
        email=user or None,
        **client_options,
    )


def azure_scope(scope: dict[str, Any]) -> tuple[list[str], str]:
    """An Azure DevOps scope's area paths and WIQL filter (its project is the client's)."""
    return list(scope.get("area_paths") or []), str(scope.get("wiql") or "")


def jira_scope(scope: dict[str, Any]) -> tuple[str, str]:
    """A Jira scope's JQL and team field."""
    return str(scope.get("jql", "")), str(scope.get("team_field") or "")


def open_reader(
    product: str, url: str, user: str, token: str, scope: dict[str, Any], **client_options: Any
) -> TrackerReader:
    """The reader of one connection (``client_options``: timeout, attempts, sleep)."""
    client = open_client(product, url, user, token, scope, **client_options)
    if isinstance(client, AzureClient):
        return AzureReader(client, *azure_scope(scope))
    return JiraReader(client, *jira_scope(scope))
