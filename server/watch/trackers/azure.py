"""The Azure DevOps Services client the tracker sync uses: plain httpx over the REST API, version 7.1.

Not the ``azure-devops`` package: it rests on msrest, which Microsoft retired, and it hides the
status codes the sync decides by. Every call here is one documented endpoint
(learn.microsoft.com/rest/api/azure/devops): ``wit/wiql`` (Query By Wiql), ``wit/workitemsbatch``
(Get Work Items Batch), ``wit/workitems`` (Update, Create: JSON Patch), ``wit/fields``,
``wit/classificationnodes/Iterations``, ``wit/workitemtypes/{type}/states`` and ``projects/{project}``.

Authentication is HTTP Basic with an empty user name and the personal access token as the password.
Retries: 429 waits for ``Retry-After`` (at most 60 s); 5xx and no answer back off exponentially; after
``attempts`` tries the call raises :class:`TrackerUnreachable`. 401 and 403 raise
:class:`TrackerAuthError`, any other 4xx :class:`TrackerRefused` with the service's own message. No
message, exception or log line holds the token: errors are worded from the status and the service's
``message``, and the token is struck from even that.

A sync's scope is a WHERE clause (:func:`scope_where`): the team project, its teams' area paths and
an optional WIQL filter of the RTE's. WIQL answers ids only (and refuses more than 20,000 of them,
VS402337); the work items themselves come 200 at a time from the batch endpoint.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from server.watch.outbound import GuardedTransport, OutboundRefused
from server.watch.trackers.errors import TrackerAuthError, TrackerRefused, TrackerUnreachable
from server.watch.trackers.issues import SprintRef, TrackedIssue

log = logging.getLogger("piboard.trackers.azure")

PRODUCT = "Azure DevOps"
API_VERSION = "7.1"
BATCH = 200  # the batch endpoint's limit (VS403474 above it)
IDS_PER_QUERY = 1000  # ids in one WIQL IN (...), well below the 32K characters a query may have
MAX_RETRY_AFTER_S = 60.0
ITERATION_DEPTH = 10

PARENT = "System.LinkTypes.Hierarchy-Reverse"
SUCCESSOR = "System.LinkTypes.Dependency-Forward"  # on A, pointing at B: A must finish before B starts
POINTS_FIELDS = (
    "Microsoft.VSTS.Scheduling.StoryPoints",  # Agile
    "Microsoft.VSTS.Scheduling.Effort",  # Scrum
    "Microsoft.VSTS.Scheduling.Size",  # CMMI
)

# A state's category (the service's own word) as the three the sync knows.
CATEGORY_WORDS = {
    "Proposed": "new",
    "InProgress": "indeterminate",
    "Resolved": "indeterminate",
    "Completed": "done",
    "Removed": "done",
}
# The categories of the states of the four stock processes (Basic, Agile, Scrum, CMMI), for a work
# item whose type's states were not read (state_categories()).
STOCK_STATE_CATEGORIES = {
    "New": "Proposed",
    "Proposed": "Proposed",
    "Approved": "Proposed",
    "To Do": "Proposed",
    "Active": "InProgress",
    "Committed": "InProgress",
    "In Progress": "InProgress",
    "Doing": "InProgress",
    "Resolved": "Resolved",
    "Closed": "Completed",
    "Done": "Completed",
    "Removed": "Removed",
}


def wiql_text(value: str) -> str:
    """A WIQL string literal: single quotes, a quote doubled."""
    return "'" + value.replace("'", "''") + "'"


def scope_where(
    project: str, area_paths: Sequence[str] = (), wiql_filter: str = "", *, include_removed: bool = False
) -> str:
    """The WHERE clause of what the board follows: the project, under any of the area paths, the RTE's
    own filter. Removed work items are out of scope unless asked for, so removing one in the tracker
    reads to the sync as its leaving the scope."""
    clauses = [f"[System.TeamProject] = {wiql_text(project)}"]
    if area_paths:
        areas = " OR ".join(f"[System.AreaPath] UNDER {wiql_text(path)}" for path in area_paths)
        clauses.append(f"({areas})")
    if not include_removed:
        clauses.append("[System.State] <> 'Removed'")
    if wiql_filter.strip():
        clauses.append(f"({wiql_filter.strip()})")
    return " AND ".join(clauses)


def backoff_s(attempt: int) -> float:
    """0.5 s, 1 s, 2 s, … at most 30 s, before try ``attempt + 1``."""
    return float(min(0.5 * 2 ** (attempt - 1), 30.0))


def retry_after_s(response: httpx.Response, attempt: int) -> float:
    """The service's Retry-After (seconds), capped; the backoff when it sent none."""
    try:
        return min(max(float(response.headers["retry-after"]), 0.0), MAX_RETRY_AFTER_S)
    except (KeyError, ValueError):
        return backoff_s(attempt)


