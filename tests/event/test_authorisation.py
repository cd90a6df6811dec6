"""Every op of the role table, sent as every role through the REST door: allowed or refused by the table."""

from __future__ import annotations

from typing import Any

import pytest

from board.model import Role
from board.roles import PERMISSIONS
from tests.conftest import BoardHandle
from tests.event.op_cases import CASES, Arena, prepare

# Allowed, and still refused for a reason that is not the role: the board exists already.
REFUSED_ON_PURPOSE = {"board.create"}


def test_every_op_in_the_table_has_a_prepared_case() -> None:
    assert set(PERMISSIONS) <= set(CASES)


def join_every_role(board: BoardHandle, arena: Arena) -> None:
    for role in Role:
        team = arena.team_a if role == Role.TEAM else None
        board.sessions[role.value] = (
            board.rte_session if role == Role.RTE else board.join(role.value, f"Tester {role.value}", team)
        )


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_rest_door_follows_the_role_table(board: BoardHandle, role: str) -> None:
    arena = Arena.seed(board)
    join_every_role(board, arena)
    mismatches: list[tuple[str, int, Any]] = []
    for op_type, allowed_roles in PERMISSIONS.items():
        body = prepare(arena, op_type, role)
        seq_before = board.read()["seq"]
        r = board.op(board.sessions[role], **body)
        allowed = Role(role) in allowed_roles
        if not allowed:
            if r.status_code != 403 or r.json()["error"] != "forbidden":
                mismatches.append((op_type, r.status_code, r.text))
            elif board.read()["seq"] != seq_before:
                mismatches.append((op_type, r.status_code, "a refused op changed the board"))
        elif r.status_code == 403 or (r.status_code != 200 and op_type not in REFUSED_ON_PURPOSE):
            mismatches.append((op_type, r.status_code, r.text))
        if board.read()["items"]["meta"]["meta"]["locked"]:
            arena.rte_op("plan.unlock")
    assert mismatches == []


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
