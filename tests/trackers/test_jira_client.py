"""The Jira client against the Jira emulator over real HTTP, Cloud and Data Center alike."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.watch.trackers.errors import TrackerAuthError, TrackerRefused, TrackerUnreachable
from server.watch.trackers.jira import JiraClient, JiraFields, from_jira, verify_jira_signature
from tests.trackers.http_server import served
from tests.trackers.jira_emulator import (
    POINTS_FIELD,
    POINTS_NAME,
    SPRINT_FIELD,
    TEAM_FIELD,
    Flavour,
    JiraEmulator,
)

TOKEN = "s3cr3t-jira-token-do-not-log"
EMAIL = "rte@example.com"


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.01)


class Clock:
    """The emulator's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["cloud", "datacenter"])
def flavour(request: pytest.FixtureRequest) -> Flavour:
    return cast(Flavour, request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))


@pytest.fixture
def jira(flavour: Flavour, clock: Clock) -> JiraEmulator:
    # Paris, not UTC: JQL dates are read in the user's time zone, and the client must say them so.
    return JiraEmulator(flavour, email=EMAIL, token=TOKEN, time_zone="Europe/Paris", clock=clock)


@pytest.fixture
def url(jira: JiraEmulator) -> Iterator[str]:
    with jira.running() as base:
        yield base


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(jira: JiraEmulator, url: str, waits: list[float]) -> Iterator[JiraClient]:
    with connect(jira, url, waits) as made:
        yield made


def connect(jira: JiraEmulator, url: str, waits: list[float], **options: Any) -> JiraClient:
    settings: dict[str, Any] = {"token": TOKEN, "email": EMAIL, "timeout": 2.0, "sleep": waits.append}
    return JiraClient(url, flavour=jira.flavour, **(settings | options))


def expected_fields(jira: JiraEmulator) -> JiraFields:
    return JiraFields(points=POINTS_FIELD[jira.flavour], sprint=SPRINT_FIELD, team=TEAM_FIELD)


# -- reading ------------------------------------------------------------------------------------------


def test_search_follows_the_pages_to_the_end(jira: JiraEmulator, client: JiraClient) -> None:
    """Pages as large as the product gives: Cloud 100 issues, Data Center 1,000 (a 20,000-issue
    project's first read: 200 requests or 20)."""
    jira.many(2050, project="BENCH")
    found = list(client.search("project = BENCH ORDER BY key ASC", ["summary"]))
    assert [issue["key"] for issue in found] == [f"BENCH-{n}" for n in range(1, 2051)]
    pages = 21 if jira.flavour == "cloud" else 3
    assert sum(1 for r in jira.requests if "search" in r.path) == pages


def test_field_ids_finds_the_custom_fields_and_notices_one_removed(
    jira: JiraEmulator, client: JiraClient
) -> None:
    assert client.field_ids() == expected_fields(jira)
    key = jira.add_issue("ABC", "Checkout", points=5)
    jira.remove_field(POINTS_NAME[jira.flavour])
    fields = client.field_ids()
    assert fields == JiraFields(points=None, sprint=SPRINT_FIELD, team=TEAM_FIELD)
    [raw] = client.search("project = ABC", client.issue_fields())
    assert from_jira(raw, fields).points is None
    assert from_jira(raw, fields).key == key


def test_changed_since_reads_the_date_in_the_users_time_zone_to_the_minute(
    jira: JiraEmulator, client: JiraClient, clock: Clock
) -> None:
    jira.add_issue("ABC", "Changed two minutes before")  # 09:00:00 UTC
    clock.now += timedelta(minutes=2, seconds=10)
    same_minute = jira.add_issue("ABC", "Changed in the same minute, before since")  # 09:02:10
    jira.add_issue("XYZ", "Out of scope")
    clock.now += timedelta(seconds=30)
    later = jira.add_issue("ABC", "Changed after since")  # 09:02:40
    since = datetime(2026, 12, 6, 9, 2, 30, tzinfo=UTC)

    # 09:02 UTC is 10:02 in Paris: had the client said "09:02", Jira would have read 08:02 UTC and
    # found the first issue too. The minute is floored: the one changed at 09:02:10 comes back.
    assert [issue["key"] for issue in client.changed_since("project = ABC", since)] == [same_minute, later]

    clock.now += timedelta(minutes=1)
    jira.update(same_minute, summary="Changed again, last")
    changed = client.changed_since("project = ABC", since)
    assert [issue["key"] for issue in changed] == [later, same_minute]  # oldest change first
    assert from_jira(changed[1], expected_fields(jira)).summary == "Changed again, last"


