"""Post-PI Planning at the solution level (issue 29) at its doors: solution PI objectives drawn from the
trains' objectives with BV from solution Business Owners, solution risks ROAMed by the STE, and an
anonymous confidence vote. Every solution role tried on every op (refused ones say why); bad JSON values
refused with 4xx, changing nothing. Runs on SQLite and on PostgreSQL (PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command

from board.solution import SOLUTION_PERMISSIONS, SOLUTION_ROLE_NAMES, SolutionRole
from server.store.db import alembic_config, make_engine, upgrade
from server.store.solution_plan import SolutionPlanStore
from server.store.solutions import SolutionStore
from tests.conftest import LiveServer, create_board
from tests.integration.test_solution_live import parts, solution_socket
from tests.integration.test_solutions import join, make_solution, role_session, train_link
from tests.live.client import LiveClient, run_async

OLD_DUMP = Path(__file__).resolve().parent.parent / "data" / "piboard-0.1.0.sql"
PLAN_TABLES = ("solution_objective", "solution_risk", "solution_vote", "solution_ballot")
ROLE_NAMES = {
    SolutionRole.SOLUTION_MANAGEMENT: "Mia",
    SolutionRole.SOLUTION_ARCHITECT: "Ari",
    SolutionRole.SUPPLIER: "Acme",
    SolutionRole.BUSINESS_OWNER: "Bea",
}


class Room:
    """A solution with one train (a team and its objective) and a session for every solution role."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.solution = make_solution(server)
        self.id = self.solution["id"]
        self.sessions = {SolutionRole.STE: self.solution["ste_session"]}
        for role, name in ROLE_NAMES.items():
            self.sessions[role] = role_session(server, self.solution, role.value, name)
        self.train = create_board(server, "Cards ART")
        assert join(self.train, train_link(server, self.solution)).status_code == 200
        team = self.train.op(self.train.rte_session, "team.create", args={"name": "Atlas"})
        made = self.train.op(
            self.train.rte_session,
            "objective.create",
            args={"team_id": team.json()["changes"][0]["id"], "statement": "Ship instant payments"},
        )
        self.train_objective = f"{self.train.id}/{made.json()['changes'][0]['id']}"

    def call(self, role: SolutionRole, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.server.client(self.sessions[role]) as c:
            return c.request(method, f"/api/solutions/{self.id}{path}", **kwargs)

    def ste(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = self.call(SolutionRole.STE, method, path, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer

    def rows(self) -> dict[str, list[Any]]:
        """Every row of the plan's tables, of every solution: what a refusal must leave as it was."""
        store: SolutionStore = self.server.services.solutions
        with store.engine.connect() as conn:
            return {
                t: sorted(map(tuple, conn.exec_driver_sql(f"SELECT * FROM {t}").all()), key=repr)
                for t in PLAN_TABLES
            }

    def version(self) -> int:
        return self.server.services.solutions.solution(self.id).version


@pytest.fixture
def room(live_server: LiveServer) -> Room:
    return Room(live_server)


def test_post_pi_planning_objectives_bv_risks_and_an_anonymous_vote(room: Room) -> None:
    bo, sm, supplier = SolutionRole.BUSINESS_OWNER, SolutionRole.SOLUTION_MANAGEMENT, SolutionRole.SUPPLIER
    body = {"title": "Instant <payments> in 3 countries", "draws_from": [room.train_objective]}
    made = room.call(sm, "POST", "/objectives", json=body)
    assert made.status_code == 201, made.text
    objective = made.json()
    assert objective["draws_from"] == [room.train_objective] and objective["committed"] is True
    assert objective["created_by"] == "Mia" and objective["planned_bv"] is None
    gave = room.call(bo, "PUT", f"/objectives/{objective['id']}/bv", json={"planned_bv": 8})
    assert gave.status_code == 200 and gave.json() == {"id": objective["id"], "planned_bv": 8}
    room.call(bo, "PUT", f"/objectives/{objective['id']}/bv", json={"actual_bv": 7})
    listed = room.ste("GET", "/objectives").json()
    (read,) = listed["objectives"]
    assert (read["planned_bv"], read["actual_bv"]) == (8, 7)
    assert read["draws"] == [
        {"ref": room.train_objective, "objective": "Cards ART · Atlas: Ship instant payments"}
    ]
    assert listed["planned_bv"] == 8 and listed["predictability"] == 7 / 8
    unknown = room.call(bo, "PUT", "/objectives/nope/bv", json={"planned_bv": 3})
    assert unknown.status_code == 404

    risk = room.call(supplier, "POST", "/risks", json={"title": "Our API may be late"})
    assert (
        risk.status_code == 201 and risk.json()["raised_by"] == "Acme" and risk.json()["roam"] == "unroamed"
    )
    risk_id = risk.json()["id"]
    no_owner = room.call(SolutionRole.STE, "PUT", f"/risks/{risk_id}/roam", json={"roam": "owned"})
    assert no_owner.status_code == 422 and "needs an owner" in no_owner.json()["reason"]
    owned = room.ste("PUT", f"/risks/{risk_id}/roam", json={"roam": "owned", "owner": "Rita"}).json()
    assert (owned["roam"], owned["owner"]) == ("owned", "Rita")
    mitigated = room.ste("PUT", f"/risks/{risk_id}/roam", json={"roam": "mitigated"}).json()
    assert (mitigated["roam"], mitigated["owner"]) == ("mitigated", "Rita")  # the owner stays

    round_id = room.ste("POST", "/vote").json()["id"]
    again = room.call(SolutionRole.STE, "POST", "/vote")
    assert again.status_code == 409 and "open already" in again.json()["reason"]
    for role, value in ((bo, 2), (sm, 4), (supplier, 5), (bo, 3)):  # Bea changes her mind: one vote each
        cast = room.call(role, "POST", f"/vote/{round_id}/ballots", json={"value": value})
        assert cast.status_code == 200 and cast.json()["your_vote"] == value
    (open_round,) = room.call(bo, "GET", "/vote").json()["rounds"]
    assert open_round["voted"] == 3 and open_round["your_vote"] == 3 and open_round["distribution"] is None
    closed = room.ste("POST", f"/vote/{round_id}/close").json()
    assert closed["status"] == "revealed" and closed["average"] == 4.0
    assert closed["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    late = room.call(sm, "POST", f"/vote/{round_id}/ballots", json={"value": 1})
    assert late.status_code == 409 and "closed" in late.json()["reason"]
    votes = room.call(sm, "GET", "/vote").text
    assert all(name not in votes for name in ROLE_NAMES.values())  # nobody's name, only counts
    assert room.ste("POST", "/vote").json()["number"] == 2


# The doors of the new ops, each with a body that would do it, as (action, method, path, body).
def ops(
    room: Room, objective: str, risk: str, vote: str
) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    return [
        (
            "objective.create",
            "POST",
            "/objectives",
            {"title": "One checkout", "draws_from": [room.train_objective]},
        ),
        ("objective.update", "PUT", f"/objectives/{objective}", {"title": "Base, typed right"}),
        ("objective.set_bv", "PUT", f"/objectives/{objective}/bv", {"planned_bv": 5}),
        ("risk.create", "POST", "/risks", {"title": "Late vendor"}),
        ("risk.update", "PUT", f"/risks/{risk}", {"description": "their API"}),
        ("risk.roam", "PUT", f"/risks/{risk}/roam", {"roam": "accepted"}),
        ("objective.delete", "DELETE", f"/objectives/{objective}", None),
        ("risk.delete", "DELETE", f"/risks/{risk}", None),
        ("vote.cast", "POST", f"/vote/{vote}/ballots", {"value": 4}),
        ("vote.close", "POST", f"/vote/{vote}/close", None),
        ("vote.open", "POST", "/vote", None),
    ]


@pytest.mark.parametrize("role", list(SolutionRole))
def test_every_solution_role_on_every_post_pi_planning_op(
    live_server: LiveServer, role: SolutionRole
) -> None:
    room = Room(live_server)
    objective = room.ste("POST", "/objectives", json={"title": "Base"}).json()["id"]
    risk = room.ste("POST", "/risks", json={"title": "Base risk"}).json()["id"]
    vote = room.ste("POST", "/vote").json()["id"]
    for action, method, path, body in ops(room, objective, risk, vote):
        allowed, words = SOLUTION_PERMISSIONS[action]
        before = room.rows()
        answer = room.call(role, method, path, json=body)
        if role in allowed:
            assert answer.status_code in (200, 201, 204), f"{role.value} {action}: {answer.text}"
            assert room.rows() != before, f"{role.value} {action} changed nothing"
        else:
            assert answer.status_code == 403, f"{role.value} {action}: {answer.text}"
            assert answer.json() == {
                "error": "forbidden",
                "reason": f"{SOLUTION_ROLE_NAMES[role]} may not {words}",
            }
            assert room.rows() == before, f"{role.value} {action} was refused but changed something"
    with live_server.client() as nobody:  # without a session of the solution: nothing
        refused = nobody.post(f"/api/solutions/{room.id}/risks", json={"title": "x"})
    assert refused.status_code == 401


HUGE = 10**40
BAD_BODIES: list[tuple[str, str, str, Any]] = [
    # (who, method, path with {objective}/{risk}/{vote}, body: JSON text or a value)
    ("sm", "POST", "/objectives", '{"title": "x", "committed": NaN}'),
    ("sm", "POST", "/objectives", '{"title": "x", "draws_from": [1e999]}'),
    ("sm", "POST", "/objectives", {"title": 5}),
    ("sm", "POST", "/objectives", {"title": ""}),
    ("sm", "POST", "/objectives", {"title": "x" * 501}),
    ("sm", "POST", "/objectives", {"title": "a\u0000b"}),
    ("sm", "POST", "/objectives", {"title": "x", "draws_from": "nope"}),
    ("sm", "POST", "/objectives", {"title": "x", "draws_from": [[["deep"]]]}),
    ("sm", "POST", "/objectives", {"title": "x", "draws_from": ["other/o1"]}),
    ("sm", "POST", "/objectives", {"title": "x", "committed": "maybe"}),
    ("sm", "POST", "/objectives", {"title": "x", "committed": HUGE}),
    ("sm", "POST", "/objectives", {"title": "x", "extra": 1}),
    ("sm", "POST", "/objectives", [{"title": "x"}]),
    ("sm", "POST", "/objectives", "[" * 200 + "]" * 200),
    ("sm", "PUT", "/objectives/{objective}", '{"title": NaN}'),
    ("sm", "PUT", "/objectives/{objective}", '{"committed": Infinity}'),
    ("sm", "PUT", "/objectives/{objective}", {"committed": HUGE}),
    ("sm", "PUT", "/objectives/{objective}", {"committed": "maybe"}),
    ("sm", "PUT", "/objectives/{objective}", {"title": 5}),
    ("sm", "PUT", "/objectives/{objective}", {"title": ""}),
    ("sm", "PUT", "/objectives/{objective}", {"title": None}),
    ("sm", "PUT", "/objectives/{objective}", {"title": "x" * 501}),
    ("sm", "PUT", "/objectives/{objective}", {"draws_from": "nope"}),
    ("sm", "PUT", "/objectives/{objective}", {"draws_from": [HUGE]}),
    ("sm", "PUT", "/objectives/{objective}", {"draws_from": ["other/o1"]}),
    ("sm", "PUT", "/objectives/{objective}", {"title": "x", "planned_bv": 9}),
    ("sm", "PUT", "/objectives/{objective}", {}),
    ("sm", "PUT", "/objectives/{objective}", [{"title": "x"}]),
    ("sm", "PUT", "/objectives/nope", {"title": "x"}),
    ("sm", "DELETE", "/objectives/nope", None),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": HUGE}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": -HUGE}),
    ("bo", "PUT", "/objectives/{objective}/bv", '{"planned_bv": NaN}'),
    ("bo", "PUT", "/objectives/{objective}/bv", '{"planned_bv": Infinity}'),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": True}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": 2.5}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": 0}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": "eight"}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": [8]}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": {"v": 8}}),
    ("bo", "PUT", "/objectives/{objective}/bv", {"planned_bv": 5, "actual_bv": 11}),
    ("bo", "PUT", "/objectives/{objective}/bv", {}),
    ("bo", "PUT", "/objectives/{objective}/bv", "1" * 5000),
    ("ste", "POST", "/risks", {"title": ["x"]}),
    ("ste", "POST", "/risks", {"title": "x", "description": "d" * 2001}),
    ("ste", "POST", "/risks", {"title": "x\u0007"}),
    ("ste", "PUT", "/risks/{risk}", {"title": ["x"]}),
    ("ste", "PUT", "/risks/{risk}", '{"title": NaN}'),
    ("ste", "PUT", "/risks/{risk}", {"description": HUGE}),
    ("ste", "PUT", "/risks/{risk}", {"description": "d" * 2001}),
    ("ste", "PUT", "/risks/{risk}", {"title": "x\u0007"}),
    ("ste", "PUT", "/risks/{risk}", {"title": ""}),
    ("ste", "PUT", "/risks/{risk}", {"title": "x", "roam": "accepted"}),
    ("ste", "PUT", "/risks/{risk}", {}),
    ("ste", "PUT", "/risks/nope", {"title": "x"}),
    ("ste", "DELETE", "/risks/nope", None),
    ("ste", "PUT", "/risks/{risk}/roam", {"roam": "ignored"}),
    ("ste", "PUT", "/risks/{risk}/roam", {"roam": 3}),
    ("ste", "PUT", "/risks/{risk}/roam", {"roam": "owned", "owner": {"n": "Rita"}}),
    ("ste", "PUT", "/risks/{risk}/roam", {"roam": "owned", "owner": "r" * 81}),
    ("ste", "PUT", "/risks/nope/roam", {"roam": "accepted"}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": 6}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": 0}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": HUGE}),
    ("ste", "POST", "/vote/{vote}/ballots", '{"value": NaN}'),
    ("ste", "POST", "/vote/{vote}/ballots", '{"value": -Infinity}'),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": True}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": "4.5"}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": [4]}),
    ("ste", "POST", "/vote/{vote}/ballots", {"value": None}),
    ("ste", "POST", "/vote/{vote}/ballots", {}),
    ("ste", "POST", "/vote/nope/ballots", {"value": 4}),
    ("ste", "POST", "/vote/nope/close", None),
]
WHO = {"sm": SolutionRole.SOLUTION_MANAGEMENT, "bo": SolutionRole.BUSINESS_OWNER, "ste": SolutionRole.STE}


