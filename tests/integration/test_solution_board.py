"""The solution board and its big screen at their doors (``/s/{solution}/board``, ``/s/{solution}/screen``):
each train's features where it plans them, its teams' names and the strings, names escaped; only people
of the solution see them. Runs on SQLite and on PostgreSQL (PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import contextlib
import html
import json
import re
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.store.solutions import solution_cookie_name
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.integration.test_solution_live import shown_seqs
from tests.integration.test_solutions import dated, join, make_solution, role_session, train_link
from tests.live.client import LiveClient, run_async


def last_html(client: LiveClient) -> str:
    """The newest HTML message (a ping or another JSON frame may come after it)."""
    return next((m for m in reversed(client.raw) if not m.startswith("{")), "")


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


async def board_socket(
    server: LiveServer, solution_id: str, session: str, view: str, seqs: dict[str, int] | None = None
) -> LiveClient:
    """A program on the solution board's socket (the solution's, with ``?view=``), showing ``seqs`` (none
    yet unless given)."""
    ws = await connect(
        f"{server.ws_url}/s/{solution_id}/ws?view={view}",
        additional_headers={"Authorization": f"Bearer {session}"},
        open_timeout=30,
        ping_interval=None,
    )
    with contextlib.suppress(ConnectionClosed):  # a refused view is closed before its hello
        await ws.send(json.dumps({"type": "hello", "seqs": seqs or {}}))
    client = LiveClient(ws, view)
    client.start_reading()
    return client


def cell_of(region: str, card: str) -> str | None:
    """The label of the cell a card stands in, in a board region as sent."""
    found = re.search(rf'aria-label="([^"]+)">(?:(?!aria-label=).)*?id="{re.escape(card)}"', region, re.S)
    return found.group(1) if found else None


def test_the_board_and_screen_are_sent_again_when_a_train_moves_a_feature(live_server: LiveServer) -> None:
    solution = make_solution(live_server)
    board = planned_train(live_server, solution, "Cards ART", "Tap to pay")
    supplier = role_session(live_server, solution, "supplier", "Acme")
    items = board.read()["items"]
    feature_id, feature = next(iter(items["feature"].items()))
    last = max(items["iteration"].items(), key=lambda i: i[1]["number"])[0]
    card = f"sb-{board.id}-{feature_id}"

    async def scenario() -> None:
        refused = await board_socket(live_server, solution["id"], supplier, "nonsense")
        assert await refused.wait_closed() == 4400
        clients = [await board_socket(live_server, solution["id"], supplier, v) for v in ("board", "screen")]
        for client in clients:  # a page showing no seq is sent the board at once
            await client.wait_until(lambda c=client: any(cell_of(m, card) for m in c.raw))
            shown = cell_of(last_html(client), card)
            assert shown == html.escape("Cards ART · Cards ART <team>, Iteration 1")
        args = {"iteration_id": last}
        moved = board.op(
            board.rte_session, "feature.update", target=feature_id, base_version=feature["version"], args=args
        )
        assert moved.status_code == 200, moved.text
        for client in clients:
            await client.wait_until(
                lambda c=client: (cell_of(last_html(c), card) or "").endswith("Iteration 2")
            )
            region = last_html(client)
            assert region.startswith('<div id="solution-seqs"') and 'hx-swap-oob="outerHTML"' in region
            assert 'id="solution-board"' in region
        assert "sb-screen" in last_html(clients[1]) and "sb-screen" not in last_html(clients[0])
        for client in clients:
            await client.close()

    run_async(scenario())


def test_the_big_screen_is_sent_its_post_pi_planning_column_alone_when_someone_votes(
    live_server: LiveServer,
) -> None:
    """The vote on the big screen's socket: how many voted, never a value, and only the column that changed
    (not the whole board again); the distribution and average once the STE closes the round."""
    solution = make_solution(live_server)
    planned_train(live_server, solution, "Cards ART", "Tap to pay")
    ste, sid = solution["ste_session"], solution["id"]
    supplier = role_session(live_server, solution, "supplier", "Acme")
    shown = page(live_server, solution, "screen", supplier).text
    assert 'id="sb-plan"' in shown and "No round yet." in shown
    assert 'id="sb-plan"' not in page(live_server, solution, "board", supplier).text

    async def scenario() -> None:
        screen = await board_socket(live_server, sid, supplier, "screen")
        await screen.wait_until(lambda: any('id="solution-board"' in m for m in screen.raw))
        with live_server.client(supplier) as c, live_server.client(ste) as s:
            opened = s.post(f"/api/solutions/{sid}/vote")
            assert opened.status_code == 201, opened.text
            await screen.wait_until(lambda: "<strong data-vote-count>0</strong>" in last_html(screen))
            cast = c.post(f"/api/solutions/{sid}/vote/{opened.json()['id']}/ballots", json={"value": 2})
            assert cast.status_code == 200, cast.text
            await screen.wait_until(lambda: "<strong data-vote-count>1</strong> voted" in last_html(screen))
            sent = last_html(screen)
            assert 'id="sb-plan"' in sent and 'id="solution-board"' not in sent, "the column alone"
            assert "data-fist" not in sent  # its version moved on: the marker goes too, not the board
            closed = s.post(f"/api/solutions/{sid}/vote/{opened.json()['id']}/close")
            assert closed.status_code == 200, closed.text
        await screen.wait_until(lambda: "data-average>2.00<" in last_html(screen))
        assert 'data-fist="2" data-votes="1"' in last_html(screen)
        await screen.close()

    run_async(scenario())


def test_a_big_screen_reconnecting_is_sent_its_post_pi_planning_column_and_not_the_board(
    live_server: LiveServer,
) -> None:
    """A projector back from a network blip says the seqs it shows: the trains have not moved, so the
    board is not sent again, but the vote may have (nothing in the hello says so): its column is."""
    solution = make_solution(live_server)
    planned_train(live_server, solution, "Cards ART", "Tap to pay")
    ste, sid = solution["ste_session"], solution["id"]
    seqs = shown_seqs(live_server, solution, ste)
    with live_server.client(ste) as s:
        assert s.post(f"/api/solutions/{sid}/vote").status_code == 201  # while the screen was away

    async def scenario() -> None:
        screen = await board_socket(live_server, sid, ste, "screen", seqs)
        await screen.wait_until(lambda: any('id="sb-plan"' in m for m in screen.raw))
        (sent,) = [m for m in screen.raw if not m.startswith("{")]
        assert "<strong data-vote-count>0</strong>" in sent
        assert 'id="solution-board"' not in sent and "solution-seqs" not in sent
        await screen.close()

    run_async(scenario())
