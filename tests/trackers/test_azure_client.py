"""The Azure DevOps client against the emulator, over real HTTP: queries, batches, scope, faults, writes,
service hooks."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from server.watch.trackers.azure import AzureClient, from_azure, scope_where, verify_service_hook
from server.watch.trackers.errors import TrackerAuthError, TrackerRefused, TrackerUnreachable
from server.watch.trackers.issues import SprintRef
from tests.trackers.azure_emulator import SUCCESSOR, AzureEmulator
from tests.trackers.http_server import served

ATLAS, BOREALIS = "Rocket\\Atlas", "Rocket\\Borealis"
SPRINT_1 = "Rocket\\PI 1\\Sprint 1"
SCOPE = scope_where("Rocket", [ATLAS, BOREALIS])


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.01)


def last_change(emulator: AzureEmulator) -> datetime:
    """Just after the latest change so far: a query from here sees only what changes next."""
    stamps = [emulator.item(i)["fields"]["System.ChangedDate"] for i in emulator.ids()]
    latest = max(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps)
    return latest + timedelta(milliseconds=1)


@pytest.fixture
def emulator() -> AzureEmulator:
    emulator = AzureEmulator()
    emulator.add_iteration(SPRINT_1, date(2026, 1, 5), date(2026, 1, 16))
    emulator.add_area("Rocket\\Outside")
    return emulator


@pytest.fixture
def org_url(emulator: AzureEmulator) -> Iterator[str]:
    with emulator.running() as url:
        yield url


@pytest.fixture
def naps() -> list[float]:
    """What the client slept: recorded, not slept, so retries cost no time."""
    return []


@pytest.fixture
def client(emulator: AzureEmulator, org_url: str, naps: list[float]) -> Iterator[AzureClient]:
    assert emulator.token
    with AzureClient(org_url, token=emulator.token, project="Rocket", sleep=naps.append) as client:
        yield client


def test_check_names_the_project(client: AzureClient) -> None:
    assert client.check()["name"] == "Rocket"


def test_a_scope_query_keeps_to_the_area_paths_and_leaves_removed_items_out(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    atlas = emulator.add("Checkout", area=ATLAS)
    deep = emulator.add("Basket", area=ATLAS + "\\Web")
    borealis = emulator.add("Search", area=BOREALIS)
    emulator.add("Elsewhere", area="Rocket\\Outside")
    emulator.add("Dropped", area=ATLAS, state="Removed")

    assert sorted(client.query_ids(f"SELECT [System.Id] FROM WorkItems WHERE {SCOPE}")) == [
        atlas,
        deep,
        borealis,
    ]
    narrowed = scope_where("Rocket", [ATLAS], "[System.WorkItemType] IN ('User Story', 'Bug')")
    assert sorted(client.query_ids(f"SELECT [System.Id] FROM WorkItems WHERE {narrowed}")) == [atlas, deep]


def test_wiql_combines_macros_lists_negations_and_parentheses(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    one, two, three, four = (emulator.add(t, area=ATLAS) for t in "ABCD")
    emulator.set_state(four, "Active")
    emulator.move_area(three, "Rocket\\Outside")

    wiql = (
        "select [System.Id] from WorkItems where [System.TeamProject] = @project "
        f"and ([System.Id] in ({one}, {three}) or [State] = 'active') "
        "and [System.AreaPath] not under 'Rocket\\Outside' and [System.Id] not in (0) "
        "order by [System.Id] desc"
    )
    assert client.query_ids(wiql) == [four, one]
    assert client.query_ids(f"SELECT [System.Id] FROM WorkItems WHERE [System.Id] > {two}") == [three, four]


def test_changed_since_reads_only_what_changed_in_scope_in_the_order_it_changed(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    first, second, outside = (
        emulator.add(t, area=a) for t, a in [("A", ATLAS), ("B", BOREALIS), ("C", ATLAS)]
    )
    since = last_change(emulator)
    emulator.set_state(second, "Active")
    emulator.update(first, title="A, renamed")
    emulator.move_area(outside, "Rocket\\Outside")

    changed = client.changed_since(SCOPE, since)

    assert [item["id"] for item in changed] == [second, first]
    assert changed[1]["fields"]["System.Title"] == "A, renamed"
    assert client.changed_since(SCOPE, last_change(emulator)) == []
    wiql = emulator.requests[-1].body["query"]
    assert "[System.ChangedDate] >= '" in wiql and emulator.requests[-1].query["timePrecision"] == "true"


def test_work_items_come_200_at_a_time_and_deleted_ones_are_left_out(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    ids = emulator.many(450, area=ATLAS)
    emulator.delete(ids[7])

    items = client.work_items(ids, fields=["System.Title"])

    assert [item["id"] for item in items] == ids[:7] + ids[8:]
    assert set(items[0]["fields"]) == {"System.Id", "System.Title"}
    batches = [r.body["ids"] for r in emulator.requests if r.path.endswith("/workitemsbatch")]
    assert [len(b) for b in batches] == [200, 200, 50]
    assert all(r.status == 200 for r in emulator.requests)


def test_ids_in_scope_drops_a_moved_a_deleted_and_a_removed_item(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    kept, moved, deleted, removed = (emulator.add(t, area=ATLAS) for t in "ABCD")
    emulator.move_area(moved, "Rocket\\Outside")
    emulator.delete(deleted)
    emulator.set_state(removed, "Removed")

    assert client.ids_in_scope(SCOPE, [kept, moved, deleted, removed, 9999]) == {kept}
    assert client.ids_in_scope(SCOPE, []) == set()


def test_a_removed_field_is_gone_from_field_refs_and_from_the_items(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    story = emulator.add("Checkout", area=ATLAS, points=5)
    points = "Microsoft.VSTS.Scheduling.StoryPoints"
    assert points in client.field_refs()

    emulator.remove_field(points)

    assert points not in client.field_refs()
    assert from_azure(client.work_items([story])[0], {}).points is None
    with pytest.raises(TrackerRefused, match="TF51005") as refused:
        client.query_ids(f"SELECT [System.Id] FROM WorkItems WHERE [{points}] > 3")
    assert refused.value.status == 400


def test_a_work_item_reads_as_a_tracked_issue(emulator: AzureEmulator, client: AzureClient) -> None:
    feature = emulator.add("Payments", type="Feature", area=ATLAS)
    story = emulator.add("Checkout", area=ATLAS, iteration=SPRINT_1, points=5, parent=feature, state="Active")
    later = emulator.add("Receipts", area=BOREALIS)
    client.add_dependency(story, later)
    iterations = client.iterations()

    issue = from_azure(client.work_items([story])[0], iterations)

    sprint = iterations[SPRINT_1]
    assert sprint == SprintRef(sprint.id, "Sprint 1", date(2026, 1, 5), date(2026, 1, 16))
    assert "Rocket\\PI 1" in iterations and "Rocket" not in iterations
    assert (issue.tracker_id, issue.key, issue.project) == (str(story), str(story), "Rocket")
    assert (issue.issue_type, issue.summary, issue.status) == ("User Story", "Checkout", "Active")
    assert (issue.status_category, issue.points, issue.team) == ("indeterminate", 5.0, "Atlas")
    assert issue.sprint == sprint
    assert issue.parent_key == str(feature)
    assert issue.blocks == (str(later),)
    assert issue.updated is not None and issue.updated.tzinfo is not None
    root = from_azure(client.work_items([later])[0], iterations)
    assert (root.sprint, root.blocks, root.parent_key, root.status_category) == (None, (), None, "new")


def test_a_scrum_project_reads_effort_and_its_own_state_categories() -> None:
    emulator = AzureEmulator(process="Scrum")
    committed = emulator.add("Checkout", area=ATLAS, points=8, state="Committed")
    done = emulator.add("Search", area=ATLAS, state="Done")
    with emulator.running() as url, AzureClient(url, token=str(emulator.token), project="Rocket") as client:
        categories = client.state_categories(["Product Backlog Item"])
        issues = [from_azure(raw, {}, categories) for raw in client.work_items([committed, done])]

    assert categories[("Product Backlog Item", "Approved")] == "Proposed"
    assert [(i.status, i.status_category, i.points) for i in issues] == [
        ("Committed", "indeterminate", 8.0),
        ("Done", "done", None),
    ]


def test_a_renamed_iteration_keeps_its_identifier(emulator: AzureEmulator, client: AzureClient) -> None:
    story = emulator.add("Checkout", area=ATLAS, iteration=SPRINT_1)
    before = client.iterations()[SPRINT_1]

    emulator.rename_iteration(SPRINT_1, "Sprint One")

    after = client.iterations()
    assert SPRINT_1 not in after
    renamed = after["Rocket\\PI 1\\Sprint One"]
    assert (renamed.id, renamed.name) == (before.id, "Sprint One")
    assert from_azure(client.work_items([story])[0], after).sprint == renamed


def test_429_waits_as_long_as_retry_after_says_at_most_a_minute(
    emulator: AzureEmulator, client: AzureClient, naps: list[float]
) -> None:
    emulator.rate_limit(times=2, retry_after_s=7)
    assert client.check()["name"] == "Rocket"
    emulator.rate_limit(times=1, retry_after_s=3600)
    assert client.check()["name"] == "Rocket"

    assert naps == [7.0, 7.0, 60.0]
    assert [r.status for r in emulator.requests] == [429, 429, 200, 429, 200]


def test_503_is_retried_with_backoff_until_it_answers(
    emulator: AzureEmulator, client: AzureClient, naps: list[float]
) -> None:
    emulator.outage(times=3)
    assert client.field_refs()
    assert naps == [0.5, 1.0, 2.0]
    assert client.requests_made == 4


def test_an_outage_longer_than_the_attempts_is_unreachable(
    emulator: AzureEmulator, client: AzureClient, naps: list[float]
) -> None:
    emulator.outage()
    with pytest.raises(TrackerUnreachable, match="503 after 4 tries"):
        client.check()
    assert client.requests_made == 4 and len(naps) == 3


def test_a_hanging_service_is_unreachable(emulator: AzureEmulator, org_url: str) -> None:
    emulator.hang(1.0, times=2)
    with AzureClient(
        org_url, token=str(emulator.token), project="Rocket", timeout=0.2, attempts=2, sleep=lambda _: None
    ) as client:
        started = time.monotonic()
        with pytest.raises(TrackerUnreachable, match="no answer in time"):
            client.check()
    assert time.monotonic() - started < 1.5


def test_a_create_is_not_sent_twice_after_no_answer(emulator: AzureEmulator, org_url: str) -> None:
    emulator.hang(0.5)
    with AzureClient(
        org_url, token=str(emulator.token), project="Rocket", timeout=0.1, sleep=lambda _: None
    ) as client:
        with pytest.raises(TrackerUnreachable):
            client.create("Rocket", "User Story", "Checkout", {})
        assert client.requests_made == 1
    wait_until(lambda: len(emulator.ids()) == 1)  # the service did make it, once


@pytest.mark.parametrize("how", ["revoked", "wrong token"])
def test_a_refused_token_is_an_auth_error_that_never_shows_the_token(
    emulator: AzureEmulator, org_url: str, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "s3cret-personal-access-token"
    emulator.grant(token)
    if how == "revoked":
        emulator.revoke()
    used = token if how == "revoked" else "not-" + token
    with AzureClient(org_url, token=used, project="Rocket") as client:
        with pytest.raises(TrackerAuthError) as refused:
            client.query_ids("SELECT [System.Id] FROM WorkItems")
        assert client.requests_made == 1

    assert "the personal access token was refused (401)" in str(refused.value)
    secrets = [used, base64.b64encode(f":{used}".encode()).decode()]
    for secret in secrets:
        assert secret not in str(refused.value) and secret not in repr(refused.value)
        assert secret not in caplog.text


def test_bad_wiql_and_an_unknown_project_are_refused_with_the_services_message(
    emulator: AzureEmulator, org_url: str, client: AzureClient
) -> None:
    with pytest.raises(TrackerRefused, match="TF51006") as refused:
        client.query_ids("SELECT TOP 5 [System.Id] FROM WorkItems")
    assert refused.value.status == 400
    with pytest.raises(TrackerRefused, match="TF51005"):
        client.query_ids("SELECT [System.Id] FROM WorkItems WHERE [Custom.Team] = 'Atlas'")
    elsewhere = AzureClient(org_url, token=str(emulator.token), project="Nope")
    with elsewhere, pytest.raises(TrackerRefused, match="TF200016") as missing:
        elsewhere.check()
    assert missing.value.status == 404


def test_more_than_20000_results_are_refused_as_the_service_does(
    emulator: AzureEmulator, client: AzureClient
) -> None:
    emulator.many(20_001, area=ATLAS)
    with pytest.raises(TrackerRefused, match="VS402337"):
        client.query_ids(f"SELECT [System.Id] FROM WorkItems WHERE {SCOPE}")
    started = time.monotonic()
    assert len(client.ids_in_scope(SCOPE, range(1, 20_002))) == 20_001
    assert time.monotonic() - started < 10


def test_writes_are_visible_in_the_tracker(emulator: AzureEmulator, client: AzureClient) -> None:
    story = emulator.add("Checkout", area=ATLAS)
    other = emulator.add("Search", area=BOREALIS)

    client.update(
        story,
        [
            {"op": "replace", "path": "/fields/System.IterationPath", "value": SPRINT_1},
            {"op": "replace", "path": "/fields/System.State", "value": "Active"},
        ],
    )
    client.add_dependency(story, other)
    made = client.create(
        "Rocket",
        "User Story",
        "Receipts",
        {
            "System.AreaPath": BOREALIS,
            "Microsoft.VSTS.Scheduling.StoryPoints": 3,
        },
    )

    fields = emulator.item(story)["fields"]
    assert (fields["System.IterationPath"], fields["System.State"], fields["System.Rev"]) == (
        SPRINT_1,
        "Active",
        3,
    )
    assert [(r["rel"], r["url"].rsplit("/", 1)[1]) for r in emulator.item(story)["relations"]] == [
        (SUCCESSOR, str(other))
    ]
    assert emulator.item(other)["relations"][0]["rel"] == "System.LinkTypes.Dependency-Reverse"
    created = emulator.item(made)["fields"]
    assert (created["System.Title"], created["System.AreaPath"]) == ("Receipts", BOREALIS)
    assert created["Microsoft.VSTS.Scheduling.StoryPoints"] == 3.0
    with pytest.raises(TrackerRefused, match="TF401347"):
        client.update(
            story, [{"op": "replace", "path": "/fields/System.AreaPath", "value": "Rocket\\Nowhere"}]
        )
    with pytest.raises(TrackerRefused, match="TF401232") as missing:
        client.update(9999, [{"op": "replace", "path": "/fields/System.Title", "value": "x"}])
    assert missing.value.status == 404


class HookReceiver:
    """A service hook's endpoint: keeps what it is posted."""

    def __init__(self) -> None:
        self.posts: list[tuple[str | None, dict[str, Any]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        authorization = headers.get(b"authorization")
        self.posts.append((authorization.decode() if authorization else None, json.loads(body)))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_a_change_posts_a_service_hook_with_basic_authentication(emulator: AzureEmulator) -> None:
    receiver = HookReceiver()
    story = emulator.add("Checkout", area=ATLAS)
    with served(receiver) as hook_url, emulator.running():
        subscription = emulator.subscribe(hook_url + "/hooks/azure", "piboard", "hook-password")
        emulator.set_state(story, "Active")
        emulator.delete(story)
        wait_until(lambda: len(receiver.posts) == 2)

    (authorization, updated), (_, deleted) = receiver.posts
    assert verify_service_hook(authorization, "piboard", "hook-password")
    assert not verify_service_hook(authorization, "piboard", "wrong-password")
    assert not verify_service_hook(None, "piboard", "hook-password")
    assert not verify_service_hook("Basic not-base64!", "piboard", "hook-password")
    assert (updated["eventType"], updated["subscriptionId"], updated["publisherId"]) == (
        "workitem.updated",
        subscription,
        "tfs",
    )
    resource = updated["resource"]
    assert (resource["workItemId"], resource["rev"]) == (story, 2)
    assert resource["fields"]["System.State"] == {"oldValue": "New", "newValue": "Active"}
    assert resource["revision"]["fields"]["System.State"] == "Active"
    assert (deleted["eventType"], deleted["resource"]["id"]) == ("workitem.deleted", story)
    assert [d.status for d in emulator.deliveries] == [200, 200]