def work_item_id(url: str) -> str:
    """The id at the end of a relation's ``.../_apis/wit/workItems/{id}``."""
    return url.rstrip("/").rsplit("/", 1)[-1]


class AzureClient:
    """One organisation and team project, as the sync reads and writes it."""

    def __init__(
        self,
        org_url: str,
        *,
        token: str,
        project: str,
        timeout: float = 10.0,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.org_url = org_url.rstrip("/")
        self.project = project
        self.attempts = max(1, attempts)
        self.requests_made = 0
        self._sleep = sleep
        self._secrets = (token, base64.b64encode(f":{token}".encode()).decode())
        self._http = httpx.Client(
            base_url=self.org_url + "/",
            auth=httpx.BasicAuth("", token),
            timeout=timeout,
            transport=GuardedTransport(),  # every request: server.watch.outbound
            headers={"Accept": "application/json"},
        )

    def __enter__(self) -> AzureClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- reads ---------------------------------------------------------------------------------

    def check(self) -> dict[str, Any]:
        """The project, when it exists and the token may read it."""
        return dict(self._call("GET", f"_apis/projects/{quote(self.project, safe='')}"))

    def field_refs(self) -> set[str]:
        """The reference names of the organisation's fields (a removed field is missing)."""
        answer = self._call("GET", "_apis/wit/fields")
        return {f["referenceName"] for f in answer.get("value", [])}

    def query_ids(self, wiql: str) -> list[int]:
        """The ids a WIQL query selects, in its order; dates compare to the second (timePrecision)."""
        answer = self._call(
            "POST",
            f"{self._project_path}/_apis/wit/wiql",
            params={"timePrecision": "true"},
            json={"query": wiql},
        )
        return [int(w["id"]) for w in answer.get("workItems", [])]

    def work_items(self, ids: Iterable[int], fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The work items with their relations, 200 a request; deleted ones are left out.

        The service refuses ``fields`` together with ``$expand``, and the sync needs the relations
        (parent, successors), so every field comes back and ``fields`` is applied here."""
        chosen = [*dict.fromkeys(ids)]
        found: list[dict[str, Any]] = []
        for start in range(0, len(chosen), BATCH):
            body = {"ids": chosen[start : start + BATCH], "$expand": "Relations", "errorPolicy": "Omit"}
            answer = self._call("POST", "_apis/wit/workitemsbatch", json=body)
            found += [item for item in answer.get("value", []) if item is not None]
        if fields is not None:
            keep = {"System.Id", *fields}
            for item in found:
                item["fields"] = {ref: v for ref, v in item.get("fields", {}).items() if ref in keep}
        return found

    def changed_since(self, scope: str, since: datetime) -> list[dict[str, Any]]:
        """The work items in scope changed at or after ``since`` (inclusive: a change in the same
        millisecond as the last one read is read again rather than missed)."""
        moment = since.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ids = self.query_ids(
            f"SELECT [System.Id] FROM WorkItems WHERE ({scope}) "
            f"AND [System.ChangedDate] >= '{moment}' ORDER BY [System.ChangedDate]"
        )
        return self.work_items(ids)

    def ids_in_scope(self, scope: str, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` are still in scope: not deleted, not moved out, not filtered out."""
        chosen = sorted(set(ids))
        kept: set[int] = set()
        for start in range(0, len(chosen), IDS_PER_QUERY):
            listed = ", ".join(str(i) for i in chosen[start : start + IDS_PER_QUERY])
            kept.update(
                self.query_ids(
                    f"SELECT [System.Id] FROM WorkItems WHERE ({scope}) AND [System.Id] IN ({listed})"
                )
            )
        return kept

    def iterations(self) -> dict[str, SprintRef]:
        """Every iteration below the project's root, by the Iteration Path work items carry."""
        root = self._call(
            "GET",
            f"{self._project_path}/_apis/wit/classificationnodes/Iterations",
            params={"$depth": ITERATION_DEPTH},
        )
        found: dict[str, SprintRef] = {}
        pending = list(root.get("children", []))
        while pending:
            node = pending.pop(0)
            attributes = node.get("attributes") or {}
            found[iteration_path(node["path"])] = SprintRef(
                id=str(node["identifier"]),
                name=node["name"],
                start=day(attributes.get("startDate")),
                end=day(attributes.get("finishDate")),
            )
            pending += node.get("children", [])
        return found

    def state_categories(self, work_item_types: Iterable[str]) -> dict[tuple[str, str], str]:
        """Each (type, state)'s category, as the project's process defines it (custom states too)."""
        categories: dict[tuple[str, str], str] = {}
        for kind in dict.fromkeys(work_item_types):
            answer = self._call(
                "GET", f"{self._project_path}/_apis/wit/workitemtypes/{quote(kind, safe='')}/states"
            )
            for state in answer.get("value", []):
                categories[(kind, state["name"])] = state["category"]
        return categories

    # --- writes --------------------------------------------------------------------------------

    def update(self, work_item_id: int, patch_ops: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Apply a JSON Patch to a work item; returns it as changed."""
        return dict(self._call("PATCH", f"_apis/wit/workitems/{work_item_id}", patch=patch_ops))

    def add_dependency(self, predecessor_id: int, successor_id: int) -> dict[str, Any]:
        """``predecessor_id`` must finish before ``successor_id``: a Successor link on the predecessor."""
        link = {"rel": SUCCESSOR, "url": f"{self.org_url}/_apis/wit/workItems/{successor_id}"}
        return self.update(predecessor_id, [{"op": "add", "path": "/relations/-", "value": link}])

    def create(
        self,
        project: str,
        work_item_type: str,
        title: str,
        fields: Mapping[str, Any],
        *,
        parent_id: int | None = None,
    ) -> int:
        """A new work item (a child of ``parent_id``, in the same request); returns its id. Not retried
        once sent without an answer (a timeout, a 500): the service may have made it, and a second try
        would make another."""
        ops: list[dict[str, Any]] = [{"op": "add", "path": "/fields/System.Title", "value": title}]
        ops += [{"op": "add", "path": f"/fields/{ref}", "value": value} for ref, value in fields.items()]
        if parent_id is not None:
            parent = {"rel": PARENT, "url": f"{self.org_url}/_apis/wit/workItems/{parent_id}"}
            ops.append({"op": "add", "path": "/relations/-", "value": parent})
        path = f"{quote(project, safe='')}/_apis/wit/workitems/${quote(work_item_type, safe='')}"
        return int(self._call("POST", path, patch=ops, idempotent=False)["id"])

    # --- HTTP ----------------------------------------------------------------------------------

    @property
    def _project_path(self) -> str:
        return quote(self.project, safe="")

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        patch: Sequence[Mapping[str, Any]] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """One request with the retry policy; the answer's JSON."""
        query = {"api-version": API_VERSION, **(params or {})}
        headers = {}
        if patch is not None:
            headers["Content-Type"] = "application/json-patch+json"
            json = list(patch)
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            self.requests_made += 1
            try:
                response = self._http.request(method, path, params=query, json=json, headers=headers)
            except OutboundRefused as refused:  # nothing was sent, and a retry would not be either
                raise TrackerUnreachable(PRODUCT, refused.reason) from None
            except httpx.TransportError as exc:
                what = "no answer in time" if isinstance(exc, httpx.TimeoutException) else "no connection"
                if last or not idempotent:
                    raise TrackerUnreachable(PRODUCT, f"{what} ({method} {path})") from None
                log.warning(
                    "Azure DevOps: %s (%s %s), try %d of %d", what, method, path, attempt, self.attempts
                )
                self._sleep(backoff_s(attempt))
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                if last or (status >= 500 and status != 503 and not idempotent):
                    raise TrackerUnreachable(
                        PRODUCT, f"{status} after {attempt} tries: {self._message(response)}"
                    )
                delay = retry_after_s(response, attempt) if status == 429 else backoff_s(attempt)
                log.warning("Azure DevOps: %d (%s %s), waiting %.1f s", status, method, path, delay)
                self._sleep(delay)
                continue
            if status in (401, 403) or status == 203:
                # 203 is the sign-in page the service shows some clients for a token it does not take
                raise TrackerAuthError(PRODUCT, f"the personal access token was refused ({status})")
            if status >= 400:
                raise TrackerRefused(PRODUCT, self._message(response), status)
            return response.json()
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _message(self, response: httpx.Response) -> str:
        """The service's own words for an error, never a secret."""
        try:
            message = str(response.json().get("message") or "")
        except (ValueError, AttributeError):
            message = response.text[:200]
        message = message or response.reason_phrase or f"HTTP {response.status_code}"
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message


def iteration_path(node_path: str) -> str:
    r"""A classification node's path (``\Rocket\Iteration\Sprint 1``) as work items carry it
    (``Rocket\Sprint 1``)."""
    parts = node_path.strip("\\").split("\\")
    if len(parts) > 1 and parts[1] == "Iteration":
        del parts[1]
    return "\\".join(parts)


def day(value: str | None) -> date | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date() if value else None


def from_azure(
    raw: Mapping[str, Any],
    iterations: Mapping[str, SprintRef],
    categories: Mapping[tuple[str, str], str] | None = None,
) -> TrackedIssue:
    """A work item from the batch endpoint (with relations) as the sync reads it.

    The team is the Area Path's last node (none at the project's root); the sprint is the Iteration
    Path's iteration (none at the root or when ``iterations`` does not know it yet); points are Story
    Points, else Effort, else Size; ``blocks`` are the successors: this item must finish first."""
    fields = raw.get("fields", {})
    kind = str(fields.get("System.WorkItemType", ""))
    state = str(fields.get("System.State", ""))
    category = (categories or {}).get((kind, state)) or STOCK_STATE_CATEGORIES.get(state, "InProgress")
    area = str(fields.get("System.AreaPath", "")).split("\\")
    points = next((fields[ref] for ref in POINTS_FIELDS if fields.get(ref) is not None), None)
    relations = raw.get("relations") or []
    parents = [work_item_id(r["url"]) for r in relations if r.get("rel") == PARENT]
    if not parents and fields.get("System.Parent") is not None:
        parents = [str(fields["System.Parent"])]
    successors = sorted({work_item_id(r["url"]) for r in relations if r.get("rel") == SUCCESSOR}, key=int)
    changed = fields.get("System.ChangedDate")
    return TrackedIssue(
        tracker_id=str(raw["id"]),
        key=str(raw["id"]),
        project=str(fields.get("System.TeamProject", "")),
        issue_type=kind,
        summary=str(fields.get("System.Title", "")),
        status=state,
        status_category=CATEGORY_WORDS.get(category, "indeterminate"),
        points=None if points is None else float(points),
        team=area[-1] if len(area) > 1 else "",
        sprint=iterations.get(str(fields.get("System.IterationPath", ""))),
        parent_key=parents[0] if parents else None,
        blocks=tuple(successors),
        updated=datetime.fromisoformat(changed.replace("Z", "+00:00")) if changed else None,
    )


def verify_service_hook(header: str | None, username: str, password: str) -> bool:
    """Whether a service hook's ``Authorization`` header carries the user name and password its
    subscription was given (the Web Hooks "basic authentication" option), compared in constant time."""
    if not header or not password:
        return False
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(credentials.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, f"{username}:{password}".encode())
