"""Security headers on every answer; join tokens unguessable, stored hashed, and revocable on every door."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import sqlite3

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import BoardHandle, LiveServer, create_board
from tests.live.client import LiveClient

URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def team_id_of(board: BoardHandle) -> str:
    return next(iter(board.read()["items"]["team"]))


def every_get(board: BoardHandle) -> list[str]:
    b = board.id
    team = team_id_of(board)
    pages = [f"/b/{b}/{p}" for p in ("program", "screen", "objectives", "risks", "vote", "agenda", "admin")]
    api = [f"/api/boards/{b}", f"/api/boards/{b}/events", f"/api/boards/{b}/links", "/api/boards"]
    exports = [
        f"/api/boards/{b}/export.json",
        f"/api/boards/{b}/export/risks.csv",
        f"/api/boards/{b}/report.html",
    ]
    return [
        "/",
        *pages,
        f"/b/{b}/team/{team}",
        *api,
        *exports,
        "/healthz",
        "/openapi.json",
        "/docs",
        "/static/does-not-exist.css",
        "/no/such/page",
        f"/b/{b}/program?x=<script>",
        "/join/not-a-real-token-at-all",
    ]


def assert_security_headers(response: httpx.Response) -> None:
    h = response.headers
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("referrer-policy") == "no-referrer", where
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, where
    assert "default-src 'self'" in csp, where
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where


@pytest.mark.parametrize("with_session", [True, False], ids=["signed-in", "anonymous"])
def test_every_page_and_answer_has_the_security_headers(
    fuzz_server: LiveServer, fuzz_board: BoardHandle, with_session: bool
) -> None:
    with fuzz_server.client(fuzz_board.rte_session if with_session else None) as c:
        for path in every_get(fuzz_board):
            r = c.get(path)
            assert r.status_code < 500, (path, r.status_code)
            assert_security_headers(r)
        # Answers that never reach a route: too large, refused op, join refused, form door.
        assert_security_headers(c.post(f"/api/boards/{fuzz_board.id}/ops", content=b"x" * (2 * 1024 * 1024)))
        assert_security_headers(c.post(f"/api/boards/{fuzz_board.id}/ops", json={"type": "nope"}))
        assert_security_headers(c.post("/api/join", json={"token": "x" * 40, "name": "Eve"}))
        assert_security_headers(c.post(f"/b/{fuzz_board.id}/ops", data={"type": "risk.create"}))


def test_join_cookie_is_http_only_and_same_site(fuzz_server: LiveServer, fuzz_board: BoardHandle) -> None:
    with fuzz_board.rte() as c:
        link = c.post(f"/api/boards/{fuzz_board.id}/links", json={"role": "observer"}).json()
    path = httpx.URL(link["join_url"]).path
    with fuzz_server.client() as c:
        r = c.post(path, data={"name": "Big screen"})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert_security_headers(r)


def test_join_tokens_are_long_random_and_stored_only_as_hashes(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    tokens = []
    with fuzz_board.rte() as c:
        for _ in range(60):
            made = c.post(f"/api/boards/{fuzz_board.id}/links", json={"role": "observer"})
            assert made.status_code == 201
            tokens.append(made.json()["join_url"].rsplit("/", 1)[1])
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert URLSAFE.match(token)
        assert len(token) * math.log2(64) >= 128  # at least 128 bits: not guessable
    # Characters are spread over the alphabet (a counter or a timestamp would not be).
    assert len(set("".join(tokens))) >= 60
    # Only the SHA-256 of a token is kept; the tokens themselves are nowhere in the database.
    url = fuzz_server.settings.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            stored = " ".join(str(v) for row in db.execute("SELECT * FROM join_link") for v in row)
    else:
        import psycopg

        with psycopg.connect(url) as pg:
            stored = " ".join(str(v) for row in pg.execute("SELECT * FROM join_link") for v in row)
    assert not any(t in stored for t in tokens)


def test_guessed_tokens_and_forged_sessions_get_nothing(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    other = create_board(fuzz_server, "Other ART")
    with fuzz_server.client() as c:
        for guess in ("a" * 32, "0" * 8, "x" * 100, "%00" * 10, "../../etc/passwd"):
            assert c.post("/api/join", json={"token": guess, "name": "Mallory"}).status_code in {403, 422}
            assert c.get(f"/join/{guess}").status_code in {403, 404}
    forged = fuzz_board.rte_session[:-4] + ("AAAA" if not fuzz_board.rte_session.endswith("AAAA") else "BBBB")
    for session in (forged, "", "not.a.session", other.rte_session):  # the other board's session too
        with fuzz_server.client(session or None) as c:
            assert c.get(f"/api/boards/{fuzz_board.id}").status_code == 401
            assert (
                c.post(
                    f"/api/boards/{fuzz_board.id}/ops", json={"type": "risk.create", "args": {"title": "x"}}
                ).status_code
                == 401
            )


def test_a_revoked_link_ends_its_sessions_on_rest_forms_pages_and_sockets(
    fuzz_server: LiveServer, fuzz_board: BoardHandle
) -> None:
    board = fuzz_board
    team = team_id_of(board)
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": "team", "team_id": team}).json()
    token = made["join_url"].rsplit("/", 1)[1]
    with fuzz_server.client() as c:
        session = c.post("/api/join", json={"token": token, "name": "Tess"}).json()["session"]
    risk = {"type": "risk.create", "args": {"title": "raised before revocation"}}
    assert board.op(session, **risk).status_code == 200

    async def open_socket() -> LiveClient:
        client = await LiveClient.connect(fuzz_server.ws_url, board.id, session, last_seq=None, name="tess")
        await client.wait_until(lambda: client.welcome is not None)
        return client

    async def before_and_after() -> tuple[LiveClient, int, dict[str, object]]:
        live = await open_socket()
        with board.rte() as c:
            assert c.delete(f"/api/boards/{board.id}/links/{made['id']}").status_code == 204
        # The open socket is closed at once (an op racing the close is refused, never applied).
        cid = "after-revocation"
        with contextlib.suppress(ConnectionClosed):
            await live.op("risk.create", client_op_id=cid, args={"title": "after revocation"})
        code = await live.wait_closed(15)
        # A new socket with the same session is refused at the door.
        try:
            fresh = await LiveClient.connect(
                fuzz_server.ws_url, board.id, session, last_seq=None, name="again"
            )
            fresh_code = await fresh.wait_closed(15)
        except ConnectionClosed as exc:
            fresh_code = exc.rcvd.code if exc.rcvd else 1006
        return live, code, {"fresh": fresh_code, "refusal": live.refusals.get(cid)}

    _live, code, seen = asyncio.run(before_and_after())
    assert code == 4401
    refusal = seen["refusal"]
    # Whichever comes first says why: the revocation's error frame, or the racing op's refusal.
    said = [e["error"] for e in _live.errors] + ([refusal["error"]] if isinstance(refusal, dict) else [])
    assert said and set(said) == {"unauthenticated"}
    assert "after revocation" not in [r["title"] for r in board.read()["items"]["risk"].values()]
    assert seen["fresh"] == 4401
    assert board.op(session, **risk).status_code == 401
    with fuzz_server.client(session) as c:
        assert c.get(f"/api/boards/{board.id}").status_code == 401
        assert (
            c.post(f"/b/{board.id}/ops", data={"type": "risk.create", "args.title": "form"}).status_code
            == 401
        )
        page = c.get(f"/b/{board.id}/team/{team}")
        assert page.status_code == 401 and "revoked" in page.text
    with fuzz_server.client() as c:  # the link itself no longer joins anybody
        assert c.post("/api/join", json={"token": token, "name": "Tess again"}).status_code == 403
        assert c.get(f"/join/{token}").status_code == 403
    titles = [r["title"] for r in board.read()["items"]["risk"].values()]
    assert "after revocation" not in titles and "form" not in titles
