"""The solution board and its big screen at their doors (``/s/{solution}/board``, ``/s/{solution}/screen``):
each train's features where it plans them, its teams' names and the strings, names escaped; only people
of the solution see them. Runs on SQLite and on PostgreSQL (PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

from typing import Any

import httpx

from server.store.solutions import solution_cookie_name
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.integration.test_solutions import dated, join, make_solution, role_session, train_link


def planned_train(server: LiveServer, solution: dict[str, Any], name: str, feature: str) -> BoardHandle:
    board = dated(create_board(server, name))
    assert join(board, train_link(server, solution)).status_code == 200
    team = board.op(board.rte_session, "team.create", args={"name": f"{name} <team>"})
    team_id = team.json()["changes"][0]["id"]
    first = min(board.read()["items"]["iteration"].items(), key=lambda i: i[1]["number"])[0]
    args = {"title": feature, "team_id": team_id, "iteration_id": first}
    made = board.op(board.rte_session, "feature.create", args=args)
    assert made.status_code == 200, made.text
    return board


def page(server: LiveServer, solution: dict[str, Any], path: str, session: str | None) -> httpx.Response:
    cookies = {solution_cookie_name(solution["id"]): session} if session else {}
    with httpx.Client(base_url=server.url, cookies=cookies) as c:
        return c.get(f"/s/{solution['id']}/{path}")


def test_the_board_and_its_big_screen_show_every_trains_features_escaped(live_server: LiveServer) -> None:
    solution = make_solution(live_server, "Pay <ments>")
    planned_train(live_server, solution, "Cards <ART>", "Tap <b>to</b> pay")
    planned_train(live_server, solution, "Loans ART", "Instant <i>credit</i>")
    supplier = role_session(live_server, solution, "supplier", "Acme")
    for path in ("board", "screen"):
        shown = page(live_server, solution, path, supplier)
        assert shown.status_code == 200, shown.text
        text = shown.text
        assert "Pay &lt;ments&gt;" in text and "<ments>" not in text
        for words in ("Cards &lt;ART&gt;", "Cards &lt;ART&gt; &lt;team&gt;", "Loans ART &lt;team&gt;"):
            assert words in text
        assert "Tap &lt;b&gt;to&lt;/b&gt; pay" in text and "<b>to</b>" not in text
        assert "Instant &lt;i&gt;credit&lt;/i&gt;" in text and "<i>credit" not in text
        assert 'id="solution-board"' in text and 'data-view="' + path + '"' in text
    shown = page(live_server, solution, "", solution["ste_session"]).text
    assert f'href="/s/{solution["id"]}/board"' in shown  # the solution page links to its board


def test_only_people_of_the_solution_see_its_board(live_server: LiveServer) -> None:
    solution, other = make_solution(live_server), make_solution(live_server, "Other")
    planned_train(live_server, solution, "Cards ART", "Secret feature")
    board = create_board(live_server)
    for path in ("board", "screen"):
        for session in (None, other["ste_session"], board.rte_session, "nonsense"):
            refused = page(live_server, solution, path, session)
            assert refused.status_code == 401, (path, session)
            assert "Secret feature" not in refused.text
    with httpx.Client(base_url=live_server.url) as c:
        gone = c.get("/s/no-such-solution/board")
    assert gone.status_code in (401, 404)
