"""``PIBOARD_HTMX_CDN=false`` (issue 25): no page of the server names the CDN host, whoever asks (the
RTE, someone who has not joined, a join link that does not exist). Every GET route of the app is walked,
its path filled from the demo board, so a page added later is checked too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from server.pages.cdn import CDN_SCRIPTS
from tests.conftest import LiveServer, create_board, start_server

CDN_HOSTS = {urlsplit(s.url).hostname for s in CDN_SCRIPTS}
# Binary answers: nothing in them is a page a browser would load scripts for.
BINARY = (".pdf", ".png", ".zip")


def get_routes(routes: list[Any]) -> Iterator[str]:
    """Every GET path of the app, through the routers it includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_routes(included.routes)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield route.path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    served = start_server(f"sqlite:///{tmp_path / 'piboard.db'}", htmx_cdn=False)
    yield served
    served.stop()


def test_with_the_cdn_off_no_route_names_the_cdn(server: LiveServer) -> None:
    board = create_board(server, "Demo ART", demo=True)
    state = board.read()
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "observer"}).json()
    params = {
        "board_id": board.id,
        "team_id": next(iter(state["items"]["team"])),
        "link_id": link["id"],
        "token": link["join_url"].rsplit("/", 1)[1],
        "part": "features",
        "kind": "feature",
        "solution_id": "no-such-solution",
    }
    feature = next(iter(state["items"]["feature"]))
    paths = sorted(set(get_routes(server.app.routes)))
    assert "/" in paths and "/join/{token}" in paths and "/b/{board_id}/admin/people" in paths
    seen: dict[str, str] = {}
    html = {"accept": "text/html"}
    with server.client() as rte, server.client() as stranger:
        rte.cookies.set(f"pb_{board.id}", board.rte_session)
        for path in paths:
            if path.endswith(BINARY) or path.startswith("/static"):
                continue
            url = re.sub(r"{(\w+)(?::\w+)?}", lambda m: params[m.group(1)], path)
            query = {"target": feature} if "{kind}" in path else {}
            for who, client in (("rte", rte), ("stranger", stranger)):
                r = client.get(url, params=query, headers=html)
                seen[f"{who} {url}"] = r.text
        # Refusals of their own: a join link that does not exist, a board that does not exist.
        seen["stranger /join/unknown"] = stranger.get("/join/not-a-token", headers=html).text
        seen["stranger /b/unknown"] = stranger.get("/b/no-such-board/program", headers=html).text
    assert any("<html" in text for text in seen.values())
    naming = sorted(where for where, text in seen.items() if any(host in text for host in CDN_HOSTS))
    assert naming == []


def test_with_the_cdn_on_pages_ask_it_first(server: LiveServer, tmp_path: Path) -> None:
    """The other side of the setting: the same home page asks the pinned CDN copy when it is on."""
    on = start_server(f"sqlite:///{tmp_path / 'on.db'}")
    try:
        assert any(host in httpx.get(f"{on.url}/").text for host in CDN_HOSTS)
    finally:
        on.stop()
    assert not any(host in httpx.get(f"{server.url}/").text for host in CDN_HOSTS)
