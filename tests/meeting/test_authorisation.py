"""Every op of the role table, sent as every role through each door (REST, form, websocket):
allowed or refused exactly as ``board.roles.PERMISSIONS`` says."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from board.model import Role
from board.roles import PERMISSIONS
from tests.conftest import BoardHandle
from tests.meeting.op_cases import CASES, Arena, OpBody, prepare

# Allowed, and still refused for a reason that is not the role: the board exists already.
REFUSED_ON_PURPOSE = {"board.create"}


@dataclass(frozen=True)
class Answer:
    """What a door said to one op: applied, refused as forbidden, or refused for another reason."""

    applied: bool
    forbidden: bool
    detail: str


Door = Callable[[OpBody], Answer]


def test_every_op_in_the_table_has_a_prepared_case() -> None:
    assert set(PERMISSIONS) <= set(CASES)


def join_every_role(board: BoardHandle, arena: Arena) -> None:
    for role in Role:
        team = arena.team_a if role == Role.TEAM else None
        board.sessions[role.value] = (
            board.rte_session if role == Role.RTE else board.join(role.value, f"Tester {role.value}", team)
        )


def seq_of(board: BoardHandle) -> int:
    """The board's last seq, from the light board list (a full read computes the whole plan summary)."""
    with board.rte() as c:
        return int(next(b["seq"] for b in c.get("/api/boards").json() if b["id"] == board.id))


def check_table(board: BoardHandle, arena: Arena, role: str, send: Door) -> list[tuple[str, str]]:
    """Send every op as ``role``; returns the ops whose answer disagrees with the table."""
    mismatches: list[tuple[str, str]] = []
    for op_type, allowed_roles in PERMISSIONS.items():
        body = prepare(arena, op_type, role)
        seq_before = seq_of(board)
        answer = send(body)
        if Role(role) not in allowed_roles:
            if not answer.forbidden:
                mismatches.append((op_type, f"should be forbidden: {answer.detail}"))
            elif seq_of(board) != seq_before:
                mismatches.append((op_type, "a refused op changed the board"))
        elif answer.forbidden:
            mismatches.append((op_type, f"should be allowed: {answer.detail}"))
        elif not answer.applied and op_type not in REFUSED_ON_PURPOSE:
            mismatches.append((op_type, f"allowed but not applied: {answer.detail}"))
        if op_type == "plan.lock" and answer.applied:
            arena.rte_op("plan.unlock")
    return mismatches


ROLES = [r.value for r in Role]


@pytest.mark.parametrize("role", ROLES)
def test_rest_door_follows_the_role_table(board: BoardHandle, role: str) -> None:
    arena = Arena.seed(board)
    join_every_role(board, arena)

    def send(body: OpBody) -> Answer:
        r = board.op(board.sessions[role], **body)
        forbidden = r.status_code == 403 and r.json().get("error") == "forbidden"
        return Answer(r.status_code == 200, forbidden, f"{r.status_code} {r.text[:200]}")

    assert check_table(board, arena, role, send) == []


def messages(ws: ClientConnection) -> list[dict[str, Any]]:
    """The next websocket message: one frame, or several sent together as a JSON array."""
    data = json.loads(ws.recv(timeout=10))
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize("role", ROLES)
def test_form_door_follows_the_role_table(board: BoardHandle, role: str) -> None:
    """The pages' door: form fields in, 204 or an HTML refusal that names its code."""
    arena = Arena.seed(board)
    join_every_role(board, arena)

    def send(body: OpBody) -> Answer:
        fields = {k: "" if v is None else str(v) for k, v in body.items() if k != "args"}
        fields["args"] = json.dumps(body.get("args") or {})
        with board.server.client(board.sessions[role]) as c:
            r = c.post(f"/b/{board.id}/ops", data=fields)
        forbidden = r.status_code == 403 and 'data-code="forbidden"' in r.text
        return Answer(r.status_code == 204, forbidden, f"{r.status_code} {r.text[:200]}")

    assert check_table(board, arena, role, send) == []


@contextmanager
def live_socket(board: BoardHandle, session: str) -> Iterator[ClientConnection]:
    url = f"{board.server.ws_url}/b/{board.id}/ws"
    with connect(url, additional_headers={"Authorization": f"Bearer {session}"}, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "hello", "mode": "json", "view": "program"}))
        welcome = messages(ws)[0]
        assert welcome["type"] == "welcome", welcome
        yield ws


def answer_of(ws: ClientConnection, client_op_id: str) -> dict[str, Any]:
    """The ack or refusal of one op; the events and presence frames in between are skipped."""
    while True:
        for frame in messages(ws):
            if frame.get("type") in {"ack", "refusal"} and frame.get("client_op_id") == client_op_id:
                return frame
            assert frame.get("type") != "error", frame


@pytest.mark.parametrize("role", ROLES)
def test_websocket_door_follows_the_role_table(board: BoardHandle, role: str) -> None:
    arena = Arena.seed(board)
    join_every_role(board, arena)
    ids = itertools.count(1)
    with live_socket(board, board.sessions[role]) as ws:

        def send(body: OpBody) -> Answer:
            client_op_id = f"authz-{role}-{next(ids)}"
            ws.send(json.dumps({"type": "op", "op": {**body, "client_op_id": client_op_id}}))
            frame = answer_of(ws, client_op_id)
            forbidden = frame["type"] == "refusal" and frame["error"] == "forbidden"
            return Answer(frame["type"] == "ack", forbidden, json.dumps(frame)[:200])

        assert check_table(board, arena, role, send) == []


def test_locked_plan_is_changed_by_the_rte_only(board: BoardHandle) -> None:
    arena = Arena.seed(board)
    member = board.join("team", "Tess", arena.team_a)
    architect = board.join("architect", "Archie")
    arena.rte_op("plan.lock")
    story = {"title": "Late story", "team_id": arena.team_a}
    refused = board.op(member, "story.create", args=story)
    assert refused.status_code == 409
    assert "locked" in refused.json()["reason"]
    enabler = {"title": "E", "feature_kind": "enabler"}
    assert board.op(architect, "feature.create", args=enabler).status_code == 409
    # Votes, risks and business value go on during the final plan review.
    risk = board.op(member, "risk.create", args={"title": "Ops on holiday", "team_id": arena.team_a})
    assert risk.status_code == 200
    assert board.op(board.rte_session, "story.create", args=story).status_code == 200
    arena.rte_op("plan.unlock")
    assert board.op(member, "story.create", args={**story, "title": "After"}).status_code == 200
