"""An Azure DevOps Services emulator: one organisation, one team project, its work items in memory, served
over real HTTP so the sync talks to it exactly as to dev.azure.com.

Written from Microsoft's REST reference for api-version 7.1 (learn.microsoft.com/rest/api/azure/devops:
wit/wiql "Query By Wiql", wit/work-items "Get Work Items Batch", "Update", "Create", wit/fields "List",
wit/classification-nodes "Get", wit/work-item-type-states "List", core/projects "Get") and the service
hook event reference (learn.microsoft.com/azure/devops/service-hooks/events: workitem.created,
workitem.updated, workitem.deleted). tests/trackers/README.md lists what it answers and where it
simplifies.

    emulator = AzureEmulator()                 # organisation "contoso", project "Rocket", Agile process
    story = emulator.add("Checkout", area="Rocket\\Atlas", iteration="Rocket\\Sprint 1", points=5)
    with emulator.running() as org_url:       # http://127.0.0.1:PORT/contoso
        ...
        emulator.set_state(story, "Active")    # bumps rev and ChangedDate, posts workitem.updated
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.trackers.azure_wiql import FieldDef, WiqlError, parse, run
from tests.trackers.http_server import served

PROPOSED, IN_PROGRESS, RESOLVED, COMPLETED, REMOVED = (
    "Proposed",
    "InProgress",
    "Resolved",
    "Completed",
    "Removed",
)

# Each process's work item types and their states, in workflow order, with the state's category.
BACKLOG_AGILE = {"New": PROPOSED, "Active": IN_PROGRESS, "Resolved": RESOLVED, "Closed": COMPLETED}
BACKLOG_SCRUM = {"New": PROPOSED, "Approved": PROPOSED, "Committed": IN_PROGRESS, "Done": COMPLETED}
PORTFOLIO_SCRUM = {"New": PROPOSED, "In Progress": IN_PROGRESS, "Done": COMPLETED}
PROCESSES: dict[str, dict[str, dict[str, str]]] = {
    "Agile": {
        "Epic": {**BACKLOG_AGILE, "Removed": REMOVED},
        "Feature": {**BACKLOG_AGILE, "Removed": REMOVED},
        "User Story": {**BACKLOG_AGILE, "Removed": REMOVED},
        "Bug": dict(BACKLOG_AGILE),
        "Task": {"New": PROPOSED, "Active": IN_PROGRESS, "Closed": COMPLETED, "Removed": REMOVED},
    },
    "Scrum": {
        "Epic": {**PORTFOLIO_SCRUM, "Removed": REMOVED},
        "Feature": {**PORTFOLIO_SCRUM, "Removed": REMOVED},
        "Product Backlog Item": {**BACKLOG_SCRUM, "Removed": REMOVED},
        "Bug": {**BACKLOG_SCRUM, "Removed": REMOVED},
        "Task": {"To Do": PROPOSED, "In Progress": IN_PROGRESS, "Done": COMPLETED, "Removed": REMOVED},
    },
}
DEFAULT_TYPE = {"Agile": "User Story", "Scrum": "Product Backlog Item"}
STORY_POINTS = "Microsoft.VSTS.Scheduling.StoryPoints"
EFFORT = "Microsoft.VSTS.Scheduling.Effort"
POINTS_FIELD = {"Agile": STORY_POINTS, "Scrum": EFFORT}

FIELDS = (
    FieldDef("System.Id", "ID", "integer"),
    FieldDef("System.Rev", "Rev", "integer"),
    FieldDef("System.Title", "Title", "string"),
    FieldDef("System.WorkItemType", "Work Item Type", "string"),
    FieldDef("System.State", "State", "string"),
    FieldDef("System.Reason", "Reason", "string"),
    FieldDef("System.TeamProject", "Team Project", "string"),
    FieldDef("System.AreaPath", "Area Path", "treePath"),
    FieldDef("System.IterationPath", "Iteration Path", "treePath"),
    FieldDef("System.CreatedDate", "Created Date", "dateTime"),
    FieldDef("System.ChangedDate", "Changed Date", "dateTime"),
    FieldDef("System.Parent", "Parent", "integer"),
    FieldDef("System.Description", "Description", "html"),
    FieldDef("System.Tags", "Tags", "plainText"),
    FieldDef("Microsoft.VSTS.Common.Priority", "Priority", "integer"),
    FieldDef(STORY_POINTS, "Story Points", "double"),
    FieldDef(EFFORT, "Effort", "double"),
)
READ_ONLY = {"System.Id", "System.Rev", "System.TeamProject", "System.CreatedDate", "System.ChangedDate"}

PARENT, CHILD = "System.LinkTypes.Hierarchy-Reverse", "System.LinkTypes.Hierarchy-Forward"
SUCCESSOR, PREDECESSOR = "System.LinkTypes.Dependency-Forward", "System.LinkTypes.Dependency-Reverse"
RELATED = "System.LinkTypes.Related"
LINK_NAMES = {PARENT: "Parent", CHILD: "Child", SUCCESSOR: "Successor", PREDECESSOR: "Predecessor"}
REVERSE = {PARENT: CHILD, CHILD: PARENT, SUCCESSOR: PREDECESSOR, PREDECESSOR: SUCCESSOR, RELATED: RELATED}
LINK_NAMES[RELATED] = "Related"

MAX_BATCH = 200
HOOK_EVENTS = ("workitem.created", "workitem.updated", "workitem.deleted")
NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def iso(moment: datetime) -> str:
    """The service's form: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rendered(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


