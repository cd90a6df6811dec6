"""The Jira client the tracker sync uses: Jira Cloud (REST v3) and Jira Data Center (REST v2), over httpx.

Plain httpx, not atlassian-python-api: that library pulls in requests and runs retries of its own, and
the sync needs one retry policy it controls (below) and errors that never carry the token.

What it relies on, from Atlassian's REST documentation and from what Jira is observed to answer
(sources in tests/trackers/README.md, "Jira"):

- Search. Cloud: ``POST /rest/api/3/search/jql``, paged by ``nextPageToken`` until ``isLast`` (the
  ``startAt`` search is gone from Cloud), at most 100 issues a page. Data Center: ``POST
  /rest/api/2/search``, paged by ``startAt`` against ``total``. POST, because a batch of 100 keys makes
  a JQL too long for a URL.
- JQL dates (``updated >= "2026/12/06 10:00"``) are read in the time zone of the token's user
  (``/myself`` ``timeZone``), to the minute: :meth:`JiraClient.changed_since` converts and floors, so
  the caller overlaps its windows.
- ``key in (...)`` is refused (400, "An issue with key 'X' does not exist for field 'key'.") when one
  value names no issue, numeric ids included: :meth:`JiraClient.keys_in_scope` drops the values Jira
  names and asks again. A moved issue keeps its id, and Jira resolves its old key to the issue under
  its new key: ask by id (``TrackedIssue.tracker_id``) to follow moves.
- The sprint field is a list of objects on Cloud and, on Data Center's REST v2, still a list of the
  Sprint object's ``toString()``; :func:`from_jira` reads both.
- A board's sprints: ``GET /rest/agile/1.0/board/{id}/sprint``, paged by ``startAt`` until ``isLast``
  (Data Center's pages carry no ``total``); the board is the ``boardId`` (``rapidViewId``) of the
  sprints on the issues.
- An issue link ``{"type": Blocks, "inwardIssue": A, "outwardIssue": B}`` makes "A blocks B" (A's
  ``issuelinks`` then show ``outwardIssue: B``).
- Webhooks are signed ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with the secret
  given when the webhook was registered.

Retries: 429 waits ``Retry-After`` (at most 60 s); 5xx, timeouts and connection failures back off 0.5,
1, 2 s ...; after ``attempts`` tries, :class:`TrackerUnreachable`. 401/403 raise
:class:`TrackerAuthError`, other 4xx :class:`TrackerRefused` with Jira's own messages. Creating an issue
is retried only when Jira cannot have acted (429, no connection), so a retry never makes two issues.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from server.watch.outbound import GuardedTransport, OutboundRefused
from server.watch.trackers.errors import TrackerAuthError, TrackerRefused, TrackerUnreachable
from server.watch.trackers.issues import SprintRef, TrackedIssue

log = logging.getLogger("piboard.trackers.jira")

PRODUCT = "Jira"
Flavour = Literal["cloud", "datacenter"]
API = {"cloud": "/rest/api/3", "datacenter": "/rest/api/2"}
PAGE = {"cloud": 100, "datacenter": 1000}  # most issues per page (DC: jira.search.views.default.max)
KEY_BATCH = 100  # values per `key in (...)`
SPRINT_BATCH = 50  # "At most 50 issues may be moved at once" (agile sprint/{id}/issue)
SPRINT_PAGE = 50  # the agile API's default and most sprints per page
MAX_RETRY_AFTER_S = 60.0
POINTS_NAMES = {"cloud": ("Story point estimate", "Story Points"), "datacenter": ("Story Points",)}
SPRINT_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
# The fields the sync reads besides the custom ones.
SYSTEM_FIELDS = ("summary", "issuetype", "status", "project", "updated", "parent", "issuelinks")
UNKNOWN_VALUE = re.compile(
    r"An issue with key '([^']+)' does not exist for field"
    r"|The issue key '([^']+)' for field '[^']+' is invalid"
)
ORDER_BY = re.compile(r"\s+order\s+by\s+[^\"']*$", re.IGNORECASE)


@dataclass(frozen=True)
class JiraFields:
    """The site's ids of the custom fields the sync reads; None when the site has no such field."""

    points: str | None
    sprint: str | None
    team: str | None


