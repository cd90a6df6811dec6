"""A panel a page loads into itself, opened at its own address (issue 25): the Admin page's people
panel is a fragment to htmx, and a whole page (title, language, the panel in place) to a browser that
opens ``/b/{board}/admin/people`` directly; someone who may not see it gets a refusal page. And so every
fragment route of a board (server.doors.panels): the history's past, compare, an item's story, the
tracker panel and its parts, the clarity hint, the screen's remote list."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from tests.conftest import BoardHandle

HTMX = {"hx-request": "true"}
TITLE = re.compile(r"<title>[^<]*\S[^<]*</title>")


def test_the_people_panel_opened_directly_is_the_admin_page(board: BoardHandle) -> None:
    with board.server.client() as rte:
        rte.cookies.set(f"pb_{board.id}", board.rte_session)
        fragment = rte.get(f"/b/{board.id}/admin/people", headers=HTMX)
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert "<title>" not in fragment.text and 'id="people"' in fragment.text

        for path in ("admin/people", "admin/people/online"):
            page = rte.get(f"/b/{board.id}/{path}")
            assert page.status_code == 200
            assert '<html lang="en">' in page.text
            assert re.search(r"<title>Admin · Test ART</title>", page.text)
            # The panel is in place, not a placeholder that loads it again.
            assert page.text.count('id="people"') == 1
            assert "<h2>People</h2>" in page.text
            assert f'hx-get="/b/{board.id}/admin/people"' not in page.text

    observer = board.join("observer", "Olga")
    with board.server.client() as olga:
        olga.cookies.set(f"pb_{board.id}", observer)
        refused = olga.get(f"/b/{board.id}/admin/people")
        assert refused.status_code == 403
        assert '<html lang="en">' in refused.text and "<title>" in refused.text
        refused_fragment = olga.get(f"/b/{board.id}/admin/people", headers=HTMX)
        assert refused_fragment.status_code == 403 and "<html" not in refused_fragment.text


def html_routes(app: FastAPI) -> list[APIRoute]:
    """Every GET route of a board that answers HTML: its pages and the fragments its pages load."""
    # FastAPI keeps an included router's routes in the router itself (``original_router``).
    every = [
        route for r in app.routes for route in getattr(getattr(r, "original_router", None), "routes", [r])
    ]
    return [
        r
        for r in every
        if isinstance(r, APIRoute)
        and "GET" in r.methods
        and r.path.startswith("/b/{board_id}/")
        and r.response_class is HTMLResponse
    ]


def test_every_fragment_route_opened_directly_is_a_whole_page(board: BoardHandle) -> None:
    """Every such route, asked without ``HX-Request`` (a person opening its address), answers a page
    with a title and a language; the fragment routes answer htmx with the bare fragment still."""
    board.op(board.rte_session, "team.create", args={"id": "t1", "name": "Atlas"})
    board.op(board.rte_session, "feature.create", args={"id": "f1", "title": "Search", "team_id": "t1"})
    with board.rte() as c:
        link = c.post(f"/api/boards/{board.id}/links", json={"role": "observer", "team_id": None}).json()[
            "id"
        ]
    path_values = {"board_id": board.id, "team_id": "t1", "link_id": link, "kind": "feature"}
    queries = {"at": "1", "target": "f1", "args.statement": "Improve search", "from": "1", "to": "now"}
    routes = html_routes(board.server.app)
    fragments = {
        r.path for r in routes if any(d.call.__name__ == "board_panel" for d in r.dependant.dependencies)
    }
    # The fragments htmx loads, by the rule of server.doors.panels (the test would miss one that does not
    # take its board through it: there are nine today).
    assert len(fragments) >= 9, sorted(fragments)
    wrong = []
    with board.server.client() as rte:
        rte.cookies.set(f"pb_{board.id}", board.rte_session)
        for route in routes:
            url = route.path.format(**path_values)
            params = {q.alias: queries[q.alias] for q in route.dependant.query_params if q.alias in queries}
            page = rte.get(url, params=params)
            if page.status_code != 200 or '<html lang="en">' not in page.text or not TITLE.search(page.text):
                wrong.append(f"{route.path}: {page.status_code} {page.text[:80]!r}")
            if route.path in fragments:
                fragment = rte.get(url, params=params, headers=HTMX)
                if fragment.status_code != 200 or "<html" in fragment.text:
                    wrong.append(f"{route.path} to htmx: {fragment.status_code} {fragment.text[:80]!r}")
    assert not wrong, "\n".join(wrong)
