"""Cross-train dependencies (issue 29, docs/solution.md) on a real server with real websocket clients:
a team of train A asks a team of train B; the request shows on B's screens live, B's answer on A's,
and B planning the work too late is a conflict on both. SQLite, and PostgreSQL with
PIBOARD_TEST_DATABASE=postgres; two servers on one PostgreSQL database in test_cross_train_pg.py."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from board import Op
from board.model import Role
from board.roles import Actor
from server.store.op_path import OpPath
from server.watch.cross_train import CrossTrainWatch
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.integration.test_solutions import dated, join, make_solution, train_link
from tests.live.client import LiveClient, run_async

DATES = (
    ("2027-01-04", "2027-01-15"),
    ("2027-01-18", "2027-01-29"),
    ("2027-02-01", "2027-02-12"),
)
_ids = itertools.count(1)


@dataclass
class Train:
    board: BoardHandle
    team: str
    iterations: list[str]  # ids, by number
    member: str  # a team member's session

    def state_of(self, dep_id: str) -> str:
        return str(self.board.read()["derived"]["dependency_states"][dep_id])

    def dep(self, dep_id: str) -> dict[str, Any]:
        return dict(self.board.read()["items"]["dependency"][dep_id])


@dataclass
class Solution:
    body: dict[str, Any]
    a: Train
    b: Train


def made(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["changes"][0]["id"])


def a_train(server: LiveServer, name: str, team: str, member: str) -> Train:
    board = dated(create_board(server, name), DATES)
    team_id = made(board.op(board.rte_session, "team.create", args={"name": team}))
    iterations = sorted(board.read()["items"]["iteration"].values(), key=lambda i: i["number"])
    return Train(board, team_id, [i["id"] for i in iterations], board.join("team", member, team_id))


def two_trains(server: LiveServer) -> Solution:
    body = make_solution(server)
    link = train_link(server, body)
    a = a_train(server, "Train A", "Alpha", "Ann")
    b = a_train(server, "Train B", "Checkout", "Cleo")
    for t in (a, b):
        assert join(t.board, link).status_code == 200
    return Solution(body, a, b)


@pytest.fixture(scope="module")
def solution(live_server: LiveServer) -> Solution:
    return two_trains(live_server)


def feature(train: Train, iteration: int) -> str:
    """A feature of the train's team planned in iteration ``iteration``."""
    args = {
        "title": f"Feature {next(_ids)}",
        "team_id": train.team,
        "iteration_id": train.iterations[iteration - 1],
    }
    return made(train.board.op(train.board.rte_session, "feature.create", args=args))


def ask_args(s: Solution, dep_id: str, need_feature: str, **more: Any) -> dict[str, Any]:
    return {
        "id": dep_id,
        "need": "A payment API",
        "requesting_team_id": s.a.team,
        "requesting_feature_id": need_feature,
        "provider_train": f"{s.b.board.id}/{s.b.team}",
        **more,
    }


def changed(client: LiveClient, item_id: str, **fields: Any) -> bool:
    """Whether an event the client received left ``item_id`` with these field values."""
    return any(
        ch["id"] == item_id
        and ch.get("after") is not None
        and all(ch["after"].get(k) == v for k, v in fields.items())
        for e in client.events
        for ch in e["changes"]
    )


def test_a_request_shows_on_b_live_b_s_answer_on_a_and_b_planning_later_conflicts_on_both(
    live_server: LiveServer, solution: Solution
) -> None:
    s = solution
    need = feature(s.a, 2)  # A needs it by iteration 2
    dep = f"pay{next(_ids)}"

    async def scenario() -> None:
        on_a = await LiveClient.connect(live_server.ws_url, s.a.board.id, s.a.member, last_seq=None, name="a")
        on_b = await LiveClient.connect(live_server.ws_url, s.b.board.id, s.b.member, last_seq=None, name="b")
        await on_a.wait_until(lambda: bool(on_a.resets))
        await on_b.wait_until(lambda: bool(on_b.resets))

        asked = await on_a.op("dependency.create", args=ask_args(s, dep, need))
        await on_a.wait_acks([asked])
        # On B's screens without a reload: Checkout is asked, by Train A's Alpha, by B's iteration 2.
        mirror = f"x-{dep}"
        await on_b.wait_until(
            lambda: changed(
                on_b,
                mirror,
                provider_team_id=s.b.team,
                external_party="Train A · Alpha",
                needed_by_iteration_id=s.b.iterations[1],
                requester_train=f"{s.a.board.id}/{dep}",
            )
        )
        assert s.b.state_of(mirror) == "requested"

        api = feature(s.b, 1)
        version = s.b.dep(mirror)["version"]
        accepted = await on_b.op(
            "dependency.accept", target=mirror, base_version=version, args={"provider_feature_id": api}
        )
        await on_b.wait_acks([accepted])
        await on_a.wait_until(
            lambda: changed(on_a, dep, status="accepted", promised_iteration_id=s.a.iterations[0])
        )
        assert s.a.state_of(dep) == s.b.state_of(mirror) == "committed"

        # B moves the work after A's need: a conflict on both boards, A's shown live.
        moved = await on_b.op(
            "feature.move",
            target=api,
            base_version=s.b.board.read()["items"]["feature"][api]["version"],
            args={"iteration_id": s.b.iterations[2]},
        )
        await on_b.wait_acks([moved])
        await on_a.wait_until(lambda: changed(on_a, dep, promised_iteration_id=s.a.iterations[2]))
        assert s.a.state_of(dep) == s.b.state_of(mirror) == "conflict"
        (answer,) = [e for e in on_a.events if e["op"]["type"] == "crosstrain.answer"][-1:]
        assert answer["actor"]["name"] == "the solution for Cleo of Train B"
        await on_a.close()
        await on_b.close()

    run_async(scenario())