class JiraClient:
    """One Jira site, one token. Not thread-safe: one sync loop owns it."""

    def __init__(
        self,
        site_url: str,
        *,
        flavour: Flavour,
        token: str,
        email: str | None = None,
        timeout: float = 10.0,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if flavour not in API:
            raise ValueError(f"flavour is 'cloud' or 'datacenter', not {flavour!r}")
        if flavour == "cloud" and not email:
            raise ValueError("Jira Cloud authenticates with the account's email and an API token")
        self.site_url = site_url.rstrip("/")
        self.flavour: Flavour = flavour
        self.attempts = max(attempts, 1)
        self.sleep = sleep
        self.timeout = timeout
        self.requests_made = 0
        self._api = API[flavour]
        self._fields: JiraFields | None = None
        self._zone: ZoneInfo | None = None
        # The token goes into the httpx client only: never into an attribute, a message or a log line.
        auth = httpx.BasicAuth(email or "", token) if flavour == "cloud" else None
        headers = {"Accept": "application/json"}
        if flavour == "datacenter":
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.site_url,
            auth=auth,
            headers=headers,
            timeout=timeout,
            transport=GuardedTransport(),  # every request: server.watch.outbound
        )

    def __repr__(self) -> str:
        return f"JiraClient({self.site_url!r}, flavour={self.flavour!r})"

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- reading -------------------------------------------------------------------------------------

    def myself(self) -> dict[str, Any]:
        """The token's user: who the sync acts as, and the time zone Jira reads JQL dates in."""
        me: dict[str, Any] = self._json(self._request("GET", f"{self._api}/myself"))
        try:
            self._zone = ZoneInfo(str(me.get("timeZone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            self._zone = ZoneInfo("UTC")
        return me

    def field_ids(self, team_field: str = "Team") -> JiraFields:
        """The points, sprint and team fields, found by name (``team_field``: the team field's name or id)."""
        listed = self._json(self._request("GET", f"{self._api}/field"))
        by_name = {str(f.get("name", "")).lower(): str(f["id"]) for f in listed if "id" in f}
        ids = {str(f["id"]) for f in listed if "id" in f}
        points = next((by_name[n.lower()] for n in POINTS_NAMES[self.flavour] if n.lower() in by_name), None)
        sprint = next(
            (str(f["id"]) for f in listed if (f.get("schema") or {}).get("custom") == SPRINT_TYPE),
            by_name.get("sprint"),
        )
        team = team_field if team_field in ids else by_name.get(team_field.lower())
        self._fields = JiraFields(points=points, sprint=sprint, team=team)
        return self._fields

    def issue_fields(self) -> list[str]:
        """The field ids a search asks for: the system ones the sync reads and the custom ones found."""
        found = self._fields or self.field_ids()
        return [*SYSTEM_FIELDS, *(f for f in (found.points, found.sprint, found.team) if f)]

    def search(self, jql: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every issue ``jql`` finds, page after page, in Jira's order."""
        if self.flavour == "cloud":
            yield from self._search_cloud(jql, fields)
        else:
            yield from self._search_datacenter(jql, fields)

    def _search_cloud(self, jql: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": PAGE["cloud"]}
        while True:
            page = self._json(self._request("POST", f"{self._api}/search/jql", json=body))
            yield from page.get("issues") or []
            token = page.get("nextPageToken")
            if page.get("isLast", not token) or not token:
                return
            body["nextPageToken"] = token

    def _search_datacenter(self, jql: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            body = {"jql": jql, "fields": list(fields), "maxResults": PAGE["datacenter"], "startAt": start}
            page = self._json(self._request("POST", f"{self._api}/search", json=body))
            issues = page.get("issues") or []
            yield from issues
            # The site may cap maxResults below what was asked: step by what came back.
            start += len(issues)
            if not issues or start >= int(page.get("total", 0)):
                return

    def changed_since(self, scope_jql: str, since: datetime) -> list[dict[str, Any]]:
        """The issues in scope updated at or after ``since``'s minute, oldest change first.

        Jira reads the date in the token user's time zone and to the minute: ``since`` is converted
        and floored, so an issue changed a few seconds before ``since`` comes back too.
        """
        if since.tzinfo is None:
            raise ValueError("since must carry its time zone")
        if self._zone is None:
            self.myself()
        assert self._zone is not None
        moment = since.astimezone(self._zone).strftime("%Y/%m/%d %H:%M")
        jql = f'({_scope(scope_jql)}) AND updated >= "{moment}" ORDER BY updated ASC'
        return list(self.search(jql, self.issue_fields()))

    def sprints(self, board_id: int | str) -> list[dict[str, Any]]:
        """Every sprint of an agile board (future, active and closed), page after page, as the agile
        API's sprint objects. Data Center's pages carry no ``total``: paged by ``isLast``."""
        found: list[dict[str, Any]] = []
        while True:
            path = f"/rest/agile/1.0/board/{board_id}/sprint?startAt={len(found)}&maxResults={SPRINT_PAGE}"
            page = self._json(self._request("GET", path))
            values = page.get("values") or []
            found += values
            if page.get("isLast", True) or not values:
                return found

    def keys_in_scope(self, scope_jql: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` (issue keys or ids) still name an issue in scope; gone ones are left out.

        Pass ids (``TrackedIssue.tracker_id``) to follow moves: a moved issue keeps its id, while its
        old key finds the issue under its new key, which is not among those asked for.
        """
        wanted = list(dict.fromkeys(k.strip().upper() for k in keys if k.strip()))
        found: set[str] = set()
        for at in range(0, len(wanted), KEY_BATCH):
            found |= self._in_scope(_scope(scope_jql), wanted[at : at + KEY_BATCH])
        return found

    def _in_scope(self, scope: str, batch: list[str]) -> set[str]:
        while batch:
            jql = f"({scope}) AND key in ({', '.join(batch)})"
            path = f"{self._api}/search/jql" if self.flavour == "cloud" else f"{self._api}/search"
            body = {"jql": jql, "fields": ["key"], "maxResults": KEY_BATCH}
            response = self._request("POST", path, json=body, refusals=(400,))
            if response.status_code == 400:
                messages = _messages(response)
                gone = {m.group(1) or m.group(2) for m in map(UNKNOWN_VALUE.search, messages) if m}
                gone = {g.upper() for g in gone} & set(batch)
                if not gone:  # refused for another reason: the scope itself
                    raise TrackerRefused(PRODUCT, f"refused the search (400): {'; '.join(messages)}", 400)
                batch = [k for k in batch if k not in gone]
                continue
            issues = self._json(response).get("issues") or []
            names = {str(i.get(part, "")).upper() for i in issues for part in ("id", "key")}
            return {k for k in batch if k in names}
        return set()

    # -- writing -------------------------------------------------------------------------------------

    def update_fields(self, key: str, fields: dict[str, Any]) -> None:
        self._request("PUT", f"{self._api}/issue/{key}", json={"fields": fields})

    def move_to_sprint(self, sprint_id: int | str, keys: Sequence[str]) -> None:
        for at in range(0, len(keys), SPRINT_BATCH):
            batch = list(keys[at : at + SPRINT_BATCH])
            self._request("POST", f"/rest/agile/1.0/sprint/{sprint_id}/issue", json={"issues": batch})

    def link_blocks(self, blocker: str, blocked: str) -> None:
        """Record "``blocker`` blocks ``blocked``" (the inward issue is the one that blocks)."""
        body = {"type": {"name": "Blocks"}, "inwardIssue": {"key": blocker}, "outwardIssue": {"key": blocked}}
        self._request("POST", f"{self._api}/issueLink", json=body)

    def create_issue(
        self, project: str, issue_type: str, summary: str, fields: dict[str, Any] | None = None
    ) -> str:
        """Create an issue; returns its key."""
        return self.create_issue_ref(project, issue_type, summary, fields)[1]

    def create_issue_ref(
        self, project: str, issue_type: str, summary: str, fields: dict[str, Any] | None = None
    ) -> tuple[str, str]:
        """Create an issue; returns its id and its key."""
        body = {
            "fields": {
                "project": {"key": project},
                "issuetype": {"name": issue_type},
                "summary": summary,
                **(fields or {}),
            }
        }
        created = self._json(self._request("POST", f"{self._api}/issue", json=body, repeatable=False))
        return str(created["id"]), str(created["key"])

    # -- HTTP ----------------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        refusals: tuple[int, ...] = (),
        repeatable: bool = True,
    ) -> httpx.Response:
        """Send with retries; answers 2xx (or a status in ``refusals``), else raises a TrackerError.

        ``repeatable=False``: retry only when Jira cannot have acted (429, no connection made).
        """
        why, wait = "", 0.0
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(wait)
            wait = 0.5 * 2**attempt
            self.requests_made += 1
            try:
                response = self._http.request(method, path, json=json)
            except OutboundRefused as refused:  # nothing was sent, and a retry would not be either
                raise TrackerUnreachable(PRODUCT, refused.reason) from None
            except (httpx.ConnectError, httpx.ConnectTimeout):
                why = "could not connect"
                log.info("Jira %s %s: could not connect (attempt %d)", method, path, attempt + 1)
                continue
            except httpx.TimeoutException:
                why = f"no answer within {self.timeout:g} s"
                log.info("Jira %s %s: %s (attempt %d)", method, path, why, attempt + 1)
                if not repeatable:
                    break
                continue
            except httpx.TransportError as exc:
                why = f"the connection failed ({type(exc).__name__})"
                log.info("Jira %s %s: %s (attempt %d)", method, path, why, attempt + 1)
                if not repeatable:
                    break
                continue
            status = response.status_code
            if 200 <= status < 300 or status in refusals:
                return response
            if status == 429:
                why = "rate limited (429)"
                wait = _retry_after(response, default=wait)
                log.info("Jira %s %s: 429, waiting %g s (attempt %d)", method, path, wait, attempt + 1)
                continue
            if status >= 500:
                why = f"answered {status}"
                log.info("Jira %s %s: %d (attempt %d)", method, path, status, attempt + 1)
                if not repeatable:
                    break
                continue
            self._refuse(response)
        raise TrackerUnreachable(PRODUCT, f"{why} ({method} {path}, {attempt + 1} attempt(s))")

    def _refuse(self, response: httpx.Response) -> None:
        status, messages = response.status_code, "; ".join(_messages(response))
        if status == 401:
            what = "API token" if self.flavour == "cloud" else "personal access token"
            raise TrackerAuthError(PRODUCT, f"the {what} was refused (401)")
        if status == 403:
            raise TrackerAuthError(
                PRODUCT, f"the token's user lacks a permission (403){': ' + messages if messages else ''}"
            )
        request = response.request
        raise TrackerRefused(
            PRODUCT,
            f"refused {request.method} {request.url.path} ({status}){': ' + messages if messages else ''}",
            status,
        )

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise TrackerRefused(
                PRODUCT,
                f"answered {response.request.url.path} with something else than JSON: is the site URL right?",
                response.status_code,
            ) from None


def _scope(scope_jql: str) -> str:
    """The scope as a condition: an ORDER BY copied along with a filter would end the query early."""
    return ORDER_BY.sub("", scope_jql.strip())


def _messages(response: httpx.Response) -> list[str]:
    """Jira's error text: ``errorMessages`` and the per-field ``errors``."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    found = [str(m) for m in body.get("errorMessages") or []]
    found += [f"{name}: {text}" for name, text in (body.get("errors") or {}).items()]
    return found


def _retry_after(response: httpx.Response, default: float) -> float:
    """``Retry-After`` in seconds or as an HTTP date, at most a minute."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return default
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


# -- Jira's JSON to the sync's shape -------------------------------------------------------------------


def from_jira(raw: dict[str, Any], fields: JiraFields) -> TrackedIssue:
    """An issue from a search (or a webhook) as the sync reads it."""
    values: dict[str, Any] = raw.get("fields") or {}
    status = values.get("status") or {}
    return TrackedIssue(
        tracker_id=str(raw["id"]),
        key=str(raw["key"]),
        project=str((values.get("project") or {}).get("key", "")),
        issue_type=str((values.get("issuetype") or {}).get("name", "")),
        summary=str(values.get("summary") or ""),
        status=str(status.get("name", "")),
        status_category=str((status.get("statusCategory") or {}).get("key", "new")),
        points=_points(values.get(fields.points) if fields.points else None),
        team=_team(values.get(fields.team) if fields.team else None),
        sprint=_sprint(values.get(fields.sprint) if fields.sprint else None),
        parent_key=(values.get("parent") or {}).get("key"),
        blocks=tuple(
            str(link["outwardIssue"]["key"])
            for link in values.get("issuelinks") or []
            if (link.get("type") or {}).get("name") == "Blocks" and "outwardIssue" in link
        ),
        updated=_timestamp(values.get("updated")),
    )


def _points(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _team(value: Any) -> str:
    """A text field's string, a select list's ``{value}``, an Atlassian team's ``{name}``."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value") or value.get("name") or value.get("title")
    return "" if value is None else str(value)


def _sprint(value: Any) -> SprintRef | None:
    """The active sprint, else the one that started last."""
    sprints = [_sprint_fields(item) for item in value or []]
    sprints = [s for s in sprints if s.get("id") is not None]
    if not sprints:
        return None
    active = [s for s in sprints if str(s.get("state", "")).lower() == "active"]
    oldest = datetime.min.replace(tzinfo=UTC)
    chosen = active[0] if active else max(sprints, key=lambda s: _timestamp(s.get("startDate")) or oldest)
    return SprintRef(
        id=str(chosen["id"]),
        name=str(chosen.get("name", "")),
        start=_day(chosen.get("startDate")),
        end=_day(chosen.get("endDate")),
    )


def sprints_of(raw: dict[str, Any], fields: JiraFields) -> list[dict[str, Any]]:
    """Every sprint an issue has been in (its open one and the closed ones it went through), in the agile
    API's keys: ``id``, ``name``, ``state`` (lower case) and ``boardId`` (Data Center's ``rapidViewId``)."""
    values = (raw.get("fields") or {}).get(fields.sprint) if fields.sprint else None
    found = []
    for item in values or []:
        sprint = _sprint_fields(item)
        if sprint.get("id") is None:
            continue
        board = sprint.get("boardId", sprint.get("rapidViewId"))
        found.append({**sprint, "state": str(sprint.get("state", "")).lower(), "boardId": board})
    return found


def _sprint_fields(item: Any) -> dict[str, Any]:
    """A sprint object (Cloud), or Data Center's ``...Sprint@1a2b[id=1,state=ACTIVE,name=S 1,...]``."""
    if isinstance(item, dict):
        return item
    text = str(item)
    if "[" not in text:
        return {}
    inner = text[text.index("[") + 1 : text.rindex("]")] if "]" in text else ""
    pairs = re.findall(r"(\w+)=(.*?)(?=,\w+=|$)", inner)
    return {name: None if value == "<null>" else value for name, value in pairs}


def _timestamp(value: Any) -> datetime | None:
    """Jira's ``2026-12-06T10:00:00.000+0000`` (and the agile API's ``...Z``)."""
    if not value:
        return None
    text = str(value)
    for layout in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    moment = _timestamp(value)
    return None if moment is None else moment.date()


def verify_jira_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature: sha256=<hex>`` is the HMAC-SHA256 of ``body`` under ``secret``."""
    if not secret or not header:
        return False
    method, _, given = header.strip().partition("=")
    if method.lower() != "sha256" or not given:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.lower().encode(), expected.encode())
