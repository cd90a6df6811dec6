"""The work of a broadcast does not grow with the screens watching: each event is encoded once and each
view rendered once per batch, whether 2 or 60 connections get it, and of a view only the regions the
event touched are rendered again; one queued message per connection and batch; and a client whose
send hangs is dropped by the send watchdog (no timer per send)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.pages import region_memo
from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.live.client import LiveClient, read_until_close, run_async, stalled_client

EDITS = 12


def broadcast_work(board: BoardHandle, watchers: int) -> dict[str, int]:
    """Connect ``watchers`` JSON screens and as many HTML ones (program view), make ``EDITS`` edits, and
    return what the hub did for them: encodes, renders and batches."""
    hub = board.server.app.state.hub
    start = board.read()["seq"]

    async def scenario() -> dict[str, int]:
        url, session = board.server.ws_url, board.rte_session
        screens = [
            await LiveClient.connect(url, board.id, session, last_seq=start, mode=mode)
            for mode in ("json", "html")
            for _ in range(watchers)
        ]
        for c in screens:
            await c.wait_welcome()
        before = dict(hub.stats)
        for k in range(EDITS):
            await asyncio.to_thread(board.op, session, "risk.create", args={"title": f"Risk {k}"})
        for c in screens[:watchers]:
            await c.wait_events(EDITS)
            assert [e["seq"] for e in c.events] == list(range(start + 1, start + EDITS + 1))
        for c in screens[watchers:]:
            await c.wait_until(lambda c=c: f'data-seq="{start + EDITS}"' in "".join(c.raw))
        work = {key: hub.stats[key] - before[key] for key in ("encodes", "renders", "broadcast_batches")}
        for c in screens:
            await c.close()
        return work

    return run_async(scenario())


def test_encodes_and_renders_per_event_do_not_grow_with_the_number_of_connections(board: BoardHandle) -> None:
    few = broadcast_work(board, watchers=2)
    many = broadcast_work(board, watchers=30)
    for work in (few, many):
        assert work["encodes"] == EDITS  # each event encoded once, for every JSON screen
        assert work["renders"] == work["broadcast_batches"] <= EDITS  # one render of the one view per batch


def story_moves(board: BoardHandle) -> list[dict[str, object]]:
    """Two moves of Checkout's stories to the next iteration (the demo ART's ids are fixed)."""
    items = board.read()["items"]
    moves = []
    for story_id in ("s-chk-oneclick-api", "s-pay-tokens"):
        story = items["story"][story_id]
        number = items["iteration"][story["iteration_id"]]["number"]
        nxt = next(i["id"] for i in items["iteration"].values() if i["number"] == number % 5 + 1)
        moves.append({"target": story_id, "base_version": story["version"], "args": {"iteration_id": nxt}})
    return moves


VIEWS_AND_AUDIENCES = 10  # 4 views; the big screen is one audience, the others three


def region_work(server: LiveServer, watchers: int, *, warm_up: bool = True) -> dict[str, int]:
    """On a fresh demo ART, ``watchers`` browsers per view and role (the RTE, an observer, a member of
    Checkout) on the program, the big screen and two team pages; a story moves (``warm_up``: after a
    first move); what rendering that move took: views rendered (once per view and audience), regions
    rendered again and regions reused."""
    board = create_board(server, demo=True)
    hub = server.app.state.hub
    sessions = [board.rte_session, board.join("observer", "Olive"), board.join("team", "Tina", "chk")]
    views = ["program", "screen", "team:chk", "team:pay"]
    moves = story_moves(board)
    if not warm_up:
        moves = moves[1:]
    start = board.read()["seq"]
    primed = hub.stats["primed"]

    async def scenario() -> dict[str, int]:
        screens = [
            await LiveClient.connect(server.ws_url, board.id, session, last_seq=start, view=view, mode="html")
            for view in views
            for session in sessions
            for _ in range(watchers)
        ]
        for c in screens:
            await c.wait_welcome()
        # Each view is rendered for each audience as it is opened, off the loop.
        await screens[0].wait_until(lambda: hub.stats["primed"] >= primed + VIEWS_AND_AUDIENCES)
        work: dict[str, int] = {}
        for seq, body in enumerate(moves, start=start + 1):
            before = {"views": hub.stats["renders"], "regions": region_memo.MEMO.rendered}
            before["reused"] = region_memo.MEMO.reused
            await asyncio.to_thread(board.op, board.rte_session, "story.move", **body)
            for c in screens:
                await c.wait_until(lambda c=c, seq=seq: f'data-seq="{seq}"' in "".join(c.raw))
            work = {
                "views": hub.stats["renders"] - before["views"],
                "regions": region_memo.MEMO.rendered - before["regions"],
                "reused": region_memo.MEMO.reused - before["reused"],
            }
        for c in screens:
            await c.close()
        return work

    return run_async(scenario())


def test_a_move_renders_the_regions_it_touched_however_many_browsers_watch(live_server: LiveServer) -> None:
    few = region_work(live_server, watchers=1)
    many = region_work(live_server, watchers=6)
    assert few == many  # nothing of it grows with the connections
    assert few["views"] == VIEWS_AND_AUDIENCES
    # Rendered again: the story's two columns, its team's row and counters, the strings of the dependency
    # it delivers, per audience that sees other controls; not the views' other regions (every other
    # team's row and column, the backlog, the room's menus), which are reused.
    assert 0 < few["regions"] * 5 < few["regions"] + few["reused"]


def test_the_first_move_on_views_just_opened_renders_only_what_it_touched(live_server: LiveServer) -> None:
    """A view is rendered for its audience when a browser opens it, not by the first edit after: that
    edit would otherwise render every region of every view twice while every screen waits for it."""
    first = region_work(live_server, watchers=2, warm_up=False)
    assert first["views"] == VIEWS_AND_AUDIENCES
    assert 0 < first["regions"] * 5 < first["regions"] + first["reused"]


@pytest.fixture
def hanging_server(tmp_path: Path) -> Iterator[LiveServer]:
    # A queue long enough never to fill: only the send timeout can drop the stalled client.
    server = start_server(
        f"sqlite:///{tmp_path / 'hang.db'}",
        ops_per_second=1000.0,
        ops_burst=1000,
        ws_send_queue=100_000,
        ws_send_timeout=1.0,
    )
    yield server
    server.stop()


def test_a_client_whose_send_hangs_is_dropped_after_the_send_timeout(hanging_server: LiveServer) -> None:
    handle = create_board(hanging_server)
    start = handle.read()["seq"]
    hub = hanging_server.app.state.hub
    big = "x" * 30_000

    async def scenario() -> int | None:
        stalled = stalled_client(hanging_server.url, handle.id, handle.rte_session, start)
        url, session = hanging_server.ws_url, handle.rte_session
        writer = await LiveClient.connect(url, handle.id, session, last_seq=start)
        await writer.wait_welcome()
        k = 0
        # Big events fill the stalled client's socket until a send stays pending; then the watchdog acts.
        while hub.stats["dropped"] == 0 and k < 2000:
            await writer.op("risk.create", args={"title": f"Big {k}", "description": big[: 1990 + k % 7]})
            k += 1
            await asyncio.sleep(0.005)
        await writer.wait_until(lambda: hub.stats["dropped"] >= 1, timeout=30)
        code = await read_until_close(stalled, timeout=30)
        stalled.close()
        await writer.close()
        return code

    assert run_async(scenario()) == 1013
