"""When a room arrives at once (a restart, a Wi-Fi drop: every screen reconnects together), the work per
arrival stays bounded: a session is authenticated once for all the sockets opening with it, the catch-up
is read once for the joiners coming back from the same seq, and presence goes out once the list is
still, not once per arrival to every screen (issue 27). Counted, not timed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from websockets.exceptions import ConnectionClosed

from server.live import presence
from tests.conftest import BoardHandle
from tests.live.client import LiveClient, run_async

SCREENS = 40
PRESENCE_FRAMES = {"presence", "presence_change"}
PEOPLE = 2
BEHIND = 5


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """Every SQL statement the server runs meanwhile (real queries on its real database)."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_room_arriving_at_once_is_authenticated_once_per_person_and_read_once(board: BoardHandle) -> None:
    server = board.server
    sessions = [board.join("observer", f"Person {k}") for k in range(PEOPLE)]
    for k in range(BEHIND):
        board.op(board.rte_session, "risk.create", args={"title": f"Risk {k}"}).raise_for_status()
    seq = board.read()["seq"]

    async def storm() -> list[LiveClient]:
        # Every other screen comes back from a page BEHIND events old; the others start afresh.
        return list(
            await asyncio.gather(
                *(
                    LiveClient.connect(
                        server.ws_url,
                        board.id,
                        sessions[k % PEOPLE],
                        last_seq=seq - BEHIND if k % 2 else None,
                        name=f"screen {k}",
                    )
                    for k in range(SCREENS)
                )
            )
        )

    async def scenario() -> tuple[list[LiveClient], list[str]]:
        with statements(server.services.engine) as seen:
            screens = await storm()
            for k, c in enumerate(screens):
                await c.wait_welcome()
                if k % 2:
                    await c.wait_events(BEHIND)
            ran = list(seen)
        for c in screens:
            await c.close()
        return screens, ran

    screens, ran = run_async(scenario())
    # Every guarantee kept: each screen welcomed as its person, caught up exactly once and in order.
    for k, c in enumerate(screens):
        assert c.welcome is not None and c.welcome["you"]["name"] == f"Person {k % PEOPLE}"
        if k % 2:
            assert [e["seq"] for e in c.events] == list(range(seq - BEHIND + 1, seq + 1))
        else:
            assert c.resets[0]["seq"] == seq
    # One question about each person (their participant, link and whether they are remote: one
    # statement), not one per screen; allowing each to be asked again once, should the storm outlast
    # the cache.
    about_people = [s for s in ran if "FROM participant" in s]
    assert len(about_people) <= 2 * PEOPLE, about_people
    assert all("participant.remote" in s and "JOIN" in s for s in about_people), about_people
    # The catch-up read from the event table once, not once per screen coming back (the few more
    # allowed are the server's background readers of new events, the webhooks').
    catch_up_reads = [s for s in ran if "FROM event" in s]
    assert len(catch_up_reads) <= 4, catch_up_reads
    # In all, a handful of statements for the room, not several per screen.
    assert len([s for s in ran if s != "BEGIN"]) < SCREENS / 2, ran


def test_presence_goes_out_once_a_room_has_arrived_not_once_per_arrival(board: BoardHandle) -> None:
    """Screens arrive one after another for a couple of seconds, faster than presence's quiet moment:
    each gets a few presence frames in all (one when the room is in, one more if the arrival outlasts
    the longest wait), where one per arrival would cost every screen a frame for each newcomer."""
    server = board.server
    session = board.join("observer", "Watcher")
    screens_count = 60

    async def scenario() -> list[int]:
        screens = []
        for k in range(screens_count):
            screens.append(
                await LiveClient.connect(server.ws_url, board.id, session, last_seq=None, name=f"screen {k}")
            )
            await asyncio.sleep(0.03)  # a steady stream of arrivals, each within the quiet moment
        for c in screens:
            await c.wait_until(
                lambda c=c: c.presence is not None and len(c.presence["people"]) == screens_count
            )
        counts = [sum(1 for f in c.frames if f["type"] in PRESENCE_FRAMES) for c in screens]
        for c in screens:
            await c.close()
        return counts

    counts = run_async(scenario())
    assert max(counts) <= 3, counts


