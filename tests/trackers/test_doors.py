"""The tracker's doors on a live server: the RTE's REST door and the trackers' webhooks."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import BoardHandle, create_board, start_server
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.jira_emulator import JiraEmulator


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.05)


def jira_body(jira: JiraEmulator, **overrides: Any) -> dict[str, Any]:
    return {
        "product": "jira_cloud",
        "url": jira.base_url,
        "user": jira.email,
        "token": jira.token,
        "scope": {"jql": "project = ATL"},
        **overrides,
    }


def story_status(board: BoardHandle, key: str) -> str | None:
    stories = board.read()["items"]["story"]
    return next((s["status"] for s in stories.values() if s.get("external_key") == key), None)


def test_connecting_is_checked_with_the_tracker_and_never_shows_the_token(
    board: BoardHandle, jira: JiraEmulator
) -> None:
    with board.rte() as rte:
        wrong = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, token="not-the-token"))
        assert wrong.status_code == 422 and "Jira refused the token" in wrong.json()["reason"]
        assert rte.get(f"/api/boards/{board.id}/tracker").json()["connected"] is False
        made = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira))
        assert made.status_code == 200, made.text
        assert jira.token not in made.text
        shown = rte.get(f"/api/boards/{board.id}/tracker")
        assert shown.json()["state"] == "new" and jira.token not in shown.text
        assert shown.json()["webhook_url"].endswith(f"/hooks/jira/{board.id}")


def test_only_the_rte_connects_a_board(board: BoardHandle, jira: JiraEmulator) -> None:
    member = board.join("pm", "Pat")
    with board.server.client(member) as pm:
        refused = pm.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira))
        assert refused.status_code == 403
        assert pm.get(f"/api/boards/{board.id}/tracker").status_code == 403


def test_bad_settings_are_refused_with_the_reason(board: BoardHandle, jira: JiraEmulator) -> None:
    cases = [
        (jira_body(jira, product="trello"), "the tracker is one of"),
        (jira_body(jira, url="ftp://example.com"), "must start with https://"),
        (jira_body(jira, user=""), "e-mail"),
        (jira_body(jira, scope={"jql": ""}), "JQL query is required"),
        (jira_body(jira, scope={"jql": "x", "wiql": "y"}), "has no setting"),
        (jira_body(jira, choices=["nonsense"]), "must look like name=value"),
        (jira_body(jira, interval_s=1), "greater than or equal"),
        (jira_body(jira, interval_s=True), "int"),
        (jira_body(jira, scope={"jql": {"nested": 1}}), "scope"),
    ]
    with board.rte() as rte:
        for body, reason in cases:
            answer = rte.put(f"/api/boards/{board.id}/tracker", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert reason in answer.text, (reason, answer.text)
        assert rte.get(f"/api/boards/{board.id}/tracker").json()["connected"] is False


def test_a_signed_jira_webhook_brings_a_change_in_at_once(board: BoardHandle, jira: JiraEmulator) -> None:
    key = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas", sprint=jira.sprint1)  # type: ignore[attr-defined]
    with board.rte() as rte:
        made = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, interval_s=3600))
        preview = rte.post(f"/api/boards/{board.id}/tracker/preview", json={})
        assert preview.status_code == 200 and preview.json()["counts"]["create"] == 1
        applied = rte.post(f"/api/boards/{board.id}/tracker/apply")
        assert applied.status_code == 200, applied.text
    assert story_status(board, key) == "todo"
    jira.register(made.json()["webhook_url"], made.json()["webhook_secret"])
    jira.set_status(key, "Done", "done")
    wait_for(lambda: story_status(board, key) == "done", timeout=2.0)


def test_a_webhook_with_a_wrong_signature_is_refused(board: BoardHandle, jira: JiraEmulator) -> None:
    with board.rte() as rte:
        rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira))
    with httpx.Client(base_url=board.server.url) as anyone:
        body = b'{"webhookEvent": "jira:issue_updated"}'
        refused = anyone.post(
            f"/hooks/jira/{board.id}", content=body, headers={"X-Hub-Signature": "sha256=" + "0" * 64}
        )
        assert refused.status_code == 403
        assert anyone.post(f"/hooks/jira/{board.id}", content=body).status_code == 403
        assert anyone.post("/hooks/jira/no-such-board", content=body).status_code == 404


def test_an_azure_devops_service_hook_brings_a_change_in_at_once(
    board: BoardHandle, azure: AzureEmulator
) -> None:
    azure.add_area("Rocket\\Atlas")
    azure.add_iteration("Rocket\\Sprint 1")
    item = azure.add("Checkout", area="Rocket\\Atlas", iteration="Rocket\\Sprint 1", points=5)
    body = {
        "product": "azure",
        "url": azure.url,
        "token": azure.token or "",
        "scope": {"project": "Rocket"},
        "interval_s": 3600,
    }
    with board.rte() as rte:
        made = rte.put(f"/api/boards/{board.id}/tracker", json=body)
        assert made.status_code == 200, made.text
        assert rte.post(f"/api/boards/{board.id}/tracker/apply").status_code == 200
    assert story_status(board, str(item)) == "todo"
    public = made.json()
    azure.subscribe(public["webhook_url"], public["webhook_user"], public["webhook_secret"])
    azure.set_state(item, "Closed")
    wait_for(lambda: story_status(board, str(item)) == "done", timeout=2.0)
    with httpx.Client(base_url=board.server.url) as anyone:
        refused = anyone.post(f"/hooks/azure-devops/{board.id}", json={}, auth=("piboard", "wrong"))
        assert refused.status_code == 403


def test_a_tracker_that_hangs_holds_up_no_other_boards_sync(board: BoardHandle, jira: JiraEmulator) -> None:
    """Two boards on one server: while the first's Jira takes seconds to answer each request, a webhook
    brings the second board's change in at once all the same."""
    slow_board = create_board(board.server, "Slow ART")
    other = JiraEmulator("cloud")
    other.add_project("ATL")
    with other.running():
        other.add_issue("ATL", "Slow story", points=1, team="Atlas")
        key = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas")
        for handle, tracker in ((slow_board, other), (board, jira)):
            with handle.rte() as rte:
                made = rte.put(f"/api/boards/{handle.id}/tracker", json=jira_body(tracker, interval_s=10))
                assert rte.post(f"/api/boards/{handle.id}/tracker/apply").status_code == 200
        jira.register(made.json()["webhook_url"], made.json()["webhook_secret"])
        other.hang(4.0)  # every answer of the slow board's Jira comes 4 s late
        asked = other.request_count
        board.server.services.trackers.poll_now(slow_board.id, datetime.now(UTC))
        board.server.services.tracker_watch.wake()
        wait_for(lambda: other.request_count > asked)  # the slow board's poll is waiting on its Jira
        jira.set_status(key, "Done", "done")
        wait_for(lambda: story_status(board, key) == "done", timeout=2.0)
        other.clear_faults()