def test_changed_since_takes_a_scope_with_its_own_order_by(jira: JiraEmulator, client: JiraClient) -> None:
    key = jira.add_issue("ABC", "Checkout", team="Atlas")
    jira.add_issue("ABC", "Search", team="Borealis")
    scope = '(project = ABC AND "Team" = Atlas) ORDER BY Rank ASC'
    changed = client.changed_since(scope, datetime(2026, 12, 6, 8, 0, tzinfo=UTC))
    assert [issue["key"] for issue in changed] == [key]


def test_keys_in_scope_leaves_out_deleted_and_moved_issues(jira: JiraEmulator, client: JiraClient) -> None:
    kept, deleted, moved = (jira.add_issue("ABC", name) for name in ("Kept", "Deleted", "Moved"))
    ids = {key: jira.issue(key)["id"] for key in (kept, deleted, moved)}
    jira.delete(deleted)
    jira.move_to_project(moved, "XYZ")

    assert client.keys_in_scope("project = ABC", [kept, deleted, moved]) == {kept}
    # By id, an issue moved within the scope is still there; a deleted one is gone.
    train = "project in (ABC, XYZ)"
    assert client.keys_in_scope(train, ids.values()) == {ids[kept], ids[moved]}


def test_keys_in_scope_asks_in_batches_of_a_hundred(jira: JiraEmulator, client: JiraClient) -> None:
    jira.many(230, project="ABC")
    keys = [f"ABC-{n}" for n in range(1, 231)]
    jira.delete("ABC-7")
    jira.delete("ABC-150")
    assert client.keys_in_scope("project = ABC", keys) == set(keys) - {"ABC-7", "ABC-150"}
    # three batches, two of which are asked again without the key Jira says is gone
    assert sum(1 for r in jira.requests if "search" in r.path) == 5


def test_sprint_is_the_active_one_else_the_latest_started(jira: JiraEmulator, client: JiraClient) -> None:
    first = jira.add_sprint("Sprint 1", state="closed", start=datetime(2026, 11, 2, 9, tzinfo=UTC))
    second = jira.add_sprint("Sprint 2", state="closed", start=datetime(2026, 11, 16, 9, tzinfo=UTC))
    third = jira.add_sprint(
        "Sprint 3",
        state="active",
        start=datetime(2026, 11, 30, 9, tzinfo=UTC),
        end=datetime(2026, 12, 11, 17, tzinfo=UTC),
    )
    carried = jira.add_issue("ABC", "Carried over", sprint=first)
    jira.move_to_sprint(carried, second)
    jira.move_to_sprint(carried, third)
    finished = jira.add_issue("ABC", "Finished", sprint=second)
    jira.move_to_sprint(finished, first)  # back into an earlier one: still the latest by start
    fields = client.field_ids()
    issues = {
        i.key: i
        for i in (from_jira(raw, fields) for raw in client.search("project = ABC", client.issue_fields()))
    }

    sprint = issues[carried].sprint
    assert sprint is not None and (sprint.id, sprint.name) == (str(third), "Sprint 3")
    assert (sprint.start, sprint.end) == (datetime(2026, 11, 30).date(), datetime(2026, 12, 11).date())
    later = issues[finished].sprint
    assert later is not None and later.name == "Sprint 2"


def test_from_jira_reads_an_issue_whole(jira: JiraEmulator, client: JiraClient) -> None:
    epic = jira.add_issue("ABC", "Payments", issue_type="Epic")
    blocked = jira.add_issue("XYZ", "Refunds")
    key = jira.add_issue("ABC", "Checkout", points=5, team="Atlas", parent=epic, blocks=[blocked])
    jira.set_status(key, "In Review", "indeterminate")
    raw = next(client.search(f"key = {key}", client.issue_fields()))
    issue = from_jira(raw, client.field_ids())
    assert (issue.key, issue.project, issue.issue_type, issue.summary) == (key, "ABC", "Story", "Checkout")
    assert (issue.status, issue.status_category, issue.points, issue.team) == (
        "In Review",
        "indeterminate",
        5.0,
        "Atlas",
    )
    assert (issue.parent_key, issue.blocks, issue.tracker_id) == (epic, (blocked,), jira.issue(key)["id"])
    assert issue.updated == jira.now()
    # The blocked side reads "is blocked by": it blocks nothing.
    assert from_jira(jira.issue(blocked), client.field_ids()).blocks == ()


