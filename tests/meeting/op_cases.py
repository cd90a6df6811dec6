"""A valid op of every type in the role table, prepared on a live board so an allowed role gets it applied.

Each case prepares what its op needs (as the RTE, through the REST door) and returns the op to send as
the role under test. The team member under test belongs to team ``A``; team ``B`` is the other team.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import BoardHandle

OpBody = dict[str, Any]


@dataclass
class Arena:
    """A board seeded with two teams and two iterations, driven by its RTE."""

    board: BoardHandle
    team_a: str
    team_b: str
    iteration_1: str
    iteration_2: str
    _counter: itertools.count[int]

    @classmethod
    def seed(cls, board: BoardHandle) -> Arena:
        arena = cls(board, "", "", "", "", itertools.count(1))
        arena.team_a = arena.make("team.create", name="Team A")
        arena.team_b = arena.make("team.create", name="Team B")
        arena.iteration_1 = arena.make("iteration.create", number=1)
        arena.iteration_2 = arena.make("iteration.create", number=2)
        return arena

    def unique(self, prefix: str) -> str:
        return f"{prefix} {next(self._counter)}"

    def rte_op(self, type: str, target: str | None = None, **args: Any) -> dict[str, Any]:
        body: OpBody = {"target": target, "args": args}
        if target is not None:
            body["base_version"] = self.version(type.split(".")[0], target)
        r = self.board.op(self.board.rte_session, type, **body)
        assert r.status_code == 200, (type, r.status_code, r.text)
        return dict(r.json())

    def make(self, type: str, **args: Any) -> str:
        """Create an item as the RTE; returns its id."""
        ack = self.rte_op(type, None, **args)
        created = [c for c in ack["changes"] if c["before"] is None]
        return str(created[0]["id"])

    def items(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.board.read()["items"][kind])

    def version(self, kind: str, item_id: str) -> int:
        kind = {"board": "meta", "plan": "meta", "timer": "meta", "roam": "risk"}.get(kind, kind)
        return int(self.items(kind)[item_id]["version"])

    def on(self, kind: str, item_id: str, type: str, **args: Any) -> OpBody:
        """An op on an existing item, at its current version."""
        return {"type": type, "target": item_id, "base_version": self.version(kind, item_id), "args": args}

    def open_rounds(self) -> list[str]:
        return [v["id"] for v in self.items("vote").values() if v["status"] == "open"]

    def fresh_art_round(self) -> str:
        """Close any open round and open a new ART-wide one."""
        for round_id in self.open_rounds():
            self.rte_op("vote.close", round_id)
        return self.make("vote.open")


Case = Callable[[Arena, str], OpBody]
CASES: dict[str, Case] = {}


def case(*types: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        for t in types:
            CASES[t] = fn
        return fn

    return register


@case("board.create")
def _board_create(a: Arena, role: str) -> OpBody:
    return {"type": "board.create", "args": {"name": "Second"}}


@case("board.update")
def _board_update(a: Arena, role: str) -> OpBody:
    return a.on("meta", "meta", "board.update", pi_name=a.unique("PI"))


@case("plan.lock", "plan.unlock", "baseline.take", "execution.start")
def _meta_flag(a: Arena, role: str) -> OpBody:
    return {"type": "", "args": {}}


@case("iteration.create")
def _iteration_create(a: Arena, role: str) -> OpBody:
    return {"type": "iteration.create", "args": {"number": 3 + next(a._counter) % 25}}


@case("iteration.update")
def _iteration_update(a: Arena, role: str) -> OpBody:
    return a.on("iteration", a.iteration_2, "iteration.update", name=a.unique("Sprint"))


@case("iteration.delete")
def _iteration_delete(a: Arena, role: str) -> OpBody:
    existing = {i["number"] for i in a.items("iteration").values()}
    number = next(n for n in range(3, 30) if n not in existing)
    return a.on("iteration", a.make("iteration.create", number=number), "iteration.delete")


@case("iteration.reorder")
def _iteration_reorder(a: Arena, role: str) -> OpBody:
    """Every iteration, the last first: a real change of order each time."""
    by_number = sorted(a.items("iteration").values(), key=lambda i: i["number"])
    return {"type": "iteration.reorder", "args": {"order": [i["id"] for i in reversed(by_number)]}}


@case("team.create")
def _team_create(a: Arena, role: str) -> OpBody:
    return {"type": "team.create", "args": {"name": a.unique("Team")}}


@case("team.update")
def _team_update(a: Arena, role: str) -> OpBody:
    return a.on("team", a.team_b, "team.update", color="#123456")


@case("team.delete")
def _team_delete(a: Arena, role: str) -> OpBody:
    return a.on("team", a.make("team.create", name=a.unique("Gone")), "team.delete")


@case("member.create")
def _member_create(a: Arena, role: str) -> OpBody:
    return {"type": "member.create", "args": {"name": a.unique("Dev"), "team_id": a.team_a}}


@case("member.update", "member.delete")
def _member_change(a: Arena, role: str) -> OpBody:
    member = a.make("member.create", name=a.unique("Dev"), team_id=a.team_a)
    return a.on("member", member, "", fte=0.5)


@case("feature.create")
def _feature_create(a: Arena, role: str) -> OpBody:
    return {"type": "feature.create", "args": {"title": a.unique("Runway"), "feature_kind": "enabler"}}


@case("feature.update", "feature.move", "feature.delete")
def _feature_change(a: Arena, role: str) -> OpBody:
    feature = a.make("feature.create", title=a.unique("Runway"), feature_kind="enabler", team_id=a.team_a)
    return a.on("feature", feature, "", title=a.unique("Renamed"))


@case("milestone.create")
def _milestone_create(a: Arena, role: str) -> OpBody:
    return {"type": "milestone.create", "args": {"title": a.unique("Release")}}


@case("milestone.update", "milestone.delete")
def _milestone_change(a: Arena, role: str) -> OpBody:
    return a.on("milestone", a.make("milestone.create", title=a.unique("Demo")), "", title="Moved")


@case("story.create")
def _story_create(a: Arena, role: str) -> OpBody:
    return {"type": "story.create", "args": {"title": a.unique("Story"), "team_id": a.team_a, "points": 3}}


@case("story.update", "story.move", "story.delete")
def _story_change(a: Arena, role: str) -> OpBody:
    story = a.make("story.create", title=a.unique("Story"), team_id=a.team_a)
    return a.on("story", story, "", title=a.unique("Story"))


@case("dependency.create")
def _dependency_create(a: Arena, role: str) -> OpBody:
    args = {"need": a.unique("API"), "requesting_team_id": a.team_a, "provider_team_id": a.team_b}
    return {"type": "dependency.create", "args": args}


@case("dependency.update", "dependency.delete", "dependency.comment")
def _dependency_requested(a: Arena, role: str) -> OpBody:
    dep = a.make(
        "dependency.create", need=a.unique("API"), requesting_team_id=a.team_a, provider_team_id=a.team_b
    )
    return a.on("dependency", dep, "", need=a.unique("API"))


@case("dependency.accept", "dependency.done")
def _dependency_provided(a: Arena, role: str) -> OpBody:
    """Team A is the provider here: it answers a request of team B."""
    dep = a.make(
        "dependency.create", need=a.unique("Feed"), requesting_team_id=a.team_b, provider_team_id=a.team_a
    )
    return a.on("dependency", dep, "")


@case("crosstrain.mirror")
def _crosstrain_mirror(a: Arena, role: str) -> OpBody:
    """Another train's request, written on this board: only the solution does it (no role may)."""
    args = {"seq": 1, "provider_team_id": a.team_a, "need": a.unique("Tokens")}
    args["requester_train"] = "other/dep"
    return {"type": "crosstrain.mirror", "target": f"x-{next(a._counter)}", "args": args}


