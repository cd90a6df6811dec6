"""The hub's contracts: one render per view, the same bytes to every browser on it; ``notify`` from another
process (seq only, any order, any number of times) broadcasts each event once; the heartbeat."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from board import Op
from server.store.db import make_engine
from server.store.op_path import OpPath
from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.live.client import LiveClient, apply_changes, run_async


def html_fragments(client: LiveClient) -> list[str]:
    return [m for m in client.raw if m.startswith("<")]


def has_fragments(client: LiveClient, count: int) -> bool:
    return len(html_fragments(client)) == count


def test_each_view_is_rendered_once_and_sent_as_the_same_bytes(board: BoardHandle) -> None:
    hub = board.server.app.state.hub
    seq = board.read()["seq"]

    async def scenario() -> None:
        url, session = board.server.ws_url, board.rte_session
        program = [
            await LiveClient.connect(url, board.id, session, last_seq=seq, mode="html") for _ in range(3)
        ]
        screen = [
            await LiveClient.connect(url, board.id, session, last_seq=seq, mode="html", view="screen")
            for _ in range(2)
        ]
        json_client = await LiveClient.connect(url, board.id, session, last_seq=seq)
        everyone = [*program, *screen, json_client]
        for c in everyone:
            await c.wait_welcome()
        renders_before = hub.stats["renders"]
        board.op(session, "risk.create", args={"title": "Rendered once"}).raise_for_status()
        for c in [*program, *screen]:
            await c.wait_until(partial(has_fragments, c, 1))
        await json_client.wait_until(lambda: len(json_client.events) == 1)
        assert hub.stats["renders"] - renders_before == 2  # program and screen, once each
        assert len({html_fragments(c)[0] for c in program}) == 1
        assert len({html_fragments(c)[0] for c in screen}) == 1
        assert f'data-seq="{seq + 1}"' in html_fragments(screen[0])[0]
        for c in everyone:
            await c.close()

    run_async(scenario())


def test_notify_from_another_process_is_order_safe_and_idempotent(board: BoardHandle) -> None:
    """Commits this server's op path never saw (another process's) reach the clients through
    ``hub.notify(board_id, seq)`` alone, however the notifications are ordered or repeated."""
    server = board.server
    hub = server.app.state.hub
    other_process = OpPath(make_engine(server.settings.database_url))
    rte = server.services.auth.actor(board.id, board.rte_session)
    start = board.read()

    async def scenario() -> LiveClient:
        c = await LiveClient.connect(server.ws_url, board.id, board.rte_session, last_seq=start["seq"])
        await c.wait_until(lambda: c.welcome is not None)
        seqs = [
            other_process.submit(board.id, Op("risk.create", args={"title": f"elsewhere {k}"}), rte).seq
            for k in range(3)
        ]
        await asyncio.sleep(0.3)
        assert c.events == []  # nobody told this hub yet
        for seq in (seqs[2], seqs[0], seqs[1], seqs[2], seqs[0]):  # from the bridge's thread, shuffled
            await asyncio.to_thread(hub.notify, board.id, seq)
        await c.wait_until(lambda: len(c.events) == 3)
        await asyncio.to_thread(hub.notify, board.id, seqs[1])
        await asyncio.sleep(0.3)
        await c.close()
        return c

    c = run_async(scenario())
    assert [e["seq"] for e in c.events] == [start["seq"] + 1, start["seq"] + 2, start["seq"] + 3]
    items = {kind: dict(by_id) for kind, by_id in start["items"].items()}
    for event in c.events:
        apply_changes(items, event["changes"])
    assert items == board.read()["items"]


def test_a_batch_carries_the_events_the_board_it_is_rendered_from_already_shows(board: BoardHandle) -> None:
    """The hub is told of one event while two more are already committed (another process's): the
    board it reads shows all three, so all three go out with it, in order, and the browsers' fragments
    say they show the third."""
    server = board.server
    hub = server.app.state.hub
    other_process = OpPath(make_engine(server.settings.database_url))
    rte = server.services.auth.actor(board.id, board.rte_session)
    start = board.read()["seq"]

    async def scenario() -> tuple[LiveClient, LiveClient]:
        url, session = server.ws_url, board.rte_session
        json_client = await LiveClient.connect(url, board.id, session, last_seq=start)
        browser = await LiveClient.connect(url, board.id, session, last_seq=start, mode="html", view="risks")
        for c in (json_client, browser):
            await c.wait_welcome()
        committed = [
            other_process.submit(board.id, Op("risk.create", args={"title": f"elsewhere {k}"}), rte)
            for k in range(3)
        ]
        await asyncio.to_thread(hub.notify, board.id, committed[0].seq, committed[:1])  # of the first only
        await json_client.wait_until(lambda: len(json_client.events) == 3)
        await browser.wait_until(lambda: f'data-seq="{start + 3}"' in "".join(browser.raw))
        for c in (json_client, browser):
            await c.close()
        return json_client, browser

    json_client, browser = run_async(scenario())
    assert [e["seq"] for e in json_client.events] == [start + 1, start + 2, start + 3]
    fragments = html_fragments(browser)
    assert len(fragments) == 1 and "elsewhere 2" in fragments[0]


@pytest.fixture
def fast_heartbeat(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(f"sqlite:///{tmp_path / 'hb.db'}", ws_heartbeat=0.3)
    yield server
    server.stop()


def test_a_client_that_never_answers_the_heartbeat_is_dropped(fast_heartbeat: LiveServer) -> None:
    handle = create_board(fast_heartbeat)

    class Mute(LiveClient):
        def file_frame(self, frame: dict[str, Any]) -> None:
            if frame["type"] != "ping":
                super().file_frame(frame)
            else:
                self.frames.append(frame)  # noted, never answered

    async def scenario() -> None:
        url = fast_heartbeat.ws_url
        answering = await LiveClient.connect(url, handle.id, handle.rte_session, last_seq=0)
        mute = await Mute.connect(url, handle.id, handle.rte_session, last_seq=0)
        assert await mute.wait_closed(timeout=10) == 1013
        assert any(f["type"] == "ping" for f in mute.frames)
        await asyncio.sleep(1.0)
        assert answering.closed_code is None  # answering pings keeps a quiet client connected
        await answering.close()

    run_async(scenario())


def test_a_view_without_a_renderer_gets_a_reset_not_silence(board: BoardHandle) -> None:
    seq = board.read()["seq"]

    async def scenario() -> LiveClient:
        c = await LiveClient.connect(
            board.server.ws_url, board.id, board.rte_session, last_seq=seq, mode="html", view="nowhere"
        )
        await c.wait_welcome()
        board.op(board.rte_session, "risk.create", args={"title": "x"}).raise_for_status()
        await c.wait_until(lambda: len(c.resets) == 1)
        await c.close()
        return c

    c = run_async(scenario())
    assert c.resets[0]["seq"] == seq + 1


def test_an_edit_broadcast_while_a_joiner_reads_what_it_missed_reaches_it(
    board: BoardHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screen joining reads what it missed in a worker thread; an edit committed and broadcast during
    that read (it found nothing yet) must still reach the screen, not fall between catch-up and live."""
    server = board.server
    hub = server.app.state.hub
    start = board.read()["seq"]
    rte = server.services.auth.actor(board.id, board.rte_session)
    read_missed = hub._missed_rows
    edited: list[int] = []

    def missed_then_an_edit(board_id: str, since: int) -> Any:
        found = read_missed(board_id, since)
        if not edited:  # once: the edit lands, and is broadcast, after the read found nothing
            edited.append(
                server.services.op_path.submit(
                    board_id, Op("risk.create", args={"title": "Meanwhile"}), rte
                ).seq
            )
            deadline = time.monotonic() + 10
            while hub.channels[board_id].last_seq < edited[0]:
                assert time.monotonic() < deadline, "the edit was never broadcast"
                time.sleep(0.01)
        return found

    monkeypatch.setattr(hub, "_missed_rows", missed_then_an_edit)

    async def scenario() -> list[int]:
        client = await LiveClient.connect(server.ws_url, board.id, board.rte_session, last_seq=start)
        await client.wait_events(1)
        await client.close()
        return [e["seq"] for e in client.events]

    assert run_async(scenario()) == [start + 1] == edited


def test_edits_coming_faster_than_a_broadcast_takes_go_out_together(board: BoardHandle) -> None:
    """A board whose broadcast takes long (a thousand screens) does not write every screen once per edit
    while edits come faster than that (BROADCAST_PACE): what came meanwhile goes out as one message
    per screen, each event once and in order."""
    hub = board.server.app.state.hub
    seq = board.read()["seq"]
    edits = 5

    def event_messages(client: LiveClient) -> int:
        messages = [json.loads(m) for m in client.raw]
        frames = [m if isinstance(m, list) else [m] for m in messages]
        return sum(1 for fs in frames if any(f["type"] == "event" for f in fs))

    async def scenario() -> LiveClient:
        client = await LiveClient.connect(board.server.ws_url, board.id, board.rte_session, last_seq=seq)
        await client.wait_welcome()
        channel = hub.channels[board.id]
        channel.delivered_in = 1.0  # as if the last broadcast had just taken a second
        channel.delivered_at = time.monotonic()
        for k in range(edits):
            board.op(board.rte_session, "risk.create", args={"title": f"Risk {k}"}).raise_for_status()
        await client.wait_until(lambda: len(client.events) == edits)
        await client.close()
        return client

    client = run_async(scenario())
    assert [e["seq"] for e in client.events] == list(range(seq + 1, seq + edits + 1))
    assert event_messages(client) < edits  # one write for what came meanwhile, not one per edit