class Refused(Exception):
    """An answer other than 200: the status and the service's error JSON."""

    def __init__(
        self, status: int, message: str, type_key: str = "", headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "$id": "1",
            "innerException": None,
            "message": self.message,
            "typeName": f"Microsoft.VisualStudio.Services.WebApi.{self.type_key}",
            "typeKey": self.type_key,
            "errorCode": 0,
            "eventId": 3000,
        }


def not_found(work_item_id: int) -> Refused:
    return Refused(
        404,
        f"TF401232: Work item {work_item_id} does not exist, or you do not have permissions to read it.",
        "WorkItemUnauthorizedAccessException",
    )


@dataclass
class Link:
    rel: str
    target: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class WorkItem:
    id: int
    rev: int
    fields: dict[str, Any]
    links: list[Link] = field(default_factory=list)


@dataclass
class IterationNode:
    id: int
    identifier: str
    path: str  # as work items name it: "Rocket\\PI 1\\Sprint 1"
    start: date | None = None
    finish: date | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("\\", 1)[-1]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    username: str
    password: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    subscription_id: str
    event_type: str
    work_item_id: int
    status: int | None  # None: no answer
    error: str = ""


@dataclass
class Faults:
    rate_limited: int = 0
    retry_after_s: int = 1
    outage: int | None = 0  # requests still to answer 503; None: until recover()
    hangs: int = 0
    hang_s: float = 0.0


