"""Issue 24, item 8: making boards and joining are limited per client address, at every door.

The probe made 2,000 boards in 21 s from one client, and joined one link 300 times in 0.9 s. Now each
door that makes a board (REST, the home page's form, the JSON import) or joins one (REST, the join
form) counts against its client address's limit and answers 429 with ``Retry-After`` past it. Behind
the operator's proxies (``PIBOARD_TRUSTED_PROXIES``) the address is the one they forward.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, start_server

PROXY = "10.9.9.9"


@pytest.fixture
def limited(db_url: str) -> Iterator[LiveServer]:
    """A server allowing 3 new boards and 3 joins per client address (then one an hour, one a minute),
    behind one trusted proxy."""
    server = start_server(
        db_url, boards_burst=3, boards_per_hour=1, joins_burst=3, joins_per_minute=1, trusted_proxies=PROXY
    )
    yield server
    server.stop()


def via_proxy(client_address: str) -> dict[str, str]:
    """What the operator's proxy sends for a client (what a client wrote before it is kept too)."""
    return {"X-Forwarded-For": f"{client_address}, {PROXY}"}


def assert_limited(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 429, (answer.status_code, answer.text[:300])
    wait = int(answer.headers["Retry-After"])
    assert wait >= 1
    assert f"too many {what} from this address" in answer.text
    assert f"retry in {wait} s" in answer.text


def board_count(server: LiveServer) -> int:
    with server.client() as c:
        return len(c.get("/api/boards").json())


def test_making_boards_is_limited_per_client_at_every_door(limited: LiveServer) -> None:
    alice = via_proxy("198.51.100.1")
    with limited.client() as c:
        assert c.post("/api/boards", json={"name": "One"}, headers=alice).status_code == 201
        made = c.post("/boards", data={"name": "Two"}, headers=alice)
        assert made.status_code == 303, made.text
        doc = {"schema": "piboard/1", "meta": {"name": "Three"}}
        assert c.post("/api/boards/import", json=doc, headers=alice).status_code == 201
        before = board_count(limited)

        assert_limited(c.post("/api/boards", json={"name": "Four"}, headers=alice), "new boards")
        refused_form = c.post("/boards", data={"name": "Four"}, headers=alice)
        assert_limited(refused_form, "new boards")
        assert "Not created" in refused_form.text, "the home page again, saying why"
        assert_limited(c.post("/api/boards/import", json=doc, headers=alice), "new boards")
        assert board_count(limited) == before, "no board was made past the limit"

        bob = via_proxy("198.51.100.2")
        assert c.post("/api/boards", json={"name": "Bob's"}, headers=bob).status_code == 201, "each his own"
        # What a client writes before the proxy's hop is not believed: Alice posing as someone else.
        posing = {"X-Forwarded-For": f"203.0.113.77, 198.51.100.1, {PROXY}"}
        assert_limited(c.post("/api/boards", json={"name": "Five"}, headers=posing), "new boards")


def test_joining_is_limited_per_client_at_every_door(limited: LiveServer) -> None:
    with limited.client() as c:
        made = c.post("/api/boards", json={"name": "Rocket ART"}, headers=via_proxy("198.51.100.9"))
        rte = made.json()["rte_session"]
        board_id = made.json()["board"]["id"]
    with limited.client(rte) as c:
        link = c.post(f"/api/boards/{board_id}/links", json={"role": "observer"}).json()
        token = link["join_url"].rsplit("/", 1)[1]
    before = len(limited.services.auth.participants(board_id))

    room = via_proxy("198.51.100.3")
    with limited.client() as c:
        for n in range(2):
            joined = c.post("/api/join", json={"token": token, "name": f"Person {n}"}, headers=room)
            assert joined.status_code == 200, joined.text
        assert c.post(f"/join/{token}", data={"name": "Person 2"}, headers=room).status_code == 303

        assert_limited(c.post("/api/join", json={"token": token, "name": "Person 3"}, headers=room), "joins")
        refused_form = c.post(f"/join/{token}", data={"name": "Person 3"}, headers=room)
        assert_limited(refused_form, "joins")
        assert 'name="name"' in refused_form.text, "the join form again, saying why"
        other = c.post(
            "/api/join", json={"token": token, "name": "Elsewhere"}, headers=via_proxy("198.51.100.4")
        )
        assert other.status_code == 200, other.text
    assert len(limited.services.auth.participants(board_id)) == before + 4, "none joined past the limit"
