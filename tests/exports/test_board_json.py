"""JSON export and import: a lossless round trip through ops, with fresh ids."""

from __future__ import annotations

import contextlib
import json
import string
from dataclasses import dataclass
from typing import Any

import pytest
from exports_boards import Builder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board.core import Committed
from board.errors import Refused
from board.model import BoardState, Role
from server.store.op_path import OpPath
from server.transfer.board_json import (
    REFS,
    SCHEMA,
    SECTIONS,
    export_board,
    export_board_json,
    read_board_json,
)
from server.transfer.common import FileRefused
from server.transfer.files import import_board_file

COMPARED_META = ("name", "pi_name", "start", "end", "planning_target", "locked")
# Set by the op path from who sent the op, not by the file: see docs/export-schema.md.
NOT_COMPARED = {"risk": {"raised_by"}}


def canonical(state: BoardState, id_map: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The board without versions, with every id (and reference) passed through ``id_map``."""

    def m(kind: str, value: Any) -> Any:
        if value is None or id_map is None:
            return value
        return id_map[(kind, value)]

    out: dict[str, Any] = {"meta": {k: getattr(state.meta, k) for k in COMPARED_META}}
    for kind in SECTIONS.values():
        rows = {}
        for item in state.items[kind].values():
            row = item.to_dict()
            row.pop("version")
            for name in NOT_COMPARED.get(kind, set()):
                row.pop(name)
            for name, ref_kind in REFS.get(kind, {}).items():
                row[name] = m(ref_kind, row[name])
            if kind == "objective":
                row["feature_ids"] = [m("feature", x) for x in row["feature_ids"]]
            if kind == "member":
                row["days_off"] = {m("iteration", k): v for k, v in row["days_off"].items()}
            row["id"] = m(kind, row["id"])
            rows[row["id"]] = row
        out[kind] = rows
    return out


@dataclass
class Rebuilt:
    """A board imported from a file: its state, its events, and which new id each file id became."""

    state: BoardState
    events: list[Committed]
    id_map: dict[tuple[str, str], str]


def rebuild(op_path: OpPath, data: bytes | dict[str, Any]) -> Rebuilt:
    data = json.dumps(data).encode() if isinstance(data, dict) else data
    board_id, count = import_board_file(op_path, data)
    events = op_path.events_since(board_id, 0, limit=count)
    # Each item of the file is created by one event, section by section in the file's order.
    created: dict[str, list[str]] = {}
    for event in events[1:]:
        for change in event.changes:
            if change.before is None and change.after is not None:
                created.setdefault(change.kind, []).append(change.id)
    doc = read_board_json(data)
    id_map = {
        (kind, row["id"]): new
        for section, kind in SECTIONS.items()
        for row, new in zip(doc.get(section, []), created.get(kind, []), strict=True)
    }
    return Rebuilt(op_path.state(board_id), events, id_map)


def test_rich_board_round_trips(op_path: OpPath, board: BoardState) -> None:
    data = export_board_json(board)
    result = rebuild(op_path, data)
    assert canonical(result.state) == canonical(board, result.id_map)
    old_ids = {item_id for by_id in board.items.values() for item_id in by_id}
    assert not (set(result.id_map.values()) & old_ids), "every id is fresh"
    assert len(set(result.id_map.values())) == len(result.id_map)
    assert result.events[0].op.type == "board.create"


def test_export_is_versioned_and_keeps_ballots_secret(board: BoardState) -> None:
    doc = json.loads(export_board_json(board, exported_at="2026-09-25T17:00:00+00:00"))
    assert doc["schema"] == SCHEMA == "piboard/1"
    assert doc["exported_at"] == "2026-09-25T17:00:00+00:00"
    assert "ballots" not in doc and "secret reason" not in json.dumps(doc)
    assert len(doc["votes"]) == 1, "only the revealed round"
    vote = doc["votes"][0]
    assert (vote["count"], vote["average"], vote["team_id"]) == (3, 4.0, None)
    assert vote["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    states = sorted(d["state"] for d in doc["dependencies"])
    assert states == ["committed", "conflict", "done", "requested"]
    assert [i["number"] for i in doc["iterations"]] == [1, 2, 3, 4, 5]
    assert [a["title"] for a in doc["agenda"]][:2] == ["Business context", "Product vision"]


def test_export_carries_the_baseline_diff(
    op_path: OpPath, baseline_pair: tuple[BoardState, BoardState]
) -> None:
    baseline, current = baseline_pair
    doc = export_board(current, baseline=baseline)
    changes = {(c["kind"], c["title"], c["change"]) for c in doc["baseline"]["changes"]}
    # the gateway's stories were re-planned with it
    assert changes == {
        ("feature", "Payment gateway", "moved"),
        ("story", "Gateway adapter", "moved"),
        ("story", "Overload story", "moved"),
        ("feature", "Late-breaking feature", "added"),
        ("story", "Hackathon", "dropped"),
    }
    rebuild(op_path, json.dumps(doc).encode())  # an import ignores the baseline section


def test_custom_agenda_is_reproduced_exactly(op_path: OpPath) -> None:
    b = Builder()
    b.op("board.create", name="Agenda board")
    first = b.state.agenda[0]
    b.op("agenda.update", first.id, title="Welcome & coffee", minutes=15, order=0)
    b.op("agenda.delete", b.state.agenda[-1].id)
    b.op("agenda.create", day=3, title="Day three?", minutes=20)
    result = rebuild(op_path, export_board_json(b.state))
    got = [(a.day, a.order, a.title, a.minutes) for a in result.state.agenda]
    assert got == [(a.day, a.order, a.title, a.minutes) for a in b.state.agenda]
    assert got[0] == (1, 0, "Welcome & coffee", 15)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "line 1: the file is not valid JSON: Expecting property name enclosed in double"),
        (b'{"schema": "piboard/9", "meta": {"name": "x"}}', "not supported"),
        (b'{"schema": "trello", "meta": {"name": "x"}}', "not a piboard export"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[]", "one JSON object"),
        (
            b'{"schema": "piboard/1", "meta": {"name": "x"},\n "teams": [{"id": "t"}, {"id": "t"}]}',
            "appears twice",
        ),
        (
            b'{"schema": "piboard/1", "meta": {"name": "x"}, "stories": [{"id": "s", "team_id": "ghost"}]}',
            "stories[0].team_id: no team 'ghost'",
        ),
        (
            b'{"schema": "piboard/1", "meta": {"name": "x"}, "stories": [{"id": "s", "team_id": ["t"]}]}',
            "stories[0].team_id: no team '['t']'",
        ),
        (
            b'{"schema": "piboard/1", "meta": {"name": "x"}, "members": [{"id": "m", "days_off": [[1]]}]}',
            "members[0].days_off must be an object",
        ),
        (  # quoted back with U+FFFD: a lone surrogate could not be sent
            b'{"schema": "piboard/1", "meta": {"name": "x"}, "risks": [{"id": "r", "team_id": "\\ud800"}]}',
            "risks[0].team_id: no team '\ufffd' in",
        ),
    ],
)
def test_broken_files_are_refused_with_a_reason(data: bytes, expected: str) -> None:
    with pytest.raises(FileRefused) as exc:
        read_board_json(data)
    assert expected in str(exc.value)


def test_invalid_values_refuse_the_whole_file(op_path: OpPath, board: BoardState) -> None:
    doc = json.loads(export_board_json(board))
    doc["objectives"][0]["planned_bv"] = 42
    boards = op_path.boards()
    with pytest.raises(FileRefused) as exc:
        rebuild(op_path, doc)
    assert "objectives[0]" in str(exc.value) and "between 1 and 10" in str(exc.value)
    assert op_path.boards() == boards, "nothing was made"


# --- the property: any board built by ops round-trips -------------------------------------------------

TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + " <>&'\"=+-@äß€😀",
    min_size=1,
    max_size=24,
)
TEAM_ACTOR_ROLES = (Role.RTE, Role.PRODUCT_MANAGEMENT)


def _ids(state: BoardState, kind: str) -> list[str]:
    return sorted(state.items[kind])


def _random_op(data: st.DataObject, b: Builder) -> None:
    s = b.state
    teams, its, feats = _ids(s, "team"), _ids(s, "iteration"), _ids(s, "feature")
    stories, deps = _ids(s, "story"), _ids(s, "dependency")
    objs, risks, agenda = _ids(s, "objective"), _ids(s, "risk"), _ids(s, "agenda")
    members = _ids(s, "member")

    def pick(ids: list[str], optional: bool = True) -> str | None:
        choices: list[str | None] = list(ids) + ([None] if optional or not ids else [])
        return data.draw(st.sampled_from(choices))

    kind = data.draw(
        st.sampled_from(
            [
                "iteration",
                "team",
                "member",
                "feature",
                "feature.fix",
                "feature.move",
                "feature.delete",
                "story",
                "story.move",
                "milestone",
                "dependency",
                "dependency.accept",
                "dependency.done",
                "dependency.comment",
                "objective",
                "objective.bv",
                "risk",
                "risk.roam",
                "agenda",
                "agenda.update",
                "agenda.delete",
                "iteration.ip",
                "iteration.delete",
                "member.days_off",
                "undo",
                "lock",
            ]
        )
    )
    if kind == "iteration":
        b.op("iteration.create", number=data.draw(st.integers(1, 8)), name=data.draw(TEXT))
    elif kind == "iteration.ip" and its:
        b.op("iteration.update", pick(its, False), is_ip=data.draw(st.booleans()))
    elif kind == "team":
        b.op("team.create", name=data.draw(TEXT), color=data.draw(st.sampled_from(["#112233", "#abcdef"])))
    elif kind == "member":
        b.op(
            "member.create",
            name=data.draw(TEXT),
            team_id=pick(teams, False),
            fte=data.draw(st.sampled_from([0.5, 1.0])),
            days_off={it: data.draw(st.integers(0, 10)) for it in its[:2]},
        )
    elif kind == "feature":
        b.op(
            "feature.create",
            title=data.draw(TEXT),
            description=data.draw(TEXT),
            team_id=pick(teams),
            iteration_id=pick(its),
            feature_kind=data.draw(st.sampled_from(["feature", "enabler"])),
            state=data.draw(st.sampled_from(["funnel", "planned", "in_progress", "done"])),
            rank=data.draw(st.integers(0, 50)),
        )
    elif kind == "feature.fix" and feats:
        b.op("feature.update", pick(feats, False), state="funnel", rank=data.draw(st.integers(0, 3)))
    elif kind == "feature.move" and feats:
        b.op("feature.move", pick(feats, False), team_id=pick(teams), iteration_id=pick(its))
    elif kind == "feature.delete" and feats:
        b.op("feature.delete", pick(feats, False))
    elif kind == "story" and teams:
        b.op(
            "story.create",
            title=data.draw(TEXT),
            feature_id=pick(feats),
            team_id=pick(teams, False),
            iteration_id=pick(its),
            points=data.draw(st.integers(0, 13)),
            status=data.draw(st.sampled_from(["todo", "in_progress", "done"])),
        )
    elif kind == "story.move" and stories:
        b.op("story.move", pick(stories, False), iteration_id=pick(its))
    elif kind == "milestone":
        b.op("milestone.create", title=data.draw(TEXT), iteration_id=pick(its), date="2026-08-01")
    elif kind == "dependency" and teams:
        b.op(
            "dependency.create",
            need=data.draw(TEXT),
            requesting_team_id=pick(teams, False),
            requesting_feature_id=pick(feats),
            provider_team_id=pick(teams),
            external_party=data.draw(st.sampled_from(["", "Vendor"])),
            needed_by_iteration_id=pick(its),
            provider_story_id=pick(stories),
        )
    elif kind == "dependency.accept" and deps:
        b.op(
            "dependency.accept",
            pick(deps, False),
            provider_feature_id=pick(feats),
            promised_iteration_id=pick(its),
        )
    elif kind == "dependency.done" and deps:
        b.op("dependency.done", pick(deps, False), done=data.draw(st.booleans()))
    elif kind == "dependency.comment" and deps:
        b.op("dependency.comment", pick(deps, False), comment=data.draw(TEXT))
    elif kind == "objective" and teams:
        b.op(
            "objective.create",
            team_id=pick(teams, False),
            statement=data.draw(TEXT),
            committed=data.draw(st.booleans()),
            feature_ids=data.draw(st.lists(st.sampled_from(feats), max_size=3)) if feats else [],
        )
    elif kind == "objective.bv" and objs:
        op = data.draw(st.sampled_from(["objective.set_bv", "objective.set_actual_bv"]))
        b.op(op, pick(objs, False), value=data.draw(st.none() | st.integers(1, 10)))
    elif kind == "risk":
        b.op("risk.create", title=data.draw(TEXT), team_id=pick(teams), owner=data.draw(TEXT))
    elif kind == "risk.roam" and risks:
        roam = data.draw(st.sampled_from(["unroamed", "resolved", "owned", "accepted", "mitigated"]))
        b.op("risk.roam", pick(risks, False), roam=roam, owner=data.draw(st.sampled_from(["", "Kim"])))
    elif kind == "agenda":
        b.op("agenda.create", day=data.draw(st.integers(1, 3)), title=data.draw(TEXT), minutes=30)
    elif kind == "agenda.update" and agenda:
        b.op("agenda.update", pick(agenda, False), order=data.draw(st.integers(0, 200)), minutes=45)
    elif kind == "agenda.delete" and agenda:
        b.op("agenda.delete", pick(agenda, False))
    elif kind == "lock":
        b.op(data.draw(st.sampled_from(["plan.lock", "plan.unlock"])))
    elif kind == "iteration.delete" and its:
        b.op("iteration.delete", pick(its, False))
    elif kind == "member.days_off" and members:
        # An iteration of the board, or one it never had (refused: its export would not import).
        days_off = {data.draw(st.sampled_from([*its, "no-such-iteration"])): data.draw(st.integers(0, 10))}
        b.op("member.update", pick(members, False), days_off=days_off)
    elif kind == "undo" and b.events:
        b.op("event.undo", str(data.draw(st.sampled_from(sorted(b.events)))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_board_round_trips(op_path: OpPath, data: st.DataObject) -> None:
    b = Builder()
    b.op(
        "board.create",
        name=data.draw(TEXT.filter(str.strip)),  # a board needs a name; blank ones are refused
        pi_name=data.draw(TEXT),
        planning_target=data.draw(st.sampled_from([0.7, 0.8, 1.0])),
    )
    for _ in range(data.draw(st.integers(0, 40))):
        with contextlib.suppress(Refused):
            _random_op(data, b)
    result = rebuild(op_path, export_board_json(b.state))
    assert canonical(result.state) == canonical(b.state, result.id_map)


def test_days_off_an_older_board_kept_for_a_removed_iteration_are_not_exported(op_path: OpPath) -> None:
    """Before iteration.delete took them along, a member could keep days off in an iteration that was
    gone: capacity never reads them, and the export left them in, so it did not import."""
    b = Builder()
    b.op("board.create", name="Older board")
    kept = b.op("iteration.create", number=1)
    gone = b.op("iteration.create", number=2)
    team = b.op("team.create", name="Apollo")
    member = b.op("member.create", name="Ann", team_id=team, days_off={kept: 1, gone: 2})
    assert kept and gone and member
    del b.state.items["iteration"][gone]  # the board as an older piboard left it
    doc = export_board(b.state)
    assert doc["members"][0]["days_off"] == {kept: 1}
    result = rebuild(op_path, doc)
    assert canonical(result.state)["member"][result.id_map[("member", member)]]["days_off"] == {
        result.id_map[("iteration", kept)]: 1
    }
