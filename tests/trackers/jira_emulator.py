"""A Jira emulator for tests: Jira Cloud (REST v3) or Jira Data Center (REST v2), in memory, over real HTTP.

Written from Atlassian's published REST documentation and from what Jira is observed to answer (see
tests/trackers/README.md, "Jira", for the sources and for what is emulated and what is not)::

    jira = JiraEmulator("cloud")
    sprint = jira.add_sprint("Sprint 1", state="active")
    key = jira.add_issue("ABC", "Checkout", points=5, team="Atlas", sprint=sprint)
    with jira.running() as url:
        ...  # talk HTTP to url as to https://your-site.atlassian.net
        jira.update(key, summary="Checkout v2")  # bumps updated, fires the webhooks

Faults (:meth:`rate_limit`, :meth:`outage`, :meth:`hang`, :meth:`revoke`) answer the next requests as
Jira does when it is busy, down, slow or the token is withdrawn. Every request is logged
(:attr:`requests`) before any fault or authentication applies.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import hashlib
import hmac
import itertools
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.trackers.http_server import served

log = logging.getLogger("tests.jira_emulator")

Flavour = Literal["cloud", "datacenter"]

TEAM_FIELD = "customfield_10001"
SPRINT_FIELD = "customfield_10020"
# Jira Software's points field: "Story point estimate" on Cloud, "Story Points" on Data Center.
POINTS_FIELD = {"cloud": "customfield_10016", "datacenter": "customfield_10002"}
POINTS_NAME = {"cloud": "Story point estimate", "datacenter": "Story Points"}
API = {"cloud": "/rest/api/3", "datacenter": "/rest/api/2"}
SEARCH_CAP = {"cloud": 100, "datacenter": 1000}  # Cloud's page limit; DC's jira.search.views.default.max
SPRINT_MOVE_CAP = 50  # "At most 50 issues may be moved at once" (agile sprint/{id}/issue)
SPRINT_PAGE_CAP = 50  # the agile API's sprints per page (its default, and the most it gives)
BOARD_ID = 1  # every sprint is on one agile board

CATEGORIES = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"},
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}
LINK_TYPES = {
    "Blocks": {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    "Relates": {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
}
ISSUE_TYPES = ("Epic", "Story", "Task", "Bug", "Sub-task")
STATUSES = ("To Do", "In Progress", "Done")  # the default workflow's; set_status() may add others
KEY_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$", re.IGNORECASE)
DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


def jira_time(moment: datetime, zone: ZoneInfo) -> str:
    """Jira's timestamp: ``2026-12-06T10:00:00.000+0100``, in the site's time zone."""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def agile_time(moment: datetime | None) -> str | None:
    """The agile API's sprint dates: ISO 8601 in UTC with milliseconds and ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JqlError(Exception):
    """Jira refuses the query with these messages (400, ``errorMessages``)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass
class Sprint:
    id: int
    name: str
    state: str  # "active", "closed" or "future"
    start: datetime | None = None
    end: datetime | None = None


@dataclass
class Issue:
    id: int
    key: str
    project: str
    issue_type: str
    summary: str
    status: str
    category: str
    points: float | None
    team: str
    sprints: list[int]
    parent_id: int | None
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Link:
    type: str
    source: int  # the issue that "blocks" (the one whose issuelinks show outwardIssue)
    target: int  # the issue that "is blocked by"


@dataclass
class Webhook:
    url: str
    secret: str
    enabled: bool = True


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str


@dataclass(frozen=True)
class Delivery:
    """One webhook post and what came of it: the receiver's status, or the error that stopped it."""

    url: str
    event: str
    status: int | None
    error: str = ""


@dataclass
class Faults:
    rate_limited: int = 0
    retry_after_s: int = 1
    outage: int | None = 0  # requests still to fail; None: until cleared
    hang_s: float = 0.0
    hangs: int | None = 0
    revoked: int | None = None  # 401 or 403 for every request once set


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    custom: bool
    schema: dict[str, Any]
    clause_names: tuple[str, ...]

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.id,
            "name": self.name,
            "custom": self.custom,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": list(self.clause_names),
            "schema": self.schema,
        }


