"""Hardening from the probe: the cookie door checks Origin, forwarded headers count only from the
operator's proxies, and the CSP names the exact pinned CDN files."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from server.pages.cdn import CDN_SCRIPTS
from server.pages.templating import STATIC
from tests.conftest import BoardHandle, create_board, start_server
from tests.live.client import run_async

FORM = {"content-type": "application/x-www-form-urlencoded"}


def form_post(board: BoardHandle, **headers: str) -> int:
    with board.server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        r = c.post(
            f"/b/{board.id}/ops", content=b"type=risk.create&args.title=Forged", headers={**FORM, **headers}
        )
        return r.status_code


def risk_titles(board: BoardHandle) -> list[str]:
    return [r["title"] for r in board.read()["items"]["risk"].values()]


def test_the_form_door_refuses_a_post_from_a_page_of_another_origin(board: BoardHandle) -> None:
    assert form_post(board, origin="http://evil.example") == 403
    assert risk_titles(board) == []
    host = board.server.url.removeprefix("http://")
    assert form_post(board, origin=f"http://{host}") == 204
    assert form_post(board) == 204, (
        "no Origin: not a browser page of another site (curl, old browsers' GET→POST)"
    )
    # Programs send a bearer token, not the cookie: the Origin check is about cookies only.
    r = board.op(board.rte_session, "risk.create", args={"title": "By API"})
    assert r.status_code == 200
    assert sorted(risk_titles(board)) == ["By API", "Forged", "Forged"]


def test_browsers_that_say_where_a_post_comes_from_are_believed(board: BoardHandle) -> None:
    """``Sec-Fetch-Site`` is set by the browser, not the page: a foreign page cannot fake it. Our own
    pages post with ``Origin: null`` (their Referrer-Policy is no-referrer) and ``same-origin``."""
    assert form_post(board, origin="null", **{"sec-fetch-site": "same-origin"}) == 204
    host = board.server.url.removeprefix("http://")
    assert form_post(board, origin=f"http://{host}", **{"sec-fetch-site": "cross-site"}) == 403
    assert form_post(board, origin="null", **{"sec-fetch-site": "same-site"}) == 403
    assert form_post(board, origin="null") == 403, "no Sec-Fetch-Site: an opaque origin is foreign"
    assert risk_titles(board) == ["Forged"]


def test_a_forwarded_host_counts_only_from_a_configured_proxy(tmp_path: Any) -> None:
    """The probe's steps: a client-sent ``X-Forwarded-Host: evil.example`` made evil.example "same origin"."""
    forged = {"origin": "http://evil.example", "x-forwarded-host": "evil.example"}
    server = start_server(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        board = create_board(server)
        assert form_post(board, **forged) == 403
        assert ws_close_code(board, forged) == 4403
    finally:
        server.stop()
    # Behind the operator's proxy (here: the loopback address the test connects from) it is believed.
    server = start_server(f"sqlite:///{tmp_path / 'b.db'}", trusted_proxies="127.0.0.1")
    try:
        board = create_board(server)
        assert form_post(board, **forged) == 204
        assert ws_close_code(board, forged) is None
    finally:
        server.stop()


def ws_close_code(board: BoardHandle, headers: dict[str, str]) -> int | None:
    """The close code a cookie socket with these headers gets, or None when it is welcomed."""

    async def scenario() -> int | None:
        async with connect(
            f"{board.server.ws_url}/b/{board.id}/ws",
            additional_headers={
                "Cookie": f"pb_{board.id}={board.rte_session}",
                "X-Forwarded-Host": headers["x-forwarded-host"],
            },
            origin=Origin(headers["origin"]),
        ) as ws:
            try:
                await ws.send('{"type":"hello"}')
                first = await ws.recv()
                if '"welcome"' in str(first):
                    return None
                await ws.recv()
            except ConnectionClosed:
                pass
            return ws.close_code

    return run_async(scenario())


def test_the_csp_allows_exactly_the_pinned_cdn_files(board: BoardHandle) -> None:
    with board.server.client() as c:
        c.cookies.set(f"pb_{board.id}", board.rte_session)
        page = c.get(f"/b/{board.id}/program")
    csp = page.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src is not None
    *allowed, inline_hash = script_src.group(1).split()
    assert allowed == ["'self'", *(s.url for s in CDN_SCRIPTS)]
    # And one inline script by its hash: the page's only one (static/live-early.js, the early socket).
    inline = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", page.text, re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert inline_hash == f"'sha256-{digest}'"
    connect_src = re.search(r"connect-src ([^;]+)", csp)
    assert connect_src is not None
    assert connect_src.group(1).split() == ["'self'", "ws:", "wss:", *(s.url for s in CDN_SCRIPTS)]
    # The page loads exactly those (with their SRI), nothing else from a CDN: no script element names
    # the CDN, the loader is given them (static/htmx-loader.js).
    assert not re.findall(r'<script src="https://', page.text)
    loader = re.search(r'<script src="/static/htmx-loader\.\w+\.js" data-scripts="([^"]+)"', page.text)
    assert loader is not None
    listed = json.loads(html.unescape(loader.group(1)))
    assert [(s["cdn"], s["integrity"], s["local"]) for s in listed] == [
        (s.url, s.integrity, STATIC.url(s.fallback)) for s in CDN_SCRIPTS
    ]


@pytest.mark.parametrize(
    "path", ["/static/vendor/htmx-2.0.11.min.js", "/static/vendor/htmx-ext-ws-2.0.4.min.js"]
)
def test_every_fallback_is_vendored(board: BoardHandle, path: str) -> None:
    assert path.removeprefix("/static/") in {s.fallback for s in CDN_SCRIPTS}
    with board.server.client() as c:
        assert c.get(path).status_code == 200