def test_from_jira_reads_a_team_as_text_or_option() -> None:
    fields = JiraFields(points=None, sprint=None, team="customfield_1")
    raw: dict[str, Any] = {"id": "1", "key": "A-1", "fields": {"customfield_1": "Atlas"}}
    assert from_jira(raw, fields).team == "Atlas"
    raw["fields"]["customfield_1"] = {"value": "Borealis", "id": "10100"}
    assert from_jira(raw, fields).team == "Borealis"


# -- failures -----------------------------------------------------------------------------------------


def test_a_rate_limit_waits_what_retry_after_says(
    jira: JiraEmulator, client: JiraClient, waits: list[float]
) -> None:
    jira.rate_limit(times=2, retry_after_s=7)
    assert client.myself()["emailAddress"] == EMAIL
    assert waits == [7.0, 7.0]
    assert client.requests_made == 3


def test_a_rate_limit_waits_a_minute_at_most(
    jira: JiraEmulator, client: JiraClient, waits: list[float]
) -> None:
    jira.rate_limit(times=1, retry_after_s=3600)
    client.myself()
    assert waits == [60.0]


def test_an_outage_is_waited_out(jira: JiraEmulator, client: JiraClient, waits: list[float]) -> None:
    jira.outage(times=2)
    assert client.field_ids() == expected_fields(jira)
    assert waits == [0.5, 1.0]


def test_an_outage_that_lasts_makes_jira_unreachable(
    jira: JiraEmulator, client: JiraClient, waits: list[float]
) -> None:
    jira.outage()
    with pytest.raises(TrackerUnreachable, match=r"answered 503"):
        client.myself()
    assert waits == [0.5, 1.0, 2.0]
    assert jira.request_count == 4


def test_no_answer_in_time_makes_jira_unreachable_after_every_attempt(
    jira: JiraEmulator, url: str, waits: list[float]
) -> None:
    jira.hang(seconds=2.0)
    with (
        connect(jira, url, waits, timeout=0.1, attempts=3) as client,
        pytest.raises(TrackerUnreachable) as caught,
    ):
        client.myself()
    assert "no answer within 0.1 s" in str(caught.value)
    assert waits == [0.5, 1.0]
    wait_until(lambda: jira.request_count == 3)


def test_a_create_is_not_repeated_when_jira_may_have_acted(
    jira: JiraEmulator, client: JiraClient, waits: list[float]
) -> None:
    jira.add_project("ABC")
    jira.outage(times=1)
    with pytest.raises(TrackerUnreachable):
        client.create_issue("ABC", "Story", "Once only")
    assert waits == [] and jira.request_count == 1