def test_a_moving_its_need_later_reaches_b_and_settles_b_s_proposal(solution: Solution) -> None:
    s = solution
    need = feature(s.a, 1)
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, need)))
    mirror = f"x-{dep}"
    version = s.b.dep(mirror)["version"]
    proposal = {"promised_iteration_id": s.b.iterations[2], "answer": "Iteration 1 is full"}
    made(s.b.board.op(s.b.member, "dependency.propose", target=mirror, base_version=version, args=proposal))
    assert s.a.dep(dep)["answer"] == "Iteration 1 is full"
    assert s.a.state_of(dep) == "proposed"
    feature_version = s.a.board.read()["items"]["feature"][need]["version"]
    to_three = {"iteration_id": s.a.iterations[2]}
    made(s.a.board.op(s.a.member, "feature.move", target=need, base_version=feature_version, args=to_three))
    assert s.b.dep(mirror)["needed_by_iteration_id"] == s.b.iterations[2]
    assert s.b.state_of(mirror) == s.a.state_of(dep) == "committed"


def test_withdrawing_a_request_takes_its_mirror_away(solution: Solution) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, feature(s.a, 1))))
    assert f"x-{dep}" in s.b.board.read()["items"]["dependency"]
    version = s.a.dep(dep)["version"]
    deleted = s.a.board.op(s.a.member, "dependency.delete", target=dep, base_version=version)
    assert deleted.status_code == 200, deleted.text
    assert f"x-{dep}" not in s.b.board.read()["items"]["dependency"]


@pytest.mark.parametrize(
    "provider_train",
    ["{a}/{a_team}", "{b}/no-such-team", "elsewhere/{b_team}", "{b}"],
    ids=["own train", "no such team", "no train of the solution", "no team"],
)
def test_asking_what_is_no_team_of_another_train_of_the_solution_is_refused(
    solution: Solution, provider_train: str
) -> None:
    s = solution
    ref = provider_train.format(a=s.a.board.id, a_team=s.a.team, b=s.b.board.id, b_team=s.b.team)
    before = s.a.board.read()["seq"]
    args = {"need": "x", "requesting_team_id": s.a.team, "provider_train": ref}
    refused = s.a.board.op(s.a.member, "dependency.create", args=args)
    assert refused.status_code == 422, refused.text
    assert "not a team of another train of this board's solution" in refused.json()["reason"]
    assert s.a.board.read()["seq"] == before


def test_a_train_outside_the_solution_cannot_be_asked(live_server: LiveServer, solution: Solution) -> None:
    s = solution
    outside = create_board(live_server, "Train C")
    team = made(outside.op(outside.rte_session, "team.create", args={"name": "Loner"}))
    args = {"need": "x", "requesting_team_id": s.a.team, "provider_train": f"{outside.id}/{team}"}
    assert s.a.board.op(s.a.member, "dependency.create", args=args).status_code == 422


def test_a_member_of_a_sees_nothing_of_b_but_what_the_dependency_says(solution: Solution) -> None:
    s = solution
    with s.b.board.server.client(s.a.member) as c:
        assert c.get(f"/api/boards/{s.b.board.id}").status_code == 401
        assert c.get(f"/b/{s.b.board.id}/program").status_code in (401, 403)


