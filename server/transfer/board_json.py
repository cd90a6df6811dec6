"""The whole board as versioned JSON (``"schema": "piboard/1"``), and its import through ops.

See docs/export-schema.md for the format. Import rebuilds an equal board with fresh ids:
:func:`read_board_json` checks the file, :func:`create_op` is the ``board.create`` op,
:func:`import_ops` is everything after it (it needs the created board, because
``board.create`` lays down the default agenda with ids only known once applied);
:func:`server.transfer.files.import_board_file` submits them through the op path.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from board.baseline import baseline_diff
from board.compare import compare
from board.core import Op
from board.dependencies import cascade, dependency_state
from board.errors import Invalid
from board.execution import (
    current_iteration,
    dependency_healths,
    execution_cascade,
    slipped_stories,
    velocity_drop,
    velocity_table,
)
from board.forecast import alerts_with_forecast, forecast
from board.model import (
    BoardState,
    DependencyStatus,
    FeatureState,
    Item,
    Roam,
    item_from_dict,
)
from board.ops import FIELDS
from server.transfer.common import FileRefused, Problem, revealed_rounds
from server.transfer.json_stream import read_document

SCHEMA = "piboard/1"

# Section of the document -> item kind, in the order import creates them.
SECTIONS: dict[str, str] = {
    "iterations": "iteration",
    "teams": "team",
    "members": "member",
    "features": "feature",
    "stories": "story",
    "milestones": "milestone",
    "dependencies": "dependency",
    "objectives": "objective",
    "risks": "risk",
    "agenda": "agenda",
}

META_FIELDS = (
    "name",
    "pi_name",
    "start",
    "end",
    "planning_target",
    "velocity_threshold",
    "forecast_threshold",
    "earlier_pi_name",
)
META_EXPORTED = (*META_FIELDS, "locked", "rework", "baseline_seq", "execution_started")

# Reference fields: kind -> field -> referenced kind.
REFS: dict[str, dict[str, str]] = {
    "member": {"team_id": "team"},
    "feature": {"team_id": "team", "iteration_id": "iteration"},
    "story": {"feature_id": "feature", "team_id": "team", "iteration_id": "iteration"},
    "milestone": {"iteration_id": "iteration"},
    "dependency": {
        "requesting_team_id": "team",
        "requesting_feature_id": "feature",
        "provider_team_id": "team",
        "needed_by_iteration_id": "iteration",
        "provider_feature_id": "feature",
        "provider_story_id": "story",
        "promised_iteration_id": "iteration",
    },
    "objective": {"team_id": "team"},
    "risk": {"team_id": "team"},
}

# Fields an import sets by a later op, or that are derived / not settable at all.
# Fields that name several items of a kind.
LIST_REFS: dict[str, dict[str, str]] = {"objective": {"feature_ids": "feature"}, "story": {"after": "story"}}

_NOT_CREATE_ARGS: dict[str, set[str]] = {
    # A request of another train's team stays an external party's (its words): an imported board is a
    # train of no solution yet (a solution's own import asks again: server/transfer/solution_json_read.py).
    "dependency": {"status", "comment", "state", "at_risk", "provider_train"},
    "objective": {"planned_bv", "actual_bv"},
    # A story's order names other stories: set once every story exists.
    "story": {"after"},
    "risk": {"roam", "raised_by"},
}


# --- export ----------------------------------------------------------------------------------------


def _item(item: Item) -> dict[str, Any]:
    data = item.to_dict()
    data.pop("version", None)
    return data


def export_board(
    state: BoardState,
    *,
    baseline: BoardState | None = None,
    exported_at: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The board as a JSON-ready dict. Ballots are not exported; revealed rounds' results are."""
    meta = state.meta
    at_risk = cascade(state)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "exported_at": exported_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "board": {"id": state.board_id, "seq": state.seq},
        "meta": {name: getattr(meta, name) for name in META_EXPORTED},
    }

    def ordered(kind: str) -> list[Item]:
        items = list(state.items[kind].values())
        if kind == "iteration":
            items.sort(key=lambda i: getattr(i, "number", 0))
        elif kind == "agenda":
            items.sort(key=lambda a: (getattr(a, "day", 0), getattr(a, "order", 0)))
        elif kind == "feature":
            items.sort(key=lambda f: (getattr(f, "rank", 0), getattr(f, "title", "")))
        return items

    for section, kind in SECTIONS.items():
        rows = []
        for item in ordered(kind):
            row = _item(item)
            if kind == "member":  # a board from before iteration.delete took them: not read anywhere
                row["days_off"] = {k: v for k, v in row["days_off"].items() if k in state.items["iteration"]}
            if kind == "dependency":
                row["state"] = dependency_state(state, item).value  # type: ignore[arg-type]
                row["at_risk"] = item.id in at_risk.dependencies
            rows.append(row)
        doc[section] = rows
    doc["votes"] = [
        {
            "id": vote.id,
            "team_id": vote.team_id,
            "number": vote.number,
            "status": vote.status.value,
            "opened_at": vote.opened_at,
            "count": tally.count,
            "average": tally.average,
            "distribution": {str(k): v for k, v in tally.distribution.items()},
            "needs_rework": tally.needs_rework,
        }
        for vote, tally in revealed_rounds(state)
    ]
    if baseline is not None:
        diff = baseline_diff(baseline, state)
        doc["baseline"] = {
            "seq": meta.baseline_seq,
            "changes": [
                {
                    "kind": c.kind,
                    "id": c.id,
                    "title": c.title,
                    "change": c.change,
                    "before": None if c.before is None else vars(c.before),
                    "after": None if c.after is None else vars(c.after),
                    "points_before": c.points_before,
                    "points_after": c.points_after,
                }
                for c in diff.changes
            ],
            # Every kind of change (statuses, dates, dependency states, …), listed and counted.
            **compare(baseline, state).to_dict(),
        }
    if today is not None and meta.execution_started:
        doc["execution"] = execution_section(state, baseline or state, today)
    return doc