@case("crosstrain.answer")
def _crosstrain_answer(a: Arena, role: str) -> OpBody:
    """Another train's answer, written onto this board's request: only the solution does it."""
    dep = a.make(
        "dependency.create", need=a.unique("Tokens"), requesting_team_id=a.team_a, provider_team_id=a.team_b
    )
    return a.on("dependency", dep, "", seq=1, status="accepted")


def _request_of_team_a(a: Arena) -> str:
    return a.make(
        "dependency.create", need=a.unique("Feed"), requesting_team_id=a.team_b, provider_team_id=a.team_a
    )


@case("dependency.propose")
def _dependency_proposed(a: Arena, role: str) -> OpBody:
    """Team A answers team B's request with another iteration."""
    return a.on("dependency", _request_of_team_a(a), "", promised_iteration_id=a.iteration_2)


@case("dependency.decline")
def _dependency_declined(a: Arena, role: str) -> OpBody:
    return a.on("dependency", _request_of_team_a(a), "", answer="Not our component")


@case("objective.create")
def _objective_create(a: Arena, role: str) -> OpBody:
    args = {"statement": "Cut P1 incidents from 12 to under 5", "team_id": a.team_a, "committed": True}
    return {"type": "objective.create", "args": args}


@case("objective.update", "objective.delete", "objective.set_bv", "objective.set_actual_bv")
def _objective_change(a: Arena, role: str) -> OpBody:
    objective = a.make("objective.create", statement="Ship checkout v2 by iteration 3", team_id=a.team_a)
    return a.on("objective", objective, "", statement="Ship checkout v2 by iteration 4")


