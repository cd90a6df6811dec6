"""Ops through the REST door against a real server and a real SQLite file."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from board import Op
from server.store.op_path import BatchRefused
from server.store.provision import FOUNDER
from server.version import __version__
from tests.conftest import BoardHandle


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def created_id(response: httpx.Response) -> str:
    body = ok(response)
    return str(body["changes"][0]["id"])


def setup_plan(board: BoardHandle) -> dict[str, str]:
    s = board.rte_session
    ids = {
        "i1": created_id(board.op(s, "iteration.create", args={"number": 1, "name": "I1"})),
        "i2": created_id(board.op(s, "iteration.create", args={"number": 2, "name": "I2"})),
        "ip": created_id(board.op(s, "iteration.create", args={"number": 3, "name": "IP", "is_ip": True})),
        "alpha": created_id(board.op(s, "team.create", args={"name": "Alpha"})),
        "beta": created_id(board.op(s, "team.create", args={"name": "Beta"})),
    }
    ids["f1"] = created_id(
        board.op(
            s,
            "feature.create",
            args={"title": "Checkout", "team_id": ids["alpha"], "iteration_id": ids["i1"]},
        )
    )
    ids["f2"] = created_id(
        board.op(
            s,
            "feature.create",
            args={"title": "Payments API", "team_id": ids["beta"], "iteration_id": ids["i1"]},
        )
    )
    return ids


def version_of(board: BoardHandle, kind: str, item_id: str) -> int:
    return int(board.read()["items"][kind][item_id]["version"])


def test_every_kind_of_item_is_created_updated_and_deleted(board: BoardHandle) -> None:
    s = board.rte_session
    ids = setup_plan(board)
    kinds: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "member": ({"name": "Dana", "team_id": ids["alpha"], "fte": 0.5}, {"fte": 1.0}),
        "story": (
            {"title": "Cart API", "team_id": ids["alpha"], "iteration_id": ids["i1"], "points": 3},
            {"points": 5},
        ),
        "milestone": ({"title": "Release 1", "iteration_id": ids["i2"]}, {"title": "Release 1.0"}),
        "dependency": (
            {"need": "Card tokens", "requesting_team_id": ids["alpha"], "provider_team_id": ids["beta"]},
            {"need": "Card tokens v2"},
        ),
        "objective": (
            {"team_id": ids["alpha"], "statement": "Checkout live for 10% of users"},
            {"committed": False},
        ),
        "risk": ({"title": "Vendor late"}, {"owner": "Ann"}),
        "agenda": ({"title": "Extra sync", "minutes": 15}, {"minutes": 20}),
    }
    for kind, (create_args, update_args) in kinds.items():
        item_id = created_id(board.op(s, f"{kind}.create", args=create_args))
        updated = ok(board.op(s, f"{kind}.update", target=item_id, base_version=1, args=update_args))
        after = updated["changes"][0]["after"]
        assert after["version"] == 2
        for field, value in update_args.items():
            assert after[field] == value, (kind, field)
        ok(board.op(s, f"{kind}.delete", target=item_id, base_version=2))
        assert item_id not in board.read()["items"][kind]


def test_moving_a_feature_re_plans_it_and_the_dependency_follows(board: BoardHandle) -> None:
    s = board.rte_session
    ids = setup_plan(board)
    dep = created_id(
        board.op(
            s,
            "dependency.create",
            args={
                "need": "Payments API",
                "requesting_team_id": ids["alpha"],
                "requesting_feature_id": ids["f1"],
                "provider_team_id": ids["beta"],
            },
        )
    )
    ok(board.op(s, "dependency.accept", target=dep, base_version=1, args={"provider_feature_id": ids["f2"]}))
    assert board.read()["derived"]["dependency_states"][dep] == "committed"
    ok(board.op(s, "feature.move", target=ids["f2"], base_version=1, args={"iteration_id": ids["i2"]}))
    derived = board.read()["derived"]
    assert derived["dependency_states"][dep] == "conflict"
    assert ids["f1"] in derived["at_risk"]["features"]
    assert derived["conflict_count"] == 1


def test_load_over_capacity_is_derived(board: BoardHandle) -> None:
    s = board.rte_session
    ids = setup_plan(board)
    ok(board.op(s, "member.create", args={"name": "Eve", "team_id": ids["alpha"]}))
    ok(
        board.op(
            s,
            "story.create",
            args={"title": "Big", "team_id": ids["alpha"], "iteration_id": ids["i1"], "points": 8},
        )
    )
    loads = {(x["team_id"], x["iteration_id"]): x for x in board.read()["derived"]["loads"]}
    assert loads[(ids["alpha"], ids["i1"])]["level"] == "above_target"
    ok(
        board.op(
            s,
            "story.create",
            args={"title": "More", "team_id": ids["alpha"], "iteration_id": ids["i1"], "points": 1},
        )
    )
    loads = {(x["team_id"], x["iteration_id"]): x for x in board.read()["derived"]["loads"]}
    assert loads[(ids["alpha"], ids["i1"])] | {} == {
        "team_id": ids["alpha"],
        "iteration_id": ids["i1"],
        "capacity": 8.0,
        "load": 9,
        "ratio": 9 / 8,
        "level": "overloaded",
    }
    assert loads[(ids["alpha"], ids["ip"])]["capacity"] == 0


def assert_refused_and_unchanged(
    board: BoardHandle, response: httpx.Response, status: int, error: str, words: str
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["error"] == error
    assert words in body["reason"]
    return body


def test_each_refusal_says_why_and_changes_nothing(board: BoardHandle) -> None:
    s = board.rte_session
    ids = setup_plan(board)
    team_session = board.join("team", "Tom", team_id=ids["alpha"])
    before = board.read()

    bad_value = board.op(s, "story.create", args={"title": "X", "team_id": ids["alpha"], "points": 1000})
    assert_refused_and_unchanged(board, bad_value, 422, "invalid", "points must be between 0 and 100")

    unknown = board.op(s, "feature.move", target="nope", base_version=1, args={"iteration_id": ids["i2"]})
    assert_refused_and_unchanged(board, unknown, 404, "not_found", "no feature with id 'nope'")

    ok(board.op(s, "feature.update", target=ids["f1"], base_version=1, args={"title": "Checkout v2"}))
    stale = board.op(s, "feature.update", target=ids["f1"], base_version=1, args={"title": "Mine"})
    body = assert_refused_and_unchanged(board, stale, 409, "stale", "changed by someone else")
    assert body["detail"]["current"]["title"] == "Checkout v2"
    assert body["detail"]["current"]["version"] == 2

    forbidden = board.op(team_session, "feature.create", args={"title": "Sneaky"})
    assert_refused_and_unchanged(board, forbidden, 403, "forbidden", "may not add a feature")
    other_team = board.op(team_session, "story.create", args={"title": "Theirs", "team_id": ids["beta"]})
    assert_refused_and_unchanged(board, other_team, 403, "forbidden", "their own team")

    malformed = board.op(s, "no such op")
    assert malformed.status_code == 422

    after = board.read()
    assert after["seq"] == before["seq"] + 1  # only the one accepted title change
    after["items"]["feature"][ids["f1"]]["title"] = "Checkout"
    after["items"]["feature"][ids["f1"]]["version"] = 1
    assert after["items"] == before["items"]


def test_unauthenticated_and_foreign_sessions_are_refused(board: BoardHandle, live_server: Any) -> None:
    with live_server.client() as anonymous:
        assert anonymous.get(f"/api/boards/{board.id}").status_code == 401
    with live_server.client() as other:
        second = other.post("/api/boards", json={"name": "Other ART"}).json()
    with live_server.client(second["rte_session"]) as c:
        r = c.get(f"/api/boards/{board.id}")
    assert r.status_code == 401
    assert "another board" in r.json()["reason"]


def test_a_repeated_client_op_id_changes_nothing(board: BoardHandle) -> None:
    s = board.rte_session
    first = ok(board.op(s, "team.create", args={"name": "Gamma"}, client_op_id="laptop-7:op-1"))
    again = ok(board.op(s, "team.create", args={"name": "Gamma"}, client_op_id="laptop-7:op-1"))
    assert again["duplicate"] is True
    assert again["seq"] == first["seq"]
    teams = board.read()["items"]["team"]
    assert [t["name"] for t in teams.values()] == ["Gamma"]


def test_twenty_concurrent_writers_keep_seq_gapless_and_lose_no_update(board: BoardHandle) -> None:
    s = board.rte_session
    ids = setup_plan(board)
    start_seq = board.read()["seq"]
    writers, rounds = 20, 2
    errors: list[str] = []

    def writer(n: int) -> None:
        with board.server.client(s) as c:
            for r in range(rounds):
                created = c.post(
                    f"/api/boards/{board.id}/ops",
                    json={"type": "story.create", "args": {"title": f"w{n}-r{r}", "team_id": ids["alpha"]}},
                )
                if created.status_code != 200:
                    errors.append(created.text)
                # read-modify-write on one shared card: retry on stale, never overwrite blindly
                while True:
                    current = c.get(f"/api/boards/{board.id}").json()["items"]["feature"][ids["f1"]]
                    marks = current["description"]
                    r2 = c.post(
                        f"/api/boards/{board.id}/ops",
                        json={
                            "type": "feature.update",
                            "target": ids["f1"],
                            "base_version": current["version"],
                            "args": {"description": f"{marks} w{n}r{r}".strip()},
                        },
                    )
                    if r2.status_code == 200:
                        break
                    if r2.status_code != 409:
                        errors.append(r2.text)
                        break

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    final = board.read()
    accepted = writers * rounds * 2
    assert final["seq"] == start_seq + accepted
    with board.rte() as c:
        events = c.get(f"/api/boards/{board.id}/events", params={"since": start_seq, "limit": 1000}).json()
    assert [e["seq"] for e in events] == list(range(start_seq + 1, start_seq + accepted + 1))
    marks = final["items"]["feature"][ids["f1"]]["description"].split()
    assert sorted(marks) == sorted(f"w{n}r{r}" for n in range(writers) for r in range(rounds))
    assert len(final["items"]["story"]) == writers * rounds


def test_events_since_returns_what_a_client_missed(board: BoardHandle) -> None:
    s = board.rte_session
    seq = board.read()["seq"]
    ok(board.op(s, "team.create", args={"name": "Delta"}))
    ok(board.op(s, "team.create", args={"name": "Epsilon"}))
    with board.rte() as c:
        events = c.get(f"/api/boards/{board.id}/events", params={"since": seq}).json()
    assert [e["op"]["type"] for e in events] == ["team.create", "team.create"]
    assert [e["changes"][0]["after"]["name"] for e in events] == ["Delta", "Epsilon"]
    assert events[0]["actor"]["role"] == "rte"


def test_a_body_over_the_limit_is_refused(board: BoardHandle) -> None:
    huge = "x" * (board.server.settings.max_body_bytes + 10)
    r = board.op(board.rte_session, "team.create", args={"name": huge})
    assert r.status_code == 413
    assert "request body over" in r.json()["reason"]


def test_openapi_and_health(board: BoardHandle) -> None:
    with board.server.client() as c:
        spec = c.get("/openapi.json").json()
        health = c.get("/healthz").json()
    assert "/api/boards/{board_id}/ops" in spec["paths"]
    assert "/api/boards/{board_id}/events" in spec["paths"]
    database = board.server.services.engine.dialect.name
    assert health == {"status": "ok", "database": database, "version": __version__}
    assert spec["info"]["version"] == __version__


def test_the_board_replayed_from_its_events_equals_the_stored_board(board: BoardHandle) -> None:
    ids = setup_plan(board)
    s = board.rte_session
    ok(board.op(s, "feature.move", target=ids["f1"], base_version=1, args={"iteration_id": ids["i2"]}))
    middle = board.read()["seq"]
    ok(board.op(s, "feature.delete", target=ids["f2"], base_version=1))
    op_path = board.server.services.op_path
    assert op_path.state_at(board.id, board.read()["seq"]).items == op_path.state(board.id).items
    then = op_path.state_at(board.id, middle)
    assert ids["f2"] in then.items["feature"]
    assert then.items["feature"][ids["f1"]].iteration_id == ids["i2"]


def test_a_board_whose_follow_up_ops_are_refused_is_not_created_at_all(board: BoardHandle) -> None:
    op_path = board.server.services.op_path
    before = op_path.boards()
    follow_up = [Op("team.create", args={"name": "Alpha"}), Op("team.create", args={"name": "alpha"})]
    with pytest.raises(BatchRefused, match="op 2 was refused: a team named 'alpha' exists already"):
        op_path.create_board("Half made", FOUNDER, then=lambda _created: follow_up)
    assert op_path.boards() == before


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("NaN", "the request body holds NaN"),
        ("Infinity", "the request body holds Infinity"),
        ("-Infinity", "the request body holds -Infinity"),
        ('"\\ud800"', "base_version"),
    ],
)
def test_a_value_json_cannot_write_back_is_refused_with_its_reason(
    board: BoardHandle, value: str, why: str
) -> None:
    """The refusal says why without echoing the value: echoing NaN made the answer a 500. JSON has no
    NaN: the body is refused as it is read; a lone surrogate is read, then refused by the field."""
    body = '{"type": "risk.create", "args": {"title": "x"}, "base_version": ' + value + "}"
    with board.rte() as c:
        answer = c.post(
            f"/api/boards/{board.id}/ops", content=body, headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid" and why in answer.json()["reason"]