def execution_section(state: BoardState, baseline: BoardState, today: dt.date) -> dict[str, Any]:
    """How the PI stood on ``today``: derived, so an import recomputes it and never reads it back."""
    current = current_iteration(state, today)
    threshold = state.meta.velocity_threshold
    healths = dependency_healths(state, today)
    at_risk = execution_cascade(state, today, healths)
    return {
        "today": today.isoformat(),
        "current_iteration_id": current.id if current else None,
        "dependency_states": {k: v.value for k, v in healths.items()},
        "slipped_stories": sorted(s.id for s in slipped_stories(state, today)),
        "features_at_risk": sorted(at_risk.features),
        "objectives_at_risk": sorted(at_risk.objectives),
        "velocity": [
            {**vars(v), "ratio": v.ratio, "drop": velocity_drop(v, threshold)}
            for v in velocity_table(state, baseline, today)
        ],
        "alerts": [
            {"kind": a.kind.value, "item_kind": a.item_kind, "item_id": a.item_id, "text": a.text}
            for a in alerts_with_forecast(state, today, baseline, threshold)
        ],
        "forecast": forecast(state, today).to_dict(),
    }


def export_board_json(
    state: BoardState,
    *,
    baseline: BoardState | None = None,
    exported_at: str | None = None,
    today: dt.date | None = None,
) -> bytes:
    """:func:`export_board` as UTF-8 JSON bytes (indented, keys in a stable order)."""
    doc = export_board(state, baseline=baseline, exported_at=exported_at, today=today)
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- reading and checking a file -------------------------------------------------------------------


def _names(ids: set[str], value: Any) -> bool:
    """Whether a reference read from a file names one of ``ids`` (a list or an object names none)."""
    return isinstance(value, str) and value in ids