def test_nobody_acts_on_a_mirror_but_b_s_team_and_nobody_writes_as_the_solution(solution: Solution) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, feature(s.a, 1))))
    mirror = f"x-{dep}"
    before_a, before_b = s.a.board.read()["seq"], s.b.board.read()["seq"]
    # A's team cannot answer for B on A's board, nor write B's side with the solution's ops.
    version = s.a.dep(dep)["version"]
    answering = s.a.board.op(s.a.member, "dependency.accept", target=dep, base_version=version, args={})
    assert answering.status_code == 403 and "answers this on its own train's board" in answering.text
    # No session of any role, on either train, sends what only the solution sends.
    for train in (s.a, s.b):
        sessions = [train.board.rte_session, train.member] + [
            train.board.join(role.value, f"Someone {role.value}")
            for role in (Role.PRODUCT_MANAGEMENT, Role.ARCHITECT, Role.BUSINESS_OWNER)
        ]
        for session in sessions:
            for op_type, target in (("crosstrain.mirror", mirror), ("crosstrain.answer", dep)):
                args = {"seq": 10**9, "need": "mine", "provider_team_id": s.b.team, "status": "done"}
                sent = train.board.op(session, op_type, target=target, args=args)
                assert sent.status_code == 403, sent.text
    # B's RTE does not change the request on B: it changes on A.
    version = s.b.dep(mirror)["version"]
    edit = s.b.board.op(
        s.b.board.rte_session, "dependency.update", target=mirror, base_version=version, args={"need": "x"}
    )
    assert edit.status_code == 403 and "comes from Train A · Alpha" in edit.text
    assert (s.a.board.read()["seq"], s.b.board.read()["seq"]) == (before_a, before_b)


def commit_elsewhere(server: LiveServer, s: Solution, dep: str) -> None:
    """Another process on the same database commits A's request ``dep`` and stops before writing its
    mirror: its op path asks the other trains as the server's does, but no cross-train sync follows."""
    other = OpPath(server.services.engine)
    other.other_trains = server.services.cross_train.team_words
    ann = Actor("ann-elsewhere", "Ann", Role.TEAM, s.a.team)
    other.submit(s.a.board.id, Op("dependency.create", args=ask_args(s, dep, feature(s.a, 1))), ann)
    assert f"x-{dep}" not in s.b.board.read()["items"]["dependency"]


def test_the_periodic_pass_writes_a_mirror_a_stopped_process_did_not_write(
    live_server: LiveServer, solution: Solution
) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    commit_elsewhere(live_server, s, dep)

    async def scenario() -> None:
        watch = CrossTrainWatch(live_server.services.cross_train, tick=0.05)
        watch.start()
        try:
            while f"x-{dep}" not in s.b.board.read()["items"]["dependency"]:
                await asyncio.sleep(0.05)
        finally:
            await watch.stop()

    run_async(asyncio.wait_for(scenario(), 30))
    assert s.b.dep(f"x-{dep}")["need"] == "A payment API"


def test_a_mirror_a_stopped_process_did_not_write_is_written_when_the_solution_page_opens(
    live_server: LiveServer, solution: Solution
) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    commit_elsewhere(live_server, s, dep)
    with live_server.client(s.body["ste_session"]) as c:
        assert c.get(f"/s/{s.body['id']}/").status_code == 200
    assert s.b.dep(f"x-{dep}")["need"] == "A payment API"


def test_the_dependency_forms_offer_the_other_trains_teams_and_asking_from_a_form_works(
    solution: Solution,
) -> None:
    s = solution
    ref = f"{s.b.board.id}/{s.b.team}"
    option = f'<option value="{ref}">Train B · Checkout</option>'
    with s.a.board.server.client(s.a.member) as c:
        program = c.get(f"/b/{s.a.board.id}/program").text
        team = c.get(f"/b/{s.a.board.id}/team/{s.a.team}").text
        assert '<optgroup label="Other trains">' in program and option in program
        assert '<optgroup label="Other trains">' in team and option in team
        dep = f"form{next(_ids)}"
        fields = {
            "type": "dependency.create",
            "args.id": dep,
            "args.need": "Card tokens",
            "args.requesting_team_id": s.a.team,
            "args.provider_team_id": ref,
            "args.external_party": "",
        }
        sent = c.post(f"/b/{s.a.board.id}/ops", data=fields)
        assert sent.status_code == 204, sent.text
        # The request's edit form names the other train's team it asks.
        assert option.replace('">', '" selected>') in c.get(f"/b/{s.a.board.id}/team/{s.a.team}").text
    assert s.a.dep(dep)["provider_train"] == ref and s.a.dep(dep)["external_party"] == "Train B · Checkout"
    with s.b.board.server.client(s.b.member) as c:
        asked_of_b = c.get(f"/b/{s.b.board.id}/team/{s.b.team}").text
    assert "Card tokens" in asked_of_b and "Train A · Alpha" in asked_of_b
    # A train outside any solution offers no other train.
    alone = create_board(s.a.board.server, "Alone")
    with s.a.board.server.client(alone.rte_session) as c:
        assert "Other trains" not in c.get(f"/b/{alone.id}/program").text