def field_defs(flavour: Flavour) -> list[FieldDef]:
    """The fields /field lists: Jira's system fields the sync reads and the three custom ones."""
    points = POINTS_FIELD[flavour]
    points_type = (
        "com.pyxis.greenhopper.jira:jsw-story-points"
        if flavour == "cloud"
        else "com.atlassian.jira.plugin.system.customfieldtypes:float"
    )
    system = [
        ("summary", "Summary", {"type": "string", "system": "summary"}),
        ("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}),
        ("status", "Status", {"type": "status", "system": "status"}),
        ("project", "Project", {"type": "project", "system": "project"}),
        ("created", "Created", {"type": "datetime", "system": "created"}),
        ("updated", "Updated", {"type": "datetime", "system": "updated"}),
        ("parent", "Parent", {"type": "issuelink", "system": "parent"}),
        ("issuelinks", "Linked Issues", {"type": "array", "items": "issuelinks", "system": "issuelinks"}),
    ]
    defs = [FieldDef(i, n, False, s, (i,)) for i, n, s in system]
    number = {"type": "number", "custom": points_type, "customId": int(points.split("_")[1])}
    sprint = {
        "type": "array",
        "items": "json" if flavour == "cloud" else "string",
        "custom": "com.pyxis.greenhopper.jira:gh-sprint",
        "customId": 10020,
    }
    team = {
        "type": "option",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
        "customId": 10001,
    }
    defs.append(FieldDef(points, POINTS_NAME[flavour], True, number, (f"cf[{number['customId']}]",)))
    defs.append(FieldDef(SPRINT_FIELD, "Sprint", True, sprint, ("cf[10020]", "sprint")))
    defs.append(FieldDef(TEAM_FIELD, "Team", True, team, ("cf[10001]", "Team")))
    return defs


# --- JQL: the subset the sync sends and the scopes an RTE types -------------------------------------

TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|!~|=|>|<|~)|(?P<punct>[(),])"""
    r"""|(?P<word>[^\s(),=!<>~"']+)|(?P<bad>["']))"""
)
KEYWORDS = {"and", "or", "not", "in", "is", "order", "by", "asc", "desc", "empty", "null"}


@dataclass(frozen=True)
class Token:
    kind: str  # "str", "op", "punct", "word", "end"
    text: str
    pos: int

    def word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass(frozen=True)
class Clause:
    field: str
    op: str  # "=", "!=", ">=", ">", "<=", "<", "in", "not in", "is", "is not", "~", "!~"
    values: tuple[str, ...]
    pos: int


@dataclass(frozen=True)
class BoolNode:
    op: str  # "and", "or", "not"
    children: tuple[Node, ...]


Node = Clause | BoolNode


def tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(jql):
        if not jql[pos:].strip():
            break
        match = TOKEN.match(jql, pos)
        if match is None:  # unreachable: the word class takes everything else
            raise JqlError(f"Error in the JQL Query: unexpected character at {pos + 1}.")
        kind = match.lastgroup or "word"
        start = match.start(kind)
        if kind == "bad":
            raise JqlError(
                f"Error in the JQL Query: The quoted string '{jql[start + 1 :]}' has not been completed. "
                f"(line 1, character {start + 1})"
            )
        text = match.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(Token(kind, text, start + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(jql) + 1))
    return tokens


class JqlParser:
    """Recursive descent over AND, OR, NOT, parentheses, clauses and ORDER BY."""

    def __init__(self, jql: str) -> None:
        self.tokens = tokenize(jql)
        self.at = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, expecting: str) -> JqlError:
        token = self.peek()
        got = "the end of the query" if token.kind == "end" else f"'{token.text}'"
        return JqlError(
            f"Error in the JQL Query: Expecting {expecting} but got {got}. (line 1, character {token.pos})"
        )

    def parse(self) -> tuple[Node | None, list[tuple[str, bool]]]:
        where = None if self.peek().word("order") or self.peek().kind == "end" else self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.peek().word("order"):
            self.take()
            if not self.peek().word("by"):
                raise self.fail("'by'")
            self.take()
            while True:
                name = self.take()
                if name.kind not in ("word", "str"):
                    raise self.fail("a field name")
                descending = False
                if self.peek().word("asc", "desc"):
                    descending = self.take().text.lower() == "desc"
                order.append((name.text, descending))
                if self.peek().text != ",":
                    break
                self.take()
        if self.peek().kind != "end":
            raise self.fail("either 'OR' or 'AND'")
        return where, order

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.peek().word("or"):
            self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else BoolNode("or", tuple(nodes))

    def and_expr(self) -> Node:
        nodes = [self.unary()]
        while self.peek().word("and"):
            self.take()
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else BoolNode("and", tuple(nodes))

    def unary(self) -> Node:
        if self.peek().word("not"):
            self.take()
            return BoolNode("not", (self.unary(),))
        if self.peek().text == "(" and self.peek().kind == "punct":
            self.take()
            node = self.or_expr()
            if self.take().text != ")":
                self.at -= 1
                raise self.fail("')'")
            return node
        return self.clause()

    def clause(self) -> Clause:
        name = self.peek()
        if name.kind not in ("word", "str") or (name.kind == "word" and name.text.lower() in KEYWORDS):
            raise self.fail("a field name")
        self.take()
        op_token = self.take()
        if op_token.kind == "op":
            op = op_token.text
        elif op_token.word("in"):
            op = "in"
        elif op_token.word("not") and self.peek().word("in"):
            self.take()
            op = "not in"
        elif op_token.word("is"):
            op = "is"
            if self.peek().word("not"):
                self.take()
                op = "is not"
        else:
            self.at -= 1
            raise self.fail("an operator")
        if op in ("in", "not in"):
            if self.peek().text != "(":
                raise self.fail("'('")
            self.take()
            values = [self.value()]
            while self.peek().text == ",":
                self.take()
                values.append(self.value())
            if self.take().text != ")":
                self.at -= 1
                raise self.fail("')'")
            return Clause(name.text, op, tuple(values), name.pos)
        return Clause(name.text, op, (self.value(),), name.pos)

    def value(self) -> str:
        token = self.take()
        if token.kind == "str" or (token.kind == "word" and token.text.lower() not in ("and", "or", "order")):
            if token.kind == "word" and self.peek().text == "(":
                raise JqlError(f"The emulator does not support JQL functions ('{token.text}()').")
            return token.text
        self.at -= 1
        raise self.fail("either a value, 'EMPTY' or a function")


# --- the emulator -----------------------------------------------------------------------------------


Predicate = Callable[[Issue], bool]
Handler = Callable[[Request, Any], Response]