def read_board_json(data: bytes | str | IO[bytes] | dict[str, Any]) -> dict[str, Any]:
    """Parse and check a ``piboard/1`` document (a file is read a piece at a time: a big board's
    export is tens of megabytes); :class:`FileRefused` lists every problem found. How large a file
    may be is the door's to say (``max_import_bytes``)."""
    if isinstance(data, dict):
        doc: Any = data
    else:
        if isinstance(data, bytes | str):
            data = io.BytesIO(data.encode() if isinstance(data, str) else data)
        try:
            doc = read_document(data, SECTIONS)
        except Invalid as exc:
            raise FileRefused([Problem(exc.detail.get("line"), exc.reason)]) from None
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise FileRefused([Problem(None, "the file must hold one JSON object")])
    schema = doc.get("schema")
    if schema != SCHEMA:
        if isinstance(schema, str) and schema.startswith("piboard/"):
            msg = f"schema '{schema}' is not supported by this version (it reads '{SCHEMA}')"
        else:
            msg = f"this is not a piboard export: 'schema' must be '{SCHEMA}'"
        raise FileRefused([Problem(None, msg)])
    meta = doc.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        problems.append(Problem(None, "'meta' must be an object with the board's 'name'"))
    ids: dict[str, set[str]] = {}
    for section, kind in SECTIONS.items():
        rows = doc.get(section, [])
        ids[kind] = set()
        if not isinstance(rows, list):
            problems.append(Problem(None, f"'{section}' must be a list"))
            doc[section] = []
            continue
        for n, row in enumerate(rows):
            where = f"{section}[{n}]"
            if not isinstance(row, dict):
                problems.append(Problem(None, f"{where} must be an object"))
                continue
            item_id = row.get("id")
            if not isinstance(item_id, str) or not item_id:
                problems.append(Problem(None, f"{where} has no 'id'"))
            elif item_id in ids[kind]:
                problems.append(Problem(None, f"{where}: id '{item_id}' appears twice"))
            else:
                ids[kind].add(item_id)
    for section, kind in SECTIONS.items():
        for n, row in enumerate(doc.get(section, [])):
            if not isinstance(row, dict):
                continue
            for name, ref_kind in REFS.get(kind, {}).items():
                value = row.get(name)
                if value not in (None, "") and not _names(ids[ref_kind], value):
                    problems.append(
                        Problem(None, f"{section}[{n}].{name}: no {ref_kind} '{value}' in this file")
                    )
            for name, ref_kind in LIST_REFS.get(kind, {}).items():
                refs = row.get(name) or []
                for ref in refs if isinstance(refs, list) else [refs]:
                    if not _names(ids[ref_kind], ref):
                        problems.append(
                            Problem(None, f"{section}[{n}].{name}: no {ref_kind} '{ref}' in this file")
                        )
            if kind == "member" and not isinstance(row.get("days_off", {}), dict):
                problems.append(Problem(None, f"{section}[{n}].days_off must be an object"))
            if kind == "member" and isinstance(row.get("days_off"), dict):
                for ref in row["days_off"]:
                    if ref not in ids["iteration"]:
                        problems.append(
                            Problem(None, f"{section}[{n}].days_off: no iteration '{ref}' in this file")
                        )
    if problems:
        raise FileRefused(problems)
    return doc


def document_state(doc: dict[str, Any]) -> BoardState:
    """The board a checked document (:func:`read_board_json`) describes, as a state to read rules from
    (an earlier PI's throughput), not a board of this server: ids as in the file, nothing applied."""
    state = BoardState("file")
    try:
        state.items["meta"]["meta"] = item_from_dict("meta", {**doc["meta"], "id": "meta"})
        for section, kind in SECTIONS.items():
            for row in doc.get(section, []):
                if isinstance(row, dict):
                    state.items[kind][row["id"]] = item_from_dict(kind, row)
    except (TypeError, ValueError) as exc:
        raise FileRefused([Problem(None, f"a field holds a value piboard does not know: {exc}")]) from None
    return state


# --- import ----------------------------------------------------------------------------------------


def create_op(doc: dict[str, Any]) -> Op:
    """The ``board.create`` op that starts the imported board."""
    meta = doc.get("meta", {})
    return Op(
        "board.create",
        args={name: meta[name] for name in META_FIELDS if meta.get(name) is not None},
        client_op_id="import:meta",
    )