def test_an_edit_of_the_request_keeps_the_other_trains_answer_and_its_words(solution: Solution) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, feature(s.a, 2))))
    mirror = f"x-{dep}"
    accepted = s.b.board.op(
        s.b.member,
        "dependency.accept",
        target=mirror,
        base_version=s.b.dep(mirror)["version"],
        args={"promised_iteration_id": s.b.iterations[0]},
    )
    assert accepted.status_code == 200, accepted.text
    edit = {
        "need": "A faster payment API",
        "external_party": "Someone else",
        "provider_train": ask_args(s, "", "")["provider_train"],
    }
    made(
        s.a.board.op(
            s.a.member, "dependency.update", target=dep, base_version=s.a.dep(dep)["version"], args=edit
        )
    )
    assert (s.a.dep(dep)["external_party"], s.a.state_of(dep)) == ("Train B · Checkout", "committed")
    assert s.b.dep(mirror)["need"] == "A faster payment API"
    # Asking a team of its own train instead withdraws the request from B.
    bravo = made(s.a.board.op(s.a.board.rte_session, "team.create", args={"name": f"Bravo {dep}"}))
    version = s.a.dep(dep)["version"]
    made(
        s.a.board.op(
            s.a.member,
            "dependency.update",
            target=dep,
            base_version=version,
            args={"provider_team_id": bravo},
        )
    )
    assert s.a.dep(dep)["provider_train"] == ""
    assert mirror not in s.b.board.read()["items"]["dependency"]


def test_each_train_s_export_imports_alone_as_a_train_outside_any_solution(solution: Solution) -> None:
    s = solution
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, feature(s.a, 2))))
    made(
        s.b.board.op(
            s.b.member,
            "dependency.accept",
            target=f"x-{dep}",
            base_version=s.b.dep(f"x-{dep}")["version"],
            args={"promised_iteration_id": s.b.iterations[0]},
        )
    )
    for train in (s.a, s.b):
        with train.board.server.client(train.board.rte_session) as c:
            exported = c.get(f"/api/boards/{train.board.id}/export.json").content
            assert b'"provider_train"' in exported and b'"requester_train"' in exported
            imported = c.post(
                "/api/boards/import", content=exported, headers={"content-type": "application/json"}
            )
        assert imported.status_code == 201, imported.text
        copy = imported.json()["board"]["id"]
        with train.board.server.client(imported.json()["rte_session"]) as c:
            deps = c.get(f"/api/boards/{copy}").json()["items"]["dependency"].values()
        # A's request stays, as an external party's (the copy is no train of a solution); B's mirror of
        # it is the solution's copy of A's request, not B's own: it is left out.
        needs = {(d["need"], d["external_party"], d["provider_train"], d["status"]) for d in deps}
        if train is s.a:
            assert ("A payment API", "Train B · Checkout", "", "accepted") in needs
        else:
            assert not any(d["requester_train"] for d in deps)


def asked_and_accepted(s: Solution) -> str:
    dep = f"pay{next(_ids)}"
    made(s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, dep, feature(s.a, 2))))
    promise = {"promised_iteration_id": s.b.iterations[0]}
    version = s.b.dep(f"x-{dep}")["version"]
    made(s.b.board.op(s.b.member, "dependency.accept", target=f"x-{dep}", base_version=version, args=promise))
    assert s.a.state_of(dep) == "committed"
    return dep


def test_a_train_taken_out_of_the_solution_leaves_each_request_as_an_external_party_s(
    live_server: LiveServer,
) -> None:
    s = two_trains(live_server)
    dep = asked_and_accepted(s)
    with live_server.client(s.body["ste_session"]) as c:
        assert c.delete(f"/api/solutions/{s.body['id']}/trains/{s.b.board.id}").status_code == 204
    request = s.a.dep(dep)
    assert (request["provider_train"], request["external_party"]) == ("", "Train B · Checkout")
    assert s.a.state_of(dep) == "committed"  # B's last answer stands
    assert f"x-{dep}" not in s.b.board.read()["items"]["dependency"]
    # Its team is no longer offered, nor may it be asked.
    with live_server.client(s.a.member) as c:
        assert "Other trains" not in c.get(f"/b/{s.a.board.id}/team/{s.a.team}").text
    refused = s.a.board.op(s.a.member, "dependency.create", args=ask_args(s, f"again{next(_ids)}", None))
    assert refused.status_code == 422


def test_the_reconcile_pass_releases_the_requests_of_a_train_that_left_unnoticed(
    live_server: LiveServer,
) -> None:
    s = two_trains(live_server)
    dep = asked_and_accepted(s)
    # Taken out by another process that stopped before releasing anything.
    live_server.services.solutions.remove_train(s.body["id"], s.b.board.id)
    assert s.a.dep(dep)["provider_train"]
    with live_server.client(s.body["ste_session"]) as c:
        assert c.get(f"/s/{s.body['id']}/").status_code == 200
    assert s.a.dep(dep)["provider_train"] == ""
    assert f"x-{dep}" not in s.b.board.read()["items"]["dependency"]
