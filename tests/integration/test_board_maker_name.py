"""The person who makes a board joins it as its RTE by their own name (REST and the home page), and a
name that cannot be a participant's makes no board at all."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer


def boards(server: LiveServer) -> int:
    return len(httpx.get(f"{server.url}/api/boards").json())


def test_the_maker_of_a_board_is_its_rte_by_name(live_server: LiveServer) -> None:
    made = httpx.post(f"{live_server.url}/api/boards", json={"name": "Falcon ART", "rte_name": "Rita Rossi"})
    assert made.status_code == 201, made.text
    body = made.json()
    board = f"{live_server.url}/api/boards/{body['board']['id']}"
    rte = {"Authorization": f"Bearer {body['rte_session']}"}
    op = {"type": "team.create", "args": {"name": "Atlas"}, "client_op_id": "first"}
    assert httpx.post(f"{board}/ops", json=op, headers=rte).status_code == 200
    events = httpx.get(f"{board}/events", headers=rte).json()
    assert events[-1]["actor"]["name"] == "Rita Rossi"
    assert events[-1]["actor"]["role"] == "rte"


def test_a_refused_maker_name_makes_no_board(live_server: LiveServer) -> None:
    before = boards(live_server)
    for name in ("   ", "a\u0007b"):
        refused = httpx.post(f"{live_server.url}/api/boards", json={"name": "Falcon ART", "rte_name": name})
        assert refused.status_code in (400, 422), refused.text
        assert "name" in refused.text
    home = httpx.post(f"{live_server.url}/boards", data={"name": "Falcon ART", "rte_name": "   "})
    assert home.status_code == 422 and "Not created: say your name" in home.text
    assert boards(live_server) == before
