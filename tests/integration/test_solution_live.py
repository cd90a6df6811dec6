"""The solution page is live (issue 29): its socket, ``/s/{solution}/ws``, sends the page's parts again when
a train's board moves on, with what the person's solution role sees on a reload; a page behind is caught
up at once; a revoked link ends it. Real websocket clients on a real server; SQLite and PostgreSQL
(PIBOARD_TEST_DATABASE=postgres)."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.doors.live_socket import STRIKE_BURST
from server.live.protocol import CloseCode
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.integration.test_solutions import (
    capability,
    dated,
    join,
    make_solution,
    read,
    role_session,
    split,
    train_link,
)
from tests.live.client import LiveClient, eventually, run_async


async def solution_socket(
    ws_url: str,
    solution_id: str,
    session: str | None,
    seqs: dict[str, int] | None = None,
    version: int | None = None,
) -> LiveClient:
    """A program on the solution page's socket: its hello names each train's seq it shows (and the
    solution's version, when given)."""
    headers = {"Authorization": f"Bearer {session}"} if session else {}
    ws = await connect(
        f"{ws_url}/s/{solution_id}/ws", additional_headers=headers, open_timeout=30, ping_interval=None
    )
    with contextlib.suppress(ConnectionClosed):  # a refused session is closed before its hello
        hello: dict[str, Any] = {"type": "hello", "seqs": seqs or {}}
        if version is not None:
            hello["version"] = version
        await ws.send(json.dumps(hello))
    client = LiveClient(ws, "solution")
    client.start_reading()
    return client


def progress_in(fragment: str, board_id: str) -> str | None:
    """A capability's progress on a train, as a live fragment shows it."""
    found = re.search(rf'<li data-train="{re.escape(board_id)}" data-progress="([^"]+)"', fragment)
    return found.group(1) if found else None


def parts(client: LiveClient) -> list[str]:
    return [m for m in client.raw if not m.startswith("{")]


def two_trains_with_a_capability(server: LiveServer) -> tuple[dict[str, Any], BoardHandle, BoardHandle]:
    solution = make_solution(server)
    link = train_link(server, solution)
    a, b = dated(create_board(server, "Train A")), create_board(server, "Train B")
    for board in (a, b):
        assert join(board, link).status_code == 200
    cap = capability(server, solution, solution["ste_session"], title="Instant payments").json()["id"]
    assert split(server, solution, solution["ste_session"], cap).status_code == 200
    return solution, a, b


def plan_feature(board: BoardHandle) -> int:
    """Train A's team plans the capability's feature into an iteration: it is then 'planned'."""
    team = board.op(board.rte_session, "team.create", args={"name": "Atlas"}).json()["changes"][0]["id"]
    items = board.read()["items"]
    feature = next(f for f in items["feature"] if f.startswith("cap-"))
    moved = board.op(
        board.rte_session,
        "feature.update",
        target=feature,
        base_version=items["feature"][feature]["version"],
        args={"team_id": team, "iteration_id": next(iter(items["iteration"]))},
    )
    assert moved.status_code == 200, moved.text
    return int(moved.json()["seq"])


def shown_seqs(server: LiveServer, solution: dict[str, Any], session: str) -> dict[str, int]:
    return {t["board_id"]: t["seq"] for t in read(server, solution, session).json()["trains"]}


def shown_version(server: LiveServer, solution: dict[str, Any], session: str) -> int:
    """The solution's version its page shows (the marker the page's socket says hello with)."""
    with server.client(session) as c:
        page = c.get(f"/s/{solution['id']}/").text
    found = re.search(r'id="solution-seqs"[^>]* data-version="(\d+)"', page)
    assert found, "the page says which version of the solution it shows"
    return int(found.group(1))


def test_a_change_on_a_trains_board_reaches_the_solution_page_live(live_server: LiveServer) -> None:
    solution, a, b = two_trains_with_a_capability(live_server)
    supplier = role_session(live_server, solution, "supplier", "Acme")
    seqs = shown_seqs(live_server, solution, supplier)
    with live_server.client(supplier) as c:
        page = c.get(f"/s/{solution['id']}/").text
    assert 'id="solution-seqs"' in page and "/static/solution-live." in page

    async def scenario() -> None:
        client = await solution_socket(live_server.ws_url, solution["id"], supplier, seqs)
        await client.wait_welcome()
        assert client.welcome is not None and client.welcome["you"] == {"name": "Acme", "role": "supplier"}
        seq = plan_feature(a)
        await client.wait_until(lambda: any(progress_in(p, a.id) == "planned" for p in parts(client)))
        (first, *_) = [p for p in parts(client) if progress_in(p, a.id) == "planned"]
        # Each train's seq it shows, then the page's parts as a reload shows them to a supplier.
        marker = re.search(r'id="solution-seqs" data-seqs="([^"]+)"', first)
        assert marker is not None
        assert json.loads(marker.group(1).replace("&#34;", '"').replace("&quot;", '"'))[a.id] >= seq
        assert progress_in(first, b.id) == "funnel"
        assert 'id="trains"' in first and 'id="capabilities"' in first and 'hx-swap-oob="true"' in first
        assert "Split into a feature per train" not in first and "Take Train A out" not in first
        await client.close()

    run_async(scenario())


def test_a_page_behind_is_caught_up_at_once_and_a_page_up_to_date_gets_nothing(
    live_server: LiveServer,
) -> None:
    solution, a, _b = two_trains_with_a_capability(live_server)
    ste = solution["ste_session"]
    seqs = shown_seqs(live_server, solution, ste)

    async def scenario() -> None:
        current = await solution_socket(live_server.ws_url, solution["id"], ste, seqs)
        await current.wait_welcome()
        plan_feature(a)  # made while the next page was "away"
        behind = await solution_socket(live_server.ws_url, solution["id"], ste, seqs)
        await behind.wait_until(lambda: any(progress_in(p, a.id) == "planned" for p in parts(behind)))
        # The STE's parts carry the STE's controls, as on a reload.
        assert "Take Train A out" in parts(behind)[-1]
        await current.wait_until(lambda: bool(parts(current)))
        now, version = shown_seqs(live_server, solution, ste), shown_version(live_server, solution, ste)
        up_to_date = await solution_socket(live_server.ws_url, solution["id"], ste, now, version)
        await up_to_date.wait_welcome()
        # A change then reaches all three; the up-to-date page had been sent nothing before it.
        a.op(a.rte_session, "risk.create", args={"title": "Late API"})
        await up_to_date.wait_until(lambda: bool(parts(up_to_date)))
        assert len(parts(up_to_date)) == 1
        for client in (current, behind, up_to_date):
            await client.close()

    run_async(scenario())


def test_a_page_away_while_the_solution_itself_changed_is_sent_its_parts_when_back(
    live_server: LiveServer,
) -> None:
    """No train moved on, but the solution did (a capability written, a vote opened): a page that
    was away (a laptop asleep) gets the parts at once; one that shows this version, nothing."""
    solution, a, _b = two_trains_with_a_capability(live_server)
    ste = solution["ste_session"]
    seqs, version = shown_seqs(live_server, solution, ste), shown_version(live_server, solution, ste)

    async def scenario() -> None:
        made = capability(live_server, solution, ste, title="Open <banking>")  # while the page was away
        assert made.status_code == 201
        assert shown_seqs(live_server, solution, ste) == seqs  # no train moved on
        back = await solution_socket(live_server.ws_url, solution["id"], ste, seqs, version)
        await back.wait_until(lambda: any("Open &lt;banking&gt;" in p for p in parts(back)))
        now = shown_version(live_server, solution, ste)
        assert now > version
        current = await solution_socket(live_server.ws_url, solution["id"], ste, seqs, now)
        await current.wait_welcome()
        a.op(a.rte_session, "risk.create", args={"title": "Late API"})
        await current.wait_until(lambda: bool(parts(current)))
        assert len(parts(current)) == 1  # nothing before the train's change
        for client in (back, current):
            await client.close()

    run_async(scenario())


def test_only_the_solutions_people_open_its_socket_and_a_revoked_link_ends_it(
    live_server: LiveServer,
) -> None:
    solution, a, _b = two_trains_with_a_capability(live_server)

    async def scenario() -> None:
        for session in (None, "not-a-session", a.rte_session):  # a train's session opens no solution
            refused = await solution_socket(live_server.ws_url, solution["id"], session)
            assert await refused.wait_closed() == 4401
        with live_server.client(solution["ste_session"]) as c:
            made = c.post(f"/api/solutions/{solution['id']}/links", json={"kind": "supplier"}).json()
            token = made["url"].rsplit("/", 1)[1]
        with live_server.client() as c:
            supplier = c.post("/api/solutions/join", json={"token": token, "name": "Acme"}).json()["session"]
        client = await solution_socket(live_server.ws_url, solution["id"], supplier)
        await client.wait_welcome()
        with live_server.client(solution["ste_session"]) as c:
            assert c.delete(f"/api/solutions/{solution['id']}/links/{made['id']}").status_code == 204
        a.op(a.rte_session, "risk.create", args={"title": "After the revocation"})
        assert await client.wait_closed() == 4401
        assert len(parts(client)) == 1  # the parts as it opened (it named no train), nothing after
        assert client.errors and "revoked" in client.errors[-1]["reason"]

    run_async(scenario())


def test_a_hello_that_is_not_one_is_refused(live_server: LiveServer) -> None:
    solution, _a, _b = two_trains_with_a_capability(live_server)

    async def scenario() -> None:
        headers = {"Authorization": f"Bearer {solution['ste_session']}"}
        for hello in ({"type": "hello", "seqs": {"x": -1}}, {"type": "op"}, {"type": "hello", "seqs": [1]}):
            ws = await connect(
                f"{live_server.ws_url}/s/{solution['id']}/ws", additional_headers=headers, ping_interval=None
            )
            await ws.send(json.dumps(hello))
            client = LiveClient(ws, "bad")
            client.start_reading()
            assert await client.wait_closed() == 4400
            assert client.errors

    run_async(scenario())


def test_after_its_hello_the_socket_answers_pings_and_refuses_anything_else_then_a_flood(
    live_server: LiveServer,
) -> None:
    solution, _a, _b = two_trains_with_a_capability(live_server)

    async def scenario() -> None:
        client = await solution_socket(live_server.ws_url, solution["id"], solution["ste_session"])
        await client.wait_welcome()
        await client.send_raw(json.dumps({"type": "ping"}))
        await client.wait_until(lambda: any(f["type"] == "pong" for f in client.frames))
        await client.send_raw(json.dumps({"type": "pong"}))  # taken, not refused
        await client.send_raw("not json")
        await client.send_raw(json.dumps({"type": "op", "op": {}}))
        await client.wait_until(lambda: len(client.errors) == 2)
        assert "ping and pong only" in client.errors[1]["reason"]
        for _ in range(STRIKE_BURST):  # refused again and again: the socket closes
            await client.send_raw(json.dumps({"type": "op"}))
        assert await client.wait_closed() == CloseCode.POLICY
        assert client.errors[-1]["error"] == "flooding"

    run_async(scenario())


def test_the_hub_follows_a_train_only_while_a_solution_page_watches_it(live_server: LiveServer) -> None:
    solution, a, b = two_trains_with_a_capability(live_server)
    hub = live_server.app.state.hub
    seqs = shown_seqs(live_server, solution, solution["ste_session"])

    async def scenario() -> None:
        client = await solution_socket(live_server.ws_url, solution["id"], solution["ste_session"], seqs)
        await client.wait_welcome()
        # No screen of either train is open: the page's watchers alone keep their channels (and the
        # LISTEN bridge's catch-up, which serves the hub's channels) in place.
        await client.wait_until(lambda: a.id in hub.channels and b.id in hub.channels)
        assert not hub.channels[a.id].connections and hub.channels[a.id].watchers
        # The heartbeat and the shutdown cover the page's socket (an earlier test's closed page, on
        # this module's server, may still be on its way out).
        await client.wait_until(lambda: len(hub.followers) == 1)
        await client.close()  # a closed client's own wait would end at its close: wait on the hub
        await eventually(lambda: a.id not in hub.channels and b.id not in hub.channels, "trains let go")
        await eventually(lambda: not hub.followers, "no follower left")

    run_async(scenario())


def test_a_change_of_the_solution_itself_reaches_its_open_pages(live_server: LiveServer) -> None:
    solution, a, _b = two_trains_with_a_capability(live_server)
    ste = solution["ste_session"]
    sm = role_session(live_server, solution, "solution_management", "Mia")
    seqs = shown_seqs(live_server, solution, ste)

    async def scenario() -> None:
        client = await solution_socket(live_server.ws_url, solution["id"], ste, seqs)
        await client.wait_welcome()
        # Solution Management writes a capability: no train moved, the STE's page shows it.
        assert capability(live_server, solution, sm, title="Fraud <checks>").status_code == 201
        await client.wait_until(lambda: any("Fraud &lt;checks&gt;" in p for p in parts(client)))
        assert "Split into a feature per train" in parts(client)[-1]  # the STE's controls
        with live_server.client(ste) as c:
            assert c.delete(f"/api/solutions/{solution['id']}/trains/{a.id}").status_code == 204
        await client.wait_until(lambda: f'data-train="{a.id}"' not in parts(client)[-1])
        await client.close()

    run_async(scenario())