@case("risk.create")
def _risk_create(a: Arena, role: str) -> OpBody:
    return {"type": "risk.create", "args": {"title": a.unique("Vendor late"), "team_id": a.team_a}}


@case("risk.update", "risk.roam", "risk.delete", "roam.focus")
def _risk_change(a: Arena, role: str) -> OpBody:
    risk = a.make("risk.create", title=a.unique("Vendor late"), team_id=a.team_a)
    return a.on("risk", risk, "", title=a.unique("Vendor very late"))


@case("vote.open")
def _vote_open(a: Arena, role: str) -> OpBody:
    return {"type": "vote.open", "args": {"team_id": a.make("team.create", name=a.unique("Voters"))}}


@case("vote.cast")
def _vote_cast(a: Arena, role: str) -> OpBody:
    return {"type": "vote.cast", "target": a.fresh_art_round(), "args": {"value": 4}}


@case("vote.explain")
def _vote_explain(a: Arena, role: str) -> OpBody:
    """The explain op needs the role's own low vote in a revealed round: the role casts it first."""
    round_id = a.fresh_art_round()
    session = a.board.sessions[role]
    a.board.op(session, "vote.cast", target=round_id, args={"value": 1})
    a.rte_op("vote.close", round_id)
    a.rte_op("vote.reveal", round_id)
    return {"type": "vote.explain", "target": round_id, "args": {"reason": "The vendor API is unproven"}}


@case("vote.close")
def _vote_close(a: Arena, role: str) -> OpBody:
    return {"type": "vote.close", "target": a.fresh_art_round()}


@case("vote.reveal")
def _vote_reveal(a: Arena, role: str) -> OpBody:
    round_id = a.fresh_art_round()
    a.rte_op("vote.close", round_id)
    return {"type": "vote.reveal", "target": round_id}


@case("vote.merge_voter")
def _vote_merge_voter(a: Arena, role: str) -> OpBody:
    return {
        "type": "vote.merge_voter",
        "args": {"from_voter": a.unique("someone"), "into_voter": a.unique("else")},
    }


@case("agenda.create")
def _agenda_create(a: Arena, role: str) -> OpBody:
    return {"type": "agenda.create", "args": {"title": a.unique("Lunch"), "day": 1, "minutes": 45}}


@case("agenda.update", "agenda.delete")
def _agenda_change(a: Arena, role: str) -> OpBody:
    item = a.make("agenda.create", title=a.unique("Break"), day=2, minutes=15)
    return a.on("agenda", item, "", minutes=20)


def _timer(a: Arena, *setup: str) -> None:
    a.rte_op("timer.stop")
    for step in setup:
        a.rte_op(step)


@case("timer.start", "timer.stop", "timer.advance")
def _timer_any(a: Arena, role: str) -> OpBody:
    _timer(a)
    return {"type": ""}


