"""Reading a solution's JSON (``piboard-solution``, :mod:`server.transfer.solution_json` writes it) and
checking it whole before anything is written.

:func:`read_solution_json` checks every field of a file (every train's board by
:func:`~server.transfer.board_json.read_board_json`); cross-train dependencies are taken out of the
trains' boards (:func:`_crossing`) to be made again through the new solution once its boards are
trains of it; :func:`check_train_imports` applies each train's import ops to a board in memory, so a
refused file is refused before anything is written.
:func:`server.transfer.solution_files.import_solution_file` writes it. See docs/solution.md.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from board.core import Op
from board.errors import Invalid, PiboardError
from board.fields import line_problem
from board.model import DependencyStatus, Roam
from board.objectives import ACTUAL_BV, PLANNED_BV
from board.ops import Context, apply_op
from board.risks import roamed
from board.solution import LINK_KINDS, capability_feature_id
from board.solution_plan import (
    COMMITTED,
    MAX_DRAWS,
    OBJECTIVE_TITLE,
    RISK_DESCRIPTION,
    RISK_TITLE,
)
from server.store.op_path import new_id
from server.store.solutions import (
    CAPABILITY_DESCRIPTION,
    CAPABILITY_TITLE,
    LINK_LABEL,
    PI_NAME,
    SOLUTION_NAME,
)
from server.transfer.board_json import create_op, import_ops, read_board_json
from server.transfer.common import FileRefused, Problem
from server.transfer.files import IMPORTER, new_board_state
from server.transfer.json_stream import read_document
from server.transfer.solution_json import (
    KEYS,
    MAX_CAPABILITIES,
    MAX_ID,
    MAX_LINKS,
    MAX_PERSON,
    MAX_TRAINS,
    SCHEMA,
    STREAMED,
    VERSION,
)

# --- reading and checking a file -------------------------------------------------------------------


@dataclass(frozen=True)
class TrainDoc:
    file_id: str  # the train's board id in the file
    joined_by: str
    board: dict[str, Any]  # its piboard/1 document, checked


@dataclass(frozen=True)
class CapabilityDoc:
    title: str
    description: str
    created_by: str
    features: dict[str, str]  # the file's board id -> the file's feature id


@dataclass(frozen=True)
class ObjectiveDoc:
    title: str
    draws_from: tuple[tuple[str, str], ...]  # (the file's board id, the file's objective id there)
    committed: bool
    planned_bv: int | None
    actual_bv: int | None
    created_by: str


@dataclass(frozen=True)
class RiskDoc:
    title: str
    description: str
    roam: Roam
    owner: str
    raised_by: str


@dataclass(frozen=True)
class CrossRequest:
    """A team of one train of the file asking a team of another (``provider_train``): imported as an
    external party's request, then asked again of the new train's team once the solution is made."""

    train: str  # the file's board id of the asking train
    dependency: str  # its id there
    provider: str  # the file's board id of the providing train
    team: str  # the providing team's id there


@dataclass(frozen=True)
class CrossAnswer:
    """What the providing train answered on its mirror of a request: given again on the new mirror."""

    train: str  # the file's board id of the providing train
    request: CrossRequest
    status: str
    answer: str
    promised_iteration_id: str | None
    provider_feature_id: str | None = None  # the providing train's work that delivers it
    provider_story_id: str | None = None


@dataclass(frozen=True)
class SolutionDoc:
    name: str
    pi_name: str
    trains: tuple[TrainDoc, ...]
    capabilities: tuple[CapabilityDoc, ...]
    links: tuple[tuple[str, str], ...]  # (kind, label), oldest first
    objectives: tuple[ObjectiveDoc, ...] = ()
    risks: tuple[RiskDoc, ...] = ()
    requests: tuple[CrossRequest, ...] = ()
    answers: tuple[CrossAnswer, ...] = ()


class _Checker:
    """Collects every problem of a file, each with where it is (``trains[1].joined_by``)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def say(self, where: str, message: str) -> None:
        self.problems.append(Problem(None, f"{where}: {message}" if where else message))

    def obj(self, where: str, value: Any, required: Sequence[str], optional: Sequence[str] = ()) -> bool:
        """Whether ``value`` is an object with every ``required`` key and no key it does not know."""
        if not isinstance(value, dict):
            self.say(where, "must be an object")
            return False
        ok = True
        for key in required:
            if key not in value:
                self.say(where, f"has no '{key}'")
                ok = False
        known = {*required, *optional}
        for key in value:
            if key not in known:
                self.say(where, f"'{str(key)[:40]}' is not a field piboard knows here")
                ok = False
        return ok

    def text(self, where: str, value: Any, rule: Any) -> str:
        """A text field, by its rule (``board.fields.Text``); "" when refused (and said)."""
        return str(self.value(where, value, rule, ""))

    def value(self, where: str, value: Any, rule: Any, refused: Any) -> Any:
        """A field by its rule (a ``board.fields`` rule: ``clean``); ``refused`` when refused (and said)."""
        try:
            return rule.clean(where.rsplit(".", 1)[-1], value)
        except Invalid as exc:
            self.say(where, exc.reason)
            return refused

    def ident(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not value or len(value) > MAX_ID or line_problem(value):
            self.say(where, f"must be an id: text of 1–{MAX_ID} characters on one line")
            return ""
        return value

    def person(self, where: str, value: Any) -> str:
        problem = line_problem(value) if isinstance(value, str) else None
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_PERSON or problem:
            self.say(where, f"must be a person's name (1–{MAX_PERSON} characters on one line)")
            return ""
        return value.strip()

    def when(self, where: str, value: Any) -> None:
        """A moment the file says (written for the reader; the import's own moments are new)."""
        if value is None:
            return
        try:
            dt.datetime.fromisoformat(value if isinstance(value, str) and len(value) <= 40 else "")
        except ValueError:
            self.say(where, "must be a date and time (ISO 8601) or null")

    def listed(self, where: str, value: Any, most: int) -> list[Any]:
        if not isinstance(value, list):
            self.say(where, "must be a list")
            return []
        if len(value) > most:
            self.say(where, f"holds {len(value)}; a solution holds at most {most}")
            return []
        return value

    def kind(self, where: str, value: Any, allowed: Callable[[Any], bool], what: str) -> None:
        """A derived field, never read back: only its type is checked."""
        if not allowed(value):
            self.say(where, f"must be {what}")


def read_solution_json(data: bytes | IO[bytes]) -> SolutionDoc:
    """Parse and check a solution file: every field at every level (each train's board by the
    board's own reader), or :class:`FileRefused` listing every problem found, with where it is."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        doc = read_document(stream, STREAMED)
    except Invalid as exc:
        raise FileRefused([Problem(exc.detail.get("line"), exc.reason)]) from None
    check = _Checker()
    schema, version = doc.get("schema"), doc.get("version")
    if schema != SCHEMA:
        raise FileRefused(
            [Problem(None, f"this is not a piboard solution export: 'schema' must be '{SCHEMA}'")]
        )
    if type(version) is not int or not 1 <= version <= VERSION:
        said = repr(version)[:20]
        raise FileRefused(
            [Problem(None, f"version {said} is not one this piboard reads (it reads 1 to {VERSION})")]
        )
    check.obj("", doc, ("schema", "version", "solution", "trains"), sorted(KEYS))
    check.when("exported_at", doc.get("exported_at"))
    if "cadence" in doc:
        check.kind("cadence", doc["cadence"], lambda v: isinstance(v, dict), "an object")
    solution: Any = doc.get("solution")
    name = pi_name = ""
    if check.obj("solution", solution, ("name",), ("id", "pi_name")):
        if "id" in solution:
            check.ident("solution.id", solution["id"])
        name = check.text("solution.name", solution["name"], SOLUTION_NAME)
        pi_name = check.text("solution.pi_name", solution.get("pi_name", ""), PI_NAME)
    trains = _trains(check, doc.get("trains", []))
    requests, answers = _crossing(check, trains)
    boards = {t.file_id: t.board for t in trains}
    capabilities = _capabilities(check, doc.get("capabilities", []), boards)
    links = _links(check, doc.get("links", []))
    objectives = _objectives(check, doc.get("objectives", []), boards)
    risks = _risks(check, doc.get("risks", []))
    if "vote" in doc:
        check.kind("vote", doc["vote"], lambda v: isinstance(v, dict), "an object")
    if check.problems:
        raise FileRefused(check.problems)
    return SolutionDoc(
        name,
        pi_name,
        tuple(trains),
        tuple(capabilities),
        tuple(links),
        tuple(objectives),
        tuple(risks),
        tuple(requests),
        tuple(answers),
    )


def _trains(check: _Checker, rows: Any) -> list[TrainDoc]:
    trains: list[TrainDoc] = []
    seen: set[str] = set()
    for n, row in enumerate(check.listed("trains", rows, MAX_TRAINS)):
        where = f"trains[{n}]"
        fields = ("board_id", "joined_by", "board")
        if not check.obj(where, row, fields, ("name", "joined_at", "agrees", "disagreements")):
            continue
        file_id = check.ident(f"{where}.board_id", row["board_id"])
        if file_id in seen:
            check.say(f"{where}.board_id", f"'{file_id}' appears twice")
        seen.add(file_id)
        joined_by = check.person(f"{where}.joined_by", row["joined_by"])
        check.when(f"{where}.joined_at", row.get("joined_at"))
        check.kind(f"{where}.name", row.get("name", ""), lambda v: isinstance(v, str), "text")
        check.kind(f"{where}.agrees", row.get("agrees", True), lambda v: isinstance(v, bool), "true or false")
        check.kind(
            f"{where}.disagreements",
            row.get("disagreements", []),
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of sentences",
        )
        if not isinstance(row["board"], dict):
            check.say(f"{where}.board", "must be the train's board export (an object)")
            continue
        try:
            board = read_board_json(row["board"])
        except FileRefused as exc:
            for problem in exc.problems:
                check.say(f"{where}.board", problem.message)
            continue
        if file_id and joined_by:
            trains.append(TrainDoc(file_id, joined_by, board))
    return trains


def _capabilities(check: _Checker, rows: Any, boards: Mapping[str, dict[str, Any]]) -> list[CapabilityDoc]:
    found: list[CapabilityDoc] = []
    ids: set[str] = set()
    claimed: set[tuple[str, str]] = set()  # (board, feature): a feature is one capability's at most
    for n, row in enumerate(check.listed("capabilities", rows, MAX_CAPABILITIES)):
        where = f"capabilities[{n}]"
        if not check.obj(where, row, ("id", "title"), ("description", "created_by", "features")):
            continue
        cap_id = check.ident(f"{where}.id", row["id"])
        if cap_id in ids:
            check.say(f"{where}.id", f"'{cap_id}' appears twice")
        ids.add(cap_id)
        title = check.text(f"{where}.title", row["title"], CAPABILITY_TITLE)
        description = check.text(f"{where}.description", row.get("description", ""), CAPABILITY_DESCRIPTION)
        created_by = check.person(f"{where}.created_by", row.get("created_by", "Import"))
        features: dict[str, str] = {}
        for m, feature in enumerate(check.listed(f"{where}.features", row.get("features", []), MAX_TRAINS)):
            at = f"{where}.features[{m}]"
            if not check.obj(at, feature, ("board_id", "feature_id"), ("progress",)):
                continue
            check.kind(f"{at}.progress", feature.get("progress", ""), lambda v: isinstance(v, str), "text")
            board_id = check.ident(f"{at}.board_id", feature["board_id"])
            if feature["feature_id"] is None:
                continue  # a train it was not split into yet
            feature_id = check.ident(f"{at}.feature_id", feature["feature_id"])
            if not (board_id and feature_id):
                continue
            board = boards.get(board_id)
            if board is None:
                check.say(f"{at}.board_id", f"no train '{board_id}' in this file")
            elif not any(isinstance(f, dict) and f.get("id") == feature_id for f in board["features"]):
                check.say(f"{at}.feature_id", f"no feature '{feature_id}' on train '{board_id}' in this file")
            elif board_id in features:
                check.say(at, f"the capability has a feature on train '{board_id}' already")
            elif (board_id, feature_id) in claimed:
                check.say(at, f"feature '{feature_id}' of train '{board_id}' is another capability's")
            else:
                features[board_id] = feature_id
                claimed.add((board_id, feature_id))
        found.append(CapabilityDoc(title, description, created_by, features))
    return found


def _links(check: _Checker, rows: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for n, row in enumerate(check.listed("links", rows, MAX_LINKS)):
        where = f"links[{n}]"
        if not check.obj(where, row, ("kind",), ("id", "label", "created_at")):
            continue
        if "id" in row:
            check.ident(f"{where}.id", row["id"])
        check.when(f"{where}.created_at", row.get("created_at"))
        kind = row["kind"]
        if not isinstance(kind, str) or kind not in LINK_KINDS:
            check.say(f"{where}.kind", f"must be one of {', '.join(sorted(LINK_KINDS))}")
            continue
        found.append((kind, check.text(f"{where}.label", row.get("label", ""), LINK_LABEL)))
    return found


def _crossing(check: _Checker, trains: list[TrainDoc]) -> tuple[list[CrossRequest], list[CrossAnswer]]:
    """Take the cross-train dependencies out of the trains' boards (in place), to be made again through
    the new solution: a request (``provider_train``) stays on its board as an external party's, asked
    again of the new train's team once the solution is made; a mirror (``requester_train``) is left out,
    the solution writing it again from the request, and its answer is given on it again. A reference to
    a train the file does not hold is let go of (the request stays an external party's; a mirror of it
    goes). Mirrors are recognised by their request: ``x-<request>`` naming it back."""
    boards = {t.file_id: t.board for t in trains}
    requests: dict[tuple[str, str], CrossRequest] = {}
    for train in trains:
        for n, row in enumerate(train.board["dependencies"]):
            where = f"trains[{trains.index(train)}].board.dependencies[{n}]"
            for name in ("provider_train", "requester_train", "cadence_mismatch"):
                if not isinstance(row.get(name, ""), str) or len(row.get(name, "")) > 1000:
                    check.say(f"{where}.{name}", "must be text")
                    row[name] = ""
            provider, _, team = str(row.get("provider_train") or "").partition("/")
            row.pop("provider_train", None)
            if not provider:
                continue
            other = boards.get(provider)
            if other is None or provider == train.file_id:
                continue  # not a train of this file: an external party's request, as its words say
            if not any(isinstance(t, dict) and t.get("id") == team for t in other["teams"]):
                check.say(
                    f"{where}.provider_train", f"no team '{team[:40]}' on train '{provider}' in this file"
                )
                continue
            requests[(train.file_id, row["id"])] = CrossRequest(train.file_id, row["id"], provider, team)
            # Its answer is the providing train's, given again on the new mirror.
            row.update(status=DependencyStatus.REQUESTED.value, answer="", promised_iteration_id=None)
    answers: list[CrossAnswer] = []
    for train in trains:
        kept = []
        for row in train.board["dependencies"]:
            asker, _, request_id = str(row.pop("requester_train", "") or "").partition("/")
            if not asker:
                kept.append(row)
                continue
            request = requests.get((asker, request_id))
            if request is not None and request.provider == train.file_id:
                answers.append(
                    CrossAnswer(
                        train.file_id,
                        request,
                        str(row.get("status") or DependencyStatus.REQUESTED.value),
                        str(row.get("answer") or ""),
                        *(_named(row.get(name)) for name in _WORK),
                    )
                )
        train.board["dependencies"] = kept
    return list(requests.values()), answers


# What a mirror's answer names on the providing train (checked there by read_board_json's references).
_WORK = ("promised_iteration_id", "provider_feature_id", "provider_story_id")


def _named(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


MAX_PLAN_ITEMS = 2000  # a solution's objectives, and its risks


def _objectives(check: _Checker, rows: Any, boards: Mapping[str, dict[str, Any]]) -> list[ObjectiveDoc]:
    found: list[ObjectiveDoc] = []
    for n, row in enumerate(check.listed("objectives", rows, MAX_PLAN_ITEMS)):
        where = f"objectives[{n}]"
        optional = ("id", "draws_from", "committed", "planned_bv", "actual_bv", "created_by")
        if not check.obj(where, row, ("title",), optional):
            continue
        if "id" in row:
            check.ident(f"{where}.id", row["id"])
        draws: list[tuple[str, str]] = []
        refs = check.listed(f"{where}.draws_from", row.get("draws_from", []), MAX_DRAWS)
        for m, ref in enumerate(refs):
            at = f"{where}.draws_from[{m}]"
            board_id, slash, objective_id = ref.partition("/") if isinstance(ref, str) else ("", "", "")
            board = boards.get(board_id)
            if not slash or board is None:
                check.say(at, "must name a train's objective in this file, as '<board>/<objective id>'")
            elif not any(isinstance(o, dict) and o.get("id") == objective_id for o in board["objectives"]):
                check.say(at, f"no objective '{objective_id[:40]}' on train '{board_id}' in this file")
            elif (board_id, objective_id) not in draws:
                draws.append((board_id, objective_id))
        found.append(
            ObjectiveDoc(
                check.text(f"{where}.title", row["title"], OBJECTIVE_TITLE),
                tuple(draws),
                bool(check.value(f"{where}.committed", row.get("committed", True), COMMITTED, True)),
                check.value(f"{where}.planned_bv", row.get("planned_bv"), PLANNED_BV, None),
                check.value(f"{where}.actual_bv", row.get("actual_bv"), ACTUAL_BV, None),
                check.person(f"{where}.created_by", row.get("created_by", "Import")),
            )
        )
    return found


def _risks(check: _Checker, rows: Any) -> list[RiskDoc]:
    found: list[RiskDoc] = []
    for n, row in enumerate(check.listed("risks", rows, MAX_PLAN_ITEMS)):
        where = f"risks[{n}]"
        if not check.obj(where, row, ("title",), ("id", "description", "roam", "owner", "raised_by")):
            continue
        if "id" in row:
            check.ident(f"{where}.id", row["id"])
        try:
            roam, owner = roamed(row.get("roam", Roam.UNROAMED.value), row.get("owner", ""))
        except Invalid as exc:
            check.say(f"{where}.roam", exc.reason)
            roam, owner = Roam.UNROAMED, ""
        found.append(
            RiskDoc(
                check.text(f"{where}.title", row["title"], RISK_TITLE),
                check.text(f"{where}.description", row.get("description", ""), RISK_DESCRIPTION),
                roam,
                owner,
                check.person(f"{where}.raised_by", row.get("raised_by", "Import")),
            )
        )
    return found


# --- import ----------------------------------------------------------------------------------------


def fixed_ids(doc: SolutionDoc, capability_ids: Sequence[str]) -> dict[str, dict[tuple[str, str], str]]:
    """Per train (file board id): the new ids the solution names on its board, chosen before it is made.
    Each feature a capability became: ``cap-<capability>`` as a split names it
    (``board.solution.capability_feature_id``), so a later split finds it; each objective a solution
    objective draws from: a new id, which the solution objective names."""
    fixed: dict[str, dict[tuple[str, str], str]] = {t.file_id: {} for t in doc.trains}
    for capability, new in zip(doc.capabilities, capability_ids, strict=True):
        for board_id, feature_id in capability.features.items():
            fixed[board_id][("feature", feature_id)] = capability_feature_id(new)
    for objective in doc.objectives:
        for board_id, objective_id in objective.draws_from:
            fixed[board_id].setdefault(("objective", objective_id), new_id())
    # A request's new id names its mirror (x-<request>); the iteration an answer promises is the
    # providing train's.
    for request in doc.requests:
        fixed[request.train].setdefault(("dependency", request.dependency), new_id())
        fixed[request.provider].setdefault(("team", request.team), new_id())
    for answer in doc.answers:
        for kind, old in (
            ("iteration", answer.promised_iteration_id),
            ("feature", answer.provider_feature_id),
            ("story", answer.provider_story_id),
        ):
            if old is not None:
                fixed[answer.train].setdefault((kind, old), new_id())
    return fixed


def check_train_imports(doc: SolutionDoc, fixed: Mapping[str, Mapping[tuple[str, str], str]]) -> None:
    """Apply each train's import ops to a board in memory, as the op path will: the first op a train's
    board would refuse refuses the file (FileRefused, saying which train and where), before any board
    of it is written."""
    problems: list[Problem] = []
    for n, train in enumerate(doc.trains):
        where = f"trains[{n}].board"
        try:
            state = new_board_state(create_op(train.board).args)
        except PiboardError as exc:
            problems.append(Problem(None, f"{where}.meta: {exc.reason}"))
            continue
        origin = "its items"
        try:
            ops = import_ops(train.board, state.snapshot(), new_id=new_id, fixed_ids=fixed[train.file_id])
            for seq, (op, at) in enumerate(ops, 2):
                origin = at
                apply_op(state, _with_id(op), IMPORTER, Context(time.time(), new_id, seq))
                state.seq = seq
        except PiboardError as exc:
            problems.append(Problem(None, f"{where}.{origin}: {exc.reason}"))
        except (KeyError, TypeError, ValueError) as exc:
            # A value of a kind no page sends, which a rule did not expect: refused all the same.
            problems.append(Problem(None, f"{where}.{origin}: holds a value piboard cannot read ({exc})"))
    if problems:
        raise FileRefused(problems)


def _with_id(op: Op) -> Op:
    return op if op.client_op_id else Op(op.type, op.target, op.base_version, op.args, client_op_id=new_id())
