"""A board edit to what the tracker owns, refused and written to the tracker instead (write-back on)."""

from __future__ import annotations

from typing import Any

from tests.conftest import BoardHandle
from tests.trackers.jira_emulator import POINTS_FIELD, JiraEmulator
from tests.trackers.test_doors import jira_body, wait_for


def synced_story(board: BoardHandle, jira: JiraEmulator, *, write_back: bool) -> tuple[str, dict[str, Any]]:
    key = jira.add_issue("ATL", "Pay by card", points=5, team="Atlas", sprint=jira.sprint1)  # type: ignore[attr-defined]
    with board.rte() as rte:
        made = rte.put(f"/api/boards/{board.id}/tracker", json=jira_body(jira, write_back=write_back))
        assert made.status_code == 200, made.text
        assert rte.post(f"/api/boards/{board.id}/tracker/apply").status_code == 200
    story = next(s for s in board.read()["items"]["story"].values() if s["external_key"] == key)
    return key, story


def edit(board: BoardHandle, session: str, story: dict[str, Any], door: str, **args: Any) -> Any:
    body = {"type": "story.update", "target": story["id"], "base_version": story["version"], "args": args}
    with board.server.client(session) as c:
        return c.post(f"/api/boards/{board.id}/{door}", json=body)


def test_a_refused_points_edit_is_written_to_jira_and_comes_back_by_jira(
    board: BoardHandle, jira: JiraEmulator
) -> None:
    key, story = synced_story(board, jira, write_back=True)
    member = board.join("team", "Tess", team_id=story["team_id"])
    refused = edit(board, member, story, "ops", points=8)
    assert refused.status_code == 409
    assert refused.json()["detail"] == {"write_back": True, "fields": ["points"], "product": "Jira"}
    written = edit(board, member, story, "tracker/write-back", points=8)
    assert written.status_code == 200, written.text
    assert "Written to Jira" in written.json()["text"]
    assert jira.issue(key)["fields"][POINTS_FIELD["cloud"]] == 8
    # ... and the board follows through the sync (the write asked for a poll at once), by Jira.
    wait_for(lambda: board.read()["items"]["story"][story["id"]]["points"] == 8, timeout=5)
    with board.rte() as rte:
        events = rte.get(f"/api/boards/{board.id}/events", params={"since": 0}).json()
    assert events[-1]["actor"]["name"] == "Jira"


def test_only_what_the_person_may_edit_on_the_board_is_written_back(
    board: BoardHandle, jira: JiraEmulator
) -> None:
    key, story = synced_story(board, jira, write_back=True)
    observer = board.join("observer", "Olga")
    refused = edit(board, observer, story, "tracker/write-back", points=8)
    assert refused.status_code == 403
    member = board.join("team", "Tess", team_id=story["team_id"])
    status = edit(board, member, story, "tracker/write-back", status="done")
    assert status.status_code == 422 and "is not written back" in status.json()["reason"]
    assert jira.issue(key)["fields"][POINTS_FIELD["cloud"]] == 5


def test_a_status_is_not_written_back_and_write_back_off_refuses(
    board: BoardHandle, jira: JiraEmulator
) -> None:
    _, story = synced_story(board, jira, write_back=False)
    member = board.join("team", "Tess", team_id=story["team_id"])
    refused = edit(board, member, story, "ops", points=8)
    assert refused.status_code == 409 and refused.json()["detail"]["write_back"] is False
    off = edit(board, member, story, "tracker/write-back", points=8)
    assert off.status_code == 409 and "write-back to Jira is off" in off.json()["reason"]