@case("timer.pause", "timer.extend")
def _timer_running(a: Arena, role: str) -> OpBody:
    _timer(a, "timer.start")
    return {"type": ""}


@case("timer.resume")
def _timer_paused(a: Arena, role: str) -> OpBody:
    _timer(a, "timer.start", "timer.pause")
    return {"type": "timer.resume"}


@case("screen.show")
def _screen_show(a: Arena, role: str) -> OpBody:
    return {"type": "screen.show", "args": {"scene": "vote"}}


@case("room.gather")
def _gather(a: Arena, role: str) -> OpBody:
    return {"type": "room.gather", "args": {"view": "vote"}}


HELPING_ROLES = {"architect", "business_owner", "pm"}


def _no_open_help(a: Arena) -> None:
    for request in a.items("help").values():
        if request["status"] != "closed":
            a.rte_op("help.close", request["id"])


@case("help.ask")
def _help_ask(a: Arena, role: str) -> OpBody:
    _no_open_help(a)
    return {"type": "help.ask", "args": {"team_id": a.team_a, "needs": "architect"}}


@case("help.take", "help.close")
def _help_answer(a: Arena, role: str) -> OpBody:
    """A request of team A for the role under test (the RTE answers any)."""
    _no_open_help(a)
    needs = role if role in HELPING_ROLES else "rte"
    request = a.make("help.ask", team_id=a.team_a, needs=needs)
    return {"type": "", "target": request}


# Shared cases leave some args to the op type: these are the args each op of a shared case takes.
ARGS_FOR: dict[str, dict[str, Any]] = {
    "member.update": {"fte": 0.5},
    "member.delete": {},
    "feature.move": {"iteration_id": "{iteration_2}", "team_id": "{team_a}"},
    "feature.delete": {},
    "milestone.delete": {},
    "story.move": {"iteration_id": "{iteration_2}"},
    "story.delete": {},
    "dependency.delete": {},
    "dependency.comment": {"comment": "Needs the v2 schema"},
    "objective.delete": {},
    "objective.set_bv": {"value": 8},
    "objective.set_actual_bv": {"value": 6},
    "risk.roam": {"roam": "owned", "owner": "Dana"},
    "risk.delete": {},
    "roam.focus": {},
    "agenda.delete": {},
    "timer.extend": {"minutes": 5},
    "help.take": {},
    "help.close": {},
}


def prepare(arena: Arena, op_type: str, role: str) -> OpBody:
    """The op of ``op_type`` that ``role`` sends, with everything it needs already on the board."""
    body = CASES[op_type](arena, role)
    body["type"] = op_type
    if op_type in ARGS_FOR:
        body["args"] = {
            k: v.format(**vars(arena)) if isinstance(v, str) else v for k, v in ARGS_FOR[op_type].items()
        }
    body.setdefault("args", {})
    if op_type in {"dependency.accept", "dependency.done"}:
        body["args"] = {}
    return body


@case("event.undo")
def _event_undo(a: Arena, role: str) -> OpBody:
    """An op the role made and may also reverse (the observer gets one of the RTE's, to be refused)."""
    session = a.board.sessions[role] if role != "observer" else a.board.rte_session
    if role == "pm":
        own: OpBody = {"type": "feature.create", "args": {"title": a.unique("Feature")}}
    elif role == "architect":
        own = {"type": "feature.create", "args": {"title": a.unique("Cache"), "feature_kind": "enabler"}}
    elif role == "team":
        own = {"type": "story.create", "args": {"title": a.unique("Story"), "team_id": a.team_a}}
    elif role == "business_owner":
        objective = a.make("objective.create", team_id=a.team_a, statement=a.unique("Ship"))
        own = a.on("objective", objective, "objective.set_bv", value=7)
    else:
        own = a.on("team", a.team_b, "team.update", name=a.unique("Team"))
    r = a.board.op(session, **own)
    assert r.status_code == 200, (role, r.text)
    return {"type": "event.undo", "target": str(r.json()["seq"]), "args": {}}
