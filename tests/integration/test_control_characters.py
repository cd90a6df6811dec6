"""Issue 24, item 6: NUL and control characters, at every door, on SQLite and on PostgreSQL.

The probe's steps: on PostgreSQL a NUL in a board name (REST and the home page's form), a join link's
label or a webhook URL answered 500 (the board's row was written before its first op was checked);
on SQLite a label ``"a\\u0000b\\u001b[31m\\u0007"`` was stored. C1 controls and DEL passed every text
field. Now one rule (``board.fields.text_problem``) refuses them everywhere with a reason, and the
refusal changes nothing. Run with ``PIBOARD_TEST_DATABASE=postgres`` for PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from server.live.protocol import Hello
from tests.conftest import BoardHandle, LiveServer

# NUL; the probe's label; C0 (bell, escape), DEL, C1 (NEL, the last C1).
CONTROLS = ["a\x00b", "a\x00b\x1b[31m\x07", "bell \x07 b", "del \x7f d", "nel \x85 n", "c1 \x9f c"]


def post_json(client: httpx.Client, url: str, body: Any, method: str = "POST") -> httpx.Response:
    return client.request(
        method, url, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


def refused(response: httpx.Response) -> str:
    """The refusal's reason: a 422 that names the character it met."""
    assert response.status_code == 422, (response.status_code, response.text[:300])
    reason = response.text
    assert "NUL character" in reason or "control character" in reason, reason[:300]
    return reason


@pytest.mark.parametrize("bad", CONTROLS)
def test_board_names_with_control_characters_make_no_board(live_server: LiveServer, bad: str) -> None:
    with live_server.client() as c:
        before = c.get("/api/boards").json()
        refused(post_json(c, "/api/boards", {"name": bad}))
        refused(c.post("/boards", data={"name": bad}))
        imported = post_json(c, "/api/boards/import", {"schema": "piboard/1", "meta": {"name": bad}})
        assert imported.status_code == 422, imported.text[:300]
        assert c.get("/api/boards").json() == before, "no board was made"


@pytest.mark.parametrize("bad", CONTROLS)
def test_link_labels_webhook_urls_and_names_refuse_control_characters(board: BoardHandle, bad: str) -> None:
    with board.rte() as c:
        links = c.get(f"/api/boards/{board.id}/links").json()
        refused(post_json(c, f"/api/boards/{board.id}/links", {"role": "observer", "label": bad}))
        assert c.get(f"/api/boards/{board.id}/links").json() == links

        hook = f"https://hooks.example.com/{bad}"
        refused(post_json(c, f"/api/boards/{board.id}/webhook", {"url": hook}, method="PUT"))
        assert c.get(f"/api/boards/{board.id}/webhook").json()["url"] == ""

        tracker = {
            "product": "jira_dc",
            "url": f"https://jira.example.com/{bad}",
            "token": "t0ken",
            "scope": {"jql": "project = ROCKET"},
        }
        refused(post_json(c, f"/api/boards/{board.id}/tracker", tracker, method="PUT"))
        tracker = {**tracker, "url": "https://jira.example.com", "scope": {"jql": f"project = {bad}"}}
        refused(post_json(c, f"/api/boards/{board.id}/tracker", tracker, method="PUT"))

        link = c.post(f"/api/boards/{board.id}/links", json={"role": "observer"}).json()
        token = link["join_url"].rsplit("/", 1)[1]
        joined = post_json(c, "/api/join", {"token": token, "name": f"Eve {bad}"})
        assert joined.status_code == 422 and "say your name" in joined.text, joined.text


@pytest.mark.parametrize("bad", CONTROLS)
def test_ops_refuse_control_characters_in_any_argument(board: BoardHandle, bad: str) -> None:
    start = board.read()["seq"]
    refused(board.op(board.rte_session, "risk.create", args={"title": bad}))
    refused(board.op(board.rte_session, "risk.create", args={"title": "ok", "note": {"deep": [bad]}}))
    with board.server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        refused(c.post(f"/b/{board.id}/ops", data={"type": "risk.create", "args.title": bad}))
    assert board.read()["seq"] == start, "nothing was applied"


def test_tab_newline_and_carriage_return_are_kept(board: BoardHandle) -> None:
    text = "line one\r\nline two\tand a tab"
    made = board.op(board.rte_session, "risk.create", args={"title": "Vendor late", "description": text})
    assert made.status_code == 200, made.text
    risk = next(iter(board.read()["items"]["risk"].values()))
    assert risk["description"] == text
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "observer", "label": "Room\tA"})
        assert link.status_code == 201, link.text


def test_a_screen_name_in_the_socket_hello_is_held_to_the_rule() -> None:
    with pytest.raises(ValidationError, match="control character"):
        Hello.model_validate({"type": "hello", "name": "Room \x85 A"})
    with pytest.raises(ValidationError, match="line break"):
        Hello.model_validate({"type": "hello", "name": "Room\nA"})
    assert Hello.model_validate({"type": "hello", "name": "Room A"}).name == "Room A"
