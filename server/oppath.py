"""The one edit path: every change to every board, from every door, goes through :class:`OpPath`.

validate (done by the door) → authorise and apply (``board.apply_op``) → one database
transaction that writes the changed item rows and appends one ``event`` row per op with
the next gapless per-board ``seq`` → after commit, listeners (the live hub) are told.

Writers of one board are serialised by the board row itself: the transaction starts by
bumping ``board.seq`` (``UPDATE … RETURNING``), which takes the row lock on PostgreSQL and
the write lock on SQLite (``BEGIN IMMEDIATE``). A refused op rolls back, so ``seq`` has no gaps.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from board import Actor, BoardState, Op, apply_op
from board.errors import NotFound, PiboardError
from board.events import Committed, to_row
from board.ops import Context
from server.db import utcnow
from server.errors import RateLimited
from server.store import BOARD, EVENT, ITEM, BoardStore

NOTIFY_CHANNEL = "piboard_events"


@dataclass(frozen=True)
class SharedRate:
    """At most ``burst`` accepted edits per participant in any ``burst / rate`` seconds, on every process
    together: counted from the participant's newest events, under the board's row lock."""

    rate: float
    burst: int

    def check(self, conn: Connection, board_id: str, actor_id: str, now: float) -> None:
        oldest_of_burst = conn.execute(
            select(EVENT.c.at)
            .where(EVENT.c.board_id == board_id, EVENT.c.actor_id == actor_id)
            .order_by(EVENT.c.seq.desc())
            .offset(self.burst - 1)
            .limit(1)
        ).scalar_one_or_none()
        if oldest_of_burst is not None and oldest_of_burst.timestamp() > now - self.burst / self.rate:
            raise RateLimited(f"too many edits: at most {self.rate:g} per second; slow down and retry")


def new_id() -> str:
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


class BatchRefused(PiboardError):
    """One op of a batch was refused; none of the batch was applied."""

    code = "batch_refused"

    def __init__(self, index: int, cause: PiboardError) -> None:
        super().__init__(f"op {index + 1} was refused: {cause.reason}", index=index, cause=cause.code)
        self.index = index
        self.cause = cause


CommitListener = Callable[[str, list[Committed]], None]
# Builds more ops from a board just created, applied in the same transaction (see OpPath.create_board).
FollowUp = Callable[[BoardState], list[Op]]


class OpPath(BoardStore):
    """The writer: a :class:`BoardStore` that also applies ops and appends their events."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(engine)
        self.clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._listeners: list[CommitListener] = []
        # Several processes (PostgreSQL): a participant's edits are also limited across all of them.
        self.shared_rate: SharedRate | None = None

    # --- writing ------------------------------------------------------------------------------

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def create_board(
        self,
        name: str,
        creator: Actor,
        args: dict[str, Any] | None = None,
        *,
        then: FollowUp | None = None,
        board_id: str | None = None,
    ) -> str:
        """Create a board: its ``board.create`` event and, in the same transaction, the ops that ``then``
        builds from the new board (the demo's plan, an imported file). All of it is stored, or nothing.
        A given ``board_id`` that exists already raises SQLAlchemy's ``IntegrityError``."""
        board_id = board_id or new_id()
        first = Op("board.create", args={"name": name, **(args or {})}, client_op_id=f"create-{board_id}")
        self._submit(board_id, [first], creator, create_name=name, then=then)
        return board_id

    def submit(self, board_id: str, op: Op, actor: Actor) -> Committed:
        """Apply one op. Raises a ``Refused`` (nothing changed) or returns its committed event."""
        return self._submit(board_id, [op], actor, limited=True)[0]

    def submit_batch(self, board_id: str, ops: list[Op], actor: Actor) -> list[Committed]:
        """Apply ops in order in one transaction: all are committed, or none (imports, the demo)."""
        return self._submit(board_id, ops, actor)

    def _submit(
        self,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        *,
        create_name: str | None = None,
        then: FollowUp | None = None,
        limited: bool = False,
    ) -> list[Committed]:
        with self._board_lock(board_id):
            # Ops apply to a copy-on-write snapshot: a refusal or a failed commit leaves the cache as it was.
            committed, state = self._write(board_id, ops, actor, create_name, then, limited)
            if state is not None:
                self._remember(state)
        fresh = [c for c in committed if not c.duplicate]
        if fresh:
            for listener in self._listeners:
                listener(board_id, fresh)
        return committed

    def _write(
        self,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        create_name: str | None,
        then: FollowUp | None,
        limited: bool = False,
    ) -> tuple[list[Committed], BoardState | None]:
        results: list[Committed] = []
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if create_name is not None:
                conn.execute(
                    insert(BOARD).values(id=board_id, name=create_name[:120], seq=0, created_at=utcnow())
                )
            # Lock the board row before looking for duplicates: on PostgreSQL another process may be
            # committing the same client_op_id (a resend) right now; the lock makes us see its event.
            conn.execute(select(BOARD.c.seq).where(BOARD.c.id == board_id).with_for_update())
            if (
                limited
                and self.shared_rate is not None
                and not self._already_applied(conn, board_id, ops[0], actor)
            ):
                self.shared_rate.check(conn, board_id, actor.id, self.clock())
            working = self._apply(conn, board_id, ops, actor, None, results)
            if then is not None and working is not None:
                working = self._apply(conn, board_id, then(working.snapshot()), actor, working, results)
        return results, working

    def _apply(
        self,
        conn: Connection,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        working: BoardState | None,
        results: list[Committed],
    ) -> BoardState | None:
        for index, op in enumerate(ops):
            if not op.client_op_id:
                op = Op(op.type, op.target, op.base_version, op.args, client_op_id=f"srv-{new_id()}")
            seen = self._already_applied(conn, board_id, op, actor)
            if seen is not None:
                results.append(seen)
                continue
            seq = conn.execute(
                update(BOARD).where(BOARD.c.id == board_id).values(seq=BOARD.c.seq + 1).returning(BOARD.c.seq)
            ).scalar_one_or_none()
            if seq is None:
                raise NotFound(f"no board '{board_id}'")
            if working is None:
                working = self._current(conn, board_id, seq - 1)
            now = self.clock()
            try:
                context = Context(now, new_id, seq, history=lambda n: self._event(conn, board_id, n))
                changes = apply_op(working, op, actor, context)
            except PiboardError as refusal:
                if len(ops) > 1:
                    raise BatchRefused(index, refusal) from refusal
                raise
            working.seq = seq
            event = Committed(board_id, seq, op.client_op_id, op, changes, actor, now)
            self._write_rows(conn, event)
            results.append(event)
        return working

    def _already_applied(self, conn: Connection, board_id: str, op: Op, actor: Actor) -> Committed | None:
        row = conn.execute(
            # Scoped to the sender: another participant cannot pre-claim someone's next id.
            select(EVENT.c.seq).where(
                EVENT.c.board_id == board_id,
                EVENT.c.actor_id == actor.id,
                EVENT.c.client_op_id == op.client_op_id,
            )
        ).first()
        if row is None:
            return None
        return Committed(board_id, row.seq, op.client_op_id, op, [], actor, self.clock(), duplicate=True)

    def _write_rows(self, conn: Connection, event: Committed) -> None:
        board_id = event.board_id
        for ch in event.changes:
            key = (ITEM.c.board_id == board_id, ITEM.c.kind == ch.kind, ITEM.c.item_id == ch.id)
            if ch.after is None:
                conn.execute(delete(ITEM).where(*key))
            elif ch.before is None:
                conn.execute(
                    insert(ITEM).values(
                        board_id=board_id,
                        kind=ch.kind,
                        item_id=ch.id,
                        version=ch.after["version"],
                        data=ch.after,
                    )
                )
            else:
                conn.execute(update(ITEM).where(*key).values(version=ch.after["version"], data=ch.after))
        conn.execute(insert(EVENT).values(**to_row(event)))
        if self._postgres:
            # Delivered to every listening process when (and only if) this transaction commits.
            conn.execute(
                text("SELECT pg_notify(:ch, :payload)"),
                {"ch": NOTIFY_CHANNEL, "payload": f"{board_id}:{event.seq}"},
            )

    def _board_lock(self, board_id: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(board_id)
            if lock is None:
                lock = self._locks[board_id] = threading.Lock()
            return lock
