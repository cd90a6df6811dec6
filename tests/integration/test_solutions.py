"""Solutions (issue 29) at their doors: an STE makes one, a train's RTE joins the train with the STE's
train link, and the solution says where the trains' dates disagree. Every refusal is a 4xx that says
why and changes nothing. Runs on SQLite and on PostgreSQL (PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.store.db import make_engine, upgrade
from server.store.op_path import OpPath
from server.store.solutions import SolutionStore, solution_cookie_name
from tests.conftest import BoardHandle, LiveServer, create_board

OLD_DUMP = Path(__file__).resolve().parent.parent / "data" / "piboard-0.1.0.sql"
DATES = (("2027-01-04", "2027-01-15"), ("2027-01-18", "2027-01-29"))


def make_solution(server: LiveServer, name: str = "Payments", **more: Any) -> dict[str, Any]:
    made = httpx.post(f"{server.url}/api/solutions", json={"name": name, "ste_name": "Sofia", **more})
    assert made.status_code == 201, made.text
    return dict(made.json())


def read(server: LiveServer, solution: dict[str, Any], session: str | None = None) -> httpx.Response:
    with server.client(session or solution["ste_session"]) as c:
        return c.get(f"/api/solutions/{solution['id']}")


def train_link(server: LiveServer, solution: dict[str, Any], kind: str = "train") -> str:
    with server.client(solution["ste_session"]) as c:
        made = c.post(f"/api/solutions/{solution['id']}/links", json={"kind": kind, "label": "for a train"})
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def join(board: BoardHandle, link: str, session: str | None = None) -> httpx.Response:
    with board.server.client(session or board.rte_session) as c:
        return c.post(f"/api/boards/{board.id}/solution", json={"link": link})


def dated(board: BoardHandle, dates: tuple[tuple[str, str], ...] = DATES) -> BoardHandle:
    for number, (start, end) in enumerate(dates, 1):
        args = {"number": number, "start": start, "end": end}
        made = board.op(board.rte_session, "iteration.create", args=args)
        assert made.status_code == 200, made.text
    return board


def test_the_maker_of_a_solution_is_its_ste(live_server: LiveServer) -> None:
    solution = make_solution(live_server, "Payments <Platform>", pi_name="PI 2027.1")
    assert "/s/join/" in solution["ste_join_url"]
    body = read(live_server, solution).json()
    assert body["name"] == "Payments <Platform>" and body["pi_name"] == "PI 2027.1"
    assert body["you"] == {"name": "Sofia", "role": "ste"}
    assert body["trains"] == [] and body["cadence"]["agreed"] is True


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Ok", "ste_name": "a\u0007b"}, "name"),
        ({"name": "Ok", "ste_name": "   "}, "name"),
        ({"name": "Ok", "pi_name": "p" * 121}, "pi_name"),
        ({"name": "Ok", "owner": "me"}, "owner"),
    ],
)
def test_a_refused_solution_is_not_made(live_server: LiveServer, body: dict[str, Any], why: str) -> None:
    store: SolutionStore = live_server.services.solutions
    with store.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM solution").scalar()
    refused = httpx.post(f"{live_server.url}/api/solutions", json=body)
    assert refused.status_code == 422, refused.text
    assert why in refused.text
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM solution").scalar() == before


def test_only_someone_of_the_solution_reads_it(live_server: LiveServer) -> None:
    solution, other = make_solution(live_server), make_solution(live_server, "Other")
    assert read(live_server, solution, "nonsense").status_code == 401
    with live_server.client() as c:
        nobody = c.get(f"/api/solutions/{solution['id']}")
    assert nobody.status_code == 401 and "join this solution first" in nobody.text
    foreign = read(live_server, solution, other["ste_session"])
    assert foreign.status_code == 401 and "another solution" in foreign.text
    board = create_board(live_server)  # a board's session opens no solution
    assert read(live_server, solution, board.rte_session).status_code == 401


def test_the_ste_makes_links_and_solution_management_may_not(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    role_link = train_link(live_server, solution, "solution_management")
    token = role_link.rsplit("/", 1)[1]
    joined = httpx.post(f"{live_server.url}/api/solutions/join", json={"token": token, "name": "Mia"})
    assert joined.status_code == 200, joined.text
    sm = joined.json()["session"]
    assert read(live_server, solution, sm).json()["you"] == {"name": "Mia", "role": "solution_management"}
    with live_server.client(sm) as c:
        refused = c.post(f"/api/solutions/{solution['id']}/links", json={"kind": "train"})
    assert refused.status_code == 403
    assert refused.json()["reason"] == "Solution Management may not make join links"
    with live_server.client(solution["ste_session"]) as c:
        bad = c.post(f"/api/solutions/{solution['id']}/links", json={"kind": "rte"})
    assert bad.status_code == 422 and "a train or one of its roles" in bad.text
    train_token = train_link(live_server, solution).rsplit("/", 1)[1]
    as_person = httpx.post(f"{live_server.url}/api/solutions/join", json={"token": train_token, "name": "T"})
    assert as_person.status_code == 403 and "joins a train" in as_person.text


def test_a_trains_rte_joins_it_once_and_the_solution_shows_it(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    link = train_link(live_server, solution)
    board = dated(create_board(live_server, "Cards <ART>"))
    first = join(board, link)
    assert first.status_code == 200, first.text
    assert first.json() == {"solution_id": solution["id"], "joined": True}
    assert join(board, link.rsplit("/", 1)[1]).json()["joined"] is False  # the token alone; again: no change
    (train,) = read(live_server, solution).json()["trains"]
    assert train["board_id"] == board.id and train["name"] == "Cards <ART>" and train["joined_by"] == "RTE"
    assert train["agrees"] is True and train["pi_start"] == "2027-01-04"
    assert [i["end"] for i in train["iterations"]] == ["2027-01-15", "2027-01-29"]


def test_only_the_rte_joins_a_train_and_only_with_a_train_link(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    link = train_link(live_server, solution)
    board = create_board(live_server)
    team = board.op(board.rte_session, "team.create", args={"name": "Atlas"}).json()["changes"][0]["id"]
    for session in (board.join("pm", "Paul"), board.join("team", "Tess", team)):
        refused = join(board, link, session)
        assert refused.status_code == 403 and "only the RTE" in refused.json()["reason"]
    person_link = train_link(live_server, solution, "supplier")
    assert join(board, person_link).status_code == 403
    assert join(board, "not a link at all!").status_code == 422
    assert join(board, "x" * 301).status_code == 422
    assert join(board, "https://elsewhere/s/train/" + "A" * 43).status_code == 403
    with live_server.client() as c:
        assert c.post(f"/api/boards/{board.id}/solution", json={"link": link}).status_code == 401
    assert read(live_server, solution).json()["trains"] == []


def test_a_train_of_one_solution_may_not_join_another(live_server: LiveServer) -> None:
    first, second = make_solution(live_server), make_solution(live_server, "Second")
    board = create_board(live_server)
    assert join(board, train_link(live_server, first)).status_code == 200
    refused = join(board, train_link(live_server, second))
    assert refused.status_code == 409 and "already part of another solution" in refused.text
    assert read(live_server, second).json()["trains"] == []


def test_the_solution_says_which_trains_dates_disagree(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    link = train_link(live_server, solution)
    a = dated(create_board(live_server, "Train A"))
    b = dated(create_board(live_server, "Train B"), (DATES[0], ("2027-01-18", "2027-02-05")))
    undated = create_board(live_server, "Train C")
    for board in (a, b, undated):
        assert join(board, link).status_code == 200
    body = read(live_server, solution).json()
    assert body["cadence"]["agreed"] is False and body["cadence"]["set_by"] == a.id
    found = {t["name"]: t["disagreements"] for t in body["trains"]}
    assert found == {
        "Train A": [],
        "Train B": [
            "the PI ends 2027-02-05 here but 2027-01-29 on Train A",
            "Iteration 2 ends 2027-02-05 here but 2027-01-29 on Train A",
        ],
        "Train C": ["it has no iterations yet"],
    }
    htmx = {"HX-Request": "true"}
    for board, says in ((a, "keep the solution's cadence"), (b, "Iteration 2 ends 2027-02-05 here")):
        with httpx.Client(base_url=live_server.url, cookies={f"pb_{board.id}": board.rte_session}) as c:
            assert says in c.get(f"/b/{board.id}/admin/solution", headers=htmx).text


def test_the_admin_page_joins_the_train_and_says_why_not(live_server: LiveServer) -> None:
    solution = make_solution(live_server, "Payments <i>Platform</i>")
    link = train_link(live_server, solution)
    board = create_board(live_server)
    cookies = {"pb_" + board.id: board.rte_session}
    same_site = {"Sec-Fetch-Site": "same-origin", "HX-Request": "true"}
    with httpx.Client(base_url=live_server.url, cookies=cookies, headers=same_site) as c:
        panel = c.get(f"/b/{board.id}/admin/solution")
        assert panel.status_code == 200 and "Join the solution" in panel.text
        refused = c.post(f"/b/{board.id}/admin/solution", data={"link": "https://x/s/train/" + "B" * 43})
        assert refused.status_code == 403 and "Not joined: this solution link is not valid" in refused.text
        assert 'name="link"' in refused.text  # the field again, to paste the right one
        joined = c.post(f"/b/{board.id}/admin/solution", data={"link": link})
        assert joined.status_code == 200 and "joined just now" in joined.text
        assert "it has no iterations yet" in joined.text  # what the RTE has to fix
        assert "Payments &lt;i&gt;Platform&lt;/i&gt;" in joined.text and "<i>Platform" not in joined.text
        assert "Join the solution" not in c.get(f"/b/{board.id}/admin/solution").text
    with httpx.Client(base_url=live_server.url, cookies=cookies) as c:  # opened at its own address
        whole = c.get(f"/b/{board.id}/admin/solution")
        assert whole.status_code == 200 and "<title>Admin · " in whole.text
        assert f'hx-get="/b/{board.id}/admin/solution"' in whole.text  # the Admin page, which holds it
    with httpx.Client(base_url=live_server.url, cookies=cookies, headers=same_site) as c:
        foreign = c.post(
            f"/b/{board.id}/admin/solution", data={"link": link}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert foreign.status_code == 403


def test_the_solution_page_is_the_stes_and_escapes_names(live_server: LiveServer) -> None:
    solution = make_solution(live_server, "<script>alert(1)</script>")
    board = dated(create_board(live_server, "Cards <b>ART</b>"))
    assert join(board, train_link(live_server, solution)).status_code == 200
    cookie = {solution_cookie_name(solution["id"]): solution["ste_session"]}
    with httpx.Client(base_url=live_server.url, cookies=cookie) as c:
        page = c.get(f"/s/{solution['id']}/")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "Cards &lt;b&gt;ART&lt;/b&gt;" in page.text and "sets the cadence" in page.text
    assert "/s/train/" in page.text  # the STE sees the live train link
    assert "Revoke the link for" in page.text and "Take Cards &lt;b&gt;ART&lt;/b&gt; out" in page.text
    assert "The Solution Train Engineer" in page.text  # the STE's own link, to sign in elsewhere
    (own,) = [lk for lk in live_server.services.solutions.links(solution["id"]) if lk.kind == "ste"]
    with live_server.client(solution["ste_session"]) as c:
        last = c.delete(f"/api/solutions/{solution['id']}/links/{own.id}")
    assert last.status_code == 409 and "only STE link" in last.text
    assert "No capabilities yet" in page.text and "Add the capability" in page.text
    cap = capability(live_server, solution, solution["ste_session"], title="Pay <now>").json()["id"]
    assert split(live_server, solution, solution["ste_session"], cap).status_code == 200
    with httpx.Client(base_url=live_server.url, cookies=cookie) as c:
        shown = c.get(f"/s/{solution['id']}/").text
    assert "Pay &lt;now&gt;" in shown and 'data-progress="funnel"' in shown
    assert "Split into a feature per train" not in shown  # every train has its feature
    with httpx.Client(base_url=live_server.url, cookies=cookie) as c:
        made = c.post(f"/s/{solution['id']}/links", data={"kind": "supplier", "label": "Acme <GmbH>"})
        assert made.status_code == 303 and "Acme &lt;GmbH&gt;" in c.get(f"/s/{solution['id']}/").text
        foreign = c.post(
            f"/s/{solution['id']}/links", data={"kind": "train"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert foreign.status_code == 403  # another site's page may not post with the solution's cookie
        assert c.post(f"/s/{solution['id']}/links", data={"kind": "owner"}).status_code == 422
        acme = next(
            lk for lk in live_server.services.solutions.links(solution["id"]) if lk.label == "Acme <GmbH>"
        )
        assert c.post(f"/s/{solution['id']}/links/{acme.id}/revoke").status_code == 303
        assert "Acme &lt;GmbH&gt;" not in c.get(f"/s/{solution['id']}/").text
    with httpx.Client(base_url=live_server.url) as c:
        refused = c.get(f"/s/{solution['id']}/")
    assert refused.status_code == 401 and "join this solution first" in refused.text


def test_a_board_made_by_an_older_piboard_joins_a_solution(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DUMP.read_text())
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    (old,) = OpPath(engine).boards()
    store = SolutionStore(engine, "k" * 40)
    solution_id, _, _ = store.create("Payments", "", "Sofia")
    link = store.create_link(solution_id, "train")
    assert store.join_train(link, old["id"], "Rita") is True
    assert [t.name for t in store.solution(solution_id).trains] == ["Old ART"]
    engine.dispose()


def role_session(server: LiveServer, solution: dict[str, Any], kind: str, name: str) -> str:
    token = train_link(server, solution, kind).rsplit("/", 1)[1]
    joined = httpx.post(f"{server.url}/api/solutions/join", json={"token": token, "name": name})
    assert joined.status_code == 200, joined.text
    return str(joined.json()["session"])


def capability(server: LiveServer, solution: dict[str, Any], session: str, **body: Any) -> httpx.Response:
    with server.client(session) as c:
        return c.post(f"/api/solutions/{solution['id']}/capabilities", json=body)


def split(server: LiveServer, solution: dict[str, Any], session: str, capability_id: str) -> httpx.Response:
    with server.client(session) as c:
        return c.post(f"/api/solutions/{solution['id']}/capabilities/{capability_id}/split")


def test_solution_management_splits_a_capability_into_a_feature_per_train(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    sm = role_session(live_server, solution, "solution_management", "Mia")
    supplier = role_session(live_server, solution, "supplier", "Acme")
    made = capability(live_server, solution, sm, title="Instant <payments>", description="SEPA Instant")
    assert made.status_code == 201, made.text
    cap = made.json()["id"]
    no_trains = split(live_server, solution, sm, cap)
    assert no_trains.status_code == 409 and "no train has joined" in no_trains.text
    link = train_link(live_server, solution)
    a, b = dated(create_board(live_server, "Train A")), create_board(live_server, "Train B")
    for board in (a, b):
        assert join(board, link).status_code == 200
    assert split(live_server, solution, supplier, cap).status_code == 403

    done = split(live_server, solution, sm, cap)
    assert done.status_code == 200, done.text
    feature = f"cap-{cap}"
    assert done.json()["features"] == {a.id: feature, b.id: feature}
    for board in (a, b):  # made by each train's own op path, as Product Management, by name
        item = board.read()["items"]["feature"][feature]
        assert item["title"] == "Instant <payments>" and item["description"] == "SEPA Instant"
        with board.rte() as c:
            event = c.get(f"/api/boards/{board.id}/events").json()[-1]
        assert event["op"]["type"] == "feature.create"
        assert event["actor"]["name"] == "Mia (solution)" and event["actor"]["role"] == "pm"
    seq = a.read()["seq"]
    assert split(live_server, solution, sm, cap).json()["features"] == {a.id: feature, b.id: feature}
    assert a.read()["seq"] == seq  # splitting again makes nothing twice

    progress = {
        f["train"]: f["progress"] for f in read(live_server, solution).json()["capabilities"][0]["features"]
    }
    assert progress == {"Train A": "funnel", "Train B": "funnel"}
    team = a.op(a.rte_session, "team.create", args={"name": "Atlas"}).json()["changes"][0]["id"]
    iteration = next(iter(a.read()["items"]["iteration"]))
    version = a.read()["items"]["feature"][feature]["version"]
    moved = a.op(
        a.rte_session,
        "feature.update",
        target=feature,
        base_version=version,
        args={"team_id": team, "iteration_id": iteration},
    )
    assert moved.status_code == 200, moved.text
    (read_back,) = read(live_server, solution).json()["capabilities"]
    assert {f["train"]: f["progress"] for f in read_back["features"]} == {
        "Train A": "planned",
        "Train B": "funnel",
    }


def test_a_capability_is_validated_and_a_locked_train_refuses_the_whole_split(
    live_server: LiveServer,
) -> None:
    solution = make_solution(live_server)
    sm = role_session(live_server, solution, "solution_management", "Mia")
    architect = role_session(live_server, solution, "solution_architect", "Ada")
    for body in (
        {"title": ""},
        {"title": "x" * 201},
        {"title": "ok", "description": "d" * 4001},
        {"title": "ok", "x": 1},
    ):
        assert capability(live_server, solution, sm, **body).status_code == 422
    refused = capability(live_server, solution, architect, title="Mine")
    assert refused.status_code == 403 and "the Solution Architect may not write a capability" in refused.text
    assert read(live_server, solution).json()["capabilities"] == []
    link = train_link(live_server, solution)
    open_train, locked = create_board(live_server, "Open"), create_board(live_server, "Locked")
    assert locked.op(locked.rte_session, "plan.lock", target="meta", args={}).status_code == 200
    for board in (open_train, locked):
        assert join(board, link).status_code == 200
    cap = capability(live_server, solution, sm, title="Instant payments").json()["id"]
    blocked = split(live_server, solution, sm, cap)
    assert blocked.status_code == 409 and blocked.json()["reason"].startswith("Locked: the plan is locked")
    assert f"cap-{cap}" not in open_train.read()["items"]["feature"]  # one train refusing splits on none
    assert split(live_server, solution, sm, "no-such").status_code == 404


def test_solution_management_changes_and_deletes_a_capability_and_the_trains_keep_their_features(
    live_server: LiveServer,
) -> None:
    solution = make_solution(live_server)
    sm = role_session(live_server, solution, "solution_management", "Mia")
    architect = role_session(live_server, solution, "solution_architect", "Ada")
    board = create_board(live_server, "Train A")
    assert join(board, train_link(live_server, solution)).status_code == 200
    cap = capability(live_server, solution, sm, title="Instant payments").json()["id"]
    assert split(live_server, solution, sm, cap).status_code == 200
    url = f"/api/solutions/{solution['id']}/capabilities/{cap}"

    with live_server.client(sm) as c:
        changed = c.put(url, json={"title": "Instant <payments> everywhere", "description": "SEPA"})
        assert changed.status_code == 200, changed.text
        for body in ({"title": ""}, {"title": "x" * 201}, {"title": 5}, {"title": "ok", "x": 1}, []):
            assert c.put(url, json=body).status_code == 422, body
        unknown = c.put(f"/api/solutions/{solution['id']}/capabilities/nope", json={"title": "t"})
        assert unknown.status_code == 404
    with live_server.client(architect) as c:
        refused = c.put(url, json={"title": "Mine"})
        assert refused.status_code == 403 and "may not change a capability" in refused.text
        refused = c.delete(url)
        assert refused.status_code == 403 and "may not delete a capability" in refused.text
    (shown,) = read(live_server, solution).json()["capabilities"]
    assert (shown["title"], shown["description"]) == ("Instant <payments> everywhere", "SEPA")
    # The feature it was split into is the train's: it keeps its own title.
    assert board.read()["items"]["feature"][f"cap-{cap}"]["title"] == "Instant payments"

    # On the page: Solution Management's change and delete controls, escaped; none for the architect.
    with live_server.client(architect) as c:
        assert "Delete the capability" not in c.get(f"/s/{solution['id']}/").text
    with live_server.client(sm) as c:
        page = c.get(f"/s/{solution['id']}/").text
        assert 'value="Instant &lt;payments&gt; everywhere"' in page and "Delete the capability" in page
        form = c.post(f"/s/{solution['id']}/capabilities/{cap}", data={"title": "Instant payments"})
        assert form.status_code == 303
        assert read(live_server, solution).json()["capabilities"][0]["title"] == "Instant payments"
        gone = c.post(f"/s/{solution['id']}/capabilities/{cap}/delete")
        assert gone.status_code == 303
        assert c.delete(url).status_code == 404
    assert read(live_server, solution).json()["capabilities"] == []
    assert f"cap-{cap}" in board.read()["items"]["feature"]


def test_a_person_joins_with_a_roles_link_and_sees_only_their_controls(live_server: LiveServer) -> None:
    solution = make_solution(live_server, "Payments")
    token = train_link(live_server, solution, "supplier").rsplit("/", 1)[1]
    with httpx.Client(base_url=live_server.url) as c:
        form = c.get(f"/s/join/{token}")
        assert form.status_code == 200 and "a supplier" in form.text
        assert c.post(f"/s/join/{token}", data={"name": "\u0007"}).status_code == 422
        joined = c.post(f"/s/join/{token}", data={"name": "Acme <GmbH>"})
        assert joined.status_code == 303 and joined.headers["location"] == f"/s/{solution['id']}/"
        page = c.get(f"/s/{solution['id']}/").text
    assert "You are Acme &lt;GmbH&gt;, a supplier." in page
    assert "Make a link" not in page and "Add the capability" not in page and "Revoke" not in page
    assert httpx.get(f"{live_server.url}/s/join/not-a-real-token").status_code == 403
    train_token = train_link(live_server, solution).rsplit("/", 1)[1]
    told = httpx.get(f"{live_server.url}/s/train/{train_token}")
    assert told.status_code == 200 and "Admin page" in told.text


def test_the_ste_renames_revokes_a_link_and_takes_a_train_out(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    ste = solution["ste_session"]
    sm_link = train_link(live_server, solution, "solution_management")
    sm = httpx.post(
        f"{live_server.url}/api/solutions/join", json={"token": sm_link.rsplit("/", 1)[1], "name": "Mia"}
    ).json()["session"]
    with live_server.client(sm) as c:
        assert c.put(f"/api/solutions/{solution['id']}", json={"name": "Mine"}).status_code == 403
    with live_server.client(ste) as c:
        assert c.put(f"/api/solutions/{solution['id']}", json={"name": " "}).status_code == 422
        renamed = c.put(f"/api/solutions/{solution['id']}", json={"name": "Payments 2", "pi_name": "PI 9"})
        assert renamed.status_code == 200
        made = c.post(f"/api/solutions/{solution['id']}/links", json={"kind": "supplier"}).json()
    body = read(live_server, solution).json()
    assert (body["name"], body["pi_name"]) == ("Payments 2", "PI 9")

    board = create_board(live_server, "Train A")
    train = train_link(live_server, solution)
    assert join(board, train).status_code == 200
    with live_server.client(sm) as c:  # Solution Management may do neither
        assert c.delete(f"/api/solutions/{solution['id']}/trains/{board.id}").status_code == 403
        assert c.delete(f"/api/solutions/{solution['id']}/links/{made['id']}").status_code == 403
    with live_server.client(ste) as c:
        assert c.delete(f"/api/solutions/{solution['id']}/links/{made['id']}").status_code == 204
        assert c.delete(f"/api/solutions/{solution['id']}/links/{made['id']}").status_code == 404
        assert c.delete(f"/api/solutions/{solution['id']}/trains/{board.id}").status_code == 204
        assert c.delete(f"/api/solutions/{solution['id']}/trains/{board.id}").status_code == 404
    assert read(live_server, solution).json()["trains"] == []
    assert board.read()["items"]["meta"]  # the board itself stays
    revoked_token = made["url"].rsplit("/", 1)[1]
    no_join = httpx.post(
        f"{live_server.url}/api/solutions/join", json={"token": revoked_token, "name": "Acme"}
    )
    assert no_join.status_code == 403 and "revoked or mistyped" in no_join.text
    # A revoked link's sessions end: Solution Management's link revoked, Mia is out at once.
    live = live_server.services.solutions.links(solution["id"])
    sm_link_id = next(lk.id for lk in live if lk.kind == "solution_management")
    with live_server.client(ste) as c:
        assert c.delete(f"/api/solutions/{solution['id']}/links/{sm_link_id}").status_code == 204
    out = read(live_server, solution, sm)
    assert out.status_code == 401 and "revoked" in out.text
