"""Any Jira-shaped file, with cells from the whole Unicode range (lone surrogates included), is
either refused with its problems or previewed into ops that the board takes, every one of them;
and any mapping choice is taken or refused with a reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board.core import Op
from board.errors import Invalid
from board.model import BoardState, Role
from board.ops import Context, apply_op
from board.roles import Actor
from server.transfer.common import FileRefused
from server.transfer.jira import preview_jira
from server.transfer.jira_ops import import_ops

RTE = Actor("rte", "RTE", Role.RTE)
HEADER = [
    "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Sprint", "Sprint",
    "Custom field (Story Points)", "Custom field (${field_Story_Points})", "Team Name", "Component/s",
    "Parent", "Custom field (Epic Link)", "Outward issue link (Blocks)", "Inward issue link (Blocks)",
    "Description", "Status Category",
]  # fmt: skip
KEYS = [f"ABC-{n}" for n in range(1, 9)]

any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=30)
cell = st.one_of(
    any_text,
    st.sampled_from(
        ["", *KEYS, "Epic", "Story", "Sub-task", "Test", "Done", "5.0", "0.5", "-3", "1e9", "nan"]
    ),
    st.sampled_from(["Sprint 0 — Setup", "Sprint 1", "Sprint 2", "Alpha", "Beta", "10001", "10002"]),
)
choice = st.one_of(
    any_text,
    st.sampled_from(
        [
            "type:Epic=story", "type:Story=feature", "type:Sub-task=skip", "type:Test=story", "team=none",
            "team=Component/s", "default-team=Ops", "default-team=", "create-teams=no", "status:Done=todo",
            "sprint:Sprint 1=backlog", "sprint:Sprint 2=1", "sprint:Alpha=new", "removed=delete",
            "conflicts=file", "points=Custom field (Story Points)",
        ]
    ),
)  # fmt: skip
rows = st.lists(st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=8)


def board() -> BoardState:
    state = BoardState("fuzz")
    apply_op(state, Op("board.create", args={"name": "Fuzz"}), RTE, Context(0.0, lambda: "x", 1))
    return state


def encoded(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([HEADER, *table])
    return buf.getvalue().encode("utf-8", "surrogatepass")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.lists(choice, max_size=4))
def test_a_file_is_refused_or_every_op_it_gives_is_taken(table: list[list[str]], choices: list[str]) -> None:
    state = board()
    try:
        preview = preview_jira(encoded(table), state, choices)
    except (FileRefused, Invalid) as exc:
        assert str(exc)
        return
    apply(state, import_ops(preview, state, new_id=fresh_ids()))
    for row in preview.rows:
        assert row.fate in ("create", "counted", "skip") and (row.fate != "skip" or row.reason)
    assert preview.points()["board"] == sum(s.points for s in state.stories)
    # The same file again: nothing to create, and nothing at all once the board is up to date.
    again = preview_jira(encoded(table), state, choices)
    assert again.counts()["create"] == 0
    apply(state, import_ops(again, state, new_id=fresh_ids()))
    assert import_ops(preview_jira(encoded(table), state, choices), state) == []


def fresh_ids() -> Callable[[], str]:
    ids = iter(range(1, 100_000))
    return lambda: f"i{next(ids)}x{id(ids)}"


def apply(state: BoardState, ops: list[Op]) -> None:
    for op in ops:
        seq = state.seq + 1
        apply_op(state, op, RTE, Context(float(seq), fresh_ids(), seq))
        state.seq = seq