def test_nobody_answering_makes_jira_unreachable(waits: list[float]) -> None:
    with served(Starlette()) as gone:
        pass  # the port is free again: nothing listens
    client = JiraClient(gone, flavour="datacenter", token=TOKEN, attempts=2, sleep=waits.append)
    with client, pytest.raises(TrackerUnreachable, match="could not connect"):
        client.myself()
    assert waits == [0.5]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_an_auth_error_that_never_shows_the_token(
    jira: JiraEmulator, client: JiraClient, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    jira.revoke(status)
    with pytest.raises(TrackerAuthError) as caught:
        client.myself()
    assert f"({status})" in str(caught.value)
    if status == 401:
        token_name = "API token" if jira.flavour == "cloud" else "personal access token"
        assert caught.value.message == f"the {token_name} was refused (401)"
    assert TOKEN not in str(caught.value) and TOKEN not in repr(client)
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    for secret in (TOKEN, basic, "Authorization"):
        assert secret not in caplog.text
    assert jira.request_count == 1  # not retried


def test_a_wrong_token_is_refused(jira: JiraEmulator, url: str, waits: list[float]) -> None:
    with connect(jira, url, waits, token="not-the-token") as client, pytest.raises(TrackerAuthError):
        client.field_ids()


def test_bad_jql_is_refused_with_jiras_words(jira: JiraEmulator, client: JiraClient) -> None:
    jira.add_issue("ABC", "Checkout")
    with pytest.raises(TrackerRefused) as caught:
        list(client.search("project = ABC AND colour = blue", ["summary"]))
    assert caught.value.status == 400
    assert "Field 'colour' does not exist or you do not have permission to view it." in str(caught.value)
    with pytest.raises(TrackerRefused, match="does not exist for the field 'project'"):
        client.keys_in_scope("project = NOPE", ["ABC-1"])


# -- writing ------------------------------------------------------------------------------------------


def test_writes_land_in_jira(jira: JiraEmulator, client: JiraClient) -> None:
    sprint = jira.add_sprint("Sprint 4", state="future")
    blocker = jira.add_issue("ABC", "Checkout")
    fields = client.field_ids()
    assert fields.points and fields.team
    created = client.create_issue("ABC", "Story", "Refunds", {fields.points: 3})
    client.update_fields(
        blocker, {"summary": "Checkout v2", fields.points: 8, fields.team: {"value": "Atlas"}}
    )
    client.link_blocks(blocker, created)
    client.move_to_sprint(sprint, [blocker, created])

    written = from_jira(jira.issue(blocker), fields)
    assert (written.summary, written.points, written.team, written.blocks) == (
        "Checkout v2",
        8.0,
        "Atlas",
        (created,),
    )
    assert written.sprint is not None and written.sprint.name == "Sprint 4"
    new = from_jira(jira.issue(created), fields)
    assert (new.summary, new.points, new.issue_type) == ("Refunds", 3.0, "Story")
    assert new.sprint is not None and new.sprint.id == str(sprint)


def test_a_field_jira_does_not_have_is_refused(jira: JiraEmulator, client: JiraClient) -> None:
    key = jira.add_issue("ABC", "Checkout")
    with pytest.raises(TrackerRefused, match="customfield_99999: Field 'customfield_99999' cannot be set"):
        client.update_fields(key, {"customfield_99999": 1})


def test_moving_many_issues_to_a_sprint_goes_fifty_at_a_time(jira: JiraEmulator, client: JiraClient) -> None:
    sprint = jira.add_sprint("Sprint 5")
    jira.many(120, project="ABC")
    client.move_to_sprint(sprint, [f"ABC-{n}" for n in range(1, 121)])
    assert sum(1 for r in jira.requests if r.path.endswith(f"/sprint/{sprint}/issue")) == 3
    assert jira.issue("ABC-120")["fields"][SPRINT_FIELD]


# -- webhooks -----------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver: what it was posted, body and signature."""

    def __init__(self) -> None:
        self.posts: list[tuple[bytes, str | None]] = []
        self.lock = threading.Lock()

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.posts.append((body, request.headers.get("x-hub-signature")))
        return Response(status_code=204)


def test_a_change_is_posted_to_the_webhook_signed(jira: JiraEmulator, url: str) -> None:
    receiver = Receiver()
    with served(Starlette(routes=[Route("/hook", receiver.receive, methods=["POST"])])) as hooks:
        jira.register(f"{hooks}/hook", "webhook-secret")
        key = jira.add_issue("ABC", "Checkout")
        jira.update(key, summary="Checkout v2")
        wait_until(lambda: len(receiver.posts) == 2)

    (created, created_signature), (body, signature) = receiver.posts
    assert b'"webhookEvent": "jira:issue_created"' in created
    assert b'"webhookEvent": "jira:issue_updated"' in body and b"Checkout v2" in body
    assert signature is not None and signature.startswith("sha256=")
    assert verify_jira_signature("webhook-secret", body, signature)
    assert not verify_jira_signature("another-secret", body, signature)
    assert not verify_jira_signature("webhook-secret", body + b" ", signature)
    assert not verify_jira_signature("webhook-secret", body, None)
    assert not verify_jira_signature("webhook-secret", body, created_signature)


def test_a_webhook_that_fails_is_logged_and_changes_nothing(jira: JiraEmulator, url: str) -> None:
    with served(Starlette()) as nowhere:
        jira.register(f"{nowhere}/missing", "webhook-secret")
        key = jira.add_issue("ABC", "Checkout")
        wait_until(lambda: len(jira.deliveries) == 1)
    assert jira.deliveries[0].status == 404
    assert jira.issue(key)["fields"]["summary"] == "Checkout"


def test_a_train_of_twenty_thousand_issues_answers_only_what_changed(
    jira: JiraEmulator, client: JiraClient, clock: Clock
) -> None:
    jira.many(20_000, project="BENCH")  # updated one a minute, up to 09:00
    clock.now += timedelta(hours=1)
    touched = ["BENCH-3", "BENCH-19999", "BENCH-12000"]
    for key in touched:
        clock.now += timedelta(seconds=1)
        jira.update(key, summary=f"{key} changed")
    changed = client.changed_since("project = BENCH", clock.now - timedelta(minutes=5))
    assert [issue["key"] for issue in changed] == touched