class JiraEmulator:
    """Jira in memory. Test methods change it the way people do in Jira; the app answers its REST API."""

    def __init__(
        self,
        flavour: Flavour = "cloud",
        *,
        email: str = "rte@example.com",
        token: str = "jira-test-token",
        time_zone: str = "UTC",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if flavour not in API:
            raise ValueError(f"flavour is 'cloud' or 'datacenter', not {flavour!r}")
        self.flavour: Flavour = flavour
        self.email = email
        self.token = token
        self.time_zone = time_zone
        self.zone = ZoneInfo(time_zone)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.base_url = ""
        self.requests: list[RequestRecord] = []
        self.deliveries: list[Delivery] = []
        self.faults = Faults()
        self.webhooks: list[Webhook] = []
        self.fields = field_defs(flavour)
        self._lock = threading.RLock()
        self._issues: dict[int, Issue] = {}
        self._by_key: dict[str, int] = {}
        self._moved_keys: dict[str, int] = {}  # a moved issue's former keys: Jira still resolves them
        self._by_updated: list[tuple[datetime, int]] = []  # sorted: `updated >=` is a bisect
        self._links: list[Link] = []
        self._sprints: dict[int, Sprint] = {}
        self._projects: dict[str, itertools.count[int]] = {}
        self._ids = itertools.count(10001)
        self._sprint_ids = itertools.count(1)
        self._version = 0  # bumped by every change: search results are cached per (jql, version)
        self._search_cache: dict[str, tuple[int, list[int]]] = {}
        self._outbox: queue.Queue[tuple[Webhook, str, bytes] | None] = queue.Queue()
        self._sender: threading.Thread | None = None
        self._stopping = False

    # -- running -------------------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        return len(self.requests)

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve the REST API on a free loopback port; yields the site's base URL."""
        self._stopping = False
        with served(self.app()) as url:
            self.base_url = url
            try:
                yield url
            finally:
                self._stopping = True  # releases hanging answers, so the server can stop
                self._stop_sender()

    # -- test-driven changes -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def add_project(self, key: str) -> None:
        with self._lock:
            self._projects.setdefault(key.upper(), itertools.count(1))

    def add_sprint(
        self,
        name: str,
        *,
        state: str = "active",
        start: date | datetime | None = None,
        end: date | datetime | None = None,
    ) -> int:
        """A sprint (on board 1); returns its id."""
        if state not in ("active", "closed", "future"):
            raise ValueError(f"a sprint's state is active, closed or future, not {state!r}")
        with self._lock:
            sprint = Sprint(next(self._sprint_ids), name, state, _moment(start), _moment(end))
            self._sprints[sprint.id] = sprint
            return sprint.id

    def add_issue(
        self,
        project: str,
        summary: str = "",
        *,
        issue_type: str = "Story",
        status: str = "To Do",
        category: str = "new",
        points: float | None = None,
        team: str = "",
        sprint: int | None = None,
        parent: str | None = None,
        blocks: Iterable[str] = (),
        updated: datetime | None = None,
    ) -> str:
        """Create an issue as someone does in Jira (fires ``jira:issue_created``); returns its key."""
        with self._lock:
            issue = self._new_issue(project, summary or f"{issue_type} in {project}", issue_type, updated)
            issue.status, issue.category, issue.points, issue.team = status, category, points, team
            if sprint is not None:
                self._sprint(sprint)
                issue.sprints = [sprint]
            if parent is not None:
                issue.parent_id = self._resolve(parent).id
            for blocked in blocks:
                self._add_link("Blocks", issue.id, self._resolve(blocked).id)
            self._store(issue)
            self._announce("jira:issue_created", issue)
            return issue.key

    def many(self, n: int, *, project: str = "BENCH", team: str = "", start: datetime | None = None) -> None:
        """``n`` stories at once for a bench: no webhooks, one minute of ``updated`` apart, oldest first."""
        first = start or self.now() - timedelta(minutes=n)
        with self._lock:
            for i in range(n):
                moment = first + timedelta(minutes=i)
                issue = self._new_issue(project, f"Bench story {i + 1}", "Story", moment)
                issue.points, issue.team = float(i % 8 + 1), team
                self._issues[issue.id] = issue
                self._by_key[issue.key] = issue.id
                self._by_updated.append((issue.updated, issue.id))
            self._by_updated.sort()
            self._version += 1

    def update(self, key: str, **changes: Any) -> None:
        """Change an issue's ``summary``, ``issue_type``, ``points``, ``team`` or ``parent`` (a key)."""
        allowed = {"summary", "issue_type", "points", "team", "parent"}
        if unknown := set(changes) - allowed:
            raise ValueError(f"update() changes {sorted(allowed)}, not {sorted(unknown)}")
        with self._lock:
            issue = self._resolve(key)
            for name, value in changes.items():
                if name == "parent":
                    issue.parent_id = None if value is None else self._resolve(value).id
                else:
                    setattr(issue, name, value)
            self._touch(issue)

    def set_status(self, key: str, name: str, category: str) -> None:
        """A transition: the status ``name`` in the category new, indeterminate or done."""
        if category not in CATEGORIES:
            raise ValueError(f"a status category is new, indeterminate or done, not {category!r}")
        with self._lock:
            issue = self._resolve(key)
            issue.status, issue.category = name, category
            self._touch(issue)

    def move_to_sprint(self, key: str, sprint: int) -> None:
        with self._lock:
            issue = self._resolve(key)
            self._put_in_sprint(issue, self._sprint(sprint))
            self._touch(issue)

    def link_blocks(self, blocker: str, blocked: str) -> None:
        with self._lock:
            source, target = self._resolve(blocker), self._resolve(blocked)
            self._add_link("Blocks", source.id, target.id)
            self._touch(source)
            self._touch(target)

    def delete(self, key: str) -> None:
        """Delete an issue (``jira:issue_deleted``): its key and its former keys no longer resolve."""
        with self._lock:
            issue = self._resolve(key)
            self._unindex(issue)
            del self._issues[issue.id]
            del self._by_key[issue.key]
            self._moved_keys = {k: i for k, i in self._moved_keys.items() if i != issue.id}
            self._links = [link for link in self._links if issue.id not in (link.source, link.target)]
            for child in self._issues.values():
                if child.parent_id == issue.id:
                    child.parent_id = None
            self._version += 1
            self._announce("jira:issue_deleted", issue)

    def move_to_project(self, key: str, new_project: str) -> str:
        """Move an issue to another project: a new key, the same id. Like Jira, the old key still
        resolves (GET /issue/OLD-1 and ``key = OLD-1`` answer the issue under its new key)."""
        with self._lock:
            issue = self._resolve(key)
            old = issue.key
            project = new_project.upper()
            numbers = self._projects.setdefault(project, itertools.count(1))
            issue.project, issue.key = project, f"{project}-{next(numbers)}"
            del self._by_key[old]
            self._by_key[issue.key] = issue.id
            self._moved_keys[old] = issue.id
            self._touch(issue)
            return issue.key

    def rename_sprint(self, sprint: int, name: str) -> None:
        """Rename a sprint. As in Jira this changes no issue (their ``updated`` stays): only the
        ``sprint_updated`` webhook tells."""
        with self._lock:
            found = self._sprint(sprint)
            found.name = name
            self._version += 1
            body = {
                "timestamp": _millis(self.now()),
                "webhookEvent": "sprint_updated",
                "sprint": self._sprint_json(found),
            }
            self._send_to_webhooks("sprint_updated", body)

    def remove_field(self, name: str) -> None:
        """An admin deletes a custom field: gone from /field, from issues and from JQL."""
        with self._lock:
            if not any(f.name == name for f in self.fields):
                raise KeyError(name)
            self.fields = [f for f in self.fields if f.name != name]
            self._version += 1

    def issue(self, key: str) -> dict[str, Any]:
        """The issue as GET /issue answers it, for a test's assertions."""
        with self._lock:
            return self._issue_json(self._resolve(key), None)

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._by_key, key=_key_order)

    # -- faults --------------------------------------------------------------------------------------

    def rate_limit(self, times: int = 1, retry_after_s: int = 1) -> None:
        """The next ``times`` requests get 429 with ``Retry-After: retry_after_s``."""
        with self._lock:
            self.faults.rate_limited, self.faults.retry_after_s = times, retry_after_s

    def outage(self, times: int | None = None) -> None:
        """The next ``times`` requests (all, until :meth:`clear_faults`, when None) get 503."""
        with self._lock:
            self.faults.outage = times

    def hang(self, seconds: float, times: int | None = None) -> None:
        """The next ``times`` answers (all, when None) come ``seconds`` late."""
        with self._lock:
            self.faults.hang_s, self.faults.hangs = seconds, times

    def revoke(self, status: int = 401) -> None:
        """The token stops working: 401 (revoked, expired) or 403 (lacks a permission)."""
        if status not in (401, 403):
            raise ValueError("revoke() answers 401 or 403")
        with self._lock:
            self.faults.revoked = status

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = Faults()

    # -- webhooks ------------------------------------------------------------------------------------

    def register(self, url: str, secret: str, enabled: bool = True) -> Webhook:
        """A webhook Jira posts every issue change to, signed with ``secret`` (X-Hub-Signature)."""
        with self._lock:
            hook = Webhook(url, secret, enabled)
            self.webhooks.append(hook)
            return hook

    def _announce(self, event: str, issue: Issue) -> None:
        if not self.webhooks:
            return
        body = {
            "timestamp": _millis(self.now()),
            "webhookEvent": event,
            "issue_event_type_name": event.removeprefix("jira:"),
            "issue": self._issue_json(issue, None),
        }
        self._send_to_webhooks(event, body)

    def _send_to_webhooks(self, event: str, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        for hook in self.webhooks:
            if hook.enabled:
                self._outbox.put((hook, event, raw))
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._deliver, name="jira-webhooks", daemon=True)
            self._sender.start()

    def _deliver(self) -> None:
        """Fire and forget, from a background thread as Jira does; each outcome lands in deliveries."""
        with httpx.Client(timeout=5.0) as client:
            while (item := self._outbox.get()) is not None:
                hook, event, raw = item
                headers = {
                    "Content-Type": "application/json",
                    "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
                    "X-Atlassian-Webhook-Flow": "Primary",
                }
                if hook.secret:
                    digest = hmac.new(hook.secret.encode(), raw, hashlib.sha256).hexdigest()
                    headers["X-Hub-Signature"] = f"sha256={digest}"
                try:
                    status: int | None = client.post(hook.url, content=raw, headers=headers).status_code
                    error = ""
                except httpx.HTTPError as exc:
                    status, error = None, f"{type(exc).__name__}: {exc}"
                if status is None or status >= 400:
                    log.warning("webhook %s to %s failed: %s", event, hook.url, error or status)
                self.deliveries.append(Delivery(hook.url, event, status, error))

    def _stop_sender(self) -> None:
        if self._sender is not None and self._sender.is_alive():
            self._outbox.put(None)
            self._sender.join(timeout=10)
        self._sender = None

    # -- state helpers (under the lock) ---------------------------------------------------------------

    def _new_issue(self, project: str, summary: str, issue_type: str, updated: datetime | None) -> Issue:
        key_project = project.upper()
        numbers = self._projects.setdefault(key_project, itertools.count(1))
        moment = updated or self.now()
        issue_id = next(self._ids)
        return Issue(
            issue_id, f"{key_project}-{next(numbers)}", key_project, issue_type, summary,
            "To Do", "new", None, "", [], None, moment, moment,
        )  # fmt: skip

    def _store(self, issue: Issue) -> None:
        self._issues[issue.id] = issue
        self._by_key[issue.key] = issue.id
        bisect.insort(self._by_updated, (issue.updated, issue.id))
        self._version += 1

    def _unindex(self, issue: Issue) -> None:
        at = bisect.bisect_left(self._by_updated, (issue.updated, issue.id))
        del self._by_updated[at]

    def _touch(self, issue: Issue) -> None:
        """Jira bumps ``updated`` on every change and tells the webhooks."""
        self._unindex(issue)
        issue.updated = max(self.now(), issue.updated)
        bisect.insort(self._by_updated, (issue.updated, issue.id))
        self._version += 1
        self._announce("jira:issue_updated", issue)

    def _find(self, id_or_key: str) -> Issue | None:
        text = id_or_key.strip()
        if text.isdigit():
            return self._issues.get(int(text))
        upper = text.upper()
        issue_id = self._by_key.get(upper, self._moved_keys.get(upper))
        return None if issue_id is None else self._issues.get(issue_id)

    def _resolve(self, id_or_key: str) -> Issue:
        issue = self._find(id_or_key)
        if issue is None:
            raise KeyError(f"no issue {id_or_key}")
        return issue

    def _sprint(self, sprint_id: int) -> Sprint:
        if sprint_id not in self._sprints:
            raise KeyError(f"no sprint {sprint_id}")
        return self._sprints[sprint_id]

    def _put_in_sprint(self, issue: Issue, sprint: Sprint) -> None:
        # An issue is in at most one open sprint and keeps the closed ones it went through.
        kept = [s for s in issue.sprints if self._sprints[s].state == "closed" and s != sprint.id]
        issue.sprints = [*kept, sprint.id]

    def _add_link(self, type_name: str, source: int, target: int) -> None:
        link = Link(type_name, source, target)
        if link not in self._links:
            self._links.append(link)

    def _field(self, field_id: str) -> FieldDef | None:
        return next((f for f in self.fields if f.id == field_id), None)

    # -- JSON -----------------------------------------------------------------------------------------

    def _self(self, issue_id: int) -> str:
        return f"{self.base_url}{API[self.flavour]}/issue/{issue_id}"

    def _ref(self, issue: Issue) -> dict[str, Any]:
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": self._self(issue.id),
            "fields": {
                "summary": issue.summary,
                "status": self._status_json(issue),
                "issuetype": {"name": issue.issue_type, "subtask": issue.issue_type == "Sub-task"},
            },
        }

    def _status_json(self, issue: Issue) -> dict[str, Any]:
        return {"name": issue.status, "statusCategory": dict(CATEGORIES[issue.category])}

    def _sprint_json(self, sprint: Sprint) -> dict[str, Any]:
        return {
            "id": sprint.id,
            "name": sprint.name,
            "state": sprint.state,
            "boardId": BOARD_ID,
            "goal": "",
            "startDate": agile_time(sprint.start),
            "endDate": agile_time(sprint.end),
        }

    def _sprint_value(self, sprint: Sprint) -> Any:
        if self.flavour == "cloud":
            return self._sprint_json(sprint)

        # Data Center's REST v2 still answers the sprint field with the Sprint object's toString().
        def when(moment: datetime | None) -> str:
            return "<null>" if moment is None else moment.isoformat(timespec="milliseconds")

        return (
            f"com.atlassian.greenhopper.service.sprint.Sprint@{sprint.id * 7919:x}[id={sprint.id},"
            f"rapidViewId=1,state={sprint.state.upper()},name={sprint.name},startDate={when(sprint.start)},"
            f"endDate={when(sprint.end)},completeDate=<null>,sequence={sprint.id},goal=]"
        )

    def _links_json(self, issue: Issue) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for n, link in enumerate(self._links):
            if issue.id not in (link.source, link.target):
                continue
            entry: dict[str, Any] = {"id": str(20000 + n), "type": dict(LINK_TYPES[link.type])}
            if link.source == issue.id:
                entry["outwardIssue"] = self._ref(self._issues[link.target])
            else:
                entry["inwardIssue"] = self._ref(self._issues[link.source])
            found.append(entry)
        return found

    def _issue_json(self, issue: Issue, wanted: set[str] | None) -> dict[str, Any]:
        """The issue bean; ``wanted`` is the field ids asked for (None: all)."""
        values: dict[str, Callable[[], Any]] = {
            "summary": lambda: issue.summary,
            "issuetype": lambda: {"name": issue.issue_type, "subtask": issue.issue_type == "Sub-task"},
            "status": lambda: self._status_json(issue),
            "project": lambda: {"key": issue.project, "name": issue.project},
            "created": lambda: jira_time(issue.created, self.zone),
            "updated": lambda: jira_time(issue.updated, self.zone),
            "parent": lambda: None if issue.parent_id is None else self._ref(self._issues[issue.parent_id]),
            "issuelinks": lambda: self._links_json(issue),
            POINTS_FIELD[self.flavour]: lambda: issue.points,
            SPRINT_FIELD: lambda: [self._sprint_value(self._sprints[s]) for s in issue.sprints] or None,
            TEAM_FIELD: lambda: {"value": issue.team, "id": _option_id(issue.team)} if issue.team else None,
        }
        fields: dict[str, Any] = {}
        for definition in self.fields:
            if wanted is not None and definition.id not in wanted:
                continue
            value = values[definition.id]()
            if value is not None or definition.custom:
                fields[definition.id] = value
        return {
            "expand": "",
            "id": str(issue.id),
            "self": self._self(issue.id),
            "key": issue.key,
            "fields": fields,
        }

    def _wanted(self, requested: Sequence[str] | None, default: str) -> set[str] | None:
        """Jira's ``fields``: ids, ``*all``, ``*navigable``, ``-id`` to leave one out; unknown ids ignored."""
        items = [
            part.strip() for item in (requested or [default]) for part in item.split(",") if part.strip()
        ]
        everything = {f.id for f in self.fields}
        wanted: set[str] = set()
        for item in items:
            if item in ("*all", "*navigable"):
                wanted |= everything
            elif not item.startswith("-"):
                wanted.add(item)
        for item in items:
            if item.startswith("-"):
                wanted.discard(item[1:])
        return None if wanted >= everything else wanted

    # -- JQL evaluation --------------------------------------------------------------------------------

    def search_ids(self, jql: str, *, strict: bool = True) -> list[int]:
        """The ids ``jql`` finds, in its order (cached until the next change)."""
        cache_key = f"{strict}:{jql}"
        cached = self._search_cache.get(cache_key)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        where, order = JqlParser(jql).parse()
        errors: list[str] = []
        predicate = self._compile(where, errors, strict) if where is not None else (lambda _issue: True)
        sort_keys = [self._order_key(name, errors) for name, _desc in order]
        if errors:
            raise JqlError(*errors)
        floor = _updated_floor(where, self.zone)
        if floor is None:
            candidates: Iterable[Issue] = self._issues.values()
        else:
            start = bisect.bisect_left(self._by_updated, (floor, 0))
            candidates = (self._issues[i] for _u, i in self._by_updated[start:])
        found = [issue for issue in candidates if predicate(issue)]
        if not order:
            found.sort(key=lambda i: _key_order(i.key), reverse=True)  # Jira's default: newest key first
        for sort_key, (_name, descending) in reversed(list(zip(sort_keys, order, strict=True))):
            found.sort(key=sort_key, reverse=descending)
        ids = [issue.id for issue in found]
        if len(self._search_cache) > 64:
            self._search_cache.clear()
        self._search_cache[cache_key] = (self._version, ids)
        return ids

    def _order_key(self, name: str, errors: list[str]) -> Callable[[Issue], Any]:
        keys: dict[str, Callable[[Issue], Any]] = {
            "updated": lambda i: (i.updated, i.id),
            "created": lambda i: (i.created, i.id),
            "key": lambda i: _key_order(i.key),
            "issuekey": lambda i: _key_order(i.key),
            "id": lambda i: i.id,
        }
        if name.lower() not in keys:
            errors.append(f"Not able to sort using field '{name}'.")
            return keys["id"]
        return keys[name.lower()]

    def _compile(self, node: Node, errors: list[str], strict: bool) -> Predicate:
        if isinstance(node, BoolNode):
            parts = [self._compile(child, errors, strict) for child in node.children]
            if node.op == "and":
                return lambda issue: all(p(issue) for p in parts)
            if node.op == "or":
                return lambda issue: any(p(issue) for p in parts)
            return lambda issue: not parts[0](issue)
        return self._clause(node, errors, strict)

    def _clause(self, clause: Clause, errors: list[str], strict: bool) -> Predicate:
        name = clause.field.lower()
        if name == "project":
            return self._project_clause(clause, errors)
        if name in ("key", "issuekey", "issue", "id"):
            return self._key_clause(clause, errors, strict)
        if name in ("updated", "updateddate", "created", "createddate"):
            return self._date_clause(clause, errors)
        if name in ("issuetype", "type", "status", "statuscategory"):
            return self._name_clause(clause, errors)
        team = self._field(TEAM_FIELD)
        if team is not None and name in {team.name.lower(), "cf[10001]", TEAM_FIELD}:
            return self._team_clause(clause, errors)
        if any(name in {f.name.lower(), f.id, *(c.lower() for c in f.clause_names)} for f in self.fields):
            errors.append(f"The emulator does not support the field '{clause.field}' in JQL.")
        else:
            errors.append(f"Field '{clause.field}' does not exist or you do not have permission to view it.")
        return lambda _issue: False

    def _operator(self, clause: Clause, allowed: Iterable[str], errors: list[str]) -> bool:
        if clause.op in allowed:
            return True
        errors.append(f"The operator '{clause.op}' is not supported by the '{clause.field}' field.")
        return False

    def _membership(self, clause: Clause, matches: Callable[[Issue], bool]) -> Predicate:
        if clause.op in ("!=", "not in"):
            return lambda issue: not matches(issue)
        return matches

    def _project_clause(self, clause: Clause, errors: list[str]) -> Predicate:
        if not self._operator(clause, ("=", "!=", "in", "not in"), errors):
            return lambda _issue: False
        projects = set()
        for value in clause.values:
            if value.upper() not in self._projects:
                errors.append(f"The value '{value}' does not exist for the field '{clause.field}'.")
            projects.add(value.upper())
        return self._membership(clause, lambda issue: issue.project in projects)

    def _key_clause(self, clause: Clause, errors: list[str], strict: bool) -> Predicate:
        if not self._operator(clause, ("=", "!=", "in", "not in"), errors):
            return lambda _issue: False
        ids = set()
        for value in clause.values:
            if not value.isdigit() and not KEY_SHAPE.match(value):
                errors.append(f"The issue key '{value}' for field '{clause.field}' is invalid.")
                continue
            issue = self._find(value)
            if issue is not None:
                ids.add(issue.id)
            elif strict:
                errors.append(f"An issue with key '{value}' does not exist for field '{clause.field}'.")
        return self._membership(clause, lambda issue: issue.id in ids)

    def _date_clause(self, clause: Clause, errors: list[str]) -> Predicate:
        if not self._operator(clause, (">=", ">", "<=", "<"), errors):
            return lambda _issue: False
        moment = _jql_date(clause.values[0], self.zone)
        if moment is None:
            errors.append(
                f"Date value '{clause.values[0]}' for field '{clause.field}' is invalid. "
                "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
                "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
            )
            return lambda _issue: False
        created = clause.field.lower().startswith("created")
        compare: dict[str, Callable[[datetime], bool]] = {
            ">=": lambda m: m >= moment,
            ">": lambda m: m > moment,
            "<=": lambda m: m <= moment,
            "<": lambda m: m < moment,
        }
        test = compare[clause.op]
        return lambda issue: test(issue.created if created else issue.updated)

    def _name_clause(self, clause: Clause, errors: list[str]) -> Predicate:
        if not self._operator(clause, ("=", "!=", "in", "not in"), errors):
            return lambda _issue: False
        name = clause.field.lower()
        known: dict[str, Callable[[Issue], str]] = {
            "issuetype": lambda i: i.issue_type,
            "type": lambda i: i.issue_type,
            "status": lambda i: i.status,
            "statuscategory": lambda i: str(CATEGORIES[i.category]["name"]),
        }
        value_of = known[name]
        if name == "statuscategory":
            names = {str(c["name"]).lower() for c in CATEGORIES.values()}
            aliases = {str(c["key"]): str(c["name"]).lower() for c in CATEGORIES.values()}
            wanted = {aliases.get(v.lower(), v.lower()) for v in clause.values}
        else:
            names = {value_of(i).lower() for i in self._issues.values()}
            names |= {t.lower() for t in (ISSUE_TYPES if name in ("issuetype", "type") else STATUSES)}
            wanted = {v.lower() for v in clause.values}
        for value in sorted(wanted - names):
            errors.append(f"The value '{value}' does not exist for the field '{clause.field}'.")
        return self._membership(clause, lambda issue: value_of(issue).lower() in wanted)

    def _team_clause(self, clause: Clause, errors: list[str]) -> Predicate:
        if clause.op in ("is", "is not"):
            if clause.values[0].lower() not in ("empty", "null"):
                errors.append(f"The operator '{clause.op}' is not supported by the '{clause.field}' field.")
            empty = clause.op == "is"
            return lambda issue: (issue.team == "") == empty
        if not self._operator(clause, ("=", "!=", "in", "not in"), errors):
            return lambda _issue: False
        wanted = {v.lower() for v in clause.values}
        return self._membership(clause, lambda issue: issue.team != "" and issue.team.lower() in wanted)

    # -- the REST API ----------------------------------------------------------------------------------

    def app(self) -> Starlette:
        api, agile = API[self.flavour], "/rest/agile/1.0"
        search = f"{api}/search/jql" if self.flavour == "cloud" else f"{api}/search"
        routes = [
            Route(search, self._guard(self._search), methods=["GET", "POST"]),
            Route(f"{api}/field", self._guard(self._fields), methods=["GET"]),
            Route(f"{api}/myself", self._guard(self._myself), methods=["GET"]),
            Route(f"{api}/issue", self._guard(self._create), methods=["POST"]),
            Route(f"{api}/issue/{{id_or_key}}", self._guard(self._get_issue), methods=["GET"]),
            Route(f"{api}/issue/{{id_or_key}}", self._guard(self._edit_issue), methods=["PUT"]),
            Route(f"{api}/issueLink", self._guard(self._create_link), methods=["POST"]),
            Route(
                f"{agile}/sprint/{{sprint_id:int}}/issue", self._guard(self._sprint_move), methods=["POST"]
            ),
            Route(
                f"{agile}/board/{{board_id:int}}/sprint", self._guard(self._board_sprints), methods=["GET"]
            ),
        ]
        return Starlette(routes=routes)

    def _guard(self, handler: Handler) -> Callable[[Request], Any]:
        """Log, apply the faults, authenticate, then answer."""

        async def guarded(request: Request) -> Response:
            with self._lock:
                self.requests.append(RequestRecord(request.method, request.url.path, request.url.query))
                faults = self.faults
                delay = 0.0
                if faults.hang_s and faults.hangs != 0:
                    delay = faults.hang_s
                    faults.hangs = None if faults.hangs is None else faults.hangs - 1
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not self._stopping:
                await asyncio.sleep(0.02)
            with self._lock:
                if faults.outage != 0:
                    faults.outage = None if faults.outage is None else faults.outage - 1
                    return PlainTextResponse("Service Unavailable", status_code=503)
                if faults.rate_limited > 0:
                    faults.rate_limited -= 1
                    return JSONResponse(
                        {"errorMessages": ["Rate limit exceeded."]},
                        status_code=429,
                        headers={"Retry-After": str(faults.retry_after_s)},
                    )
                refusal = self._authenticate(request)
                if refusal is not None:
                    return refusal
            try:
                body = await request.json() if request.method in ("POST", "PUT") else None
            except ValueError:
                return _refuse(400, "Unexpected character in the request body: it is not JSON.")
            with self._lock:
                try:
                    return handler(request, body)
                except JqlError as exc:
                    return _refuse(400, *exc.messages)

        return guarded

    def _authenticate(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "")
        if self.flavour == "cloud":
            expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        else:
            expected = f"Bearer {self.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()) or self.faults.revoked == 401:
            if self.flavour == "cloud":
                return PlainTextResponse(
                    "Client must be authenticated to access this resource.", status_code=401
                )
            return _refuse(
                401, "You are not authenticated. Authentication required to perform this operation."
            )
        if self.faults.revoked == 403:
            return _refuse(403, "You do not have the permission to see the specified issue.")
        return None

    def _search(self, request: Request, body: Any) -> Response:
        if request.method == "POST":
            params: dict[str, Any] = _object(body)
            fields = params.get("fields")
        else:
            params = dict(request.query_params)
            fields = request.query_params.getlist("fields") or None
        jql = str(params.get("jql") or "")
        try:
            size = min(max(int(params.get("maxResults", 50)), 0), SEARCH_CAP[self.flavour])
            start = max(int(params.get("startAt", 0)), 0)
        except (TypeError, ValueError):
            return _refuse(400, "maxResults and startAt are whole numbers.")
        if self.flavour == "cloud":
            return self._search_cloud(jql, fields, size, params.get("nextPageToken"))
        validate = str(params.get("validateQuery", "strict")).lower()
        ids = self.search_ids(jql, strict=validate not in ("false", "none", "warn"))
        wanted = self._wanted(fields, "*navigable")
        page = [self._issue_json(self._issues[i], wanted) for i in ids[start : start + size]]
        return JSONResponse(
            {
                "expand": "names,schema",
                "startAt": start,
                "maxResults": size,
                "total": len(ids),
                "issues": page,
            }
        )

    def _search_cloud(self, jql: str, fields: Any, size: int, token: Any) -> Response:
        where, _order = JqlParser(jql).parse()
        if where is None:
            return _refuse(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            )
        start = 0
        if token:
            try:
                cursor = json.loads(base64.urlsafe_b64decode(str(token)))
                start = int(cursor["at"])
                if cursor["q"] != hashlib.sha256(jql.encode()).hexdigest()[:16]:
                    raise ValueError("the token belongs to another query")
            except (ValueError, KeyError, TypeError):
                return _refuse(400, "The provided next page token is invalid or expired.")
        ids = self.search_ids(jql)
        wanted = self._wanted(fields, "id")
        page = [self._issue_json(self._issues[i], wanted) for i in ids[start : start + size]]
        answer: dict[str, Any] = {"issues": page, "isLast": start + size >= len(ids)}
        if not answer["isLast"]:
            cursor = {"q": hashlib.sha256(jql.encode()).hexdigest()[:16], "at": start + size}
            answer["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()
        return JSONResponse(answer)

    def _fields(self, _request: Request, _body: Any) -> Response:
        return JSONResponse([f.json() for f in self.fields])

    def _myself(self, _request: Request, _body: Any) -> Response:
        me: dict[str, Any] = {
            "emailAddress": self.email,
            "displayName": "Release Train Engineer",
            "active": True,
            "timeZone": self.time_zone,
        }
        if self.flavour == "cloud":
            me["accountId"] = "5b10ac8d82e05b22cc7d4ef5"
        else:
            me["name"] = me["key"] = "rte"
        return JSONResponse(me)

    def _get_issue(self, request: Request, _body: Any) -> Response:
        issue = self._find(request.path_params["id_or_key"])
        if issue is None:
            return _refuse(404, "Issue does not exist or you do not have permission to see it.")
        fields = request.query_params.getlist("fields") or None
        return JSONResponse(self._issue_json(issue, self._wanted(fields, "*all")))

    def _edit_issue(self, request: Request, body: Any) -> Response:
        issue = self._find(request.path_params["id_or_key"])
        if issue is None:
            return _refuse(404, "Issue does not exist or you do not have permission to see it.")
        body = _object(body)
        errors = self._set_fields(issue, body.get("fields") or {})
        if errors:
            return JSONResponse({"errorMessages": [], "errors": errors}, status_code=400)
        self._touch(issue)
        return Response(status_code=204)

    def _create(self, request: Request, body: Any) -> Response:
        values = dict(_object(body).get("fields") or {})
        project = str((values.pop("project", None) or {}).get("key", "")).upper()
        issue_type = str((values.pop("issuetype", None) or {}).get("name", ""))
        errors: dict[str, str] = {}
        if project not in self._projects:
            errors["project"] = "valid project is required"
        if issue_type not in ISSUE_TYPES:
            errors["issuetype"] = "Specify an issue type"
        if not str(values.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            return JSONResponse({"errorMessages": [], "errors": errors}, status_code=400)
        issue = self._new_issue(project, "", issue_type, None)
        if errors := self._set_fields(issue, values):
            return JSONResponse({"errorMessages": [], "errors": errors}, status_code=400)
        self._store(issue)
        self._announce("jira:issue_created", issue)
        return JSONResponse(
            {"id": str(issue.id), "key": issue.key, "self": self._self(issue.id)}, status_code=201
        )

    def _set_fields(self, issue: Issue, values: dict[str, Any]) -> dict[str, str]:
        """Apply a fields body: Jira's per-field errors (and nothing changed), or {} (all applied)."""
        errors: dict[str, str] = {}
        updates: dict[str, Any] = {}
        sprint: Sprint | None = None
        points = POINTS_FIELD[self.flavour]
        settable = {"summary", "parent"} | {f.id for f in self.fields if f.custom}
        for field_id, value in values.items():
            if field_id not in settable:
                errors[field_id] = (
                    f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."
                )
            elif field_id == "summary" and isinstance(value, str) and value.strip():
                updates["summary"] = value
            elif field_id == points and (value is None or isinstance(value, int | float)):
                updates["points"] = None if value is None else float(value)
            elif field_id == TEAM_FIELD and value is None:
                updates["team"] = ""
            elif field_id == TEAM_FIELD and isinstance(value, dict) and value.get("value"):
                updates["team"] = str(value["value"])
            elif field_id == SPRINT_FIELD and isinstance(value, int) and value in self._sprints:
                sprint = self._sprints[value]
            elif field_id == "parent" and isinstance(value, dict):
                parent = self._find(str(value.get("key") or value.get("id") or ""))
                if parent is None:
                    errors[field_id] = "Could not find issue by id or key."
                else:
                    updates["parent_id"] = parent.id
            else:
                errors[field_id] = f"The value given for '{field_id}' is not valid."
        if not errors:
            for name, value in updates.items():
                setattr(issue, name, value)
            if sprint is not None:
                self._put_in_sprint(issue, sprint)
        return errors

    def _create_link(self, request: Request, body: Any) -> Response:
        body = _object(body)
        type_name = str((body.get("type") or {}).get("name", ""))
        if type_name not in LINK_TYPES:
            return _refuse(404, f"No issue link type with name '{type_name}' found.")

        def issue_of(ref: Any) -> Issue | None:
            ref = ref if isinstance(ref, dict) else {}
            return self._find(str(ref.get("key") or ref.get("id") or ""))

        # Observed on Jira (see the README): the inwardIssue is the one the outward phrase reads from,
        # so {"type": Blocks, "inwardIssue": A, "outwardIssue": B} makes "A blocks B".
        source, target = issue_of(body.get("inwardIssue")), issue_of(body.get("outwardIssue"))
        if source is None or target is None:
            return _refuse(404, "Issue Does Not Exist")
        self._add_link(type_name, source.id, target.id)
        self._touch(source)
        self._touch(target)
        return Response(status_code=201)

    def _sprint_move(self, request: Request, body: Any) -> Response:
        sprint = self._sprints.get(int(request.path_params["sprint_id"]))
        if sprint is None:
            return _refuse(404, "The requested sprint doesn't exist or you don't have permission to view it.")
        keys = _object(body).get("issues") or []
        if not isinstance(keys, list) or not keys:
            return _refuse(400, "At least one issue is required.")
        if len(keys) > SPRINT_MOVE_CAP:
            return _refuse(400, f"At most {SPRINT_MOVE_CAP} issues may be moved at once.")
        if sprint.state == "closed":
            return _refuse(400, "Issues can't be moved to a closed sprint.")
        issues = [self._find(str(k)) for k in keys]
        if any(i is None for i in issues):
            return _refuse(400, "Issue does not exist or you do not have permission to see it.")
        for issue in issues:
            assert issue is not None
            self._put_in_sprint(issue, sprint)
            self._touch(issue)
        return Response(status_code=204)

    def _board_sprints(self, request: Request, _body: Any) -> Response:
        """Get all sprints of a board: ``state`` (comma-separated future, active, closed), ``startAt``,
        ``maxResults``; a page of ``values`` with ``isLast`` and, as Data Center, no ``total``."""
        if request.path_params["board_id"] != BOARD_ID:
            return _refuse(404, "Board does not exist or you do not have permission to see it.")
        query = request.query_params
        states = {s.strip().lower() for s in query.get("state", "").split(",") if s.strip()}
        try:
            start = max(int(query.get("startAt", 0)), 0)
            size = min(max(int(query.get("maxResults", SPRINT_PAGE_CAP)), 1), SPRINT_PAGE_CAP)
        except ValueError:
            return _refuse(400, "startAt and maxResults are whole numbers.")
        sprints = [s for _, s in sorted(self._sprints.items()) if not states or s.state in states]
        values = [
            {
                "id": s.id,
                "self": f"{self.base_url}/rest/agile/1.0/sprint/{s.id}",
                "state": s.state,
                "name": s.name,
                "startDate": agile_time(s.start),
                "endDate": agile_time(s.end),
                "originBoardId": BOARD_ID,
                "goal": "",
            }
            for s in sprints[start : start + size]
        ]
        return JSONResponse(
            {"maxResults": size, "startAt": start, "isLast": start + size >= len(sprints), "values": values}
        )


def _object(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


def _refuse(status: int, *messages: str) -> JSONResponse:
    return JSONResponse({"errorMessages": list(messages), "errors": {}}, status_code=status)


def _updated_floor(where: Node | None, zone: ZoneInfo) -> datetime | None:
    """The lower bound an ``updated >=`` (or ``>``) clause at the top of an AND puts on the results."""
    if where is None:
        return None
    clauses = where.children if isinstance(where, BoolNode) and where.op == "and" else (where,)
    floors = [
        _jql_date(c.values[0], zone)
        for c in clauses
        if isinstance(c, Clause) and c.field.lower() in ("updated", "updateddate") and c.op in (">=", ">")
    ]
    found = [f for f in floors if f is not None]
    return max(found) if found else None


def _jql_date(text: str, zone: ZoneInfo) -> datetime | None:
    """A JQL date literal in the user's time zone (minute precision, as Jira's)."""
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def _key_order(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project, int(number)


def _moment(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, 9, 0, tzinfo=UTC)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _option_id(value: str) -> str:
    return str(10100 + int(hashlib.sha256(value.encode()).hexdigest()[:4], 16) % 900)