@dataclass
class _Plan:
    new_id: Callable[[], str]
    # (kind, file id) -> the new id to give it instead of a fresh one (a solution's import names the
    # features its capabilities became: ``cap-<capability>``, server/transfer/solution_json.py).
    fixed: Mapping[tuple[str, str], str] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    id_map: dict[tuple[str, str], str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def fresh(self, kind: str, old: str) -> str:
        new = self.fixed.get((kind, old)) or self.new_id()
        self.id_map[(kind, old)] = new
        return new

    def ref(self, kind: str, old: Any) -> Any:
        if old in (None, ""):
            return None
        return self.id_map[(kind, old)]

    def add(self, op: Op, origin: str) -> None:
        n = len(self.ops)
        self.ops.append(
            Op(op.type, op.target, op.base_version, op.args, client_op_id=f"import:{n}:{op.type}")
        )
        self.origin.append(origin)

    def create(self, kind: str, args: dict[str, Any], origin: str) -> None:
        self.versions[args["id"]] = 1
        self.add(Op(f"{kind}.create", args=args), origin)

    def change(self, op_type: str, target: str, args: dict[str, Any], origin: str) -> None:
        version = self.versions[target]
        self.versions[target] = version + 1
        self.add(Op(op_type, target=target, base_version=version, args=args), origin)


def _default_id() -> str:
    return uuid.uuid4().hex[:20]


def import_ops(
    doc: dict[str, Any],
    state: BoardState,
    *,
    new_id: Callable[[], str] | None = None,
    fixed_ids: Mapping[tuple[str, str], str] | None = None,
) -> list[tuple[Op, str]]:
    """Every op after ``board.create`` that rebuilds the document on ``state`` (a just-created board),
    each with the place in the file it comes from (to say where a refused op's data is).

    The default agenda that ``board.create`` laid down is replaced by the file's agenda.
    Ids are fresh: each create op proposes a new id (``args["id"]``), never the file's (but for
    ``fixed_ids``: (kind, file id) -> the new id the caller chose).
    """
    plan = _plan(doc, state, new_id or _default_id, fixed_ids or {})
    return list(zip(plan.ops, plan.origin, strict=True))


def _plan(
    doc: dict[str, Any],
    state: BoardState,
    new_id: Callable[[], str],
    fixed: Mapping[tuple[str, str], str],
) -> _Plan:
    plan = _Plan(new_id, fixed)
    for item in state.agenda:
        plan.add(Op("agenda.delete", target=item.id, base_version=item.version), "default agenda")

    def rows(section: str) -> list[tuple[str, dict[str, Any]]]:
        return [(f"{section}[{n}] '{row['id']}'", row) for n, row in enumerate(doc.get(section, []))]

    features_in_ip = {
        row.get("iteration_id") for row in doc.get("features", []) if row.get("iteration_id") is not None
    }
    deferred_ip: list[tuple[str, str]] = []
    for where, row in rows("iterations"):
        new = plan.fresh("iteration", row["id"])
        args = _args("iteration", row)
        if args.get("is_ip") and row["id"] in features_in_ip:
            # The IP iteration holds no feature work; this board was set up before it became IP.
            args["is_ip"] = False
            deferred_ip.append((new, where))
        plan.create("iteration", {**args, "id": new}, where)
    for where, row in rows("teams"):
        plan.create("team", {**_args("team", row), "id": plan.fresh("team", row["id"])}, where)
    for where, row in rows("members"):
        args = _args("member", row, plan)
        args["days_off"] = {plan.ref("iteration", k): v for k, v in (row.get("days_off") or {}).items()}
        plan.create("member", {**args, "id": plan.fresh("member", row["id"])}, where)
    for where, row in rows("features"):
        new = plan.fresh("feature", row["id"])
        plan.create("feature", {**_args("feature", row, plan), "id": new}, where)
        fixes: dict[str, Any] = {}
        if row.get("rank") == 0:
            fixes["rank"] = 0
        if row.get("iteration_id") and row.get("state") == FeatureState.FUNNEL.value:
            fixes["state"] = FeatureState.FUNNEL.value
        if fixes:
            plan.change("feature.update", new, fixes, where)
    for where, row in rows("stories"):
        plan.create("story", {**_args("story", row, plan), "id": plan.fresh("story", row["id"])}, where)
    for where, row in rows("stories"):
        if row.get("after"):
            after = [plan.ref("story", x) for x in row["after"]]
            plan.change("story.update", plan.ref("story", row["id"]), {"after": after}, where)
    for where, row in rows("milestones"):
        new = plan.fresh("milestone", row["id"])
        plan.create("milestone", {**_args("milestone", row, plan), "id": new}, where)
    for where, row in rows("dependencies"):
        if row.get("requester_train"):
            continue  # another train's request, mirrored here by the solution: that train's, not this one's
        new = plan.fresh("dependency", row["id"])
        plan.create("dependency", {**_args("dependency", row, plan), "id": new}, where)
        _answer_as_exported(plan, new, row, where)
        if row.get("comment"):
            plan.change("dependency.comment", new, {"comment": row["comment"]}, where)
    for where, row in rows("objectives"):
        new = plan.fresh("objective", row["id"])
        args = _args("objective", row, plan)
        args["feature_ids"] = [plan.ref("feature", x) for x in row.get("feature_ids") or []]
        plan.create("objective", {**args, "id": new}, where)
        if row.get("planned_bv") is not None:
            plan.change("objective.set_bv", new, {"value": row["planned_bv"]}, where)
        if row.get("actual_bv") is not None:
            plan.change("objective.set_actual_bv", new, {"value": row["actual_bv"]}, where)
    for where, row in rows("risks"):
        new = plan.fresh("risk", row["id"])
        plan.create("risk", {**_args("risk", row, plan), "id": new}, where)
        roam = row.get("roam", Roam.UNROAMED.value)
        if roam != Roam.UNROAMED.value:
            plan.change("risk.roam", new, {"roam": roam, "owner": row.get("owner", "")}, where)
    for where, row in rows("agenda"):
        new = plan.fresh("agenda", row["id"])
        plan.create("agenda", {**_args("agenda", row), "id": new}, where)
        if row.get("order") == 0:
            plan.change("agenda.update", new, {"order": 0}, where)
    for new, where in deferred_ip:
        plan.change("iteration.update", new, {"is_ip": True}, where)
    if doc.get("meta", {}).get("execution_started"):
        # The PI was running: it runs on, measured against the plan as imported.
        plan.add(Op("baseline.take"), "meta.execution_started")
        plan.add(Op("execution.start"), "meta.execution_started")
    if doc.get("meta", {}).get("locked"):
        plan.add(Op("plan.lock"), "meta.locked")
    return plan


def _answer_as_exported(plan: _Plan, dep_id: str, row: dict[str, Any], where: str) -> None:
    """The provider's answer as the export has it, given again by the op that gives it on a page,
    so the imported dependency is in the same state (requested, proposed, declined, accepted, done)."""
    status = row.get("status", DependencyStatus.REQUESTED.value)
    promised = plan.ref("iteration", row.get("promised_iteration_id"))
    if status == DependencyStatus.ACCEPTED.value:
        plan.change("dependency.accept", dep_id, {}, where)
    elif status == DependencyStatus.PROPOSED.value and promised is not None:
        args = {"promised_iteration_id": promised, "answer": row.get("answer", "")}
        plan.change("dependency.propose", dep_id, args, where)
    elif status == DependencyStatus.DECLINED.value:
        plan.change("dependency.decline", dep_id, {"answer": row.get("answer") or "declined"}, where)
    elif status == DependencyStatus.DONE.value:
        plan.change("dependency.done", dep_id, {"done": True}, where)


def _args(kind: str, row: dict[str, Any], plan: _Plan | None = None) -> dict[str, Any]:
    skip = _NOT_CREATE_ARGS.get(kind, set())
    out: dict[str, Any] = {}
    for name in FIELDS[kind]:
        if name in skip or name not in row:
            continue
        value = row[name]
        ref_kind = REFS.get(kind, {}).get(name)
        if ref_kind is not None and plan is not None:
            value = plan.ref(ref_kind, value)
        out[name] = value
    return out