def test_bad_json_values_are_refused_with_why_and_change_nothing(live_server: LiveServer) -> None:
    room = Room(live_server)
    ids = {
        "objective": room.ste("POST", "/objectives", json={"title": "Base"}).json()["id"],
        "risk": room.ste("POST", "/risks", json={"title": "Base risk"}).json()["id"],
        "vote": room.ste("POST", "/vote").json()["id"],
    }
    before, version = room.rows(), room.version()
    for who, method, path, body in BAD_BODIES:
        sent = {"content": body} if isinstance(body, str) else {"json": body}
        answer = room.call(
            WHO[who], method, path.format(**ids), headers={"content-type": "application/json"}, **sent
        )
        assert 400 <= answer.status_code < 500, (
            f"{method} {path} {body!r}: {answer.status_code} {answer.text}"
        )
        refusal = answer.json()
        assert refusal["error"] and refusal["reason"], f"{method} {path} {body!r}: {refusal}"
        assert room.rows() == before, f"{method} {path} {body!r} was refused but changed something"
    assert room.version() == version  # and no open page was told of a change


def test_the_page_forms_do_every_op_and_show_it(room: Room) -> None:
    bo, sm = SolutionRole.BUSINESS_OWNER, SolutionRole.SOLUTION_MANAGEMENT
    path = f"/s/{room.id}"

    def post(role: SolutionRole, where: str, **form: Any) -> httpx.Response:
        with room.server.client(room.sessions[role]) as c:
            return c.post(path + where, data=form)

    made = post(
        sm, "/objectives", title="One <checkout>", committed="false", draws_from=[room.train_objective]
    )
    assert made.status_code == 303 and made.headers["location"].endswith("#plan")
    (objective,) = room.ste("GET", "/objectives").json()["objectives"]
    assert objective["committed"] is False and objective["draws_from"] == [room.train_objective]
    assert post(bo, f"/objectives/{objective['id']}/bv", planned_bv="9").status_code == 303
    refused = post(sm, f"/objectives/{objective['id']}/bv", planned_bv="9")
    assert refused.status_code == 403 and "Solution Management may not give business value" in refused.text
    assert post(sm, "/risks", title="Late <vendor>", description="API").status_code == 303
    (risk,) = room.ste("GET", "/risks").json()["risks"]
    assert post(SolutionRole.STE, f"/risks/{risk['id']}/roam", roam="owned", owner="Rita").status_code == 303
    bad = post(SolutionRole.STE, f"/risks/{risk['id']}/roam", roam="owned", owner="")
    assert bad.status_code == 422 and "needs an owner" in bad.text
    assert post(SolutionRole.STE, "/vote").status_code == 303
    (vote,) = room.ste("GET", "/vote").json()["rounds"]
    assert post(bo, f"/vote/{vote['id']}/cast", value="2").status_code == 303
    with room.server.client(room.sessions[bo]) as c:
        page = c.get(path + "/").text
    assert "One &lt;checkout&gt;" in page and "Late &lt;vendor&gt;" in page and "you voted" in page
    assert 'aria-label="Vote 5"' in page and "Close and reveal" not in page  # a BO votes, the STE closes
    assert post(SolutionRole.STE, f"/vote/{vote['id']}/close").status_code == 303
    with room.server.client(room.sessions[sm]) as c:
        page = c.get(path + "/").text
    assert 'class="vote-result"' in page and 'data-value="2">2: 1<' in page and "Open a round" not in page