def test_a_screen_that_has_the_list_is_told_only_who_came_and_who_went(board: BoardHandle) -> None:
    """One arrival in a full room costs each screen the newcomer's entry, not the whole list again;
    the newcomer gets the whole list; a departure is its key alone."""
    server = board.server
    session = board.join("observer", "Watcher")

    async def scenario() -> None:
        room = [
            await LiveClient.connect(server.ws_url, board.id, session, last_seq=None, name=f"screen {k}")
            for k in range(20)
        ]
        for c in room:
            await c.wait_until(lambda c=c: c.presence is not None and len(c.presence["people"]) == 20)
        before = [len(c.frames) for c in room]
        late_session = board.join("observer", "Lena Late")
        late = await LiveClient.connect(server.ws_url, board.id, late_session, last_seq=None)
        await late.wait_until(lambda: late.presence is not None and late.presence["count"] == 2)
        assert late.presence is not None and len(late.presence["people"]) == 21
        for c, seen in zip(room, before, strict=True):
            await c.wait_until(lambda c=c: c.presence is not None and len(c.presence["people"]) == 21)
            told = [f for f in c.frames[seen:] if f["type"] in PRESENCE_FRAMES]
            assert [f["type"] for f in told] == ["presence_change"], told
            assert [p["name"] for p in told[0]["added"]] == ["Lena Late"] and told[0]["removed"] == []
            assert "id" not in told[0]["added"][0]
        key = told[0]["added"][0]["key"]
        seen = len(room[0].frames)
        await late.close()
        await room[0].wait_until(lambda: len(room[0].presence["people"]) == 20)  # type: ignore[index]
        gone = [f for f in room[0].frames[seen:] if f["type"] in PRESENCE_FRAMES]
        assert gone == [{"type": "presence_change", "count": 1, "added": [], "removed": [key]}]
        for c in room:
            await c.close()

    run_async(scenario())


def test_a_visit_within_the_moment_presence_waits_still_ends_in_a_frame(
    board: BoardHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who comes and goes before the list is still leaves it as it was; the screens are told all
    the same (a change that adds and removes nothing). A page that fetched the list meanwhile, as the
    RTE's People panel does on every frame, may show the visitor, and only a frame makes it look again:
    without it the panel kept a person in the breakout they had just left."""
    # A moment long enough that the whole visit falls inside it on a loaded machine too.
    monkeypatch.setattr(presence, "PRESENCE_DEBOUNCE_SECONDS", 2.0)
    monkeypatch.setattr(presence, "PRESENCE_MAX_WAIT_SECONDS", 6.0)
    server = board.server
    watcher, visitor = board.join("observer", "Watcher"), board.join("observer", "Vic Visitor")

    async def scenario() -> None:
        screen = await LiveClient.connect(server.ws_url, board.id, watcher, last_seq=None, name="screen")
        await screen.wait_until(lambda: screen.presence is not None, 10)
        seen = len(screen.frames)
        visit = await LiveClient.connect(server.ws_url, board.id, visitor, last_seq=None, name="visit")
        await visit.wait_welcome()
        await visit.close()
        await screen.wait_until(lambda: any(f["type"] in PRESENCE_FRAMES for f in screen.frames[seen:]), 15)
        told = [f for f in screen.frames[seen:] if f["type"] in PRESENCE_FRAMES]
        assert told == [{"type": "presence_change", "count": 1, "added": [], "removed": []}]
        await screen.close()

    run_async(scenario())


def test_a_session_checked_a_moment_ago_is_checked_again_after_its_link_is_revoked(
    board: BoardHandle,
) -> None:
    """The shared check of a session never outlives a change of access: a socket opening right after
    the revocation (well within the time a check is shared) is refused."""
    with board.rte() as c:
        made = c.post(f"/api/boards/{board.id}/links", json={"role": "observer"}).raise_for_status().json()
        token = made["join_url"].rsplit("/", 1)[1]
        session = (
            c.post("/api/join", json={"token": token, "name": "Obi"}).raise_for_status().json()["session"]
        )

    async def scenario() -> tuple[bool, int | None]:
        first = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=None)
        await first.wait_welcome()
        with board.rte() as c:
            assert c.delete(f"/api/boards/{board.id}/links/{made['id']}").status_code == 204
        try:
            again = await LiveClient.connect(board.server.ws_url, board.id, session, last_seq=None)
        except ConnectionClosed as refused:  # closed before the client could even say hello
            await first.wait_closed(timeout=10)
            return False, refused.rcvd.code if refused.rcvd else None
        await again.wait_closed(timeout=10)
        await first.wait_closed(timeout=10)
        return again.welcome is not None, again.closed_code

    welcomed, closed_code = run_async(scenario())
    assert not welcomed and closed_code == 4401