class AzureEmulator:
    """Azure DevOps Services for one organisation and one team project, in memory."""

    def __init__(
        self,
        organization: str = "contoso",
        project: str = "Rocket",
        *,
        process: str = "Agile",
        token: str = "emulator-personal-access-token",
    ) -> None:
        if process not in PROCESSES:
            raise ValueError(f"process is one of {sorted(PROCESSES)}")
        self.organization = organization
        self.project = project
        self.process = process
        self.points_field = POINTS_FIELD[process]
        self.project_id = str(uuid.uuid5(NAMESPACE, f"{organization}/{project}"))
        self.collection_id = str(uuid.uuid5(NAMESPACE, organization))
        self.url = ""  # the organisation URL while running()
        self._token: str | None = token
        self._lock = threading.RLock()
        self._items: dict[int, WorkItem] = {}
        self._ids = itertools.count(1)
        self._fields: dict[str, FieldDef] = {f.ref: f for f in FIELDS}
        self._areas: set[str] = {project.casefold()}
        self._iterations: dict[str, IterationNode] = {}
        self._node_ids = itertools.count(1)
        self._add_iteration_node(project)
        self._last_stamp = datetime.now(UTC) - timedelta(days=1)
        self._faults = Faults()
        self.requests: list[LoggedRequest] = []
        self.subscriptions: list[Subscription] = []
        self.deliveries: list[Delivery] = []
        self._notifications = itertools.count(1)
        self._outbox: queue.Queue[tuple[Subscription, dict[str, Any]] | None] = queue.Queue()
        self._sender: threading.Thread | None = None

    # --- running -------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve the REST API until the block ends; yields the organisation URL."""
        with served(self.app) as base:
            self.url = f"{base}/{self.organization}"
            try:
                yield self.url
            finally:
                self.close()

    def close(self) -> None:
        """Stop the service hook sender once what is queued was posted."""
        sender, self._sender = self._sender, None
        if sender is not None:
            self._outbox.put(None)
            sender.join(timeout=10)

    @property
    def token(self) -> str | None:
        return self._token

    @property
    def request_count(self) -> int:
        return len(self.requests)

    # --- the project, as the RTE and the teams change it in the product -------------------------

    def add_iteration(self, path: str, start: date | None = None, finish: date | None = None) -> str:
        """An iteration (and the ones above it) with its dates; returns its identifier."""
        with self._lock:
            node = self._add_iteration_node(path)
            node.start, node.finish = start, finish
            return node.identifier

    def add_area(self, path: str) -> None:
        with self._lock:
            self._check_in_project(path)
            parts = path.split("\\")
            for depth in range(1, len(parts) + 1):
                self._areas.add("\\".join(parts[:depth]).casefold())

    def add(
        self,
        title: str,
        *,
        type: str | None = None,
        state: str = "New",
        area: str | None = None,
        iteration: str | None = None,
        points: float | None = None,
        parent: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """A new work item (posts workitem.created); returns its id. Makes its area and iteration."""
        links = [] if parent is None else [Link(PARENT, parent)]
        with self._lock:
            item = self._new_item(
                title, type, state, area, iteration, points, fields or {}, self._stamp(), links
            )
            self._created(item, links)
            return item.id

    def many(
        self,
        n: int,
        *,
        type: str | None = None,
        state: str = "New",
        area: str | None = None,
        iteration: str | None = None,
        points: float | None = None,
    ) -> list[int]:
        """``n`` work items at once, without service hook events: a large project for a bench."""
        with self._lock:
            stamp = self._stamp()
            return [
                self._new_item(f"Item {i + 1}", type, state, area, iteration, points, {}, stamp, []).id
                for i in range(n)
            ]

    def update(self, work_item_id: int, fields: Mapping[str, Any] | None = None, **short: Any) -> None:
        """Change fields by reference name (``fields``) or by short name (title, state, area, ...)."""
        names = {
            "title": "System.Title",
            "state": "System.State",
            "area": "System.AreaPath",
            "iteration": "System.IterationPath",
            "points": self.points_field,
            "type": "System.WorkItemType",
        }
        changes = dict(fields or {})
        for key, value in short.items():
            if key not in names:
                raise TypeError(f"update() knows {sorted(names)}, not {key!r}")
            changes[names[key]] = value
        with self._lock:
            if "System.AreaPath" in changes:
                self.add_area(changes["System.AreaPath"])
            if "System.IterationPath" in changes:
                self._add_iteration_node(changes["System.IterationPath"])
            self._change(work_item_id, changes, [])

    def set_state(self, work_item_id: int, state: str) -> None:
        self.update(work_item_id, state=state)

    def move_iteration(self, work_item_id: int, path: str) -> None:
        self.update(work_item_id, iteration=path)

    def move_area(self, work_item_id: int, path: str) -> None:
        self.update(work_item_id, area=path)

    def link(self, source: int, rel: str, target: int) -> None:
        """A link as a user draws it (both ends get a revision and an event)."""
        with self._lock:
            self._change(source, {}, [Link(rel, target)])

    def delete(self, work_item_id: int) -> None:
        """To the recycle bin: gone from queries and batches (posts workitem.deleted)."""
        with self._lock:
            item = self._items.pop(work_item_id)
            for other in self._items.values():
                other.links = [link for link in other.links if link.target != work_item_id]
            self._notify("workitem.deleted", item, self._created_resource(item))

    def rename_iteration(self, path: str, new_name: str) -> None:
        """Rename an iteration: its work items' Iteration Path follows, with no new revision (as on the
        service, which keeps the node, not the path, on the work item) and no service hook event."""
        with self._lock:
            node = self._iteration(path)
            old = node.path
            new = old.rsplit("\\", 1)[0] + "\\" + new_name
            for key, other in list(self._iterations.items()):
                if other.path == old or other.path.startswith(old + "\\"):
                    del self._iterations[key]
                    other.path = new + other.path[len(old) :]
                    self._iterations[other.path.casefold()] = other
            for item in self._items.values():
                current = item.fields.get("System.IterationPath", "")
                if current.casefold() == old.casefold() or current.casefold().startswith(
                    old.casefold() + "\\"
                ):
                    item.fields["System.IterationPath"] = new + current[len(old) :]

    def remove_field(self, ref: str) -> None:
        """Delete a field from the organisation: gone from /fields, from every work item, from WIQL."""
        with self._lock:
            del self._fields[ref]
            for item in self._items.values():
                item.fields.pop(ref, None)

    def item(self, work_item_id: int) -> dict[str, Any]:
        """A work item as the service would return it, for a test to look at."""
        with self._lock:
            return self._render(self._items[work_item_id], self.url, relations=True)

    def ids(self) -> list[int]:
        with self._lock:
            return sorted(self._items)

    # --- faults --------------------------------------------------------------------------------

    def rate_limit(self, times: int = 1, retry_after_s: int = 1) -> None:
        """The next ``times`` requests are answered 429 with ``Retry-After``."""
        with self._lock:
            self._faults.rate_limited, self._faults.retry_after_s = times, retry_after_s

    def outage(self, times: int | None = None) -> None:
        """The next ``times`` requests (every one until recover(), when None) are answered 503."""
        with self._lock:
            self._faults.outage = times

    def hang(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests are answered only after ``seconds``."""
        with self._lock:
            self._faults.hangs, self._faults.hang_s = times, seconds

    def recover(self) -> None:
        with self._lock:
            self._faults = Faults()

    def revoke(self) -> None:
        """The personal access token is revoked: every request is 401."""
        with self._lock:
            self._token = None

    def grant(self, token: str) -> None:
        with self._lock:
            self._token = token

    # --- service hooks -------------------------------------------------------------------------

    def subscribe(self, url: str, username: str, password: str, events: Iterable[str] = HOOK_EVENTS) -> str:
        """A Web Hooks subscription with basic authentication; returns its id."""
        chosen = tuple(events)
        unknown = set(chosen) - set(HOOK_EVENTS)
        if unknown:
            raise ValueError(f"unknown events {sorted(unknown)}")
        subscription = Subscription(str(uuid.uuid4()), url, username, password, chosen)
        with self._lock:
            self.subscriptions.append(subscription)
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_events, name="azure-hooks", daemon=True)
                self._sender.start()
        return subscription.id

    def _send_events(self) -> None:
        with httpx.Client(timeout=2.0) as client:
            while (job := self._outbox.get()) is not None:
                subscription, payload = job
                resource = payload["resource"]
                work_item_id = resource.get("workItemId", resource.get("id"))
                try:
                    answer = client.post(
                        subscription.url, json=payload, auth=(subscription.username, subscription.password)
                    )
                    delivery = Delivery(
                        subscription.id, payload["eventType"], work_item_id, answer.status_code
                    )
                except httpx.HTTPError as exc:
                    delivery = Delivery(subscription.id, payload["eventType"], work_item_id, None, repr(exc))
                with self._lock:
                    self.deliveries.append(delivery)

    def _notify(self, event_type: str, item: WorkItem, resource: dict[str, Any]) -> None:
        for subscription in self.subscriptions:
            if event_type not in subscription.events:
                continue
            title = item.fields.get("System.Title", "")
            kind = item.fields.get("System.WorkItemType", "Work item")
            verb = event_type.split(".")[1]
            payload = {
                "subscriptionId": subscription.id,
                "notificationId": next(self._notifications),
                "id": str(uuid.uuid4()),
                "eventType": event_type,
                "publisherId": "tfs",
                "message": {"text": f"{kind} #{item.id} ({title}) {verb}."},
                "detailedMessage": {"text": f"{kind} #{item.id} ({title}) {verb}."},
                "resource": resource,
                "resourceVersion": "1.0",
                "resourceContainers": {
                    "collection": {"id": self.collection_id, "baseUrl": f"{self.url}/"},
                    "account": {"id": self.collection_id, "baseUrl": f"{self.url}/"},
                    "project": {"id": self.project_id, "baseUrl": f"{self.url}/"},
                },
                "createdDate": iso(datetime.now(UTC)),
            }
            self._outbox.put((subscription, payload))

    def _created_resource(self, item: WorkItem) -> dict[str, Any]:
        return self._render(item, self.url, relations=True)

    # --- the model -----------------------------------------------------------------------------

    def _stamp(self) -> datetime:
        """Now, and always later than the last change: ChangedDate orders every change."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last_stamp = max(now, self._last_stamp + timedelta(milliseconds=1))
        return self._last_stamp

    def _check_in_project(self, path: str) -> None:
        if path.split("\\")[0].casefold() != self.project.casefold():
            raise ValueError(f"{path!r} is not under the project {self.project!r}")

    def _add_iteration_node(self, path: str) -> IterationNode:
        self._check_in_project(path)
        parts = path.split("\\")
        node: IterationNode | None = None
        for depth in range(1, len(parts) + 1):
            sub = "\\".join(parts[:depth])
            node = self._iterations.get(sub.casefold())
            if node is None:
                node = IterationNode(next(self._node_ids), str(uuid.uuid4()), sub)
                self._iterations[sub.casefold()] = node
        assert node is not None
        return node

    def _iteration(self, path: str) -> IterationNode:
        node = self._iterations.get(path.casefold())
        if node is None:
            raise KeyError(f"no iteration {path!r}")
        return node

    def _states(self, work_item_type: str) -> dict[str, str]:
        states = PROCESSES[self.process].get(work_item_type)
        if states is None:
            raise ValueError(f"{work_item_type!r} is not a work item type of the {self.process} process")
        return states

    def _new_item(
        self,
        title: str,
        work_item_type: str | None,
        state: str,
        area: str | None,
        iteration: str | None,
        points: float | None,
        extra: Mapping[str, Any],
        stamp: datetime,
        links: list[Link],
    ) -> WorkItem:
        """A new work item at rev 1 with its links on both ends; many() makes thousands silently, so
        posting workitem.created is the caller's."""
        kind = work_item_type or DEFAULT_TYPE[self.process]
        if state not in self._states(kind):
            raise ValueError(f"{kind} has no state {state!r}")
        area = area or self.project
        iteration = iteration or self.project
        self.add_area(area)
        self._add_iteration_node(iteration)
        work_item_id = next(self._ids)
        values: dict[str, Any] = {
            "System.Id": work_item_id,
            "System.AreaPath": area,
            "System.TeamProject": self.project,
            "System.IterationPath": iteration,
            "System.WorkItemType": kind,
            "System.State": state,
            "System.CreatedDate": stamp,
            "System.ChangedDate": stamp,
            "System.Rev": 1,
            "System.Title": title,
        }
        if points is not None:
            values[self.points_field] = float(points)
        values.update(extra)
        item = WorkItem(work_item_id, 1, {k: v for k, v in values.items() if k in self._fields})
        for link in links:
            self._check_link(item, link)
        self._items[work_item_id] = item
        return item

    def _created(self, item: WorkItem, links: list[Link]) -> None:
        """Post workitem.created with the links; the other end of each gets a revision (and its event)."""
        pending = self._attach_all(item, links)
        self._notify("workitem.created", item, self._created_resource(item))
        for target, before, back in pending:
            self._revise(target, before, [back])

    def _check_fields(self, item: WorkItem, changes: Mapping[str, Any]) -> None:
        """Refuse what the service refuses: an unknown or read-only field, a state, area or iteration
        the work item cannot have."""
        for ref, value in changes.items():
            if ref not in self._fields:
                raise Refused(400, f"TF51535: Cannot find field {ref}.", "WorkItemFieldInvalidException")
            if ref in READ_ONLY:
                raise Refused(
                    400,
                    f"TF401326: Invalid field status 'ReadOnly' for field '{ref}'.",
                    "WorkItemFieldInvalidException",
                )
            if ref == "System.Title" and not str(value or "").strip():
                raise Refused(
                    400,
                    "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.",
                    "RuleValidationException",
                )
        kind = changes.get("System.WorkItemType", item.fields.get("System.WorkItemType"))
        states = PROCESSES[self.process].get(str(kind))
        if states is None:
            raise Refused(
                400,
                f"VS402323: Work item type {kind} does not exist in project {self.project}.",
                "WorkItemTypeNotFoundException",
            )
        if changes.get("System.State", item.fields.get("System.State")) not in states:
            raise Refused(
                400,
                "TF401320: Rule Error for field State. Error code: Required, InvalidListValue.",
                "RuleValidationException",
            )
        for ref, known in (("System.AreaPath", self._areas), ("System.IterationPath", self._iterations)):
            if ref in changes and str(changes[ref]).casefold() not in known:
                raise Refused(
                    400,
                    f"TF401347: Invalid tree name given for work item {item.id}, field '{ref}'.",
                    "WorkItemTrackingTreeNodeNotFoundException",
                )

    def _change(self, work_item_id: int, changes: Mapping[str, Any], links: list[Link]) -> WorkItem:
        """Apply field changes and new links as one revision (the other end of each link gets one too),
        then post workitem.updated."""
        item = self._items.get(work_item_id)
        if item is None:
            raise not_found(work_item_id)
        self._check_fields(item, changes)
        for link in links:
            self._check_link(item, link)
        before = dict(item.fields)
        for ref, value in changes.items():
            if value is None:
                item.fields.pop(ref, None)
            else:
                item.fields[ref] = float(value) if self._fields[ref].type == "double" else value
        for target, target_before, back in self._attach_all(item, links):
            self._revise(target, target_before, [back])
        self._revise(item, before, links)
        return item

    def _check_link(self, source: WorkItem, link: Link) -> None:
        target = self._items.get(link.target)
        if link.rel not in REVERSE:
            raise Refused(
                400, f"TF201063: The link type {link.rel} is not valid.", "WorkItemLinkInvalidException"
            )
        if target is None or target is source:
            raise Refused(
                400,
                f"TF201036: You cannot add a link to work item {link.target}.",
                "WorkItemLinkInvalidException",
            )
        if any(existing.rel == link.rel and existing.target == link.target for existing in source.links):
            raise Refused(400, "TF201035: The relation already exists.", "WorkItemLinkAlreadyExistsException")
        child = source if link.rel == PARENT else target if link.rel == CHILD else None
        if child is not None and any(existing.rel == PARENT for existing in child.links):
            raise Refused(
                400, f"TF201036: Work item {child.id} already has a parent.", "WorkItemLinkInvalidException"
            )

    def _attach_all(self, source: WorkItem, links: list[Link]) -> list[tuple[WorkItem, dict[str, Any], Link]]:
        """Add each link and its reverse on the other end; returns the revisions the other ends owe."""
        pending: list[tuple[WorkItem, dict[str, Any], Link]] = []
        for link in links:
            target = self._items[link.target]
            target_before = dict(target.fields)
            back = Link(REVERSE[link.rel], source.id)
            source.links.append(link)
            target.links.append(back)
            if link.rel == PARENT:
                source.fields["System.Parent"] = target.id
            if back.rel == PARENT:
                target.fields["System.Parent"] = source.id
            pending.append((target, target_before, back))
        return pending

    def _revise(self, item: WorkItem, before: Mapping[str, Any], added: list[Link]) -> None:
        item.rev += 1
        item.fields["System.Rev"] = item.rev
        item.fields["System.ChangedDate"] = self._stamp()
        changed = {
            ref: {
                k: rendered(v)
                for k, v in (("oldValue", before.get(ref)), ("newValue", item.fields.get(ref)))
                if v is not None
            }
            for ref in sorted(set(before) | set(item.fields))
            if before.get(ref) != item.fields.get(ref)
        }
        resource: dict[str, Any] = {
            "id": item.rev,
            "workItemId": item.id,
            "rev": item.rev,
            "revisedBy": {"displayName": "Emulator", "uniqueName": "emulator@contoso.example"},
            "revisedDate": iso(item.fields["System.ChangedDate"]),
            "fields": changed,
            "url": f"{self.url}/_apis/wit/workItems/{item.id}/updates/{item.rev}",
            "revision": {
                **self._render(item, self.url, relations=True),
                "url": f"{self.url}/_apis/wit/workItems/{item.id}/revisions/{item.rev}",
            },
        }
        if added:
            resource["relations"] = {"added": [self._render_link(link, self.url) for link in added]}
        self._notify("workitem.updated", item, resource)

    # --- rendering -----------------------------------------------------------------------------

    def _render_link(self, link: Link, base: str) -> dict[str, Any]:
        return {
            "rel": link.rel,
            "url": f"{base}/_apis/wit/workItems/{link.target}",
            "attributes": {"isLocked": False, "name": LINK_NAMES[link.rel], **link.attributes},
        }

    def _render(
        self, item: WorkItem, base: str, *, relations: bool, fields: Iterable[str] | None = None
    ) -> dict[str, Any]:
        chosen = item.fields if fields is None else {f: item.fields[f] for f in fields if f in item.fields}
        out: dict[str, Any] = {
            "id": item.id,
            "rev": item.rev,
            "fields": {ref: rendered(value) for ref, value in chosen.items()},
        }
        if relations and item.links:
            out["relations"] = [self._render_link(link, base) for link in item.links]
        out["url"] = f"{base}/_apis/wit/workItems/{item.id}"
        return out

    # --- HTTP ----------------------------------------------------------------------------------

    @property
    def app(self) -> Any:
        """The ASGI application (a plain coroutine function: uvicorn takes a bound method for ASGI 2)."""

        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await self._asgi(scope, receive, send)

        return asgi

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Faults, authentication, api-version, then the resource."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        request = Request(scope, receive)
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        hang = self._take_hang()
        if hang:
            await asyncio.sleep(hang)
        try:
            status, answer, headers = 200, self._answer(request, query, body), {}
        except Refused as refused:
            status, answer, headers = refused.status, refused.body(), refused.headers
        except WiqlError as error:
            status, answer, headers = 400, Refused(400, error.message, error.type_key).body(), {}
        with self._lock:
            self.requests.append(LoggedRequest(request.method, request.url.path, query, body, status))
        if status == 401:
            response = Response("Access Denied: The Personal Access Token used has expired.", 401, headers)
        else:
            response = Response(json.dumps(answer), status, headers, media_type="application/json")
        await response(scope, receive, send)

    def _take_hang(self) -> float:
        with self._lock:
            if self._faults.hangs <= 0:
                return 0.0
            self._faults.hangs -= 1
            return self._faults.hang_s

    def _gate(self, request: Request, query: Mapping[str, str]) -> None:
        """What the service checks before it looks at the resource."""
        faults = self._faults
        if faults.outage is None or faults.outage > 0:
            if faults.outage is not None:
                faults.outage -= 1
            raise Refused(
                503,
                "TF400898: An Internal Error Occurred. The service is unavailable.",
                "ServiceUnavailableException",
            )
        if faults.rate_limited > 0:
            faults.rate_limited -= 1
            raise Refused(
                429,
                "TF400733: The request has been canceled: Request was blocked due to exceeding usage of "
                "resource 'ATCPU' in namespace 'User'.",
                "RequestBlockedException",
                {
                    "Retry-After": str(faults.retry_after_s),
                    "X-RateLimit-Resource": "ATCPU",
                    "X-RateLimit-Delay": "0",
                },
            )
        if not self._authorized(request.headers.get("authorization", "")):
            raise Refused(401, "", "", {"WWW-Authenticate": 'Basic realm="https://dev.azure.com/"'})
        if "api-version" not in query and "api-version" not in request.headers.get("accept", ""):
            raise Refused(
                400,
                f'No api-version was supplied for the "{request.method}" request. The version must be '
                'supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") '
                "or as a query "
                "parameter (e.g. '?api-version=1.0').",
                "VssVersionNotSpecifiedException",
            )

    def _authorized(self, header: str) -> bool:
        """Basic with any user name and the personal access token as the password."""
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "basic" or self._token is None:
            return False
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded.partition(":")[2] == self._token

    def _answer(self, request: Request, query: Mapping[str, str], body: Any) -> Any:
        with self._lock:
            self._gate(request, query)
            parts = request.url.path.strip("/").split("/")
            if not parts or parts[0].casefold() != self.organization.casefold() or "_apis" not in parts:
                raise Refused(404, "The resource cannot be found.", "ResourceNotFoundException")
            at = parts.index("_apis")
            project_part = parts[1:at]
            if len(project_part) > 1:
                raise Refused(404, "The resource cannot be found.", "ResourceNotFoundException")
            project = self._project(project_part[0]) if project_part else None
            route = [p.casefold() for p in parts[at + 1 :]]
            base = str(request.base_url).rstrip("/") + f"/{self.organization}"
            return self._route(request.method, route, parts[at + 1 :], project, query, body, request, base)

    def _project(self, name: str) -> str:
        if name.casefold() not in {self.project.casefold(), self.project_id}:
            raise Refused(
                404,
                f"TF200016: The following project does not exist: {name}. "
                "Verify that the name of the project is correct and that the project exists on the "
                "specified Azure DevOps Server.",
                "ProjectDoesNotExistWithNameException",
            )
        return self.project

    def _route(
        self,
        method: str,
        route: list[str],
        raw_route: list[str],
        project: str | None,
        query: Mapping[str, str],
        body: Any,
        request: Request,
        base: str,
    ) -> Any:
        match method, route:
            case "GET", ["projects", _]:
                self._project(raw_route[1])
                return {
                    "id": self.project_id,
                    "name": self.project,
                    "url": f"{base}/_apis/projects/{self.project_id}",
                    "state": "wellFormed",
                    "revision": 1,
                    "visibility": "private",
                    "lastUpdateTime": iso(self._last_stamp),
                }
            case "GET", ["wit", "fields"]:
                return self._list_fields(base)
            case "POST", ["wit", "wiql"]:
                return self._wiql(project, query, body, base)
            case "POST", ["wit", "workitemsbatch"]:
                return self._batch(body, base)
            case "GET", ["wit", "classificationnodes", "iterations"] if project:
                return self._iteration_tree(int(query.get("$depth", "0")), base)
            case "GET", ["wit", "workitemtypes", _, "states"] if project:
                return self._list_states(raw_route[2])
            case "GET", ["wit", "workitems", number] if number.isdigit():
                item = self._items.get(int(number))
                if item is None:
                    raise not_found(int(number))
                return self._render(
                    item, base, relations=query.get("$expand", "").casefold() in {"relations", "all"}
                )
            case "PATCH", ["wit", "workitems", number] if number.isdigit():
                self._check_patch(request)
                changes, links = self._patch_ops(body)
                return self._render(self._change(int(number), changes, links), base, relations=True)
            case "POST", ["wit", "workitems", kind] if project and kind.startswith("$"):
                self._check_patch(request)
                return self._create(raw_route[2][1:], body, base)
        raise Refused(404, "The resource cannot be found.", "ResourceNotFoundException")

    def _list_fields(self, base: str) -> dict[str, Any]:
        value = [
            {
                "name": f.name,
                "referenceName": f.ref,
                "type": f.type,
                "usage": "workItem",
                "readOnly": f.ref in READ_ONLY,
                "canSortBy": True,
                "isQueryable": True,
                "isIdentity": False,
                "isPicklist": False,
                "url": f"{base}/_apis/wit/fields/{f.ref}",
            }
            for f in self._fields.values()
        ]
        return {"count": len(value), "value": value}

    def _wiql(self, project: str | None, query: Mapping[str, str], body: Any, base: str) -> dict[str, Any]:
        text = body.get("query") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise Refused(
                400,
                "TF51006: The query statement is missing a FROM clause.",
                "WorkItemTrackingQueryException",
            )
        parsed = parse(
            text,
            fields=self._fields.values(),
            project=project or "",
            time_precision=query.get("timePrecision", "").casefold() == "true",
        )
        ids = run(parsed, (item.fields for item in self._items.values()))
        column = lambda f: {"referenceName": f.ref, "name": f.name, "url": f"{base}/_apis/wit/fields/{f.ref}"}  # noqa: E731
        return {
            "queryType": "flat",
            "queryResultType": "workItem",
            "asOf": iso(datetime.now(UTC)),
            "columns": [column(f) for f in parsed.fields],
            "sortColumns": [{"field": column(f), "descending": d} for f, d in parsed.order],
            "workItems": [{"id": i, "url": f"{base}/_apis/wit/workItems/{i}"} for i in ids],
        }

    def _batch(self, body: Any, base: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list) or not body["ids"]:
            raise Refused(400, "VS403528: The ids parameter is required.", "ArgumentNullException")
        ids = body["ids"]
        if len(ids) > MAX_BATCH:
            raise Refused(
                400,
                f"VS403474: You requested {len(ids)} work items which exceeds the limit of {MAX_BATCH}",
                "WorkItemTrackingTooManyRequestedException",
            )
        fields = body.get("fields")
        expand = str(body.get("$expand") or "None").casefold()
        if fields and expand != "none":
            raise Refused(
                400, "The expand parameter can not be used with the fields parameter.", "ArgumentException"
            )
        for ref in fields or []:
            if ref not in self._fields:
                raise Refused(400, f"TF51535: Cannot find field {ref}.", "WorkItemFieldInvalidException")
        omit = str(body.get("errorPolicy") or "Fail").casefold() == "omit"
        value: list[dict[str, Any] | None] = []
        for work_item_id in ids:
            item = self._items.get(int(work_item_id))
            if item is None:
                if not omit:
                    raise not_found(int(work_item_id))
                value.append(None)
                continue
            value.append(self._render(item, base, relations=expand in {"relations", "all"}, fields=fields))
        return {"count": len(value), "value": value}

    def _iteration_tree(self, depth: int, base: str) -> dict[str, Any]:
        def node(it: IterationNode, levels: int) -> dict[str, Any]:
            tail = it.path.split("\\")[1:]
            children = [
                other
                for other in self._iterations.values()
                if other.path.rsplit("\\", 1)[0] == it.path and other is not it
            ]
            out: dict[str, Any] = {
                "id": it.id,
                "identifier": it.identifier,
                "name": it.name,
                "structureType": "iteration",
                "hasChildren": bool(children),
                "path": "\\" + "\\".join([self.project, "Iteration", *tail]),
                "url": "/".join(
                    [f"{base}/{self.project_id}/_apis/wit/classificationNodes/Iterations", *tail]
                ),
            }
            if it.start or it.finish:
                out["attributes"] = {
                    k: f"{d.isoformat()}T00:00:00Z"
                    for k, d in (("startDate", it.start), ("finishDate", it.finish))
                    if d
                }
            if children and levels > 0:
                out["children"] = [node(c, levels - 1) for c in children]
            return out

        return node(self._iterations[self.project.casefold()], depth)

    def _list_states(self, kind: str) -> dict[str, Any]:
        found = next((k for k in PROCESSES[self.process] if k.casefold() == kind.casefold()), None)
        if found is None:
            raise Refused(
                404,
                f"VS402323: Work item type {kind} does not exist in project {self.project}.",
                "WorkItemTypeNotFoundException",
            )
        value = [
            {"name": s, "color": "b2b2b2", "category": c} for s, c in PROCESSES[self.process][found].items()
        ]
        return {"count": len(value), "value": value}

    @staticmethod
    def _check_patch(request: Request) -> None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/json-patch+json":
            raise Refused(
                415,
                f'VS403296: The request indicated a Content-Type of "{content_type}" for method type '
                f'"{request.method}" which is not supported. Valid content types for this method are: '
                "application/json-patch+json.",
                "UnsupportedMediaTypeException",
            )

    def _patch_ops(self, body: Any) -> tuple[dict[str, Any], list[Link]]:
        """A JSON Patch document: add/replace/remove on /fields/<ref>, add on /relations/-."""
        if not isinstance(body, list) or not body:
            raise Refused(
                400, "VS403525: The JSON patch document is empty or not valid.", "ArgumentException"
            )
        changes: dict[str, Any] = {}
        links: list[Link] = []
        for op in body:
            kind, path = (op.get("op"), op.get("path")) if isinstance(op, dict) else (None, None)
            if kind in {"add", "replace"} and isinstance(path, str) and path.startswith("/fields/"):
                changes[path.removeprefix("/fields/")] = op.get("value")
            elif kind == "remove" and isinstance(path, str) and path.startswith("/fields/"):
                changes[path.removeprefix("/fields/")] = None
            elif kind == "add" and path == "/relations/-" and isinstance(op.get("value"), dict):
                value = op["value"]
                target = str(value.get("url", "")).rstrip("/").rsplit("/", 1)[-1]
                if not target.isdigit():
                    raise Refused(
                        400,
                        f"VS402614: The relation URL {value.get('url')} is not valid.",
                        "ArgumentException",
                    )
                links.append(Link(str(value.get("rel")), int(target), dict(value.get("attributes") or {})))
            else:
                raise Refused(
                    400, f"VS403526: The patch operation {kind} {path} is not supported.", "ArgumentException"
                )
        return changes, links

    def _create(self, kind: str, body: Any, base: str) -> dict[str, Any]:
        found = next((k for k in PROCESSES[self.process] if k.casefold() == kind.casefold()), None)
        if found is None:
            raise Refused(
                404,
                f"VS402323: Work item type {kind} does not exist in project {self.project}.",
                "WorkItemTypeNotFoundException",
            )
        changes, links = self._patch_ops(body)
        title = str(changes.pop("System.Title", "") or "")
        state = str(changes.pop("System.State", None) or next(iter(PROCESSES[self.process][found])))
        draft = WorkItem(0, 0, {"System.WorkItemType": found, "System.State": state})
        self._check_fields(draft, {"System.Title": title, "System.State": state, **changes})
        item = self._new_item(
            title,
            found,
            state,
            changes.pop("System.AreaPath", None),
            changes.pop("System.IterationPath", None),
            None,
            changes,
            self._stamp(),
            links,
        )
        self._created(item, links)
        return self._render(item, base, relations=True)