def test_an_objective_or_risk_typed_wrong_is_changed_or_deleted_over_rest(room: Room) -> None:
    bo, sm = SolutionRole.BUSINESS_OWNER, SolutionRole.SOLUTION_MANAGEMENT
    ids = [room.ste("POST", "/objectives", json={"title": t}).json()["id"] for t in ("Go lvie", "Two")]
    for objective, bv in zip(ids, (8, 3), strict=True):
        room.call(bo, "PUT", f"/objectives/{objective}/bv", json={"planned_bv": bv})
    body = {"title": "Go <live>", "committed": False, "draws_from": [room.train_objective]}
    changed = room.call(sm, "PUT", f"/objectives/{ids[0]}", json=body)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in (*body, "planned_bv", "created_by")} == {
        **body,
        "planned_bv": 8,  # the BOs' value stays
        "created_by": "Sofia",
    }
    only_title = room.call(sm, "PUT", f"/objectives/{ids[0]}", json={"title": "Go live"}).json()
    assert (only_title["committed"], only_title["draws_from"]) == (False, [room.train_objective])
    assert room.ste("PUT", f"/objectives/{ids[0]}", json={"committed": True}).json()["title"] == "Go live"
    assert room.ste("GET", "/objectives").json()["planned_bv"] == 11
    assert room.call(sm, "DELETE", f"/objectives/{ids[0]}").status_code == 204
    listed = room.ste("GET", "/objectives").json()
    assert [o["id"] for o in listed["objectives"]] == [ids[1]] and listed["planned_bv"] == 3
    again = room.call(sm, "DELETE", f"/objectives/{ids[0]}")
    assert again.status_code == 404 and again.json()["reason"] == "this solution has no such objective"
    gone = room.call(sm, "PUT", f"/objectives/{ids[0]}", json={"title": "x"})
    assert gone.status_code == 404

    risk = room.call(SolutionRole.SUPPLIER, "POST", "/risks", json={"title": "Lte API"}).json()["id"]
    room.ste("PUT", f"/risks/{risk}/roam", json={"roam": "owned", "owner": "Rita"})
    fixed = room.ste("PUT", f"/risks/{risk}", json={"title": "Late API", "description": "v2"}).json()
    assert fixed == {
        "id": risk,
        "title": "Late API",
        "description": "v2",
        "roam": "owned",
        "owner": "Rita",
        "raised_by": "Acme",
    }
    supplier = room.call(SolutionRole.SUPPLIER, "DELETE", f"/risks/{risk}")
    assert (
        supplier.status_code == 403
        and supplier.json()["reason"] == "a supplier may not delete a solution risk"
    )
    assert room.call(SolutionRole.STE, "DELETE", f"/risks/{risk}").status_code == 204
    assert room.ste("GET", "/risks").json() == {"risks": []}
    assert room.call(SolutionRole.STE, "PUT", f"/risks/{risk}", json={"title": "x"}).status_code == 404


