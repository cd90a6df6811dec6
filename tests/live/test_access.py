"""Who a live session is: asked of the database once for the sockets that open together and for the
ops a socket sends in a row, and never answered from before a change of access (server/live/access.py).
Counted, not timed."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from board import Actor, Role
from board.errors import PiboardError
from server.live.access import SESSION_CACHE_SECONDS, SessionCache, Who
from server.store.auth import Unauthenticated
from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async
from tests.live.test_arrival import statements

OBI: Who = (Actor("p1", "Obi", Role.OBSERVER, None), False)
OPS_IN_A_ROW = 20
ROOM = 150  # people whose screens open at once


class Asker:
    """Who sessions are, from "the database": each session is Obi unless told otherwise; counts the
    reads and the sessions each one asked about."""

    def __init__(self, answer: Who | PiboardError = OBI) -> None:
        self.answer = answer
        self.answers: dict[str | None, Who | PiboardError] = {}
        self.failure: Exception | None = None
        self.reads: list[list[str | None]] = []
        self.hold: threading.Event | None = None  # a read under way waits for it

    @property
    def asked(self) -> int:
        return len(self.reads)

    def __call__(self, board_id: str, sessions: list[str | None]) -> dict[str | None, Who | PiboardError]:
        self.reads.append(sessions)
        if self.failure is not None:
            raise self.failure
        looked = {s: self.answers.get(s, self.answer) for s in sessions}
        if self.hold is not None:  # a read that has looked, still under way
            self.hold.wait(10)
        return looked


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_serves_the_sockets_and_ops_of_a_moment_then_is_asked_again() -> None:
    clock, ask = Clock(), Asker()
    cache = SessionCache(ask, clock)

    async def scenario() -> list[Who]:
        answers = list(await asyncio.gather(*(cache.who("b", "s") for _ in range(10))))
        clock.now += SESSION_CACHE_SECONDS / 2
        answers.append(await cache.who("b", "s"))
        assert ask.asked == 1
        clock.now += SESSION_CACHE_SECONDS
        answers.append(await cache.who("b", "s"))
        assert ask.asked == 2
        await cache.who("b", "another session")
        await cache.who("another board", "s")
        assert ask.asked == 4
        return answers

    assert run_async(scenario()) == [OBI] * 12


def test_a_room_of_people_arriving_at_once_is_a_read_or_two_each_answered_as_themselves() -> None:
    """150 people's sockets opening together were 150 worker threads, each opening a database
    connection while the loop welcomed the room (issue 27): now the sessions asked while a read is
    under way wait for the next one, which asks about them all."""
    ask = Asker()
    people = {f"s{k}": (Actor(f"p{k}", f"Person {k}", Role.OBSERVER, None), k % 2 == 0) for k in range(ROOM)}
    ask.answers = {**people, "s7": Unauthenticated("your join link was revoked by the RTE")}
    cache = SessionCache(ask, Clock())

    async def scenario() -> list[Who | BaseException]:
        return list(
            await asyncio.gather(*(cache.who("b", f"s{k}") for k in range(ROOM)), return_exceptions=True)
        )

    answers = run_async(scenario())
    assert ask.asked <= 2, [len(r) for r in ask.reads]
    assert sorted(s for r in ask.reads for s in r if s is not None) == sorted(people)
    for k, answer in enumerate(answers):
        if k == 7:
            assert isinstance(answer, Unauthenticated) and "revoked" in answer.reason
        else:
            assert answer == people[f"s{k}"]


def test_no_answer_from_before_a_change_of_access_serves_after_it_whichever_thread_tells() -> None:
    ask = Asker()
    cache = SessionCache(ask, Clock())

    async def scenario() -> None:
        await cache.who("b", "s")
        # Told from the thread that committed the change (the RTE's request), before it answers.
        told = threading.Thread(target=cache.forget, args=("b",))
        told.start()
        told.join()
        await cache.who("b", "s")
        assert ask.asked == 2
        cache.forget("another board")
        await cache.who("b", "s")
        assert ask.asked == 2

    run_async(scenario())


def test_a_session_asked_after_a_change_is_not_answered_by_the_read_already_under_way() -> None:
    """That read may have looked before the change committed: the ask after it waits for the next."""
    ask = Asker()
    ask.hold = threading.Event()
    cache = SessionCache(ask, Clock())

    async def scenario() -> tuple[Who, Who | BaseException]:
        before = asyncio.ensure_future(cache.who("b", "s"))
        while not ask.reads:  # the read is under way (held in its worker thread)
            await asyncio.sleep(0.01)
        ask.answer = Unauthenticated("your join link was revoked by the RTE")
        cache.forget("b")
        after = asyncio.ensure_future(cache.who("b", "s"))
        await asyncio.sleep(0.05)
        assert ask.hold is not None
        ask.hold.set()
        return await before, (await asyncio.gather(after, return_exceptions=True))[0]

    before, after = run_async(scenario())
    assert before == OBI
    assert isinstance(after, Unauthenticated)
    assert ask.asked == 2


def test_a_refusal_is_not_kept() -> None:
    ask = Asker(Unauthenticated("your join link was revoked by the RTE"))
    cache = SessionCache(ask, Clock())

    async def scenario() -> None:
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                await cache.who("b", "s")
        ask.answer = OBI
        assert await cache.who("b", "s") == OBI
        assert ask.asked == 3

    run_async(scenario())


def test_a_read_that_fails_fails_every_socket_it_was_for_and_is_not_kept() -> None:
    ask = Asker()
    ask.failure = OperationalError("SELECT", {}, Exception("database is locked"))
    cache = SessionCache(ask, Clock())

    async def scenario() -> None:
        failed = await asyncio.gather(*(cache.who("b", f"s{k}") for k in range(5)), return_exceptions=True)
        assert all(isinstance(f, OperationalError) for f in failed), failed
        ask.failure = None
        assert await cache.who("b", "s0") == OBI

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


def test_a_change_of_access_looks_at_every_socket_of_the_board_in_one_read(board: BoardHandle) -> None:
    """Every socket of the board is looked at again when access on it changes: one read for them all,
    not one per socket (1,000 screens were 1,000 reads in a worker thread)."""
    people = [board.join("observer", f"Person {k}") for k in range(4)]
    with board.rte() as rte:
        made = rte.post(f"/api/boards/{board.id}/links", json={"role": "pm"}).raise_for_status().json()
        token = made["join_url"].rsplit("/", 1)[1]
        revoked = (
            rte.post("/api/join", json={"token": token, "name": "Pat"}).raise_for_status().json()["session"]
        )

    async def scenario() -> tuple[list[int | None], list[str]]:
        screens = [
            await LiveClient.connect(
                board.server.ws_url, board.id, session, last_seq=None, name=f"screen {k}"
            )
            for k, session in enumerate([*people, *people, revoked, revoked])
        ]
        for c in screens:
            await c.wait_welcome()
        with statements(board.server.services.engine) as seen:
            with board.rte() as rte:
                assert rte.delete(f"/api/boards/{board.id}/links/{made['id']}").status_code == 204
            closed = [await c.wait_closed() for c in screens[-2:]]
            ran = list(seen)
        for c in screens[:-2]:
            assert c.closed_code is None
            await c.close()
        return closed, ran

    closed, ran = run_async(scenario())
    assert closed == [4401, 4401]
    # The RTE's own request is one read; the ten sockets of five people, one more (they were ten).
    looked_at = [s for s in ran if "FROM participant JOIN" in s]
    assert len(looked_at) <= 2, "\n".join(looked_at)