def test_sync_now_reports_the_changes_it_brought_in_even_when_the_watch_looks_meanwhile(
    db_url: str, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The RTE presses Sync now while the board's own poll is ten seconds off. However late the
    request's thread takes the poll (here it is held half a second), the watch, looking every 50 ms,
    never takes it first: the RTE reads the change it brought in, not "0 applied"."""
    key = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas")
    server = start_server(db_url, tracker_tick=0.05)
    try:
        board = create_board(server)
        with board.rte() as rte:
            assert (
                rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, interval_s=10)).status_code
                == 200
            )
            assert rte.post(f"/api/boards/{board.id}/tracker/apply").status_code == 200
            jira.set_status(key, "Done", "done")
            store = server.services.trackers
            take_lease = store.take_lease
            calls: list[float] = []

            def late_take_lease(*args: Any, **kwargs: Any) -> bool:
                calls.append(time.monotonic())
                if len(calls) == 1:  # the first to ask is the RTE's request: it is held up
                    time.sleep(0.5)
                return bool(take_lease(*args, **kwargs))

            monkeypatch.setattr(store, "take_lease", late_take_lease)
            synced = rte.post(f"/api/boards/{board.id}/tracker/sync")
            assert synced.status_code == 200, synced.text
            assert synced.json()["applied"] == 1, synced.text
            assert len(calls) == 1  # the watch took no poll of its own meanwhile
        assert story_status(board, key) == "done"
    finally:
        server.stop()