def test_the_page_changes_and_deletes_an_objective_and_a_risk_by_its_forms(room: Room) -> None:
    sm, ste = SolutionRole.SOLUTION_MANAGEMENT, SolutionRole.STE
    path = f"/s/{room.id}"

    def post(role: SolutionRole, where: str, **form: Any) -> httpx.Response:
        with room.server.client(room.sessions[role]) as c:
            return c.post(path + where, data=form)

    def page(role: SolutionRole) -> str:
        with room.server.client(room.sessions[role]) as c:
            return c.get(path + "/").text

    objective = room.ste("POST", "/objectives", json={"title": "Go lvie"}).json()["id"]
    room.call(SolutionRole.BUSINESS_OWNER, "PUT", f"/objectives/{objective}/bv", json={"planned_bv": 6})
    risk = room.ste("POST", "/risks", json={"title": "Lte API"}).json()["id"]
    seen = page(sm)
    assert f'action="/s/{room.id}/objectives/{objective}/delete"' in seen and "Save the objective" in seen
    assert "Save the risk" not in seen and "Delete the risk" not in seen  # the STE's, not SM's
    assert "Save the objective" not in page(SolutionRole.SUPPLIER)
    changed = post(
        sm, f"/objectives/{objective}", title="Go <live>", committed="true", draws_from=[room.train_objective]
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("#plan")
    (read,) = room.ste("GET", "/objectives").json()["objectives"]
    assert (read["title"], read["draws_from"], read["planned_bv"]) == ("Go <live>", [room.train_objective], 6)
    untick = post(sm, f"/objectives/{objective}", title="Go <live>", committed="false")
    assert untick.status_code == 303
    (read,) = room.ste("GET", "/objectives").json()["objectives"]
    assert (read["committed"], read["draws_from"]) == (False, [])
    empty = post(sm, f"/objectives/{objective}", title="  ")
    assert empty.status_code == 422 and "must not be empty" in empty.text
    refused = post(SolutionRole.SUPPLIER, f"/risks/{risk}", title="Late API")
    assert refused.status_code == 403 and "a supplier may not change a solution risk" in refused.text
    assert post(ste, f"/risks/{risk}", title="Late <API>", description="v2").status_code == 303
    seen = page(ste)
    assert "Go &lt;live&gt;" in seen and "Late &lt;API&gt;" in seen and "Delete the risk" in seen
    assert post(sm, f"/objectives/{objective}/delete").status_code == 303
    assert post(ste, f"/risks/{risk}/delete").status_code == 303
    seen = page(ste)
    assert "No solution objectives yet." in seen and "No solution risks yet." in seen
    assert post(ste, f"/risks/{risk}/delete").status_code == 404


def test_a_database_of_migration_0009_with_a_solution_upgrades_to_0010(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DUMP.read_text())
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0009")
    # A solution and its capability as piboard wrote them at 0009 (its tables as they were then).
    solution_id, capability_id, at = "sol1", "cap1", "2026-12-01 10:00:00.000000"
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        conn.execute("INSERT INTO solution VALUES (?, 'Payments', 'PI 1', ?)", (solution_id, at))
        conn.execute(
            "INSERT INTO capability VALUES (?, ?, 'Instant payments', '', 'Sofia', ?)",
            (capability_id, solution_id, at),
        )
    assert "solution_objective" not in tables

    upgrade(url)
    engine = make_engine(url)
    store = SolutionStore(engine, "k" * 40)
    assert store.solution(solution_id).name == "Payments"
    assert store.solution(solution_id).version == 0  # 0011: counted from the upgrade on
    assert [c.id for c in store.capabilities(solution_id)] == [capability_id]
    ste, _ = store.join(store.create_link(solution_id, "ste").token or "", "Sven")
    plan = SolutionPlanStore(store)
    made = plan.add_objective(solution_id, ste, {"title": "Go live"}, {})
    plan.add_risk(solution_id, ste, {"title": "Late"})
    vote = plan.open_vote(solution_id, ste)
    plan.cast(solution_id, vote.id, ste, 5)
    assert store.solution(solution_id).version == 4  # an objective, a risk, the vote opened, a ballot
    read = plan.plan(solution_id)
    assert [o.id for o in read.objectives] == [made.id] and read.rounds[0].ballots == {ste.id: 5}
    engine.dispose()


def test_every_change_reaches_each_open_page_live_as_its_role_sees_it(live_server: LiveServer) -> None:
    room = Room(live_server)
    bo_session = room.sessions[SolutionRole.BUSINESS_OWNER]

    def plans(client: LiveClient) -> list[str]:
        return [p for p in parts(client) if 'id="plan"' in p]

    async def scenario() -> None:
        ste = await solution_socket(live_server.ws_url, room.id, room.solution["ste_session"])
        bo = await solution_socket(live_server.ws_url, room.id, bo_session)
        for client in (ste, bo):
            await client.wait_welcome()
        room.ste("POST", "/objectives", json={"title": "Go <live>"})
        await bo.wait_until(lambda: any("Go &lt;live&gt;" in p and "Give BV" in p for p in plans(bo)))
        # A change and a delete are told as the rest is (the last part the page got shows it).
        objective = room.ste("GET", "/objectives").json()["objectives"][0]["id"]
        room.ste("PUT", f"/objectives/{objective}", json={"title": "Go <later>"})
        await bo.wait_until(lambda: "Go &lt;later&gt;" in plans(bo)[-1])
        room.ste("DELETE", f"/objectives/{objective}")
        await bo.wait_until(lambda: "No solution objectives yet." in plans(bo)[-1])
        vote = room.ste("POST", "/vote").json()["id"]
        cast = room.call(SolutionRole.BUSINESS_OWNER, "POST", f"/vote/{vote}/ballots", json={"value": 3})
        assert cast.status_code == 200
        await bo.wait_until(lambda: any('class="your-vote">3<' in p for p in plans(bo)))
        await ste.wait_until(lambda: any('class="voted">1 voted<' in p for p in plans(ste)))
        assert not any("your-vote" in p or "Give BV" in p for p in plans(ste))  # the STE: not Bea's vote
        for client in (ste, bo):
            await client.close()

    run_async(scenario())


def test_a_revoked_members_vote_no_longer_counts(room: Room) -> None:
    vote = room.ste("POST", "/vote").json()["id"]
    for role, value in ((SolutionRole.SUPPLIER, 1), (SolutionRole.BUSINESS_OWNER, 5)):
        assert room.call(role, "POST", f"/vote/{vote}/ballots", json={"value": value}).status_code == 200
    store: SolutionStore = room.server.services.solutions
    supplier_link = next(lk for lk in store.links(room.id) if lk.kind == "supplier")
    room.ste("DELETE", f"/links/{supplier_link.id}")
    closed = room.ste("POST", f"/vote/{vote}/close").json()
    assert (closed["voted"], closed["average"]) == (1, 5.0)
