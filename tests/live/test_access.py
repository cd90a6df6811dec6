"""Who a live session is: asked of the database once for the sockets that open together and for the
ops a socket sends in a row, and never answered from before a change of access (server/live/access.py).
Counted, not timed."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from board import Actor, Role
from server.live.access import SESSION_CACHE_SECONDS, SessionCache, Who
from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async
from tests.live.test_arrival import statements

OBI: Who = (Actor("p1", "Obi", Role.OBSERVER, None), False)
OPS_IN_A_ROW = 20


class Asker:
    """A session's answer from "the database", counting how often it is asked."""

    def __init__(self, answer: Who | Exception = OBI) -> None:
        self.answer = answer
        self.asked = 0

    def __call__(self) -> Who:
        self.asked += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_serves_the_sockets_and_ops_of_a_moment_then_is_asked_again() -> None:
    clock, ask = Clock(), Asker()
    cache = SessionCache(clock)

    async def scenario() -> list[Who]:
        answers = list(await asyncio.gather(*(cache.who("b", "s", ask) for _ in range(10))))
        clock.now += SESSION_CACHE_SECONDS / 2
        answers.append(await cache.who("b", "s", ask))
        assert ask.asked == 1
        clock.now += SESSION_CACHE_SECONDS
        answers.append(await cache.who("b", "s", ask))
        assert ask.asked == 2
        await cache.who("b", "another session", ask)
        await cache.who("another board", "s", ask)
        assert ask.asked == 4
        return answers

    assert run_async(scenario()) == [OBI] * 12


def test_no_answer_from_before_a_change_of_access_serves_after_it_whichever_thread_tells() -> None:
    ask = Asker()
    cache = SessionCache(Clock())

    async def scenario() -> None:
        await cache.who("b", "s", ask)
        # Told from the thread that committed the change (the RTE's request), before it answers.
        told = threading.Thread(target=cache.forget, args=("b",))
        told.start()
        told.join()
        await cache.who("b", "s", ask)
        assert ask.asked == 2
        cache.forget("another board")
        await cache.who("b", "s", ask)
        assert ask.asked == 2

    run_async(scenario())


def test_a_refusal_is_not_kept() -> None:
    ask = Asker(PermissionError("revoked"))
    cache = SessionCache(Clock())

    async def scenario() -> None:
        for _ in range(2):
            with pytest.raises(PermissionError):
                await cache.who("b", "s", ask)
        ask.answer = OBI
        assert await cache.who("b", "s", ask) == OBI
        assert ask.asked == 3

    run_async(scenario())


def test_ops_sent_in_a_row_read_the_session_once_not_once_each(board: BoardHandle) -> None:
    """Each op's check was a read in a worker thread ahead of its commit (issue 27): now an editor's
    ops of a few seconds share it."""
    session = board.join("pm", "Ada")

    async def scenario() -> list[str]:
        c = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=None, name="ada")
        await c.wait_welcome()
        with statements(board.server.services.engine) as seen:
            sent = [await c.op("risk.create", args={"title": f"Risk {k}"}) for k in range(OPS_IN_A_ROW)]
            await c.wait_acks(sent)
            ran = list(seen)
        await c.close()
        return ran

    ran = run_async(scenario())
    about_people = [s for s in ran if "FROM participant" in s]
    # The socket's own answer from when it opened serves them, or a read or two should they outlast it
    # on a slow machine (each op read it: 20).
    assert len(about_people) <= 2, about_people


def test_an_op_right_after_a_revocation_is_refused_even_while_its_socket_is_still_open(
    board: BoardHandle, monkeypatch: Any
) -> None:
    """The op's own check, not the watch that closes revoked sockets, refuses it: with the watch held
    back, the socket stays open and its op, sent within the moment its session's answer serves, is
    refused as unauthenticated and never applied."""
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": "pm"}).raise_for_status().json()
        token = made["join_url"].rsplit("/", 1)[1]
        joined = c.post("/api/join", json={"token": token, "name": "Pat"}).raise_for_status()
        session = joined.json()["session"]

    async def held_back(board_id: str) -> None:
        return None

    monkeypatch.setattr(board.server.app.state.access, "recheck", held_back)

    async def scenario() -> LiveClient:
        c = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=None, name="pat")
        await c.wait_welcome()
        before = await c.op("risk.create", args={"title": "before the revocation"})
        await c.wait_acks([before])
        with board.rte() as rte:
            assert rte.delete(f"/api/boards/{board.id}/links/{made['id']}").status_code == 204
        after = await c.op("risk.create", args={"title": "after the revocation"})
        await c.wait_until(lambda: after in c.refusals)
        assert await c.wait_closed() == 4401
        return c

    c = run_async(scenario())
    refused = next(iter(c.refusals.values()))
    assert refused["error"] == "unauthenticated" and "revoked" in refused["reason"]
    titles = [r["title"] for r in board.read()["items"]["risk"].values()]
    assert "before the revocation" in titles and "after the revocation" not in titles
