"""Live sessions end when their access does: a revoked join link, a removed or merged participant.

Every session is checked at each request and each op (a socket's ops by :class:`SessionCache`: an
answer a moment old serves, never one asked before a change of access); a socket that only listens
would otherwise keep receiving the board. So whenever access on a board changes, :class:`Auth` tells
its listeners (and, on PostgreSQL, every other process through ``NOTIFY piboard_access``, carried by
the LISTEN bridge), and :class:`AccessWatch` re-checks the session of every socket of that board
here: one no longer valid gets an ``error`` frame and close code 4401 at once; one whose participant
was merged into another is asked to reconnect (1013) and comes back as that person; one whose
participant now says they are remote (or in the room) shows so in presence.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from board import Actor
from board.errors import PiboardError
from server.live.connection import Connection
from server.live.hub import Hub
from server.live.protocol import CloseCode, error_frame
from server.store.auth import Auth

# How long the answer to "who is this session?" serves the sockets that open with it: long enough for
# a room reconnecting at once, short enough that a missed notice of a change of access does not linger.
SESSION_CACHE_SECONDS = 2.0
SESSION_CACHE_SIZE = 4096  # answers kept before the expired ones are swept

Who = tuple[Actor, bool]  # a session's participant, and whether they take part remotely
# Who each of a board's sessions is (or why it is nobody), asked of the database together.
AskMany = Callable[[str, list[str | None]], Mapping[str | None, Who | PiboardError]]


@dataclass
class _Asked:
    generation: int  # the board's access generation when it was asked
    at: float
    answer: asyncio.Future[Who]


class SessionCache:
    """Who a session is, asked of the database once for every socket that opens with it at about the
    same time, and for the ops a socket sends in a row: when a room reconnects, 1,000 screens of 150
    people make 150 questions, not 1,000; an editor dragging cards makes one every few seconds, not one
    per card (each was a worker thread's read ahead of the commit, on every edit's way to the screens).
    The questions about one board are asked together: one read in a worker thread at a time, for every
    session asked while the one before was read (150 people arriving at once are a few reads, not 150
    threads opening 150 database connections while the loop welcomes the room).
    An answer serves for ``SESSION_CACHE_SECONDS`` at most, and none asked before a change of access on
    its board (a revoked link, a removed, merged or remote participant) serves after it."""

    def __init__(self, ask: AskMany, clock: Callable[[], float] = time.monotonic) -> None:
        self._ask = ask
        self._clock = clock
        self._asked: dict[tuple[str, str | None], _Asked] = {}
        self._generation: dict[str, int] = {}
        self._changing = threading.Lock()
        # board -> the sessions its next read asks about, each with the answer its askers await.
        self._waiting: dict[str, dict[str | None, asyncio.Future[Who]]] = {}
        self._reading: dict[str, asyncio.Task[None]] = {}  # board -> its read under way

    async def who(self, board_id: str, session: str | None) -> Who:
        """The answer of the board's next read (in a worker thread), or the one it gave a socket that
        asked just before (no hop to a thread then: the answer is at hand)."""
        key = (board_id, session)
        now = self._clock()
        generation = self._generation.get(board_id, 0)
        asked = self._asked.get(key)
        if (
            asked is None
            or asked.generation != generation
            or now - asked.at > SESSION_CACHE_SECONDS
            or (asked.answer.done() and asked.answer.exception() is not None)  # a refusal is not kept
        ):
            if len(self._asked) >= SESSION_CACHE_SIZE:
                self._asked = {k: a for k, a in self._asked.items() if now - a.at <= SESSION_CACHE_SECONDS}
            asked = self._asked[key] = _Asked(generation, now, self._ask_next_read(board_id, session))
        return await asyncio.shield(asked.answer)

    def _ask_next_read(self, board_id: str, session: str | None) -> asyncio.Future[Who]:
        """The answer about ``session`` that the board's next read gives (not one already under way:
        that read may have begun before a change this ask comes after)."""
        waiting = self._waiting.setdefault(board_id, {})
        answer = waiting.get(session)
        if answer is None:
            answer = waiting[session] = asyncio.get_running_loop().create_future()
            answer.add_done_callback(_retrieved)
        if board_id not in self._reading:
            self._reading[board_id] = asyncio.ensure_future(self._read(board_id))
        return answer

    async def _read(self, board_id: str) -> None:
        """Read the board's waiting sessions, and again for those asked meanwhile, until none wait."""
        waiting: dict[str | None, asyncio.Future[Who]] = {}
        try:
            await asyncio.sleep(0)  # the sockets opening in this same turn of the loop join the first read
            while waiting := self._waiting.pop(board_id, {}):
                try:
                    answers = await run_in_threadpool(self._ask, board_id, list(waiting))
                except Exception as failure:  # the database is down, the board is gone: told to all
                    for answer in waiting.values():
                        answer.set_exception(failure)
                    continue
                for session, answer in waiting.items():
                    told = answers[session]
                    if isinstance(told, PiboardError):
                        answer.set_exception(told)
                    else:
                        answer.set_result(told)
        finally:
            del self._reading[board_id]
            # Only when the server stops (the read is cancelled): nobody is left to give these answers.
            for answer in [*waiting.values(), *self._waiting.pop(board_id, {}).values()]:
                if not answer.done():
                    answer.cancel()

    def forget(self, board_id: str) -> None:
        """Access on the board changed: its sessions are asked again. Called from any thread, at once
        (before the change's request is answered), so that no op after it is let through by an answer
        from before; the answers it outdates are replaced when asked, or swept."""
        with self._changing:
            self._generation[board_id] = self._generation.get(board_id, 0) + 1


def _retrieved(answer: asyncio.Future[Who]) -> None:
    """A refusal whose sockets all went away is not logged as never retrieved."""
    if not answer.cancelled():
        answer.exception()


class AccessWatch:
    def __init__(self, hub: Hub, auth: Auth, ask: AskMany) -> None:
        """``ask``: who a board's sessions are, as a socket opening and its ops are let through."""
        self.hub = hub
        self.auth = auth
        self.sessions = SessionCache(ask)
        self._sessions: weakref.WeakKeyDictionary[Connection, str | None] = weakref.WeakKeyDictionary()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    def watch(self, conn: Connection, session: str | None) -> None:
        self._sessions[conn] = session

    def changed(self, board_id: str) -> None:
        """Access on ``board_id`` changed (from any thread, any number of times): re-check its sockets."""
        self.sessions.forget(board_id)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._spawn, board_id)

    def _spawn(self, board_id: str) -> None:
        task = asyncio.ensure_future(self.recheck(board_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def recheck(self, board_id: str) -> None:
        channel = self.hub.channels.get(board_id)
        if channel is None:
            return
        connections = [c for c in channel.connections if not c.closed and c in self._sessions]
        verdicts = await run_in_threadpool(self._verdicts, board_id, connections)
        for conn, (verdict, remote) in zip(connections, verdicts, strict=True):
            if isinstance(verdict, PiboardError):
                conn.send(error_frame("unauthenticated", verdict.reason))
                conn.close_after_flush(CloseCode.UNAUTHENTICATED, verdict.reason)
            elif verdict.id != conn.actor.id:
                conn.drop(CloseCode.TRY_AGAIN, "you were merged with another participant: reconnect")
            elif remote != conn.remote:
                self.hub.presence.set_remote(board_id, conn.actor.id, remote)

    def _verdicts(
        self, board_id: str, connections: list[Connection]
    ) -> list[tuple[Actor | PiboardError, bool]]:
        """Each socket's participant now (or why it has none), and whether they take part remotely: one
        read for every socket of the board."""
        sessions = [self._sessions.get(conn) for conn in connections]
        answers = self.auth.actors_and_places(board_id, sessions)
        verdicts: list[tuple[Actor | PiboardError, bool]] = []
        for conn, session in zip(connections, sessions, strict=True):
            answer = answers[session]
            verdicts.append((answer, conn.remote) if isinstance(answer, PiboardError) else answer)
        return verdicts
